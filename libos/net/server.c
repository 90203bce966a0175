// SPDX-License-Identifier: MIT
/*
 * The socket server: serves channels/if/net.if to any number of clients,
 * each over its own bound channel, from the event loop (docs/network.md).
 *
 * Decode, then act: the generated dispatcher checks every body; the
 * handlers check socket ids (range, in use, kind) and windows before they
 * change anything, and answer what they cannot do with `error`.
 *
 * Flow control, so that no client can make the stack hold more than a
 * bounded amount for it:
 *  - receive: the server sends a socket's data only within the client's
 *    window (NET_RECV_WINDOW bytes, NET_UDP_WINDOW datagrams), which the
 *    client reopens with `recvd` as its program reads. Data the server
 *    has not sent stays in lwIP, whose TCP window stays closed
 *    (nsock_consume opens it only as data leaves for the client).
 *  - send: a client may have NET_SEND_WINDOW bytes in a socket's staging
 *    buffer; the server returns the room with `sent` as lwIP takes it.
 *    A `send` beyond the window is refused.
 *  - channel: a client's requests are read only while its channel back
 *    has room for the answer (CHAN_REPLY_SLOTS), and data goes out only
 *    while it leaves that room; the rest waits for the next pump.
 * And no client holds more than NETSRV_CLIENT_SOCKS sockets: beyond
 * that a new socket is refused (E_TOOBIG), and so is an accept (the
 * connection is closed and the grant answered with an error), so one
 * client cannot take all of lwIP's PCBs.
 * `pump` runs whenever a socket or a client has news (notify, requests)
 * and, while some output is held up by a full channel, every PUMP_NS.
 */
#include <abi/errors.h>
#include <stdlib.h>
#include <string.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <net/proto.h>
#include <net/stack.h>
#include "net_if.h"
#include "nsock.h"
#include "server.h"

#define CHAN_REPLY_SLOTS 2 /* kept free for answers to requests */
#define CHAN_DATA_SLOTS (CHAN_REPLY_SLOTS + 20) /* a 1000-byte message */
#define DATA_HEAD 6 /* a `data` message's bytes before its data (net.if) */
#define PUMP_NS 1000000ull

struct client;

struct csock {
	struct nsock *ns;
	struct client *c;
	int id;
	uint32_t credit;  /* receive window left (bytes; UDP: datagrams) */
	uint32_t grants;  /* listener: accepts the client waits for */
	uint8_t *tx;      /* send staging ring, NET_SEND_WINDOW bytes */
	uint32_t tx_head, tx_len, sent_due;
	uint32_t connect_call; /* != 0: connecting; answer this call */
	int pend_conn;    /* listener: accepted, note not sent yet (-1 none) */
	struct sock_addr pend_peer;
	bool eof_sent, err_sent;
};

struct client {
	struct binding b; /* to the client */
	void *frame;	  /* its channel, as `bound` gave it */
	uint32_t pid;
	struct event_chan ev;
	int nsocks; /* of s[] in use: at most NETSRV_CLIENT_SOCKS */
	struct csock s[NET_SOCKS_MAX];
};

static struct client *clients[NETSRV_CLIENTS];
static struct event_timer pump_t;
static int nsocks;

/*
 * A TCP socket its client closed while data it sent was still held here
 * (not yet taken by lwIP) lingers: the pump hands lwIP the rest, then
 * closes it (FIN after the data). It gives up after LINGER_NS, or when the
 * connection fails. The client's socket id is free at once.
 */
#define LINGER_NS (10ull * 1000 * 1000 * 1000)
#define LINGER_MAX 64

struct linger {
	struct nsock *ns;
	uint8_t *tx;
	uint32_t head, len;
	uint64_t deadline;
};

static struct linger lingering[LINGER_MAX];

static void pump(struct event_timer *t);
struct csock;
static void pump_tx(struct csock *cs);

/* tx_drain: hand lwIP what the send ring [*head, +*len) holds, as much as
 * it takes; returns the bytes taken, or an error (not E_AGAIN) when
 * the connection failed */
