// SPDX-License-Identifier: MIT
/*
 * Which links a monitor's pass looks at (monitor/linkscan.h). A link the
 * passes miss is a message that waits; the rules that bound the wait:
 * every link that is up is looked at within LINKSCAN_FULL passes; a link
 * we sent on or heard from is looked at by every pass for the next
 * LINKSCAN_FULL passes (its answer is not delayed); after
 * linkscan_full_next the next pass looks at every link; a link that is
 * not up is never looked at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "linkscan.h"

#define NLINKS (LINKSCAN_WORDS * 64)

/* looked: whether the current pass (full: linkscan_begin's answer) looks
 * at link c */
static int looked(const struct linkscan *s, int full, uint32_t c)
{
	if (c / 64 >= s->words) {
		return 0;
	}
	return (linkscan_word(s, c / 64, full) >> (c % 64)) & 1;
}

static void test_sent_link_looked_at_next_passes(void **unused)
{
	struct linkscan s;

	(void)unused;
	memset(&s, 0, sizeof(s));
	for (uint32_t c = 1; c < 64; c++) {
		linkscan_up(&s, c);
	}
	assert_int_equal(linkscan_begin(&s), 1); /* the first is full */
	linkscan_heat(&s, 17);
	for (int i = 0; i < LINKSCAN_FULL; i++) {
		int full = linkscan_begin(&s);

		assert_true(looked(&s, full, 17));
		/* a pass that is not full looks at the hot links only */
		if (!full) {
			assert_false(looked(&s, full, 18));
		}
	}
}

static void test_cold_link_within_full(void **unused)
{
	struct linkscan s;
	int gap = 0, worst = 0;

	(void)unused;
	memset(&s, 0, sizeof(s));
	linkscan_up(&s, 200); /* in the last word */
	for (uint32_t c = 3; c < 3 + LINKSCAN_FEW; c++) {
		linkscan_up(&s, c);
	}
	for (int i = 0; i < 10 * LINKSCAN_FULL; i++) {
		int full = linkscan_begin(&s);

		linkscan_heat(&s, 3); /* a busy link beside it */
		gap = looked(&s, full, 200) ? 0 : gap + 1;
		worst = gap > worst ? gap : worst;
	}
	assert_true(worst <= LINKSCAN_FULL - 1);
	assert_true(worst > 0); /* it is not looked at by every pass */
}

static void test_full_next(void **unused)
{
	struct linkscan s;

	(void)unused;
	memset(&s, 0, sizeof(s));
	linkscan_up(&s, 1);
	linkscan_up(&s, 70);
	for (uint32_t c = 2; c < 2 + LINKSCAN_FEW; c++) {
		linkscan_up(&s, c);
	}
	assert_int_equal(linkscan_begin(&s), 1);
	assert_int_equal(linkscan_begin(&s), 0);
	linkscan_full_next(&s);
	assert_int_equal(linkscan_begin(&s), 1);
	assert_true(looked(&s, 1, 1));
	assert_true(looked(&s, 1, 70));
	assert_int_equal(linkscan_begin(&s), 0); /* once */
}

static void test_down_never_looked_at(void **unused)
{
	struct linkscan s;

	(void)unused;
	memset(&s, 0, sizeof(s));
	linkscan_up(&s, 5);
	linkscan_heat(&s, 6); /* sent on, never up */
	linkscan_heat(&s, NLINKS + 3); /* out of range: ignored */
	linkscan_up(&s, NLINKS + 3);
	for (int i = 0; i < 2 * LINKSCAN_FULL; i++) {
		int full = linkscan_begin(&s);

		assert_false(looked(&s, full, 6));
		assert_false(looked(&s, full, NLINKS + 3 - NLINKS));
	}
	assert_int_equal(s.words, 1);
}

static void test_few_links_every_pass(void **unused)
{
	struct linkscan s;

	(void)unused;
	memset(&s, 0, sizeof(s));
	for (uint32_t c = 0; c < LINKSCAN_FEW; c++) {
		linkscan_up(&s, c * 70); /* one a word */
	}
	linkscan_up(&s, 0); /* again: still few */
	for (int i = 0; i < 3 * LINKSCAN_FULL; i++) {
		assert_int_equal(linkscan_begin(&s), 1);
	}
	/* one more: from here on a pass looks at the hot ones, and all of
	 * them are (nothing was kept track of before) */
	linkscan_up(&s, 1);
	for (int i = 0; i < LINKSCAN_FULL; i++) {
		int full = linkscan_begin(&s);

		for (uint32_t c = 0; c < LINKSCAN_FEW; c++) {
			assert_true(looked(&s, full, c * 70));
		}
		assert_true(looked(&s, full, 1));
	}
	assert_int_equal(linkscan_begin(&s), 1);
	assert_int_equal(linkscan_begin(&s), 0);
	assert_false(looked(&s, 0, 70));
}

/* A random run against a model of the rules: per link, the pass of its
 * last use and the last pass that looked at it. */
static void test_random_against_model(void **unused)
{
	static int64_t used[NLINKS], seen[NLINKS];
	static uint8_t up[NLINKS];
	struct linkscan s;
	uint64_t x = 88172645463325252ull;
	int full_asked = 1; /* the first pass is full */

	(void)unused;
	memset(&s, 0, sizeof(s));
	for (int c = 0; c < NLINKS; c++) {
		used[c] = -1000;
		seen[c] = 0;
		up[c] = 0;
	}
	for (int64_t pass = 1; pass < 200000; pass++) {
		int full;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 97 == 0) {
			uint32_t c = (uint32_t)(x >> 20) % NLINKS;

			linkscan_up(&s, c);
			if (!up[c]) {
				up[c] = 1;
				seen[c] = pass - 1;
			}
		}
		if (x % 13 == 0) {
			linkscan_full_next(&s);
			full_asked = 1;
		}
		full = linkscan_begin(&s);
		if (full_asked) {
			assert_int_equal(full, 1);
			full_asked = 0;
		}
		for (uint32_t c = 0; c < NLINKS; c++) {
			int l = looked(&s, full, c);

			if (!up[c]) {
				assert_false(l);
				continue;
			}
			/* used within the last LINKSCAN_FULL passes */
			if (pass - used[c] <= LINKSCAN_FULL) {
				assert_true(l);
			}
			if (l) {
				seen[c] = pass;
			}
			assert_true(pass - seen[c] < LINKSCAN_FULL);
		}
		/* this pass's uses: a few links, up or not */
		for (int k = (int)(x >> 40) % 4; k > 0; k--) {
			uint32_t c = (uint32_t)(x >> (8 * k)) % NLINKS;

			linkscan_heat(&s, c);
			used[c] = pass;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sent_link_looked_at_next_passes),
		cmocka_unit_test(test_cold_link_within_full),
		cmocka_unit_test(test_full_next),
		cmocka_unit_test(test_down_never_looked_at),
		cmocka_unit_test(test_few_links_every_pass),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
