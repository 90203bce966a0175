// SPDX-License-Identifier: MIT
/*
 * The monitor's rule for looking at its programs' routes
 * (monitor/procscan.h) with the kernel's word (cpudriver/ranmirror.h): a
 * pass looks only at the routes of the programs that ran since the last
 * look (a bit a pid), so a skip must never leave a message unseen.
 * Checked in fixed cases and in a random model of one core: programs
 * write their route only while they run, two of them share a bit, the
 * kernel switches at random (also in the middle of a look: the monitor
 * preempted), and the monitor's look takes at most a few messages a route
 * (the cap of a pass). Whenever a pass skips a route (or all of them),
 * that route held nothing when the pass began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ranmirror.h"

/* a switch inside procscan_begin: to a program that writes its route, and
 * back to the monitor (begin_to says which, 0: none) */
static void switch_in_begin(void);
#define PROCSCAN_SWITCH() switch_in_begin()
#include "procscan.h"

static int procs[8]; /* [0]: the monitor; their addresses name them */
static struct ranmirror *begin_mirror;
static unsigned *begin_pending;
static const uint32_t *begin_pids;
static int begin_to; /* the program switched to inside begin, 0: none */

static void switch_in_begin(void)
{
	if (begin_to && begin_mirror) {
		ranmirror_switch(begin_mirror, &procs[begin_to],
				 begin_pids[begin_to]);
		begin_pending[begin_to]++;
		ranmirror_switch(begin_mirror, &procs[0], begin_pids[0]);
	}
}

static void test_skip_until_another_ran(void **unused)
{
	struct procscan s = {.ran = PROCSCAN_ALL, .kept = true};
	struct ranmirror m = {0};
	uint32_t ran;

	(void)unused;
	ranmirror_set(&m, &s.ran, &procs[0]);
	assert_int_equal(procscan_begin(&s), PROCSCAN_ALL); /* the first */
	procscan_end(&s, false);
	assert_int_equal(procscan_begin(&s), 0); /* nobody ran */
	ranmirror_switch(&m, &procs[0], 0x10000); /* back to the monitor */
	assert_int_equal(procscan_begin(&s), 0);
	ranmirror_switch(&m, &procs[3], 0x10003);
	ranmirror_switch(&m, &procs[0], 0x10000);
	ran = procscan_begin(&s);
	assert_int_equal(ran, 1u << 3); /* that program alone */
	assert_true(procscan_wants(ran, 0x10003));
	assert_true(procscan_wants(ran, 0x20023)); /* shares its bit */
	assert_false(procscan_wants(ran, 0x10004));
	assert_false(procscan_wants(ran, 0x10013)); /* 19: a bit of its own */
	procscan_end(&s, false);
	assert_int_equal(procscan_begin(&s), 0);
	ranmirror_switch(&m, &procs[3], 0x10003);
	ranmirror_switch(&m, &procs[4], 0x1003f);
	assert_int_equal(procscan_begin(&s), 1u << 3 | 1u << 31);
}

static void test_left_unread_or_found_looks_again(void **unused)
{
	struct procscan s = {.ran = PROCSCAN_ALL, .kept = true};

	(void)unused;
	assert_int_equal(procscan_begin(&s), PROCSCAN_ALL);
	procscan_end(&s, true); /* a route left with something */
	assert_int_equal(procscan_begin(&s), PROCSCAN_ALL);
	procscan_end(&s, false);
	assert_int_equal(procscan_begin(&s), 0);
	procscan_again(&s); /* the way to sleep found something */
	assert_int_equal(procscan_begin(&s), PROCSCAN_ALL);
}

/* a program that runs while the monitor is inside procscan_begin (the
 * kernel switches away between its read of the word and its clear) must
 * be looked at by this pass or the next: its bit must not be lost */
static void test_switch_inside_begin(void **unused)
{
	static const uint32_t pid_of[8] = {0x10000, 0x10001, 0x10002,
					   0x10003};
	unsigned pending[8] = {0};
	struct procscan s = {.ran = PROCSCAN_ALL, .kept = true};
	struct ranmirror m = {0};
	uint32_t ran;

	(void)unused;
	ranmirror_set(&m, &s.ran, &procs[0]);
	procscan_begin(&s);
	procscan_end(&s, false);
	ranmirror_switch(&m, &procs[1], pid_of[1]); /* program 1 runs */
	begin_mirror = &m;
	begin_pending = pending;
	begin_pids = pid_of;
	begin_to = 2; /* and program 2, inside the next begin */
	ran = procscan_begin(&s);
	begin_to = 0;
	begin_mirror = NULL;
	assert_int_equal(pending[2], 1);
	assert_true(procscan_wants(ran, pid_of[1]));
	/* program 2 wrote: this pass or the next looks at it */
	if (!procscan_wants(ran, pid_of[2])) {
		procscan_end(&s, false);
		assert_true(procscan_wants(procscan_begin(&s), pid_of[2]));
	}
}

