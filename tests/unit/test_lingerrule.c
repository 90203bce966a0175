// SPDX-License-Identifier: MIT
/*
 * Whether a monitor lingers after an answer (monitor/lingerrule.h). What
 * must hold: nothing known yet, it lingers; a gap under twice the window,
 * it lingers, and one at or over it, it does not; a linger that ran out
 * stops lingering for the next LINGER_SKIP answers and until a gap under
 * twice the window is timed again; a link that never speaks again costs
 * one window, not one per answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lingerrule.h"

#define W 1000u /* the window, in any unit */

static void test_first_answer_lingers(void **unused)
{
	struct lingerrule r;

	(void)unused;
	memset(&r, 0, sizeof(r));
	assert_true(lingerrule_ask(&r, W));
}

static void test_gap_against_twice_the_window(void **unused)
{
	struct lingerrule r;

	(void)unused;
	memset(&r, 0, sizeof(r));
	lingerrule_gap(&r, W / 2);
	assert_true(lingerrule_ask(&r, W));
	/* over the window but under twice: the gap holds the wake-ups that
	 * lingering saves (the 32-core agreement: 65 us against 50) */
	lingerrule_gap(&r, W + W / 3);
	assert_true(lingerrule_ask(&r, W));
	lingerrule_gap(&r, 2 * W - 1);
	assert_true(lingerrule_ask(&r, W));
	lingerrule_gap(&r, 2 * W);
	assert_false(lingerrule_ask(&r, W));
	lingerrule_gap(&r, 50 * W);
	assert_false(lingerrule_ask(&r, W));
	/* a later short gap starts it again */
	lingerrule_gap(&r, W / 10);
	assert_true(lingerrule_ask(&r, W));
}

static void test_miss_skips_then_needs_a_gap(void **unused)
{
	struct lingerrule r;

	(void)unused;
	memset(&r, 0, sizeof(r));
	assert_true(lingerrule_ask(&r, W));
	lingerrule_missed(&r, W);
	/* the next LINGER_SKIP answers do not linger, whatever the gaps */
	for (int i = 0; i < LINGER_SKIP; i++) {
		lingerrule_gap(&r, 1);
		assert_false(lingerrule_ask(&r, W));
	}
	/* then the last gap decides */
	lingerrule_gap(&r, 1);
	assert_true(lingerrule_ask(&r, W));
	lingerrule_missed(&r, W);
	for (int i = 0; i < LINGER_SKIP; i++) {
		assert_false(lingerrule_ask(&r, W));
	}
	/* no gap timed since the miss (the link never spoke again): no */
	assert_false(lingerrule_ask(&r, W));
	assert_false(lingerrule_ask(&r, W));
}

/* A link whose next message always comes at `gap` after an answer; a
 * linger catches it if gap < W. Returns the windows lingered in vain
 * over `answers` answers (the cost), and sets *caught to those that
 * were caught. */
static int run(uint64_t gap, int answers, int *caught)
{
	struct lingerrule r;
	int vain = 0;

	memset(&r, 0, sizeof(r));
	*caught = 0;
	for (int i = 0; i < answers; i++) {
		if (lingerrule_ask(&r, W)) {
			if (gap < W) {
				(*caught)++;
			} else {
				vain++;
				lingerrule_missed(&r, W);
				continue; /* the message came after the linger */
			}
		}
		lingerrule_gap(&r, gap);
	}
	return vain;
}

static void test_costs(void **unused)
{
	int caught;

	(void)unused;
	/* within the window: every answer lingers and catches it */
	assert_int_equal(run(W / 2, 100, &caught), 0);
	assert_int_equal(caught, 100);
	/* a little after the window: one vain window in LINGER_SKIP + 1 */
	assert_int_equal(run(W + W / 2, 90, &caught), 90 / (LINGER_SKIP + 1));
	assert_int_equal(caught, 0);
	/* far after: the first answer only (nothing known yet) */
	assert_int_equal(run(10 * W, 100, &caught), 1);
	assert_int_equal(caught, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_answer_lingers),
		cmocka_unit_test(test_gap_against_twice_the_window),
		cmocka_unit_test(test_miss_skips_then_needs_a_gap),
		cmocka_unit_test(test_costs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
