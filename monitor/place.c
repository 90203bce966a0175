// SPDX-License-Identifier: MIT
/*
 * Process placement and the questions about processes: spawning here or
 * relaying to the right core, `any` placement (core 0), exits, ps, kill,
 * core statistics, and the programs the manifest starts on this core.
 *
 * Who may (policy.h, docs/authority.md): a spawn_req or kill_req from a
 * program carries its pid and rights as this monitor's table has them
 * (by_pid, by_rights: written here, whatever the program sent); a monitor
 * trusts them from another monitor. The asker's own monitor counts its
 * live children against the spawn quota (it sees every spawn_req it
 * sends and every exit note of its children); the core that runs a
 * spawn keeps the last process slots for admins and monitors and
 * remembers who asked for each process, the only one besides an admin,
 * the process itself and this monitor that may end it.
 */
#include "monitor.h"
#include <libos/mon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the live children of this core's programs (policy.h) */
static struct kids kids;
#define KIDS_LAPSE_NS (2 * MONITOR_RELAY_NS)

struct pchan *asker(int route)
{
	static struct pchan gone;
	uint32_t pid = route_pid(route);
	struct pchan *p;

	if (!pid) {
		return NULL; /* a monitor's route */
	}
	p = proc_slot(pid);
	if (p) {
		return p;
	}
	/* a program our table no longer holds (it ended while its message
	 * waited): it holds nothing, and its word counts for nothing */
	memset(&gone, 0, sizeof(gone));
	gone.pid = pid;
	strlcpy(gone.app, "?", sizeof(gone.app));
	return &gone;
}

static void born(uint32_t pid, const char *app);
/* relayed_by_0: the spawn being made came through core 0, which noted it */
static int relayed_by_0;

/* spawn_here: start app on this core with a channel to us, holding what
 * grant gives it (NULL: nothing) */
int spawn_here(const char *app, const char *args, const struct sys_grant *grant,
	       uint32_t *pid)
{
	struct sys_chan sc;
	struct sys_grant g = {0, 0};
	uint32_t claim;
	long r;
	int slot = -1;

	for (int i = 0; i < MAX_PROCS && slot < 0; i++) {
		if (!procs[i].pid) {
			slot = i;
		}
	}
	if (slot < 0) {
		return E_TOOBIG;
	}
	if (route_reserve(PROC_ROUTE + slot) < 0) {
		return E_NOMEM;
	}
	r = sys_chan_create(&sc, 0, me.core_id, 0);
	if (r < 0) {
		route_release(PROC_ROUTE + slot);
		return (int)r;
	}
	if (grant) {
		g = *grant;
	}
	/* a `nodriver` device this program drives (devices.c) */
	claim = g.device ? 0 : devices_claim(app);
	g.device = g.device ? g.device : claim;
	r = sys_spawn(app, args, sc.phys, &g);
	if (r < 0) {
		sys_chan_close((void *)sc.va); /* the frame is freed */
		route_release(PROC_ROUTE + slot);
		return (int)r;
	}
	if (claim) {
		devices_claimed(claim, (uint32_t)r);
	}
	route_attach(PROC_ROUTE + slot, (void *)sc.va, 0, me.core_id,
		     (uint32_t)r);
	procs[slot].pid = (uint32_t)r;
	procs[slot].va = (void *)sc.va;
	procs[slot].rights = grant ? grant->rights : 0;
	strlcpy(procs[slot].app, app, sizeof(procs[slot].app));
	procs[slot].spawner = 0; /* on_spawn_req says who asked */
	procs[slot].vouched = 1;
	procs[slot].borrowed = 0;
	*pid = (uint32_t)r;
	if (!relayed_by_0) {
		born(*pid, app);
	}
	return 0;
}