static long tx_drain(struct nsock *ns, const uint8_t *ring, uint32_t *head,
		     uint32_t *len)
{
	long taken = 0;

	while (*len) {
		uint32_t chunk = NET_SEND_WINDOW - *head;
		long n;

		if (chunk > *len) {
			chunk = *len;
		}
		n = nsock_send(ns, ring + *head, chunk);
		if (n <= 0) {
			if (n < 0 && n != E_AGAIN) {
				return n;
			}
			break;
		}
		*head = (*head + (uint32_t)n) % NET_SEND_WINDOW;
		*len -= (uint32_t)n;
		taken += n;
	}
	return taken;
}

static void pump_soon(uint64_t delay)
{
	if (!pump_t.active) {
		event_timer_add(&pump_t, sys_time_ns() + delay, pump, 0);
	}
}

static void on_notify(struct nsock *ns, void *arg)
{
	(void)ns;
	(void)arg;
	pump_soon(0);
}

/* send_to: the stubs' transport; tctx is the client */
static int send_to(void *tctx, uint8_t type, const void *buf, size_t len)
{
	struct client *c = tctx;

	return bind_send(&c->b, type, buf, len);
}

static unsigned space(struct client *c)
{
	return ring_tx_space(&c->b.ch.tx);
}

static int error_to(struct client *c, uint8_t type, uint32_t call_id,
		    int32_t sock, int err)
{
	struct net_error e = {type, call_id, sock, err};

	return net_send_error(send_to, c, &e);
}

/* ----------------------------------------------------------- sockets */

/* sock_new: a socket id of c for ns; NULL when c holds
 * NETSRV_CLIENT_SOCKS already (the caller closes ns and answers E_TOOBIG) */
static struct csock *sock_new(struct client *c, struct nsock *ns)
{
	if (c->nsocks >= NETSRV_CLIENT_SOCKS) {
		return NULL;
	}
	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		struct csock *cs = &c->s[i];

		if (!cs->ns) {
			memset(cs, 0, sizeof(*cs));
			cs->ns = ns;
			cs->c = c;
			cs->id = i;
			cs->pend_conn = -1;
			cs->credit = nsock_kind(ns) == NSOCK_UDP ? NET_UDP_WINDOW
								 : NET_RECV_WINDOW;
			nsock_set_notify(ns, on_notify, cs);
			nsocks++;
			c->nsocks++;
			return cs;
		}
	}
	return NULL;
}

static void sock_free(struct csock *cs)
{
	cs->c->nsocks--;
	nsock_close(cs->ns);
	free(cs->tx);
	memset(cs, 0, sizeof(*cs));
	nsocks--;
}

/* sock_linger: close cs once what it holds is sent (sock_free when it
 * holds nothing, is not TCP, or too many linger already) */
static void sock_linger(struct csock *cs)
{
	if (cs->tx_len && nsock_kind(cs->ns) == NSOCK_TCP) {
		for (int i = 0; i < LINGER_MAX; i++) {
			struct linger *l = &lingering[i];

			if (l->ns) {
				continue;
			}
			l->ns = cs->ns;
			l->tx = cs->tx;
			l->head = cs->tx_head;
			l->len = cs->tx_len;
			l->deadline = sys_time_ns() + LINGER_NS;
			nsock_set_notify(l->ns, on_notify, 0);
			cs->c->nsocks--;
			memset(cs, 0, sizeof(*cs));
			nsocks--;
			pump_soon(0);
			return;
		}
	}
	sock_free(cs);
}

/* pump_lingering: true when none is left */
static bool pump_lingering(void)
{
	bool done = true;
	uint64_t now = sys_time_ns();

	for (int i = 0; i < LINGER_MAX; i++) {
		struct linger *l = &lingering[i];
		long n;

		if (!l->ns) {
			continue;
		}
		n = tx_drain(l->ns, l->tx, &l->head, &l->len);
		if (!l->len || n < 0 || now >= l->deadline) {
			nsock_close(l->ns);
			free(l->tx);
			memset(l, 0, sizeof(*l));
			continue;
		}
		done = false;
	}
	return done;
}

