// SPDX-License-Identifier: MIT
/*
 * Frame allocator over regions: region 0 is what this core's partition
 * left after boot; further regions are memory other cores lent us
 * (frame_adopt) or memory we lent that came back (frame_reclaim). Each
 * region hands out never-used frames from its window (rangetab.h): region
 * 0 from the bottom up, the others from the top down, so a piece lent just
 * below a borrowed region (lenders lend downwards) merges with it; freed
 * frames go on one free list threaded through their first word (through
 * DMAP), and every region counts its frames in use so a borrowed region
 * can go back whole once nothing in it is used.
 *
 * Lending takes whole 2 MiB pieces off the top of region 0's never-used
 * part and unmaps them from this core's DMAP before they leave: from then
 * on this core cannot reach them at all. What is lent is kept in a second
 * table, neighbours merged. Both tables grow a page at a time in this
 * core's own frames, as many entries as it needs, and shrink again.
 */
#include "frame.h"
#include "kernel.h"
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <string.h>

#include "rangetab.h"

enum { OWN = 0, BORROWED = 1, SLICE = 2 };

static struct rtab regions, lent;
static uint64_t free_head, nfree;

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

/* the tables' page source: this core's own frames */
static uint64_t tab_alloc(void *ctx)
{
	(void)ctx;
	return frame_alloc();
}

static void tab_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	frame_free(phys);
}

static void *tab_p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	return dmap(phys);
}

void frame_init(uint64_t next)
{
	struct range r0 = {0}, sl = {0};
	bool slice = self.slice_end > self.slice_base;

	rt_init(&regions, tab_alloc, tab_free, tab_p2v, 0);
	rt_init(&lent, tab_alloc, tab_free, tab_p2v, 0);
	next = (next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	/* region 0 is the whole partition; what the booter took below next
	 * (instance, page tables, boot record), in the slice if there is
	 * one, counts as used and may come back (smp_boot_done frees the
	 * trampoline's tables) */
	r0.base = self.part_base;
	r0.lo = slice ? r0.base : next;
	r0.used = (r0.lo - r0.base) / PAGE_SIZE;
	r0.end = r0.hi = self.part_end & ~(PAGE_SIZE - 1);
	r0.kind = OWN;
	r0.owner = self.id;
	rt_add(&regions, &r0);
	/* the slice: an entry of its own kind (it merges with nothing) that
	 * frame_alloc_raw uses first */
	if (slice) {
		sl.base = self.slice_base;
		sl.lo = next;
		sl.used = (sl.lo - sl.base) / PAGE_SIZE;
		sl.end = sl.hi = self.slice_end & ~(PAGE_SIZE - 1);
		sl.kind = SLICE;
		sl.owner = self.id;
		rt_add(&regions, &sl);
	}
	free_head = 0;
	nfree = 0;
	kpt.alloc = pt_frame;
	kpt.p2v = pt_p2v;
	kpt.ctx = 0;
}

static struct range *region_of(uint64_t phys)
{
	int i = rt_find(&regions, phys);

	return i < 0 ? 0 : rt_at(&regions, (uint32_t)i);
}

uint64_t frame_alloc_raw(void)
{
	uint64_t f = 0;
	struct range *r;

	if (free_head) {
		f = free_head;
		free_head = *(uint64_t *)dmap(f);
		nfree--;
	} else {
		/* the slice first (it shares its 2 MiB page with other
		 * cores' slices), then region 0 bottom up (lending takes
		 * its top), then the others top down (a piece lent below
		 * one merges with it) */
		for (uint32_t pass = 0; pass < 2 && !f; pass++) {
			for (uint32_t i = 0; i < regions.n && !f; i++) {
				r = rt_at(&regions, i);
				if ((r->kind == SLICE) != (pass == 0) ||
				    r->lo >= r->hi) {
					continue;
				}
				if (i == 0 || r->kind == SLICE) {
					f = r->lo;
					r->lo += PAGE_SIZE;
				} else {
					r->hi -= PAGE_SIZE;
					f = r->hi;
				}
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
	struct range *r = region_of(phys);

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

	for (uint32_t i = 0; i < regions.n; i++) {
		struct range *r = rt_at(&regions, i);
		n += r->hi - r->lo;
	}
	return n;
}

uint64_t frame_used_bytes(void)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < regions.n; i++) {
		n += rt_at(&regions, i)->used * PAGE_SIZE;
	}
	return n;
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
	write_cr3(read_cr3());
}

/* add_region: r (mapped in DMAP) becomes a region, merged with its
 * neighbours if it can be; with no frame left for the table's next page,
 * r's own top frame is that page (counted as used in r) */
static void add_region(struct range *r)
{
	if (rt_join(&regions, r) >= 0) {
		return;
	}
	if (rt_room(&regions) < 0) {
		r->hi -= PAGE_SIZE;
		r->used++;
		rt_grow(&regions, r->hi);
	}
	rt_add(&regions, r);
}

uint32_t frame_borrowed(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < regions.n; i++) {
		n += rt_at(&regions, i)->kind == BORROWED;
	}
	return n;
}

uint64_t frame_borrowed_bytes(void)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < regions.n; i++) {
		struct range *r = rt_at(&regions, i);
		n += r->kind == BORROWED ? r->end - r->base : 0;
	}
	return n;
}