/*
 * What runs on the other cores, as core 0's monitor knows it (`ran`, on
 * its heap, grown to need; no other monitor keeps one): the spawns it
 * relays (the app noted when it relays, the pid when the answer passes),
 * and what the other cores start themselves (proc_born: the manifest's
 * programs, drivers, spawns by a program on its own core). An exit
 * (proc_gone) drops its entry. When a core is lost its entries stay,
 * marked lost (`ps` lists them), and each is reported to whoever watches
 * it (exit_note, MON_EXIT_LOST).
 */
struct ran {
	uint32_t pid;	 /* 0: a relayed spawn not answered yet */
	uint32_t out_id; /* that spawn's relay id */
	uint16_t core;
	uint8_t lost;
	char app[SYS_NAME_MAX];
};
static struct ran *ran;
static uint32_t nran, ran_cap;

static struct ran *ran_add(uint32_t core, const char *app)
{
	if (nran == ran_cap) {
		uint32_t cap = ran_cap ? ran_cap * 2 : 16;
		struct ran *n = realloc(ran, cap * sizeof(*n));

		if (!n) {
			return NULL; /* not listed: ps and exits miss it */
		}
		ran = n;
		ran_cap = cap;
	}
	memset(&ran[nran], 0, sizeof(ran[nran]));
	ran[nran].core = (uint16_t)core;
	strlcpy(ran[nran].app, app, sizeof(ran[nran].app));
	return &ran[nran++];
}

/* ran_del: entry i goes (the rest keep their order: `ps` lists them so) */
static void ran_del(uint32_t i)
{
	memmove(ran + i, ran + i + 1, (--nran - i) * sizeof(*ran));
}

/* born: a process started here by anyone but core 0: core 0 notes it */
static void born(uint32_t pid, const char *app)
{
	struct monitor_proc_born b = {pid, ""};
	struct ran *e;

	if (me.core_id != 0) {
		strlcpy(b.app, app, sizeof(b.app));
		monitor_send_proc_born(send_on, ROUTE(0), &b);
	} else if (SYS_PID_CORE(pid) != 0 && (e = ran_add(SYS_PID_CORE(pid), app))) {
		e->pid = pid;
	}
}

int on_proc_born(void *vctx, const struct monitor_proc_born *m)
{
	struct ctx *cx = vctx;

	if (me.core_id != 0 || cx->route <= 0 ||
	    SYS_PID_CORE(m->pid) != (uint32_t)cx->route) {
		return 0; /* only a core's monitor, about its own */
	}
	born(m->pid, m->app);
	return 0;
}

void ran_gone(uint32_t pid)
{
	for (uint32_t i = 0; i < nran; i++) {
		if (ran[i].pid == pid && !ran[i].lost) {
			ran_del(i);
			return;
		}
	}
}

/* ran_answered: a relayed spawn's answer passes core 0 */
static void ran_answered(uint32_t out_id, uint32_t pid)
{
	for (uint32_t i = 0; i < nran; i++) {
		if (!ran[i].pid && ran[i].out_id == out_id) {
			if (pid) {
				ran[i].pid = pid;
			} else {
				ran_del(i);
			}
			return;
		}
	}
}

struct pchan *proc_slot(uint32_t pid)
{
	for (int i = 0; i < MAX_PROCS && pid; i++) {
		if (procs[i].pid == pid) {
			return &procs[i];
		}
	}
	return NULL;
}

/*
 * Placement of `spawn ... on any` (core 0's monitor only): the least
 * loaded live core by what the monitors report (load.c: runnable
 * programs, then free memory), counting the spawns placed since each
 * core's last report. Core 0 itself, which runs the console and the
 * relays, is chosen only when it is the only core not lost.
 */
static int not_placeable(uint32_t core)
{
	return health_lost(core); /* a lost core is never chosen */
}

static uint32_t place_any(void)
{
	return load_pick(not_placeable);
}

static void placed_spawned(uint32_t pid)
{
	load_spawned(pid);
}

static void placed_exit(uint32_t pid)
{
	load_exit(pid);
}

/* free_slots: process slots this core can still give (ours and the
 * kernel's: the kernel's table holds this monitor too) */
