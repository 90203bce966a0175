// SPDX-License-Identifier: MIT
/*
 * The socket server's link to the monitors: export "net", attach every
 * client that binds (mon_accept_poll, whenever the monitor channel has a
 * message), and every LIVENESS_NS ask the monitors which processes still
 * run (mon_ps of each client's core): a client that has gone has its
 * sockets closed. A client that binds again (after it decided we were
 * gone) gets a fresh channel; its old one is dropped the same way. The
 * monitors also say when a client closes its binding or ends
 * (client_gone): it is dropped at once.
 *
 * The liveness question runs in a timer callback, which halts the whole
 * server while it waits: it waits at most ALIVE_ASK_NS, and a core whose
 * monitor did not answer is not asked again for QUIET_NS (its clients
 * are kept meanwhile), with one log line.
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <net/proto.h>
#include <net/stack.h>
#include "server.h"
#include "nsock.h"

#define LIVENESS_NS 1000000000ull
#define ALIVE_ASK_NS 500000000ull	/* 0.5 s */
#define QUIET_NS (30ull * 1000000000ull) /* a silent core is left alone */
#define CORES_MAX 256

static uint64_t quiet_until[CORES_MAX];

static struct event_chan mon_ev;
static struct event_timer live;

static void on_monitor(struct event_chan *e)
{
	void *va;
	uint32_t pid;

	(void)e;
	while (mon_accept_poll(&va, &pid) == 0) {
		netsrv_detach(pid); /* the same program, bound again */
		if (netsrv_attach(va, pid) < 0) {
			printf("net: too many clients; 0x%x refused\n", pid);
		}
	}
	/* a client closed its binding or ended (its monitor says so) */
	while (mon_take_client_gone(&va, &pid) == 0) {
		netsrv_detach_frame(va, pid);
	}
}

static int alive(uint32_t pid)
{
	static struct monitor_ps_reply ps;
	uint32_t core = SYS_PID_CORE(pid);
	int r;

	if (core < CORES_MAX && sys_time_ns() < quiet_until[core]) {
		return 1; /* its monitor was silent lately: keep it */
	}
	r = mon_ps_ns(core, &ps, ALIVE_ASK_NS);
	if (r == E_TIMEOUT && core < CORES_MAX) {
		printf("net: the monitor of core %u does not answer; its "
		       "clients are kept and not checked for %u s\n",
		       core, (unsigned)(QUIET_NS / 1000000000ull));
		quiet_until[core] = sys_time_ns() + QUIET_NS;
	}
	if (r < 0) {
		return 1; /* cannot tell: keep it */
	}
	for (int i = 0; i < ps.pids_count; i++) {
		if (ps.pids[i] == pid) {
			return 1;
		}
	}
	return 0;
}

static void on_live(struct event_timer *t)
{
	uint64_t t0 = sys_time_ns(), us;

	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		uint32_t pid = netsrv_client_pid(i);

		if (pid && !alive(pid)) {
			netsrv_detach(pid);
		}
	}
	/* the whole server waited this long for the monitors */
	us = (sys_time_ns() - t0) / 1000;
	if (us > netstack_stat[NET_STAT_mon_wait_max_us]) {
		netstack_stat[NET_STAT_mon_wait_max_us] = us;
	}
	event_timer_add(t, sys_time_ns() + LIVENESS_NS, on_live, 0);
	on_monitor(&mon_ev); /* notes kept during the calls above */
}

int netsrv_start(void)
{
	int r = mon_export(NET_SERVICE);

	if (r < 0) {
		return r;
	}
	event_chan_add(&mon_ev, mon_channel(), on_monitor, 0);
	event_timer_add(&live, sys_time_ns() + LIVENESS_NS, on_live, 0);
	/* a client that bound while the export was on its way: its note was
	 * kept by the call (mon.c) and will not make the channel pending */
	on_monitor(&mon_ev);
	return 0;
}