uint64_t frame_lent_bytes(void)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < lent.n; i++) {
		struct range *l = rt_at(&lent, i);
		n += l->end - l->base;
	}
	return n;
}

void frame_tables(uint32_t *regions_used, uint32_t *regions_size,
		  uint32_t *lent_used, uint32_t *lent_size)
{
	*regions_used = regions.n;
	*regions_size = regions.cap;
	*lent_used = lent.n;
	*lent_size = lent.cap;
}

int frame_lend(uint64_t size, uint64_t *base)
{
	struct range *r0 = rt_at(&regions, 0), l = {0};
	uint64_t b;

	/* room in the lent table first: its page comes from region 0 */
	if (rt_room(&lent) < 0) {
		return E_NOMEM;
	}
	if (!size || size % LARGE_PAGE_SIZE || size > r0->hi - r0->lo ||
	    r0->hi != r0->end) {
		return E_NOMEM;
	}
	b = r0->hi - size;
	if (b % LARGE_PAGE_SIZE) {
		return E_NOMEM;
	}
	l.base = l.lo = b;
	l.end = l.hi = b + size;
	if (rt_join(&lent, &l) < 0) {
		rt_add(&lent, &l);
	}
	r0->end = r0->hi = b;
	dmap_drop(b, size);
	*base = b;
	return 0;
}

/* part_owner: the core whose partition holds [pa, pa + size), or -1 */
static int part_owner(uint64_t pa, uint64_t size)
{
	for (uint32_t c = 0; c < self.ncores; c++) {
		const struct boot_core *b = &self.bt->cores[c];

		if (pa >= b->part_base && pa + size <= b->part_end) {
			return (int)c;
		}
	}
	return -1;
}

int frame_adopt(uint64_t base, uint64_t size)
{
	struct range r = {0};
	int owner;

	if (!size || base % LARGE_PAGE_SIZE || size % LARGE_PAGE_SIZE ||
	    base + size < base) {
		return E_INVAL;
	}
	owner = part_owner(base, size);
	if (owner < 0 || owner == (int)self.id) {
		return E_INVAL;
	}
	for (uint32_t i = 0; i < regions.n; i++) {
		struct range *e = rt_at(&regions, i);
		if (base < e->end && e->base < base + size) {
			return E_INVAL;
		}
	}
	if (pt_map(&kpt, self.pml4, DMAP_BASE + base, base, size,
		   PTE_W | PTE_NX, true)) {
		dmap_drop(base, size);
		return E_NOMEM;
	}
	r.base = r.lo = base;
	r.end = r.hi = base + size;
	r.kind = BORROWED;
	r.owner = (uint32_t)owner;
	add_region(&r);
	return (int)frame_borrowed();
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
	for (uint32_t i = 1; i < regions.n; i++) {
		struct range *r = rt_at(&regions, i);
		uint64_t b = r->base, e = r->end;

		if (r->kind != BORROWED || r->used) {
			continue;
		}
		unlist(b, e);
		rt_del(&regions, i); /* may give a table page back */
		dmap_drop(b, e - b);
		*base = b;
		*size = e - b;
		return 0;
	}
	return E_AGAIN;
}

int frame_reclaim(uint64_t base, uint64_t size)
{
	struct range r = {0};

	if (!size || base % LARGE_PAGE_SIZE || size % LARGE_PAGE_SIZE ||
	    base + size < base) {
		return E_INVAL;
	}
	/* only what we lent: all of it in one lent range */
	if (rt_covering(&lent, base, base + size) < 0) {
		return E_NOENT;
	}
	if (pt_map(&kpt, self.pml4, DMAP_BASE + base, base, size,
		   PTE_W | PTE_NX, true)) {
		return E_NOMEM;
	}
	r.base = r.lo = base;
	r.end = r.hi = base + size;
	r.kind = OWN;
	r.owner = self.id;
	add_region(&r);
	/* a split of the lent range needs an entry: the frames that just
	 * came back have one */
	if (rt_room(&lent) < 0 || rt_cut(&lent, base, base + size) < 0) {
		panic("frame_reclaim: no entry for the lent table");
	}
	return 0;
}

bool frame_adopted(uint64_t pa, uint64_t size)
{
	struct range *r = region_of(pa);

	return r && r->kind == BORROWED && pa + size <= r->end;
}

bool frame_is_lent(uint64_t pa, uint64_t size)
{
	for (uint32_t i = 0; i < lent.n; i++) {
		struct range *l = rt_at(&lent, i);
		if (pa < l->end && l->base < pa + size) {
			return true;
		}
	}
	return false;
}