static uint32_t free_slots(void)
{
	struct sys_info in;
	uint32_t mine = 0, kern;

	for (int i = 0; i < MAX_PROCS; i++) {
		mine += !procs[i].pid;
	}
	if (sys_info(&in) < 0) {
		return 0;
	}
	kern = in.nprocs < MAX_PROCS ? MAX_PROCS - in.nprocs : 0;
	return kern < mine ? kern : mine;
}

static void refuse_spawn(const struct monitor_spawn_req *m, const char *rule)
{
	printf("monitor %u: refused spawn of %s by 0x%x: %s\n", me.core_id,
	       m->app, m->by_pid, rule);
}

/* spawn_local: start fwd's program on this core for whoever asked */
static int spawn_local(const struct monitor_spawn_req *fwd, uint32_t *pid)
{
	struct sys_grant g = {fwd->rights & fwd->by_rights, 0};
	const char *rule = spawn_slot_rule(free_slots(), fwd->by_rights);
	struct pchan *p;
	int r;

	if (rule) {
		refuse_spawn(fwd, rule);
		return E_TOOBIG;
	}
	r = spawn_here(fwd->app, fwd->args, &g, pid);
	p = r == 0 ? proc_slot(*pid) : NULL;
	if (p) {
		p->spawner = fwd->by_pid;
		p->vouched = (fwd->by_rights & SYS_RIGHT_ADMIN) != 0;
	}
	return r;
}

/* relay_err: why a call for core could not be relayed (to: what
 * relay_target said) */
static int relay_err(uint32_t core, int to)
{
	return health_lost(core) ? E_LOST : to < 0 ? E_RANGE : E_AGAIN;
}

/* answer_spawn: the answer to a spawn request that came on route; a
 * program's pending spawn is settled */
static int answer_spawn(int route, uint32_t call_id,
			struct monitor_spawn_reply *rep)
{
	kids_settle(&kids, route_pid(route), call_id,
		    rep->err ? 0 : rep->pid);
	rep->call_id = call_id;
	return monitor_send_spawn_reply(send_on, ROUTE(route), rep);
}

int on_spawn_req(void *vctx, const struct monitor_spawn_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_spawn_reply rep = {0, 0, 0};
	struct monitor_spawn_req fwd = *m;
	struct pchan *by = asker(cx->route);
	uint32_t core = m->core;
	int any = core == 0xffffffffu && me.core_id == 0;
	const char *rule;
	int to;

	if (by) {
		/* a program asks: who it is and what it holds are ours to
		 * say; its quota is ours to count */
		fwd.by_pid = by->pid;
		fwd.by_rights = by->rights;
		rule = spawn_rights_rule(fwd.rights, fwd.by_rights);
		if (rule) {
			refuse_spawn(&fwd, rule);
			rep.err = E_PERM;
			return monitor_reply_spawn(send_on, ROUTE(cx->route), m,
						   &rep);
		}
		if (!(fwd.by_rights & SYS_RIGHT_ADMIN) &&
		    kids_reserve(&kids, by->pid, m->call_id, sys_time_ns(),
				 KIDS_LAPSE_NS) < 0) {
			refuse_spawn(&fwd, "it has 4 live children, the "
					   "quota of a non-admin process");
			rep.err = E_TOOBIG;
			return monitor_reply_spawn(send_on, ROUTE(cx->route), m,
						   &rep);
		}
	}
	if (core == 0xffffffffu) {
		/* "any": core 0's monitor places it (place_any) */
		core = me.core_id == 0 ? place_any() : 0;
		if (core == 0 && me.core_id != 0) {
			if (monitor_spawn_relay(&relays, send_on, ROUTE(0), 0,
						cx->route, &fwd, SPAWN) == 0) {
				return 0;
			}
			rep.err = E_AGAIN;
			return answer_spawn(cx->route, m->call_id, &rep);
		}
	}
	if (health_lost(core)) {
		printf("monitor %u: refused spawn of %s on core %u by 0x%x: "
		       "core %u is lost\n",
		       me.core_id, fwd.app, core, fwd.by_pid, core);
		rep.err = E_LOST;
		return answer_spawn(cx->route, m->call_id, &rep);
	}
	if (core == me.core_id) {
		/* core 0 noted a spawn it relayed (ran) */
		relayed_by_0 = me.core_id != 0 && cx->route == 0;
		rep.err = spawn_local(&fwd, &rep.pid);
		relayed_by_0 = 0;
		if (rep.err == 0) {
			watch_add(rep.pid, cx->route);
			if (any) {
				placed_spawned(rep.pid);
			}
		}
		return answer_spawn(cx->route, m->call_id, &rep);
	}
	to = relay_target(core);
	if (to >= 0) {
		fwd.core = core;
		if (monitor_spawn_relay(
		    &relays, send_on, ROUTE(to), to, cx->route, &fwd,
		    any ? PLACE : SPAWN) == 0) {
			struct ran *e = me.core_id == 0 ? ran_add(core, fwd.app)
							 : NULL;

			if (e) {
				e->out_id = relays.seq; /* the relay's id */
			}
			return 0;
		}
	}
	rep.err = relay_err(core, to);
	return answer_spawn(cx->route, m->call_id, &rep);
}

