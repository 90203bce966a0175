/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the monitor share (main.c, mesh.c, place.c,
 * naming.c, memory.c, devices.c, agree.c, health.c, load.c). One monitor runs per core,
 * single-threaded: none of this needs a lock.
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <stdint.h>
#include <libos/sys.h>
#include <channels/binding.h>
#include <channels/relay.h>
#include <monitor_if.h>
#include "policy.h"

#define MAX_CORES 256
#define MAX_PROCS 32
#define PROC_ROUTE 1000
#define MAX_PENDING 64
#define MAX_WATCH 64

/* How long a relayed call may take before the monitor forgets it and
 * answers the asker E_TIMEOUT (libos's MON_CALL_NS is longer). */
#define MONITOR_RELAY_NS (20ull * 1000 * 1000 * 1000)

/* A link to the monitor of core (index): its binding (with a 1 KiB
 * reassembly buffer) is allocated when the link comes up (route_attach):
 * most cores talk to a handful of others, so an idle core keeps a
 * pointer a core, not MAX_CORES bindings. */
struct link {
	struct binding *b; /* 0 until the link first comes up */
	int up;
};

struct pchan {
	/* to a process of this core: allocated when the slot is taken
	 * (route_reserve), freed when its process ended (route_release) */
	struct binding *b;
	uint32_t pid;	  /* 0: slot free */
	void *va;	  /* our end of its channel (closed at its exit) */
	uint32_t rights;  /* SYS_RIGHT_* it was spawned with */
	char app[32];	  /* the program it runs (a boot module name) */
	uint32_t spawner; /* who asked for it (spawn_req's by_pid), 0: us */
	int vouched;	  /* started by us (manifest, driver) or an admin */
	uint64_t borrowed; /* bytes it asked to borrow (memory.c) */
	/* cores whose servers it bound to (naming.c): each is told when it
	 * ends, so their servers drop it */
	uint64_t bound_cores[MAX_CORES / 64];
};

/* What a relayed call's reply needs on its way back (relay_entry.kind):
 * RELAY nothing (mesh.c passes it back as it came); the others are
 * dispatched to their reply handler with the entry in ctx.relay. */
enum { RELAY = 0, BORROW = 1, PLACE = 2, SPAWN = 3, BIND = 4, MOVE = 5 };

/* the `from` of a relay entry for the monitor's own call (a device move's
 * steps): its reply goes to the handler, a failure to own_call_failed */
#define ROUTE_SELF (-1)

#define ROUTE(r) ((void *)(intptr_t)(r))

struct ctx {
	int route; /* where the message being handled came from */
	/* for a reply handler: the relayed call it answers (0: none) */
	const struct relay_entry *relay;
};

/* this core's identity, links and process channels (mesh.c) */
extern struct sys_info me;
extern struct link links[MAX_CORES];
extern struct pchan procs[MAX_PROCS];
extern struct relay_table relays; /* calls relayed to other monitors */
extern uint64_t link_msgs; /* sent or received on links since boot */

/* the dispatch table (main.c) */
extern const struct monitor_handlers handlers; /* traced */
extern const struct monitor_handlers handlers_plain; /* tracing off */

/* mesh.c */
/* route_binding: the binding of a route (a program's while it holds its
 * slot, a link's while it is up), or NULL; route_chan: its channel
 * (inline: every message handled asks again, its handler may have
 * closed the route) */
static inline __attribute__((always_inline)) struct binding *
route_binding(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return procs[route - PROC_ROUTE].pid
			   ? procs[route - PROC_ROUTE].b
			   : 0;
	}
	if (route >= 0 && route < MAX_CORES && links[route].up) {
		return links[route].b;
	}
	return 0;
}

static inline struct chan *route_chan(int route)
{
	struct binding *b = route_binding(route);

	return b ? &b->ch : 0;
}
int send_on(void *tctx, uint8_t type, const void *buf, size_t len);
void watch_add(uint32_t pid, int route);
int watch_take(uint32_t pid);
int relay_target(uint32_t core);
/* route_reserve: route's binding exists (allocated on its first use:
 * 0, or E_NOMEM); route_attach reserves it too */
int route_reserve(int route);
/* route_release: a program's route is free again: its binding goes */
void route_release(int route);
int route_attach(int route, void *frame, int side, uint32_t peer_core,
		  uint32_t peer_pid);
