// SPDX-License-Identifier: MIT
/*
 * The remote backend of sock.h: the stack runs in the service "net" on
 * another core (netd), reached over one bound channel and the protocol
 * in net.if (docs/network.md).
 *
 * Everything the server sends is taken in by one event-loop callback
 * (on_msgs) into per-socket state - received bytes, datagrams, accepted
 * connections, send window, end or failure, answers to calls - and wakes
 * the threads that wait for it; a blocked call waits in thread_block, so
 * other threads run. Our windows bound what the server may send, so the
 * callback always has room for it.
 *
 * Restarts: while bound, a timer asks the monitors every WATCH_NS which
 * process serves "net", unless the server sent us something since the
 * last look (it runs: a busy client's core is not made to switch to its
 * monitor and back, and core 0's asked, twice a second for nothing;
 * under QEMU's TCG a switch after a long run can stall the core for tens
 * of ms, docs/benchmarks.md). If it is another one (netd restarted, maybe on
 * another core) or none, connections and waiting calls fail with
 * E_CLOSED; listeners stay, and as soon as a server is there we bind
 * to it and open them there again (same port and backlog, with the
 * accept grants we had out: grant()). Our monitor's
 * channel is watched too: when it says netd's core was declared lost
 * (peer_lost, docs/failures.md), that is a restart at once, not at the
 * next look. While there is no server the looks come sooner (from
 * ATTACH_FIRST_NS, doubling up to ATTACH_MAX_NS), so the new netd is
 * found within a fraction of a second of its export.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parse.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <monitor_if.h>
#include <net/proto.h>
#include <net/sock_backend.h>
#include "deadline.h"
#include "net_if.h"

#define WATCH_NS 500000000ull
#define RETRY_NS 200000ull /* channel full: try again */
/* how long a call may wait for the server's answer (a connect waits for
 * TCP's handshake, retransmissions included) */
#define NET_CALL_NS (60 * BIND_SECOND)
/* how long a call's request may wait for room in the channel */
#define NET_SEND_NS (5 * BIND_SECOND)
#define RECVD_MIN 4096u    /* return the window in pieces at least this big */

enum { R_FREE, R_LISTEN, R_TCP, R_UDP };

struct rdgram {
	struct sock_addr from;
	uint16_t len;
	uint8_t data[NET_DATA_MAX];
};

struct rsock {
	int kind;
	int srv; /* the server's id, -1 none (listener: not open there now) */
	uint8_t *rx; /* TCP: NET_RECV_WINDOW ring */
	uint32_t rx_head, rx_len, recvd_due, send_credit;
	bool eof;
	int err;
	struct rdgram *dq; /* UDP: NET_UDP_WINDOW ring */
	int dq_head, ndq;
	struct {
		int conn;
		struct sock_addr peer;
	} acc[NET_ACCEPT_MAX];
	int nacc, grants;
	uint16_t port; /* listener: to open it again after a restart */
	int backlog;
	uint32_t relisten_call;
	uint64_t timeout_ns;
	uint64_t deadline; /* sock_deadline's, for every call (0: none) */
	int acc_err;	   /* listener: the server refused an accept */
	struct thread *rx_wait, *tx_wait;
};

static struct binding nb; /* to the server; nb.peer_pid serves "net" */
static uint64_t watch_seen; /* its messages at the watch's last look */
static bool bound;
static uint32_t gen;
static struct event_chan ev;
static struct event_timer watch;
static struct rsock rs[NET_SOCKS_MAX];
static int by_srv[NET_SOCKS_MAX];

static void wake(struct rsock *s)
{
	if (s->rx_wait) {
		thread_wake(s->rx_wait);
	}
	if (s->tx_wait) {
		thread_wake(s->tx_wait);
	}
}

static int send_raw(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int r;

	(void)tctx;
	if (!bound) {
		return E_CLOSED;
	}
	/* never waits (callbacks send too): the binding's own wait for
	 * room is for the calls' requests */
	nb.send_wait_ns = 0;
	r = bind_send(&nb, type, buf, len);
	nb.send_wait_ns = NET_SEND_NS;
	return r;
}

