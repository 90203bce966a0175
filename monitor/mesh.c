// SPDX-License-Identifier: MIT
/*
 * The mesh side of the monitor: this core's identity, its links to other
 * monitors and channels to its processes (routes, each a binding that
 * knows its peer's core), sending, relayed calls waiting for answers (the
 * relay table: replies go back where their request came from, calls that
 * are not answered in time are answered E_TIMEOUT), who wants which exit
 * note (watch), reading and dispatching what arrived, and the sleep
 * protocol.
 *
 * Sends never stall the monitor for a peer that does not read: a send
 * to a program's channel is tried once (send_wait_ns 0), and a link whose
 * ring stayed full for one send's wait is tried once per send until it
 * takes a message again; what is lost is counted and logged once per
 * silence (docs/monitor.md, "Deadlines").
 */
#include "monitor.h"
#include "linkscan.h"
#include "procscan.h"
#include "routeset.h"
#include <libos/timing.h>
#include <libos/trace.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct sys_info me;
struct link links[MAX_CORES];
/* links_seen: the links that came up (a bit a core; a lost core's link
 * is down again, health.c, so the walks still test .up): drain_all and
 * set_sleep visit these, not every core's entry (a leaf at 64 cores has
 * one or a few links, and walked 64 entries four times a wake-up); and
 * which of them a pass looks at (linkscan.h: the hot ones, all of them
 * every few passes and after a wake-up) */
static struct linkscan links_seen;
_Static_assert(MAX_CORES <= LINKSCAN_WORDS * 64, "a bit per link");
struct pchan procs[MAX_PROCS];
uint64_t link_msgs;
int nothing_due;
int pass_sent = -1;
int heard_route = -1;
uint64_t heard_tsc;
int local_sent;
/* local_rang: we rang the doorbell of a program of this core (it slept
 * on its channel) since the loop last yielded */
int local_rang;
/* proc_live: process routes that may hold a program (routeset.h): the
 * loop's passes and set_sleep visit these, not all MAX_PROCS slots */
static uint32_t proc_live;
_Static_assert(MAX_PROCS <= 32, "a bit per process route");
/* whether a pass looks at the process routes (procscan.h): only when
 * the kernel says another process ran since the last look */
static struct procscan procs_ran = {.ran = PROCSCAN_ALL};
/* by_bit[b]: the process routes whose program's pid has bit b in that word
 * (pid % 32 == b; a route is in one, its_bit's: set when it is attached),
 * so that a pass walks the routes of the programs that ran, not all */
static uint32_t by_bit[32];
static uint8_t its_bit[MAX_PROCS];

static struct relay_entry relay_entries[MAX_PENDING];
struct relay_table relays = {.e = relay_entries,
			     .n = MAX_PENDING,
			     .timeout_ns = MONITOR_RELAY_NS,
			     .now_ns = sys_time_ns};

/* The monitor's bindings: it has no threads and never waits for a reply
 * (it relays), so a full ring is the only thing it waits for. */
/* Doorbells held by bells_hold until bells_ring: one system call for a
 * fan-out's cores (SYS_DOORBELLS), not one each. */
static struct sys_bell held[SYS_BELLS_MAX];
static unsigned nheld;
static int holding;
/* bit c: held has an entry for core c (a fan-out to every core then
 * looks for a duplicate only when the core is already there, not through
 * the whole list at every send) */
static uint64_t held_cores[MAX_CORES / 64];
/* Our own core's doorbells wait until we yield or wait: such a doorbell
 * only makes a program runnable, and it runs when we stop anyway; the
 * yield or wait then rings it in the same system call (SYS_RING_YIELD,
 * SYS_RING_WAIT). local_rang: some wait. */
static struct sys_bell mine[SYS_BELLS_MAX];
static unsigned nmine;

