// SPDX-License-Identifier: MIT
/*
 * Frame allocator over regions: region 0 is what this core's partition
 * left after boot; further regions are memory other cores lent us
 * (frame_adopt) or memory we lent that came back (frame_reclaim). Each
 * region hands out never-used frames from a bump pointer; freed frames go
 * on one free list threaded through their first word (through DMAP), and
 * every region counts its frames in use so a borrowed region can go back
 * whole once nothing in it is used.
 *
 * Lending takes whole 2 MiB pieces off the top of region 0's never-used
 * part and unmaps them from this core's DMAP before they leave: from then
 * on this core cannot reach them at all.
 */
#include "frame.h"
#include "kernel.h"
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <string.h>

#define REGIONS 16
#define LENT_MAX 16

struct region {
	uint64_t base, end, bump;
	uint64_t used; /* frames handed out and not freed */
	bool active, borrowed;
};

static struct region regions[REGIONS];
static uint64_t free_head, nfree;
static struct mem_range_lent {
	uint64_t base, size;
} lent[LENT_MAX];

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
	memset(regions, 0, sizeof(regions));
	regions[0].base = (next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	regions[0].bump = regions[0].base;
	regions[0].end = end & ~(PAGE_SIZE - 1);
	regions[0].active = true;
	free_head = 0;
	nfree = 0;
	kpt.alloc = pt_frame;
	kpt.p2v = pt_p2v;
	kpt.ctx = 0;
}

static struct region *region_of(uint64_t phys)
{
	for (int i = 0; i < REGIONS; i++) {
		if (regions[i].active && phys >= regions[i].base &&
		    phys < regions[i].end) {
			return &regions[i];
		}
	}
	return 0;
}

uint64_t frame_alloc_raw(void)
{
	uint64_t f = 0;
	struct region *r;

	if (free_head) {
		f = free_head;
		free_head = *(uint64_t *)dmap(f);
		nfree--;
	} else {
		for (int i = 0; i < REGIONS && !f; i++) {
			r = &regions[i];
			if (r->active && r->bump < r->end) {
				f = r->bump;
				r->bump += PAGE_SIZE;
			}
		}
		if (!f) {
			return 0;
		}
	}
	r = region_of(f);
	if (r) {
		r->used++;
	}
	return f;
}

uint64_t frame_alloc(void)
{
	uint64_t f = frame_alloc_raw();

	if (f) {
		memset(dmap(f), 0, PAGE_SIZE);
	}
	return f;
}

void frame_free(uint64_t phys)
{
	struct region *r = region_of(phys);

	if (!r) {
		panic("frame_free: 0x%lx is not this core's", phys);
	}
	r->used--;
#ifdef DEBUG
	memset(dmap(phys), 0x6b, PAGE_SIZE);
#endif
	*(uint64_t *)dmap(phys) = free_head;
	free_head = phys;
	nfree++;
}

uint64_t frame_free_bytes(void)
{
	uint64_t n = nfree * PAGE_SIZE;

	for (int i = 0; i < REGIONS; i++) {
		if (regions[i].active) {
			n += regions[i].end - regions[i].bump;
		}
	}
	return n;
}

static void flush_tlb(void)
{
	write_cr3(read_cr3());
}

static struct region *new_region(uint64_t base, uint64_t size, bool borrowed)
{
	for (int i = 1; i < REGIONS; i++) {
		if (!regions[i].active) {
			regions[i] = (struct region){base, base + size, base, 0,
						     true, borrowed};
			return &regions[i];
		}
	}
	return 0;
}

bool frame_free_table(uint64_t phys)
{
	if (!region_of(phys)) {
		return false;
	}
	frame_free(phys);
	return true;
}

/* dmap_drop: [base, base + size) leaves this core's direct map, and the
 * tables that mapped only it go too (a borrowed range given back leaves
 * nothing behind) */
static void dmap_drop(uint64_t base, uint64_t size)
{
	pt_unmap(&kpt, self.pml4, DMAP_BASE + base, size);
	for (uint64_t a = base; a < base + size; a += LARGE_PAGE_SIZE) {
		pt_prune(&kpt, self.pml4, DMAP_BASE + a, frame_free_table);
	}
	flush_tlb();
}

int frame_lend(uint64_t size, uint64_t *base)
{
	struct region *r = &regions[0];
	uint64_t b = r->end - size;
	int slot = -1;

	if (!size || size % LARGE_PAGE_SIZE || size > r->end - r->bump ||
	    b % LARGE_PAGE_SIZE) {
		return E_NOMEM;
	}
	for (int i = 0; i < LENT_MAX && slot < 0; i++) {
		if (!lent[i].size) {
			slot = i;
		}
	}
	if (slot < 0) {
		return E_TOOBIG;
	}
	r->end = b;
	lent[slot].base = b;
	lent[slot].size = size;
	dmap_drop(b, size);
	*base = b;
	return 0;
}

int frame_adopt(uint64_t base, uint64_t size)
{
	if (!size || base % LARGE_PAGE_SIZE || size % LARGE_PAGE_SIZE ||
	    base + size < base) {
		return E_INVAL;
	}
	for (uint64_t a = base; a < base + size; a += PAGE_SIZE) {
		if (region_of(a)) {
			return E_INVAL;
		}
	}
	if (!new_region(base, size, true)) {
		return E_TOOBIG;
	}
	if (pt_map(&kpt, self.pml4, DMAP_BASE + base, base, size,
		   PTE_W | PTE_NX, true)) {
		region_of(base)->active = false;
		return E_NOMEM;
	}
	return 0;
}

/* unlist: take every free frame of [base, end) off the free list */
static void unlist(uint64_t base, uint64_t end)
{
	uint64_t *link = &free_head;

	while (*link) {
		uint64_t f = *link;
		if (f >= base && f < end) {
			*link = *(uint64_t *)dmap(f);
			nfree--;
		} else {
			link = (uint64_t *)dmap(f);
		}
	}
}

int frame_release(uint64_t *base, uint64_t *size)
{
	for (int i = 1; i < REGIONS; i++) {
		struct region *r = &regions[i];
		if (!r->active || !r->borrowed || r->used) {
			continue;
		}
		unlist(r->base, r->end);
		r->active = false;
		dmap_drop(r->base, r->end - r->base);
		*base = r->base;
		*size = r->end - r->base;
		return 0;
	}
	return E_AGAIN;
}

int frame_reclaim(uint64_t base, uint64_t size)
{
	for (int i = 0; i < LENT_MAX; i++) {
		if (lent[i].size && lent[i].base == base && lent[i].size == size) {
			if (pt_map(&kpt, self.pml4, DMAP_BASE + base, base, size,
				   PTE_W | PTE_NX, true)) {
				return E_NOMEM;
			}
			if (base == regions[0].end) {
				regions[0].end += size;
			} else if (!new_region(base, size, false)) {
				return E_TOOBIG;
			}
			lent[i].size = 0;
			return 0;
		}
	}
	return E_NOENT;
}

bool frame_adopted(uint64_t pa, uint64_t size)
{
	struct region *r = region_of(pa);

	return r && r->borrowed && pa + size <= r->end;
}

bool frame_is_lent(uint64_t pa, uint64_t size)
{
	for (int i = 0; i < LENT_MAX; i++) {
		if (lent[i].size && pa < lent[i].base + lent[i].size &&
		    lent[i].base < pa + size) {
			return true;
		}
	}
	return false;
}
