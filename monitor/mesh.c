// SPDX-License-Identifier: MIT
/*
 * The mesh side of the monitor: this core's identity, its links to other
 * monitors and channels to its processes (routes, each a binding that
 * knows its peer's core), sending, relayed calls waiting for answers (the
 * relay table: replies go back where their request came from, calls that
 * are not answered in time are answered E_TIMEOUT), who wants which exit
 * note (watch), reading and dispatching what arrived, and the sleep
 * protocol.
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

struct sys_info me;
struct link links[MAX_CORES];
struct pchan procs[MAX_PROCS];
uint64_t link_msgs;

static struct relay_entry relay_entries[MAX_PENDING];
struct relay_table relays = {.e = relay_entries,
			     .n = MAX_PENDING,
			     .timeout_ns = MONITOR_RELAY_NS,
			     .now_ns = sys_time_ns};

/* The monitor's bindings: it has no threads and never waits for a reply
 * (it relays), so a full ring is the only thing it waits for. */
static void ring(uint32_t core)
{
	sys_doorbell(core);
}

static void pause_ns(uint64_t ns)
{
	sys_wait(ns);
}

static void no_wait(struct binding *b, struct bind_call *c, uint64_t until)
{
	(void)b;
	(void)c;
	(void)until;
}

static uint32_t self_core(void)
{
	return me.core_id;
}

static const struct bind_env mesh_env = {sys_time_ns, ring, pause_ns,
					 no_wait,     0,    self_core};

static struct {
	uint32_t pid; /* 0: free */
	int route;    /* who gets its exit note */
} watch[MAX_WATCH];

static struct binding *route_binding(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid
			   ? &procs[route - PROC_ROUTE].b
			   : 0;
	}
	if (route >= 0 && route < MAX_CORES && links[route].up) {
		return &links[route].b;
	}
	return 0;
}

struct chan *route_chan(int route)
{
	struct binding *b = route_binding(route);

	return b ? &b->ch : 0;
}

/* route_attach: route's channel is side `side` of frame; its peer runs on
 * peer_core (a process there, or the monitor if peer_pid is 0) */
void route_attach(int route, void *frame, int side, uint32_t peer_core,
		  uint32_t peer_pid)
{
	struct binding *b = route < PROC_ROUTE
				    ? &links[route].b
				    : &procs[route - PROC_ROUTE].b;

	bind_init(b, frame, side, peer_core, peer_pid, &mesh_env);
}

/* send_on: the transport for generated stubs; tctx is the route */
int send_on(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int route = (int)(intptr_t)tctx;
	struct binding *b = route_binding(route);
	int r;

	if (!b) {
		return E_NOENT;
	}
	r = bind_send(b, type, buf, len);
	if (r < 0) {
		printf("monitor %u: lost a %s to route %d: %s\n", me.core_id,
		       monitor_msg_name(type), route, err_msg(r));
		return r;
	}
	if (route < PROC_ROUTE) {
		link_msgs++;
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

int watch_count(void)
{
	int n = 0;

	for (int i = 0; i < MAX_WATCH; i++) {
		n += watch[i].pid != 0;
	}
	return n;
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

/* expired: a relayed call was not answered in time: tell its asker */
static void expired(void *arg, const struct relay_entry *e)
{
	struct monitor_error err = {e->req_type, e->back_id, E_TIMEOUT};

	(void)arg;
	if (e->from == ROUTE_SELF) {
		own_call_failed(e, E_TIMEOUT);
		return;
	}
	printf("monitor %u: no answer to a %s relayed to route %d in %u s\n",
	       me.core_id, monitor_msg_name(e->req_type), e->to,
	       (unsigned)(MONITOR_RELAY_NS / 1000000000ull));
	monitor_send_error(send_on, ROUTE(e->from), &err);
}

/* relays_expire: answer the relayed calls whose time is up; returns when
 * the next one is due (0: none waits) */
uint64_t relays_expire(void)
{
	relay_expire(&relays, expired, 0);
	return relay_next_deadline(&relays);
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
	if (err == E_PERM && route_pid(route)) {
		/* a sender class rule (docs/interfaces.md) */
		printf("monitor %u: refused %s (type %u) from program 0x%x on "
		       "route %d: only %s may send it\n",
		       me.core_id, monitor_msg_name(type), type,
		       route_pid(route), route,
		       monitor_may_send(IFC_FROM_MONITOR, type) == 0
			   ? "monitors"
			   : "programs");
	} else if (err == E_PERM) {
		printf("monitor %u: refused %s (type %u) from the monitor of "
		       "core %d: only programs may send it\n",
		       me.core_id, monitor_msg_name(type), type, route);
	} else {
		printf("monitor %u: bad message (type %u) on route %d: %s\n",
		       me.core_id, type, route, err_msg(err));
	}
	if (type != MONITOR_MSG_ERROR) {
		monitor_send_error(send_on, ROUTE(route), &e);
	}
}

/*
 * relay_reply: a reply (or `error` answer) from another monitor to a call
 * we relayed: one of kind RELAY goes back as it came, with the call id of
 * the hop it returns to (the final receiver checks the body); others are
 * dispatched to their handler with the entry in ctx.relay. Only the route
 * a call went to can answer it. Returns 1 if the message was such a
 * reply (and is dealt with).
 */
static int relay_reply(struct ctx *cx, uint8_t type, uint8_t *buf, int n,
		       struct relay_entry *e)
{
	if (route_pid(cx->route) ||
	    !relay_match(&relays, &monitor_bind_iface, cx->route, type, buf,
			 (size_t)n, e)) {
		return 0;
	}
	if (e->kind != RELAY && type != MONITOR_MSG_ERROR) {
		cx->relay = e;
		return 0; /* its handler passes it on */
	}
	if (e->from == ROUTE_SELF) {
		struct monitor_error m;
		int r = monitor_error_unmarshal(buf, (size_t)n, &m);

		own_call_failed(e, r == 0 && m.err < 0 ? m.err : E_FORMAT);
		return 1;
	}
	monitor_set_call_id(type, buf, (size_t)n, e->back_id);
	send_on(ROUTE(e->from), type, buf, (size_t)n);
	return 1;
}

/* drain: handle what arrived on one route; returns messages handled */
int drain(int route)
{
	static uint8_t buf[IFC_MAX_MSG];
	struct chan *c = route_chan(route);
	struct relay_entry e;
	struct ctx cx;
	uint8_t type = 0;
	uint32_t id;
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
		cx.route = route;
		cx.relay = 0;
		if (relay_reply(&cx, type, buf, n, &e)) {
			c = route_chan(route);
			continue;
		}
		/* what only monitors may send is refused from a program
		 * (`from monitor` in monitor.if) */
		r = monitor_dispatch_from(&handlers, &cx,
					  route_pid(route) ? IFC_FROM_PROGRAM
							   : IFC_FROM_MONITOR,
					  type, buf, (size_t)n);
		if (r == E_NOSYS && !route_pid(route) &&
		    monitor_bind_iface.reply_id_of(type, buf, (size_t)n,
						   &id) == 0) {
			/* a reply no relayed call waits for (any more) */
			printf("monitor %u: %s %u from route %d matches "
			       "nothing\n",
			       me.core_id, monitor_msg_name(type), id, route);
		} else if (r == E_NOSYS || r == E_FORMAT || r == E_PERM) {
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
	long r = sys_chan_map(phys, &sc, NULL);

	if (r < 0) {
		printf("monitor %u: cannot map the link to core %u: %s\n",
		       me.core_id, core, err_msg((int)r));
		return;
	}
	route_attach((int)core, (void *)sc.va, side, core, 0);
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