/* keep_add: one more doorbell on list (0: the list is full) */
static int keep_add(struct sys_bell *list, unsigned *n, uint32_t core,
		    uint32_t wake)
{
	if (*n >= SYS_BELLS_MAX) {
		return 0;
	}
	list[*n].core = core;
	list[(*n)++].wake = wake;
	return 1;
}

static int keep(struct sys_bell *list, unsigned *n, uint32_t core,
		uint32_t wake)
{
	for (unsigned i = 0; i < *n; i++) {
		if (list[i].core == core && list[i].wake == wake) {
			return 1; /* rung once is enough */
		}
	}
	return keep_add(list, n, core, wake);
}

/* keep_held: keep, for the held list */
static int keep_held(uint32_t core, uint32_t wake)
{
	uint64_t bit = 1ull << (core % 64);

	if (core >= MAX_CORES) {
		return 0;
	}
	if (held_cores[core / 64] & bit) {
		return keep(held, &nheld, core, wake);
	}
	if (!keep_add(held, &nheld, core, wake)) {
		return 0;
	}
	held_cores[core / 64] |= bit;
	return 1;
}

static void ring(uint32_t core, uint32_t wake)
{
	if (core == me.core_id) {
		if (keep(mine, &nmine, core, wake)) {
			local_rang = 1;
			return;
		}
	} else if (holding && keep_held(core, wake)) {
		return;
	}
	sys_doorbell(core, wake);
}

static void ring_list(struct sys_bell *list, unsigned *n)
{
	if (*n == 1) {
		sys_doorbell(list[0].core, list[0].wake);
	} else if (*n) {
		sys_doorbells(list, *n);
	}
	*n = 0;
}

void bells_hold(void)
{
	holding = 1;
}

void bells_ring(void)
{
	holding = 0;
	for (unsigned i = 0; i < nheld; i++) {
		held_cores[held[i].core / 64] = 0;
	}
	ring_list(held, &nheld);
}

void bells_yield(void)
{
	local_rang = 0;
	if (nmine == 1) {
		nmine = 0;
		if (sys_ring_yield(mine[0].core, mine[0].wake) == 0) {
			return;
		}
		sys_doorbell(mine[0].core, mine[0].wake); /* cannot fail */
	}
	ring_list(mine, &nmine);
	sys_yield();
}

uint32_t bells_wait(uint64_t timeout_ns)
{
	long r;

	local_rang = 0;
	if (nmine == 1) {
		nmine = 0;
		r = sys_ring_wait(mine[0].core, mine[0].wake, timeout_ns);
		if (r >= 0) {
			return (uint32_t)r;
		}
		sys_doorbell(mine[0].core, mine[0].wake); /* cannot fail */
	}
	ring_list(mine, &nmine);
	return (uint32_t)sys_wait(timeout_ns);
}

uint32_t bells_wait_beat(uint64_t timeout_ns)
{
	long r;

	/* a doorbell of ours still to ring: that and the wait in one system
	 * call (SYS_RING_WAIT), waking at the look this once */
	if (nmine) {
		return bells_wait(timeout_ns);
	}
	local_rang = 0;
	r = sys_wait_beat(timeout_ns);
	/* refused (never, for a monitor of a core other than 0): the plain
	 * wait, which wakes us to beat */
	return (uint32_t)(r < 0 ? sys_wait(timeout_ns) : r);
}

