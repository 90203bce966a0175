// SPDX-License-Identifier: MIT
/*
 * The per-core monitor. Every core's CPU driver starts one, in ring 3,
 * holding that core's root rights (only a monitor may spawn, map channel
 * frames, reap exits or report the core up).
 *
 * The mesh: every monitor has a channel to core 0's monitor, in a link
 * frame core 0 set aside at boot (a star: 254 frames, 1 MiB, at 255
 * cores; a full mesh made at boot would need 32,385 frames, 126 MiB).
 * Messages between two other cores are relayed by core 0 (see
 * docs/monitor.md). Every process a monitor starts gets a channel to it.
 *
 * Routes: a message arrives on a route - a link (the peer core's number)
 * or a process channel (PROC_ROUTE + slot) - and answers go back on it.
 * Calls relayed to another monitor get a fresh call id; `pending`
 * remembers where the answer goes. `watch` remembers who asked for each
 * process, so its exit note reaches them.
 *
 * The loop: handle everything that arrived, collect exits, then tell
 * every channel we sleep and halt (SYS_WAIT) until a doorbell or an exit.
 */
#include <stdio.h>
#include <string.h>
#include <libos/sys.h>
#include <channels/chan.h>
#include <monitor_if.h>

#define MAX_CORES 256
#define MAX_PROCS 32
#define PROC_ROUTE 1000
#define MAX_PENDING 64
#define MAX_WATCH 64

struct link {
	struct chan ch;
	int up;
};

struct pchan {
	struct chan ch;
	uint32_t pid; /* 0: slot free */
};

static struct sys_info me;
static struct link links[MAX_CORES];
static struct pchan procs[MAX_PROCS];
static uint32_t call_seq;

enum { RELAY = 0, BORROW = 1, PLACE = 2 };

static struct {
	int used;
	int kind;        /* RELAY: pass the reply back; BORROW: adopt */
	uint32_t out_id; /* call id we used when relaying */
	int from;        /* route the request came on */
	uint32_t back_id; /* its call id there */
} pending[MAX_PENDING];

static struct {
	uint32_t pid; /* 0: free */
	int route;    /* who gets its exit note */
} watch[MAX_WATCH];

static struct chan *route_chan(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid ? &procs[route - PROC_ROUTE].ch
						     : 0;
	}
	if (route >= 0 && route < MAX_CORES && links[route].up) {
		return &links[route].ch;
	}
	return 0;
}

/* send_on: the transport for generated stubs; tctx is the route */
static int send_on(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int route = (int)(intptr_t)tctx;
	struct chan *c = route_chan(route);
	int r, tries = 0;

	if (!c) {
		return ERR_NOENT;
	}
	while ((r = chan_msg_send(c, type, buf, len)) == ERR_FULL &&
	       tries++ < 100) {
		sys_wait(1000000); /* peer behind: give it 1 ms */
	}
	if (r < 0) {
		printf("monitor %u: lost a %s to route %d: %s\n", me.core_id,
		       monitor_msg_name(type), route, err_msg(r));
		return r;
	}
	if (chan_needs_doorbell(c)) {
		sys_doorbell(route < PROC_ROUTE ? (uint32_t)route : me.core_id);
	}
	return 0;
}

#define ROUTE(r) ((void *)(intptr_t)(r))

static void watch_add(uint32_t pid, int route)
{
	for (int i = 0; i < MAX_WATCH; i++) {
		if (!watch[i].pid) {
			watch[i].pid = pid;
			watch[i].route = route;
			return;
		}
	}
	printf("monitor %u: too many watched processes; exit of 0x%x will "
	       "not be reported\n", me.core_id, pid);
}

/* watch_take: the route watching pid (removed), or -1 */
static int watch_take(uint32_t pid)
{
	for (int i = 0; i < MAX_WATCH; i++) {
		if (watch[i].pid == pid) {
			watch[i].pid = 0;
			return watch[i].route;
		}
	}
	return -1;
}

