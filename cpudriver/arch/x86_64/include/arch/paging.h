/* SPDX-License-Identifier: MIT */
/*
 * x86-64 four-level page tables, built through a caller-supplied allocator
 * so that the same code builds a core's own tables (frames from its
 * partition, reached through DMAP) and a new core's tables (frames from the
 * new core's partition, reached through the boot window).
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_G 0x100ull
#define PTE_SHARED 0x200ull /* software bit: a frame this address space
			       shares (a channel, a boot module's page, a
			       trace buffer); never freed with it */
#define PTE_REMOTE 0x400ull /* software bit, with PTE_SHARED: the channel's
			       other end is on another core (the frame is
			       not freed when this core's ends close) */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

struct pt_alloc {
	/* returns the physical address of a zeroed 4 KiB frame, 0 if none */
	uint64_t (*alloc)(struct pt_alloc *a);
	/* returns a writable pointer to physical address phys */
	void *(*p2v)(struct pt_alloc *a, uint64_t phys);
	void *ctx;
};

/* pt_map: maps [va, va+size) to [pa, pa+size) with flags (PTE_W, PTE_U,
 * PTE_NX, PTE_PCD...; PTE_P is implied). Uses 2 MiB pages where va, pa and
 * the remaining size allow and `large` is set. Returns 0 or E_NOMEM
 * (tables already made stay). va, pa, size must be 4 KiB aligned. */
int pt_map(struct pt_alloc *a, uint64_t pml4, uint64_t va, uint64_t pa,
	   uint64_t size, uint64_t flags, bool large);

/* pt_unmap: removes 4 KiB mappings in [va, va+size); 2 MiB mappings met on
 * the way are removed whole. Tables are kept. The caller flushes the TLB. */
void pt_unmap(struct pt_alloc *a, uint64_t pml4, uint64_t va, uint64_t size);

/* pt_prune: the tables on the way to va that map nothing any more are
 * given to free_table, lowest level first, up to but not the PML4; one it
 * refuses (false: not the caller's to free) stays linked, and so do the
 * tables above it. The caller flushes the TLB. */
void pt_prune(struct pt_alloc *a, uint64_t pml4, uint64_t va,
	      bool (*free_table)(uint64_t phys));

/* pt_translate: physical address mapped at va, or UINT64_MAX if none;
 * *flags gets the leaf's flags with PTE_U/PTE_W cleared if any upper level
 * lacks them. */
uint64_t pt_translate(struct pt_alloc *a, uint64_t pml4, uint64_t va,
		      uint64_t *flags);

/* pt_scan: the first 4 KiB-aligned va in [lo, hi) whose 4 KiB leaf entry
 * maps phys with every bit of `flags` set (want_present), or maps nothing
 * (!want_present; phys and flags unused); hi if none. Reads each page
 * table on the way once instead of walking from the root for every page
 * (a process's channel area: proc.c). Inside a 2 MiB page nothing is
 * free and nothing matches. */
uint64_t pt_scan(struct pt_alloc *a, uint64_t pml4, uint64_t lo, uint64_t hi,
		 bool want_present, uint64_t phys, uint64_t flags);

/* pt_free_user: frees (through free_frame) every user-half table and
 * every frame mapped 4 KiB at a user address in the tables at pml4, except
 * frames mapped with PTE_SHARED (channel frames, boot module pages: owned
 * elsewhere). */
void pt_free_user(struct pt_alloc *a, uint64_t pml4,
		  void (*free_frame)(uint64_t phys));

#endif