uint64_t relays_expire(void);
void relay_limit_last(uint64_t ns);
uint32_t route_pid(int route);
/* outq_flush: messages waiting for room in a link or a program's ring
 * go out (mesh.c); outq_pending: how soon to look again while some still
 * wait (ns; 0: none waits); outq_drop: what waits for route goes (its
 * program ended); outq_release: with every queue empty for a second, the
 * heap's free top goes back to the core; else when to ask again (0:
 * nothing to release) */
uint64_t outq_pending(void);
void outq_drop(int route);
uint64_t outq_release(uint64_t now);
/* outq_quiet: nothing queued and nothing to release: the loop's sleep
 * needs no clock for the queues */
int outq_quiet(void);
/* link_has_room: a message to link route would not be lost */
int link_has_room(int route);
/* proc_slot: this core's process pid (not a monitor), or NULL */
struct pchan *proc_slot(uint32_t pid);
int pid_route(uint32_t pid);
/* drain: what arrived on route, whose channel c holds a message */
int drain(int route, struct chan *c);
/* drain_all: drain every program's route and the links linkscan.h
 * picks (mesh.c) */
int drain_all(void);
int set_sleep(int sleep);
/* link_mark_up: the link to core is up (drain_all and set_sleep visit it) */
void link_mark_up(uint32_t core);
/* links_look_all: the next pass looks at every link, not only the hot
 * ones (monitor/linkscan.h): after a wake-up */
void links_look_all(void);
/* nothing_due: a handler's answer ended this monitor's part and nothing
 * is on its way to it (agree.c sets it after the last message it handled,
 * drain() clears it before each); sleep_at_once: that, and no relayed call
 * nor queued message waits either: the loop sleeps without its poll
 * window (mesh.c) */
extern int nothing_due;
/* local_sent: something went to a program of this core since the loop
 * last went idle (main.c then yields to it before its poll window) */
extern int local_sent;
/* local_rang: a program of this core slept on its channel and we rang
 * it since the loop last yielded (main.c yields to it after the pass) */
extern int local_rang;
/* pass_sent: the route the loop's current pass last sent on (-1:
 * nothing; main.c resets it before each pass, send_on sets it) */
extern int pass_sent;
/* heard_route: a link whose next message is timed (-1: none); drain
 * stamps heard_tsc (timing_tsc) when it takes one from it and clears
 * heard_route (main.c's lingering) */
extern int heard_route;
extern uint64_t heard_tsc;
/* bells_hold: the doorbells sends ring wait until bells_ring, which rings
 * them in one system call (a fan-out to several cores; mesh.c). Our own
 * core's doorbells wait for bells_yield or bells_wait (sys_yield and
 * sys_wait that ring them in the same system call); the monitor yields
 * or waits only through these. */
void bells_hold(void);
void bells_ring(void);
void bells_yield(void);
uint32_t bells_wait(uint64_t timeout_ns);
/* bells_wait_beat: bells_wait for a wait whose timeout is only our next
 * heartbeat: the CPU driver sends it for us if nothing else comes
 * (SYS_WAIT_BEAT; health_beat_wait says when) */
uint32_t bells_wait_beat(uint64_t timeout_ns);
/* relays_idle: no relayed call and no agreement waits for a deadline */
int relays_idle(void);
void join_mesh(void);

/* place.c */
int spawn_here(const char *app, const char *args, const struct sys_grant *grant,
	       uint32_t *pid);
int on_spawn_req(void *vctx, const struct monitor_spawn_req *m);
int on_spawn_reply(void *vctx, const struct monitor_spawn_reply *m);
int on_core_stat_req(void *vctx, const struct monitor_core_stat_req *m);
int on_exit_note(void *vctx, const struct monitor_exit_note *m);
int on_ps_req(void *vctx, const struct monitor_ps_req *m);
int on_kill_req(void *vctx, const struct monitor_kill_req *m);
/* asker: the process slot of a program route (one holding nothing if the
 * program is gone), NULL for a monitor's */
struct pchan *asker(int route);
/* what runs on the other cores (core 0, docs/failures.md): proc_born
 * adds, ran_gone drops an exit; procs_core_lost reports a lost core's
 * processes to their watchers with MON_EXIT_LOST */