int on_spawn_reply(void *vctx, const struct monitor_spawn_reply *m)
{
	struct ctx *cx = vctx;
	const struct relay_entry *e = cx->relay;
	struct monitor_spawn_reply back = *m;

	if (!e) {
		printf("monitor %u: spawn reply %u from route %d matches "
		       "nothing\n",
		       me.core_id, m->call_id, cx->route);
		return 0;
	}
	if (m->err == 0) {
		watch_add(m->pid, e->from);
		if (e->kind == PLACE) {
			placed_spawned(m->pid);
		}
	}
	if (me.core_id == 0) {
		ran_answered(e->out_id, m->err ? 0 : m->pid);
	}
	return answer_spawn(e->from, e->back_id, &back);
}

int on_core_stat_req(void *vctx, const struct monitor_core_stat_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_core_stat_reply rep;
	struct monitor_core_stat_req fwd = *m;
	struct sys_info in;
	int to;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	if (m->core == me.core_id) {
		rep.err = (int32_t)sys_info_tables(&in);
		rep.apic_id = in.apic_id;
		rep.part_base = in.part_base;
		rep.part_end = in.part_end;
		rep.free_bytes = in.free_bytes;
		rep.kern_phys = in.kern_phys;
		rep.nprocs = in.nprocs;
		rep.link_msgs = link_msgs;
		rep.footprint = in.footprint;
		rep.slice_bytes = in.slice_bytes;
		rep.borrowed_bytes = in.borrowed_bytes;
		rep.lent_bytes = in.lent_bytes;
		rep.monitor_beats = health_own_beats();
		rep.kernel_beats = in.kernel_beats;
		return monitor_reply_core_stat(send_on, ROUTE(cx->route), m,
					       &rep);
	}
	to = relay_target(m->core);
	if (to >= 0 &&
	    monitor_core_stat_relay(&relays, send_on, ROUTE(to), to,
				    cx->route, &fwd, RELAY) == 0) {
		return 0;
	}
	rep.err = relay_err(m->core, to);
	return monitor_reply_core_stat(send_on, ROUTE(cx->route), m, &rep);
}

/* limits_here: how full this core's tables are */
static void limits_here(struct monitor_limits_reply *rep)
{
	struct sys_info in;

	rep->err = (int32_t)sys_info_tables(&in);
	rep->procs_used = in.nprocs;
	rep->procs_size = MAX_PROCS; /* the kernel's PROC_MAX, as ours */
	for (int i = 0; i < MAX_PROCS; i++) {
		rep->mon_procs_used += procs[i].pid != 0;
	}
	rep->mon_procs_size = MAX_PROCS;
	rep->relays_used = relay_count(&relays);
	rep->relays_size = relays.n;
	rep->watch_used = (uint32_t)watch_count();
	rep->watch_size = MAX_WATCH;
	naming_limits(rep);
	rep->borrowed_used = borrowed_ranges;
	rep->borrowed_size = BORROWED_MAX;
	rep->chan_used = in.chan_used;
	rep->chan_size = in.chan_size;
	rep->half_closed_used = in.half_closed_used;
	rep->half_closed_size = in.half_closed_size;
}

