// SPDX-License-Identifier: MIT
/*
 * Operations every core must acknowledge (agree_req/agree_down/agree_up,
 * measured by `bench remote`) and the direct links between monitors that
 * a tree needs beyond the star (link_offer). Contract in monitor.if.
 *
 * Core 0's monitor is always the root, so in a tree a parent's core
 * number is below its children's: only the lower core of a pair ever
 * offers a link, and two offers for one pair cannot cross. A monitor
 * keeps one entry per operation it is part of, until its subtree has
 * answered; message counts are added up on the way back.
 *
 * Deadlines: the root waits AGREE_NS for its children, every other
 * monitor AGREE_INNER_NS (less, so a silent grandchild is reported by its
 * parent before the root gives up). When the time is up the operation is
 * answered with E_TIMEOUT and what did acknowledge, and each child that
 * did not answer is logged (one line per operation); its late agree_up
 * matches nothing. A deadline counts from when the monitor next looks at
 * its deadlines after fanning out (agree_expire: when it goes idle, at
 * most a poll window later, or every 64 busy passes), so that an
 * operation answered before then never reads the clock.
 *
 * A monitor below the root that has answered upwards waits for nothing
 * more of the operation: it sleeps at once (nothing_due), instead of
 * polling its window first. (The root that answers a program of its own
 * core yields to it before its window: main.c, local_sent.)
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

#define MAX_AGREE 16
#define FANOUT_MAX 64
#define AGREE_NS (10ull * 1000 * 1000 * 1000)
#define AGREE_INNER_NS (7ull * 1000 * 1000 * 1000)

enum { UNICAST = 0, TREE = 1 };

static struct agree {
	int used;
	uint32_t op;
	int from;	  /* route it came on: the parent, or the asker */
	uint32_t call_id; /* root: the asker's call id */
	int waiting;	  /* children yet to answer */
	int32_t err;	  /* the first error met in the subtree */
	uint32_t cores;	  /* monitors of the subtree that acknowledged */
	uint32_t msgs;	  /* messages within the subtree */
	uint64_t deadline_ns;		 /* answered E_TIMEOUT after this */
	uint64_t missing[MAX_CORES / 64]; /* children yet to answer */
} ops[MAX_AGREE];

static uint32_t next_op;
/* bit i: ops[i].used (agree_waiting, on every pass of every monitor,
 * then looks only at operations in progress: usually none) */
uint32_t agree_ops; /* monitor.h */
_Static_assert(MAX_AGREE <= 32, "agree_ops is one word");

/* link_to: a route straight to core c's monitor (c above this core),
 * offering a new link through core 0 when there is none; -1 if none can
 * be made */
static int link_to(uint32_t c)
{
	struct monitor_link_offer o;
	struct sys_chan sc;

	if (c >= me.ncores || c <= me.core_id) {
		return -1;
	}
	if (links[c].up) {
		return (int)c;
	}
	if (!links[0].up || sys_chan_create(&sc, 0, c, 0) < 0) {
		return -1;
	}
	o.from = me.core_id;
	o.to = c;
	o.phys = sc.phys;
	o.seal_seq = sc.seal.seq;
	o.seal_mac = sc.seal.mac;
	if (monitor_send_link_offer(send_on, ROUTE(0), &o) < 0) {
		return -1; /* the frame stays with us, unused */
	}
	if (route_attach((int)c, (void *)sc.va, 0, c, 0) < 0) {
		return -1;
	}
	link_mark_up(c);
	return (int)c;
}

int on_link_offer(void *vctx, const struct monitor_link_offer *m)
{
	struct ctx *cx = vctx;
	struct sys_seal seal = {m->seal_seq, m->seal_mac};
	struct sys_chan sc;
	long r;

	if (route_pid(cx->route) || m->from >= m->to || m->to >= me.ncores) {
		printf("monitor %u: refused a link offer %u -> %u\n",
		       me.core_id, m->from, m->to);
		return 0;
	}
	if (m->to != me.core_id) {
		/* core 0 passes it on */
		if (me.core_id != 0 || !links[m->to].up) {
			printf("monitor %u: cannot pass a link offer to %u\n",
			       me.core_id, m->to);
			return 0;
		}
		return monitor_send_link_offer(send_on, ROUTE(m->to), m);
	}
	if (links[m->from].up) {
		printf("monitor %u: a second link offer from %u ignored\n",
		       me.core_id, m->from);
		return 0;
	}
	r = sys_chan_map(m->phys, &sc, &seal);
	if (r < 0) {
		printf("monitor %u: cannot map the link from %u: %s\n",
		       me.core_id, m->from, err_msg((int)r));
		return 0;
	}
	if (route_attach((int)m->from, (void *)sc.va, 1, m->from, 0) == 0) {
		link_mark_up(m->from);
	}
	return 0;
}

static struct agree *op_new(void)
{
	for (int i = 0; i < MAX_AGREE; i++) {
		if (!ops[i].used) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].used = 1;
			agree_ops |= 1u << i;
			return &ops[i];
		}
	}
	return 0;
}