static void pause_ns(uint64_t ns)
{
	bells_wait(ns);
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

/* Messages lost to a peer that did not read, since it last took one;
 * nonzero: the peer is silent now (logged once, on the first loss). */
static uint32_t lost_links[MAX_CORES], lost_procs[MAX_PROCS];

/* muted: this monitor answers no other monitor (a test manifest asked:
 * `start mute on CORE`, see mute_check) */
static int muted;

int route_reserve(int route)
{
	struct binding **bp = route < PROC_ROUTE ? &links[route].b
						 : &procs[route - PROC_ROUTE].b;

	if (!*bp) {
		/* first use of this link or process slot: its binding for
		 * good (links do not go down; a slot is used again) */
		*bp = calloc(1, sizeof(struct binding));
		if (!*bp) {
			printf("monitor %u: no memory for route %d's binding\n",
			       me.core_id, route);
			return E_NOMEM;
		}
	}
	return 0;
}

/* route_attach: route's channel is side `side` of frame; its peer runs on
 * peer_core (a process there, or the monitor if peer_pid is 0) */
int route_attach(int route, void *frame, int side, uint32_t peer_core,
		  uint32_t peer_pid)
{
	struct binding *b;

	if (route_reserve(route) < 0) {
		return E_NOMEM;
	}
	b = route < PROC_ROUTE ? links[route].b : procs[route - PROC_ROUTE].b;
	bind_init(b, frame, side, peer_core, peer_pid, &mesh_env);
	outq_drop(route); /* nothing of a former holder of the route */
	if (route >= PROC_ROUTE) {
		/* a program that does not read costs one failed send */
		unsigned slot = (unsigned)(route - PROC_ROUTE);

		b->send_wait_ns = 0;
		lost_procs[slot] = 0;
		routeset_add(&proc_live, slot);
		by_bit[its_bit[slot]] &= ~(1u << slot);
		its_bit[slot] = (uint8_t)(peer_pid % 32);
		by_bit[its_bit[slot]] |= 1u << slot;
	} else {
		lost_links[route] = 0;
	}
	return 0;
}

/* lost_count: the counter of route's lost messages (0: none) */
static inline uint32_t *lost_count(int route)
{
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return &lost_procs[route - PROC_ROUTE];
	}
	return route >= 0 && route < MAX_CORES ? &lost_links[route] : 0;
}

/* send_lost: a message to route was not taken (its ring is full) */
static void send_lost(int route, uint8_t type, int err)
{
	uint32_t *lost = lost_count(route);

	if (lost && (*lost)++) {
		return; /* logged at the first loss of this silence */
	}
	if (route >= PROC_ROUTE) {
		printf("monitor %u: program 0x%x does not read its channel: a "
		       "%s to it dropped (%s); later ones are counted\n",
		       me.core_id, route_pid(route), monitor_msg_name(type),
		       err_msg(err));
	} else {
		printf("monitor %u: the monitor of core %d does not read its "
		       "link: a %s to it lost (%s); later ones are counted\n",
		       me.core_id, route, monitor_msg_name(type), err_msg(err));
	}
}

/* taken_again: route took a message after a silence: logged, and the
 * count starts again */
static __attribute__((noinline)) void taken_again(int route, uint32_t *lost)
{
	printf("monitor %u: %s 0x%x reads again; %u messages to it "
	       "were lost\n",
	       me.core_id, route >= PROC_ROUTE ? "program" : "core",
	       route >= PROC_ROUTE ? route_pid(route) : (uint32_t)route,
	       *lost);
	*lost = 0;
}

/* send_taken: route took a message: the end of a silence, if any
 * (inline: every send asks, and almost never is there one) */
static inline void send_taken(int route)
{
	uint32_t *lost = lost_count(route);

	if (lost && *lost) {
		taken_again(route, lost);
	}
}

/* link_sent: a message went on link c (at once or from its queue):
 * counted, and an answer may come back on it, so the next passes look
 * there (linkscan.h) */
static inline void link_sent(uint32_t c)
{
	link_msgs++;
	linkscan_heat(&links_seen, c);
}

/* calls one program may have relayed at once (drain) */
#define PROC_INFLIGHT 4

