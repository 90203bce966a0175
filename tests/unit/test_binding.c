// SPDX-License-Identifier: MIT
/*
 * Bindings (channels/binding.h) and relays (channels/relay.h) with the
 * generated calls of tests/unit/ifc/bind.if: both ends of a real channel
 * live in this process; the environment's clock is fake, its doorbell
 * counts, and its wait runs a scripted peer one step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <channels/binding.h>
#include <channels/relay.h>
#include <abi/syscall.h>
#include "bind_if.h"

static _Alignas(4096) uint8_t frame[CHAN_FRAME_SIZE];
static struct binding b; /* the client, side 0, peer on core 3 */
static struct chan peer; /* the server, side 1 */
static uint64_t clock_ns;
static unsigned doorbells, last_core, last_wake, waits;

enum { ANSWER, SILENT, WRONG_ID_FIRST, ERROR_ANSWER, MALFORMED };
static int mode;

static uint64_t now(void)
{
	return clock_ns;
}

static void ring(uint32_t core, uint32_t wake)
{
	doorbells++;
	last_core = core;
	last_wake = wake;
}

static void pause_ns(uint64_t ns)
{
	clock_ns += ns;
}

static int peer_send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	(void)tctx;
	return chan_msg_send(&peer, type, buf, len);
}

/* the peer reads every request and answers as mode says */
static void peer_step(void)
{
	uint8_t buf[CHAN_MSG_MAX], type;
	struct bt_req q;
	int n;

	while ((n = chan_msg_recv(&peer, &type, buf, sizeof(buf))) >= 0) {
		assert_int_equal(type, BT_MSG_REQ);
		assert_int_equal(bt_req_unmarshal(buf, (size_t)n, &q), 0);
		if (mode == SILENT) {
			continue;
		}
		if (mode == WRONG_ID_FIRST) {
			struct bt_rep wrong = {q.call_id + 7, 0, 999};

			bt_send_rep(peer_send, 0, &wrong);
		}
		if (mode == ERROR_ANSWER) {
			struct bt_error e = {BT_MSG_REQ, q.call_id, E_NOSYS};

			bt_send_error(peer_send, 0, &e);
			continue;
		}
		if (mode == MALFORMED) {
			uint8_t body[4];

			memcpy(body, &q.call_id, 4); /* err and y missing */
			chan_msg_send(&peer, BT_MSG_REP, body, sizeof(body));
			continue;
		}
		struct bt_rep r = {0, 0, q.x + 1};

		bt_reply_op(peer_send, 0, &q, &r);
	}
}

static void wait_step(struct binding *bb, struct bind_call *c,
		      uint64_t deadline)
{
	(void)bb;
	(void)c;
	(void)deadline;
	waits++;
	clock_ns += 1000000; /* 1 ms passes */
	peer_step();
}

static const struct bind_env env = {now, ring, pause_ns, wait_step, 0};

static struct {
	unsigned n;
	uint8_t type;
	uint32_t word;
} others;

