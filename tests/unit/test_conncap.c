// SPDX-License-Identifier: MIT
/*
 * A server's capped table of connections (libos/net/conncap.c, used by
 * echod and httpd). What must hold: a free slot is used before anything
 * is evicted; at the cap the connection with the oldest `since` is
 * evicted (marked, its waiting socket call ended with a deadline in the
 * past, its slot given to the new one); evicted connections whose
 * threads have not ended count against the cap, and a new connection
 * is refused while `cap` of them are ending; a connection that ends
 * leaves its slot, or, evicted, stops counting; a random run against a
 * model of those rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <net/conncap.h>

#define CAP 4

/* sock_deadline, as the table calls it: the calls, recorded */
static int deadline_s[64];
static uint64_t deadline_when[64];
static int deadlines;

int sock_deadline(int s, uint64_t when);
int sock_deadline(int s, uint64_t when)
{
	if (deadlines < 64) {
		deadline_s[deadlines] = s;
		deadline_when[deadlines] = when;
	}
	deadlines++;
	return 0;
}

static struct conncap_conn *slots[CAP];
static struct conncap table;
static struct conncap_conn conn[16];

static void reset(void)
{
	memset(slots, 0, sizeof(slots));
	memset(conn, 0, sizeof(conn));
	table.slots = slots;
	table.cap = CAP;
	table.ending = 0;
	deadlines = 0;
}

/* add: connection i (socket 100 + i, since) into a slot; the slot */
static int add(int i, uint64_t since)
{
	int slot = conncap_take(&table);

	if (slot >= 0) {
		conn[i].s = 100 + i;
		conn[i].since = since;
		slots[slot] = &conn[i];
	}
	return slot;
}

static void test_free_slots_first(void **unused)
{
	(void)unused;
	reset();
	for (int i = 0; i < CAP; i++) {
		assert_int_equal(add(i, 10 + (uint64_t)i), i);
	}
	assert_int_equal(deadlines, 0);
	for (int i = 0; i < CAP; i++) {
		assert_false(conn[i].evicted);
	}
	/* one ends: its slot is the next one's, nobody is evicted */
	conncap_end(&table, &conn[2]);
	assert_null(slots[2]);
	assert_int_equal(add(5, 1), 2);
	assert_int_equal(deadlines, 0);
	assert_int_equal(table.ending, 0);
}

static void test_oldest_evicted(void **unused)
{
	(void)unused;
	reset();
	add(0, 50);
	add(1, 20); /* the oldest */
	add(2, 90);
	add(3, 30);
	assert_int_equal(add(4, 100), 1);
	assert_true(conn[1].evicted);
	assert_ptr_equal(slots[1], &conn[4]);
	assert_int_equal(deadlines, 1);
	assert_int_equal(deadline_s[0], 101);
	assert_true(deadline_when[0] > 0 && deadline_when[0] < 20);
	assert_int_equal(table.ending, 1);
	for (int i = 0; i < 5; i++) {
		assert_true(conn[i].evicted == (i == 1));
	}
	/* the next is the oldest left (3, since 30) */
	assert_int_equal(add(5, 100), 3);
	assert_true(conn[3].evicted);
	assert_int_equal(table.ending, 2);
}

static void test_ending_counts_against_the_cap(void **unused)
{
	(void)unused;
	reset();
	for (int i = 0; i < CAP; i++) {
		add(i, (uint64_t)i);
	}
	/* CAP more: each evicts one, until CAP are ending */
	for (int i = 0; i < CAP; i++) {
		assert_true(add(CAP + i, 100) >= 0);
	}
	assert_int_equal(table.ending, CAP);
	assert_int_equal(add(2 * CAP, 100), -1);
	assert_int_equal(deadlines, CAP);
	/* an evicted one's thread ends: room for one more eviction */
	conncap_end(&table, &conn[0]);
	assert_int_equal(table.ending, CAP - 1);
	for (int i = 0; i < CAP; i++) {
		assert_ptr_not_equal(slots[i], &conn[0]);
	}
	assert_true(add(2 * CAP, 100) >= 0);
	assert_int_equal(table.ending, CAP);
}

static void test_evicted_end_leaves_slots_alone(void **unused)
{
	(void)unused;
	reset();
	for (int i = 0; i < CAP; i++) {
		add(i, (uint64_t)i);
	}
	assert_int_equal(add(CAP, 100), 0); /* conn 0 evicted */
	/* conn 0's thread ends: the slot (now conn CAP's) stays taken */
	conncap_end(&table, &conn[0]);
	assert_ptr_equal(slots[0], &conn[CAP]);
	assert_int_equal(table.ending, 0);
}

/* a model: slots of (id, since), an ending count; the same operations
 * at random, the same outcome each time */
static void test_random_against_model(void **unused)
{
	struct {
		int id;
		uint64_t since;
	} model[CAP];
	int live[16], nlive = 0, gone[16], ngone = 0, next = 0;
	unsigned mending = 0;

	(void)unused;
	reset();
	memset(model, 0xff, sizeof(model));
	srand(7);
	for (int step = 0; step < 200000; step++) {
		int op = rand() % 3;

		if (op == 0 && next < 16) {
			/* a new connection */
			uint64_t since = (uint64_t)(rand() % 1000);
			int want = -1, before = deadlines;

			for (int i = 0; i < CAP && want < 0; i++) {
				want = model[i].id < 0 ? i : -1;
			}
			if (want < 0 && mending < CAP) {
				for (int i = 0; i < CAP; i++) {
					if (want < 0 ||
					    model[i].since < model[want].since) {
						want = i;
					}
				}
			}
			memset(&conn[next], 0, sizeof(conn[next]));
			int got = add(next, since);
			assert_int_equal(got, want);
			if (got < 0) {
				assert_int_equal(deadlines, before);
				continue;
			}
			if (model[want].id >= 0) {
				/* evicted: out of live, into gone */
				int v = model[want].id;

				assert_true(conn[v].evicted);
				assert_int_equal(deadlines, before + 1);
				for (int k = 0; k < nlive; k++) {
					if (live[k] == v) {
						live[k] = live[--nlive];
						break;
					}
				}
				gone[ngone++] = v;
				mending++;
			} else {
				assert_int_equal(deadlines, before);
			}
			model[want].id = next;
			model[want].since = since;
			live[nlive++] = next++;
		} else if (op == 1 && nlive > 0) {
			/* a live connection's thread ends */
			int k = rand() % nlive, c = live[k];

			conncap_end(&table, &conn[c]);
			for (int i = 0; i < CAP; i++) {
				if (model[i].id == c) {
					model[i].id = -1;
				}
			}
			live[k] = live[--nlive];
			/* its index is free for reuse */
			conn[c].s = -1;
		} else if (op == 2 && ngone > 0) {
			/* an evicted connection's thread ends */
			int k = rand() % ngone;

			conncap_end(&table, &conn[gone[k]]);
			gone[k] = gone[--ngone];
			mending--;
		}
		assert_int_equal(table.ending, mending);
		for (int i = 0; i < CAP; i++) {
			assert_ptr_equal(slots[i], model[i].id < 0
							? NULL
							: &conn[model[i].id]);
		}
		if (next == 16 && nlive == 0 && ngone == 0) {
			/* start again with fresh indexes */
			next = 0;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_slots_first),
		cmocka_unit_test(test_oldest_evicted),
		cmocka_unit_test(test_ending_counts_against_the_cap),
		cmocka_unit_test(test_evicted_end_leaves_slots_alone),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
