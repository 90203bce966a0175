// SPDX-License-Identifier: MIT
/*
 * Naming and binding: core 0's monitor keeps the service names; binding
 * makes a channel frame in the server's partition, maps it into the
 * server and, on the client's core, into the client - never into a
 * monitor.
 *
 * Closing: the server's monitor remembers every binding it made (binds:
 * server, client, frame, the server's address of it), the client's
 * monitor which cores its process bound to (pchan.bound_cores). When a
 * client ends, its monitor sends `unbind` to each of those cores (core 0
 * passes it on); a client may also close one binding itself (`unbind`
 * with its frame). The server's monitor tells each server concerned with
 * `client_gone` and forgets the binding, so a server's client slots come
 * back. A full binding table refuses binds (E_TOOBIG), never drops one.
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

#define MAX_SERVICES 64
#define MAX_BINDS 128

/* the bindings to this core's servers */
static struct {
	uint32_t server_pid, client_pid; /* server_pid 0: free */
	uint64_t phys, va; /* the frame, where the server has it */
} binds[MAX_BINDS];

/* core 0 only: the names */
static struct {
	char name[32];
	uint32_t core, pid; /* pid 0: free */
} services[MAX_SERVICES];

static int service_add(const char *name, uint32_t core, uint32_t pid)
{
	int slot = -1;

	for (int i = 0; i < MAX_SERVICES; i++) {
		if (services[i].pid && strcmp(services[i].name, name) == 0) {
			return E_INVAL;
		}
		if (!services[i].pid && slot < 0) {
			slot = i;
		}
	}
	if (slot < 0) {
		return E_TOOBIG;
	}
	strlcpy(services[slot].name, name, sizeof(services[slot].name));
	services[slot].core = core;
	services[slot].pid = pid;
	return 0;
}

/* reserved_for: the program that alone may export name (the manifest's
 * `service NAME APP` lines, then the drivers' names), or NULL */
static const char *reserved_for(const char *name)
{
	static struct sys_boot_service sv;

	for (uint64_t i = 0; sys_boot_service(i, &sv) == 0; i++) {
		if (strcmp(sv.name, name) == 0) {
			return sv.app;
		}
	}
	return reserved_owner(name);
}

/*
 * A program exports itself, never someone else: its monitor writes its
 * core, pid, rights, program and whether a monitor or an admin started
 * it. Core 0's monitor, which keeps the names, lets only the program a
 * name is reserved for export it (export_rule).
 */
int on_export_req(void *vctx, const struct monitor_export_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_export_req fwd = *m;
	struct monitor_export_reply rep = {0, 0};
	struct pchan *by = asker(cx->route);
	const char *owner, *rule;

	if (by) {
		fwd.core = me.core_id;
		fwd.id = by->pid;
		fwd.by_rights = by->rights;
		fwd.by_start = by->vouched ? 1 : 0;
		strlcpy(fwd.by_app, by->app, sizeof(fwd.by_app));
	}
	if (me.core_id == 0) {
		owner = reserved_for(fwd.name);
		rule = export_rule(owner, fwd.by_app, fwd.by_start);
		if (rule) {
			printf("monitor 0: refused export of '%s' by 0x%x (%s): "
			       "%s (%s)\n",
			       fwd.name, fwd.id, fwd.by_app, rule, owner);
			rep.err = E_PERM;
		} else {
			rep.err = service_add(fwd.name, fwd.core, fwd.id);
		}
		return monitor_reply_export(send_on, ROUTE(cx->route), m, &rep);
	}
	if (monitor_export_relay(&relays, send_on, ROUTE(0), 0,
				 cx->route, &fwd, RELAY) == 0) {
		return 0;
	}
	rep.err = E_AGAIN;
	return monitor_reply_export(send_on, ROUTE(cx->route), m, &rep);
}

/* serve_bind: this core runs the server: make the frame in our partition,
 * map it into the server and tell it who the client is (as the client's
 * monitor vouched for it) */
static void serve_bind(const struct monitor_bind_req *m,
		       struct monitor_bind_reply *rep)
{
	struct monitor_bound note = {m->client_core, m->client_pid, 0,
				     m->client_rights};
	struct sys_chan sc;
	int to = pid_route(m->server_pid), slot = -1;
	long r;

