/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the partition arithmetic (cpudriver/partition.c).
 *
 * Hand-worked cases with a QEMU-like memory map check exact results;
 * randomized cases compare against simple reference models written here
 * (a byte bitmap for part_free_ranges, a step-by-step shrinking loop for
 * part_split) on small address spaces, with a fixed seed so a failure
 * reproduces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "abi/errors.h"
#include "partition.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

static struct mem_range out[PART_MAX_RANGES];

static void expect_range(const struct mem_range *r, uint64_t base, uint64_t end)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->end, end);
}

/* ---- part_free_ranges ---- */

/*
 * QEMU q35 with 3 GiB: the firmware map (unsorted here), the CPU driver
 * image, three modules and the boot information reserved.
 */
static void test_free_qemu(void **state)
{
	const struct mem_range ram[] = {
	    {0x100000000ull, 0x140000000ull}, /* above 4 GiB */
	    {0x0, 0x9fc00},
	    {0x100000, 0xbffe0000},
	};
	const struct mem_range res[] = {
	    {0x100000, 0x10a000}, /* CPU driver */
	    {0x10b000, 0x12e4a8}, /* monitor */
	    {0x12f000, 0x1403c0}, /* hello */
	    {0x141000, 0x141050}, /* manifest */
	    {0x9000, 0x9200},	  /* boot information */
	};
	int n;

	(void)state;
	n = part_free_ranges(ram, 3, res, 5, 1 * MiB, 2 * MiB, out,
			     PART_MAX_RANGES);
	assert_int_equal(n, 2);
	expect_range(&out[0], 2 * MiB, 0xbfe00000);
	expect_range(&out[1], 4 * GiB, 5 * GiB);

	/* With 4 KiB alignment the driver-monitor gap shows... */
	n = part_free_ranges(ram, 3, res, 5, 1 * MiB, 4 * KiB, out,
			     PART_MAX_RANGES);
	assert_int_equal(n, 3);
	expect_range(&out[0], 0x10a000, 0x10b000);
	expect_range(&out[1], 0x142000, 0xbffe0000);
	expect_range(&out[2], 4 * GiB, 5 * GiB);
	/* ... and with none, every gap between the modules. */
	n = part_free_ranges(ram, 3, res, 5, 1 * MiB, 1, out, PART_MAX_RANGES);
	assert_int_equal(n, 5);
	expect_range(&out[0], 0x10a000, 0x10b000);
	expect_range(&out[1], 0x12e4a8, 0x12f000);
	expect_range(&out[2], 0x1403c0, 0x141000);
	expect_range(&out[3], 0x141050, 0xbffe0000);
	expect_range(&out[4], 4 * GiB, 5 * GiB);
	/* lo = 0: the low 640 KiB minus the boot information. */
	n = part_free_ranges(ram, 3, res, 5, 0, 4 * KiB, out, PART_MAX_RANGES);
	assert_int_equal(n, 5);
	expect_range(&out[0], 0x0, 0x9000);
	expect_range(&out[1], 0xa000, 0x9f000);
}

static void test_free_merge(void **state)
{
	const struct mem_range ram[] = {
	    {0x2000, 0x5000}, {0x0, 0x1000},
	    {0x1000, 0x3000}, {0x7000, 0x7000}, /* empty */
	    {0x8000, 0x9000}, {0x8800, 0x8900}, /* contained */
	};
	int n;

	(void)state;
	n = part_free_ranges(ram, 6, NULL, 0, 0, 0x1000, out, 8);
	assert_int_equal(n, 2);
	expect_range(&out[0], 0x0, 0x5000);
	expect_range(&out[1], 0x8000, 0x9000);
}

static void test_free_reserved(void **state)
{
	const struct mem_range ram[] = {{0x0, 0x10000}};
	const struct mem_range res[] = {
	    {0x3000, 0x5000},	{0x4000, 0x6000}, /* overlapping */
	    {0x6000, 0x7000},			  /* touching */
	    {0x20000, 0x30000},			  /* outside RAM */
	    {0xf000, 0x20000},			  /* across the end */
	    {0x9000, 0x9000},			  /* empty */
	};
	const struct mem_range all[] = {{0x0, 0x100000}};
	int n;

	(void)state;
	n = part_free_ranges(ram, 1, res, 6, 0, 0x1000, out, 8);
	assert_int_equal(n, 2);
	expect_range(&out[0], 0x0, 0x3000);
	expect_range(&out[1], 0x7000, 0xf000);
	n = part_free_ranges(ram, 1, all, 1, 0, 0x1000, out, 8);
	assert_int_equal(n, 0);
}

