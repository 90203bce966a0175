// SPDX-License-Identifier: MIT
/*
 * The device directory: which core owns which PCI function, replicated in
 * every monitor, and the moves that change it.
 *
 * Every replica starts from the boot directory the CPU driver reports
 * (SYS_DEV_INFO: PCI enumeration happened once, on core 0, at boot) and
 * changes only through dev_owner notes, which core 0's monitor sends to
 * every monitor after each change. A device with a known driver program
 * (virtio-net: netd, virtio-blk: store, virtio-console: traced) gets it
 * started by its owner's monitor at boot and after every move, with the
 * manifest's driver arguments.
 *
 * The kernel lets exactly one process touch a device: the driver its
 * monitor names when it spawns it (struct sys_grant.device). That is the
 * started driver program; for a device whose manifest line says
 * `nodriver [APP]`, no program is started, and the first APP (default:
 * the usual driver program) that this monitor spawns on the owning core
 * while the device has no live driver becomes its driver, whether a
 * manifest `start` or a `spawn` asked for it (devices_claim).
 *
 * A move is agreed by core 0's monitor, one at a time: the owner's
 * monitor ends the driver and gives the device up (SYS_DEV_RELEASE: its
 * bus mastering stops, so no DMA lands in freed memory), then the new
 * owner's monitor takes it (SYS_DEV_ADOPT) and starts the driver, then
 * every replica learns the new owner. If the new owner cannot take it,
 * the old owner takes it back.
 *
 * Each step sent to another monitor waits at most MOVE_STEP_NS (a
 * monitor that does not answer is logged and counts as a failed step),
 * so a whole move (release, adopt, take back) ends well within
 * MONITOR_RELAY_NS, the deadline of an asker on another core.
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

#define MAX_DEV 32
#define NONE 0xffffffffu
#define MOVE_STEP_NS (5ull * 1000 * 1000 * 1000)

static struct {
	char name[BOOT_DEV_NAME_MAX];
	uint32_t owner;  /* core, NONE */
	uint32_t driver; /* pid of its driver, 0: none */
	char args[BOOT_ARGS_MAX];
	char driver_app[SYS_NAME_MAX]; /* owner only: the driver's program */
	uint32_t fallback; /* manifest `fallback`, NONE: the default */
} dir[MAX_DEV];
static uint32_t ndir;

/* core 0: the move under way */
static struct {
	int active;
	uint32_t index, from, to;
	int route;          /* who asked */
	uint32_t back_id;   /* their call id */
	int stage;          /* 1 releasing, 2 adopting, 3 taking back */
	int err;            /* stage 3: why the adoption failed */
	int recovering;     /* its owner was lost: nobody asked, no way back */
	uint64_t tried[MAX_CORES / 64]; /* recovering: cores tried */
} mv;

/* core 0: devices whose owner was lost, still to be moved (one at a time,
 * as moves are) */
static uint32_t recover_mask;

static const struct {
	const char *prefix;
	const char *program;
} drivers[] = {
	{"virtio-net", "netd"},
	{"virtio-blk", "store"},
	{"virtio-console", "traced"},
};

static const char *driver_of(const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (strncmp(name, drivers[i].prefix,
			    strlen(drivers[i].prefix)) == 0) {
			return drivers[i].program;
		}
	}
	return 0;
}

void devices_init(void)
{
	struct sys_dev d;

	for (ndir = 0; ndir < MAX_DEV && sys_dev_info(ndir, &d) == 0; ndir++) {
		strlcpy(dir[ndir].name, d.d.name, sizeof(dir[ndir].name));
		strlcpy(dir[ndir].args, d.d.args, sizeof(dir[ndir].args));
		dir[ndir].owner = d.d.owner;
		dir[ndir].driver = 0;
		dir[ndir].fallback = d.d.fallback;
	}
}

/* nodriver_app: device i's manifest arguments are `nodriver [APP]`: the
 * program that may drive it when started by hand (APP, else the usual
 * driver), into app; false for an automatic driver */