	if (to < 0) {
		rep->err = E_NOENT; /* the server is gone */
		return;
	}
	for (int i = 0; i < MAX_BINDS && slot < 0; i++) {
		slot = binds[i].server_pid ? -1 : i;
	}
	if (slot < 0) {
		printf(
		    "monitor %u: refused bind of 0x%x to '%s' (0x%x): the "
		    "table of bindings to this core's servers is full (%d)\n",
		    me.core_id, m->client_pid, m->name, m->server_pid,
		    MAX_BINDS);
		rep->err = E_TOOBIG;
		return;
	}
	r = sys_chan_create(&sc, m->server_pid, m->client_core, m->client_pid);
	if (r < 0) {
		rep->err = (int32_t)r;
		return;
	}
	binds[slot].server_pid = m->server_pid;
	binds[slot].client_pid = m->client_pid;
	binds[slot].phys = sc.phys;
	binds[slot].va = sc.va;
	note.va = sc.va;
	rep->err = monitor_send_bound(send_on, ROUTE(to), &note);
	rep->phys = sc.phys;
	rep->server_pid = m->server_pid;
	rep->seal_seq = sc.seal.seq;
	rep->seal_mac = sc.seal.mac;
}

static void send_unbind(const struct monitor_unbind *u);

/* finish_bind: the answer reaches the client's monitor: map the frame
 * into the client, and remember the server's core for its exit */
static void finish_bind(uint32_t client_pid, struct monitor_bind_reply *rep)
{
	struct sys_seal seal = {rep->seal_seq, rep->seal_mac};
	struct pchan *p = proc_slot(client_pid);
	uint32_t core = SYS_PID_CORE(rep->server_pid);
	long va;

	if (rep->err) {
		return;
	}
	va = p && core < MAX_CORES
		 ? sys_chan_grant(client_pid, rep->phys, &seal)
		 : E_NOENT;
	if (va < 0) {
		/* the client ended meanwhile: the server lets it go */
		struct monitor_unbind u = {core, client_pid, rep->phys};

		send_unbind(&u);
		rep->err = (int32_t)va;
		return;
	}
	p->bound_cores[core / 64] |= 1ull << (core % 64);
	rep->va = (uint64_t)va;
}

int on_bind_req(void *vctx, const struct monitor_bind_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_bind_req fwd = *m;
	struct monitor_bind_reply rep;
	int to = -1;

	memset(&rep, 0, sizeof(rep));
	if (route_pid(cx->route)) {
		/* a program binds itself, with the rights it was spawned
		 * with: whatever it wrote in client_* is not its word to
		 * give. From another monitor's route they are that
		 * monitor's, and trusted. */
		const struct pchan *p = proc_slot(route_pid(cx->route));

		fwd.client_core = me.core_id;
		fwd.client_pid = route_pid(cx->route);
		fwd.client_rights = p ? p->rights : 0;
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
			rep.err = E_NOENT;
			goto answer;
		}
	}
	if (fwd.server_pid && fwd.server_core == me.core_id) {
		serve_bind(&fwd, &rep);
		goto answer;
	}
	to = fwd.server_pid ? relay_target(fwd.server_core) : 0;
	if (to >= 0 &&
	    monitor_bind_relay(&relays, send_on, ROUTE(to), to,
			       cx->route, &fwd, BIND) == 0) {
		return 0;
	}
	rep.err = E_AGAIN;
answer:
	if (route_pid(cx->route)) {
		finish_bind(fwd.client_pid, &rep);
	}
	return monitor_reply_bind(send_on, ROUTE(cx->route), m, &rep);
}

int on_bind_reply(void *vctx, const struct monitor_bind_reply *m)
{
	struct ctx *cx = vctx;
	struct monitor_bind_reply back = *m;

	if (!cx->relay) {
		/* answers nothing we relayed (any more: its time ran out):
		 * no client will ever use that binding, so its server lets
		 * it go */
		struct monitor_unbind u = {SYS_PID_CORE(m->server_pid), 0,
					   m->phys};

		if (!route_pid(cx->route) && m->err == 0 && m->phys) {
			send_unbind(&u);
		}
		return 0;
	}
	back.call_id = cx->relay->back_id;
	if (route_pid(cx->relay->from)) {
		finish_bind(route_pid(cx->relay->from), &back);
	}
	return monitor_send_bind_reply(send_on, ROUTE(cx->relay->from), &back);
}