/* spawn_here: start app on this core with a channel to us */
static int spawn_here(const char *app, const char *args, uint32_t *pid)
{
	struct sys_chan sc;
	long r;
	int slot = -1;

	for (int i = 0; i < MAX_PROCS && slot < 0; i++) {
		if (!procs[i].pid) {
			slot = i;
		}
	}
	if (slot < 0) {
		return ERR_TOOBIG;
	}
	r = sys_chan_create(&sc, 0);
	if (r < 0) {
		return (int)r;
	}
	r = sys_spawn(app, args, sc.phys);
	if (r < 0) {
		return (int)r; /* the frame stays ours; reused never (noted) */
	}
	chan_init(&procs[slot].ch, (void *)sc.va, 0);
	procs[slot].pid = (uint32_t)r;
	*pid = (uint32_t)r;
	return 0;
}

/*
 * Placement of `spawn ... on any` (core 0's monitor only): the least
 * loaded core, load being the processes each core runs for `any` requests
 * as core 0 counts them (it sees every such spawn and every such exit:
 * their exit notes pass through it). Core 0 itself, which runs the
 * console and the relays, is chosen only when it is the only core.
 */
#define MAX_PLACED 128
static uint32_t placed_load[MAX_CORES];
static uint32_t placed_pids[MAX_PLACED];

static uint32_t place_any(void)
{
	uint32_t best = me.ncores > 1 ? 1 : 0;

	for (uint32_t c = 2; c < me.ncores; c++) {
		if (placed_load[c] < placed_load[best]) {
			best = c;
		}
	}
	return best;
}

static void placed_spawned(uint32_t pid)
{
	for (int i = 0; i < MAX_PLACED; i++) {
		if (!placed_pids[i]) {
			placed_pids[i] = pid;
			placed_load[SYS_PID_CORE(pid) % MAX_CORES]++;
			return;
		}
	}
}

static void placed_exit(uint32_t pid)
{
	for (int i = 0; i < MAX_PLACED; i++) {
		if (pid && placed_pids[i] == pid) {
			placed_pids[i] = 0;
			placed_load[SYS_PID_CORE(pid) % MAX_CORES]--;
			return;
		}
	}
}

static int relay_target(uint32_t core)
{
	if (core >= me.ncores) {
		return -1;
	}
	return me.core_id == 0 ? (int)core : 0;
}

struct ctx {
	int route; /* where the message being handled came from */
};

/* pending_add: remember that the call relayed with out_id answers call
 * back_id of route from. */
static int pending_add_kind(uint32_t out_id, int from, uint32_t back_id,
			    int kind)
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
	return ERR_AGAIN;
}

static int pending_add(uint32_t out_id, int from, uint32_t back_id)
{
	return pending_add_kind(out_id, from, back_id, RELAY);
}

/* pending_take_kind: where the reply to relayed call out_id goes (-1:
 * none); *back_id gets the call id to answer with, *kind the kind. */
static int pending_take_kind(uint32_t out_id, uint32_t *back_id, int *kind)
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

static int pending_take(uint32_t out_id, uint32_t *back_id)
{
	int kind;

	return pending_take_kind(out_id, back_id, &kind);
}

