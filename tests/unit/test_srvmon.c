// SPDX-License-Identifier: MIT
/*
 * netd's link to its monitor (libos/net/srvmon.c) over the real program
 * side of the monitor channel (libos/mon.c, bindings, the event loop): a
 * stand-in monitor on the other side of the frame answers, and the socket
 * server is a stand-in that records which clients were attached.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <channels/chan.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <monitor_if.h>
#include <net/stack.h>
#include <net/proto.h>
#include "server.h"

/* srvmon.c counts its waits on the monitors there (stack.c has it in
 * netd; this test links srvmon.c without the stack) */
uint64_t netstack_stat[NET_STAT_COUNT];

#define CLIENT_PID 0x30002u
#define CLIENT_VA 0x7000000ull

/* ---- the socket server, a stand-in */

static uint32_t attached[4];
static unsigned nattached;

int netsrv_attach(void *frame, uint32_t pid)
{
	assert_ptr_equal(frame, (void *)CLIENT_VA);
	attached[nattached++ % 4] = pid;
	return 0;
}

void netsrv_detach(uint32_t pid)
{
	(void)pid;
}

static void *gone_frame;
static uint32_t gone_pid;

void netsrv_detach_frame(void *frame, uint32_t pid)
{
	gone_frame = frame;
	gone_pid = pid;
}

uint32_t netsrv_client_pid(int i)
{
	return i < (int)nattached ? attached[i] : 0;
}

int netsrv_sockets(void)
{
	return 0;
}

/* ---- the monitor's side of the channel */

static int mon_side_send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	return chan_msg_send(tctx, type, buf, len);
}

/*
 * A client binds while netd's export of "net" is on its way: the monitor
 * sends the client's `bound` note before the export's reply, so the note
 * arrives while the export call waits, and the call keeps it. netd must
 * attach that client all the same (it once never did, and the client's
 * first request waited forever). Its `client_gone` note later detaches
 * it (netsrv_detach_frame).
 */
static void test_client_bound_during_export(void **state)
{
	static _Alignas(4096) uint8_t frame[CHAN_FRAME_SIZE];
	static struct chan mon;
	struct monitor_bound note = {3, CLIENT_PID, CLIENT_VA};
	struct monitor_client_gone g = {CLIENT_PID, CLIENT_VA};
	struct monitor_export_reply rep = {1, 0}; /* the first call's id */
	struct monitor_export_req req;
	uint8_t buf[CHAN_MSG_MAX], type;
	int n;

	(void)state;
	chan_init(&mon, frame, 0);
	mon_init(frame);
	assert_int_equal(monitor_send_bound(mon_side_send, &mon, &note), 0);
	assert_int_equal(monitor_send_export_reply(mon_side_send, &mon, &rep),
			 0);
	assert_int_equal(netsrv_start(), 0);
	/* netd asked for the name */
	n = chan_msg_recv(&mon, &type, buf, sizeof(buf));
	assert_int_equal(type, MONITOR_MSG_EXPORT_REQ);
	assert_int_equal(monitor_export_req_unmarshal(buf, (size_t)n, &req), 0);
	assert_string_equal(req.name, "net");
	assert_int_equal(req.call_id, 1);
	/* and took the client that bound meanwhile */
	assert_int_equal(nattached, 1);
	assert_int_equal(attached[0], CLIENT_PID);
	/* the client closes or ends: its monitor's note detaches it */
	assert_int_equal(monitor_send_client_gone(mon_side_send, &mon, &g), 0);
	for (int i = 0; i < 100 && !gone_pid; i++) {
		event_poll();
	}
	assert_int_equal(gone_pid, CLIENT_PID);
	assert_ptr_equal(gone_frame, (void *)CLIENT_VA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_bound_during_export),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