int on_services_req(void *vctx, const struct monitor_services_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_services_req fwd = *m;
	static struct monitor_services_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (me.core_id != 0) {
		if (monitor_services_relay(&relays, send_on, ROUTE(0), 0,
					   cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_AGAIN;
		return monitor_reply_services(send_on, ROUTE(cx->route), m,
					      &rep);
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

/* unbind_here: client_pid's bindings to this core's servers (only the
 * one on frame phys unless 0; client_pid 0: whoever's binding is on
 * phys, a monitor's word only) are closed: tell each server */
static void unbind_here(uint32_t client_pid, uint64_t phys)
{
	if (!client_pid && !phys) {
		return; /* never "everyone's" */
	}
	for (int i = 0; i < MAX_BINDS; i++) {
		struct monitor_client_gone g = {client_pid, binds[i].va};
		int to;

		if (!binds[i].server_pid ||
		    (client_pid && binds[i].client_pid != client_pid) ||
		    (phys && binds[i].phys != phys)) {
			continue;
		}
		to = pid_route(binds[i].server_pid);
		if (to >= 0) {
			monitor_send_client_gone(send_on, ROUTE(to), &g);
		}
		binds[i].server_pid = 0;
	}
}

/* send_unbind: to the server's core (through core 0), or handled here */
static void send_unbind(const struct monitor_unbind *u)
{
	int to;

	if (u->server_core == me.core_id) {
		unbind_here(u->client_pid, u->phys);
		return;
	}
	to = relay_target(u->server_core);
	if (to >= 0) {
		monitor_send_unbind(send_on, ROUTE(to), u);
	}
}

int on_unbind(void *vctx, const struct monitor_unbind *m)
{
	struct ctx *cx = vctx;
	struct monitor_unbind fwd = *m;

	if (route_pid(cx->route)) {
		/* a program closes its own binding, no one else's */
		fwd.client_pid = route_pid(cx->route);
	} else if (m->server_core != me.core_id && me.core_id != 0) {
		printf("monitor %u: unbind for core %u from route %d: not "
		       "ours to pass on\n",
		       me.core_id, m->server_core, cx->route);
		return 0;
	}
	send_unbind(&fwd);
	return 0;
}

void naming_proc_ended(const struct pchan *p, uint32_t pid)
{
	/* bindings to it, as a server: its frames go with it */
	for (int i = 0; i < MAX_BINDS; i++) {
		if (pid && binds[i].server_pid == pid) {
			binds[i].server_pid = 0;
		}
	}
	/* as a client: every core it bound to lets it go */
	for (uint32_t c = 0; p && c < MAX_CORES; c++) {
		if (p->bound_cores[c / 64] & (1ull << (c % 64))) {
			struct monitor_unbind u = {c, pid, 0};

			send_unbind(&u);
		}
	}
}

void naming_limits(struct monitor_limits_reply *rep)
{
	for (int i = 0; i < MAX_SERVICES && me.core_id == 0; i++) {
		rep->services_used += services[i].pid != 0;
	}
	rep->services_size = me.core_id == 0 ? MAX_SERVICES : 0;
	for (int i = 0; i < MAX_BINDS; i++) {
		rep->binds_used += binds[i].server_pid != 0;
	}
	rep->binds_size = MAX_BINDS;
}

void naming_forget(uint32_t pid)
{
	for (int i = 0; i < MAX_SERVICES; i++) {
		if (pid && services[i].pid == pid) {
			services[i].pid = 0;
		}
	}
}

int on_proc_gone(void *vctx, const struct monitor_proc_gone *m)
{
	struct ctx *cx = vctx;

	/* from another core's monitor about a process of that core */
	if (me.core_id == 0 && !route_pid(cx->route) && cx->route > 0 &&
	    SYS_PID_CORE(m->pid) == (uint32_t)cx->route) {
		naming_forget(m->pid);
		ran_gone(m->pid);
	}
	return 0;
}

/*
 * naming_core_lost: core is lost. Core 0 unregisters what it served (one
 * log line). Every monitor: a binding of a client there to a server here
 * is gone (the server is told client_gone, as when a client ends), and
 * each program here bound to a server there is told (peer_lost): libos
 * ends its calls on those bindings with E_LOST at once.
 */
void naming_core_lost(uint32_t core)
{
	char names[128] = "";

	for (int i = 0; i < MAX_SERVICES && me.core_id == 0; i++) {
		size_t n = strlen(names);

		if (!services[i].pid || services[i].core != core) {
			continue;
		}
		if (n + strlen(services[i].name) + 5 < sizeof(names)) {
			snprintf(names + n, sizeof(names) - n, " %s",
				 services[i].name);
		} else if (n + 5 < sizeof(names)) {
			strlcpy(names + n, " ...", sizeof(names) - n);
		}
		services[i].pid = 0;
	}
	if (names[0]) {
		printf("monitor 0: core %u lost: unregistered%s\n", core, names);
	}
	for (int i = 0; i < MAX_BINDS; i++) {
		if (binds[i].server_pid &&
		    SYS_PID_CORE(binds[i].client_pid) == core) {
			unbind_here(binds[i].client_pid, binds[i].phys);
		}
	}
	for (int i = 0; i < MAX_PROCS; i++) {
		struct monitor_peer_lost n = {core};
		uint64_t bit = 1ull << (core % 64);

		if (procs[i].pid && (procs[i].bound_cores[core / 64] & bit)) {
			procs[i].bound_cores[core / 64] &= ~bit;
			monitor_send_peer_lost(send_on, ROUTE(PROC_ROUTE + i),
					       &n);
		}
	}
}
