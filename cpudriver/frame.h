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

/* frame_init: frames come from [next, end) of this core's partition. */
void frame_init(uint64_t next, uint64_t end);

/* frame_alloc: a zeroed frame's physical address, or 0 if none left. */
uint64_t frame_alloc(void);

/* frame_alloc_raw: the same without the zeroing: the frame holds what its
 * last user left, so the caller must write every byte of it before anyone
 * else (a process) can read it. */
uint64_t frame_alloc_raw(void);

/* frame_free: gives a frame back (debug builds poison it). */
void frame_free(uint64_t phys);

/* frame_free_table: an empty page table goes back if this core's
 * allocator gave it out (true); the booter made the first ones, in memory
 * that is not this core's to free (false: keep it). For pt_prune. */
bool frame_free_table(uint64_t phys);

/* frame_free_bytes: what is left to allocate. */
uint64_t frame_free_bytes(void);

/* frame_lend: takes size bytes (2 MiB multiple) of never-used memory off
 * this core, unmapped from its DMAP, to lend to another core; *base gets
 * the range. E_NOMEM if that much is not free at the top. */
int frame_lend(uint64_t size, uint64_t *base);

/* frame_adopt: another core lent [base, base+size): map it in DMAP and
 * allocate from it. The caller (the monitor's system call) has checked it
 * lies in another core's partition. */
int frame_adopt(uint64_t base, uint64_t size);

/* frame_release: a borrowed region with nothing in use, unmapped and
 * dropped, to give back; E_AGAIN if none. */
int frame_release(uint64_t *base, uint64_t *size);

/* frame_reclaim: a range this core lent came back: use it again. */
int frame_reclaim(uint64_t base, uint64_t size);

/* frame_adopted / frame_is_lent: for the isolation checks. */
bool frame_adopted(uint64_t pa, uint64_t size);
bool frame_is_lent(uint64_t pa, uint64_t size);

/* kpt: page-table allocator over this core's frames and DMAP. */
extern struct pt_alloc kpt;

#endif