/*
 * Threads that wait for room in the channel to the server, oldest first,
 * each on a node of its own stack. Only the oldest tries to send; the
 * others queue behind it (a thread that finds the queue non-empty does not
 * try first), so sends go in the order they came. The server's messages
 * say it has read ours (it answers each `send` with `sent`), so on_msgs
 * wakes the oldest; RETRY_NS bounds a wait that no message ends.
 * Before, every waiter slept RETRY_NS and tried again: with 16
 * connections' answers (15 of the ring's 30 slots each) a send could
 * lose to newer ones for milliseconds (docs/benchmarks.md, "Room in the
 * channel, in turn").
 */
struct room_waiter {
	struct thread *t;
	struct room_waiter *next;
};
static struct room_waiter *room_head, *room_tail;

static void room_leave(struct room_waiter *me)
{
	struct room_waiter **pp = &room_head, *prev = NULL;

	while (*pp && *pp != me) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = me->next;
		if (room_tail == me) {
			room_tail = prev;
		}
	}
	if (room_head) {
		thread_wake(room_head->t); /* the next one tries at once */
	}
}

static void wake_timer(struct event_timer *t)
{
	thread_wake(t->arg);
}

/* send_queued: sends, waiting for room in turn; E_TIMEOUT past end, or
 * when end is 0, wait_ns after the wait began (no clock is read when
 * there is room) */
static int send_queued(uint8_t type, const void *buf, size_t len,
		       uint64_t end, uint64_t wait_ns)
{
	struct room_waiter me = {thread_self(), NULL};
	struct event_timer t;
	uint64_t now, at;
	int r = E_FULL;

	if (!room_head && (r = send_raw(0, type, buf, len)) != E_FULL) {
		return r;
	}
	if (!end) {
		end = sys_time_ns() + wait_ns;
	}
	if (event_in_callback()) {
		/* a callback cannot block: it tries until end, as before */
		while ((r = send_raw(0, type, buf, len)) == E_FULL &&
		       sys_time_ns() < end) {
			ring_relax();
		}
		return r == E_FULL ? E_TIMEOUT : r;
	}
	if (room_tail) {
		room_tail->next = &me;
	} else {
		room_head = &me;
	}
	room_tail = &me;
	for (;;) {
		if (room_head == &me &&
		    (r = send_raw(0, type, buf, len)) != E_FULL) {
			break;
		}
		now = sys_time_ns();
		if (now >= end) {
			r = E_TIMEOUT;
			break;
		}
		at = now + RETRY_NS;
		event_timer_add(&t, end < at ? end : at, wake_timer,
				thread_self());
		thread_block();
		event_timer_cancel(&t);
	}
	room_leave(&me);
	return r;
}

/* send_wait: for threads: waits while the channel is full, at most
 * NET_SEND_NS (a server that does not read: E_TIMEOUT, logged) */
static int send_wait(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int r = send_queued(type, buf, len, 0, NET_SEND_NS);

	(void)tctx;
	if (r == E_TIMEOUT) {
		printf("net client: the network service (pid 0x%x) has "
		       "not read its channel for %u s: %s\n",
		       nb.peer_pid, (unsigned)(NET_SEND_NS / BIND_SECOND),
		       err_msg(E_TIMEOUT));
	}
	return r;
}

/* send_until: send_wait that gives up with E_TIMEOUT at *(uint64_t *)tctx,
 * a socket's deadline; without one (0) after NET_SEND_NS, as send_wait
 * (before, a socket without a deadline waited for room for ever) */
static int send_until(void *tctx, uint8_t type, const void *buf, size_t len)
{
	uint64_t dl = *(const uint64_t *)tctx;

	return dl ? send_queued(type, buf, len, dl, 0)
		  : send_wait(0, type, buf, len);
}

static struct rsock *get(int s, int kind)
{
	if (s < 0 || s >= NET_SOCKS_MAX || rs[s].kind == R_FREE ||
	    (kind != R_FREE && rs[s].kind != kind)) {
		return NULL;
	}
	return &rs[s];
}