/* sock_of: the client's socket id, of kind k (-1: any kind), or NULL */
static struct csock *sock_of(struct client *c, int32_t id, int k)
{
	struct csock *cs;

	if (id < 0 || id >= NET_SOCKS_MAX || !c->s[id].ns) {
		return NULL;
	}
	cs = &c->s[id];
	if (k >= 0 && (int)nsock_kind(cs->ns) != k) {
		return NULL;
	}
	return cs;
}

/* ---------------------------------------------------------- requests */

static int reply_sock(struct client *c, uint32_t call_id, int err, int sock)
{
	struct net_sock_reply r = {call_id, err, err < 0 ? -1 : sock};

	return net_send_sock_reply(send_to, c, &r);
}

/* opened: a new socket for a request (or its error) answered at once */
static int opened(struct client *c, uint32_t call_id, int r, struct nsock *ns)
{
	struct csock *cs;

	if (r < 0) {
		return reply_sock(c, call_id, r, -1);
	}
	if (!(cs = sock_new(c, ns))) {
		nsock_close(ns);
		return reply_sock(c, call_id, E_TOOBIG, -1);
	}
	return reply_sock(c, call_id, 0, cs->id);
}

static int on_listen(void *ctx, const struct net_listen_req *m)
{
	struct nsock *ns = NULL;
	int r = E_INVAL;

	if (m->port && m->backlog) {
		r = nsock_tcp_listen(netstack_current(), m->port, m->backlog,
				     &ns);
	}
	return opened(ctx, m->call_id, r, ns);
}

static int on_udp_bind(void *ctx, const struct net_udp_bind_req *m)
{
	struct nsock *ns = NULL;
	int r = nsock_udp_bind(netstack_current(), m->port, &ns);

	return opened(ctx, m->call_id, r, ns);
}

static int on_connect(void *ctx, const struct net_connect_req *m)
{
	struct sock_addr to = {m->ip, m->port};
	struct nsock *ns;
	struct csock *cs;
	int r = nsock_tcp_connect(netstack_current(), &to, &ns);

	if (r < 0) {
		return reply_sock(ctx, m->call_id, r, -1);
	}
	if (!(cs = sock_new(ctx, ns))) {
		nsock_close(ns);
		return reply_sock(ctx, m->call_id, E_TOOBIG, -1);
	}
	/* answered by the pump when the connection is up or failed */
	cs->connect_call = m->call_id ? m->call_id : 0xffffffffu;
	return 0;
}

static int on_accept(void *ctx, const struct net_accept_req *m)
{
	struct csock *cs = sock_of(ctx, m->sock, NSOCK_LISTEN);

	if (!cs) {
		return error_to(ctx, NET_MSG_ACCEPT_REQ, 0, m->sock,
				E_INVAL);
	}
	if (cs->grants >= NET_ACCEPT_MAX) {
		return error_to(ctx, NET_MSG_ACCEPT_REQ, 0, m->sock,
				E_TOOBIG);
	}
	cs->grants++;
	return 0;
}

static int on_send(void *ctx, const struct net_send *m)
{
	struct csock *cs = sock_of(ctx, m->sock, NSOCK_TCP);
	uint32_t at, first;

	if (!cs || cs->connect_call) {
		return error_to(ctx, NET_MSG_SEND, 0, m->sock, E_INVAL);
	}
	if (m->data_len > NET_SEND_WINDOW - cs->tx_len) {
		return error_to(ctx, NET_MSG_SEND, 0, m->sock, E_FULL);
	}
	if (!cs->tx && !(cs->tx = malloc(NET_SEND_WINDOW))) {
		return error_to(ctx, NET_MSG_SEND, 0, m->sock, E_NOMEM);
	}
	at = (cs->tx_head + cs->tx_len) % NET_SEND_WINDOW;
	first = NET_SEND_WINDOW - at;
	if (first > m->data_len) {
		first = m->data_len;
	}
	memcpy(cs->tx + at, m->data, first);
	memcpy(cs->tx, m->data + first, m->data_len - first);
	cs->tx_len += m->data_len;
	return 0;
}