static int on_spawn_req(void *vctx, const struct monitor_spawn_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_spawn_reply rep = {0, 0, 0};
	struct monitor_spawn_req fwd;
	uint32_t core = m->core;
	int any = core == 0xffffffffu && me.core_id == 0;
	int to;

	if (core == 0xffffffffu) {
		/* "any": core 0's monitor places it (place_any) */
		core = me.core_id == 0 ? place_any() : 0;
		if (core == 0 && me.core_id != 0) {
			fwd = *m;
			if (monitor_call_spawn(send_on, ROUTE(0), &call_seq,
					       &fwd) == 0 &&
			    pending_add(fwd.call_id, cx->route, m->call_id) ==
				    0) {
				return 0;
			}
			rep.err = ERR_AGAIN;
			return monitor_reply_spawn(send_on, ROUTE(cx->route), m,
						   &rep);
		}
	}
	if (core == me.core_id) {
		rep.err = spawn_here(m->app, m->args, &rep.pid);
		if (rep.err == 0) {
			watch_add(rep.pid, cx->route);
			if (any) {
				placed_spawned(rep.pid);
			}
		}
		return monitor_reply_spawn(send_on, ROUTE(cx->route), m, &rep);
	}
	to = relay_target(core);
	if (to >= 0) {
		fwd = *m;
		fwd.core = core;
		if (monitor_call_spawn(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
		    pending_add_kind(fwd.call_id, cx->route, m->call_id,
				     any ? PLACE : RELAY) == 0) {
			return 0;
		}
	}
	rep.err = to < 0 ? ERR_RANGE : ERR_AGAIN;
	return monitor_reply_spawn(send_on, ROUTE(cx->route), m, &rep);
}

static int on_spawn_reply(void *vctx, const struct monitor_spawn_reply *m)
{
	struct ctx *cx = vctx;
	struct monitor_spawn_reply back = *m;
	int kind, to = pending_take_kind(m->call_id, &back.call_id, &kind);

	if (to < 0) {
		printf("monitor %u: spawn reply %u from route %d matches "
		       "nothing\n", me.core_id, m->call_id, cx->route);
		return 0;
	}
	if (m->err == 0) {
		watch_add(m->pid, to);
		if (kind == PLACE) {
			placed_spawned(m->pid);
		}
	}
	return monitor_send_spawn_reply(send_on, ROUTE(to), &back);
}

static int on_core_stat_req(void *vctx, const struct monitor_core_stat_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_core_stat_reply rep;
	struct monitor_core_stat_req fwd = *m;
	struct sys_info in;
	int to;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	if (m->core == me.core_id) {
		rep.err = (int32_t)sys_info(&in);
		rep.apic_id = in.apic_id;
		rep.part_base = in.part_base;
		rep.part_end = in.part_end;
		rep.free_bytes = in.free_bytes;
		rep.kern_phys = in.kern_phys;
		rep.nprocs = in.nprocs;
		return monitor_reply_core_stat(send_on, ROUTE(cx->route), m,
					       &rep);
	}
	to = relay_target(m->core);
	if (to >= 0 &&
	    monitor_call_core_stat(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
	    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
		return 0;
	}
	rep.err = to < 0 ? ERR_RANGE : ERR_AGAIN;
	return monitor_reply_core_stat(send_on, ROUTE(cx->route), m, &rep);
}

static int on_core_stat_reply(void *vctx,
			      const struct monitor_core_stat_reply *m)
{
	struct monitor_core_stat_reply back = *m;
	int to = pending_take(m->call_id, &back.call_id);

	(void)vctx;
	return to < 0 ? 0
		      : monitor_send_core_stat_reply(send_on, ROUTE(to), &back);
}

static int on_exit_note(void *vctx, const struct monitor_exit_note *m)
{
	int to = watch_take(m->pid);

	(void)vctx;
	placed_exit(m->pid);
	if (to >= 0) {
		return monitor_send_exit_note(send_on, ROUTE(to), m);
	}
	return 0;
}

static int on_ping(void *vctx, const struct monitor_ping *m)
{
	struct ctx *cx = vctx;
	struct monitor_pong p;

	p.stamp = m->stamp;
	p.payload_len = m->payload_len;
	memcpy(p.payload, m->payload, m->payload_len);
	return monitor_reply_ping(send_on, ROUTE(cx->route), m, &p);
}

/* ---- naming and binding ---- */

#define MAX_SERVICES 64

/* core 0 only: the names */
static struct {
	char name[32];
	uint32_t core, pid; /* pid 0: free */
} services[MAX_SERVICES];

static uint32_t route_pid(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid;
	}
	return 0;
}

static int pid_route(uint32_t pid)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (pid && procs[i].pid == pid) {
			return PROC_ROUTE + i;
		}
	}
	return -1;
}

static int service_add(const char *name, uint32_t core, uint32_t pid)
{
	int slot = -1;

	for (int i = 0; i < MAX_SERVICES; i++) {
		if (services[i].pid && strcmp(services[i].name, name) == 0) {
			return ERR_INVAL;
		}
		if (!services[i].pid && slot < 0) {
			slot = i;
		}
	}
	if (slot < 0) {
		return ERR_TOOBIG;
	}
	strlcpy(services[slot].name, name, sizeof(services[slot].name));
	services[slot].core = core;
	services[slot].pid = pid;
	return 0;
}