static void test_free_lo_and_align(void **state)
{
	const struct mem_range ram[] = {
	    {0x1001, 0x2fff}, {0x4001, 0x6001}, {0x8000, 0xa000}};
	int n;

	(void)state;
	n = part_free_ranges(ram, 3, NULL, 0, 0, 0x1000, out, 8);
	assert_int_equal(n, 2);
	expect_range(&out[0], 0x5000, 0x6000);
	expect_range(&out[1], 0x8000, 0xa000);
	n = part_free_ranges(ram, 3, NULL, 0, 0x8800, 0x800, out, 8);
	assert_int_equal(n, 1);
	expect_range(&out[0], 0x8800, 0xa000);
	n = part_free_ranges(ram, 3, NULL, 0, 0xa000, 1, out, 8);
	assert_int_equal(n, 0);
}

static void test_free_top_of_space(void **state)
{
	const struct mem_range ram[] = {
	    {UINT64_MAX - 0x3005, UINT64_MAX},
	};
	const struct mem_range tiny[] = {{UINT64_MAX - 5, UINT64_MAX}};
	int n;

	(void)state;
	n = part_free_ranges(ram, 1, NULL, 0, 0, 0x1000, out, 8);
	assert_int_equal(n, 1);
	expect_range(&out[0], UINT64_MAX - 0x2fff, UINT64_MAX - 0xfff);
	/* Aligning the base up would wrap: the piece is dropped. */
	n = part_free_ranges(tiny, 1, NULL, 0, 0, 0x1000, out, 8);
	assert_int_equal(n, 0);
	n = part_free_ranges(tiny, 1, tiny, 1, 0, 1, out, 8);
	assert_int_equal(n, 0);
}

static void test_free_too_many(void **state)
{
	struct mem_range ram[10];
	int i, n;

	(void)state;
	for (i = 0; i < 10; i++) {
		ram[i].base = (uint64_t)i * 0x2000;
		ram[i].end = ram[i].base + 0x1000;
	}
	n = part_free_ranges(ram, 10, NULL, 0, 0, 0x1000, out, 10);
	assert_int_equal(n, 10);
	expect_range(&out[9], 0x12000, 0x13000);
	n = part_free_ranges(ram, 10, NULL, 0, 0, 0x1000, out, 9);
	assert_int_equal(n, E_TOOBIG);
	n = part_free_ranges(ram, 10, NULL, 0, 0, 0x1000, NULL, 0);
	assert_int_equal(n, E_TOOBIG);
	n = part_free_ranges(NULL, 0, NULL, 0, 0, 0x1000, NULL, 0);
	assert_int_equal(n, 0);
}