static struct rsock *of_srv(int32_t id)
{
	if (id < 0 || id >= NET_SOCKS_MAX || by_srv[id] < 0) {
		return NULL;
	}
	return &rs[by_srv[id]];
}

static int sock_new(int kind, int srv)
{
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		struct rsock *s = &rs[i];

		if (s->kind != R_FREE) {
			continue;
		}
		memset(s, 0, sizeof(*s));
		if (kind == R_TCP && !(s->rx = malloc(NET_RECV_WINDOW))) {
			return E_NOMEM;
		}
		if (kind == R_UDP &&
		    !(s->dq = malloc(NET_UDP_WINDOW * sizeof(*s->dq)))) {
			return E_NOMEM;
		}
		s->kind = kind;
		s->srv = srv;
		s->send_credit = NET_SEND_WINDOW;
		if (srv >= 0 && srv < NET_SOCKS_MAX) {
			by_srv[srv] = i;
		}
		return i;
	}
	return E_TOOBIG;
}

static void sock_free(struct rsock *s)
{
	if (s->srv >= 0 && s->srv < NET_SOCKS_MAX && by_srv[s->srv] == s - rs) {
		by_srv[s->srv] = -1;
	}
	free(s->rx);
	free(s->dq);
	memset(s, 0, sizeof(*s));
}

/* --------------------------------------------------- server's messages */

static void relistened(struct rsock *l, const struct net_sock_reply *m)
{
	struct net_accept_req a;

	l->relisten_call = 0;
	if (m->err < 0 || m->sock < 0 || m->sock >= NET_SOCKS_MAX) {
		l->err = m->err < 0 ? m->err : E_CLOSED;
		wake(l);
		return;
	}
	l->srv = m->sock;
	by_srv[m->sock] = (int)(l - rs);
	if (l->kind == R_UDP) {
		wake(l);
		return;
	}
	a.sock = m->sock;
	for (int i = 0; i < l->grants; i++) {
		net_send_accept_req(send_raw, 0, &a);
	}
	wake(l); /* a thread in sock_accept without a grant sends one now */
}

/* on_sock_reply: the answer to a listen or udp_bind sent again after a
 * restart (answers to calls go to their callers in the binding) */
static int on_sock_reply(void *ctx, const struct net_sock_reply *m)
{
	(void)ctx;
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		if ((rs[i].kind == R_LISTEN || rs[i].kind == R_UDP) &&
		    rs[i].relisten_call && rs[i].relisten_call == m->call_id) {
			relistened(&rs[i], m);
		}
	}
	return 0;
}

static int on_address(void *ctx, const struct net_address_reply *m)
{
	(void)ctx;
	(void)m; /* an answer nobody waits for */
	return 0;
}

static int on_accepted(void *ctx, const struct net_accepted *m)
{
	struct rsock *l = of_srv(m->sock);
	struct net_close_req cl = {m->conn};
	int s;

	(void)ctx;
	if (!l || l->kind != R_LISTEN || l->nacc == NET_ACCEPT_MAX ||
	    m->conn < 0 || m->conn >= NET_SOCKS_MAX ||
	    (s = sock_new(R_TCP, m->conn)) < 0) {
		return net_send_close_req(send_raw, 0, &cl);
	}
	if (l->grants) {
		l->grants--;
	}
	l->acc[l->nacc].conn = s;
	l->acc[l->nacc].peer.ip = m->ip;
	l->acc[l->nacc++].peer.port = m->port;
	wake(l);
	return 0;
}

static int on_sent(void *ctx, const struct net_sent *m)
{
	struct rsock *s = of_srv(m->sock);

	(void)ctx;
	if (s && s->kind == R_TCP &&
	    m->bytes <= NET_SEND_WINDOW - s->send_credit) {
		s->send_credit += m->bytes;
		wake(s);
	}
	return 0;
}

