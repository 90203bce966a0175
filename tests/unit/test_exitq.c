// SPDX-License-Identifier: MIT
/*
 * The exit queue and its mirror word (cpudriver/exitq.h): the monitor
 * skips SYS_REAP while the word is 0, so the word must equal the queue's
 * length after every push and pop from the moment it is set, or an exit
 * would never be collected (word 0 with an exit queued) or every pass
 * would ask again for nothing. Checked in fixed cases (set while exits
 * are queued, stopped, wrap-around) and over a million random pushes and
 * pops against a plain count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "exitq.h"

static void test_mirror_follows(void **unused)
{
	struct exitq q = {0};
	struct exitq_entry x;
	uint32_t word = 77;
	int slot;

	(void)unused;
	exitq_push(&q, 1, -1, &slot);
	exitq_push(&q, 2, -2, &slot);
	assert_int_equal(word, 77); /* not set yet: untouched */
	exitq_mirror(&q, &word);
	assert_int_equal(word, 2); /* written at once */
	exitq_push(&q, 3, -3, &slot);
	assert_int_equal(word, 3);
	assert_int_equal(exitq_pop(&q, &x), 0);
	assert_int_equal(x.pid, 1);
	assert_int_equal(x.status, -1);
	assert_ptr_equal(x.slot, &slot);
	assert_int_equal(word, 2);
	assert_int_equal(exitq_pop(&q, &x), 0);
	assert_int_equal(exitq_pop(&q, &x), 0);
	assert_int_equal(x.pid, 3);
	assert_int_equal(word, 0);
	assert_int_equal(exitq_pop(&q, &x), -1);
	assert_int_equal(word, 0);
	exitq_mirror(&q, NULL); /* stopped: the word is left alone */
	exitq_push(&q, 4, 0, &slot);
	assert_int_equal(word, 0);
}

static void test_wraps_in_order(void **unused)
{
	struct exitq q = {0};
	struct exitq_entry x;
	uint32_t word = 0, next = 1;

	(void)unused;
	exitq_mirror(&q, &word);
	for (uint32_t pid = 1; pid <= 5 * EXITQ_SIZE; pid++) {
		exitq_push(&q, pid, (int64_t)pid * 10, NULL);
		if (q.len == EXITQ_SIZE) { /* full: drain it */
			assert_int_equal(word, EXITQ_SIZE);
			while (exitq_pop(&q, &x) == 0) {
				assert_int_equal(x.pid, next);
				assert_int_equal(x.status, (int64_t)next * 10);
				next++;
			}
		}
	}
	assert_int_equal(word, 0);
	assert_int_equal(next, 5 * EXITQ_SIZE + 1);
}

static void test_random_against_count(void **unused)
{
	struct exitq q = {0};
	struct exitq_entry x;
	uint32_t word = 12345, count = 0, pushed = 0, popped = 0;

	(void)unused;
	srand(14);
	for (int i = 0; i < 1000000; i++) {
		if (i == 1000) {
			exitq_mirror(&q, &word);
		}
		if (count < EXITQ_SIZE && rand() % 2) {
			exitq_push(&q, ++pushed, 0, NULL);
			count++;
		} else if (exitq_pop(&q, &x) == 0) {
			assert_int_equal(x.pid, ++popped);
			count--;
		} else {
			assert_int_equal(count, 0);
		}
		if (i >= 1000) {
			assert_int_equal(word, count);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mirror_follows),
	    cmocka_unit_test(test_wraps_in_order),
	    cmocka_unit_test(test_random_against_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