static void test_free_invalid(void **state)
{
	const struct mem_range ram[] = {{0x0, 0x10000}};
	const struct mem_range bad[] = {{0x2000, 0x1000}};

	(void)state;
	assert_int_equal(part_free_ranges(ram, 1, NULL, 0, 0, 0, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(ram, 1, NULL, 0, 0, 0x1800, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(bad, 1, NULL, 0, 0, 1, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(ram, 1, bad, 1, 0, 1, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(NULL, 1, NULL, 0, 0, 1, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(ram, 1, NULL, 1, 0, 1, out, 8),
			 E_INVAL);
	assert_int_equal(part_free_ranges(ram, 1, NULL, 0, 0, 1, NULL, 8),
			 E_INVAL);
}

/* A small deterministic PRNG (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(uint64_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dull) % bound;
}

#define SPACE 512

static void random_ranges(struct mem_range *r, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		r[i].base = rng(SPACE);
		r[i].end = r[i].base + rng(SPACE - r[i].base + 1);
	}
}

/* Reference: a byte bitmap of usable memory, split into aligned runs. */
static int model_free(const struct mem_range *ram, unsigned n_ram,
		      const struct mem_range *res, unsigned n_res, uint64_t lo,
		      uint64_t align, struct mem_range *m)
{
	bool use[SPACE + 1];
	uint64_t x, s, b, e;
	unsigned i;
	int n = 0;

	memset(use, 0, sizeof(use));
	for (i = 0; i < n_ram; i++) {
		for (x = ram[i].base; x < ram[i].end; x++) {
			use[x] = true;
		}
	}
	for (i = 0; i < n_res; i++) {
		for (x = res[i].base; x < res[i].end; x++) {
			use[x] = false;
		}
	}
	for (x = 0; x < lo && x < SPACE; x++) {
		use[x] = false;
	}
	for (x = 0; x < SPACE;) {
		if (!use[x]) {
			x++;
			continue;
		}
		for (s = x; x < SPACE && use[x]; x++) {
		}
		b = (s + align - 1) / align * align;
		e = x / align * align;
		if (b < e) {
			m[n].base = b;
			m[n].end = e;
			n++;
		}
	}
	return n;
}

static void test_free_random(void **state)
{
	struct mem_range ram[8], res[8], model[SPACE];
	static struct mem_range got[SPACE];
	unsigned n_ram, n_res, iter;
	uint64_t lo, align;
	int n, m, i;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		n_ram = (unsigned)rng(8);
		n_res = (unsigned)rng(8);
		random_ranges(ram, n_ram);
		random_ranges(res, n_res);
		lo = rng(4) == 0 ? rng(SPACE) : 0;
		align = 1ull << rng(5);
		n = part_free_ranges(ram, n_ram, res, n_res, lo, align, got,
				     SPACE);
		m = model_free(ram, n_ram, res, n_res, lo, align, model);
		assert_int_equal(n, m);
		for (i = 0; i < n; i++) {
			expect_range(&got[i], model[i].base, model[i].end);
		}
	}
}

/* ---- part_split ---- */

static void expect_layout(const struct mem_range *r, unsigned n, uint64_t align)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		assert_true(r[i].base < r[i].end);
		assert_int_equal(r[i].base % align, 0);
		if (i > 0) {
			assert_true(r[i].base >= r[i - 1].end);
		}
	}
}

static void test_split_equal(void **state)
{
	const struct mem_range pool[] = {{2 * MiB, 1026 * MiB}};
	struct mem_range p[4];
	unsigned i;

	(void)state;
	assert_int_equal(part_split(pool, 1, 4, NULL, 2 * MiB, 16 * MiB, p), 0);
	for (i = 0; i < 4; i++) {
		expect_range(&p[i], 2 * MiB + i * 256 * MiB,
			     2 * MiB + (i + 1) * 256 * MiB);
	}
	/* All-zero asks are the same as no asks. */
	{
		const uint64_t zero[4] = {0, 0, 0, 0};
		struct mem_range q[4];

		assert_int_equal(
		    part_split(pool, 1, 4, zero, 2 * MiB, 16 * MiB, q), 0);
		assert_memory_equal(p, q, sizeof(p));
	}
}

static void test_split_asked(void **state)
{
	const struct mem_range pool[] = {{0, 1024 * MiB}};
	const uint64_t asked[4] = {100 * MiB, 0, 3 * MiB, 0};
	struct mem_range p[4];

	(void)state;
	assert_int_equal(part_split(pool, 1, 4, asked, 2 * MiB, 0, p), 0);
	/* 3 MiB rounds up to 4; (1024 - 104) / 2 = 460 MiB each. */
	expect_range(&p[0], 0, 100 * MiB);
	expect_range(&p[1], 100 * MiB, 560 * MiB);
	expect_range(&p[2], 560 * MiB, 564 * MiB);
	expect_range(&p[3], 564 * MiB, 1024 * MiB);

	/* An ask below min_size is raised to it. */
	assert_int_equal(part_split(pool, 1, 4, asked, 2 * MiB, 8 * MiB, p), 0);
	expect_range(&p[1], 100 * MiB, 558 * MiB);
	expect_range(&p[2], 558 * MiB, 566 * MiB);
	expect_range(&p[3], 566 * MiB, 1024 * MiB);

	/* An odd leftover is not handed out: shares are align multiples. */
	assert_int_equal(part_split(pool, 1, 3, NULL, 2 * MiB, 0, p), 0);
	assert_int_equal(p[0].end - p[0].base, 340 * MiB);
	expect_range(&p[2], 680 * MiB, 1020 * MiB);
}

static void test_split_holes(void **state)
{
	const struct mem_range pool[] = {{0, 300 * MiB},
					 {302 * MiB, 1024 * MiB}};
	struct mem_range p[4];

	(void)state;
	/* 1022 MiB / 4 would be 254 MiB; only 240 MiB fits around the hole. */
	assert_int_equal(part_split(pool, 2, 4, NULL, 2 * MiB, 0, p), 0);
	expect_range(&p[0], 0, 240 * MiB);
	expect_range(&p[1], 302 * MiB, 542 * MiB);
	expect_range(&p[2], 542 * MiB, 782 * MiB);
	expect_range(&p[3], 782 * MiB, 1022 * MiB);
}

static void test_split_unaligned_pool(void **state)
{
	const struct mem_range pool[] = {{0x1234, 0x9000}};
	struct mem_range p[3];

	(void)state;
	assert_int_equal(part_split(pool, 1, 3, NULL, 0x1000, 0, p), 0);
	expect_range(&p[0], 0x2000, 0x4000);
	expect_range(&p[1], 0x4000, 0x6000);
	expect_range(&p[2], 0x6000, 0x8000);
}

static void test_split_nomem(void **state)
{
	const struct mem_range pool[] = {{0, 64 * MiB}, {66 * MiB, 96 * MiB}};
	const uint64_t too_big[2] = {100 * MiB, 0};
	const uint64_t fragmented[2] = {40 * MiB, 40 * MiB};
	const uint64_t fits[2] = {60 * MiB, 30 * MiB};
	const uint64_t huge[2] = {UINT64_MAX - 5, 0};
	const uint64_t two_huge[2] = {UINT64_MAX / 2 + 1, UINT64_MAX / 2 + 1};
	struct mem_range p[8];

	(void)state;
	assert_int_equal(part_split(pool, 2, 2, too_big, 2 * MiB, 0, p),
			 E_NOMEM);
	/* 80 MiB asked, 94 MiB free, but not 40 MiB twice in a row. */
	assert_int_equal(part_split(pool, 2, 2, fragmented, 2 * MiB, 0, p),
			 E_NOMEM);
	assert_int_equal(part_split(pool, 2, 2, fits, 2 * MiB, 0, p), 0);
	expect_range(&p[0], 0, 60 * MiB);
	expect_range(&p[1], 66 * MiB, 96 * MiB);
	assert_int_equal(part_split(pool, 2, 2, huge, 2 * MiB, 0, p),
			 E_NOMEM);
	assert_int_equal(part_split(pool, 2, 2, two_huge, 2 * MiB, 0, p),
			 E_NOMEM);
	/* Eight cores of at least 16 MiB: 4 fit below the hole, 1 above. */
	assert_int_equal(part_split(pool, 2, 8, NULL, 2 * MiB, 16 * MiB, p),
			 E_NOMEM);
	assert_int_equal(part_split(pool, 2, 5, NULL, 2 * MiB, 16 * MiB, p), 0);
	expect_range(&p[4], 66 * MiB, 82 * MiB);
	/* No memory at all. */
	assert_int_equal(part_split(NULL, 0, 1, NULL, 2 * MiB, 0, p),
			 E_NOMEM);
	/* min_size that overflows when rounded. */
	assert_int_equal(part_split(pool, 2, 1, NULL, 2 * MiB, UINT64_MAX, p),
			 E_NOMEM);
}

static void test_split_invalid(void **state)
{
	const struct mem_range pool[] = {{0, 64 * MiB}, {66 * MiB, 96 * MiB}};
	const struct mem_range unsorted[] = {{66 * MiB, 96 * MiB},
					     {0, 64 * MiB}};
	const struct mem_range overlap[] = {{0, 64 * MiB},
					    {63 * MiB, 96 * MiB}};
	const struct mem_range backwards[] = {{64 * MiB, 0}};
	struct mem_range p[2];

	(void)state;
	assert_int_equal(part_split(pool, 2, 0, NULL, 2 * MiB, 0, p),
			 E_INVAL);
	assert_int_equal(part_split(pool, 2, 2, NULL, 0, 0, p), E_INVAL);
	assert_int_equal(part_split(pool, 2, 2, NULL, 3 * MiB, 0, p),
			 E_INVAL);
	assert_int_equal(part_split(pool, 2, 2, NULL, 2 * MiB, 0, NULL),
			 E_INVAL);
	assert_int_equal(part_split(NULL, 2, 2, NULL, 2 * MiB, 0, p),
			 E_INVAL);
	assert_int_equal(part_split(unsorted, 2, 2, NULL, 2 * MiB, 0, p),
			 E_INVAL);
	assert_int_equal(part_split(overlap, 2, 2, NULL, 2 * MiB, 0, p),
			 E_INVAL);
	assert_int_equal(part_split(backwards, 1, 1, NULL, 2 * MiB, 0, p),
			 E_INVAL);
}

/* Reference: shrink the equal share one align step at a time. */
static bool model_place(const struct mem_range *pool, unsigned n_pool,
			unsigned ncores, const uint64_t *sizes,
			struct mem_range *r, uint64_t align)
{
	uint64_t cur = 0, b;
	unsigned i, k = 0;

	for (i = 0; i < ncores; i++) {
		for (;; k++) {
			if (k == n_pool) {
				return false;
			}
			b = pool[k].base > cur ? pool[k].base : cur;
			b = (b + align - 1) / align * align;
			if (b + sizes[i] <= pool[k].end) {
				break;
			}
		}
		r[i].base = b;
		r[i].end = b + sizes[i];
		cur = r[i].end;
	}
	return true;
}

static int model_split(const struct mem_range *pool, unsigned n_pool,
		       unsigned ncores, const uint64_t *asked, uint64_t align,
		       uint64_t min_size, struct mem_range *r)
{
	uint64_t sizes[16], total = 0, sum = 0, share, min;
	unsigned i, n_eq = 0;

	min = min_size > align ? min_size : align;
	min = (min + align - 1) / align * align;
	for (i = 0; i < n_pool; i++) {
		total += pool[i].end - pool[i].base;
	}
	for (i = 0; i < ncores; i++) {
		if (asked[i] == 0) {
			n_eq++;
		} else {
			sizes[i] = asked[i] < min ? min : asked[i];
			sizes[i] = (sizes[i] + align - 1) / align * align;
			sum += sizes[i];
		}
	}
	if (sum > total) {
		return E_NOMEM;
	}
	share = n_eq ? (total - sum) / n_eq / align * align : 0;
	for (;;) {
		if (n_eq > 0 && share < min) {
			return E_NOMEM;
		}
		for (i = 0; i < ncores; i++) {
			if (asked[i] == 0) {
				sizes[i] = share;
			}
		}
		if (model_place(pool, n_pool, ncores, sizes, r, align)) {
			return 0;
		}
		if (n_eq == 0) {
			return E_NOMEM;
		}
		share -= align;
	}
}

static void test_split_random(void **state)
{
	struct mem_range pool[6], got[16], want[16];
	uint64_t asked[16], align, min_size, cur;
	unsigned n_pool, ncores, i, iter;
	int rc, m;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		n_pool = (unsigned)rng(6);
		cur = rng(64);
		for (i = 0; i < n_pool; i++) {
			pool[i].base = cur + rng(64);
			pool[i].end = pool[i].base + rng(512);
			cur = pool[i].end;
		}
		ncores = 1 + (unsigned)rng(16);
		for (i = 0; i < ncores; i++) {
			asked[i] = rng(3) == 0 ? rng(200) : 0;
		}
		align = 1ull << rng(4);
		min_size = rng(40);
		rc = part_split(pool, n_pool, ncores, asked, align, min_size,
				got);
		m = model_split(pool, n_pool, ncores, asked, align, min_size,
				want);
		assert_int_equal(rc, m);
		if (rc == 0) {
			expect_layout(got, ncores, align);
			for (i = 0; i < ncores; i++) {
				expect_range(&got[i], want[i].base,
					     want[i].end);
			}
		}
	}
}

static void test_total(void **state)
{
	const struct mem_range r[] = {{0, 10}, {20, 15}, {30, 30}, {40, 45}};
	const struct mem_range big[] = {{0, UINT64_MAX}, {0, UINT64_MAX}};

	(void)state;
	assert_int_equal(part_total(r, 4), 15);
	assert_int_equal(part_total(r, 0), 0);
	assert_int_equal(part_total(NULL, 3), 0);
	assert_int_equal(part_total(big, 1), UINT64_MAX);
	assert_int_equal(part_total(big, 2), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_free_qemu),
	    cmocka_unit_test(test_free_merge),
	    cmocka_unit_test(test_free_reserved),
	    cmocka_unit_test(test_free_lo_and_align),
	    cmocka_unit_test(test_free_top_of_space),
	    cmocka_unit_test(test_free_too_many),
	    cmocka_unit_test(test_free_invalid),
	    cmocka_unit_test(test_free_random),
	    cmocka_unit_test(test_split_equal),
	    cmocka_unit_test(test_split_asked),
	    cmocka_unit_test(test_split_holes),
	    cmocka_unit_test(test_split_unaligned_pool),
	    cmocka_unit_test(test_split_nomem),
	    cmocka_unit_test(test_split_invalid),
	    cmocka_unit_test(test_split_random),
	    cmocka_unit_test(test_total),
	};

	return cmocka_run_group_tests_name("partition", tests, NULL, NULL);
}
