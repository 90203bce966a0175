// SPDX-License-Identifier: MIT
/*
 * Four-level page tables. Intermediate entries are always present, writable
 * and user-accessible; the leaf decides what is allowed. No locks: only the
 * owning core (or, before it runs, its booter) ever touches a core's tables.
 */
#include <arch/paging.h>
#include <arch/memlayout.h>
#include <abi/errors.h>

#define IDX(va, level) (((va) >> (12 + 9 * (level))) & 511)

static uint64_t *table(struct pt_alloc *a, uint64_t phys)
{
	return a->p2v(a, phys & PTE_ADDR);
}

/* next: the table below entry e, made if absent; NULL if out of frames or
 * the entry is a large page. */
static uint64_t *next(struct pt_alloc *a, uint64_t *e)
{
	uint64_t phys;

	if (*e & PTE_P) {
		if (*e & PTE_PS) {
			return 0;
		}
		return table(a, *e);
	}
	phys = a->alloc(a);
	if (!phys) {
		return 0;
	}
	*e = phys | PTE_P | PTE_W | PTE_U;
	return table(a, phys);
}

int pt_map(struct pt_alloc *a, uint64_t pml4, uint64_t va, uint64_t pa,
	   uint64_t size, uint64_t flags, bool large)
{
	uint64_t *l4 = table(a, pml4);

	flags |= PTE_P;
	while (size) {
		uint64_t *l3 = next(a, &l4[IDX(va, 3)]);
		uint64_t *l2 = l3 ? next(a, &l3[IDX(va, 2)]) : 0;
		uint64_t *l1;

		if (!l2) {
			return E_NOMEM;
		}
		if (large && !(va & (LARGE_PAGE_SIZE - 1)) &&
		    !(pa & (LARGE_PAGE_SIZE - 1)) && size >= LARGE_PAGE_SIZE &&
		    !(l2[IDX(va, 1)] & PTE_P)) {
			l2[IDX(va, 1)] = pa | flags | PTE_PS;
			va += LARGE_PAGE_SIZE;
			pa += LARGE_PAGE_SIZE;
			size -= LARGE_PAGE_SIZE;
			continue;
		}
		l1 = next(a, &l2[IDX(va, 1)]);
		if (!l1) {
			return E_NOMEM;
		}
		l1[IDX(va, 0)] = pa | flags;
		va += PAGE_SIZE;
		pa += PAGE_SIZE;
		size -= PAGE_SIZE;
	}
	return 0;
}

/* to_boundary: bytes from va to the next multiple of 1 << shift */
static uint64_t to_boundary(uint64_t va, int shift)
{
	return (1ull << shift) - (va & ((1ull << shift) - 1));
}

/* advance: moves the range [*va, *va + *size) on by step bytes (to empty
 * if step covers it). Counting size down, rather than comparing va with
 * va + size, keeps working at the top of the address space, where both
 * va + size and the next boundary wrap to 0: pt_unmap used to start over
 * from address 0 there, unmapping everything on its way, forever. */
static void advance(uint64_t *va, uint64_t *size, uint64_t step)
{
	if (step >= *size) {
		*size = 0;
		return;
	}
	*va += step;
	*size -= step;
}

void pt_unmap(struct pt_alloc *a, uint64_t pml4, uint64_t va, uint64_t size)
{
	while (size) {
		uint64_t *l4 = table(a, pml4), *l3, *l2, *l1;

		if (!(l4[IDX(va, 3)] & PTE_P)) {
			advance(&va, &size, to_boundary(va, 39));
			continue;
		}
		l3 = table(a, l4[IDX(va, 3)]);
		if (!(l3[IDX(va, 2)] & PTE_P)) {
			advance(&va, &size, to_boundary(va, 30));
			continue;
		}
		l2 = table(a, l3[IDX(va, 2)]);
		if (!(l2[IDX(va, 1)] & PTE_P) || (l2[IDX(va, 1)] & PTE_PS)) {
			l2[IDX(va, 1)] = 0;
			advance(&va, &size, to_boundary(va, 21));
			continue;
		}
		l1 = table(a, l2[IDX(va, 1)]);
		l1[IDX(va, 0)] = 0;
		advance(&va, &size, PAGE_SIZE);
	}
}

/* empty_around: whether table t maps nothing, looked at outwards from
 * entry at: the entries beside one just cleared are the likeliest to be
 * present (a 2 MiB piece lent off the top of a partition has the rest of
 * the partition below it), so a table that stays is known after a look
 * or two instead of a walk over every absent entry before the first
 * present one (up to 511 of them) */
static bool empty_around(const uint64_t *t, unsigned at)
{
	if (t[at] & PTE_P) {
		return false;
	}
	for (unsigned d = 1; d < 512; d++) {
		if ((d <= at && (t[at - d] & PTE_P)) ||
		    (at + d < 512 && (t[at + d] & PTE_P))) {
			return false;
		}
	}
	return true;
}

