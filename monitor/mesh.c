// SPDX-License-Identifier: MIT
/*
 * The mesh side of the monitor: this core's identity, its links to other
 * monitors and channels to its processes (routes), sending with doorbells,
 * relayed calls waiting for answers (pending), who wants which exit note
 * (watch), reading and dispatching what arrived, and the sleep protocol.
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

struct sys_info me;
struct link links[MAX_CORES];
struct pchan procs[MAX_PROCS];
uint32_t call_seq;
uint64_t link_msgs;

static struct {
	int used;
	int kind;	  /* RELAY: pass the reply back; BORROW: adopt */
	uint32_t out_id;  /* call id we used when relaying */
	int from;	  /* route the request came on */
	uint32_t back_id; /* its call id there */
} pending[MAX_PENDING];

static struct {
	uint32_t pid; /* 0: free */
	int route;    /* who gets its exit note */
} watch[MAX_WATCH];

struct chan *route_chan(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid
			   ? &procs[route - PROC_ROUTE].ch
			   : 0;
	}
	if (route >= 0 && route < MAX_CORES && links[route].up) {
		return &links[route].ch;
	}
	return 0;
}

/* send_on: the transport for generated stubs; tctx is the route */
int send_on(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int route = (int)(intptr_t)tctx;
	struct chan *c = route_chan(route);
	int r, tries = 0;

	if (!c) {
		return E_NOENT;
	}
	while ((r = chan_msg_send(c, type, buf, len)) == E_FULL &&
	       tries++ < 100) {
		sys_wait(1000000); /* peer behind: give it 1 ms */
	}
	if (r < 0) {
		printf("monitor %u: lost a %s to route %d: %s\n", me.core_id,
		       monitor_msg_name(type), route, err_msg(r));
		return r;
	}
	if (route < PROC_ROUTE) {
		link_msgs++;
	}
	if (chan_needs_doorbell(c)) {
		sys_doorbell(route < PROC_ROUTE ? (uint32_t)route : me.core_id);
	}
	return 0;
}

void watch_add(uint32_t pid, int route)
{
	for (int i = 0; i < MAX_WATCH; i++) {
		if (!watch[i].pid) {
			watch[i].pid = pid;
			watch[i].route = route;
			return;
		}
	}
	printf("monitor %u: too many watched processes; exit of 0x%x will "
	       "not be reported\n",
	       me.core_id, pid);
}

/* watch_take: the route watching pid (removed), or -1 */
int watch_take(uint32_t pid)
{
	for (int i = 0; i < MAX_WATCH; i++) {
		if (watch[i].pid == pid) {
			watch[i].pid = 0;
			return watch[i].route;
		}
	}
	return -1;
}

int relay_target(uint32_t core)
{
	if (core >= me.ncores) {
		return -1;
	}
	return me.core_id == 0 ? (int)core : 0;
}

/* pending_add: remember that the call relayed with out_id answers call
 * back_id of route from. */
int pending_add_kind(uint32_t out_id, int from, uint32_t back_id, int kind)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		if (!pending[i].used) {
			pending[i].used = 1;
			pending[i].kind = kind;
			pending[i].out_id = out_id;
			pending[i].from = from;
			pending[i].back_id = back_id;
			return 0;
		}
	}
	return E_AGAIN;
}

int pending_add(uint32_t out_id, int from, uint32_t back_id)
{
	return pending_add_kind(out_id, from, back_id, RELAY);
}

/* pending_take_kind: where the reply to relayed call out_id goes (-1:
 * none); *back_id gets the call id to answer with, *kind the kind. */
int pending_take_kind(uint32_t out_id, uint32_t *back_id, int *kind)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		if (pending[i].used && pending[i].out_id == out_id) {
			pending[i].used = 0;
			*back_id = pending[i].back_id;
			*kind = pending[i].kind;
			return pending[i].from;
		}
	}
	return -1;
}

int pending_take(uint32_t out_id, uint32_t *back_id)
{
	int kind;

	return pending_take_kind(out_id, back_id, &kind);
}

uint32_t route_pid(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid;
	}
	return 0;
}

int pid_route(uint32_t pid)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (pid && procs[i].pid == pid) {
			return PROC_ROUTE + i;
		}
	}
	return -1;
}

