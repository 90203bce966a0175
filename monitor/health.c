// SPDX-License-Identifier: MIT
/*
 * Failure detection: which cores are alive, and the agreement that
 * declares one lost (docs/failures.md).
 *
 * Signs of life: any message a monitor takes from a link (the ring's
 * receive sequence, read here: nothing is counted per message). Every
 * monitor but core 0's looks every period (a quarter of the deadline) at
 * what it sent core 0: if it sent nothing since its last look, it sends a
 * heartbeat, without a doorbell (core 0 looks at least as often). So an
 * idle core wakes once a period and a busy one sends nothing extra.
 *
 * The judge: core 0's monitor, once the system is ready, looks every
 * sixteenth of the deadline at each link. A core it heard nothing from
 * for the deadline less a window (an eighth of the deadline) is suspect:
 * core 0 asks every live monitor (lost_ask; the suspect too: its last
 * chance) and waits the window for their lost_vote, so that a core is
 * declared when it has been silent for the deadline, not a window
 * later. A vote that heard the suspect, or any message from
 * it, clears it; otherwise, with more than half of those asked agreeing,
 * core 0 declares it lost once (core_lost to every live monitor, one log
 * line). Fewer votes: it asks again.
 *
 * Never a false alarm under load (a 255-core boot under TCG on 2 host
 * CPUs): the deadline is at least DEADLINE_PER_CORE_MS per core, and a
 * judge that itself ran late (its look came more than half a deadline
 * after it was due: the host starved the whole machine, not one core)
 * restarts every core's deadline.
 *
 * Containment (this slice): a lost core's link is taken down at every
 * monitor (nothing is read from it or sent to it any more, what waited
 * for it is dropped), calls relayed to it are answered E_LOST at once,
 * and new ones are refused (relay_target, place.c). Fencing, its devices,
 * processes and services are the next slices' (docs/failures.md).
 *
 * `fail CORE panic|hang|monitor` (fail_req) makes a core fail on purpose.
 */
#include "monitor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull
#define DEADLINE_PER_CORE_MS 25

/*
 * Per core, kept small (an idle core's monitor must stay within the
 * footprint, docs/cpudriver.md): every monitor keeps a lost bit and, on
 * the heap sized to the cores there are, the signs of life of its links
 * (`sign`); only core 0 keeps the questions (`judge`); why a core was
 * lost is kept for the first LOST_WHY_MAX lost cores (`why`).
 */
#define LOST_WHY_MAX 16

static uint64_t lost_bits[MAX_CORES / 64];
static struct sign {
	uint64_t alive_ns; /* when seen last changed (or judging began) */
	uint64_t seen;	   /* its link's receive sequence at the last look */
	uint32_t kseen;	   /* core 0: its driver's heartbeats at the last
			      look (SYS_BEATS) */
} *sign;
static struct sys_beat *kbeats; /* core 0: SYS_BEATS' answer, a core each */
static struct judge {
	uint64_t round_end;
	uint32_t round; /* the question out about it (0: none) */
	uint16_t asked, votes;
	uint8_t vetoed;
} *judges;
static struct why {
	uint32_t core, silent_ms, voters;
	uint64_t at_ms;
} why[LOST_WHY_MAX];
static unsigned nwhy;

static int started;	     /* health_tick has set up */
static uint64_t deadline_ns; /* 0: detection off */
static uint64_t period_ns; /* the others' look (heartbeats) */
static uint64_t look_ns;   /* core 0's look: a sixteenth of the deadline */
static uint64_t window_ns; /* the question's: an eighth of the deadline */
static uint64_t next_ns;   /* the next look */
static uint64_t last_ns;   /* the last look (core 0: lateness) */
static uint64_t tick_ns;   /* the clock health_tick read last */
static int judging;	   /* core 0, once the system is ready */
static uint64_t sent_seen; /* others: our send sequence to core 0 */
static uint64_t own_beats; /* others: heartbeats we sent ourselves */
static uint32_t rounds;