static int on_data(void *ctx, const struct net_data *m)
{
	struct rsock *s = of_srv(m->sock);
	uint32_t at, first;

	(void)ctx;
	if (!s || s->kind != R_TCP ||
	    m->data_len > NET_RECV_WINDOW - s->rx_len) {
		return 0; /* not ours, or beyond our window: drop */
	}
	at = (s->rx_head + s->rx_len) % NET_RECV_WINDOW;
	first = NET_RECV_WINDOW - at;
	if (first > m->data_len) {
		first = m->data_len;
	}
	memcpy(s->rx + at, m->data, first);
	memcpy(s->rx, m->data + first, m->data_len - first);
	s->rx_len += m->data_len;
	wake(s);
	return 0;
}

static int on_eof(void *ctx, const struct net_eof *m)
{
	struct rsock *s = of_srv(m->sock);

	(void)ctx;
	if (s) {
		s->eof = true;
		wake(s);
	}
	return 0;
}

static int on_closed(void *ctx, const struct net_closed *m)
{
	struct rsock *s = of_srv(m->sock);

	(void)ctx;
	if (s) {
		s->err = m->err < 0 ? m->err : E_CLOSED;
		wake(s);
	}
	return 0;
}

static int on_datagram(void *ctx, const struct net_datagram *m)
{
	struct rsock *s = of_srv(m->sock);
	struct rdgram *d;

	(void)ctx;
	if (!s || s->kind != R_UDP || s->ndq == NET_UDP_WINDOW) {
		return 0;
	}
	d = &s->dq[(s->dq_head + s->ndq++) % NET_UDP_WINDOW];
	d->from.ip = m->ip;
	d->from.port = m->port;
	d->len = m->data_len;
	memcpy(d->data, m->data, m->data_len);
	wake(s);
	return 0;
}

static int on_error(void *ctx, const struct net_error *m)
{
	struct rsock *s = of_srv(m->sock);

	/* (errors that answer a call went to its caller in the binding) */
	(void)ctx;
	if (s && s->kind == R_LISTEN && m->type == NET_MSG_ACCEPT_REQ) {
		if (s->grants) {
			s->grants--;
		}
		s->acc_err = m->err < 0 ? m->err : E_NOMEM;
		wake(s);
	}
	return 0;
}

static const struct net_handlers handlers = {
	.sock_reply = on_sock_reply,
	.accepted = on_accepted,
	.sent = on_sent,
	.data = on_data,
	.eof = on_eof,
	.closed = on_closed,
	.datagram = on_datagram,
	.address_reply = on_address,
	.error = on_error,
};

/* on_other: what the server sends that answers no waiting call */
static void on_other(struct binding *b, uint8_t type, const uint8_t *buf,
		     size_t len)
{
	(void)b;
	net_dispatch(&handlers, 0, type, buf, len);
}

/* on_late: the answer to a call that gave up: a socket the server opened
 * for it is closed again */
static void on_late(struct binding *b, uint8_t type, const uint8_t *buf,
		    size_t len)
{
	struct net_sock_reply m;

	(void)b;
	if (type == NET_MSG_SOCK_REPLY &&
	    net_sock_reply_unmarshal(buf, len, &m) == 0 && m.err == 0 &&
	    m.sock >= 0) {
		struct net_close_req cl = {m.sock};

		net_send_close_req(send_raw, 0, &cl);
	}
}

static void on_msgs(struct event_chan *e)
{
	(void)e;
	if (bound) {
		bind_poll(&nb);
	}
	if (room_head) {
		thread_wake(room_head->t); /* the server read: maybe room now */
	}
}

/* ------------------------------------------------------------ restarts */

/* lookup: the pid that serves "net" now (from "name@core/0xpid" entries
 * of the monitors' names), 0 if none */