static bool nodriver_app(uint32_t i, char *app, size_t size)
{
	const char *a = dir[i].args, *prog = driver_of(dir[i].name);
	size_t n;

	if (strncmp(a, "nodriver", 8) != 0 || (a[8] && a[8] != ' ')) {
		return false;
	}
	for (a += 8; *a == ' '; a++) {
	}
	for (n = 0; a[n] && a[n] != ' '; n++) {
	}
	if (n == 0 && prog) {
		strlcpy(app, prog, size);
	} else if (n < size) {
		memcpy(app, a, n);
		app[n] = 0;
	} else {
		app[0] = 0;
	}
	return true;
}

/* start_driver: this core owns device i: start its driver, if any, as
 * the device's one driver process (the kernel's record) */
static uint32_t start_driver(uint32_t i)
{
	const char *prog = driver_of(dir[i].name);
	struct sys_grant g = {0, i + 1};
	char app[SYS_NAME_MAX];
	uint32_t pid = 0;
	int r;

	if (!prog || nodriver_app(i, app, sizeof(app))) {
		return 0; /* no driver, or the manifest starts its own */
	}
	r = spawn_here(prog, dir[i].args, &g, &pid);
	if (r < 0) {
		printf("monitor %u: %s: cannot start its driver %s: %s\n",
		       me.core_id, dir[i].name, prog, err_msg(r));
		return 0;
	}
	strlcpy(dir[i].driver_app, prog, sizeof(dir[i].driver_app));
	return pid;
}

static void set_owner(uint32_t i, uint32_t core, uint32_t driver)
{
	if (i < ndir) {
		dir[i].owner = core;
		dir[i].driver = driver;
	}
}

/* tell: a replica changed here; core 0 tells everyone else, the others
 * tell core 0 */
static void tell(uint32_t i, int except)
{
	struct monitor_dev_owner n = {i, dir[i].owner, dir[i].driver};

	if (me.core_id != 0) {
		monitor_send_dev_owner(send_on, ROUTE(0), &n);
		return;
	}
	for (uint32_t c = 1; c < me.ncores; c++) {
		if ((int)c != except && links[c].up) {
			monitor_send_dev_owner(send_on, ROUTE(c), &n);
		}
	}
}

uint32_t devices_claim(const char *app)
{
	char want[SYS_NAME_MAX];
	struct sys_dev d;

	for (uint32_t i = 0; i < ndir; i++) {
		if (dir[i].owner != me.core_id ||
		    !nodriver_app(i, want, sizeof(want)) ||
		    strcmp(want, app) != 0) {
			continue;
		}
		/* the kernel's word on whether its driver still lives: our
		 * own note of its end may not have been reaped yet */
		if (sys_dev_info(i, &d) == 0 && d.owned_here && !d.driver) {
			return i + 1;
		}
	}
	return 0;
}

void devices_claimed(uint32_t device, uint32_t pid)
{
	uint32_t i = device - 1;

	if (device == 0 || i >= ndir) {
		return;
	}
	dir[i].driver = pid;
	nodriver_app(i, dir[i].driver_app, sizeof(dir[i].driver_app));
	tell(i, -1);
}

void devices_start_drivers(void)
{
	for (uint32_t i = 0; i < ndir; i++) {
		if (dir[i].owner == me.core_id && driver_of(dir[i].name)) {
			dir[i].driver = start_driver(i);
			if (dir[i].driver) {
				tell(i, -1);
			}
		}
	}
}

void devices_proc_gone(uint32_t pid)
{
	for (uint32_t i = 0; i < ndir; i++) {
		if (pid && dir[i].driver == pid && dir[i].owner == me.core_id) {
			printf("monitor %u: %s: driver %s (pid 0x%x) ended\n",
			       me.core_id, dir[i].name, dir[i].driver_app,
			       pid);
			dir[i].driver = 0;
			tell(i, -1);
		}
	}
}

int on_dev_owner(void *vctx, const struct monitor_dev_owner *m)
{
	struct ctx *cx = vctx;

	/* only monitors keep the directory; only core 0 is told by others */
	if (route_pid(cx->route) || m->index >= ndir ||
	    (m->core >= me.ncores && m->core != NONE) ||
	    (me.core_id != 0 && cx->route != 0)) {
		return 0;
	}
	set_owner(m->index, m->core, m->driver_pid);
	if (me.core_id == 0) {
		tell(m->index, cx->route);
	}
	return 0;
}