static void start(void)
{
	struct sys_info in;
	uint64_t ms, floor_ms;

	started = 1;
	if (sys_info(&in) < 0 || !in.lost_after_ms || !me.tsc_khz ||
	    me.ncores < 2) {
		return; /* detection off */
	}
	sign = calloc(me.ncores, sizeof(*sign));
	judges = me.core_id == 0 ? calloc(me.ncores, sizeof(*judges)) : NULL;
	kbeats = me.core_id == 0 ? calloc(me.ncores, sizeof(*kbeats)) : NULL;
	if (!sign || (me.core_id == 0 && (!judges || !kbeats))) {
		printf("monitor %u: no memory for failure detection: it is "
		       "off\n",
		       me.core_id);
		return;
	}
	floor_ms = (uint64_t)DEADLINE_PER_CORE_MS * me.ncores;
	ms = in.lost_after_ms > floor_ms ? in.lost_after_ms : floor_ms;
	deadline_ns = ms * MS;
	period_ns = deadline_ns / 4;
	look_ns = deadline_ns / 16;
	window_ns = deadline_ns / 8;
	next_ns = sys_time_ns() + (me.core_id == 0 ? look_ns : period_ns);
	if (me.core_id != 0 && links[0].up) {
		sent_seen = links[0].b->ch.tx.seq;
	}
}

int health_lost(uint32_t core)
{
	return core < MAX_CORES && (lost_bits[core / 64] >> (core % 64) & 1);
}

static void set_lost(uint32_t core, uint32_t silent_ms, uint32_t voters,
		     uint64_t at_ms)
{
	lost_bits[core / 64] |= 1ull << (core % 64);
	if (nwhy < LOST_WHY_MAX) {
		why[nwhy++] = (struct why){core, silent_ms, voters, at_ms};
	}
}

static const struct why *why_of(uint32_t core)
{
	for (unsigned i = 0; i < nwhy; i++) {
		if (why[i].core == core) {
			return &why[i];
		}
	}
	return NULL;
}

/* answer_lost: a call relayed to the lost core is answered E_LOST */
static void answer_lost(const struct relay_entry *e)
{
	struct monitor_error err = {e->req_type, e->back_id, E_LOST};

	if (e->from == ROUTE_SELF) {
		own_call_failed(e, E_LOST);
		return;
	}
	monitor_send_error(send_on, ROUTE(e->from), &err);
}

/* contain: core is lost: its link goes down here, what waits for it is
 * answered or dropped */
static void contain(uint32_t core)
{
	struct relay_entry e;

	if (judges) {
		judges[core].round = 0;
	}
	links[core].up = 0; /* the frame stays mapped till fencing */
	outq_drop((int)core);
	for (unsigned i = 0; i < relays.n; i++) {
		if (!relays.e[i].used || relays.e[i].to != (int)core) {
			continue;
		}
		e = relays.e[i];
		relay_drop(&relays, e.out_id);
		answer_lost(&e);
	}
	naming_core_lost(core);
	procs_core_lost(core);
	agree_core_lost(core);
	memory_core_lost(core);
}

/* live: a monitor other than ours that is not lost and has a link */
static int live(uint32_t c)
{
	return c != me.core_id && c < me.ncores && !health_lost(c) &&
	       links[c].up;
}

/* suspect: core 0 is asking about v, or soon will: it has heard nothing
 * from it for the deadline less the window. Its vote is not waited for
 * (several cores that fail together would otherwise never make a
 * majority of those asked); if it answers, its vote counts. */
static int suspect(uint32_t v, uint64_t now)
{
	return judges[v].round ||
	       now - sign[v].alive_ns >= deadline_ns - window_ns;
}

static void ask(uint32_t core, uint64_t now)
{
	struct judge *p = &judges[core];
	struct monitor_lost_ask q = {core, ++rounds};

	p->round = q.round;
	p->round_end = now + window_ns;
	p->asked = p->votes = 0;
	p->vetoed = 0;
	printf("monitor 0: core %u silent for %lu ms (deadline %lu ms): "
	       "asking the other monitors\n",
	       core, (unsigned long)((now - sign[core].alive_ns) / MS),
	       (unsigned long)(deadline_ns / MS));
	for (uint32_t v = 1; v < me.ncores; v++) {
		if (live(v) &&
		    monitor_send_lost_ask(send_on, ROUTE(v), &q) == 0 &&
		    v != core && !suspect(v, now)) {
			p->asked++; /* a voter: a suspect may not answer */
		}
	}
}

/* fence: core is stopped and its devices quiesced before anything of it
 * is reused (SYS_FENCE: INIT IPI, bus mastering and MSI-X off) */
