/* SPDX-License-Identifier: MIT */
/*
 * Partition arithmetic (see partition.h for the contract).
 *
 * part_free_ranges() needs no scratch memory: it sweeps a cursor upwards
 * through the address space. At each step it finds the lowest RAM byte at
 * or above the cursor, grows that run while some RAM range starts inside
 * or right at its end (merging overlaps and neighbours), then walks the
 * run, jumping over reserved ranges, and emits the aligned pieces between
 * them. Every emitted piece is above the previous one, so the output is
 * sorted without a sort.
 *
 * part_split() places partitions greedily: each core takes the lowest
 * aligned position at or after the previous partition that fits. For a
 * fixed list of sizes this is the placement that ends lowest, and
 * shrinking any size never moves a later partition up; so "all fit" is
 * monotone in the equal share and a binary search on it finds the largest
 * share that fits, the same result as shrinking it step by step.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/errors.h"
#include "partition.h"

#define PART_INT_MAX 0x7fffffff /* int is 32 bits on every target we build */

static bool part_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Rounds v up to align (a power of two); false if that overflows. */
static bool part_align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	if (v > UINT64_MAX - (align - 1)) {
		return false;
	}
	*out = (v + align - 1) & ~(align - 1);
	return true;
}

static bool part_valid(const struct mem_range *r, unsigned n)
{
	unsigned i;

	if (r == NULL && n > 0) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (r[i].end < r[i].base) {
			return false;
		}
	}
	return true;
}

/* The run of (merged) RAM that starts lowest at or above `cursor`. */
static bool part_next_run(const struct mem_range *r, unsigned n,
			  uint64_t cursor, uint64_t *start, uint64_t *end)
{
	bool found = false, grew;
	uint64_t s = 0, e;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (r[i].end > cursor && r[i].end > r[i].base) {
			e = r[i].base > cursor ? r[i].base : cursor;
			if (!found || e < s) {
				s = e;
			}
			found = true;
		}
	}
	if (!found) {
		return false;
	}
	e = s;
	do {
		grew = false;
		for (i = 0; i < n; i++) {
			if (r[i].base <= e && r[i].end > e) {
				e = r[i].end;
				grew = true;
			}
		}
	} while (grew);
	*start = s;
	*end = e;
	return true;
}

/* Moves `cursor` past every reserved range covering it. */
static uint64_t part_skip_reserved(const struct mem_range *res, unsigned n,
				   uint64_t cursor)
{
	bool moved;
	unsigned i;

	do {
		moved = false;
		for (i = 0; i < n; i++) {
			if (res[i].base <= cursor && res[i].end > cursor) {
				cursor = res[i].end;
				moved = true;
			}
		}
	} while (moved);
	return cursor;
}

/* The first reserved byte in (cursor, limit), or limit. */
static uint64_t part_next_reserved(const struct mem_range *res, unsigned n,
				   uint64_t cursor, uint64_t limit)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (res[i].end > res[i].base && res[i].base > cursor &&
		    res[i].base < limit) {
			limit = res[i].base;
		}
	}
	return limit;
}

struct part_out {
	struct mem_range *r;
	unsigned n;
	unsigned max;
	uint64_t align;
};

/* Emits [base, end) shrunk inward to the alignment, if anything is left. */
static int part_emit(struct part_out *o, uint64_t base, uint64_t end)
{
	uint64_t b, e = end & ~(o->align - 1);

	if (!part_align_up(base, o->align, &b) || b >= e) {
		return 0;
	}
	if (o->n >= o->max) {
		return E_TOOBIG;
	}
	o->r[o->n].base = b;
	o->r[o->n].end = e;
	o->n++;
	return 0;
}

int part_free_ranges(const struct mem_range *ram, unsigned n_ram,
		     const struct mem_range *reserved, unsigned n_res,
		     uint64_t lo, uint64_t align, struct mem_range *out,
		     unsigned max_out)
{
	struct part_out o = {.r = out, .n = 0, .max = max_out, .align = align};
	uint64_t cursor = lo, run_end, stop;
	int rc;

	if (!part_pow2(align) || !part_valid(ram, n_ram) ||
	    !part_valid(reserved, n_res) || (out == NULL && max_out > 0)) {
		return E_INVAL;
	}
	if (o.max > PART_INT_MAX) {
		o.max = PART_INT_MAX; /* the count must fit the return value */
	}
	while (part_next_run(ram, n_ram, cursor, &cursor, &run_end)) {
		while (cursor < run_end) {
			cursor = part_skip_reserved(reserved, n_res, cursor);
			if (cursor >= run_end) {
				break;
			}
			stop = part_next_reserved(reserved, n_res, cursor,
						  run_end);
			rc = part_emit(&o, cursor, stop);
			if (rc < 0) {
				return rc;
			}
			cursor = stop;
		}
	}
	return (int)o.n;
}