static int on_export_req(void *vctx, const struct monitor_export_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_export_req fwd = *m;
	struct monitor_export_reply rep = {0, 0};

	if (route_pid(cx->route)) {
		/* a program exports itself, never someone else */
		fwd.core = me.core_id;
		fwd.id = route_pid(cx->route);
	}
	if (me.core_id == 0) {
		rep.err = service_add(fwd.name, fwd.core, fwd.id);
		return monitor_reply_export(send_on, ROUTE(cx->route), m, &rep);
	}
	if (monitor_call_export(send_on, ROUTE(0), &call_seq, &fwd) == 0 &&
	    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
		return 0;
	}
	rep.err = ERR_AGAIN;
	return monitor_reply_export(send_on, ROUTE(cx->route), m, &rep);
}

static int on_export_reply(void *vctx, const struct monitor_export_reply *m)
{
	struct monitor_export_reply back = *m;
	int to = pending_take(m->call_id, &back.call_id);

	(void)vctx;
	return to < 0 ? 0 : monitor_send_export_reply(send_on, ROUTE(to), &back);
}

/* serve_bind: this core runs the server: make the frame in our partition,
 * map it into the server and tell it */
static void serve_bind(const struct monitor_bind_req *m,
		       struct monitor_bind_reply *rep)
{
	struct monitor_bound note = {m->client_core, m->client_pid, 0};
	struct sys_chan sc;
	int to = pid_route(m->server_pid);
	long r;

	if (to < 0) {
		rep->err = ERR_NOENT; /* the server is gone */
		return;
	}
	r = sys_chan_create(&sc, m->server_pid);
	if (r < 0) {
		rep->err = (int32_t)r;
		return;
	}
	note.va = sc.va;
	rep->err = monitor_send_bound(send_on, ROUTE(to), &note);
	rep->phys = sc.phys;
	rep->server_pid = m->server_pid;
}

/* finish_bind: the answer reaches the client's monitor: map the frame
 * into the client */
static void finish_bind(uint32_t client_pid, struct monitor_bind_reply *rep)
{
	long va;

	if (rep->err) {
		return;
	}
	va = sys_chan_grant(client_pid, rep->phys);
	if (va < 0) {
		rep->err = (int32_t)va;
		return;
	}
	rep->va = (uint64_t)va;
}