/* complain: answer a message we could not handle with an error */
static void complain(int route, uint8_t type, const uint8_t *buf, int len,
		     int err)
{
	struct monitor_error e = {type, 0, err};

	if (len >= 0) {
		monitor_call_id_of(type, buf, (size_t)len, &e.call_id);
	}
	printf("monitor %u: bad message (type %u) on route %d: %s\n",
	       me.core_id, type, route, err_msg(err));
	if (type != MONITOR_MSG_ERROR) {
		monitor_send_error(send_on, ROUTE(route), &e);
	}
}

/* drain: handle what arrived on one route; returns messages handled */
/*
 * relay_reply: answers to relayed calls that need nothing done on the way
 * (core_stat, ps, kill, export, services, devices, move, agree) go back as they came, with the
 * call id of the hop they return to; the final receiver checks the body.
 * Returns 1 if the message was such a reply (and is dealt with).
 */
static int relay_reply(int route, uint8_t type, uint8_t *buf, int n)
{
	uint32_t id, back;
	int to;

	if (type != MONITOR_MSG_CORE_STAT_REPLY &&
	    type != MONITOR_MSG_PS_REPLY && type != MONITOR_MSG_KILL_REPLY &&
	    type != MONITOR_MSG_EXPORT_REPLY &&
	    type != MONITOR_MSG_SERVICES_REPLY &&
	    type != MONITOR_MSG_DEVICES_REPLY && type != MONITOR_MSG_MOVE_REPLY &&
	    type != MONITOR_MSG_AGREE_REPLY) {
		return 0;
	}
	if (route_pid(route)) {
		return 0; /* programs send no replies: dispatch rejects it */
	}
	if (monitor_call_id_of(type, buf, (size_t)n, &id) < 0) {
		complain(route, type, buf, n, E_FORMAT);
		return 1;
	}
	to = pending_take(id, &back);
	if (to < 0) {
		printf("monitor %u: %s %u from route %d matches nothing\n",
		       me.core_id, monitor_msg_name(type), id, route);
		return 1;
	}
	/* the call id is the body's first field, little-endian */
	buf[0] = (uint8_t)back;
	buf[1] = (uint8_t)(back >> 8);
	buf[2] = (uint8_t)(back >> 16);
	buf[3] = (uint8_t)(back >> 24);
	send_on(ROUTE(to), type, buf, (size_t)n);
	return 1;
}

int drain(int route)
{
	static uint8_t buf[IFC_MAX_MSG];
	struct chan *c = route_chan(route);
	struct ctx cx = {route};
	uint8_t type = 0;
	int n, done = 0, r;

	while (c &&
	       (n = chan_msg_recv(c, &type, buf, sizeof(buf))) != E_AGAIN) {
		done++;
		if (route < PROC_ROUTE) {
			link_msgs++;
		}
		if (n < 0) {
			complain(route, 0, buf, -1, n);
			continue;
		}
		if (relay_reply(route, type, buf, n)) {
			c = route_chan(route);
			continue;
		}
		r = monitor_dispatch(&handlers, &cx, type, buf, (size_t)n);
		if (r == E_NOSYS || r == E_FORMAT) {
			complain(route, type, buf, n, r);
		}
		c = route_chan(route);
	}
	return done;
}

/* for_each_chan: sleep (1) or wake (0) every channel; on sleep, returns
 * true if something arrived meanwhile */
int set_sleep(int sleep)
{
	int pending_any = 0;

	for (int r = 0; r < MAX_CORES + MAX_PROCS; r++) {
		int route = r < MAX_CORES ? r : PROC_ROUTE + r - MAX_CORES;
		struct chan *c = route_chan(route);
		if (!c) {
			continue;
		}
		if (sleep) {
			chan_sleep(c);
			pending_any |= chan_pending(c);
		} else {
			chan_wake(c);
		}
	}
	return pending_any;
}

static void link_up(uint32_t core, uint64_t phys, int side)
{
	struct sys_chan sc;
	long r = sys_chan_map(phys, &sc);

	if (r < 0) {
		printf("monitor %u: cannot map the link to core %u: %s\n",
		       me.core_id, core, err_msg((int)r));
		return;
	}
	chan_init(&links[core].ch, (void *)sc.va, side);
	links[core].up = 1;
}

void join_mesh(void)
{
	struct sys_core sc;

	if (me.core_id != 0) {
		link_up(0, me.monlink_phys, 1);
		return;
	}
	for (uint32_t c = 1; c < me.ncores; c++) {
		if (sys_core_info(c, &sc) == 0) {
			link_up(c, sc.monlink_phys, 0);
		}
	}
}
