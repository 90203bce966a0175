// SPDX-License-Identifier: MIT
/*
 * The scheduler's timer deadline cache (cpudriver/tdl.h). tdl_set (a core
 * that halts): the LAPIC timer is written only when the earliest deadline
 * changed or the timer fired, and then holds exactly the deadline asked
 * for. tdl_set_early (a core going back to a process): written only when
 * the deadline came earlier than the one armed, or the timer fired; it
 * must never fire later than asked (early is allowed: the scheduler then
 * looks once for nothing). A fake one-shot timer (written value, cleared
 * when it fires) is checked in fixed cases and over a million random
 * steps of asking, halting and firing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tdl.h"

/* the fake LAPIC: what it would fire at (0: disarmed), and writes */
static uint64_t hw;
static unsigned writes;

/* written: the cache said the timer must be written for deadline */
static void written(bool w, uint64_t deadline)
{
	if (w) {
		hw = deadline;
		writes++;
	}
}

/* ask: what a core going back to a process asks; ask_exact: what a core
 * that halts asks */
static void ask(struct tdl *t, uint64_t deadline)
{
	written(tdl_set_early(t, deadline), deadline);
}

static void ask_exact(struct tdl *t, uint64_t deadline)
{
	written(tdl_set(t, deadline), deadline);
}

static void fire(struct tdl *t)
{
	hw = 0;
	tdl_fired(t);
}

/* late: the fake timer would fire after `deadline` (0: none wanted) */
static int late(uint64_t deadline)
{
	return deadline != 0 && (hw == 0 || hw > deadline);
}

static void test_unchanged_or_later_deadline_writes_once(void **state)
{
	struct tdl t = {0};

	(void)state;
	hw = 0;
	writes = 0;
	ask(&t, 1000);
	ask(&t, 1000);
	ask(&t, 1000);
	assert_int_equal(writes, 1);
	assert_int_equal(hw, 1000);
	ask(&t, 1200); /* a new time slice, later: armed early is enough */
	ask(&t, 1300);
	assert_int_equal(writes, 1);
	assert_int_equal(hw, 1000);
	ask(&t, 900); /* an earlier wait: must be written */
	assert_int_equal(writes, 2);
	assert_int_equal(hw, 900);
	ask(&t, 0); /* nothing to wait for: left armed, fires once early */
	ask(&t, 0);
	assert_int_equal(writes, 2);
	assert_int_equal(hw, 900);
}

static void test_fired_timer_is_written_again(void **state)
{
	struct tdl t = {0};

	(void)state;
	hw = 0;
	writes = 0;
	ask(&t, 5000);
	fire(&t); /* early (rounding) or the 1 s re-arm of a far deadline */
	ask(&t, 5000);
	assert_int_equal(writes, 2);
	assert_int_equal(hw, 5000);
	fire(&t);
	ask(&t, 0); /* fired and nothing wanted: no write */
	assert_int_equal(writes, 2);
	assert_int_equal(hw, 0);
	ask(&t, 7000); /* after a fire, a later deadline is written */
	assert_int_equal(writes, 3);
	assert_int_equal(hw, 7000);
}

static void test_halting_core_gets_the_exact_deadline(void **state)
{
	struct tdl t = {0};

	(void)state;
	hw = 0;
	writes = 0;
	ask(&t, 1000);
	ask(&t, 1500); /* running: armed early is enough */
	assert_int_equal(hw, 1000);
	ask_exact(&t, 1500); /* halting: no early wake-up for nothing */
	assert_int_equal(writes, 2);
	assert_int_equal(hw, 1500);
	ask_exact(&t, 1500);
	assert_int_equal(writes, 2);
	ask_exact(&t, 0); /* halting with nothing due: disarmed */
	assert_int_equal(writes, 3);
	assert_int_equal(hw, 0);
}

static void test_forget_writes_whatever_comes(void **state)
{
	struct tdl t = {0};

	(void)state;
	hw = 77; /* boot code left it armed */
	writes = 0;
	tdl_forget(&t);
	ask(&t, 0);
	assert_int_equal(writes, 1);
	assert_int_equal(hw, 0);
}

static void test_random_steps_keep_the_timer_right(void **state)
{
	struct tdl t = {0};
	uint64_t x = 88172645463325252ull, asked = 0;
	unsigned long skipped = 0, early = 0;

	(void)state;
	hw = 0;
	writes = 0;
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 5 == 0) {
			fire(&t);
			asked = 0;
			continue;
		}
		/* few distinct deadlines, 0 among them, so repeats happen */
		asked = (x >> 8) % 4 == 0 ? 0 : 1000 + (x >> 16) % 3;
		unsigned before = writes;
		if ((x >> 24) % 3 == 0) {
			ask_exact(&t, asked); /* halting: exact */
			assert_int_equal(hw, asked);
		} else {
			ask(&t, asked);
			assert_false(late(asked));
			early += asked && hw < asked;
		}
		skipped += writes == before;
		/* written only for a changed deadline or after a fire */
		assert_true(writes == before || hw == asked);
	}
	assert_true(skipped > 100000); /* the cache did skip writes */
	assert_true(early > 1000);     /* and left early timers armed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unchanged_or_later_deadline_writes_once),
	    cmocka_unit_test(test_fired_timer_is_written_again),
	    cmocka_unit_test(test_halting_core_gets_the_exact_deadline),
	    cmocka_unit_test(test_forget_writes_whatever_comes),
	    cmocka_unit_test(test_random_steps_keep_the_timer_right),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