static void fence(uint32_t core)
{
	uint32_t devs = devices_of(core);
	long r = sys_call(SYS_FENCE, core, devs, 0, 0);

	if (r < 0) {
		printf("monitor 0: core %u: cannot fence it: %s\n", core,
		       err_msg((int)r));
		return;
	}
	printf("monitor 0: core %u fenced: stopped (INIT IPI), %ld of its "
	       "devices quiesced\n",
	       core, r);
}

static void declare(uint32_t core, uint64_t now)
{
	struct judge *p = &judges[core];
	struct monitor_core_lost n;

	n.core = core;
	n.silent_ms = (uint32_t)((now - sign[core].alive_ns) / MS);
	n.deadline_ms = (uint32_t)(deadline_ns / MS);
	n.voters = p->votes + 1;
	printf("monitor 0: core %u lost: no sign of life for %u ms (deadline "
	       "%u ms); %u monitors agree\n",
	       core, n.silent_ms, n.deadline_ms, n.voters);
	fence(core);
	set_lost(core, n.silent_ms, n.voters, now / MS);
	contain(core);
	for (uint32_t v = 1; v < me.ncores; v++) {
		if (live(v)) {
			monitor_send_core_lost(send_on, ROUTE(v), &n);
		}
	}
	devices_core_lost(core); /* after core_lost: its new owner knows */
}

/* decide: core's question is out and its window over */
static void decide(uint32_t core, uint64_t now)
{
	struct judge *p = &judges[core];

	if (p->vetoed) {
		printf("monitor 0: core %u is alive: not lost\n", core);
		p->round = 0;
		sign[core].alive_ns = now;
	} else if (p->votes * 2 > p->asked || p->asked == 0) {
		declare(core, now);
	} else {
		ask(core, now); /* too few answers: once more */
	}
}

/* judge: core 0's look at every other core: a message on its link, or
 * a heartbeat its CPU driver sent while its monitor slept (SYS_BEATS:
 * the driver sends one only while the monitor waits in its loop, so it
 * speaks for the monitor) */
static void judge(uint64_t now)
{
	int kb = sys_beats(kbeats, me.ncores) == (long)me.ncores;

	for (uint32_t c = 1; c < me.ncores; c++) {
		struct judge *p = &judges[c];
		uint64_t seq;
		int spoke = 0;

		if (!live(c)) {
			continue;
		}
		seq = links[c].b->ch.rx.seq;
		if (seq != sign[c].seen) {
			sign[c].seen = seq;
			spoke = 1;
		}
		if (kb && kbeats[c].seq != sign[c].kseen) {
			struct monitor_heartbeat hb = {0};

			sign[c].kseen = kbeats[c].seq;
			hb.runnable = kbeats[c].runnable;
			hb.live = kbeats[c].live;
			hb.last_pid = kbeats[c].last_pid;
			hb.free_mib = kbeats[c].free_mib;
			load_heard(c, &hb); /* its load rides on it too */
			spoke = 1;
		}
		if (spoke) {
			sign[c].alive_ns = now;
			if (p->round) {
				p->vetoed = 1; /* it spoke: not lost */
			}
		}
		if (p->round && now >= p->round_end) {
			decide(c, now);
		} else if (!p->round &&
			   now - sign[c].alive_ns >= deadline_ns - window_ns) {
			/* asked a window early: declared at the deadline */
			ask(c, now);
		}
	}
}

/* judge_start: core 0 judges from the system's ready line on */
static void judge_start(uint64_t now)
{
	struct sys_info in;

	if (sys_info(&in) < 0 || !in.ready) {
		return;
	}
	judging = 1;
	if (sys_beats(kbeats, me.ncores) != (long)me.ncores) {
		memset(kbeats, 0, me.ncores * sizeof(*kbeats));
	}
	for (uint32_t c = 1; c < me.ncores; c++) {
		sign[c].seen = links[c].up ? links[c].b->ch.rx.seq : 0;
		sign[c].kseen = kbeats[c].seq;
		sign[c].alive_ns = now;
	}
}

/* forgive: the judge itself ran late: every deadline starts again */
static void forgive(uint64_t now)
{
	for (uint32_t c = 1; c < me.ncores; c++) {
		sign[c].alive_ns = now;
		if (judges[c].round) {
			judges[c].round_end = now + window_ns;
		}
	}
}