static bool is_missing(const struct agree *a, uint32_t c)
{
	return c < MAX_CORES && (a->missing[c / 64] >> (c % 64)) & 1;
}

static void set_missing(struct agree *a, uint32_t c, bool on)
{
	if (c >= MAX_CORES) {
		return;
	}
	if (on) {
		a->missing[c / 64] |= 1ull << (c % 64);
	} else {
		a->missing[c / 64] &= ~(1ull << (c % 64));
	}
}

/* op_find: the operation op waiting for an answer from child_route */
static struct agree *op_find(uint32_t op, int child_route)
{
	if (child_route < 0 || child_route >= (int)me.ncores) {
		return 0;
	}
	for (uint32_t m = agree_ops; m; m &= m - 1) {
		struct agree *a = &ops[__builtin_ctz(m)];

		if (a->op == op && a->waiting &&
		    is_missing(a, (uint32_t)child_route)) {
			return a;
		}
	}
	return 0;
}

/* finish: this monitor's subtree has answered: acknowledge upwards */
static int finish(struct agree *a, int root)
{
	int from = a->from;

	a->used = 0;
	agree_ops &= ~(1u << (a - ops));
	a->cores++; /* this monitor */
	if (root) {
		struct monitor_agree_reply rep = {a->call_id, a->err, a->cores,
						  a->msgs};
		return monitor_send_agree_reply(send_on, ROUTE(from), &rep);
	}
	struct monitor_agree_up up = {a->op, a->err, a->cores, a->msgs};
	/* our part is done: nothing of this operation comes to us again */
	nothing_due = 1;
	return monitor_send_agree_up(send_on, ROUTE(from), &up);
}

/* children: the cores [*lo, *hi) this monitor passes an operation to
 * (none when *lo >= *hi: a leaf) */
static void children(uint32_t mode, uint32_t fanout, int root, uint64_t *lo,
		     uint64_t *hi)
{
	if (mode == UNICAST) {
		*lo = root ? 1 : me.ncores;
		*hi = me.ncores;
	} else {
		*lo = (uint64_t)me.core_id * fanout + 1;
		*hi = *lo + fanout;
		*hi = *hi < me.ncores ? *hi : me.ncores;
	}
}

/* fan_out: sends the operation to this monitor's children; answers at
 * once when there are none (or none could be reached) */
static int fan_out(struct agree *a, uint32_t mode, uint32_t fanout, int root)
{
	struct monitor_agree_down d = {a->op, mode, fanout};
	uint8_t msg[IFC_MAX_MSG];
	uint64_t lo, hi;
	/* the same message to every child: marshalled once */
	int len = monitor_agree_down_marshal(&d, msg, sizeof(msg));

	children(mode, fanout, root, &lo, &hi);
	/* the children's doorbells in one system call, after every send */
	bells_hold();
	for (uint64_t c = lo; c < hi; c++) {
		int to;

		if (health_lost((uint32_t)c)) {
			/* a lost core (and in a tree its subtree) is not
			 * asked: the operation ends with E_LOST */
			a->err = a->err ? a->err : E_LOST;
			continue;
		}
		to = mode == UNICAST ? (int)c : link_to((uint32_t)c);
		if (to < 0 || len < 0 ||
		    send_on(ROUTE(to), MONITOR_MSG_AGREE_DOWN, msg,
			    (size_t)len) < 0) {
			a->err = a->err ? a->err : E_UNREACH;
			continue;
		}
		a->waiting++;
		set_missing(a, (uint32_t)to, true);
	}
	bells_ring();
	/* the deadline is stamped by the next agree_expire (0 till then):
	 * most operations are answered before the monitor next goes idle,
	 * and then nobody reads the clock for them */
	a->deadline_ns = 0;
	return a->waiting ? 0 : finish(a, root);
}