static uint32_t lookup(void)
{
	static struct monitor_services_reply r;
	const char *p;
	size_t n = strlen(NET_SERVICE);
	uint64_t pid;

	if (mon_services(&r) < 0) {
		return nb.peer_pid; /* cannot tell: keep what we have */
	}
	for (p = r.list; *p; p++) {
		if ((p == r.list || p[-1] == ' ') &&
		    strncmp(p, NET_SERVICE, n) == 0 && p[n] == '@') {
			p = strchr(p, '/');
			if (!p || p[1] != '0' || p[2] != 'x') {
				return 0;
			}
			p++;
			if (parse_u64_prefix(&p, 16, UINT32_MAX, &pid) < 0) {
				return 0;
			}
			return (uint32_t)pid;
		}
	}
	return 0;
}

/* lost: the server went away: fail what depended on it */
static void lost(void)
{
	event_chan_remove(&ev);
	bound = false;
	gen++;
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		by_srv[i] = -1;
		if (rs[i].kind == R_FREE) {
			continue;
		}
		rs[i].srv = -1;
		if (rs[i].kind == R_UDP && rs[i].port) {
			/* bound again on the next server; what the old one
			 * delivered and not read yet is dropped (its credit
			 * belongs to the old server) */
			rs[i].ndq = 0;
			rs[i].dq_head = 0;
			rs[i].recvd_due = 0;
		} else if (rs[i].kind != R_LISTEN) {
			rs[i].err = E_CLOSED;
		}
		rs[i].relisten_call = 0;
		wake(&rs[i]);
	}
	bind_fail_all(&nb, E_CLOSED);
}

/* the binding to the server (mon_bind's channel address), kept until the
 * next one replaces it */
static void *nb_va;

static int attach(void)
{
	void *va;
	uint32_t pid;
	int r = mon_bind(NET_SERVICE, &va, &pid);

	if (r < 0) {
		return r;
	}
	/* the binding to the server that went away: our end goes now (its
	 * frame stays half-closed on the server's core until it does), not
	 * in lost(), where a thread it woke may still be on its way to look
	 * at the ring */
	if (nb_va) {
		mon_close(nb_va);
	}
	nb_va = va;
	bind_init(&nb, va, 1, SYS_PID_CORE(pid), pid, &bind_env_libos);
	nb.other = on_other;
	nb.late_fn = on_late;
	nb.send_wait_ns = NET_SEND_NS;
	watch_seen = nb.ch.rx.seq; /* a look counts its messages from here */
	bound = true;
	event_chan_add(&ev, &nb.ch, on_msgs, 0);
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		struct rsock *l = &rs[i];
		struct net_listen_req q = {0, l->port, (uint16_t)l->backlog};

		if (l->kind == R_LISTEN &&
		    net_call_listen(send_raw, 0, &nb.call_seq, &q) == 0) {
			l->relisten_call = q.call_id;
		}
		if (l->kind == R_UDP && l->port && !l->err) {
			struct net_udp_bind_req u = {0, l->port};

			if (net_call_udp_bind(send_raw, 0, &nb.call_seq, &u) ==
			    0) {
				l->relisten_call = u.call_id;
			}
		}
	}
	return 0;
}

/* r_init's look for the service, and the watch's while there is none:
 * first after 10 ms, then twice as long each time up to 160 ms (a
 * program started without a network asks core 0's monitor about 400
 * times a minute, not 6,000) */
#define ATTACH_FIRST_NS 10000000ull
#define ATTACH_MAX_NS 160000000ull

static uint64_t watch_nap; /* no server: the wait before the next look */
static struct event_chan mon_ev;

static void on_watch(struct event_timer *t)
{
	uint32_t now;
	uint64_t nap = WATCH_NS;

	if (bound && nb.ch.rx.seq != watch_seen) {
		/* it spoke since the last look: it still serves */
		watch_seen = nb.ch.rx.seq;
		event_timer_add(t, sys_time_ns() + nap, on_watch, 0);
		return;
	}
	now = lookup();

	if (bound && now != nb.peer_pid) {
		lost();
	}
	if (!bound && now) {
		attach();
	}
	if (!bound) {
		nap = watch_nap ? watch_nap : ATTACH_FIRST_NS;
		watch_nap = nap * 2 > ATTACH_MAX_NS ? ATTACH_MAX_NS : nap * 2;
	} else {
		watch_nap = 0;
	}
	event_timer_add(t, sys_time_ns() + nap, on_watch, 0);
}