static int on_bind_req(void *vctx, const struct monitor_bind_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_bind_req fwd = *m;
	struct monitor_bind_reply rep;
	int to = -1;

	memset(&rep, 0, sizeof(rep));
	if (route_pid(cx->route)) {
		fwd.client_core = me.core_id;
		fwd.client_pid = route_pid(cx->route);
		fwd.server_pid = 0;
	}
	if (me.core_id == 0 && !fwd.server_pid) {
		for (int i = 0; i < MAX_SERVICES && to < 0; i++) {
			if (services[i].pid &&
			    strcmp(services[i].name, fwd.name) == 0) {
				fwd.server_core = services[i].core;
				fwd.server_pid = services[i].pid;
				to = (int)services[i].core;
			}
		}
		if (to < 0) {
			rep.err = ERR_NOENT;
			goto answer;
		}
	}
	if (fwd.server_pid && fwd.server_core == me.core_id) {
		serve_bind(&fwd, &rep);
		goto answer;
	}
	to = fwd.server_pid ? relay_target(fwd.server_core) : 0;
	if (to >= 0 &&
	    monitor_call_bind(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
	    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
		return 0;
	}
	rep.err = ERR_AGAIN;
answer:
	if (route_pid(cx->route)) {
		finish_bind(fwd.client_pid, &rep);
	}
	return monitor_reply_bind(send_on, ROUTE(cx->route), m, &rep);
}

static int on_bind_reply(void *vctx, const struct monitor_bind_reply *m)
{
	struct monitor_bind_reply back = *m;
	int to = pending_take(m->call_id, &back.call_id);

	(void)vctx;
	if (to < 0) {
		return 0;
	}
	if (route_pid(to)) {
		finish_bind(route_pid(to), &back);
	}
	return monitor_send_bind_reply(send_on, ROUTE(to), &back);
}

/* ---- ps, kill, services ---- */

static int on_ps_req(void *vctx, const struct monitor_ps_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_ps_req fwd = *m;
	static struct monitor_ps_reply rep;
	struct sys_proc list[32];
	long n;
	int to;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	if (m->core != me.core_id) {
		to = relay_target(m->core);
		if (to >= 0 &&
		    monitor_call_ps(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
		    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
			return 0;
		}
		rep.err = to < 0 ? ERR_RANGE : ERR_AGAIN;
		return monitor_reply_ps(send_on, ROUTE(cx->route), m, &rep);
	}
	n = sys_proc_list(list, 32);
	for (long i = 0; i < n; i++) {
		size_t used = strlen(rep.names);
		rep.pids[rep.pids_count++] = list[i].pid;
		if (used + strlen(list[i].name) + 2 < sizeof(rep.names)) {
			strlcpy(rep.names + used, used ? " " : "", 2);
			strlcpy(rep.names + strlen(rep.names), list[i].name,
				sizeof(rep.names) - strlen(rep.names));
		}
	}
	rep.err = n < 0 ? (int32_t)n : 0;
	return monitor_reply_ps(send_on, ROUTE(cx->route), m, &rep);
}

static int on_ps_reply(void *vctx, const struct monitor_ps_reply *m)
{
	static struct monitor_ps_reply back;
	int to;

	(void)vctx;
	back = *m;
	to = pending_take(m->call_id, &back.call_id);
	return to < 0 ? 0 : monitor_send_ps_reply(send_on, ROUTE(to), &back);
}

static int on_kill_req(void *vctx, const struct monitor_kill_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_kill_req fwd = *m;
	struct monitor_kill_reply rep = {0, 0};
	uint32_t core = SYS_PID_CORE(m->pid);
	int to;

	if (core != me.core_id) {
		to = relay_target(core);
		if (to >= 0 &&
		    monitor_call_kill(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
		    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
			return 0;
		}
		rep.err = to < 0 ? ERR_NOENT : ERR_AGAIN;
	} else if (m->pid == me.pid) {
		rep.err = ERR_PERM; /* a monitor is not killed */
	} else {
		rep.err = (int32_t)sys_kill(m->pid);
	}
	return monitor_reply_kill(send_on, ROUTE(cx->route), m, &rep);
}

static int on_kill_reply(void *vctx, const struct monitor_kill_reply *m)
{
	struct monitor_kill_reply back = *m;
	int to = pending_take(m->call_id, &back.call_id);

	(void)vctx;
	return to < 0 ? 0 : monitor_send_kill_reply(send_on, ROUTE(to), &back);
}

static int on_services_req(void *vctx, const struct monitor_services_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_services_req fwd = *m;
	static struct monitor_services_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (me.core_id != 0) {
		if (monitor_call_services(send_on, ROUTE(0), &call_seq, &fwd) ==
			    0 &&
		    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
			return 0;
		}
		rep.err = ERR_AGAIN;
		return monitor_reply_services(send_on, ROUTE(cx->route), m, &rep);
	}
	for (int i = 0; i < MAX_SERVICES; i++) {
		char e[64];
		if (!services[i].pid) {
			continue;
		}
		snprintf(e, sizeof(e), "%s%s@%u/0x%x", rep.list[0] ? " " : "",
			 services[i].name, services[i].core, services[i].pid);
		if (strlen(rep.list) + strlen(e) < sizeof(rep.list)) {
			strlcpy(rep.list + strlen(rep.list), e,
				sizeof(rep.list) - strlen(rep.list));
		}
	}
	return monitor_reply_services(send_on, ROUTE(cx->route), m, &rep);
}

static int on_services_reply(void *vctx,
			     const struct monitor_services_reply *m)
{
	static struct monitor_services_reply back;
	int to;

	(void)vctx;
	back = *m;
	to = pending_take(m->call_id, &back.call_id);
	return to < 0 ? 0
		      : monitor_send_services_reply(send_on, ROUTE(to), &back);
}

/* ---- lending memory ---- */

static int on_mem_borrow_req(void *vctx, const struct monitor_mem_borrow_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_mem_borrow_reply rep = {m->call_id, ERR_NOMEM, 0, 0};
	struct monitor_lend_req req = {0, 0, 0};
	uint64_t two = 2ull << 20;
	int to;

	if (!route_pid(cx->route) || me.ncores < 2) {
		return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route),
						     &rep);
	}
	/* the next core lends; a least-loaded choice is still to come */
	req.lender = (me.core_id + 1) % me.ncores;
	req.bytes = (m->bytes + two - 1) / two * two;
	to = relay_target(req.lender);
	if (to >= 0 &&
	    monitor_call_lend(send_on, ROUTE(to), &call_seq, &req) == 0 &&
	    pending_add_kind(req.call_id, cx->route, m->call_id, BORROW) >= 0) {
		return 0;
	}
	return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route), &rep);
}