int on_devices_req(void *vctx, const struct monitor_devices_req *m)
{
	struct ctx *cx = vctx;
	static struct monitor_devices_reply rep;
	struct monitor_devices_req fwd = *m;

	memset(&rep, 0, sizeof(rep));
	if (me.core_id != 0) {
		if (monitor_devices_relay(&relays, send_on, ROUTE(0), 0,
					  cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_AGAIN;
		return monitor_reply_devices(send_on, ROUTE(cx->route), m,
					     &rep);
	}
	for (uint32_t i = 0; i < ndir; i++) {
		size_t used = strlen(rep.names);

		if (used + strlen(dir[i].name) + 2 > sizeof(rep.names)) {
			break;
		}
		rep.owners[rep.owners_count++] = dir[i].owner;
		rep.drivers[rep.drivers_count++] = dir[i].driver;
		if (used) {
			strlcpy(rep.names + used, " ", 2);
		}
		strlcpy(rep.names + strlen(rep.names), dir[i].name,
			sizeof(rep.names) - strlen(rep.names));
	}
	return monitor_reply_devices(send_on, ROUTE(cx->route), m, &rep);
}

/* release_here / adopt_here: the owner's and new owner's halves */
static int release_here(uint32_t i)
{
	bool had = dir[i].driver != 0;
	long r;

	if (dir[i].driver) {
		r = sys_kill(dir[i].driver);
		if (r < 0 && r != E_NOENT) {
			return (int)r;
		}
		dir[i].driver = 0;
	}
	r = sys_dev_release(i);
	if (r == 0) {
		dir[i].owner = NONE;
	} else if (had) {
		/* still ours (E_BUSY: another process uses it): so is a
		 * driver again, and every replica learns its pid */
		dir[i].driver = start_driver(i);
		tell(i, -1);
	}
	return (int)r;
}

static int adopt_here(uint32_t i, uint32_t *pid)
{
	long r = sys_dev_adopt(i);

	*pid = 0;
	if (r < 0) {
		return (int)r;
	}
	dir[i].owner = me.core_id;
	*pid = dir[i].driver = start_driver(i);
	return 0;
}

int on_dev_release_req(void *vctx, const struct monitor_dev_release_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_dev_release_reply rep = {0, 0};

	if (route_pid(cx->route) || cx->route != 0) {
		rep.err = E_PERM; /* only core 0's monitor moves devices */
	} else {
		rep.err = m->index < ndir ? release_here(m->index) : E_NOENT;
	}
	return monitor_reply_dev_release(send_on, ROUTE(cx->route), m, &rep);
}

int on_dev_adopt_req(void *vctx, const struct monitor_dev_adopt_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_dev_adopt_reply rep = {0, 0, 0};

	if (route_pid(cx->route) || cx->route != 0) {
		rep.err = E_PERM;
	} else {
		rep.err = m->index < ndir ? adopt_here(m->index, &rep.driver_pid)
					  : E_NOENT;
	}
	return monitor_reply_dev_adopt(send_on, ROUTE(cx->route), m, &rep);
}

/* ------------------------------------------------ the move, on core 0 */

static void recover_next(void);

static void move_done(int err, uint32_t pid)
{
	struct monitor_move_reply rep = {mv.back_id, err, pid};

	mv.active = 0;
	if (!mv.recovering) {
		monitor_send_move_reply(send_on, ROUTE(mv.route), &rep);
	}
	mv.recovering = 0;
	recover_next();
}

static void move_adopted(int err, uint32_t pid);

/* move_step: the next stage (stage 2 adopt on mv.to, 3 take back on
 * mv.from), locally or by a call */
static void move_step(int stage, uint32_t core)
{
	uint32_t pid;
	int r;

	mv.stage = stage;
	if (core == 0) {
		r = adopt_here(mv.index, &pid);
		move_adopted(r, pid);
		return;
	}
	{
		struct monitor_dev_adopt_req req = {0, mv.index};

		/* our own call: the relay table matches its reply and
		 * gives it a deadline */
		r = monitor_dev_adopt_relay(&relays, send_on, ROUTE(core),
					    (int)core, ROUTE_SELF, &req, MOVE);
	}
	if (r == 0) {
		relay_limit_last(MOVE_STEP_NS);
	}
	if (r < 0) {
		move_adopted(r, 0);
	}
}

static void recover_adopted(int err, uint32_t pid);

static void move_adopted(int err, uint32_t pid)
{
	if (mv.recovering) {
		recover_adopted(err, pid);
		return;
	}
	if (mv.stage == 2 && err == 0) {
		set_owner(mv.index, mv.to, pid);
		tell(mv.index, -1);
		move_done(0, pid);
		return;
	}
	if (mv.stage == 2 && health_lost(mv.from)) {
		/* nowhere to take it back to: recovered instead */
		mv.err = err;
		set_owner(mv.index, mv.from, 0);
		recover_mask |= 1u << mv.index;
		move_done(err, 0);
		return;
	}
	if (mv.stage == 2) {
		/* the new owner could not take it: back to the old one */
		printf("monitor 0: %s: core %u cannot take it (%s); back to "
		       "core %u\n",
		       dir[mv.index].name, mv.to, err_msg(err), mv.from);
		mv.err = err; /* the reply carries this first error */
		move_step(3, mv.from);
		return;
	}
	/* stage 3: taken back (or not) */
	set_owner(mv.index, err == 0 ? mv.from : NONE, pid);
	tell(mv.index, -1);
	move_done(mv.err, 0);
}

static void move_released(int err)
{
	if (err < 0) {
		move_done(err, 0);
		return;
	}
	set_owner(mv.index, NONE, 0);
	move_step(2, mv.to);
}

int on_move_req(void *vctx, const struct monitor_move_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_move_reply rep = {0, 0, 0};
	struct monitor_move_req fwd = *m;
	uint32_t i;

	if (me.core_id != 0) {
		if (monitor_move_relay(&relays, send_on, ROUTE(0), 0,
				       cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_AGAIN;
		return monitor_reply_move(send_on, ROUTE(cx->route), m, &rep);
	}
	for (i = 0; i < ndir && strcmp(dir[i].name, m->name) != 0; i++) {
	}
	if (i == ndir) {
		rep.err = E_NOENT;
	} else if (m->core >= me.ncores) {
		rep.err = E_RANGE;
	} else if (health_lost(m->core)) {
		rep.err = E_LOST;
	} else if (mv.active || recover_mask >> i & 1) {
		rep.err = E_BUSY; /* one move at a time, recoveries first */
	} else if (!driver_of(dir[i].name) || dir[i].owner == NONE) {
		rep.err = E_PERM;
	}
	if (rep.err || dir[i].owner == m->core) {
		rep.driver_pid = rep.err ? 0 : dir[i].driver;
		return monitor_reply_move(send_on, ROUTE(cx->route), m, &rep);
	}
	mv.active = 1;
	mv.index = i;
	mv.from = dir[i].owner;
	mv.to = m->core;
	mv.route = cx->route;
	mv.back_id = m->call_id;
	mv.stage = 1;
	if (mv.from == 0) {
		move_released(release_here(i));
		return 0;
	}
	{
		struct monitor_dev_release_req req = {0, i};

		if (monitor_dev_release_relay(&relays, send_on, ROUTE(mv.from),
					      (int)mv.from, ROUTE_SELF, &req,
					      MOVE) < 0) {
			move_done(E_AGAIN, 0);
			return 0;
		}
		relay_limit_last(MOVE_STEP_NS);
	}
	return 0;
}

/* ------------------------------------- recovery from a lost core, core 0 */

/* devices_of: the directory indices (bits) of the devices core owns */
uint32_t devices_of(uint32_t core)
{
	uint32_t mask = 0;

	for (uint32_t i = 0; i < ndir; i++) {
		if (dir[i].owner == core) {
			mask |= 1u << i;
		}
	}
	return mask;
}

static int tried(uint32_t c)
{
	return mv.tried[c / 64] >> (c % 64) & 1;
}

/* recover_core: where device i goes now that its core is lost: its
 * manifest fallback if live, else the lowest-numbered live core but 0,
 * else core 0; NONE when every core has been tried */
static uint32_t recover_core(uint32_t i)
{
	uint32_t f = dir[i].fallback;

	if (f < me.ncores && !health_lost(f) && !tried(f)) {
		return f;
	}
	for (uint32_t c = 1; c < me.ncores; c++) {
		if (!health_lost(c) && links[c].up && !tried(c)) {
			return c;
		}
	}
	return tried(0) ? NONE : 0;
}

/* recover_step: adopt on the next candidate, or give up */
static void recover_step(void)
{
	uint32_t to = recover_core(mv.index);

	if (to == NONE) {
		printf("monitor 0: %s: no live core could take it: it stays "
		       "without an owner\n",
		       dir[mv.index].name);
		move_done(E_AGAIN, 0);
		return;
	}
	mv.to = to;
	mv.tried[to / 64] |= 1ull << (to % 64);
	printf("monitor 0: %s: its core %u is lost; starting its driver on "
	       "core %u\n",
	       dir[mv.index].name, mv.from, to);
	move_step(2, to);
}

static void recover_adopted(int err, uint32_t pid)
{
	if (err == 0) {
		set_owner(mv.index, mv.to, pid);
		tell(mv.index, -1);
		printf("monitor 0: %s recovered on core %u, driver pid 0x%x\n",
		       dir[mv.index].name, mv.to, pid);
		move_done(0, pid);
		return;
	}
	printf("monitor 0: %s: core %u cannot take it (%s)\n",
	       dir[mv.index].name, mv.to, err_msg(err));
	recover_step();
}

static void recover_next(void)
{
	uint32_t i;

	if (mv.active || !recover_mask) {
		return;
	}
	i = (uint32_t)__builtin_ctz(recover_mask);
	recover_mask &= ~(1u << i);
	if (i >= ndir || dir[i].owner >= me.ncores ||
	    !health_lost(dir[i].owner)) {
		recover_next(); /* moved meanwhile */
		return;
	}
	memset(&mv, 0, sizeof(mv));
	mv.active = 1;
	mv.recovering = 1;
	mv.index = i;
	mv.from = dir[i].owner;
	mv.route = -1;
	/* fenced by core 0 already (health.c): no longer the lost core's */
	set_owner(i, NONE, 0);
	tell(i, -1);
	recover_step();
}

void devices_core_lost(uint32_t core)
{
	if (me.core_id != 0) {
		return;
	}
	for (uint32_t i = 0; i < ndir; i++) {
		if (dir[i].owner != core) {
			continue;
		}
		if (driver_of(dir[i].name)) {
			recover_mask |= 1u << i;
		} else {
			set_owner(i, NONE, 0); /* nothing to restart */
			tell(i, -1);
		}
	}
	recover_next();
}

/* the replies to our own calls of a move: matched (route and call id) by
 * the relay table, which passes them here with kind MOVE */
int on_dev_release_reply(void *vctx,
			 const struct monitor_dev_release_reply *m)
{
	struct ctx *cx = vctx;

	if (!cx->relay || cx->relay->kind != MOVE || !mv.active ||
	    mv.stage != 1) {
		return 0;
	}
	move_released(m->err);
	return 0;
}

int on_dev_adopt_reply(void *vctx, const struct monitor_dev_adopt_reply *m)
{
	struct ctx *cx = vctx;

	if (!cx->relay || cx->relay->kind != MOVE || !mv.active ||
	    (mv.stage != 2 && mv.stage != 3)) {
		return 0;
	}
	move_adopted(m->err, m->driver_pid);
	return 0;
}

/* own_call_failed: a call of a move got an `error` answer, or none in
 * time: the move goes on as if the core had answered err */
void own_call_failed(const struct relay_entry *e, int err)
{
	if (e->kind != MOVE || !mv.active) {
		return;
	}
	printf("monitor %u: %s to core %d failed: %s\n", me.core_id,
	       monitor_msg_name(e->req_type), e->to, err_msg(err));
	if (mv.stage == 1) {
		move_released(err);
	} else {
		move_adopted(err, 0);
	}
}