static int on_recvd(void *ctx, const struct net_recvd *m)
{
	struct csock *cs = sock_of(ctx, m->sock, -1);
	uint32_t win;

	if (!cs || nsock_kind(cs->ns) == NSOCK_LISTEN) {
		return error_to(ctx, NET_MSG_RECVD, 0, m->sock, E_INVAL);
	}
	win = nsock_kind(cs->ns) == NSOCK_UDP ? NET_UDP_WINDOW
					      : NET_RECV_WINDOW;
	if (m->bytes > win - cs->credit) {
		return error_to(ctx, NET_MSG_RECVD, 0, m->sock, E_RANGE);
	}
	cs->credit += m->bytes;
	return 0;
}

static int on_close(void *ctx, const struct net_close_req *m)
{
	struct csock *cs = sock_of(ctx, m->sock, -1);

	if (!cs) {
		return error_to(ctx, NET_MSG_CLOSE_REQ, 0, m->sock,
				E_INVAL);
	}
	/* what the client sent before closing still goes out */
	pump_tx(cs);
	sock_linger(cs);
	return 0;
}

static int on_sendto(void *ctx, const struct net_sendto *m)
{
	struct csock *cs = sock_of(ctx, m->sock, NSOCK_UDP);
	struct sock_addr to = {m->ip, m->port};
	long r;

	if (!cs) {
		return error_to(ctx, NET_MSG_SENDTO, 0, m->sock, E_INVAL);
	}
	r = nsock_sendto(cs->ns, m->data, m->data_len, &to);
	return r < 0 ? error_to(ctx, NET_MSG_SENDTO, 0, m->sock, (int)r) : 0;
}

static int on_address(void *ctx, const struct net_address_req *m)
{
	struct netstack *st = netstack_current();
	struct net_address_reply r = {0, 0, st ? netstack_address(st) : 0};

	return net_reply_address(send_to, ctx, m, &r);
}

_Static_assert(NET_STAT_COUNT <= NET_STATS_MAX &&
		       sizeof(((struct net_stats_reply *)0)->v) ==
			   NET_STATS_MAX * sizeof(uint64_t),
	       "NET_STATS must fit the stats reply (net.if)");

static int on_stats(void *ctx, const struct net_stats_req *m)
{
	static struct net_stats_reply r;

	r.err = 0;
	r.v_count = (uint16_t)netstack_stats(r.v, NET_STATS_MAX);
	return net_reply_stats(send_to, ctx, m, &r);
}

static const struct net_handlers handlers = {
	.listen_req = on_listen,
	.accept_req = on_accept,
	.connect_req = on_connect,
	.send = on_send,
	.recvd = on_recvd,
	.close_req = on_close,
	.udp_bind_req = on_udp_bind,
	.sendto = on_sendto,
	.address_req = on_address,
	.stats_req = on_stats,
};

/* requests one pass takes from a client: a client that keeps writing
 * requests that need no answer (credit, bytes to send) as fast as they
 * are read would otherwise hold the server, lwIP's timers and every other
 * client; the event loop comes back to a channel that still has some */
#define REQ_BUDGET 16

static void on_requests(struct event_chan *e)
{
	static uint8_t buf[CHAN_MSG_MAX];
	struct client *c = e->arg;
	uint8_t type = 0;
	int n, r, budget = REQ_BUDGET;

	/* read only while an answer fits: the client must read to send */
	while (budget-- > 0 && space(c) >= CHAN_REPLY_SLOTS &&
	       (n = chan_msg_recv(&c->b.ch, &type, buf, sizeof(buf))) !=
		       E_AGAIN) {
		uint32_t call_id = 0;

		r = n < 0 ? n
			  : net_dispatch(&handlers, c, type, buf, (size_t)n);
		if (r == E_NOSYS || r == E_FORMAT) {
			if (n >= 0) {
				net_call_id_of(type, buf, (size_t)n, &call_id);
			}
			error_to(c, n < 0 ? 0 : type, call_id, -1, r);
		}
	}
	if (space(c) < CHAN_REPLY_SLOTS) {
		/* level-triggered: stop watching until the pump sees room */
		event_chan_remove(&c->ev);
	}
	pump_soon(0);
}