static int on_lend_req(void *vctx, const struct monitor_lend_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_lend_req fwd = *m;
	struct monitor_lend_reply rep = {0, 0, 0, 0};
	long base;
	int to;

	if (m->lender != me.core_id) {
		to = relay_target(m->lender);
		if (to >= 0 &&
		    monitor_call_lend(send_on, ROUTE(to), &call_seq, &fwd) == 0 &&
		    pending_add(fwd.call_id, cx->route, m->call_id) == 0) {
			return 0;
		}
		rep.err = ERR_NOENT;
		return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
	}
	base = sys_mem_lend(m->bytes);
	rep.err = base < 0 ? (int32_t)base : 0;
	rep.base = base < 0 ? 0 : (uint64_t)base;
	rep.size = base < 0 ? 0 : m->bytes;
	if (base >= 0) {
		printf("monitor %u: lent %lu MiB at 0x%lx\n", me.core_id,
		       (unsigned long)(m->bytes >> 20), (unsigned long)base);
	}
	return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
}

static int on_lend_reply(void *vctx, const struct monitor_lend_reply *m)
{
	struct monitor_lend_reply back = *m;
	struct monitor_mem_borrow_reply rep;
	int kind, to = pending_take_kind(m->call_id, &back.call_id, &kind);

	(void)vctx;
	if (to < 0) {
		return 0;
	}
	if (kind == RELAY) {
		return monitor_send_lend_reply(send_on, ROUTE(to), &back);
	}
	rep.call_id = back.call_id;
	rep.err = m->err;
	rep.base = m->base;
	rep.size = m->size;
	if (!m->err) {
		rep.err = (int32_t)sys_mem_adopt(m->base, m->size);
	}
	if (!m->err && rep.err) {
		/* could not use it: give it straight back (to its owner) */
		struct monitor_give_back g = {0, m->base, m->size};
		struct sys_core sc;
		for (uint32_t c = 0; c < me.ncores; c++) {
			if (sys_core_info(c, &sc) == 0 && m->base >= sc.part_base &&
			    m->base < sc.part_end) {
				g.lender = c;
			}
		}
		if (relay_target(g.lender) >= 0) {
			monitor_send_give_back(send_on,
					       ROUTE(relay_target(g.lender)), &g);
		}
	}
	return monitor_send_mem_borrow_reply(send_on, ROUTE(to), &rep);
}

static int on_give_back(void *vctx, const struct monitor_give_back *m)
{
	long r;

	(void)vctx;
	if (m->lender != me.core_id) {
		int to = relay_target(m->lender);
		return to < 0 ? ERR_RANGE
			      : monitor_send_give_back(send_on, ROUTE(to), m);
	}
	r = sys_mem_reclaim(m->base, m->size);
	if (r < 0) {
		printf("monitor %u: refused a give-back of 0x%lx: %s\n",
		       me.core_id, (unsigned long)m->base, err_msg((int)r));
		return 0;
	}
	printf("monitor %u: got back %lu MiB at 0x%lx\n", me.core_id,
	       (unsigned long)(m->size >> 20), (unsigned long)m->base);
	return 0;
}

