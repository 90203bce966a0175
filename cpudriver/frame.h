/* SPDX-License-Identifier: MIT */
/*
 * This core's physical frame allocator: 4 KiB frames from its own
 * partition only. A bump pointer over the part not used at boot plus a
 * free list threaded through freed frames (through DMAP). No locks: only
 * this core allocates from its partition.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stdint.h>
#include <arch/paging.h>

/* frame_init: frames come from [next, end) of this core's partition. */
void frame_init(uint64_t next, uint64_t end);

/* frame_alloc: a zeroed frame's physical address, or 0 if none left. */
uint64_t frame_alloc(void);

/* frame_free: gives a frame back (debug builds poison it). */
void frame_free(uint64_t phys);

/* frame_free_bytes: what is left to allocate. */
uint64_t frame_free_bytes(void);

/* kpt: page-table allocator over this core's frames and DMAP. */
extern struct pt_alloc kpt;

#endif