int on_limits_req(void *vctx, const struct monitor_limits_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_limits_reply rep;
	struct monitor_limits_req fwd = *m;
	int to;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	if (m->core == me.core_id) {
		limits_here(&rep);
		return monitor_reply_limits(send_on, ROUTE(cx->route), m, &rep);
	}
	to = relay_target(m->core);
	if (to >= 0 && monitor_limits_relay(&relays, send_on, ROUTE(to), to,
					    cx->route, &fwd, RELAY) == 0) {
		return 0;
	}
	rep.err = relay_err(m->core, to);
	return monitor_reply_limits(send_on, ROUTE(cx->route), m, &rep);
}

int on_exit_note(void *vctx, const struct monitor_exit_note *m)
{
	int to = watch_take(m->pid);

	(void)vctx;
	placed_exit(m->pid);
	kids_exit(&kids, m->pid);
	if (to >= 0) {
		return monitor_send_exit_note(send_on, ROUTE(to), m);
	}
	return 0;
}

/* procs_core_lost: core is lost (it runs nothing any more): core 0 marks
 * what ran there lost and reports each to whoever watches it, as if it
 * had exited with MON_EXIT_LOST (its spawner's quota comes back on the
 * way, on_exit_note); a spawn not answered yet is forgotten (its asker
 * was answered E_LOST). Elsewhere: nothing (every watch of a process of
 * another core is core 0's first: spawns pass through it). */
void procs_core_lost(uint32_t core)
{
	struct ctx cx = {ROUTE_SELF, NULL};

	for (uint32_t i = 0; i < nran && me.core_id == 0;) {
		struct monitor_exit_note note = {ran[i].pid, MON_EXIT_LOST};

		if (ran[i].core != core || ran[i].lost) {
			i++;
			continue;
		}
		if (!ran[i].pid) {
			ran_del(i);
			continue;
		}
		ran[i++].lost = 1;
		on_exit_note(&cx, &note);
	}
}

/* ps_lost: core 0 answers for a lost core: what ran there, from ran */
static void ps_lost(uint32_t core, struct monitor_ps_reply *rep)
{
	rep->err = E_LOST;
	for (uint32_t i = 0; i < nran && rep->pids_count < 32; i++) {
		size_t used = strlen(rep->names);

		if (ran[i].core != core || !ran[i].lost) {
			continue;
		}
		if (used + strlen(ran[i].app) + 2 >= sizeof(rep->names)) {
			break;
		}
		rep->pids[rep->pids_count++] = ran[i].pid;
		snprintf(rep->names + used, sizeof(rep->names) - used, "%s%s",
			 used ? " " : "", ran[i].app);
	}
}