/* give_back_unused: return every borrowed range nothing uses any more */
static void give_back_unused(void)
{
	struct sys_range rg;
	struct sys_core sc;

	while (sys_mem_release(&rg) == 0) {
		struct monitor_give_back g = {me.ncores, rg.base, rg.size};
		for (uint32_t c = 0; c < me.ncores; c++) {
			if (sys_core_info(c, &sc) == 0 && rg.base >= sc.part_base &&
			    rg.base < sc.part_end) {
				g.lender = c;
			}
		}
		if (g.lender < me.ncores && relay_target(g.lender) >= 0) {
			monitor_send_give_back(send_on,
					       ROUTE(relay_target(g.lender)), &g);
		}
	}
}

static const struct monitor_handlers handlers = {
	.spawn_req = on_spawn_req,
	.spawn_reply = on_spawn_reply,
	.exit_note = on_exit_note,
	.ping = on_ping,
	.core_stat_req = on_core_stat_req,
	.core_stat_reply = on_core_stat_reply,
	.export_req = on_export_req,
	.export_reply = on_export_reply,
	.bind_req = on_bind_req,
	.bind_reply = on_bind_reply,
	.ps_req = on_ps_req,
	.ps_reply = on_ps_reply,
	.kill_req = on_kill_req,
	.kill_reply = on_kill_reply,
	.services_req = on_services_req,
	.services_reply = on_services_reply,
	.mem_borrow_req = on_mem_borrow_req,
	.lend_req = on_lend_req,
	.lend_reply = on_lend_reply,
	.give_back = on_give_back,
};

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
static int drain(int route)
{
	static uint8_t buf[IFC_MAX_MSG];
	struct chan *c = route_chan(route);
	struct ctx cx = {route};
	uint8_t type = 0;
	int n, done = 0, r;

	while (c && (n = chan_msg_recv(c, &type, buf, sizeof(buf))) != ERR_AGAIN) {
		done++;
		if (n < 0) {
			complain(route, 0, buf, -1, n);
			continue;
		}
		r = monitor_dispatch(&handlers, &cx, type, buf, (size_t)n);
		if (r == ERR_NOSYS || r == ERR_FORMAT) {
			complain(route, type, buf, n, r);
		}
		c = route_chan(route);
	}
	return done;
}

static int reap(void)
{
	struct sys_exit e;
	int done = 0;

	while (sys_reap(&e) == 0) {
		struct monitor_exit_note note = {e.pid, e.status};
		int to = watch_take(e.pid);

		done++;
		placed_exit(e.pid);
		for (int i = 0; i < MAX_PROCS; i++) {
			if (procs[i].pid == e.pid) {
				procs[i].pid = 0;
			}
		}
		if (to >= 0) {
			monitor_send_exit_note(send_on, ROUTE(to), &note);
		}
	}
	if (done) {
		give_back_unused();
	}
	return done;
}

static int poll_all(void)
{
	int done = reap();

	for (uint32_t c = 0; c < me.ncores; c++) {
		done += links[c].up ? drain((int)c) : 0;
	}
	for (int i = 0; i < MAX_PROCS; i++) {
		done += procs[i].pid ? drain(PROC_ROUTE + i) : 0;
	}
	return done;
}

/* for_each_chan: sleep (1) or wake (0) every channel; on sleep, returns
 * true if something arrived meanwhile */
static int set_sleep(int sleep)
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

static void join_mesh(void)
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

static void start_manifest_programs(void)
{
	struct sys_boot_start s;
	uint32_t pid;

	for (uint64_t i = 0;; i++) {
		long r = sys_boot_start(i, &s);
		if (r == ERR_NOENT) {
			return;
		}
		if (r < 0) {
			printf("monitor %u: cannot read manifest entry %lu: %s\n",
			       me.core_id, (unsigned long)i, err_msg((int)r));
			return;
		}
		r = spawn_here(s.app, s.args, &pid);
		if (r < 0) {
			printf("monitor %u: cannot start %s: %s\n", me.core_id,
			       s.app, err_msg((int)r));
		}
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (sys_info(&me) < 0) {
		return 1;
	}
	join_mesh();
	sys_monitor_up();
	start_manifest_programs();
	for (;;) {
		if (poll_all()) {
			continue;
		}
		if (!set_sleep(1)) {
			sys_wait(0);
		}
		set_sleep(0);
	}
}