/* send_quiet: a heartbeat into core 0's ring, ringing no doorbell */
static int send_quiet(void *tctx, uint8_t type, const void *buf, size_t len)
{
	(void)tctx;
	return chan_msg_send(&links[0].b->ch, type, buf, len);
}

/* beat: a monitor other than core 0's: a heartbeat if it sent core 0
 * nothing since its last look; its direct links' signs of life */
static void beat(uint64_t now)
{
	struct monitor_heartbeat hb = {.deadline_ms = (uint32_t)(deadline_ns / MS)};

	if (links[0].up && !health_lost(me.core_id)) {
		/* our load rides on it: sent too when it changed (load.c) */
		int changed = load_sample(&hb);

		if ((links[0].b->ch.tx.seq == sent_seen || changed) &&
		    monitor_send_heartbeat(send_quiet, 0, &hb) == 0) {
			load_reported(&hb);
			own_beats++;
		}
		sent_seen = links[0].b->ch.tx.seq;
	}
	for (uint32_t c = 1; c < me.ncores; c++) {
		if (live(c) && links[c].b->ch.rx.seq != sign[c].seen) {
			sign[c].seen = links[c].b->ch.rx.seq;
			sign[c].alive_ns = now;
		}
	}
}

int health_beat_wait(uint64_t due)
{
	return me.core_id != 0 && deadline_ns && due && due == next_ns &&
	       links[0].up && !health_lost(me.core_id);
}

uint64_t health_tick_ns(void)
{
	return tick_ns;
}

uint64_t health_own_beats(void)
{
	return own_beats;
}

uint64_t health_tick(void)
{
	uint64_t now, due;

	if (!started) {
		start();
	}
	if (!deadline_ns) {
		return 0;
	}
	now = tick_ns = sys_time_ns();
	if (now < next_ns) {
		return next_ns;
	}
	if (me.core_id != 0) {
		beat(now);
	} else if (!judging) {
		judge_start(now);
	} else {
		if (now - last_ns > look_ns + deadline_ns / 2) {
			forgive(now);
		}
		judge(now);
	}
	last_ns = now;
	next_ns = now + (me.core_id == 0 ? look_ns : period_ns);
	due = next_ns;
	for (uint32_t c = 1; c < me.ncores && me.core_id == 0; c++) {
		if (judges[c].round && judges[c].round_end < due) {
			due = judges[c].round_end;
		}
	}
	next_ns = due;
	return due;
}

/* from_core0: a message only core 0's monitor may send came on route */
static int from_core0(const struct ctx *cx, const char *what)
{
	if (cx->route == 0 && me.core_id != 0) {
		return 1;
	}
	printf("monitor %u: refused %s from route %d: only core 0's monitor "
	       "sends it\n",
	       me.core_id, what, cx->route);
	return 0;
}

int on_heartbeat(void *vctx, const struct monitor_heartbeat *m)
{
	struct ctx *cx = vctx;

	/* a sign of life, seen in the ring's sequence; not work: the link
	 * message count (core_stat, `bench remote`) leaves it out */
	link_msgs--;
	if (me.core_id == 0 && cx->route > 0 && cx->route < (int)me.ncores) {
		load_heard((uint32_t)cx->route, m); /* its load (load.c) */
	}
	return 0;
}

int on_lost_ask(void *vctx, const struct monitor_lost_ask *m)
{
	struct ctx *cx = vctx;
	struct monitor_lost_vote v = {m->core, m->round, 0};
	uint64_t now = sys_time_ns();

	if (!from_core0(cx, "lost_ask") || m->core >= me.ncores) {
		return 0;
	}
	if (m->core == me.core_id) {
		v.heard = 1; /* alive, if late */
	} else if (live(m->core) && deadline_ns &&
		   ((links[m->core].b->ch.rx.seq != sign[m->core].seen &&
		     now - last_ns < deadline_ns) ||
		    now - sign[m->core].alive_ns < deadline_ns)) {
		/* a message since our last look counts only if that look
		 * was within the deadline: our driver may have sent our
		 * heartbeats for a long while, and we looked at nothing */
		v.heard = 1;
	}
	return monitor_send_lost_vote(send_on, ROUTE(0), &v);
}

