/* SPDX-License-Identifier: MIT */
/*
 * Host tests for libos's heap (libos/heap.c, the allocator behind malloc),
 * over a fake grow function that hands out pieces of one host buffer:
 * back to back (the heap extends its segment, as with SYS_MEM_MAP) or with
 * gaps (a new segment each time), up to a limit (exhaustion).
 *
 * Random sequences of alloc/free/realloc are checked against a shadow
 * model (every live block's size and fill pattern, no two blocks
 * overlapping, counters), with heap_check walking the whole heap every
 * few hundred steps. Other cases: alignment, coalescing back to one free
 * block per segment, exhaustion returning NULL, realloc in place, and the
 * damage the heap must report (double free, foreign and interior
 * pointers, an overrun into the next header, a write after free).
 *
 * heap.h is included by path: libos/include also holds libos's own
 * string.h and stdlib.h, which must not replace the host's here. Only
 * heap.c is compiled with -Ilibos/include (see SConscript).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <abi/errors.h>
#include "../../libos/include/libos/heap.h"

#define ARENA (64u << 20)

struct fake {
	uint8_t *base;
	size_t used;   /* bytes handed out (gaps included) */
	size_t limit;  /* never beyond this */
	size_t gap;    /* bytes skipped before every grow but the first */
	size_t offset; /* first grow starts this far in (misalignment) */
	bool min_only; /* hand out only the minimum */
	int calls;
	size_t last_min, last_pref;
	size_t shrunk; /* bytes given back */
	/* fail reports */
	int fails;
	const char *what;
	const void *ptr;
};

static void *fake_grow(void *ctx, size_t min, size_t *bytes)
{
	struct fake *f = ctx;
	size_t start = f->calls ? f->used + f->gap : f->offset;
	size_t n = f->min_only ? min : *bytes;

	f->calls++;
	f->last_min = min;
	f->last_pref = *bytes;
	assert_true(*bytes >= min);
	if (start > f->limit || n > f->limit - start) {
		return NULL;
	}
	f->used = start + n;
	*bytes = n;
	return f->base + start;
}

/* fake_shrink: only the end of what was handed out comes back */
static int fake_shrink(void *ctx, void *at, size_t bytes)
{
	struct fake *f = ctx;

	assert_int_equal((uintptr_t)at % HEAP_PAGE, 0);
	assert_int_equal(bytes % HEAP_PAGE, 0);
	assert_ptr_equal((uint8_t *)at + bytes, f->base + f->used);
	f->used -= bytes;
	f->shrunk += bytes;
	return 0;
}

static void fake_fail(void *ctx, const char *what, const void *ptr)
{
	struct fake *f = ctx;

	f->fails++;
	f->what = what;
	f->ptr = ptr;
}

struct fixture {
	struct fake f;
	struct heap h;
};

static struct fixture *make(size_t grow_min, bool poison)
{
	struct fixture *x = calloc(1, sizeof(*x));

	x->f.base = aligned_alloc(HEAP_PAGE, ARENA);
	x->f.limit = ARENA;
	heap_init(&x->h, fake_grow, fake_fail, &x->f, grow_min, poison);
	return x;
}

static void destroy(struct fixture *x)
{
	free(x->f.base);
	free(x);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + i * 131);
	}
}