void pt_prune(struct pt_alloc *a, uint64_t pml4, uint64_t va,
	      bool (*free_table)(uint64_t phys))
{
	uint64_t *path[4], *e;
	int level;

	/* path[level]: the entry for va in the table of that level */
	path[3] = &table(a, pml4)[IDX(va, 3)];
	for (level = 3; level > 0; level--) {
		e = path[level];
		if (!(*e & PTE_P) || (*e & PTE_PS)) {
			break;
		}
		path[level - 1] = &table(a, *e)[IDX(va, level - 1)];
	}
	/* tables below the deepest one reached are absent: from it upwards */
	for (level++; level <= 3; level++) {
		e = path[level];
		if (!empty_around(table(a, *e), IDX(va, level - 1)) ||
		    !free_table(*e & PTE_ADDR)) {
			return;
		}
		*e = 0;
	}
}

/* leaf_table: the page table (level 0) that maps va, or NULL when an upper
 * entry is absent (*large: false) or a large page (*large: true) */
static uint64_t *leaf_table(struct pt_alloc *a, uint64_t pml4, uint64_t va,
			    bool *large)
{
	uint64_t e = pml4 | PTE_P;

	*large = false;
	for (int level = 3; level >= 1; level--) {
		e = table(a, e)[IDX(va, level)];
		if (!(e & PTE_P)) {
			return 0;
		}
		if (e & PTE_PS) {
			*large = true;
			return 0;
		}
	}
	return table(a, e);
}

static bool scan_hit(uint64_t e, bool want_present, uint64_t phys,
		     uint64_t flags)
{
	if (!want_present) {
		return !(e & PTE_P);
	}
	return (e & PTE_P) && (e & PTE_ADDR) == phys && (e & flags) == flags;
}

uint64_t pt_scan(struct pt_alloc *a, uint64_t pml4, uint64_t lo, uint64_t hi,
		 bool want_present, uint64_t phys, uint64_t flags)
{
	uint64_t va = lo & ~(PAGE_SIZE - 1);

	while (va < hi) {
		uint64_t end = (va | (LARGE_PAGE_SIZE - 1)) + 1;
		bool large;
		uint64_t *pt = leaf_table(a, pml4, va, &large);

		if (end > hi) {
			end = hi;
		}
		if (!pt) {
			/* absent: every page of it is free; large: none is,
			 * and it is no 4 KiB match */
			if (!want_present && !large) {
				return va;
			}
			va = end;
			continue;
		}
		for (; va < end; va += PAGE_SIZE) {
			if (scan_hit(pt[IDX(va, 0)], want_present, phys,
				     flags)) {
				return va;
			}
		}
	}
	return hi;
}

uint64_t pt_translate(struct pt_alloc *a, uint64_t pml4, uint64_t va,
		      uint64_t *flags)
{
	uint64_t e = pml4 | PTE_P | PTE_W | PTE_U, acc = PTE_U | PTE_W;

	for (int level = 3; level >= 0; level--) {
		e = table(a, e)[IDX(va, level)];
		if (!(e & PTE_P)) {
			return UINT64_MAX;
		}
		acc &= e | ~(PTE_U | PTE_W);
		if (level > 0 && (e & PTE_PS)) {
			uint64_t off = va & ((1ull << (12 + 9 * level)) - 1);
			*flags = (e & ~(PTE_U | PTE_W | PTE_ADDR)) | acc;
			return (e & PTE_ADDR & ~((1ull << (12 + 9 * level)) - 1)) +
			       off;
		}
	}
	*flags = (e & ~(PTE_U | PTE_W | PTE_ADDR)) | acc;
	return (e & PTE_ADDR) + (va & (PAGE_SIZE - 1));
}

static void free_level(struct pt_alloc *a, uint64_t phys, int level,
		       void (*free_frame)(uint64_t phys))
{
	uint64_t *t = table(a, phys);

	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P)) {
			continue;
		}
		if (level == 0) {
			if (!(t[i] & PTE_SHARED)) {
				free_frame(t[i] & PTE_ADDR);
			}
		} else if (!(t[i] & PTE_PS)) {
			free_level(a, t[i] & PTE_ADDR, level - 1, free_frame);
		}
	}
	free_frame(phys);
}

void pt_free_user(struct pt_alloc *a, uint64_t pml4,
		  void (*free_frame)(uint64_t phys))
{
	uint64_t *l4 = table(a, pml4);

	for (int i = 0; i < 256; i++) {
		if (l4[i] & PTE_P) {
			free_level(a, l4[i] & PTE_ADDR, 2, free_frame);
			l4[i] = 0;
		}
	}
}
