// SPDX-License-Identifier: MIT
/*
 * The monitor's rule for looking at its programs' routes
 * (monitor/procscan.h) with the kernel's word (cpudriver/ranmirror.h): a
 * pass skips the routes only while no other process ran since the last
 * look, so a skip must never leave a message unseen. Checked in fixed
 * cases and in a random model of one core: programs write their route
 * only while they run, the kernel switches at random (also in the middle
 * of a look: the monitor preempted), and the monitor's look takes at most
 * a few messages a route (the cap of a pass). At every pass that skips,
 * every route must be empty.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ranmirror.h"
#include "procscan.h"

static int procs[8]; /* [0]: the monitor; their addresses name them */

static void test_skip_until_another_ran(void **unused)
{
	struct procscan s = {.ran = 1, .kept = true};
	struct ranmirror m = {0};

	(void)unused;
	ranmirror_set(&m, &s.ran, &procs[0]);
	assert_true(procscan_begin(&s)); /* the first pass looks */
	procscan_end(&s, false);
	assert_false(procscan_begin(&s)); /* nobody ran */
	ranmirror_switch(&m, &procs[0]);  /* back to the monitor itself */
	assert_false(procscan_begin(&s));
	ranmirror_switch(&m, &procs[3]);
	ranmirror_switch(&m, &procs[0]);
	assert_true(procscan_begin(&s));
	procscan_end(&s, false);
	assert_false(procscan_begin(&s));
}

static void test_left_unread_or_found_looks_again(void **unused)
{
	struct procscan s = {.ran = 1, .kept = true};

	(void)unused;
	assert_true(procscan_begin(&s));
	procscan_end(&s, true); /* a route left with something */
	assert_true(procscan_begin(&s));
	procscan_end(&s, false);
	assert_false(procscan_begin(&s));
	procscan_again(&s); /* the way to sleep found something */
	assert_true(procscan_begin(&s));
}

static void test_no_word_always_looks(void **unused)
{
	struct procscan s = {.ran = 1, .kept = false};

	(void)unused;
	for (int i = 0; i < 3; i++) {
		assert_true(procscan_begin(&s));
		procscan_end(&s, false);
	}
}

static void test_word_stops_with_its_owner(void **unused)
{
	uint32_t word = 0;
	struct ranmirror m = {0};

	(void)unused;
	ranmirror_switch(&m, &procs[1]); /* none set: nothing written */
	ranmirror_set(&m, &word, &procs[0]);
	ranmirror_gone(&m, &procs[2]); /* another process ends */
	ranmirror_switch(&m, &procs[1]);
	assert_int_equal(word, 1);
	word = 0;
	ranmirror_gone(&m, &procs[0]); /* the monitor ends */
	ranmirror_switch(&m, &procs[1]);
	assert_int_equal(word, 0);
}

#define NPROG 6 /* programs 1..NPROG; 0 is the monitor */
#define CAP 2	/* messages a look takes from a route */

static void test_random_core(void **unused)
{
	struct procscan s = {.ran = 1, .kept = true};
	struct ranmirror m = {0};
	unsigned pending[NPROG + 1] = {0};
	int running = 0, looking = 0, at = 0;
	bool more = false;
	unsigned long skips = 0, looks = 0, taken = 0, written = 0;

	(void)unused;
	srand(14);
	ranmirror_set(&m, &s.ran, &procs[0]);
	for (long step = 0; step < 2000000; step++) {
		int r = rand() % 16;

		if (r < 1) { /* the kernel switches (a wait, a yield, a tick),
			      * to the monitor half the time */
			running = rand() % 2 ? 0 : 1 + rand() % NPROG;
			ranmirror_switch(&m, &procs[running]);
		} else if (running) { /* the program writes its channel */
			if (r < 4) {
				pending[running]++;
				written++;
			}
		} else if (!looking) { /* the monitor starts a pass */
			if (!procscan_begin(&s)) {
				skips++;
				for (int i = 1; i <= NPROG; i++) {
					assert_int_equal(pending[i], 0);
				}
				continue;
			}
			looks++;
			looking = 1;
			at = 1;
			more = false;
		} else { /* the look goes on, one route a step */
			unsigned k = pending[at] < CAP ? pending[at] : CAP;

			pending[at] -= k;
			taken += k;
			more |= pending[at] != 0;
			if (++at > NPROG) {
				procscan_end(&s, more);
				looking = 0;
			}
		}
	}
	/* the rule was exercised both ways */
	assert_true(skips > 1000);
	assert_true(looks > 1000);
	assert_true(taken > written / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skip_until_another_ran),
	    cmocka_unit_test(test_left_unread_or_found_looks_again),
	    cmocka_unit_test(test_no_word_always_looks),
	    cmocka_unit_test(test_word_stops_with_its_owner),
	    cmocka_unit_test(test_random_core),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