int on_lost_vote(void *vctx, const struct monitor_lost_vote *m)
{
	struct ctx *cx = vctx;
	struct judge *p;

	if (me.core_id != 0 || !judges || m->core >= me.ncores ||
	    m->core == 0) {
		printf("monitor %u: refused lost_vote about core %u from "
		       "route %d\n",
		       me.core_id, m->core, cx->route);
		return 0;
	}
	p = &judges[m->core];
	if (!p->round || m->round != p->round) {
		return 0; /* a late vote */
	}
	if (m->heard || cx->route == (int)m->core) {
		printf("monitor 0: core %d heard from core %u\n", cx->route,
		       m->core);
		p->vetoed = 1;
	} else {
		p->votes++;
	}
	return 0;
}

int on_core_lost(void *vctx, const struct monitor_core_lost *m)
{
	struct ctx *cx = vctx;

	if (!from_core0(cx, "core_lost") || m->core == 0 ||
	    m->core >= me.ncores || health_lost(m->core)) {
		return 0;
	}
	set_lost(m->core, m->silent_ms, m->voters, sys_time_ns() / MS);
	if (m->core == me.core_id) {
		/* alive but cut off: core 0 reads us no more */
		printf("monitor %u: core 0 declared this core lost (silent %u "
		       "ms)\n",
		       me.core_id, m->silent_ms);
		return 0;
	}
	contain(m->core);
	return 0;
}

int on_health_req(void *vctx, const struct monitor_health_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_health_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.core = m->core;
	rep.deadline_ms = (uint32_t)(deadline_ns / MS);
	rep.judging = me.core_id == 0 && deadline_ns;
	if (m->core >= me.ncores) {
		rep.err = E_RANGE;
	} else if (health_lost(m->core)) {
		const struct why *w = why_of(m->core);

		rep.lost = 1;
		if (w) {
			rep.silent_ms = w->silent_ms;
			rep.voters = w->voters;
			rep.at_ms = w->at_ms;
		}
	}
	return monitor_reply_health(send_on, ROUTE(cx->route), m, &rep);
}

static const char *const fail_kinds[] = {
    "", "kernel panic", "kernel hang (interrupts off)", "monitor exit"};

/* fail_here: this core fails as kind says (the answer is out) */
static void fail_here(uint32_t kind)
{
	/* what waits for room goes first: the answer among it */
	for (int i = 0; i < 1000 && outq_pending(); i++) {
		outq_flush();
	}
	/* our last line reaches the console before a panic writes
	 * straight to the UART, byte by byte, across whatever it prints */
	bells_wait(50 * MS);
	if (kind == 3) {
		exit(0);
	}
	sys_call(SYS_FAIL, kind == 1 ? SYS_FAIL_PANIC : SYS_FAIL_HANG, 0, 0, 0);
}

/* fail_rule: why fail_req may not go on (NULL: it may) */
static const char *fail_rule(const struct monitor_fail_req *m, int *err)
{
	*err = m->core >= me.ncores		   ? E_RANGE
	       : health_lost(m->core)		   ? E_LOST
	       : !(m->by_rights & SYS_RIGHT_ADMIN) ? E_PERM
	       : m->kind < 1 || m->kind > 3	   ? E_INVAL
	       : m->core == 0			   ? E_UNSUPPORTED
						   : 0;
	return *err == E_PERM ? "only an admin may make a core fail"
	       : *err == E_UNSUPPORTED
		   ? "core 0's failure is not contained (docs/failures.md)"
		   : NULL;
}

int on_fail_req(void *vctx, const struct monitor_fail_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_fail_req fwd = *m;
	struct monitor_fail_reply rep = {0, 0};
	struct pchan *by = asker(cx->route);
	const char *rule;
	int to;

	if (by) {
		fwd.by_pid = by->pid;
		fwd.by_rights = by->rights;
	}
	rule = fail_rule(&fwd, &rep.err);
	if (rule) {
		printf("monitor %u: refused fail of core %u by 0x%x: %s\n",
		       me.core_id, fwd.core, fwd.by_pid, rule);
	}
	if (rep.err == 0 && fwd.core != me.core_id) {
		to = relay_target(fwd.core);
		if (to >= 0 &&
		    monitor_fail_relay(&relays, send_on, ROUTE(to), to,
				       cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_AGAIN;
	}
	monitor_reply_fail(send_on, ROUTE(cx->route), m, &rep);
	if (rep.err == 0) {
		printf("monitor %u: failing on purpose (%s), asked by 0x%x\n",
		       me.core_id, fail_kinds[fwd.kind], fwd.by_pid);
		fail_here(fwd.kind);
	}
	return 0;
}
