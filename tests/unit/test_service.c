// SPDX-License-Identifier: MIT
/*
 * libos's service loop (libos/service.c) over the real program side of
 * the monitor channel (libos/mon.c, bindings): a stand-in monitor sends
 * `bound` notes, stand-in clients send one message each on their
 * channels, and the handler must see each client's pid and rights as the
 * note gave them (svc_client_pid, svc_client_rights), whatever the
 * client's message says. Clients that close or end (the monitor's
 * `client_gone`) give their slots back: 40 clients in turn are served by
 * a loop that holds 16 at most.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <libos/sys.h>
#include <monitor_if.h>

#define ADMIN_PID 0x20005u
#define PLAIN_PID 0x30007u
#define MSG_TYPE 7

static _Alignas(4096) uint8_t mon_frame[CHAN_FRAME_SIZE];
static _Alignas(4096) uint8_t frames[2][CHAN_FRAME_SIZE];

/* what the handler saw, in the order messages were dispatched */
static struct {
	uint32_t pid, rights;
	uint8_t claim; /* the rights the message itself claimed */
} seen[4];
static int nseen;

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n);

static struct service svc = {.name = "test", .dispatch = dispatch};

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n)
{
	assert_int_equal(type, MSG_TYPE);
	assert_int_equal(n, 1);
	if (nseen < 4) {
		seen[nseen].pid = svc_client_pid(c);
		seen[nseen].rights = svc_client_rights(c);
		seen[nseen].claim = *(const uint8_t *)buf;
		nseen++;
	}
	if (nseen == 2) {
		svc.stop = true;
	}
	return 0;
}

static int mon_side_send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	return chan_msg_send(tctx, type, buf, len);
}

/* bound: the monitor tells the server of client pid on frame f */
static void bound(struct chan *mon, uint32_t pid, uint32_t rights, void *f)
{
	struct monitor_bound note = {SYS_PID_CORE(pid), pid, (uintptr_t)f,
				     rights};

	assert_int_equal(monitor_send_bound(mon_side_send, mon, &note), 0);
}

/*
 * Two clients bind: one the monitor says holds the admin right, one with
 * no rights, whose message claims every right. Each handler call must
 * see the pid and rights of the note for its channel.
 */
static void test_handler_sees_the_monitors_word(void **state)
{
	static struct chan mon, admin, plain;
	uint8_t all = SYS_RIGHTS_ALL, none = 0;

	(void)state;
	alarm(20); /* a loop that never dispatches ends the test, not CI */
	chan_init(&mon, mon_frame, 0);
	mon_init(mon_frame);
	chan_init(&admin, frames[0], 1);
	chan_init(&plain, frames[1], 1);
	bound(&mon, ADMIN_PID, SYS_RIGHT_ADMIN, frames[0]);
	bound(&mon, PLAIN_PID, 0, frames[1]);
	assert_int_equal(chan_msg_send(&admin, MSG_TYPE, &none, 1), 0);
	assert_int_equal(chan_msg_send(&plain, MSG_TYPE, &all, 1), 0);
	assert_int_equal(svc_run(&svc), 0);
	alarm(0);
	assert_int_equal(svc.nclients, 2);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].pid, ADMIN_PID);
	assert_int_equal(seen[0].rights, SYS_RIGHT_ADMIN);
	assert_int_equal(seen[0].claim, 0);
	assert_int_equal(seen[1].pid, PLAIN_PID);
	assert_int_equal(seen[1].rights, 0);
	assert_int_equal(seen[1].claim, SYS_RIGHTS_ALL);
}

#define TURNS 40
static _Alignas(4096) uint8_t turn_frames[TURNS + 2][CHAN_FRAME_SIZE];
static uint32_t last_pid;
static struct service turns = {.name = "turns"};

static int dispatch_turn(struct svc_client *c, uint8_t type, const void *buf,
			 size_t n)
{
	(void)type;
	(void)buf;
	(void)n;
	last_pid = svc_client_pid(c);
	turns.stop = true;
	return 0;
}

/* gone: the monitor tells the server that pid's channel at f is closed */
static void gone(struct chan *mon, uint32_t pid, void *f)
{
	struct monitor_client_gone note = {pid, (uintptr_t)f};

	assert_int_equal(monitor_send_client_gone(mon_side_send, mon, &note),
			 0);
}

/* serve_one: client pid binds on frame f, sends a message; the loop
 * runs until it is dispatched */
static struct chan turn_cl; /* the client side of serve_one's channel */

static void serve_one(struct chan *mon, uint32_t pid, void *f)
{
	uint8_t none = 0;

	bound(mon, pid, 0, f);
	chan_init(&turn_cl, f, 1);
	assert_int_equal(chan_msg_send(&turn_cl, MSG_TYPE, &none, 1), 0);
	turns.stop = false;
	assert_int_equal(svc_run(&turns), 0);
	assert_int_equal(last_pid, pid);
}