int on_ps_req(void *vctx, const struct monitor_ps_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_ps_req fwd = *m;
	static struct monitor_ps_reply rep;
	struct sys_proc list[32];
	long n;
	int to;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	if (m->core != me.core_id && health_lost(m->core) && me.core_id == 0) {
		ps_lost(m->core, &rep);
		return monitor_reply_ps(send_on, ROUTE(cx->route), m, &rep);
	}
	if (m->core != me.core_id) {
		/* a lost core's: core 0 knows what ran there */
		to = health_lost(m->core) ? 0 : relay_target(m->core);
		if (to >= 0 &&
		    monitor_ps_relay(&relays, send_on, ROUTE(to), to,
				     cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = relay_err(m->core, to);
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

int on_kill_req(void *vctx, const struct monitor_kill_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_kill_req fwd = *m;
	struct monitor_kill_reply rep = {0, 0};
	struct pchan *by = asker(cx->route), *t;
	uint32_t core = SYS_PID_CORE(m->pid);
	const char *rule;
	int to;

	if (by) {
		fwd.by_pid = by->pid;
		fwd.by_rights = by->rights;
	}
	if (core != me.core_id) {
		to = relay_target(core);
		if (to >= 0 &&
		    monitor_kill_relay(&relays, send_on, ROUTE(to), to,
				       cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = health_lost(core) ? E_LOST : to < 0 ? E_NOENT : E_AGAIN;
		return monitor_reply_kill(send_on, ROUTE(cx->route), m, &rep);
	}
	t = proc_slot(m->pid);
	rule = kill_rule(fwd.by_pid, fwd.by_rights, m->pid,
			 t ? t->spawner : 0, me.pid);
	if (m->pid == me.pid) {
		rep.err = E_PERM; /* a monitor is not killed */
	} else if (rule && !t) {
		rep.err = E_NOENT; /* none of ours: nothing to refuse */
	} else if (rule) {
		printf("monitor %u: refused kill of 0x%x (%s) by 0x%x: %s\n",
		       me.core_id, m->pid, t->app, fwd.by_pid, rule);
		rep.err = E_PERM;
	} else {
		rep.err = (int32_t)sys_kill(m->pid);
	}
	return monitor_reply_kill(send_on, ROUTE(cx->route), m, &rep);
}

/* exits_queued: exits of this core not yet reaped, as the kernel keeps
 * it once the first SYS_REAP asked it to (abi/syscall.h): a pass reads
 * it and makes no system call while it is 0. 1 until then (and for good
 * if the kernel refused the word): every pass asks. */
volatile uint32_t exits_queued = 1; /* monitor.h */
static int exits_mirror_asked;

static long reap_next(struct sys_exit *e)
{
	long r;

	if (exits_mirror_asked) {
		return sys_reap(e);
	}
	exits_mirror_asked = 1;
	r = sys_reap_mirror(e, &exits_queued);
	if (r == E_FAULT) {
		printf("monitor %u: the kernel keeps no exit count for us: "
		       "every pass asks\n",
		       me.core_id);
		exits_queued = 1;
		return sys_reap(e);
	}
	return r;
}

/* reap_some: reap, when the kernel says something ended (monitor.h) */
int reap_some(void)
{
	struct sys_exit e;
	int done = 0;

	while (reap_next(&e) == 0) {
		struct monitor_exit_note note = {e.pid, e.status};
		int to = watch_take(e.pid);

		done++;
		placed_exit(e.pid);
		kids_exit(&kids, e.pid);
		devices_proc_gone(e.pid);
		naming_proc_ended(proc_slot(e.pid), e.pid);
		if (me.core_id == 0) {
			naming_forget(e.pid);
		} else {
			struct monitor_proc_gone g = {e.pid};

			monitor_send_proc_gone(send_on, ROUTE(0), &g);
		}
		for (int i = 0; i < MAX_PROCS; i++) {
			if (procs[i].pid == e.pid) {
				/* its end went with it; ours frees the frame */
				procs[i].pid = 0;
				outq_drop(PROC_ROUTE + i);
				sys_chan_close(procs[i].va);
				procs[i].va = NULL;
				route_release(PROC_ROUTE + i);
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

void start_manifest_programs(void)
{
	struct sys_boot_start s;
	struct sys_grant g;
	uint32_t pid;

	for (uint64_t i = 0;; i++) {
		long r = sys_boot_start(i, &s);
		if (r == E_NOENT) {
			return;
		}
		if (r < 0) {
			printf(
			    "monitor %u: cannot read manifest entry %lu: %s\n",
			    me.core_id, (unsigned long)i, err_msg((int)r));
			return;
		}
		g.rights = s.rights;
		g.device = 0;
		r = spawn_here(s.app, s.args, &g, &pid);
		if (r < 0) {
			printf("monitor %u: cannot start %s: %s\n", me.core_id,
			       s.app, err_msg((int)r));
		}
	}
}
