// SPDX-License-Identifier: MIT
/*
 * The scheduler's slot sets (cpudriver/slots.h): proc.c keeps a set of
 * runnable and one of waiting slots instead of walking its whole table
 * at every return to ring 3. Each operation must give what a walk over
 * an array of states gives: in fixed cases (round robin going past the
 * last slot, a set changed inside its own walk) and over a million
 * random state changes of a 32-slot table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "slots.h"

#define N 32
enum { FREE, RUNNABLE, WAITING };

/* the walk proc.c did before: the first slot in state st at or after
 * start, round robin */
static int walk_next(const int *state, unsigned start, int st)
{
	for (unsigned k = 0; k < N; k++) {
		if (state[(start + k) % N] == st) {
			return (int)((start + k) % N);
		}
	}
	return -1;
}

static void test_next_goes_round(void **unused)
{
	slots_t s = 0;

	(void)unused;
	assert_int_equal(slots_next(s, 0), -1);
	slots_add(&s, 3);
	slots_add(&s, 17);
	assert_int_equal(slots_next(s, 0), 3);
	assert_int_equal(slots_next(s, 3), 3);
	assert_int_equal(slots_next(s, 4), 17);
	assert_int_equal(slots_next(s, 18), 3); /* past the last: from 0 */
	assert_int_equal(slots_next(s, N), 3);  /* after slot N-1 */
	assert_int_equal(slots_next(s, SLOTS_MAX), 3);
	slots_add(&s, 63);
	assert_int_equal(slots_next(s, 63), 63);
	slots_del(&s, 3);
	assert_int_equal(slots_next(s, 18), 63);
	assert_true(slots_has(s, 17));
	assert_false(slots_has(s, 3));
}

static void test_many(void **unused)
{
	slots_t s = 0;

	(void)unused;
	assert_false(slots_many(s));
	slots_add(&s, 31);
	assert_false(slots_many(s));
	slots_add(&s, 0);
	assert_true(slots_many(s));
	slots_del(&s, 31);
	assert_false(slots_many(s));
}

static void test_each_survives_changes(void **unused)
{
	slots_t s = 0, seen = 0;
	unsigned i, n = 0, last = 0;

	(void)unused;
	for (unsigned k = 0; k < N; k += 3) {
		slots_add(&s, k);
	}
	SLOTS_EACH(i, s)
	{
		assert_true(n == 0 || i > last); /* lowest first */
		last = i;
		n++;
		slots_add(&seen, i);
		slots_del(&s, i);       /* what wake_expired does */
		slots_add(&s, (i + 1) % N); /* and a slot the walk skips */
	}
	assert_int_equal(n, 11);
	for (unsigned k = 0; k < N; k++) {
		assert_int_equal(slots_has(seen, k), k % 3 == 0);
	}
}

static void test_random_table_matches_a_walk(void **unused)
{
	int state[N] = {0};
	slots_t runnable = 0, waiting = 0;
	uint64_t x = 88172645463325252ull;

	(void)unused;
	for (int step = 0; step < 1000000; step++) {
		unsigned i, slot, count = 0, k;
		int st;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		slot = (unsigned)(x % N);
		st = (int)((x >> 8) % 3);
		/* as proc.c's set_state */
		state[slot] = st;
		slots_place(&runnable, &waiting, slot,
			    st == RUNNABLE  ? &runnable
			    : st == WAITING ? &waiting
					    : NULL);

		k = (unsigned)((x >> 16) % (N + 1)); /* cur + 1, up to N */
		assert_int_equal(slots_next(runnable, k),
				 walk_next(state, k, RUNNABLE));
		for (unsigned j = 0; j < N; j++) {
			count += state[j] == RUNNABLE;
		}
		assert_int_equal(slots_many(runnable), count > 1);
		k = 0;
		SLOTS_EACH(i, waiting)
		{
			while (k < i) {
				assert_int_not_equal(state[k++], WAITING);
			}
			assert_int_equal(state[i], WAITING);
			k = i + 1;
		}
		while (k < N) {
			assert_int_not_equal(state[k++], WAITING);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next_goes_round),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_each_survives_changes),
	    cmocka_unit_test(test_random_table_matches_a_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