/* on_mon: our monitor sent something: if it says netd's core was lost,
 * the server is gone now; look for the next one soon */
static void on_mon(struct event_chan *e)
{
	(void)e;
	mon_poll();
	if (bound && mon_core_lost(SYS_PID_CORE(nb.peer_pid))) {
		lost();
		event_timer_cancel(&watch);
		watch_nap = 0;
		event_timer_add(&watch, sys_time_ns() + ATTACH_FIRST_NS,
				on_watch, 0);
	}
}

static int r_init(uint64_t timeout_ns)
{
	uint64_t until = sys_time_ns() + timeout_ns, nap = ATTACH_FIRST_NS;
	int r;

	if (watch.active) {
		return 0;
	}
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		by_srv[i] = -1;
	}
	while ((r = attach()) < 0) {
		if (r != E_NOENT || (timeout_ns && sys_time_ns() >= until)) {
			return r == E_NOENT ? E_TIMEOUT : r;
		}
		event_sleep_ns(nap);
		nap = nap * 2 > ATTACH_MAX_NS ? ATTACH_MAX_NS : nap * 2;
	}
	event_timer_add(&watch, sys_time_ns() + WATCH_NS, on_watch, 0);
	if (mon_binding()) {
		event_chan_add(&mon_ev, &mon_binding()->ch, on_mon, 0);
	}
	return 0;
}

/* --------------------------------------------------------------- calls */

/* call: what a generated call gave (r), else the reply's own err */
#define call(r, err) ({ int r_ = (r); r_ < 0 ? r_ : (err); })

static int r_address(uint32_t *ip)
{
	struct net_address_req q;
	struct net_address_reply rep;
	int r;

	if (!bound) {
		return E_CLOSED;
	}
	r = call(net_address_call(&nb, &q, &rep, NET_CALL_NS), rep.err);
	*ip = r < 0 ? 0 : rep.ip;
	return r < 0 ? r : 0;
}

/* opened: after the answer to listen/connect/udp_bind: a local socket */
static int opened(const struct net_sock_reply *rep, int r, int kind)
{
	struct net_close_req cl = {rep->sock};
	int s;

	if (r < 0) {
		return r;
	}
	if (rep->sock < 0 || rep->sock >= NET_SOCKS_MAX) {
		return E_FORMAT;
	}
	if ((s = sock_new(kind, rep->sock)) < 0) {
		net_send_close_req(send_wait, 0, &cl);
	}
	return s;
}

/* grant: keep accept grants out so that the server hands connections
 * over as they come (into l->acc), not one per round trip of ours: up to
 * the listener's backlog (at most NET_ACCEPT_MAX), counting the
 * connections we hold. A burst (wrk's 16 connections opened at once)
 * then waits here and in the server's queue of the backlog, not
 * refused there while we take one at a time. At least one is out
 * (backlog 0 too). Never waits, but for the only grant of an accept
 * that has none (wait_one): a grant the full channel does not take
 * goes out at the next accept. */
static void grant(struct rsock *l, bool wait_one)
{
	int want = l->backlog < NET_ACCEPT_MAX ? l->backlog : NET_ACCEPT_MAX;
	struct net_accept_req a = {l->srv};

	want = want < 1 ? 1 : want;
	while (l->srv >= 0 && l->grants + l->nacc < want &&
	       net_send_accept_req(wait_one && !l->grants ? send_wait
							 : send_raw,
				   0, &a) == 0) {
		l->grants++;
	}
}

static int r_tcp_listen(uint16_t port, int backlog)
{
	struct net_listen_req q = {0, port, 0};
	struct net_sock_reply rep;
	int r, s;

	if (!port) {
		return E_INVAL;
	}
	if (!bound) {
		return E_CLOSED;
	}
	q.backlog = (uint16_t)(backlog < 1 ? 1 : backlog > 64 ? 64 : backlog);
	r = call(net_listen_call(&nb, &q, &rep, NET_CALL_NS), rep.err);
	if ((s = opened(&rep, r, R_LISTEN)) >= 0) {
		rs[s].port = port;
		rs[s].backlog = q.backlog;
		grant(&rs[s], false);
	}
	return s;
}

