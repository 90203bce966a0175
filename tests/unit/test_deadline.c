// SPDX-License-Identifier: MIT
/*
 * The timer's deadline cache (cpudriver/deadline.h): the LAPIC timer is
 * written only when the earliest deadline changed or the timer fired
 * since it was written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "deadline.h"

static void test_cache(void **state)
{
	struct deadline_cache c = {0};

	(void)state;
	assert_false(deadline_rearm(&c, 0));   /* nothing armed, none wanted */
	assert_true(deadline_rearm(&c, 1000)); /* a deadline: write it */
	assert_false(deadline_rearm(&c, 1000)); /* unchanged: no write */
	assert_false(deadline_rearm(&c, 1000));
	assert_true(deadline_rearm(&c, 900));  /* earlier */
	assert_true(deadline_rearm(&c, 5000)); /* later */
	deadline_fired(&c);		       /* the one-shot is spent */
	assert_true(deadline_rearm(&c, 5000)); /* the same: write again */
	assert_false(deadline_rearm(&c, 5000));
	assert_true(deadline_rearm(&c, 0));    /* none any more: disarm */
	assert_false(deadline_rearm(&c, 0));
	deadline_fired(&c);
	assert_false(deadline_rearm(&c, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
