/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the monitors' rules for privileged operations
 * (monitor/policy.c): who may kill, spawn with which rights and into the
 * last process slots, export a reserved name, borrow and lend; and the
 * live-children table behind the spawn quota.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "abi/errors.h"
#include "abi/syscall.h"
#include "../../monitor/policy.h"

#define MiB (1024ull * 1024)
#define MON 0x10001u

static void test_kill(void **state)
{
	(void)state;
	/* an admin, the spawner, the process itself, the monitor */
	assert_null(kill_rule(0x20005, SYS_RIGHT_ADMIN, 0x10003, 0, MON));
	assert_null(kill_rule(0x20005, 0, 0x10003, 0x20005, MON));
	assert_null(kill_rule(0x10003, 0, 0x10003, 0, MON));
	assert_null(kill_rule(MON, 0, 0x10003, 0, MON));
	/* anyone else, and a process the monitor started (spawner 0) */
	assert_non_null(kill_rule(0x20005, SYS_RIGHT_CONSOLE, 0x10003,
				  0x20006, MON));
	assert_non_null(kill_rule(0x20005, 0, 0x10003, 0, MON));
	/* by 0 is not the monitor's spawn (spawner 0) */
	assert_non_null(kill_rule(0, 0, 0x10003, 0, MON));
}

static void test_spawn_rights_and_slots(void **state)
{
	(void)state;
	assert_null(spawn_rights_rule(0, 0));
	assert_null(spawn_rights_rule(SYS_RIGHT_CONSOLE, SYS_RIGHTS_ALL));
	assert_non_null(spawn_rights_rule(SYS_RIGHT_ADMIN, 0));
	assert_non_null(spawn_rights_rule(SYS_RIGHTS_ALL, SYS_RIGHT_ADMIN));
	assert_null(spawn_slot_rule(SLOT_RESERVE + 1, 0));
	assert_non_null(spawn_slot_rule(SLOT_RESERVE, 0));
	assert_null(spawn_slot_rule(1, SYS_RIGHT_ADMIN));
	assert_non_null(spawn_slot_rule(0, SYS_RIGHT_ADMIN));
}

static void test_export(void **state)
{
	(void)state;
	assert_string_equal(reserved_owner("net"), "netd");
	assert_string_equal(reserved_owner("store"), "store");
	assert_null(reserved_owner("echo"));
	assert_null(export_rule(NULL, "attack", 0));
	assert_null(export_rule("netd", "netd", 1));
	assert_non_null(export_rule("netd", "netd", 0));
	assert_non_null(export_rule("netd", "attack", 1));
}

static void test_borrow_and_lend(void **state)
{
	(void)state;
	assert_null(borrow_rule(0, BORROW_CAP, 0));
	assert_null(borrow_rule(BORROW_CAP - 4 * MiB, 4 * MiB, 0));
	assert_non_null(borrow_rule(BORROW_CAP, 2 * MiB, 0));
	assert_non_null(borrow_rule(2 * MiB, UINT64_MAX, 0));
	assert_null(borrow_rule(BORROW_CAP, UINT64_MAX, SYS_RIGHT_ADMIN));
	assert_int_equal(lend_reserve(48 * MiB), LEND_RESERVE_MIN);
	assert_int_equal(lend_reserve(800 * MiB), 100 * MiB);
	assert_null(lend_rule(20 * MiB, 48 * MiB, 12 * MiB));
	assert_non_null(lend_rule(20 * MiB, 48 * MiB, 14 * MiB));
	assert_non_null(lend_rule(4 * MiB, 48 * MiB, 2 * MiB));
	assert_non_null(lend_rule(20 * MiB, 48 * MiB, UINT64_MAX));
}

static void test_kids(void **state)
{
	static struct kids k;
	uint64_t lapse = 100;

	(void)state;
	memset(&k, 0, sizeof(k));
	/* pending requests count: the fifth, sent before any reply, fails */
	for (uint32_t c = 1; c <= SPAWN_QUOTA; c++) {
		assert_int_equal(kids_reserve(&k, 0x10002, c, 0, lapse), 0);
	}
	assert_int_equal(kids_reserve(&k, 0x10002, 9, 0, lapse), E_TOOBIG);
	/* another parent has its own quota */
	assert_int_equal(kids_reserve(&k, 0x10003, 1, 0, lapse), 0);
	/* a failed spawn gives its place back; a started one keeps it */
	kids_settle(&k, 0x10002, 1, 0);
	kids_settle(&k, 0x10002, 2, 0x20004);
	assert_int_equal(kids_count(&k, 0x10002, 0, lapse), SPAWN_QUOTA - 1);
	/* a child's exit gives its place back */
	kids_exit(&k, 0x20004);
	assert_int_equal(kids_count(&k, 0x10002, 0, lapse), SPAWN_QUOTA - 2);
	/* pending ones nobody answered lapse; started ones do not */
	kids_settle(&k, 0x10002, 3, 0x20005);
	assert_int_equal(kids_count(&k, 0x10002, 1000, lapse), 1);
	/* the parent's exit forgets its children */
	kids_exit(&k, 0x10002);
	assert_int_equal(kids_count(&k, 0x10002, 1000, lapse), 0);
	assert_int_equal(kids_reserve(&k, 0, 1, 0, lapse), E_TOOBIG);
}