static int r_accept(int sd, struct sock_addr *peer)
{
	struct rsock *l = get(sd, R_LISTEN);
	uint64_t dl;
	int r, conn;

	if (!l) {
		return E_INVAL;
	}
	dl = deadline_after(l->timeout_ns);
	while (!l->nacc) {
		if (l->err) {
			return l->err;
		}
		grant(l, true);
		if (l->acc_err) {
			/* the server could not hand over a connection (this
			 * client holds too many sockets) */
			r = l->acc_err;
			l->acc_err = 0;
			return r;
		}
		if ((r = event_block_until(
			     &l->rx_wait, deadline_first(dl, l->deadline))) < 0) {
			return r; /* the grant stays: the next accept gets it */
		}
		if (!get(sd, R_LISTEN)) {
			return E_CLOSED;
		}
	}
	conn = l->acc[0].conn;
	if (peer) {
		*peer = l->acc[0].peer;
	}
	memmove(l->acc, l->acc + 1, (size_t)--l->nacc * sizeof(l->acc[0]));
	grant(l, false);
	return conn;
}

static int r_tcp_connect(const struct sock_addr *to)
{
	struct net_connect_req q = {0, to->ip, to->port};
	struct net_sock_reply rep;

	if (!bound) {
		return E_CLOSED;
	}
	return opened(&rep,
		      call(net_connect_call(&nb, &q, &rep, NET_CALL_NS), rep.err),
		      R_TCP);
}

static long r_send(int sd, const void *buf, size_t len)
{
	static struct net_send m;
	struct rsock *s = get(sd, R_TCP);
	size_t done = 0, n;
	uint32_t g = gen;
	int r;

	if (!s) {
		return E_INVAL;
	}
	while (done < len) {
		if (s->err || g != gen) {
			return s->err ? s->err : E_CLOSED;
		}
		if (!s->send_credit) {
			if (event_block_until(&s->tx_wait, s->deadline) < 0) {
				return E_TIMEOUT;
			}
			if (!get(sd, R_TCP)) {
				return E_CLOSED;
			}
			continue;
		}
		n = len - done;
		n = n > NET_DATA_MAX ? NET_DATA_MAX : n;
		n = n > s->send_credit ? s->send_credit : n;
		m.sock = s->srv;
		m.data_len = (uint16_t)n;
		memcpy(m.data, (const uint8_t *)buf + done, n);
		if ((r = net_send_send(send_until, &s->deadline, &m)) < 0) {
			return r;
		}
		s->send_credit -= (uint32_t)n;
		done += n;
	}
	return (long)len;
}

static void give_back(struct rsock *s, uint32_t n, bool now)
{
	struct net_recvd m;

	s->recvd_due += n;
	if (s->recvd_due && (now || s->recvd_due >= RECVD_MIN) && s->srv >= 0) {
		m.sock = s->srv;
		m.bytes = s->recvd_due;
		if (net_send_recvd(send_raw, 0, &m) == 0) {
			s->recvd_due = 0;
		}
	}
}

static long r_recv(int sd, void *buf, size_t cap)
{
	struct rsock *s = get(sd, R_TCP);
	uint32_t n, first;
	uint64_t dl;
	int r;

	if (!s) {
		return E_INVAL;
	}
	dl = deadline_after(s->timeout_ns);
	while (!s->rx_len) {
		if (s->eof) {
			return 0;
		}
		if (s->err) {
			return s->err;
		}
		if ((r = event_block_until(
			     &s->rx_wait, deadline_first(dl, s->deadline))) < 0) {
			return r;
		}
		if (!get(sd, R_TCP)) {
			return E_CLOSED;
		}
	}
	n = cap < s->rx_len ? (uint32_t)cap : s->rx_len;
	first = NET_RECV_WINDOW - s->rx_head;
	first = first > n ? n : first;
	memcpy(buf, s->rx + s->rx_head, first);
	memcpy((uint8_t *)buf + first, s->rx, n - first);
	s->rx_head = (s->rx_head + n) % NET_RECV_WINDOW;
	s->rx_len -= n;
	give_back(s, n, s->rx_len == 0);
	return (long)n;
}