static void on_other(struct binding *bb, uint8_t type, const uint8_t *buf,
		     size_t len)
{
	(void)bb;
	others.n++;
	others.type = type;
	if (len >= 4) {
		memcpy(&others.word, buf, 4);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(frame, 0, sizeof(frame));
	bind_init(&b, frame, 0, 3, 0x30002, &env);
	b.other = on_other;
	chan_init(&peer, frame, 1);
	clock_ns = 1000;
	doorbells = last_core = last_wake = waits = 0;
	memset(&others, 0, sizeof(others));
	mode = ANSWER;
	return 0;
}

static void test_call_gets_its_reply(void **state)
{
	struct bt_req q = {0, 41};
	struct bt_rep r;

	(void)state;
	assert_int_equal(bt_op_call(&b, &q, &r, BIND_SECOND), 0);
	assert_int_equal(r.y, 42);
	assert_int_equal(r.call_id, q.call_id);
	assert_true(q.call_id != 0);
	assert_null(b.calls);
	assert_int_equal(others.n, 0);
}

static void test_deadline_passes(void **state)
{
	struct bt_req q = {0, 1};
	struct bt_rep r;
	uint64_t start = clock_ns;

	(void)state;
	mode = SILENT;
	assert_int_equal(bt_op_call(&b, &q, &r, 50000000), E_TIMEOUT);
	assert_true(clock_ns >= start + 50000000);
	assert_true(clock_ns < start + 60000000);
	assert_null(b.calls); /* nobody waits any more */
	/* the answer comes late: dropped and counted, not given to other */
	struct bt_rep late = {q.call_id, 0, 2};
	bt_send_rep(peer_send, 0, &late);
	assert_int_equal(bind_poll(&b), 1);
	assert_int_equal(b.late, 1);
	assert_int_equal(others.n, 0);
}

static void test_wrong_call_id_is_not_the_reply(void **state)
{
	struct bt_req q = {0, 10};
	struct bt_rep r;

	(void)state;
	mode = WRONG_ID_FIRST;
	assert_int_equal(bt_op_call(&b, &q, &r, BIND_SECOND), 0);
	assert_int_equal(r.y, 11);
	assert_int_equal(r.call_id, q.call_id);
	/* the stray reply went to the binding's other handler */
	assert_int_equal(others.n, 1);
	assert_int_equal(others.type, BT_MSG_REP);
	assert_int_equal(others.word, q.call_id + 7);
}

static void test_error_answer_ends_the_call(void **state)
{
	struct bt_req q = {0, 10};
	struct bt_rep r;

	(void)state;
	mode = ERROR_ANSWER;
	assert_int_equal(bt_op_call(&b, &q, &r, BIND_SECOND), E_NOSYS);
	assert_null(b.calls);
}

static void test_malformed_reply(void **state)
{
	struct bt_req q = {0, 10};
	struct bt_rep r;

	(void)state;
	mode = MALFORMED;
	assert_int_equal(bt_op_call(&b, &q, &r, BIND_SECOND), E_FORMAT);
}

static void test_doorbell_only_when_peer_sleeps(void **state)
{
	struct bt_note n = {5};

	(void)state;
	assert_int_equal(bt_send_note(bind_send_fn, &b, &n), 0);
	assert_int_equal(doorbells, 0);
	/* the doorbell carries the token the sleeper wrote: only it wakes */
	chan_wake_token = SYS_WAKE_SLOT0 + 7;
	chan_sleep(&peer);
	chan_wake_token = RING_WAKE_ANY;
	assert_int_equal(bt_send_note(bind_send_fn, &b, &n), 0);
	assert_int_equal(doorbells, 1);
	assert_int_equal(last_core, 3);
	assert_int_equal(last_wake, SYS_WAKE_SLOT0 + 7);
	chan_wake(&peer);
	assert_int_equal(bt_send_note(bind_send_fn, &b, &n), 0);
	assert_int_equal(doorbells, 1);
	assert_int_equal(b.sent, 3);
}

static void test_full_ring_send_gives_up(void **state)
{
	struct bt_note n = {5};
	uint64_t start;
	int r = 0, k = 0;

	(void)state;
	b.send_wait_ns = 20000000;
	while (k < 100 && (r = bt_send_note(bind_send_fn, &b, &n)) == 0) {
		k++;
	}
	assert_int_equal(k, CHAN_HALF_SLOTS);
	assert_int_equal(r, E_FULL);
	start = clock_ns;
	assert_int_equal(bt_send_note(bind_send_fn, &b, &n), E_FULL);
	assert_true(clock_ns >= start + 20000000);
	assert_true(clock_ns < start + 30000000);
}

/* two calls out at once, answered in reverse order */
static void test_two_calls_in_flight(void **state)
{
	struct bind_call c1, c2;
	struct bt_rep r1, r2;
	struct bt_rep a1 = {0, 0, 100}, a2 = {0, 0, 200};

	(void)state;
	bind_call_start(
	    &b, &c1, &bt_bind_iface, bind_next_id(&b), BT_MSG_REP,
	    (int (*)(const uint8_t *, size_t, void *))bt_rep_unmarshal, &r1);
	bind_call_start(
	    &b, &c2, &bt_bind_iface, bind_next_id(&b), BT_MSG_REP,
	    (int (*)(const uint8_t *, size_t, void *))bt_rep_unmarshal, &r2);
	a1.call_id = c1.id;
	a2.call_id = c2.id;
	bt_send_rep(peer_send, 0, &a2);
	bt_send_rep(peer_send, 0, &a1);
	mode = SILENT;
	assert_int_equal(bind_call_wait(&b, &c1, clock_ns + BIND_SECOND), 0);
	assert_true(c2.done); /* read on the way, kept for its waiter */
	assert_int_equal(bind_call_wait(&b, &c2, clock_ns + BIND_SECOND), 0);
	assert_int_equal(r1.y, 100);
	assert_int_equal(r2.y, 200);
	assert_int_equal(waits, 0);
}

/* ---- relays */

static struct relay_entry entries[2];
static struct relay_table table = {entries, 2, 0, 5000000000ull, now, 0};
static struct {
	int n;
	uint8_t type;
	uint8_t buf[64];
	size_t len;
} sent;
static unsigned expired_n;
static struct relay_entry expired_e;

static int capture(void *tctx, uint8_t type, const void *buf, size_t len)
{
	(void)tctx;
	sent.n++;
	sent.type = type;
	memcpy(sent.buf, buf, len);
	sent.len = len;
	return 0;
}

static void on_expired(void *arg, const struct relay_entry *e)
{
	(void)arg;
	expired_n++;
	expired_e = *e;
}

static int relay_setup(void **state)
{
	setup(state);
	memset(entries, 0, sizeof(entries));
	table.used = 0;
	memset(&sent, 0, sizeof(sent));
	expired_n = 0;
	return 0;
}

static void test_relay_round_trip(void **state)
{
	struct bt_req q = {77, 5}, fwd;
	struct bt_rep rep = {0, 0, 6};
	uint8_t body[64];
	struct relay_entry e;
	int n;

	(void)state;
	/* a request with call id 77 from route 1000 goes to route 4 */
	assert_int_equal(bt_op_relay(&table, capture, 0, 4, 1000, &q, 9), 0);
	assert_int_equal(sent.type, BT_MSG_REQ);
	assert_int_equal(bt_req_unmarshal(sent.buf, sent.len, &fwd), 0);
	assert_int_equal(fwd.x, 5);
	assert_true(fwd.call_id != 77);
	assert_int_equal(relay_count(&table), 1);
	/* its reply: from another route it answers nothing */
	rep.call_id = fwd.call_id;
	n = bt_rep_marshal(&rep, body, sizeof(body));
	assert_true(n > 0);
	assert_int_equal(relay_match(&table, &bt_bind_iface, 5, BT_MSG_REP,
				     body, (size_t)n, &e),
			 0);
	/* from route 4 it does, once */
	assert_int_equal(relay_match(&table, &bt_bind_iface, 4, BT_MSG_REP,
				     body, (size_t)n, &e),
			 1);
	assert_int_equal(e.from, 1000);
	assert_int_equal(e.back_id, 77);
	assert_int_equal(e.kind, 9);
	assert_int_equal(relay_match(&table, &bt_bind_iface, 4, BT_MSG_REP,
				     body, (size_t)n, &e),
			 0);
	/* the body is passed back with the caller's id */
	assert_int_equal(bt_set_call_id(BT_MSG_REP, body, (size_t)n, 77), 0);
	assert_int_equal(bt_rep_unmarshal(body, (size_t)n, &rep), 0);
	assert_int_equal(rep.call_id, 77);
	assert_int_equal(relay_count(&table), 0);
}

static void test_relay_error_answer_and_rewrite(void **state)
{
	struct bt_req q = {5, 1}, fwd;
	struct bt_error err = {BT_MSG_REQ, 0, E_NOENT};
	uint8_t body[16];
	struct relay_entry e;
	int n;

	(void)state;
	assert_int_equal(bt_op_relay(&table, capture, 0, 4, 1000, &q, 0), 0);
	bt_req_unmarshal(sent.buf, sent.len, &fwd);
	err.call_id = fwd.call_id;
	n = bt_error_marshal(&err, body, sizeof(body));
	assert_int_equal(relay_match(&table, &bt_bind_iface, 4, BT_MSG_ERROR,
				     body, (size_t)n, &e),
			 1);
	assert_int_equal(bt_set_call_id(BT_MSG_ERROR, body, (size_t)n, 5), 0);
	assert_int_equal(bt_error_unmarshal(body, (size_t)n, &err), 0);
	assert_int_equal(err.call_id, 5);
	assert_int_equal(err.err, E_NOENT);
	assert_int_equal(err.type, BT_MSG_REQ);
}

static void test_relay_expires_and_table_fills(void **state)
{
	struct bt_req q = {1, 1};

	(void)state;
	assert_int_equal(bt_op_relay(&table, capture, 0, 4, 1000, &q, 0), 0);
	q.call_id = 2;
	assert_int_equal(bt_op_relay(&table, capture, 0, 4, 1001, &q, 0), 0);
	q.call_id = 3;
	assert_int_equal(bt_op_relay(&table, capture, 0, 4, 1002, &q, 0),
			 E_FULL);
	assert_int_equal(sent.n, 2); /* nothing sent when it cannot be kept */
	assert_int_equal(relay_expire(&table, on_expired, 0), 0);
	assert_true(relay_next_deadline(&table) == clock_ns + 5000000000ull);
	clock_ns += 5000000000ull;
	assert_int_equal(relay_expire(&table, on_expired, 0), 2);
	assert_int_equal(expired_n, 2);
	assert_int_equal(expired_e.req_type, BT_MSG_REQ);
	assert_int_equal(relay_count(&table), 0);
	assert_int_equal(relay_next_deadline(&table), 0);
}

/* ---- who may send what (`from` in the .if file) */

static int noted;

static int on_note(void *ctx, const struct bt_note *m)
{
	(void)ctx;
	noted = (int)m->v;
	return 0;
}

static void test_dispatch_from_refuses_other_senders(void **state)
{
	static const struct bt_handlers h = {.note = on_note};
	struct bt_note n = {7};
	struct bt_req q = {0, 1};
	uint8_t body[64];
	int len;

	(void)state;
	len = bt_note_marshal(&n, body, sizeof(body));
	noted = 0;
	assert_int_equal(bt_dispatch_from(&h, 0, IFC_FROM_PROGRAM, BT_MSG_NOTE,
					  body, (size_t)len),
			 E_PERM);
	assert_int_equal(noted, 0); /* its handler never ran */
	assert_int_equal(bt_dispatch_from(&h, 0, IFC_FROM_MONITOR, BT_MSG_NOTE,
					  body, (size_t)len),
			 0);
	assert_int_equal(noted, 7);
	assert_int_equal(bt_may_send(IFC_FROM_KERNEL, BT_MSG_NOTE), 0);
	/* a message without `from`: anyone */
	len = bt_req_marshal(&q, body, sizeof(body));
	assert_int_equal(bt_may_send(IFC_FROM_PROGRAM, BT_MSG_REQ), 0);
	assert_int_equal(bt_dispatch_from(&h, 0, IFC_FROM_PROGRAM, BT_MSG_REQ,
					  body, (size_t)len),
			 E_NOSYS); /* no handler, but not refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_call_gets_its_reply, setup),
	    cmocka_unit_test_setup(test_deadline_passes, setup),
	    cmocka_unit_test_setup(test_wrong_call_id_is_not_the_reply, setup),
	    cmocka_unit_test_setup(test_error_answer_ends_the_call, setup),
	    cmocka_unit_test_setup(test_malformed_reply, setup),
	    cmocka_unit_test_setup(test_doorbell_only_when_peer_sleeps, setup),
	    cmocka_unit_test_setup(test_full_ring_send_gives_up, setup),
	    cmocka_unit_test_setup(test_two_calls_in_flight, setup),
	    cmocka_unit_test_setup(test_relay_round_trip, relay_setup),
	    cmocka_unit_test_setup(test_relay_error_answer_and_rewrite,
				   relay_setup),
	    cmocka_unit_test_setup(test_relay_expires_and_table_fills,
				   relay_setup),
	    cmocka_unit_test(test_dispatch_from_refuses_other_senders),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