int on_proc_born(void *vctx, const struct monitor_proc_born *m);
void ran_gone(uint32_t pid);
void procs_core_lost(uint32_t core);
void start_manifest_programs(void);

/* naming.c */
int on_export_req(void *vctx, const struct monitor_export_req *m);
int on_bind_req(void *vctx, const struct monitor_bind_req *m);
int on_bind_reply(void *vctx, const struct monitor_bind_reply *m);
int on_services_req(void *vctx, const struct monitor_services_req *m);

/* memory.c */
int on_mem_borrow_req(void *vctx, const struct monitor_mem_borrow_req *m);
int on_lend_req(void *vctx, const struct monitor_lend_req *m);
int on_lend_reply(void *vctx, const struct monitor_lend_reply *m);
int on_give_back(void *vctx, const struct monitor_give_back *m);
void give_back_unused(void);

/* devices.c */
void devices_init(void);
void devices_start_drivers(void);
void devices_proc_gone(uint32_t pid);
/* devices_claim: the device (directory index + 1) that a program `app`
 * spawned on this core is to drive: a `nodriver` device of this core
 * whose manifest line names app (or whose usual driver app is) and that
 * has no live driver; 0: none. devices_claimed: it was spawned as pid. */
uint32_t devices_claim(const char *app);
void devices_claimed(uint32_t device, uint32_t pid);
/* devices_of: the devices (directory index bits) core owns now;
 * devices_core_lost: core 0 moves those of a lost (and fenced) core to
 * live cores and starts their drivers there (docs/failures.md) */
uint32_t devices_of(uint32_t core);
void devices_core_lost(uint32_t core);
int on_dev_owner(void *vctx, const struct monitor_dev_owner *m);
int on_devices_req(void *vctx, const struct monitor_devices_req *m);
int on_move_req(void *vctx, const struct monitor_move_req *m);
int on_dev_release_req(void *vctx, const struct monitor_dev_release_req *m);
int on_dev_release_reply(void *vctx,
			 const struct monitor_dev_release_reply *m);
int on_dev_adopt_req(void *vctx, const struct monitor_dev_adopt_req *m);
int on_dev_adopt_reply(void *vctx, const struct monitor_dev_adopt_reply *m);
void own_call_failed(const struct relay_entry *e, int err);

/* naming.c: forget what a process that ended exported */
void naming_forget(uint32_t pid);
int on_proc_gone(void *vctx, const struct monitor_proc_gone *m);
/* naming_core_lost: core was lost: its services, its clients' bindings
 * to this core's servers, and this core's programs' bindings to it go
 * (docs/failures.md, "Containment") */
void naming_core_lost(uint32_t core);
/* naming_proc_ended: a process of this core ended: its bindings to
 * servers anywhere are closed (unbind), bindings to it are forgotten */
void naming_proc_ended(const struct pchan *p, uint32_t pid);
int on_unbind(void *vctx, const struct monitor_unbind *m);
/* naming_limits: services and bindings used and sizes (limits_reply) */
void naming_limits(struct monitor_limits_reply *rep);

/* limits (place.c) */
int on_limits_req(void *vctx, const struct monitor_limits_req *m);
/* watch_count (mesh.c): watch entries in use */
int watch_count(void);
/* memory.c: ranges borrowed and not given back, and how many may be */
/* BORROWED_MAX 0: no fixed size, the kernel's table grows in its own
 * frames (frame.c); borrowed_ranges is what sys_mem_adopt last said, less
 * what went back since */
#define BORROWED_MAX 0
extern uint32_t borrowed_ranges;

/* agree.c */
int on_agree_req(void *vctx, const struct monitor_agree_req *m);
int on_agree_down(void *vctx, const struct monitor_agree_down *m);
int on_agree_up(void *vctx, const struct monitor_agree_up *m);
int on_link_offer(void *vctx, const struct monitor_link_offer *m);
/* closes_drain: pass our kernel's closes of other cores' channel frames to
 * their cores (closing.c); on_chan_closed: such a close reached us */
int closes_drain(void);
int on_chan_closed(void *vctx, const struct monitor_chan_closed *m);
/* agree_expire: operations whose children did not all answer in time are
 * answered E_TIMEOUT; returns the next deadline (0: none waits) */