int on_agree_req(void *vctx, const struct monitor_agree_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_agree_reply rep = {m->call_id, E_INVAL, 0, 0};
	struct monitor_agree_req fwd = *m;
	struct agree *a;

	if (m->mode > TREE || m->fanout < 1 || m->fanout > FANOUT_MAX) {
		return monitor_reply_agree(send_on, ROUTE(cx->route), m, &rep);
	}
	if (me.core_id != 0) {
		/* core 0 is the root: relay, the answer comes back as is */
		if (monitor_agree_relay(&relays, send_on, ROUTE(0), 0,
					cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_AGAIN;
		return monitor_reply_agree(send_on, ROUTE(cx->route), m, &rep);
	}
	if (!(a = op_new())) {
		rep.err = E_BUSY;
		return monitor_reply_agree(send_on, ROUTE(cx->route), m, &rep);
	}
	a->op = ++next_op;
	a->from = cx->route;
	a->call_id = m->call_id;
	return fan_out(a, m->mode, m->fanout, 1);
}

int on_agree_down(void *vctx, const struct monitor_agree_down *m)
{
	struct ctx *cx = vctx;
	struct monitor_agree_up up = {m->op, E_INVAL, 0, 0};
	struct agree *a;
	uint64_t lo, hi;

	if (route_pid(cx->route) || me.core_id == 0) {
		printf("monitor %u: agree_down from route %d refused\n",
		       me.core_id, cx->route);
		return route_pid(cx->route)
			   ? 0
			   : monitor_send_agree_up(send_on, ROUTE(cx->route),
						   &up);
	}
	if (m->mode > TREE || m->fanout < 1 || m->fanout > FANOUT_MAX) {
		return monitor_send_agree_up(send_on, ROUTE(cx->route), &up);
	}
	/* a leaf (every monitor below a unicast root): no child to ask, no
	 * operation to keep; the answer fan_out and finish would give */
	children(m->mode, m->fanout, 0, &lo, &hi);
	if (lo >= hi) {
		up.err = 0;
		up.cores = 1;
		nothing_due = 1; /* as finish: nothing more of it comes */
		return monitor_send_agree_up(send_on, ROUTE(cx->route), &up);
	}
	if (!(a = op_new())) {
		up.err = E_BUSY;
		return monitor_send_agree_up(send_on, ROUTE(cx->route), &up);
	}
	a->op = m->op;
	a->from = cx->route;
	return fan_out(a, m->mode, m->fanout, 0);
}

int on_agree_up(void *vctx, const struct monitor_agree_up *m)
{
	struct ctx *cx = vctx;
	struct agree *a = op_find(m->op, cx->route);

	if (!a) {
		printf("monitor %u: agree_up %u from route %d matches nothing\n",
		       me.core_id, m->op, cx->route);
		return 0;
	}
	set_missing(a, (uint32_t)cx->route, false);
	a->cores += m->cores;
	a->msgs += m->msgs + 2; /* its subtree's, and down and up here */
	if (m->err && !a->err) {
		a->err = m->err;
	}
	if (--a->waiting) {
		return 0;
	}
	return finish(a, me.core_id == 0);
}

/* expired: operation a's time is up: log who did not answer, answer
 * upwards with E_TIMEOUT */
static void expired(struct agree *a)
{
	char who[96];
	size_t n = 0;
	int more = 0;

	who[0] = 0;
	for (uint32_t c = 0; c < me.ncores; c++) {
		if (!is_missing(a, c)) {
			continue;
		}
		if (n + 12 < sizeof(who)) {
			n += (size_t)snprintf(who + n, sizeof(who) - n, "%s%u",
					      n ? " " : "", c);
		} else {
			more++;
		}
	}
	printf("monitor %u: agreement %u: no agree_up from core%s %s%s in "
	       "%u s: answered %s\n",
	       me.core_id, a->op, a->waiting > 1 ? "s" : "", who,
	       more ? " ..." : "",
	       (unsigned)((me.core_id == 0 ? AGREE_NS : AGREE_INNER_NS) /
			  1000000000ull),
	       err_msg(E_TIMEOUT));
	a->err = a->err ? a->err : E_TIMEOUT;
	a->waiting = 0;
	memset(a->missing, 0, sizeof(a->missing));
	finish(a, me.core_id == 0);
}

int agree_waiting(void)
{
	int n = 0;

	for (uint32_t m = agree_ops; m; m &= m - 1) {
		n += ops[__builtin_ctz(m)].waiting != 0;
	}
	return n;
}

uint64_t agree_expire(void)
{
	uint64_t now, next = 0;

	if (!agree_waiting()) {
		return 0; /* no clock read: the idle path of every monitor */
	}
	now = sys_time_ns();
	for (int i = 0; i < MAX_AGREE; i++) {
		struct agree *a = &ops[i];

		if (!a->used || !a->waiting) {
			continue;
		}
		if (!a->deadline_ns) {
			a->deadline_ns = now + (me.core_id == 0 ? AGREE_NS
							      : AGREE_INNER_NS);
		}
		if (a->deadline_ns <= now) {
			expired(a);
			continue;
		}
		if (!next || a->deadline_ns < next) {
			next = a->deadline_ns;
		}
	}
	return next;
}

/* agree_core_lost: core is lost: an operation waiting for it (a child of
 * this monitor) is answered at once with E_LOST and what did acknowledge,
 * not at its deadline (one line per operation) */
void agree_core_lost(uint32_t core)
{
	for (int i = 0; i < MAX_AGREE; i++) {
		struct agree *a = &ops[i];

		if (!a->used || !a->waiting || !is_missing(a, core)) {
			continue;
		}
		printf("monitor %u: agreement %u: core %u lost: answered %s\n",
		       me.core_id, a->op, core, err_msg(E_LOST));
		set_missing(a, core, false);
		a->err = a->err ? a->err : E_LOST;
		if (--a->waiting == 0) {
			finish(a, me.core_id == 0);
		}
	}
}