static int r_timeout(int sd, uint64_t ns)
{
	struct rsock *s = get(sd, R_FREE);

	if (!s) {
		return E_INVAL;
	}
	s->timeout_ns = ns;
	return 0;
}

static int r_deadline(int sd, uint64_t when)
{
	struct rsock *s = get(sd, R_FREE);

	if (!s) {
		return E_INVAL;
	}
	s->deadline = when;
	wake(s); /* waiting calls look at it now */
	return 0;
}

static int r_close(int sd)
{
	struct rsock *s = get(sd, R_FREE);
	struct net_close_req m;

	if (!s) {
		return E_INVAL;
	}
	wake(s);
	m.sock = s->srv;
	if (s->srv >= 0 && bound) {
		net_send_close_req(send_wait, 0, &m);
	}
	for (int i = 0; s->kind == R_LISTEN && i < s->nacc; i++) {
		r_close(s->acc[i].conn);
	}
	sock_free(s);
	return 0;
}

static int r_udp_bind(uint16_t port)
{
	struct net_udp_bind_req q = {0, port};
	struct net_sock_reply rep;
	int s;

	if (!bound) {
		return E_CLOSED;
	}
	s = opened(&rep,
		   call(net_udp_bind_call(&nb, &q, &rep, NET_CALL_NS), rep.err),
		   R_UDP);
	if (s >= 0) {
		rs[s].port = port; /* to bind it again after a restart */
	}
	return s;
}

static long r_sendto(int sd, const void *buf, size_t len,
		     const struct sock_addr *to)
{
	static struct net_sendto m;
	struct rsock *s = get(sd, R_UDP);
	int r;

	if (!s || !to) {
		return E_INVAL;
	}
	if (len > NET_DATA_MAX) {
		return E_TOOBIG;
	}
	if (s->err || s->srv < 0) {
		return s->err ? s->err : E_CLOSED;
	}
	m.sock = s->srv;
	m.ip = to->ip;
	m.port = to->port;
	m.data_len = (uint16_t)len;
	memcpy(m.data, buf, len);
	r = net_send_sendto(send_wait, 0, &m);
	return r < 0 ? r : (long)len;
}

static long r_recvfrom(int sd, void *buf, size_t cap, struct sock_addr *from)
{
	struct rsock *s = get(sd, R_UDP);
	struct rdgram *d;
	uint64_t dl;
	size_t n;
	int r;

	if (!s) {
		return E_INVAL;
	}
	dl = deadline_after(s->timeout_ns);
	while (!s->ndq) {
		if (s->err) {
			return s->err;
		}
		if ((r = event_block_until(
			     &s->rx_wait, deadline_first(dl, s->deadline))) < 0) {
			return r;
		}
		if (!get(sd, R_UDP)) {
			return E_CLOSED;
		}
	}
	d = &s->dq[s->dq_head];
	n = d->len < cap ? d->len : cap;
	memcpy(buf, d->data, n);
	if (from) {
		*from = d->from;
	}
	s->dq_head = (s->dq_head + 1) % NET_UDP_WINDOW;
	s->ndq--;
	give_back(s, 1, true);
	return (long)n;
}

const struct sock_backend sock_remote_backend = {
	.init = r_init,
	.address = r_address,
	.tcp_listen = r_tcp_listen,
	.accept = r_accept,
	.tcp_connect = r_tcp_connect,
	.send = r_send,
	.recv = r_recv,
	.timeout = r_timeout,
	.deadline = r_deadline,
	.close = r_close,
	.udp_bind = r_udp_bind,
	.sendto = r_sendto,
	.recvfrom = r_recvfrom,
};