uint64_t part_total(const struct mem_range *r, unsigned n)
{
	uint64_t sum = 0, len;
	unsigned i;

	for (i = 0; r != NULL && i < n; i++) {
		if (r[i].end <= r[i].base) {
			continue;
		}
		len = r[i].end - r[i].base;
		if (len > UINT64_MAX - sum) {
			return UINT64_MAX;
		}
		sum += len;
	}
	return sum;
}

/* ---- part_split ------------------------------------------------------- */

struct part_plan {
	const struct mem_range *pool;
	unsigned n_pool;
	unsigned ncores;
	const uint64_t *asked; /* NULL: all equal */
	uint64_t align;
	uint64_t min_size; /* rounded up to align, >= align */
};

/* Size of an explicitly asked partition; false if it overflows. */
static bool part_asked_size(const struct part_plan *p, uint64_t asked,
			    uint64_t *size)
{
	if (asked < p->min_size) {
		asked = p->min_size;
	}
	return part_align_up(asked, p->align, size);
}

/* Greedy placement with equal share `eq`; false if some core misses. */
static bool part_place(const struct part_plan *p, uint64_t eq,
		       struct mem_range *out)
{
	uint64_t cur = 0, size, b;
	unsigned i, r = 0;

	for (i = 0; i < p->ncores; i++) {
		size = eq;
		if (p->asked != NULL && p->asked[i] != 0) {
			(void)part_asked_size(p, p->asked[i], &size);
		}
		for (;; r++) {
			if (r >= p->n_pool) {
				return false;
			}
			b = p->pool[r].base > cur ? p->pool[r].base : cur;
			if (!part_align_up(b, p->align, &b)) {
				return false;
			}
			if (b <= p->pool[r].end && size <= p->pool[r].end - b) {
				break;
			}
		}
		out[i].base = b;
		out[i].end = b + size;
		cur = out[i].end;
	}
	return true;
}

static bool part_sorted(const struct mem_range *r, unsigned n)
{
	unsigned i;

	for (i = 1; i < n; i++) {
		if (r[i].base < r[i - 1].end) {
			return false;
		}
	}
	return true;
}

/* Sums the explicit asks; counts the equal cores. E_NOMEM on overflow. */
static int part_explicit(const struct part_plan *p, uint64_t *sum,
			 unsigned *n_eq)
{
	uint64_t size;
	unsigned i;

	*sum = 0;
	*n_eq = 0;
	for (i = 0; i < p->ncores; i++) {
		if (p->asked == NULL || p->asked[i] == 0) {
			(*n_eq)++;
			continue;
		}
		if (!part_asked_size(p, p->asked[i], &size) ||
		    size > UINT64_MAX - *sum) {
			return E_NOMEM;
		}
		*sum += size;
	}
	return 0;
}

int part_split(const struct mem_range *pool, unsigned n_pool, unsigned ncores,
	       const uint64_t *asked, uint64_t align, uint64_t min_size,
	       struct mem_range *out)
{
	struct part_plan p = {
	    .pool = pool,
	    .n_pool = n_pool,
	    .ncores = ncores,
	    .asked = asked,
	    .align = align,
	};
	uint64_t total, sum, lo, hi, mid;
	unsigned n_eq;
	int rc;

	if (ncores == 0 || !part_pow2(align) || out == NULL ||
	    !part_valid(pool, n_pool) || !part_sorted(pool, n_pool)) {
		return E_INVAL;
	}
	if (!part_align_up(min_size > align ? min_size : align, align,
			   &p.min_size)) {
		return E_NOMEM;
	}
	rc = part_explicit(&p, &sum, &n_eq);
	if (rc < 0) {
		return rc;
	}
	total = part_total(pool, n_pool);
	if (n_eq == 0) {
		return sum <= total && part_place(&p, 0, out) ? 0 : E_NOMEM;
	}
	if (sum > total) {
		return E_NOMEM;
	}
	/* Equal shares in units of align: lo always fits, hi is the cap. */
	lo = p.min_size / align;
	hi = (total - sum) / n_eq / align;
	if (hi < lo || !part_place(&p, lo * align, out)) {
		return E_NOMEM;
	}
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (part_place(&p, mid * align, out)) {
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	(void)part_place(&p, lo * align, out);
	return 0;
}