/*
 * Messages whose ring has no room wait here, in order, up to OUTQ_LINK
 * per link to another monitor and OUTQ per program, each in memory of
 * its own size (what monitors send each other is bounded by what they
 * hold, processes, bindings, relays, so a link's queue is deep: a lost
 * exit note or unbind would leave a waiter or a frame behind for good), and go out as the peer makes room (outq_flush, every
 * pass of the loop): a burst is delayed, not lost, and a program that
 * reads late still gets every reply and note (exit notes, client_gone).
 * Only a route whose queue is full too loses a message (logged as
 * before); a program's queue goes when its route is given to another
 * program. A second after the last burst the heap's free top goes back to
 * the core (outq_release): a burst costs nothing for good.
 */
#define OUTQ 64
#define OUTQ_LINK 1024
#define OUTQS (MAX_CORES + MAX_PROCS)
struct outmsg {
	struct outmsg *next;
	uint16_t len;
	uint8_t type;
	uint8_t buf[];
};
static struct {
	struct outmsg *head, *tail;
	uint32_t len;
} outq[OUTQS];
uint32_t outq_links; /* links with something queued (monitor.h) */
uint32_t outq_progs; /* programs with something queued */
static uint64_t outq_used_ns; /* when one was last added to (0: trimmed) */
#define OUTQ_KEEP_NS 1000000000ull

/* qi: route's queue, or -1 */
static int qi(int route)
{
	if (route >= 0 && route < MAX_CORES) {
		return route;
	}
	if (route >= PROC_ROUTE && route < PROC_ROUTE + MAX_PROCS) {
		return MAX_CORES + route - PROC_ROUTE;
	}
	return -1;
}

static uint32_t *busy_count(int q)
{
	return q < MAX_CORES ? &outq_links : &outq_progs;
}

/* try_send: one attempt, no waiting */
static int try_send(struct binding *b, uint8_t type, const void *buf,
		    size_t len)
{
	uint64_t w = b->send_wait_ns;
	int r;

	b->send_wait_ns = 0;
	r = bind_send(b, type, buf, len);
	b->send_wait_ns = w;
	return r;
}

/* outq_pop: the first message of queue q goes (sent or dropped) */
static void outq_pop(int q)
{
	struct outmsg *m = outq[q].head;

	outq[q].head = m->next;
	if (!outq[q].head) {
		outq[q].tail = NULL;
	}
	free(m);
	if (!--outq[q].len) {
		(*busy_count(q))--;
	}
}

/* outq_flush_some: outq_flush when something waits (monitor.h) */
int outq_flush_some(void)
{
	int done = 0;

	for (int q = 0; q < OUTQS && (outq_links || outq_progs); q++) {
		int route = q < MAX_CORES ? q : PROC_ROUTE + q - MAX_CORES;
		struct binding *b = outq[q].len ? route_binding(route) : NULL;

		while (outq[q].len && b) {
			struct outmsg *m = outq[q].head;

			if (try_send(b, m->type, m->buf, m->len) == E_FULL) {
				break;
			}
			if (q < MAX_CORES) {
				link_sent((uint32_t)q);
			}
			send_taken(route); /* the end of a silence, if any */
			done++;
			outq_pop(q);
		}
	}
	return done;
}

int outq_quiet(void)
{
	/* outq_release(now) and outq_pending() are then both 0 */
	return !outq_used_ns && !outq_links && !outq_progs;
}

uint64_t outq_pending(void)
{
	/* a link's peer makes room soon; a program may read late */
	return outq_links ? 200000 : outq_progs ? 5000000 : 0;
}

void outq_drop(int route)
{
	int q = qi(route);

	while (q >= 0 && outq[q].len) {
		outq_pop(q);
	}
}

void route_release(int route)
{
	struct pchan *p = &procs[route - PROC_ROUTE];

	free(p->b);
	p->b = NULL;
	/* the heap's free top goes back a second later (outq_release) */
	outq_used_ns = sys_time_ns();
}

uint64_t outq_release(uint64_t now)
{
	if (!outq_used_ns || outq_links || outq_progs) {
		return 0;
	}
	if (now - outq_used_ns < OUTQ_KEEP_NS) {
		return outq_used_ns + OUTQ_KEEP_NS;
	}
	outq_used_ns = 0;
	malloc_trim(0);
	return 0;
}