static bool filled(const uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != (uint8_t)(seed + i * 131)) {
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------ the model */

#define LIVE_MAX 600

struct live {
	uint8_t *p;
	size_t n;
	uint32_t seed;
};

static int by_addr(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

/* check_model: every block keeps its pattern, none overlaps another, and
 * the heap's counters and walk agree with the model */
static void check_model(struct fixture *x, struct live *live, int nlive)
{
	struct live sorted[LIVE_MAX];
	struct heap_stats st;

	memcpy(sorted, live, (size_t)nlive * sizeof(*live));
	qsort(sorted, (size_t)nlive, sizeof(*sorted), by_addr);
	for (int i = 0; i < nlive; i++) {
		assert_true(filled(sorted[i].p, sorted[i].n, sorted[i].seed));
		assert_true(heap_usable_size(&x->h, sorted[i].p) >=
			    sorted[i].n);
		if (i > 0) {
			size_t prev = heap_usable_size(&x->h, sorted[i - 1].p);
			assert_true(sorted[i - 1].p + prev <= sorted[i].p);
		}
	}
	assert_int_equal(heap_check(&x->h), 0);
	heap_stats(&x->h, &st);
	assert_int_equal(st.used_blocks, (size_t)nlive);
	assert_int_equal(x->f.fails, 0);
}

static size_t random_size(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd() % 17; /* 0..16 */
	case 1:
		return 4096 + rnd() % 70000; /* pages and beyond */
	case 2:
		return rnd() % 1000 == 0 ? 3u << 20 : rnd() % 2048;
	default:
		return rnd() % 1100; /* around the small/large border */
	}
}

static void random_run(struct fixture *x, uint64_t seed, int steps)
{
	struct live live[LIVE_MAX];
	int nlive = 0;

	rng_state = seed;
	for (int step = 0; step < steps; step++) {
		unsigned op = (unsigned)(rnd() % 10);
		int i = nlive ? (int)(rnd() % (uint64_t)nlive) : 0;

		if (nlive < LIVE_MAX && (op < 5 || nlive == 0)) {
			size_t n = random_size();
			uint8_t *p = heap_alloc(&x->h, n);

			assert_non_null(p);
			assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
			live[nlive] = (struct live){p, n, (uint32_t)rnd()};
			fill(p, n, live[nlive].seed);
			nlive++;
		} else if (op < 8) {
			assert_true(filled(live[i].p, live[i].n, live[i].seed));
			heap_free(&x->h, live[i].p);
			live[i] = live[--nlive];
		} else {
			size_t n = random_size(), keep;
			uint8_t *p = heap_realloc(&x->h, live[i].p, n);

			if (n == 0) {
				assert_null(p);
				live[i] = live[--nlive];
				continue;
			}
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
			keep = n < live[i].n ? n : live[i].n;
			assert_true(filled(p, keep, live[i].seed));
			live[i].p = p;
			live[i].n = n;
			fill(p, n, live[i].seed);
		}
		if (step % 500 == 0) {
			check_model(x, live, nlive);
		}
	}
	check_model(x, live, nlive);
	while (nlive) {
		heap_free(&x->h, live[--nlive].p);
	}
	check_model(x, live, 0);
}

/* after everything is freed, each segment is one free block again */
static void assert_all_coalesced(struct fixture *x)
{
	struct heap_stats st;

	heap_stats(&x->h, &st);
	assert_int_equal(st.used_blocks, 0);
	assert_int_equal(st.used_bytes, 0);
	assert_int_equal(st.free_blocks, st.segments);
}

static void test_random_contiguous(void **state)
{
	struct fixture *x = make(256u << 10, false);

	(void)state;
	random_run(x, 0x9e3779b97f4a7c15ull, 60000);
	assert_all_coalesced(x);
	/* SYS_MEM_MAP-like growth: one segment however often it grew */
	assert_true(x->f.calls > 1);
	{
		struct heap_stats st;
		heap_stats(&x->h, &st);
		assert_int_equal(st.segments, 1);
		assert_int_equal(st.mapped_bytes, x->f.used);
	}
	destroy(x);
}

static void test_random_segments_poison(void **state)
{
	struct fixture *x = make(64u << 10, true);
	struct heap_stats st;

	(void)state;
	x->f.gap = 4096 + 8; /* every grow a new, oddly aligned segment */
	x->f.offset = 8;
	random_run(x, 12345, 30000);
	assert_all_coalesced(x);
	heap_stats(&x->h, &st);
	assert_int_equal(st.segments, (size_t)x->f.calls);
	assert_true(st.segments > 3);
	destroy(x);
}

static void test_alignment(void **state)
{
	struct fixture *x = make(4096, false);
	void *p[300];

	(void)state;
	x->f.offset = 3; /* grow returns an address that is not aligned */
	for (size_t n = 0; n < 300; n++) {
		p[n] = heap_alloc(&x->h, n);
		assert_non_null(p[n]);
		assert_int_equal((uintptr_t)p[n] % 16, 0);
		assert_true(heap_usable_size(&x->h, p[n]) >= n);
		memset(p[n], 0xa5, n);
	}
	/* distinct pointers: 0 bytes too */
	assert_ptr_not_equal(p[0], p[1]);
	assert_int_equal(heap_check(&x->h), 0);
	for (size_t n = 0; n < 300; n++) {
		heap_free(&x->h, p[n]);
	}
	assert_all_coalesced(x);
	assert_int_equal(x->f.fails, 0);
	destroy(x);
}

static void free_in_order(struct fixture *x, void **p, int n, int order)
{
	for (int k = 0; k < n; k++) {
		int i = order == 0 ? k
			: order == 1
			    ? n - 1 - k
			    : (k < n / 2 ? 2 * k : 2 * (k - n / 2) + 1);
		heap_free(&x->h, p[i]);
		assert_int_equal(heap_check(&x->h), 0);
	}
}

static void test_coalescing(void **state)
{
	(void)state;
	for (int order = 0; order < 3; order++) {
		struct fixture *x = make(1u << 20, false);
		struct heap_stats st;
		void *p[100];
		void *big;
		int calls;

		for (int i = 0; i < 100; i++) {
			p[i] = heap_alloc(&x->h, 100 + (size_t)i * 37);
			assert_non_null(p[i]);
		}
		calls = x->f.calls;
		assert_int_equal(calls, 1);
		free_in_order(x, p, 100, order);
		heap_stats(&x->h, &st);
		assert_int_equal(st.free_blocks, 1);
		/* the whole segment is one block: a request of nearly all of it
		 * fits without growing */
		big = heap_alloc(&x->h, st.largest_free - 16);
		assert_non_null(big);
		assert_int_equal(x->f.calls, calls);
		assert_ptr_equal(big, p[0]);
		heap_free(&x->h, big);
		destroy(x);
	}
}

static void test_growth_requests(void **state)
{
	struct fixture *x = make(256u << 10, false);
	struct heap_stats st;
	void *a, *b;

	(void)state;
	a = heap_alloc(&x->h, 10);
	assert_non_null(a);
	assert_int_equal(x->f.calls, 1);
	assert_int_equal(x->f.last_pref, 256u << 10);
	assert_true(x->f.last_min >= 48 && x->f.last_min < 256);
	/* bigger than a chunk: asks for at least the request */
	b = heap_alloc(&x->h, 1u << 20);
	assert_non_null(b);
	assert_int_equal(x->f.calls, 2);
	assert_true(x->f.last_min >= (1u << 20) + 16);
	assert_int_equal(x->f.last_pref, x->f.last_min);
	/* a grow that gives only the minimum is fine too */
	x->f.min_only = true;
	for (int i = 0; i < 40; i++) {
		assert_non_null(heap_alloc(&x->h, 20000));
	}
	assert_int_equal(heap_check(&x->h), 0);
	heap_stats(&x->h, &st);
	assert_int_equal(st.segments, 1);
	assert_int_equal(x->f.fails, 0);
	destroy(x);
}

static void test_exhaustion(void **state)
{
	struct fixture *x = make(64u << 10, false);
	void *p[1000], *q, *r;
	int n = 0;

	(void)state;
	x->f.limit = 1u << 20;
	while (n < 1000 && (p[n] = heap_alloc(&x->h, 4000))) {
		memset(p[n], n, 4000);
		n++;
	}
	/* 1 MiB holds 4016-byte blocks about 260 times, never 1000 */
	assert_true(n > 250 && n < 262);
	assert_int_equal(x->f.fails, 0);
	assert_int_equal(heap_check(&x->h), 0);
	/* absurd sizes: NULL, no damage reported */
	assert_null(heap_alloc(&x->h, SIZE_MAX));
	assert_null(heap_alloc(&x->h, SIZE_MAX / 2));
	assert_null(heap_alloc(&x->h, 2u << 20));
	/* a failed realloc leaves the block as it was */
	assert_null(heap_realloc(&x->h, p[5], 2u << 20));
	for (int i = 0; i < 4000; i++) {
		assert_int_equal(((uint8_t *)p[5])[i], 5);
	}
	/* freed memory is used again without growing */
	heap_free(&x->h, p[7]);
	q = heap_alloc(&x->h, 4000);
	assert_ptr_equal(q, p[7]);
	r = heap_alloc(&x->h, 4000);
	assert_null(r);
	assert_int_equal(x->f.fails, 0);
	assert_int_equal(heap_check(&x->h), 0);
	destroy(x);
}

static void test_realloc_in_place(void **state)
{
	struct fixture *x = make(64u << 10, false);
	struct heap_stats st, st2;
	uint8_t *a, *b, *c, *a2;

	(void)state;
	a = heap_alloc(&x->h, 100);
	b = heap_alloc(&x->h, 1000);
	c = heap_alloc(&x->h, 100);
	fill(a, 100, 7);
	heap_free(&x->h, b);
	/* grows into the freed neighbour: same address, contents kept */
	a2 = heap_realloc(&x->h, a, 900);
	assert_ptr_equal(a2, a);
	assert_true(filled(a2, 100, 7));
	assert_true(heap_usable_size(&x->h, a2) >= 900);
	/* shrinking gives the rest back, in place */
	heap_stats(&x->h, &st);
	a2 = heap_realloc(&x->h, a, 50);
	assert_ptr_equal(a2, a);
	heap_stats(&x->h, &st2);
	assert_true(st2.used_bytes < st.used_bytes - 800);
	/* the rest merged with what was free after it: still one block
	 * between a and c */
	assert_int_equal(st2.free_blocks, st.free_blocks);
	/* past c there is no room in place: it moves, contents kept */
	fill(c, 100, 9);
	uint8_t *c2 = heap_realloc(&x->h, c, 100000);
	assert_non_null(c2);
	assert_true(filled(c2, 100, 9));
	/* realloc(p, 0) frees; realloc(NULL, n) allocates */
	assert_null(heap_realloc(&x->h, c2, 0));
	a2 = heap_realloc(&x->h, NULL, 10);
	assert_non_null(a2);
	assert_int_equal(heap_check(&x->h), 0);
	assert_int_equal(x->f.fails, 0);
	destroy(x);
}

/* ---------------------------------------------------------------- damage */

static void test_double_free(void **state)
{
	struct fixture *x = make(64u << 10, false);
	struct heap_stats before, after;
	void *a, *b, *c;

	(void)state;
	a = heap_alloc(&x->h, 64);
	b = heap_alloc(&x->h, 64);
	c = heap_alloc(&x->h, 64);
	heap_free(&x->h, b);
	heap_stats(&x->h, &before);
	heap_free(&x->h, b);
	assert_int_equal(x->f.fails, 1);
	assert_string_equal(x->f.what, "double free");
	assert_ptr_equal(x->f.ptr, b);
	heap_stats(&x->h, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	x->f.fails = 0;
	assert_int_equal(heap_check(&x->h), 0);
	/* realloc of a freed block: reported, NULL */
	assert_null(heap_realloc(&x->h, b, 10));
	assert_int_equal(x->f.fails, 1);
	assert_string_equal(x->f.what, "double free");
	heap_free(&x->h, a);
	heap_free(&x->h, c);
	assert_int_equal(x->f.fails, 1);
	destroy(x);
}

static void test_bad_pointers(void **state)
{
	struct fixture *x = make(64u << 10, false);
	uint8_t outside[64] __attribute__((aligned(16)));
	uint8_t *a;

	(void)state;
	a = heap_alloc(&x->h, 256);
	heap_free(&x->h, outside + 16);
	assert_int_equal(x->f.fails, 1);
	assert_string_equal(x->f.what, "pointer not from this heap");
	heap_free(&x->h, a + 1); /* misaligned */
	assert_int_equal(x->f.fails, 2);
	assert_string_equal(x->f.what, "pointer not from this heap");
	memset(a, 0, 256);
	heap_free(&x->h, a + 64); /* inside a block */
	assert_int_equal(x->f.fails, 3);
	assert_string_equal(x->f.what, "bad pointer or damaged header");
	assert_int_equal(heap_usable_size(&x->h, a + 32), 0);
	assert_int_equal(x->f.fails, 4);
	/* a itself is still fine */
	heap_free(&x->h, a);
	assert_int_equal(x->f.fails, 4);
	assert_all_coalesced(x);
	destroy(x);
}

static void test_overrun_detected(void **state)
{
	struct fixture *x = make(64u << 10, false);
	uint8_t *a, *b;
	size_t n;

	(void)state;
	a = heap_alloc(&x->h, 100);
	b = heap_alloc(&x->h, 100);
	n = heap_usable_size(&x->h, a);
	a[n] ^= 0x40; /* one byte past the end: b's header */
	heap_free(&x->h, a);
	assert_int_equal(x->f.fails, 1);
	assert_string_equal(x->f.what,
			    "block overrun: the next header is damaged");
	assert_int_equal(heap_check(&x->h), E_FORMAT);
	assert_int_equal(x->f.fails, 2);
	a[n] ^= 0x40; /* repaired: everything works again */
	heap_free(&x->h, a);
	heap_free(&x->h, b);
	assert_int_equal(x->f.fails, 2);
	assert_all_coalesced(x);
	destroy(x);
}

static void test_write_after_free(void **state)
{
	struct fixture *x = make(64u << 10, true);
	uint8_t *a, *b, *c, *again;

	(void)state;
	a = heap_alloc(&x->h, 200);
	b = heap_alloc(&x->h, 200);
	c = heap_alloc(&x->h, 200);
	heap_free(&x->h, b);
	/* freed memory is poisoned past the free-list links */
	for (int i = 16; i < 200; i++) {
		assert_int_equal(b[i], HEAP_POISON);
	}
	assert_int_equal(heap_check(&x->h), 0);
	b[100] = 1; /* use after free */
	assert_int_equal(heap_check(&x->h), E_FORMAT);
	assert_int_equal(x->f.fails, 1);
	assert_string_equal(x->f.what, "heap_check: damaged free block");
	again = heap_alloc(&x->h, 200);
	assert_null(again);
	assert_int_equal(x->f.fails, 2);
	assert_string_equal(x->f.what, "write after free");
	b[100] = HEAP_POISON;
	again = heap_alloc(&x->h, 200);
	assert_ptr_equal(again, b);
	heap_free(&x->h, a);
	heap_free(&x->h, c);
	heap_free(&x->h, again);
	assert_int_equal(x->f.fails, 2);
	assert_all_coalesced(x);
	destroy(x);
}

/* heap_trim: the top of the heap goes back, page-aligned, keeping what
 * was asked; a heap whose every block is free gives all of it back and
 * grows again from there */
static void test_trim(void **state)
{
	struct fixture *x = make(256u << 10, true);
	struct heap_stats st;
	void *low, *high;

	(void)state;
	x->h.shrink = fake_shrink;
	/* nothing mapped: nothing to give */
	assert_int_equal(heap_trim(&x->h, 0), 0);
	low = heap_alloc(&x->h, 1000);
	assert_non_null(low);
	heap_stats(&x->h, &st);
	high = heap_alloc(&x->h, st.largest_free - 16); /* all the rest */
	assert_non_null(high);
	/* the top block is in use: nothing goes */
	assert_int_equal(heap_trim(&x->h, 0), 0);
	heap_free(&x->h, high);
	/* keep 8 KiB free at the top: the rest goes, in whole pages */
	assert_true(heap_trim(&x->h, 8192) > 0);
	assert_int_equal(x->f.shrunk % HEAP_PAGE, 0);
	assert_int_equal(heap_check(&x->h), 0);
	heap_stats(&x->h, &st);
	assert_int_equal(st.mapped_bytes, x->f.used);
	assert_true(st.largest_free >= 8192);
	assert_true(st.largest_free < 8192 + 2 * HEAP_PAGE);
	/* it grows again at the same place, and the block is whole */
	high = heap_alloc(&x->h, 100u << 10);
	assert_non_null(high);
	assert_int_equal(heap_check(&x->h), 0);
	memset(high, 1, 100u << 10);
	heap_free(&x->h, high);
	heap_free(&x->h, low);
	/* everything free: all of it goes */
	assert_true(heap_trim(&x->h, 0) > 0);
	assert_int_equal(x->f.used, 0);
	heap_stats(&x->h, &st);
	assert_int_equal(st.mapped_bytes, 0);
	assert_int_equal(st.segments, 0);
	assert_int_equal(heap_check(&x->h), 0);
	/* and it starts over */
	low = heap_alloc(&x->h, 5000);
	assert_non_null(low);
	assert_int_equal(heap_check(&x->h), 0);
	heap_free(&x->h, low);
	assert_int_equal(x->f.fails, 0);
	destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alignment),
	    cmocka_unit_test(test_coalescing),
	    cmocka_unit_test(test_growth_requests),
	    cmocka_unit_test(test_exhaustion),
	    cmocka_unit_test(test_realloc_in_place),
	    cmocka_unit_test(test_random_contiguous),
	    cmocka_unit_test(test_random_segments_poison),
	    cmocka_unit_test(test_double_free),
	    cmocka_unit_test(test_bad_pointers),
	    cmocka_unit_test(test_overrun_detected),
	    cmocka_unit_test(test_write_after_free),
	    cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