/*
 * 40 clients, one after the other, each bound, served and gone: every
 * one is served (a loop that never let one go would ignore the 17th and
 * never return: the alarm ends the test), and the loop holds one client
 * at a time. A client that is gone before the loop accepted it (bound
 * and client_gone both waiting) is never accepted.
 */
static void test_gone_clients_give_slots_back(void **state)
{
	static struct chan mon;

	(void)state;
	alarm(20);
	memset(mon_frame, 0, sizeof(mon_frame));
	chan_init(&mon, mon_frame, 0);
	mon_init(mon_frame);
	turns.dispatch = dispatch_turn;
	for (uint32_t k = 0; k < TURNS; k++) {
		serve_one(&mon, PLAIN_PID + k, turn_frames[k]);
		assert_int_equal(turns.nclients, 1);
		gone(&mon, PLAIN_PID + k, turn_frames[k]);
	}
	/* bound and gone before the loop looks: never a client */
	bound(&mon, ADMIN_PID, 0, turn_frames[TURNS]);
	gone(&mon, ADMIN_PID, turn_frames[TURNS]);
	serve_one(&mon, PLAIN_PID + TURNS + 1, turn_frames[TURNS + 1]);
	alarm(0);
	assert_int_equal(turns.nclients, 1);
	assert_int_equal(turns.clients[0].pid, PLAIN_PID + TURNS + 1);
}

/*
 * A client served once sends one more message and ends; the monitor's
 * client_gone note is waiting before the loop looks again. The message
 * (echosvc's `quit`, a `put` nobody waits for) must still be dispatched
 * before the client is dropped: the loop returns only through it (a loop
 * that dropped the client first would never dispatch, and the alarm
 * ends the test).
 */
static void test_last_message_before_gone_is_served(void **state)
{
	static struct chan mon;
	uint8_t last = 42;

	(void)state;
	alarm(20);
	memset(mon_frame, 0, sizeof(mon_frame));
	memset(turn_frames[0], 0, sizeof(turn_frames[0]));
	chan_init(&mon, mon_frame, 0);
	mon_init(mon_frame);
	turns.dispatch = dispatch_turn;
	turns.nclients = 0;
	serve_one(&mon, PLAIN_PID, turn_frames[0]);
	assert_int_equal(turns.nclients, 1);
	last_pid = 0;
	assert_int_equal(chan_msg_send(&turn_cl, MSG_TYPE, &last, 1), 0);
	gone(&mon, PLAIN_PID, turn_frames[0]);
	turns.stop = false;
	assert_int_equal(svc_run(&turns), 0);
	alarm(0);
	assert_int_equal(last_pid, PLAIN_PID);
	assert_int_equal(turns.nclients, 0);
}

/*
 * A client that keeps its channel full (it writes as fast as the loop
 * reads) cannot hold the others: a pass takes at most 64 of one client's
 * messages before the next client's. Client F fills its ring and writes
 * one more each time one of its messages is dispatched, as a sender on
 * another core would; client Q sends one message. Q's comes after at most
 * 64 of F's (the loop that drained a client before going on never came
 * to Q: the alarm ended the test).
 */
static struct service fair = {.name = "fair"};
static int f_before_q, q_seen;
static struct chan fair_f; /* F's side of its channel */

static int dispatch_fair(struct svc_client *c, uint8_t type, const void *buf,
			 size_t n)
{
	uint8_t none = 0;

	(void)type;
	(void)buf;
	(void)n;
	if (svc_client_pid(c) == ADMIN_PID) {
		q_seen = 1;
		fair.stop = true;
	} else if (!q_seen) {
		f_before_q++;
		chan_msg_send(&fair_f, MSG_TYPE, &none, 1);
	}
	return 0;
}

static void test_flooding_client_does_not_hold_others(void **state)
{
	static struct chan mon, q;
	uint8_t none = 0;
	int sent = 0;

	(void)state;
	alarm(20);
	memset(mon_frame, 0, sizeof(mon_frame));
	memset(turn_frames[0], 0, sizeof(turn_frames[0]));
	memset(turn_frames[1], 0, sizeof(turn_frames[1]));
	chan_init(&mon, mon_frame, 0);
	mon_init(mon_frame);
	fair.dispatch = dispatch_fair;
	bound(&mon, PLAIN_PID, 0, turn_frames[0]);
	bound(&mon, ADMIN_PID, 0, turn_frames[1]);
	chan_init(&fair_f, turn_frames[0], 1);
	chan_init(&q, turn_frames[1], 1);
	while (chan_msg_send(&fair_f, MSG_TYPE, &none, 1) == 0) {
		sent++;
	}
	assert_true(sent > 16);
	assert_int_equal(chan_msg_send(&q, MSG_TYPE, &none, 1), 0);
	assert_int_equal(svc_run(&fair), 0);
	alarm(0);
	assert_int_equal(q_seen, 1);
	assert_true(f_before_q <= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handler_sees_the_monitors_word),
	    cmocka_unit_test(test_gone_clients_give_slots_back),
	    cmocka_unit_test(test_last_message_before_gone_is_served),
	    cmocka_unit_test(test_flooding_client_does_not_hold_others),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