int link_has_room(int route)
{
	int q = qi(route);

	return q >= 0 && q < MAX_CORES && outq[q].len < OUTQ_LINK;
}

/* outq_add: the message waits for route's queue q; E_FULL if it is full
 * (or no memory is left) */
static int outq_add(int q, uint8_t type, const void *buf, size_t len)
{
	struct outmsg *m;

	if (len > IFC_MAX_MSG) {
		return E_TOOBIG;
	}
	if (outq[q].len == (q < MAX_CORES ? OUTQ_LINK : OUTQ) ||
	    !(m = malloc(sizeof(*m) + len))) {
		return E_FULL;
	}
	outq_used_ns = sys_time_ns();
	m->next = NULL;
	m->type = type;
	m->len = (uint16_t)len;
	memcpy(m->buf, buf, len);
	if (outq[q].tail) {
		outq[q].tail->next = m;
	} else {
		outq[q].head = m;
	}
	outq[q].tail = m;
	if (!outq[q].len++) {
		(*busy_count(q))++;
	}
	return 0;
}

/* send_on: the transport for generated stubs; tctx is the route */
int send_on(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int route = (int)(intptr_t)tctx;
	struct binding *b = route_binding(route);
	int r, q;

	if (!b) {
		return E_NOENT;
	}
	/* behind what already waits, or at once if it can; else it waits
	 * its turn. The usual case, nothing waiting and a one-slot message
	 * with room, goes straight into the slot (bind_send_slot, inline:
	 * without try_send's and bind_send's calls; every agree_down of a
	 * fan-out and every answer takes it) */
	q = qi(route);
	if (q >= 0 && outq[q].len) {
		r = E_FULL;
	} else if ((r = bind_send_slot(b, type, buf, len)) == E_AGAIN) {
		r = try_send(b, type, buf, len);
	}
	if (r == E_FULL && q >= 0 && outq_add(q, type, buf, len) == 0) {
		return 0;
	}
	if (r == E_FULL) {
		send_lost(route, type, r);
		return r;
	}
	if (r < 0) {
		printf("monitor %u: lost a %s to route %d: %s\n", me.core_id,
		       monitor_msg_name(type), route, err_msg(r));
		return r;
	}
	send_taken(route);
	pass_sent = route;
	if (route < PROC_ROUTE) {
		link_sent((uint32_t)route);
	} else {
		local_sent = 1;
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
	if (core >= me.ncores || health_lost(core)) {
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

/* relays_expire: answer the relayed calls and all-core operations whose
 * time is up, and look at the other cores' health; returns when the next
 * one is due (0: none waits) */
uint64_t relays_expire(void)
{
	uint64_t r, a;

	relay_expire(&relays, expired, 0);
	r = relay_next_deadline(&relays);
	a = agree_expire();
	r = !r ? a : !a ? r : a < r ? a : r;
	a = health_tick(); /* heartbeats and the judge's looks (health.c) */
	return !r ? a : !a ? r : a < r ? a : r;
}

int relays_idle(void)
{
	return relay_count(&relays) == 0 && agree_waiting() == 0;
}

/* relay_limit_last: the call relayed last may take ns, not
 * MONITOR_RELAY_NS (a step of a longer operation of ours) */
void relay_limit_last(uint64_t ns)
{
	for (unsigned i = 0; i < relays.n; i++) {
		struct relay_entry *e = &relays.e[i];

		if (e->used && e->out_id == relays.seq) {
			e->deadline_ns = sys_time_ns() + ns;
		}
	}
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

#define DRAIN_MAX 32

/* handle: one message of n bytes (or the error n < 0) that came on route;
 * apart from drain's loop, which then keeps its registers for the ring.
 * Tracing off, the handlers are called without their tracing wrappers
 * (tracing.c's two tables). */
static __attribute__((noinline)) void handle(int route, uint8_t type,
					     uint8_t *buf, int n)
{
	struct relay_entry e;
	struct ctx cx;
	uint32_t id;
	int r;

	if (n < 0) {
		complain(route, 0, buf, -1, n);
		return;
	}
	cx.route = route;
	cx.relay = 0;
	/* a reply to a call we relayed (none is: no look) */
	if (relays.used && relay_reply(&cx, type, buf, n, &e)) {
		return;
	}
	/* what only monitors may send is refused from a program
	 * (`from monitor` in monitor.if) */
	r = monitor_dispatch_from(mon_trace ? &handlers : &handlers_plain, &cx,
				  route_pid(route) ? IFC_FROM_PROGRAM
						   : IFC_FROM_MONITOR,
				  type, buf, (size_t)n);
	if (r == E_NOSYS && !route_pid(route) &&
	    monitor_bind_iface.reply_id_of(type, buf, (size_t)n, &id) == 0) {
		/* a reply no relayed call waits for (any more) */
		printf("monitor %u: %s %u from route %d matches "
		       "nothing\n",
		       me.core_id, monitor_msg_name(type), id, route);
	} else if (r == E_NOSYS || r == E_FORMAT || r == E_PERM) {
		complain(route, type, buf, n, r);
	}
}

/* heard: the link we lingered for spoke (its gap is timed, main.c) */
static __attribute__((noinline)) void heard(void)
{
	heard_tsc = timing_tsc();
	heard_route = -1;
}

/* drain: handle what arrived on route, whose channel c holds a message
 * (drain_all looked; a muted monitor never reads a link: the peer sees a
 * silent monitor); returns messages handled */
int drain(int route, struct chan *c)
{
	static uint8_t buf[IFC_MAX_MSG];
	uint8_t type = 0;
	int n, done = 0;

	/* a program with PROC_INFLIGHT calls relayed and not answered is
	 * not read until one is: its own ring fills and its sends wait (a
	 * flooding program pushes back on itself, not on the links) */
	if (route >= PROC_ROUTE && relays.used &&
	    relay_count_from(&relays, route) >= PROC_INFLIGHT) {
		return 0;
	}
	/* at most DRAIN_MAX at a time: one busy sender cannot keep the
	 * others waiting (the loop comes back while there is work) */
	while (c && done < DRAIN_MAX &&
	       (n = chan_msg_recv(c, &type, buf, sizeof(buf))) != E_AGAIN) {
		done++;
		nothing_due = 0; /* its handler says if it ends our part */
		if (route < PROC_ROUTE) {
			link_msgs++;
			if (route == heard_route) {
				heard();
			}
		}
		handle(route, type, buf, n);
		/* the handler may have closed the route */
		c = route_chan(route);
	}
	return done;
}

/* live_procs: the process routes that hold a program now (proc_live,
 * with the slots whose program is gone dropped) */
static int proc_held(unsigned slot)
{
	return procs[slot].pid != 0;
}

static uint32_t live_procs(void)
{
	return routeset_live(&proc_live, proc_held);
}

void link_mark_up(uint32_t core)
{
	links[core].up = 1;
	linkscan_up(&links_seen, core);
	linkscan_heat(&links_seen, core);
}

void links_look_all(void)
{
	linkscan_full_next(&links_seen);
}

/* drain_all: one pass over the routes: every program's, and the links
 * linkscan.h picks (the hot ones; every link every few passes and after
 * a wake-up). A route is looked at in place (its ring's next slot,
 * inline) and drained only when it holds a message: most routes of most
 * passes are empty, and the root of an agreement makes several passes
 * per operation (docs/benchmarks.md, "Agreement: where its instructions
 * go"). A muted monitor reads no link. */
int drain_all(void)
{
	int done = 0, more = 0, full = linkscan_begin(&links_seen);

	for (uint32_t w = 0; w < links_seen.words && !muted; w++) {
		for (uint64_t m = linkscan_word(&links_seen, w, full); m;
		     m &= m - 1) {
			uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(m);

			if (links[c].up && links[c].b && !muted &&
			    chan_pending(&links[c].b->ch)) {
				/* it spoke: the next passes look there */
				linkscan_heat_bits(&links_seen, w, m & -m);
				done += drain((int)c, &links[c].b->ch);
			}
		}
	}
	/* the routes of the programs that ran since we last looked
	 * (procscan.h); a slot whose program is gone leaves the set here
	 * (routeset.h's rule, without a walk of its own) */
	uint32_t ran = procscan_begin(&procs_ran), look = proc_live;

	if (!ran) {
		return done;
	}
	if (ran != PROCSCAN_ALL) {
		look = 0;
		for (uint32_t r = ran; r; r &= r - 1) {
			look |= by_bit[__builtin_ctz(r)];
		}
		look &= proc_live;
	}
	for (uint32_t m = look; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (!proc_held(i)) {
			routeset_drop(&proc_live, i);
		} else if (procscan_wants(ran, procs[i].pid) && procs[i].b &&
			   chan_pending(&procs[i].b->ch)) {
			done += drain(PROC_ROUTE + (int)i, &procs[i].b->ch);
			if (procs[i].b && chan_pending(&procs[i].b->ch)) {
				more = 1; /* left unread: look again */
			}
		}
	}
	procscan_end(&procs_ran, more);
	return done;
}

/* sleep_one: chan asleep (1) or awake (0); on sleep, true if something
 * arrived meanwhile */
static int sleep_one(struct chan *c, int sleep)
{
	if (!sleep) {
		chan_wake(c);
		return 0;
	}
	chan_sleep(c);
	return chan_pending(c);
}

/* set_sleep: sleep (1) or wake (0) every channel; on sleep, returns
 * true if something arrived meanwhile */
int set_sleep(int sleep)
{
	int pending_any = 0;

	/* links to cores that exist, then the process routes that hold a
	 * program (a wake-up walks these twice) */
	for (uint32_t w = 0; w < links_seen.words && !muted; w++) {
		for (uint64_t m = links_seen.live[w]; m; m &= m - 1) {
			uint32_t r = w * 64 + (uint32_t)__builtin_ctzll(m);

			if (links[r].up) {
				pending_any |= sleep_one(&links[r].b->ch,
							 sleep);
			}
		}
	}
	for (uint32_t m = live_procs(); m; m &= m - 1) {
		pending_any |= sleep_one(&procs[__builtin_ctz(m)].b->ch, sleep);
	}
	/* we stay up for it: the next pass looks at every link (it may be
	 * one a pass of hot links would not look at yet) and every process
	 * route */
	if (pending_any) {
		linkscan_full_next(&links_seen);
		procscan_again(&procs_ran);
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
	if (route_attach((int)core, (void *)sc.va, side, core, 0) == 0) {
		link_mark_up(core);
	}
}

/*
 * mute_check: a test-only switch. If this core's manifest entries start
 * the program `mute` (a test program: only test images hold it, so a
 * manifest of build/os.iso cannot name it), this monitor never reads its
 * links: every other monitor sees it silent, while it still serves its
 * own programs. Tests of deadlines use it (docs/monitor.md, "Deadlines").
 */
static void mute_check(void)
{
	struct sys_boot_start s;

	for (uint64_t i = 0; sys_boot_start(i, &s) == 0; i++) {
		if (strcmp(s.app, "mute") == 0) {
			muted = 1;
			printf("monitor %u: muted by the manifest: answers no "
			       "other monitor\n",
			       me.core_id);
		}
	}
}

void join_mesh(void)
{
	struct sys_core sc;

	/* procs_ran's keeper: without it every pass looks at every program */
	procs_ran.kept = sys_ran_mirror(&procs_ran.ran) == 0;
	mute_check();
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
