// SPDX-License-Identifier: MIT
/*
 * The wait timeout's memo (cpudriver/tscmemo.h): whatever the order of
 * timeouts asked, each answer must be the conversion of that timeout,
 * and a repeated timeout must not convert again. Checked in fixed cases
 * and over a million random timeouts from a small set (many repeats)
 * against the conversion itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tscmemo.h"

static unsigned converted;

static uint64_t convert(uint64_t ns)
{
	converted++;
	return ns * 3 + 7; /* any function will do */
}

static void test_repeat_converts_once(void **unused)
{
	struct tscmemo m = {0};

	(void)unused;
	converted = 0;
	assert_int_equal(tscmemo_get(&m, 1000, convert), 3007);
	assert_int_equal(tscmemo_get(&m, 1000, convert), 3007);
	assert_int_equal(converted, 1);
	assert_int_equal(tscmemo_get(&m, 5, convert), 22);
	assert_int_equal(tscmemo_get(&m, 1000, convert), 3007);
	assert_int_equal(converted, 3);
}

static void test_random_against_convert(void **unused)
{
	static const uint64_t set[] = {1, 2, 1000, 1000000, 200000,
				       5000000, UINT64_MAX / 4};
	struct tscmemo m = {0};

	(void)unused;
	srand(14);
	for (int i = 0; i < 1000000; i++) {
		uint64_t ns = set[rand() % (sizeof(set) / sizeof(set[0]))];

		assert_int_equal(tscmemo_get(&m, ns, convert), ns * 3 + 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repeat_converts_once),
	    cmocka_unit_test(test_random_against_convert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
