// SPDX-License-Identifier: MIT
/*
 * The clock the CPU driver and libos share (abi/tsc.h): libos computes
 * SYS_TIME_NS in ring 3 with the same function, so it must give exactly
 * tsc * 10^6 / khz (rounded down) for every tick count a core can reach
 * and every rate, without overflowing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <abi/tsc.h>

/* exact: tsc * 10^6 / khz in 128 bits (fits 64 bits for the ranges
 * below: at most ten years of nanoseconds) */
static uint64_t exact(uint64_t tsc, uint64_t khz)
{
	return (uint64_t)((unsigned __int128)tsc * 1000000u / khz);
}

static void test_matches_exact(void **state)
{
	/* rates from a slow emulated TSC to 10 GHz; ticks up to ~10 years
	 * at 10 GHz (3.2e18) */
	static const uint64_t khz[] = {1, 999, 1000, 1000000, 2994375,
				       3000000, 4294967, 10000000};
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t k = 0; k < sizeof(khz) / sizeof(khz[0]); k++) {
		uint64_t lim = khz[k] * 315360000000ull; /* 10 years of ticks */

		for (int i = 0; i < 100000; i++) {
			uint64_t t;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			t = i < 3 ? (uint64_t)i : x % lim;
			assert_int_equal(abi_tsc_to_ns(t, khz[k]),
					 exact(t, khz[k]));
		}
		/* a whole millisecond and one tick short of it */
		assert_int_equal(abi_tsc_to_ns(khz[k], khz[k]), 1000000);
		assert_int_equal(abi_tsc_to_ns(khz[k] - 1, khz[k]),
				 exact(khz[k] - 1, khz[k]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
