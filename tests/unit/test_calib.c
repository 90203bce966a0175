/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the calibration arithmetic (cpudriver/calib.c): rates
 * from a window read at both ends, and the windows that must give none
 * (too short, past zero, a clock standing still).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "calib.h"

/* a reading `ticks` PIT ticks into a window started at count 0xfff0, on
 * a 2.6 GHz TSC and a 1 GHz LAPIC timer counting down from 2^32-1 */
static struct calib_read at(uint32_t ticks)
{
	struct calib_read r;
	uint64_t ns = (uint64_t)ticks * 1000000000ull / CALIB_PIT_HZ;

	r.count = (uint16_t)(0xfff0 - ticks);
	r.out = false;
	r.tsc = 1000000 + ns * 26 / 10;
	r.lapic = 0xffffffffu - (uint32_t)ns;
	return r;
}

static void test_rates(void **state)
{
	struct calib_read a = at(0), b = at(CALIB_TICKS);
	uint64_t tsc = 0, lapic = 0;

	(void)state;
	assert_int_equal(calib_elapsed(&a, &b), CALIB_TICKS);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), 0);
	assert_in_range(tsc, 2599000, 2601000);
	assert_in_range(lapic, 999000, 1001000);
	/* a longer window (work that took 40 ms) measures the same rates */
	b = at(47727);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), 0);
	assert_in_range(tsc, 2599900, 2600100);
	assert_in_range(lapic, 999900, 1000100);
	/* a window that starts later in the count: only differences count */
	a = at(1000);
	b = at(1000 + CALIB_TICKS);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), 0);
	assert_in_range(tsc, 2599000, 2601000);
}

static void test_short(void **state)
{
	struct calib_read a = at(0), b = at(CALIB_TICKS - 1);
	uint64_t tsc = 7, lapic = 7;

	(void)state;
	assert_int_equal(calib_elapsed(&a, &b), CALIB_TICKS - 1);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	assert_int_equal(tsc, 7);
	assert_int_equal(lapic, 7);
}

static void test_past_zero(void **state)
{
	struct calib_read a = at(0), b = at(CALIB_TICKS);
	uint64_t tsc = 7, lapic = 7;

	(void)state;
	/* the count went past zero: OUT is high */
	b.out = true;
	assert_int_equal(calib_elapsed(&a, &b), -1);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	/* ... or OUT was read low just before it wrapped: the count is
	 * above the start's */
	b = at(0);
	b.count = 0xfffe;
	assert_int_equal(calib_elapsed(&a, &b), -1);
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	/* the start itself read after the terminal count */
	a.out = true;
	b = at(CALIB_TICKS);
	assert_int_equal(calib_elapsed(&a, &b), -1);
	assert_int_equal(tsc, 7);
	assert_int_equal(lapic, 7);
}

static void test_bad_clocks(void **state)
{
	struct calib_read a = at(0), b = at(CALIB_TICKS);
	uint64_t tsc = 7, lapic = 7;

	(void)state;
	b.tsc = a.tsc; /* the TSC stood still */
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	b.tsc = a.tsc - 1; /* ... or ran backwards */
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	b.tsc = a.tsc + (1ull << 40); /* no TSC runs that fast */
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), -1);
	assert_int_equal(tsc, 7);
	/* a LAPIC timer that did not count: rate 0, the caller guesses */
	b = at(CALIB_TICKS);
	b.lapic = a.lapic;
	assert_int_equal(calib_rates(&a, &b, &tsc, &lapic), 0);
	assert_int_equal(lapic, 0);
	assert_in_range(tsc, 2599000, 2601000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_past_zero),
		cmocka_unit_test(test_bad_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
