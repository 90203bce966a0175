/* SPDX-License-Identifier: MIT */
/*
 * This core's physical frame allocator: 4 KiB frames from its own
 * partition only. A bump pointer over the part not used at boot plus a
 * free list threaded through freed frames (through DMAP). No locks: only
 * this core allocates from its partition.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/paging.h>

/* frame_init: frames come from this core's boot slice (self.slice_*)
 * first, then its partition; the booter used the slice, or if there is
 * none the partition, up to next. */
void frame_init(uint64_t next);

/* frame_alloc: a zeroed frame's physical address, or 0 if none left. */
uint64_t frame_alloc(void);

/* frame_alloc_raw: the same without the zeroing: the frame holds what its
 * last user left, so the caller must write every byte of it before anyone
 * else (a process) can read it. */
uint64_t frame_alloc_raw(void);

/* frame_free: gives a frame back (debug builds poison it). */
void frame_free(uint64_t phys);

/* frame_free_table: an empty page table goes back if it is a frame of
 * this core's (true: the booter's tables too, made in this core's
 * partition); false: keep it. For pt_prune. */
bool frame_free_table(uint64_t phys);

/* frame_free_bytes: what is left to allocate. */
uint64_t frame_free_bytes(void);

/* frame_used_bytes: what is in use: the frames the booter took for this
 * core's instance and every frame allocated and not freed (borrowed
 * ones too) */
uint64_t frame_used_bytes(void);

/* frame_borrowed_bytes / frame_lent_bytes: the memory this core holds
 * from other cores now, and what of its own it has lent out now */
uint64_t frame_borrowed_bytes(void);
uint64_t frame_lent_bytes(void);

/* frame_lend: takes size bytes (2 MiB multiple) of never-used memory off
 * this core, unmapped from its DMAP, to lend to another core; *base gets
 * the range. E_NOMEM if that much is not free at the top. */
int frame_lend(uint64_t size, uint64_t *base);

/* frame_adopt: another core lent [base, base+size): map it in DMAP and
 * allocate from it (merged with a borrowed region it touches, from the
 * same lender). The caller (the monitor's system call) has checked it
 * lies in another core's partition. Returns how many borrowed regions
 * this core holds now (>= 1), or an error. */
int frame_adopt(uint64_t base, uint64_t size);

/* frame_release: a borrowed region with nothing in use, unmapped and
 * dropped, to give back; E_AGAIN if none. */
int frame_release(uint64_t *base, uint64_t *size);

/* frame_reclaim: a range this core lent came back (all of it inside one
 * lent range, neighbours having merged): use it again. */
int frame_reclaim(uint64_t base, uint64_t size);

/* frame_adopted / frame_is_lent: for the isolation checks. */
bool frame_adopted(uint64_t pa, uint64_t size);
bool frame_is_lent(uint64_t pa, uint64_t size);

/* frame_borrowed: borrowed regions held (what frame_adopt returns);
 * frame_tables: entries in use and room in the region and lent tables
 * (each grows a page at a time, rangetab.h) */
uint32_t frame_borrowed(void);
void frame_tables(uint32_t *regions_used, uint32_t *regions_size,
		  uint32_t *lent_used, uint32_t *lent_size);

/* kpt: page-table allocator over this core's frames and DMAP. */
extern struct pt_alloc kpt;

#endif
