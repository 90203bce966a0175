// SPDX-License-Identifier: MIT
/*
 * SYS_DOORBELLS' rule (cpudriver/bells.h): every entry of the list is
 * rung, in order, with its own core and wake token, and a list that is
 * empty, too long or names a core that does not exist rings nothing (a
 * monitor's fan-out must wake every child, or a child sleeps until its
 * next heartbeat and the operation takes a period instead of microseconds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "bells.h"

struct rung {
	unsigned n;
	struct sys_bell b[SYS_BELLS_MAX + 1];
};

static void record(void *arg, uint32_t core, uint32_t wake)
{
	struct rung *r = arg;

	assert_true(r->n <= SYS_BELLS_MAX);
	r->b[r->n].core = core;
	r->b[r->n++].wake = wake;
}

static void test_every_bell_in_order(void **unused)
{
	struct sys_bell list[SYS_BELLS_MAX];
	struct rung r = {0};

	(void)unused;
	for (unsigned n = 1; n <= SYS_BELLS_MAX; n++) {
		for (unsigned i = 0; i < n; i++) {
			list[i].core = (i * 7 + n) % 255;
			list[i].wake = SYS_WAKE_SLOT0 + i;
		}
		r.n = 0;
		assert_int_equal(bells_ring(list, n, 255, record, &r), n);
		assert_int_equal(r.n, n);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(r.b[i].core, list[i].core);
			assert_int_equal(r.b[i].wake, list[i].wake);
		}
	}
}

static void test_bad_list_rings_nothing(void **unused)
{
	struct sys_bell list[SYS_BELLS_MAX + 1] = {{0, SYS_WAKE_ANY}};
	struct rung r = {0};

	(void)unused;
	for (unsigned i = 0; i <= SYS_BELLS_MAX; i++) {
		list[i].core = i % 4;
		list[i].wake = SYS_WAKE_ANY;
	}
	assert_int_equal(bells_ring(list, 0, 4, record, &r), E_RANGE);
	assert_int_equal(bells_ring(list, SYS_BELLS_MAX + 1, 4, record, &r),
			 E_RANGE);
	assert_int_equal(bells_ring(list, (uint64_t)-1, 4, record, &r),
			 E_RANGE);
	/* the last entry's core does not exist: not even the first rings */
	list[2].core = 4;
	assert_int_equal(bells_ring(list, 3, 4, record, &r), E_RANGE);
	list[2].core = UINT32_MAX;
	assert_int_equal(bells_ring(list, 3, 4, record, &r), E_RANGE);
	assert_int_equal(r.n, 0);
	/* the highest core is one */
	list[2].core = 3;
	assert_int_equal(bells_ring(list, 3, 4, record, &r), 3);
	assert_int_equal(r.n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bell_in_order),
		cmocka_unit_test(test_bad_list_rings_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
