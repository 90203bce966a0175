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
 * The liveness question never halts the server: on_live asks each
 * client core's monitor once (mon_ps_ask) and goes on; the answer is
 * read when the monitor channel has it (on_monitor). Only the clients
 * attached when the question left are judged by its answer (a client
 * that bound later may have started after the monitor answered). A core
 * whose monitor does not answer within ALIVE_ASK_NS is not asked again
 * for QUIET_NS (its clients are kept meanwhile), with one log line.
 *
 * The notes are the way clients are dropped; the question only catches
 * a note that was lost, so it backs off: the first round LIVENESS_NS
 * after the start, each next one twice as late, up to LIVENESS_MAX_NS.
 * Every round costs our core two switches to its monitor and back, and
 * under QEMU's TCG such a switch after a long run can stall the core for
 * tens of ms (docs/benchmarks.md, "The liveness questions").
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

#define LIVENESS_NS 1000000000ull	       /* the first round */
#define LIVENESS_MAX_NS (32ull * 1000000000ull) /* the longest gap */
#define ALIVE_ASK_NS 500000000ull	/* 0.5 s */
#define QUIET_NS (30ull * 1000000000ull) /* a silent core is left alone */
#define CORES_MAX 256

static uint64_t quiet_until[CORES_MAX];

/* one open question per core: the clients it judges */
#define ASKS 8
static struct {
	uint32_t call_id; /* 0: free */
	uint32_t core;
	uint64_t sent_ns;
	int n;
	uint32_t pids[NETSRV_CLIENTS];
} asks[ASKS];

static struct event_chan mon_ev;
static struct event_timer live;
static uint64_t live_nap; /* the gap before the next round */

/* judge: the answer to ask i, if it came: clients it does not list have
 * ended (a pid is never reused while its process runs) */
static void judge(int i)
{
	static uint32_t pids[32];
	int n = 0, r = mon_ps_take(asks[i].call_id, pids, &n);

	if (r == E_AGAIN) {
		return;
	}
	for (int k = 0; r == 0 && k < asks[i].n; k++) {
		int found = 0;

		for (int j = 0; j < n && !found; j++) {
			found = pids[j] == asks[i].pids[k];
		}
		if (!found) {
			netsrv_detach(asks[i].pids[k]);
		}
	}
	asks[i].call_id = 0; /* answered, refused (kept), or unknown */
}

static void on_monitor(struct event_chan *e)
{
	void *va;
	uint32_t pid;

	(void)e;
	/* answers first: taking one reads the channel, and the notes read
	 * with it are taken below (the channel is not pending for them) */
	for (int i = 0; i < ASKS; i++) {
		if (asks[i].call_id) {
			judge(i);
		}
	}
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

/* ask_core: the open question of core (a new one if none), or -1 */
static int ask_core(uint32_t core, uint64_t now)
{
	int spare = -1;

	for (int i = 0; i < ASKS; i++) {
		if (asks[i].call_id && asks[i].core == core) {
			return asks[i].sent_ns == now ? i : -1;
		}
		if (!asks[i].call_id && spare < 0) {
			spare = i;
		}
	}
	if (spare < 0 || mon_ps_ask(core, &asks[spare].call_id) < 0) {
		return -1; /* asked again at the next round */
	}
	asks[spare].core = core;
	asks[spare].sent_ns = now;
	asks[spare].n = 0;
	return spare;
}

static void on_live(struct event_timer *t)
{
	uint64_t now = sys_time_ns(), us;

	/* questions not answered in time: their cores are left alone */
	for (int i = 0; i < ASKS; i++) {
		if (asks[i].call_id && now - asks[i].sent_ns > ALIVE_ASK_NS) {
			uint32_t core = asks[i].core;

			mon_ps_forget(asks[i].call_id);
			asks[i].call_id = 0;
			printf("net: the monitor of core %u does not answer; its "
			       "clients are kept and not checked for %u s\n",
			       core, (unsigned)(QUIET_NS / 1000000000ull));
			if (core < CORES_MAX) {
				quiet_until[core] = now + QUIET_NS;
			}
		}
	}
	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		uint32_t pid = netsrv_client_pid(i), core = SYS_PID_CORE(pid);
		int a;

		if (!pid || (core < CORES_MAX && now < quiet_until[core])) {
			continue;
		}
		a = ask_core(core, now);
		if (a >= 0 && asks[a].n < NETSRV_CLIENTS) {
			asks[a].pids[asks[a].n++] = pid;
		}
	}
	/* how long this pass held the server (it waits for nobody) */
	us = (sys_time_ns() - now) / 1000;
	if (us > netstack_stat[NET_STAT_mon_wait_max_us]) {
		netstack_stat[NET_STAT_mon_wait_max_us] = us;
	}
	live_nap = live_nap * 2 > LIVENESS_MAX_NS ? LIVENESS_MAX_NS
						  : live_nap * 2;
	event_timer_add(t, now + live_nap, on_live, 0);
	on_monitor(&mon_ev); /* answers that came meanwhile */
}

int netsrv_start(void)
{
	int r = mon_export(NET_SERVICE);

	if (r < 0) {
		return r;
	}
	event_chan_add(&mon_ev, mon_channel(), on_monitor, 0);
	live_nap = LIVENESS_NS;
	event_timer_add(&live, sys_time_ns() + live_nap, on_live, 0);
	/* a client that bound while the export was on its way: its note was
	 * kept by the call (mon.c) and will not make the channel pending */
	on_monitor(&mon_ev);
	return 0;
}

void netsrv_stop(void)
{
	event_chan_remove(&mon_ev);
	event_timer_cancel(&live);
	for (int i = 0; i < ASKS; i++) {
		mon_ps_forget(asks[i].call_id);
		asks[i].call_id = 0;
	}
}