uint64_t agree_expire(void);
/* agree_waiting: operations this monitor still waits for answers to */
int agree_waiting(void);
/* agree_core_lost: operations waiting for core are answered E_LOST */
void agree_core_lost(uint32_t core);
/* memory_core_lost: what this core lent core returns here; core is never
 * asked to lend again */
void memory_core_lost(uint32_t core);

/* health.c: failure detection (docs/failures.md) */
/* health_tick: heartbeats (cores but 0) and the judge's look (core 0)
 * when one is due; returns when the next is (sys_time_ns; 0: detection
 * off). Called by relays_expire before every sleep. */
uint64_t health_tick(void);
/* health_tick_ns: the clock the last health_tick read (valid after one
 * that returned a deadline: it read the clock for it) */
uint64_t health_tick_ns(void);
/* health_beat_wait: a sleep until `due` waits only for our next heartbeat
 * (cores but 0): the CPU driver may send it (bells_wait_beat).
 * health_own_beats: the heartbeats this monitor sent itself. */
int health_beat_wait(uint64_t due);
uint64_t health_own_beats(void);
/* health_lost: core was declared lost: nothing goes to it any more */
int health_lost(uint32_t core);
int on_heartbeat(void *vctx, const struct monitor_heartbeat *m);
int on_lost_ask(void *vctx, const struct monitor_lost_ask *m);
int on_lost_vote(void *vctx, const struct monitor_lost_vote *m);
int on_core_lost(void *vctx, const struct monitor_core_lost *m);
int on_fail_req(void *vctx, const struct monitor_fail_req *m);
int on_health_req(void *vctx, const struct monitor_health_req *m);

/* load.c: what each monitor reports of its core's load (on the
 * heartbeat) and core 0's placement of `any` by it (docs/monitor.md).
 * load_sample: this core's load into hb; 1 if it changed materially
 * since load_reported last saw it sent. load_heard (core 0): core's
 * report. load_spawned, load_exit: a program placed with `any` started;
 * a program ended (its exit note, or reaped here). load_pick (core 0):
 * the least loaded core but 0 for which skip says 0; 0 if none. */
int load_sample(struct monitor_heartbeat *hb);
void load_reported(const struct monitor_heartbeat *hb);
void load_heard(uint32_t core, const struct monitor_heartbeat *m);
void load_spawned(uint32_t pid);
void load_exit(uint32_t pid);
uint32_t load_pick(int (*skip)(uint32_t core));

/* main.c */
int on_ping(void *vctx, const struct monitor_ping *m);
/* on_move_checked: move_req, refused unless an admin asks (main.c) */
int on_move_checked(void *vctx, const struct monitor_move_req *m);

/* tracing.c: the clock measurement at boot (the handler table is there
 * too, with the tracing of monitor operations) */
void clock_start(void);

/*
 * The loop's quick looks, inline: a pass that finds nothing to do pays no
 * call for them (every pass of every monitor asks each).
 *   outq_flush: messages waiting for room (mesh.c's queues) go out
 *   reap: exits the kernel says ended are reaped (place.c)
 *   closes_holding: a channel close taken waits for room in its link
 *     (closing.c)
 *   sleep_at_once: nothing_due, and no relayed call, no agreement and no
 *     queued message waits: the loop may sleep without its poll window,
 *     which exists so that an answer on its way needs no doorbell (a
 *     monitor whose part ended waits for nothing, and polling would only
 *     hold the core: docs/benchmarks.md, "Agreement")
 */
extern uint32_t outq_links, outq_progs; /* mesh.c: routes with a queue */
extern volatile uint32_t exits_queued;	/* place.c: the kernel's word */
extern bool closes_held;		/* closing.c */
extern uint32_t agree_ops;		/* agree.c: a bit per operation */
int outq_flush_some(void);
int reap_some(void);

static inline int outq_flush(void)
{
	return outq_links || outq_progs ? outq_flush_some() : 0;
}

static inline int reap(void)
{
	return exits_queued ? reap_some() : 0; /* nothing ended: no call */
}

static inline int closes_holding(void)
{
	return closes_held;
}

static inline int sleep_at_once(void)
{
	return nothing_due && !outq_links && !outq_progs && relays.used == 0 &&
	       (!agree_ops || agree_waiting() == 0);
}

#endif
