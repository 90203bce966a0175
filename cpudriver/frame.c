// SPDX-License-Identifier: MIT
/*
 * Frame allocator. A freed frame's first word links the free list; the
 * list is only ever touched by this core.
 */
#include "frame.h"
#include "kernel.h"
#include <arch/memlayout.h>
#include <string.h>

static uint64_t bump, bump_end, free_head, nfree;

static uint64_t pt_frame(struct pt_alloc *a)
{
	(void)a;
	return frame_alloc();
}

static void *pt_p2v(struct pt_alloc *a, uint64_t phys)
{
	(void)a;
	return dmap(phys);
}

struct pt_alloc kpt;

void frame_init(uint64_t next, uint64_t end)
{
	bump = (next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bump_end = end & ~(PAGE_SIZE - 1);
	free_head = 0;
	nfree = 0;
	kpt.alloc = pt_frame;
	kpt.p2v = pt_p2v;
	kpt.ctx = 0;
}

uint64_t frame_alloc(void)
{
	uint64_t f;

	if (free_head) {
		f = free_head;
		free_head = *(uint64_t *)dmap(f);
		nfree--;
	} else if (bump < bump_end) {
		f = bump;
		bump += PAGE_SIZE;
	} else {
		return 0;
	}
	memset(dmap(f), 0, PAGE_SIZE);
	return f;
}

void frame_free(uint64_t phys)
{
	ASSERT(phys >= self.part_base && phys < self.part_end);
#ifdef DEBUG
	memset(dmap(phys), 0x6b, PAGE_SIZE);
#endif
	*(uint64_t *)dmap(phys) = free_head;
	free_head = phys;
	nfree++;
}

uint64_t frame_free_bytes(void)
{
	return bump_end - bump + nfree * PAGE_SIZE;
}