/* ------------------------------------------------------------- pump */

static bool pump_connect(struct csock *cs)
{
	int r = nsock_connected(cs->ns);

	if (r == E_AGAIN) {
		return true;
	}
	if (space(cs->c) < CHAN_REPLY_SLOTS + 1) {
		return false;
	}
	reply_sock(cs->c, cs->connect_call == 0xffffffffu ? 0 : cs->connect_call,
		   r, cs->id);
	cs->connect_call = 0;
	if (r < 0) {
		sock_free(cs);
	}
	return true;
}

static void pump_tx(struct csock *cs)
{
	uint32_t before = cs->tx_len;

	if (tx_drain(cs->ns, cs->tx, &cs->tx_head, &cs->tx_len) < 0) {
		cs->tx_len = 0; /* the connection failed: what is left is lost */
	}
	cs->sent_due += before - cs->tx_len;
}

/* note: eof or closed, once, after all data */
static bool pump_end(struct csock *cs, long r)
{
	struct client *c = cs->c;

	if (space(c) < CHAN_REPLY_SLOTS + 1) {
		return false;
	}
	if (r == 0 && !cs->eof_sent) {
		struct net_eof m = {cs->id};

		cs->eof_sent = net_send_eof(send_to, c, &m) == 0;
	} else if (r < 0 && r != E_AGAIN && !cs->err_sent) {
		struct net_closed m = {cs->id, (int32_t)r};

		cs->err_sent = net_send_closed(send_to, c, &m) == 0;
	}
	return true;
}

static bool pump_tcp(struct csock *cs)
{
	static struct net_data d;
	struct client *c = cs->c;
	long n;

	if (cs->connect_call) {
		return pump_connect(cs);
	}
	pump_tx(cs);
	if (cs->sent_due && space(c) >= CHAN_REPLY_SLOTS + 1) {
		struct net_sent m = {cs->id, cs->sent_due};

		if (net_send_sent(send_to, c, &m) == 0) {
			cs->sent_due = 0;
		}
	}
	while (cs->credit) {
		unsigned room = space(c);
		uint32_t cap;

		/* as much as the free slots carry, beyond the answers' room:
		 * a short request need not wait for room for 1000 bytes
		 * (16 connections share one client's 30-slot ring) */
		if (room < CHAN_REPLY_SLOTS + 1) {
			return false;
		}
		cap = (room - CHAN_REPLY_SLOTS) * RING_PAYLOAD - DATA_HEAD;
		if (cap > cs->credit) {
			cap = cs->credit;
		}
		if (cap > NET_DATA_MAX) {
			cap = NET_DATA_MAX;
		}
		n = nsock_peek(cs->ns, d.data, cap);
		if (n <= 0) {
			return pump_end(cs, n);
		}
		d.sock = cs->id;
		d.data_len = (uint16_t)n;
		if (net_send_data(send_to, c, &d) < 0) {
			return false;
		}
		nsock_consume(cs->ns, (size_t)n);
		cs->credit -= (uint32_t)n;
	}
	return true;
}

static bool pump_listen(struct csock *cs)
{
	struct client *c = cs->c;
	struct nsock *ns;
	struct csock *conn;

	for (;;) {
		if (cs->pend_conn >= 0) {
			struct net_accepted m = {cs->id, cs->pend_conn,
						 cs->pend_peer.ip,
						 cs->pend_peer.port};

			if (space(c) < CHAN_REPLY_SLOTS + 1 ||
			    net_send_accepted(send_to, c, &m) < 0) {
				return false;
			}
			cs->pend_conn = -1;
			cs->grants--;
		}
		if (!cs->grants) {
			return true;
		}
		if (space(c) < CHAN_REPLY_SLOTS + 1) {
			return false; /* room for an accepted or an error */
		}
		if (nsock_accept(cs->ns, &ns, &cs->pend_peer) < 0) {
			return true;
		}
		if (!(conn = sock_new(c, ns))) {
			/* the client holds too many sockets: the connection
			 * is closed, the client's accept fails */
			nsock_close(ns);
			if (error_to(c, NET_MSG_ACCEPT_REQ, 0, cs->id,
				     E_TOOBIG) == 0) {
				cs->grants--;
			}
			continue;
		}
		cs->pend_conn = conn->id;
	}
}