static void test_no_word_always_looks(void **unused)
{
	struct procscan s = {.ran = PROCSCAN_ALL, .kept = false};

	(void)unused;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(procscan_begin(&s), PROCSCAN_ALL);
		procscan_end(&s, false);
	}
}

static void test_word_stops_with_its_owner(void **unused)
{
	uint32_t word = 0;
	struct ranmirror m = {0};

	(void)unused;
	ranmirror_switch(&m, &procs[1], 1); /* none set: nothing written */
	ranmirror_set(&m, &word, &procs[0]);
	ranmirror_gone(&m, &procs[2]); /* another process ends */
	ranmirror_switch(&m, &procs[1], 0x10005);
	assert_int_equal(word, 1u << 5);
	ranmirror_switch(&m, &procs[2], 0x10006);
	assert_int_equal(word, 1u << 5 | 1u << 6); /* added, not replaced */
	word = 0;
	ranmirror_gone(&m, &procs[0]); /* the monitor ends */
	ranmirror_switch(&m, &procs[1], 0x10005);
	assert_int_equal(word, 0);
}

#define NPROG 6 /* programs 1..NPROG; 0 is the monitor */
#define CAP 2	/* messages a look takes from a route */

/* the programs' pids: 1 and 3 share a bit (1 and 33), so do 4 and 6 */
static const uint32_t pids[NPROG + 1] = {0x10000, 0x10001, 0x10002, 0x10021,
					 0x10004, 0x10005, 0x10024};

static void test_random_core(void **unused)
{
	struct procscan s = {.ran = PROCSCAN_ALL, .kept = true};
	struct ranmirror m = {0};
	unsigned pending[NPROG + 1] = {0}, at_begin[NPROG + 1] = {0};
	int running = 0, looking = 0, at = 0;
	uint32_t ran = 0;
	bool more = false;
	unsigned long skips = 0, route_skips = 0, looks = 0, taken = 0,
		      written = 0;

	(void)unused;
	srand(14);
	ranmirror_set(&m, &s.ran, &procs[0]);
	begin_mirror = &m;
	begin_pending = pending;
	begin_pids = pids;
	for (long step = 0; step < 2000000; step++) {
		int r = rand() % 16;

		if (r < 1) { /* the kernel switches (a wait, a yield, a tick),
			      * to the monitor half the time */
			running = rand() % 2 ? 0 : 1 + rand() % NPROG;
			ranmirror_switch(&m, &procs[running], pids[running]);
		} else if (running) { /* the program writes its channel */
			if (r < 4) {
				pending[running]++;
				written++;
			}
		} else if (!looking) { /* the monitor starts a pass */
			/* sometimes the kernel switches away inside
			 * begin, to a program that writes its route */
			begin_to = rand() % 4 ? 0 : 1 + rand() % NPROG;
			written += begin_to != 0;
			ran = procscan_begin(&s);
			begin_to = 0;
			if (!ran) {
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
			for (int i = 1; i <= NPROG; i++) {
				at_begin[i] = pending[i];
			}
		} else { /* the look goes on, one route a step */
			if (!procscan_wants(ran, pids[at])) {
				/* what it skips was written after the
				 * pass began, if anything (and then its
				 * bit is set again for the next one) */
				route_skips++;
				assert_int_equal(at_begin[at], 0);
			} else {
				unsigned k =
				    pending[at] < CAP ? pending[at] : CAP;

				pending[at] -= k;
				taken += k;
				more |= pending[at] != 0;
			}
			if (++at > NPROG) {
				procscan_end(&s, more);
				looking = 0;
			}
		}
	}
	/* the rule was exercised every way */
	assert_true(skips > 1000);
	assert_true(route_skips > 1000);
	assert_true(looks > 1000);
	assert_true(taken > written / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skip_until_another_ran),
	    cmocka_unit_test(test_left_unread_or_found_looks_again),
	    cmocka_unit_test(test_switch_inside_begin),
	    cmocka_unit_test(test_no_word_always_looks),
	    cmocka_unit_test(test_word_stops_with_its_owner),
	    cmocka_unit_test(test_random_core),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
