/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the merging range table (cpudriver/rangetab.c) that
 * holds a core's regions and what it lent: neighbours merge only when
 * their windows make one piece, a table grows a page at a time past its
 * fixed entries (more than 16 pieces, the old limit) and gives its pages
 * back when emptied, cuts split lent ranges, and a randomized run checks
 * the table against a bitmap of what was put in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "rangetab.h"

#define MiB (1024ull * 1024)
#define PIECE (2 * MiB)

static int pages_out, pages_limit = 1000;

static uint64_t h_alloc(void *ctx)
{
	void *p;

	(void)ctx;
	if (pages_out >= pages_limit) {
		return 0;
	}
	p = aligned_alloc(RT_PAGE, RT_PAGE);
	assert_non_null(p);
	memset(p, 0, RT_PAGE);
	pages_out++;
	return (uint64_t)(uintptr_t)p;
}

static void h_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	pages_out--;
	free((void *)(uintptr_t)phys);
}

static void *h_p2v(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void fresh(struct rtab *t)
{
	pages_out = 0;
	pages_limit = 1000;
	rt_init(t, h_alloc, h_free, h_p2v, 0);
}

/* piece: a lent-style range (window all of it) */
static struct range piece(uint64_t base, uint64_t size, uint32_t owner)
{
	struct range r = {base, base + size, base, base + size, 0, 1, owner};
	return r;
}

static void put(struct rtab *t, struct range r)
{
	if (rt_join(t, &r) < 0) {
		assert_int_equal(rt_room(t), 0);
		assert_true(rt_add(t, &r) >= 0);
	}
}

static void empty_all(struct rtab *t)
{
	while (t->n) {
		rt_del(t, t->n - 1);
	}
	assert_int_equal(t->cap, RT_FIXED);
	assert_int_equal(pages_out, 0);
}

/* lenders lend downwards: each piece lands just below the last */
static void test_merge_downwards(void **state)
{
	struct rtab t;

	(void)state;
	fresh(&t);
	for (int i = 1; i <= 40; i++) {
		put(&t, piece(1024 * MiB - i * PIECE, PIECE, 3));
	}
	assert_int_equal(t.n, 1);
	assert_int_equal(rt_at(&t, 0)->base, 1024 * MiB - 40 * PIECE);
	assert_int_equal(rt_at(&t, 0)->end, 1024 * MiB);
	assert_int_equal(pages_out, 0);
	empty_all(&t);
}

/* another owner, another kind, a gap, a used top: no merge */
static void test_no_merge(void **state)
{
	struct rtab t;
	struct range r;

	(void)state;
	fresh(&t);
	put(&t, piece(100 * MiB, PIECE, 3));
	r = piece(100 * MiB - PIECE, PIECE, 4);
	assert_int_equal(rt_join(&t, &r), -1);
	r = piece(100 * MiB - PIECE, PIECE, 3);
	r.kind = 0;
	assert_int_equal(rt_join(&t, &r), -1);
	r = piece(100 * MiB - 2 * PIECE, PIECE, 3);
	assert_int_equal(rt_join(&t, &r), -1);
	/* a piece below whose window no longer reaches its top */
	r = piece(100 * MiB - PIECE, PIECE, 3);
	r.hi -= 4096;
	r.used = 1;
	assert_int_equal(rt_join(&t, &r), -1);
	/* above an entry whose top frames are handed out (bumped down) */
	rt_at(&t, 0)->hi -= 4096;
	r = piece(100 * MiB + PIECE, PIECE, 3);
	assert_int_equal(rt_join(&t, &r), -1);
	/* but below it still merges, window and use carried over */
	r = piece(100 * MiB - PIECE, PIECE, 3);
	rt_at(&t, 0)->used = 1;
	assert_int_equal(rt_join(&t, &r), 0);
	assert_int_equal(rt_at(&t, 0)->base, 100 * MiB - PIECE);
	assert_int_equal(rt_at(&t, 0)->lo, 100 * MiB - PIECE);
	assert_int_equal(rt_at(&t, 0)->hi, 100 * MiB + PIECE - 4096);
	assert_int_equal(rt_at(&t, 0)->used, 1);
	empty_all(&t);
}

/* a piece filling the gap between two entries makes them one, kept at
 * the lower index (entry 0 stays entry 0) */
static void test_fill_gap(void **state)
{
	struct rtab t;

	(void)state;
	fresh(&t);
	put(&t, piece(10 * MiB, PIECE, 1)); /* a first, unrelated entry */
	put(&t, piece(20 * MiB, PIECE, 2));
	put(&t, piece(20 * MiB + 2 * PIECE, PIECE, 2));
	assert_int_equal(t.n, 3);
	put(&t, piece(20 * MiB + PIECE, PIECE, 2));
	assert_int_equal(t.n, 2);
	assert_int_equal(rt_at(&t, 0)->base, 10 * MiB);
	assert_int_equal(rt_at(&t, 1)->base, 20 * MiB);
	assert_int_equal(rt_at(&t, 1)->end, 20 * MiB + 3 * PIECE);
	empty_all(&t);
}

/* more than 16 pieces that cannot merge: the table grows into pages and
 * gives them back as it empties; every entry stays findable */
static void test_grow_and_shrink(void **state)
{
	struct rtab t;
	const int n = 300;

	(void)state;
	fresh(&t);
	for (int i = 0; i < n; i++) {
		put(&t, piece((uint64_t)i * 2 * PIECE, PIECE, 1));
	}
	assert_int_equal(t.n, n);
	assert_true(t.cap >= (uint32_t)n);
	assert_int_equal(pages_out,
			 (n - RT_FIXED + RT_PER_PAGE - 1) / RT_PER_PAGE);
	for (int i = 0; i < n; i++) {
		int k = rt_find(&t, (uint64_t)i * 2 * PIECE + 4096);
		assert_true(k >= 0);
		assert_int_equal(rt_at(&t, (uint32_t)k)->base,
				 (uint64_t)i * 2 * PIECE);
		assert_int_equal(rt_find(&t, (uint64_t)i * 2 * PIECE + PIECE),
				 -1);
	}
	/* delete from the front: the last moves in, pages go back */
	for (int i = 0; i < n - RT_FIXED; i++) {
		rt_del(&t, 0);
	}
	assert_int_equal(t.n, RT_FIXED);
	assert_int_equal(t.cap, RT_FIXED);
	assert_int_equal(pages_out, 0);
	empty_all(&t);
}

/* no page to grow into: rt_room says so, and rt_grow takes a page the
 * caller gives (frame.c: the new region's own top frame) */
static void test_no_page(void **state)
{
	struct rtab t;
	struct range r;
	void *mine = aligned_alloc(RT_PAGE, RT_PAGE);

	(void)state;
	fresh(&t);
	for (int i = 0; i < RT_FIXED; i++) {
		put(&t, piece((uint64_t)i * 2 * PIECE, PIECE, 1));
	}
	pages_limit = 0;
	assert_int_equal(rt_room(&t), E_NOMEM);
	r = piece(100 * PIECE, PIECE, 1);
	assert_int_equal(rt_add(&t, &r), E_NOMEM);
	rt_grow(&t, (uint64_t)(uintptr_t)mine);
	pages_out++; /* freed through h_free when emptied */
	assert_int_equal(rt_add(&t, &r), RT_FIXED);
	assert_int_equal(rt_find(&t, 100 * PIECE), RT_FIXED);
	empty_all(&t);
}

/* lent ranges: a give-back may be any part of one (a borrower merged
 * pieces, or gives back a piece of a merged run) */
static void test_cut(void **state)
{
	struct rtab t;

	(void)state;
	fresh(&t);
	put(&t, piece(0, 8 * PIECE, 0));
	assert_int_equal(rt_cut(&t, 8 * PIECE, 9 * PIECE), E_NOENT);
	assert_int_equal(rt_cut(&t, 7 * PIECE, 9 * PIECE), E_NOENT);
	assert_int_equal(rt_cut(&t, 3 * PIECE, 5 * PIECE), 0); /* split */
	assert_int_equal(t.n, 2);
	assert_int_equal(rt_covering(&t, 3 * PIECE, 4 * PIECE), -1);
	assert_true(rt_covering(&t, 0, 3 * PIECE) >= 0);
	assert_true(rt_covering(&t, 5 * PIECE, 8 * PIECE) >= 0);
	assert_int_equal(rt_covering(&t, 2 * PIECE, 6 * PIECE), -1);
	assert_int_equal(rt_cut(&t, 0, PIECE), 0);		/* bottom */
	assert_int_equal(rt_cut(&t, 7 * PIECE, 8 * PIECE), 0); /* top */
	assert_int_equal(rt_cut(&t, 5 * PIECE, 7 * PIECE), 0); /* whole */
	assert_int_equal(t.n, 1);
	assert_int_equal(rt_at(&t, 0)->base, PIECE);
	assert_int_equal(rt_at(&t, 0)->end, 3 * PIECE);
	assert_int_equal(rt_at(&t, 0)->lo, PIECE);
	assert_int_equal(rt_at(&t, 0)->hi, 3 * PIECE);
	/* the cut piece coming back merges the ends again */
	put(&t, piece(3 * PIECE, 2 * PIECE, 0));
	assert_int_equal(t.n, 1);
	assert_int_equal(rt_at(&t, 0)->end, 5 * PIECE);
	empty_all(&t);
}

/* random lends and give-backs of 2 MiB pieces against a bitmap: what is
 * in the table is exactly what was put and not cut, and ranges that
 * touch are always one entry (so any run a borrower merged can be cut) */
static void test_random(void **state)
{
	enum { SLOTS = 512 };
	static uint8_t in[SLOTS];
	struct rtab t;
	unsigned seed = 12345;

	(void)state;
	fresh(&t);
	memset(in, 0, sizeof(in));
	for (int step = 0; step < 20000; step++) {
		unsigned s, e;

		seed = seed * 1103515245u + 12345u;
		s = (seed >> 8) % SLOTS;
		seed = seed * 1103515245u + 12345u;
		e = s + 1 + (seed >> 8) % 4;
		if (e > SLOTS) {
			e = SLOTS;
		}
		int all_in = 1, none_in = 1;
		for (unsigned k = s; k < e; k++) {
			all_in &= in[k];
			none_in &= !in[k];
		}
		if (none_in) {
			put(&t, piece((uint64_t)s * PIECE, (e - s) * PIECE, 0));
			memset(in + s, 1, e - s);
		} else if (all_in) {
			assert_int_equal(rt_room(&t), 0);
			assert_int_equal(
			    rt_cut(&t, (uint64_t)s * PIECE, (uint64_t)e * PIECE),
			    0);
			memset(in + s, 0, e - s);
		}
		if (step % 997 == 0) {
			uint32_t runs = 0;
			for (unsigned k = 0; k < SLOTS; k++) {
				int f = rt_find(&t, (uint64_t)k * PIECE);
				assert_int_equal(f >= 0, in[k]);
				runs += in[k] && (k == 0 || !in[k - 1]);
			}
			assert_int_equal(t.n, runs);
		}
	}
	empty_all(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_downwards),
	    cmocka_unit_test(test_no_merge),
	    cmocka_unit_test(test_fill_gap),
	    cmocka_unit_test(test_grow_and_shrink),
	    cmocka_unit_test(test_no_page),
	    cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