/* the lender: the most free memory among those that may lend, never the
 * asker; the last lender while it has 7/8 of the most; ties to the first
 * after the asker; -1 when no core can lend */
static void test_lender_choice(void **state)
{
	uint32_t part[5] = {512, 8, 48, 512, 512};
	uint32_t fr[5] = {400, 4, 20, 300, 450};

	(void)state;
	/* core 1 asks for 4 MiB: 4 has the most (core 0 has less) */
	assert_int_equal(lender_choice(fr, part, 5, 1, -1, 4 * MiB), 4);
	/* core 4 asks: not itself; 0 then */
	assert_int_equal(lender_choice(fr, part, 5, 4, -1, 4 * MiB), 0);
	/* the last lender, 0, has 400 >= 450 - 450/8: it keeps lending */
	assert_int_equal(lender_choice(fr, part, 5, 1, 0, 4 * MiB), 0);
	/* 3 (300) is too far below: the most free wins */
	assert_int_equal(lender_choice(fr, part, 5, 1, 3, 4 * MiB), 4);
	/* the last lender cannot lend this much: not it */
	fr[0] = 70;
	part[0] = 80;
	assert_int_equal(lender_choice(fr, part, 5, 1, 0, 64 * MiB), 4);
	/* core 2 has 20 of 48 MiB: 12 MiB above its 8 MiB reserve */
	uint32_t two[3] = {0, 0, 20}, twop[3] = {0, 8, 48};
	assert_int_equal(lender_choice(two, twop, 3, 1, -1, 12 * MiB), 2);
	assert_int_equal(lender_choice(two, twop, 3, 1, -1, 14 * MiB), -1);
	assert_int_equal(lender_choice(two, twop, 3, 2, -1, 2 * MiB), -1);
	/* ties: the first after the asker, as before */
	uint32_t eq[4] = {100, 100, 100, 100}, eqp[4] = {100, 100, 100, 100};
	assert_int_equal(lender_choice(eq, eqp, 4, 1, -1, 2 * MiB), 2);
	assert_int_equal(lender_choice(eq, eqp, 4, 3, -1, 2 * MiB), 0);
	/* one core: nobody */
	assert_int_equal(lender_choice(eq, eqp, 1, 0, -1, 2 * MiB), -1);
	/* a last lender that is the asker or out of range is ignored */
	assert_int_equal(lender_choice(eq, eqp, 4, 1, 1, 2 * MiB), 2);
	assert_int_equal(lender_choice(eq, eqp, 4, 1, 9, 2 * MiB), 2);
}

/* the rule as policy.h says it, core by core in the order after the
 * asker: what lender_choice's shortcut (a core weighed only if it has
 * more than the best so far) must agree with */
static int ref_choice(const uint32_t *fr, const uint32_t *part, uint32_t n,
		      uint32_t me, int last, uint64_t bytes)
{
	int best = -1;

	for (uint32_t k = 1; k < n; k++) {
		uint32_t c = (me + k) % n;

		if (lend_rule((uint64_t)fr[c] << 20, (uint64_t)part[c] << 20,
			      bytes) == NULL &&
		    (best < 0 || fr[c] > fr[best])) {
			best = (int)c;
		}
	}
	if (best >= 0 && last >= 0 && (uint32_t)last < n &&
	    (uint32_t)last != me && last != best &&
	    lend_rule((uint64_t)fr[last] << 20, (uint64_t)part[last] << 20,
		      bytes) == NULL &&
	    fr[last] >= fr[best] - fr[best] / 8) {
		best = last;
	}
	return best;
}

static void test_lender_choice_random(void **state)
{
	static uint32_t fr[256], part[256];
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		uint32_t n, me;
		int last;
		uint64_t bytes;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 1 + (uint32_t)(x % 256);
		me = (uint32_t)(x >> 8) % n;
		last = (int)((x >> 16) % (n + 2)) - 1; /* -1 .. n */
		bytes = ((x >> 24) % 8 + 1) * 2 * MiB;
		for (uint32_t c = 0; c < n; c++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* few distinct values: ties and refusals are common */
			part[c] = 16 + (uint32_t)(x % 4) * 16;
			fr[c] = (uint32_t)(x >> 8) % (part[c] + 1);
		}
		assert_int_equal(lender_choice(fr, part, n, me, last, bytes),
				 ref_choice(fr, part, n, me, last, bytes));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill),
	    cmocka_unit_test(test_lender_choice),
	    cmocka_unit_test(test_lender_choice_random),
	    cmocka_unit_test(test_spawn_rights_and_slots),
	    cmocka_unit_test(test_export),
	    cmocka_unit_test(test_borrow_and_lend),
	    cmocka_unit_test(test_kids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
