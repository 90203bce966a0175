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
 * docs/monitor.md), except those of a tree of monitors (agree.c), which
 * makes the links it needs on first use. Every process a monitor starts
 * gets a channel to it.
 *
 * Routes: a message arrives on a route - a link (the peer core's number)
 * or a process channel (PROC_ROUTE + slot) - and answers go back on it.
 * Calls relayed to another monitor get a fresh call id; `pending`
 * remembers where the answer goes. `watch` remembers who asked for each
 * process, so its exit note reaches them.
 *
 * The loop: handle everything that arrived, collect exits, poll for
 * another 50 us, then tell
 * every channel we sleep and halt (SYS_WAIT) until a doorbell or an exit.
 */
#include "monitor.h"
#include "lingerrule.h"
#include <libos/timing.h>
#include <stdio.h>
#include <string.h>

int on_ping(void *vctx, const struct monitor_ping *m)
{
	struct ctx *cx = vctx;
	struct monitor_pong p;

	p.stamp = m->stamp;
	p.payload_len = m->payload_len;
	memcpy(p.payload, m->payload, m->payload_len);
	return monitor_reply_ping(send_on, ROUTE(cx->route), m, &p);
}

/* on_move_checked: only an admin moves a device (devices.c does the
 * move): the asker's monitor writes who asks, core 0's refuses others */
int on_move_checked(void *vctx, const struct monitor_move_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_move_req fwd = *m;
	struct monitor_move_reply rep = {0, E_PERM, 0};
	struct pchan *by = asker(cx->route);

	if (by) {
		fwd.by_pid = by->pid;
		fwd.by_rights = by->rights;
	}
	if (me.core_id == 0 && !(fwd.by_rights & SYS_RIGHT_ADMIN)) {
		printf("monitor 0: refused move of %s to core %u by 0x%x: not "
		       "admin\n",
		       fwd.name, fwd.core, fwd.by_pid);
		return monitor_reply_move(send_on, ROUTE(cx->route), m, &rep);
	}
	return on_move_req(vctx, &fwd);
}

static int poll_all(void)
{
	int done = outq_flush() + reap();

	if (closes_holding()) {
		done += closes_drain();
	}

	return done + drain_all();
}

#define POLL_NS 50000ull /* 50 us */

/* rings_asleep: our rings still say we sleep (set_sleep(1) before the
 * last wait). A wake-up leaves them so: most wake-ups handle what came
 * in one pass and sleep again at once, and a ring that says we sleep
 * only makes a sender ring a doorbell we do not need (it ends our next
 * wait at once; nothing is lost). They are woken (set_sleep(0)) only
 * when we stay up for another pass or poll (stay_up): a busy monitor is
 * not rung for every message. Saves a walk of every ring per wake-up
 * (docs/benchmarks.md, "Agreement: where its instructions go"). */
static int rings_asleep;

static void stay_up(void)
{
	if (rings_asleep) {
		rings_asleep = 0;
		set_sleep(0);
	}
}

#define LINGER_NS 50000ull /* 50 us */

/* Lingering: when our part ended with an answer sent on a link and
 * nothing of this core waits to run, the next message on that link often
 * comes soon (the next operation of an agreement, a borrower's next
 * call). If lingerrule.h says so (it came within twice LINGER_NS last
 * time, or nothing is known yet, and no linger ran out in the last few
 * answers), that link alone is watched for up to LINGER_NS before we halt,
 * its ring saying we are awake: the message then comes without a
 * doorbell, and needs no halt and no wake-up (on one host thread,
 * icount, a look is a few instructions and a pause that lets the other
 * vCPUs run, against about 900 for the doorbell, the interrupt, the wake
 * and the way back to sleep). If it came later, we halt at once: a wait
 * that long would only have held the core (and, where vCPUs outnumber
 * host CPUs, a host CPU the others need). Messages on other routes wait
 * at most the window. docs/benchmarks.md, "Agreement: lingering on the
 * link just answered".
 *
 * answered_tsc: when we last answered on a link; rule: whether to
 * linger (lingerrule.h), from the gap between such an answer and that
 * link's next message */
static uint64_t answered_tsc;
static struct lingerrule rule;

/* linger: watch link `route` for a message until `window` TSC ticks
 * have passed; 1: a message came (make a pass), 0: go to sleep */
static int linger(int route, uint64_t window)
{
	struct chan *c = route_chan(route);
	uint64_t t0 = timing_tsc();

	if (!c) {
		return 0;
	}
	chan_wake(c);
	while (!chan_pending(c)) {
		if (timing_tsc() - t0 >= window) {
			chan_sleep(c);
			return chan_pending(c);
		}
		ring_relax();
	}
	return 1;
}

/* answered: our part ended with an answer on link `route`: its next
 * message is timed (mesh.c's heard_route), and we linger if lingerrule.h
 * says so */
static int answered(int route, uint64_t window)
{
	answered_tsc = timing_tsc();
	heard_route = route;
	heard_tsc = 0;
	if (!lingerrule_ask(&rule, window)) {
		return 0;
	}
	if (linger(route, window)) {
		return 1;
	}
	lingerrule_missed(&rule, window);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t idle_since = 0, due, poll_tsc, linger_tsc;
	uint32_t ev = 0;
	unsigned busy = 0;
	int at_once = 0, quiet_here = 0;

	(void)argc;
	(void)argv;
	if (sys_info(&me) < 0) {
		return 1;
	}
	poll_tsc = POLL_NS * me.tsc_khz / 1000000;
	linger_tsc = LINGER_NS * me.tsc_khz / 1000000;
	devices_init();
	join_mesh();
	clock_start();
	sys_monitor_up();
	devices_start_drivers();
	start_manifest_programs();
	for (;;) {
		pass_sent = -1;
		if (poll_all()) {
			if (heard_tsc) {
				/* the link we answered spoke again */
				lingerrule_gap(&rule, heard_tsc - answered_tsc);
				heard_tsc = 0;
			}
			/* a monitor kept busy still meets its deadlines */
			if (++busy % 64 == 0) {
				relays_expire();
				closes_drain();
			}
			idle_since = 0;
			/* our part ended with what this pass handled: sleep
			 * now, without a pass that would find nothing
			 * (set_sleep looks at every ring once more, and an
			 * exit or a close ends the wait at once: the kernel
			 * keeps them as events) */
			at_once = sleep_at_once() && !closes_holding();
			if (!at_once) {
				stay_up();
				/* a program of this core that slept waiting
				 * for what we sent runs now, not after our
				 * next pass (it is the woken process: the
				 * yield goes to it, not round robin) */
				if (local_rang) {
					local_sent = 0;
					bells_yield();
				} else {
					/* what we sent is answered by other
					 * cores: let them run before the next
					 * pass (under icount a pass costs the
					 * others its instructions; at 64
					 * cores an empty one is ~2,000) */
					ring_relax();
				}
				continue;
			}
			/* nothing of this core to run: we may linger */
			quiet_here = !local_sent && !local_rang;
			local_sent = 0; /* our wait runs it, as a yield would */
		} else if (!idle_since) {
			/* poll briefly before sleeping: a reply that is on
			 * its way then needs no doorbell (the window in TSC
			 * ticks, read in ring 3: no system call of its own
			 * per pass) */
			idle_since = timing_tsc();
			/* a program of this core that waits for what we sent
			 * runs now, not after our window (the kernel runs a
			 * process a doorbell of its own core woke only when
			 * the ringer waits or yields) */
			if (local_sent || local_rang) {
				local_sent = 0;
				bells_yield();
			}
		}
		if (!at_once && idle_since &&
		    timing_tsc() - idle_since < poll_tsc && !sleep_at_once()) {
			stay_up();
			ring_relax();
			continue;
		}
		idle_since = 0;
		nothing_due = 0;
		/* our part ended with an answer to another monitor (the
		 * last we sent went on a link) and nothing of this core
		 * waits to run: watch that link a moment */
		if (at_once && quiet_here && pass_sent >= 0 &&
		    pass_sent < PROC_ROUTE && answered(pass_sent, linger_tsc)) {
			at_once = 0;
			continue;
		}
		/* relayed calls past their deadline are answered; the next
		 * deadline bounds the sleep (sleeping at once, none is
		 * waiting: only the heartbeat is due) */
		due = at_once ? health_tick() : relays_expire();
		if (set_sleep(1)) {
			/* something arrived meanwhile: no wait */
		} else if (!due && outq_quiet()) {
			/* nothing due, nothing queued: no clock to read */
			ev = bells_wait(0);
		} else {
			/* sleeping at once with a heartbeat due, health_tick
			 * read the clock a moment ago: not worth a read of its
			 * own (the wait ends that much later); no relayed call
			 * or agreement waits */
			uint64_t now =
			    at_once && due ? health_tick_ns() : sys_time_ns();
			uint64_t rel = outq_release(now);
			uint64_t poll = outq_pending();

			if (rel && (!due || rel < due)) {
				due = rel;
			}

			/* messages waiting for room: look again soon */
			if (poll && (!due || due > now + poll)) {
				due = now + poll;
			}
			uint64_t t = !due ? 0 : due > now ? due - now : 1;

			/* only our heartbeat is due, nothing else waits
			 * for a deadline or for room: the driver sends it
			 * while we sleep on (docs/failures.md) */
			ev = health_beat_wait(due) && outq_quiet() &&
					 (at_once || relays_idle())
				 ? bells_wait_beat(t)
				 : bells_wait(t);
		}
		at_once = 0;
		rings_asleep = 1;
		/* a doorbell woke us (or the time): it does not say on which
		 * link, so the next pass looks at all of them */
		links_look_all();
		if (ev & SYS_EV_CLOSED) {
			closes_drain();
		}
		ev = 0;
	}
}
