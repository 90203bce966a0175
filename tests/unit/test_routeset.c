// SPDX-License-Identifier: MIT
/*
 * The monitor's set of live process routes (monitor/routeset.h): its
 * passes drain, and set_sleep marks, only the routes in the set. After
 * any sequence of attaches and ends, the set must be exactly the slots
 * that hold a program: one it misses is a program whose messages are
 * never read, one too many only costs a look.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "routeset.h"

#define N 32
static uint32_t pid[N];

static int held(unsigned slot)
{
	return pid[slot] != 0;
}

static void test_gone_route_leaves(void **unused)
{
	uint32_t set = 0;

	(void)unused;
	for (unsigned i = 0; i < N; i++) {
		pid[i] = 0;
	}
	pid[0] = 0x10;
	routeset_add(&set, 0);
	pid[31] = 0x11;
	routeset_add(&set, 31);
	assert_int_equal(routeset_live(&set, held), 1u | 1u << 31);
	pid[0] = 0; /* reaped */
	assert_int_equal(routeset_live(&set, held), 1u << 31);
	assert_int_equal(set, 1u << 31);
	pid[0] = 0x12; /* the slot again, for another program */
	routeset_add(&set, 0);
	assert_int_equal(routeset_live(&set, held), 1u | 1u << 31);
}

static void test_random_attach_and_end(void **unused)
{
	uint32_t set = 0, want;
	uint64_t x = 88172645463325252ull;

	(void)unused;
	for (unsigned i = 0; i < N; i++) {
		pid[i] = 0;
	}
	for (int step = 0; step < 1000000; step++) {
		unsigned slot;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		slot = (unsigned)(x % N);
		if ((x >> 8) % 2) {
			pid[slot] = (uint32_t)(x >> 16) | 1; /* spawned */
			routeset_add(&set, slot);
		} else {
			pid[slot] = 0; /* ended and reaped */
		}
		want = 0;
		for (unsigned i = 0; i < N; i++) {
			want |= (uint32_t)(pid[i] != 0) << i;
		}
		if ((x >> 12) % 4 == 0) { /* not every step walks the set */
			assert_int_equal(routeset_live(&set, held), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gone_route_leaves),
	    cmocka_unit_test(test_random_attach_and_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