static bool pump_udp(struct csock *cs)
{
	static struct net_datagram d;
	struct client *c = cs->c;
	struct sock_addr from;
	long n;

	while (cs->credit) {
		if (space(c) < CHAN_DATA_SLOTS) {
			return false;
		}
		n = nsock_peek_datagram(cs->ns, d.data, NET_DATA_MAX, &from);
		if (n < 0) {
			return true;
		}
		d.sock = cs->id;
		d.ip = from.ip;
		d.port = from.port;
		d.data_len = (uint16_t)(n < NET_DATA_MAX ? n : NET_DATA_MAX);
		if (net_send_datagram(send_to, c, &d) < 0) {
			return false;
		}
		nsock_drop_datagram(cs->ns);
		cs->credit--;
	}
	return true;
}

static bool pump_client(struct client *c)
{
	bool done = true;

	for (int i = 0; i < NET_SOCKS_MAX; i++) {
		struct csock *cs = &c->s[i];

		if (!cs->ns) {
			continue;
		}
		switch (nsock_kind(cs->ns)) {
		case NSOCK_TCP:
			done &= pump_tcp(cs);
			break;
		case NSOCK_LISTEN:
			done &= pump_listen(cs);
			break;
		case NSOCK_UDP:
			done &= pump_udp(cs);
			break;
		}
	}
	if (!c->ev.active && space(c) >= CHAN_REPLY_SLOTS) {
		event_chan_add(&c->ev, &c->b.ch, on_requests, c);
	}
	return done && c->ev.active;
}

static void pump(struct event_timer *t)
{
	bool done = true;

	(void)t;
	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		if (clients[i]) {
			done &= pump_client(clients[i]);
		}
	}
	done &= pump_lingering();
	if (!done) {
		netstack_stat[NET_STAT_chan_full]++;
		pump_soon(PUMP_NS); /* a channel is full: look again soon */
	}
}

/* ----------------------------------------------------------- clients */

int netsrv_attach(void *frame, uint32_t pid)
{
	struct client *c;

	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		if (clients[i]) {
			continue;
		}
		if (!(c = calloc(1, sizeof(*c)))) {
			return E_NOMEM;
		}
		bind_init(&c->b, frame, 0, SYS_PID_CORE(pid), pid, &bind_env_libos);
		c->b.send_wait_ns = 0; /* the server never waits: it checks space */
		c->pid = pid;
		c->frame = frame;
		event_chan_add(&c->ev, &c->b.ch, on_requests, c);
		clients[i] = c;
		return 0;
	}
	return E_TOOBIG;
}

void netsrv_detach(uint32_t pid)
{
	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		struct client *c = clients[i];

		if (!c || c->pid != pid) {
			continue;
		}
		for (int k = 0; k < NET_SOCKS_MAX; k++) {
			if (c->s[k].ns) {
				sock_free(&c->s[k]);
			}
		}
		event_chan_remove(&c->ev);
		sys_chan_close(c->frame); /* freed once both ends are closed */
		free(c);
		clients[i] = NULL;
	}
}

void netsrv_detach_frame(void *frame, uint32_t pid)
{
	for (int i = 0; i < NETSRV_CLIENTS; i++) {
		if (clients[i] && clients[i]->frame == frame &&
		    clients[i]->pid == pid) {
			netsrv_detach(pid);
			return;
		}
	}
}

uint32_t netsrv_client_pid(int i)
{
	return i >= 0 && i < NETSRV_CLIENTS && clients[i] ? clients[i]->pid : 0;
}

int netsrv_sockets(void)
{
	return nsocks;
}
