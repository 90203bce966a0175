// SPDX-License-Identifier: MIT
/*
 * Non-blocking sockets over lwIP's raw API (see nsock.h). Each socket
 * owns its pcb; lwIP's callbacks (which run while the stack processes a
 * frame or a timer, never inside nsock_* except nsock_close) only queue
 * what came and call notify.
 *
 * A pcb that lwIP frees itself (err callback: reset, abort, timeout)
 * leaves the socket without a pcb and with an error; the socket lives on
 * until its owner closes it. Before we close a pcb we detach every
 * callback, so lwIP never calls back into a freed socket.
 */
#include <abi/errors.h>
#include <stdlib.h>
#include <string.h>
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/pbuf.h"
#include "nsock.h"

struct dgram {
	struct pbuf *p;
	struct sock_addr from;
};

struct nsock {
	enum nsock_kind kind;
	struct netstack *st;
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	void (*notify)(struct nsock *, void *);
	void *arg;
	int err;        /* 0, or why the socket failed */
	bool connected; /* TCP: the handshake is done */
	bool eof;       /* TCP: the peer closed its side */
	struct pbuf *rx; /* TCP: received, not consumed */
	/* listener: accepted connections not taken yet */
	struct nsock **acc;
	int nacc, backlog;
	/* UDP: received datagrams, oldest first */
	struct dgram dq[NSOCK_UDP_QUEUE];
	int ndq;
};

static void notify(struct nsock *s)
{
	if (s->notify) {
		s->notify(s, s->arg);
	}
}

void nsock_set_notify(struct nsock *s, void (*fn)(struct nsock *, void *),
		      void *arg)
{
	s->notify = fn;
	s->arg = arg;
}

enum nsock_kind nsock_kind(const struct nsock *s)
{
	return s->kind;
}

static struct nsock *nsock_new(enum nsock_kind kind, struct netstack *st)
{
	struct nsock *s = calloc(1, sizeof(*s));

	if (s) {
		s->kind = kind;
		s->st = st;
	}
	return s;
}

static int from_lwip(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return E_NOMEM;
	case ERR_USE:
	case ERR_ALREADY:
	case ERR_ISCONN:
		return E_BUSY;
	case ERR_RTE:
		return E_UNREACH;
	case ERR_VAL:
	case ERR_ARG:
		return E_INVAL;
	case ERR_TIMEOUT:
		return E_TIMEOUT;
	default:
		return E_CLOSED;
	}
}

/* ------------------------------------------------------------------ TCP */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct nsock *s = arg;

	(void)pcb;
	(void)err;
	if (!p) {
		s->eof = true;
	} else if (s->rx) {
		pbuf_cat(s->rx, p);
	} else {
		s->rx = p;
	}
	notify(s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	notify(arg);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct nsock *s = arg;

	/* lwIP has freed the pcb */
	s->tcp = NULL;
	if (s->kind == NSOCK_TCP && !s->connected) {
		s->err = E_UNREACH;
	} else {
		s->err = err == ERR_TIMEOUT ? E_TIMEOUT : E_CLOSED;
	}
	notify(s);
}

static void tcp_attach(struct nsock *s, struct tcp_pcb *pcb)
{
	s->tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
}

static void tcp_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct nsock *l = arg, *s;

	if (err != ERR_OK || !pcb) {
		return ERR_VAL;
	}
	if (l->nacc >= l->backlog || !(s = nsock_new(NSOCK_TCP, l->st))) {
		netstack_stat[NET_STAT_drop_accept]++;
		tcp_abort(pcb); /* backlog full: refuse */
		return ERR_ABRT;
	}
	tcp_attach(s, pcb);
	s->connected = true;
	l->acc[l->nacc++] = s;
	notify(l);
	return ERR_OK;
}

static struct tcp_pcb *tcp_new_on(struct netstack *st)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);

	if (pcb) {
		tcp_bind_netif(pcb, netstack_netif(st));
	}
	return pcb;
}

int nsock_tcp_listen(struct netstack *st, uint16_t port, int backlog,
		     struct nsock **out)
{
	struct tcp_pcb *pcb, *lpcb;
	struct nsock *s;
	err_t e;

	if (backlog < 1) {
		backlog = 1;
	}
	if (backlog > 64) {
		backlog = 64;
	}
	if (!st || port == 0) {
		return E_INVAL;
	}
	s = nsock_new(NSOCK_LISTEN, st);
	if (!s || !(s->acc = calloc((size_t)backlog, sizeof(*s->acc)))) {
		free(s);
		return E_NOMEM;
	}
	s->backlog = backlog;
	if (!(pcb = tcp_new_on(st))) {
		goto fail_pcb;
	}
	ip_set_option(pcb, SOF_REUSEADDR);
	if ((e = tcp_bind(pcb, IP4_ADDR_ANY, port)) != ERR_OK) {
		tcp_abort(pcb);
		free(s->acc);
		free(s);
		return from_lwip(e);
	}
	if (!(lpcb = tcp_listen_with_backlog_and_err(pcb, 255, &e))) {
		tcp_abort(pcb);
		free(s->acc);
		free(s);
		return e == ERR_USE ? E_BUSY : E_NOMEM;
	}
	s->tcp = lpcb;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, on_accept);
	*out = s;
	return 0;
fail_pcb:
	free(s->acc);
	free(s);
	return E_NOMEM;
}

int nsock_accept(struct nsock *l, struct nsock **out, struct sock_addr *peer)
{
	struct nsock *s;

	if (l->kind != NSOCK_LISTEN) {
		return E_INVAL;
	}
	if (!l->nacc) {
		return l->err ? l->err : E_AGAIN;
	}
	s = l->acc[0];
	memmove(l->acc, l->acc + 1, (size_t)--l->nacc * sizeof(*l->acc));
	if (peer) {
		peer->ip = 0;
		peer->port = 0;
		if (s->tcp) {
			peer->ip = lwip_ntohl(ip4_addr_get_u32(&s->tcp->remote_ip));
			peer->port = s->tcp->remote_port;
		}
	}
	*out = s;
	return 0;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct nsock *s = arg;

	(void)pcb;
	if (err == ERR_OK) {
		s->connected = true;
	}
	notify(s);
	return ERR_OK;
}

int nsock_tcp_connect(struct netstack *st, const struct sock_addr *to,
		      struct nsock **out)
{
	struct tcp_pcb *pcb;
	struct nsock *s;
	ip_addr_t ip;
	err_t e;

	if (!st || !to->ip || !to->port) {
		return E_INVAL;
	}
	if (!(s = nsock_new(NSOCK_TCP, st))) {
		return E_NOMEM;
	}
	if (!(pcb = tcp_new_on(st))) {
		free(s);
		return E_NOMEM;
	}
	tcp_attach(s, pcb);
	ip_addr_set_ip4_u32(&ip, lwip_htonl(to->ip));
	if ((e = tcp_connect(pcb, &ip, to->port, on_connected)) != ERR_OK) {
		tcp_detach(pcb);
		tcp_abort(pcb);
		free(s);
		return e == ERR_RTE ? E_UNREACH : from_lwip(e);
	}
	netstack_kick(st);
	*out = s;
	return 0;
}

int nsock_connected(const struct nsock *s)
{
	if (s->err) {
		return s->err;
	}
	return s->connected ? 0 : E_AGAIN;
}

size_t nsock_sendable(const struct nsock *s)
{
	if (s->kind != NSOCK_TCP || !s->tcp || s->err || !s->connected) {
		return 0;
	}
	if (tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN - 4) {
		return 0;
	}
	return tcp_sndbuf(s->tcp);
}

long nsock_send(struct nsock *s, const void *buf, size_t len)
{
	size_t n;
	err_t e;

	if (s->kind != NSOCK_TCP) {
		return E_INVAL;
	}
	if (s->err || !s->tcp) {
		return s->err ? s->err : E_CLOSED;
	}
	if (!s->connected) {
		return E_AGAIN;
	}
	n = nsock_sendable(s);
	if (n > len) {
		n = len;
	}
	if (n > 0xffff) {
		n = 0xffff;
	}
	if (n == 0) {
		return len ? E_AGAIN : 0;
	}
	e = tcp_write(s->tcp, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
	if (e == ERR_MEM) {
		tcp_output(s->tcp);
		netstack_kick(s->st);
		return E_AGAIN;
	}
	if (e != ERR_OK) {
		return from_lwip(e);
	}
	tcp_output(s->tcp);
	netstack_kick(s->st);
	return (long)n;
}

long nsock_peek(struct nsock *s, void *buf, size_t cap)
{
	size_t n;

	if (s->kind != NSOCK_TCP) {
		return E_INVAL;
	}
	if (s->rx && cap) {
		n = s->rx->tot_len < cap ? s->rx->tot_len : cap;
		return (long)pbuf_copy_partial(s->rx, buf, (u16_t)n, 0);
	}
	if (s->rx) {
		return 0;
	}
	if (s->eof) {
		return 0;
	}
	if (s->err) {
		return s->err;
	}
	return E_AGAIN;
}

void nsock_consume(struct nsock *s, size_t n)
{
	size_t left = n;

	if (!s->rx) {
		return;
	}
	if (n >= s->rx->tot_len) {
		n = s->rx->tot_len;
		pbuf_free(s->rx);
		s->rx = NULL;
	} else {
		s->rx = pbuf_free_header(s->rx, (u16_t)n);
	}
	left = n;
	while (s->tcp && left) {
		u16_t k = left > 0xffff ? 0xffff : (u16_t)left;

		tcp_recved(s->tcp, k);
		left -= k;
	}
	if (s->tcp && n) {
		netstack_kick(s->st);
	}
}

/* ------------------------------------------------------------------ UDP */

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port)
{
	struct nsock *s = arg;
	struct dgram *d;

	(void)pcb;
	if (s->ndq == NSOCK_UDP_QUEUE) {
		netstack_stat[NET_STAT_drop_udp_queue]++;
		pbuf_free(p); /* the reader is behind: drop, as UDP may */
		return;
	}
	d = &s->dq[s->ndq++];
	d->p = p;
	d->from.ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
	d->from.port = port;
	notify(s);
}

int nsock_udp_bind(struct netstack *st, uint16_t port, struct nsock **out)
{
	struct nsock *s;
	struct udp_pcb *pcb;
	err_t e;

	if (!st) {
		return E_INVAL;
	}
	if (!(s = nsock_new(NSOCK_UDP, st))) {
		return E_NOMEM;
	}
	if (!(pcb = udp_new_ip_type(IPADDR_TYPE_V4))) {
		free(s);
		return E_NOMEM;
	}
	udp_bind_netif(pcb, netstack_netif(st));
	if ((e = udp_bind(pcb, IP4_ADDR_ANY, port)) != ERR_OK) {
		udp_remove(pcb);
		free(s);
		return from_lwip(e);
	}
	s->udp = pcb;
	udp_recv(pcb, on_udp, s);
	*out = s;
	return 0;
}

long nsock_sendto(struct nsock *s, const void *buf, size_t len,
		  const struct sock_addr *to)
{
	struct pbuf *p;
	ip_addr_t ip;
	err_t e;

	if (s->kind != NSOCK_UDP || !to->port) {
		return E_INVAL;
	}
	if (len > 65507) {
		return E_TOOBIG;
	}
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM))) {
		return E_NOMEM;
	}
	pbuf_take(p, buf, (u16_t)len);
	ip_addr_set_ip4_u32(&ip, lwip_htonl(to->ip));
	e = udp_sendto(s->udp, p, &ip, to->port);
	pbuf_free(p);
	netstack_kick(s->st);
	if (e != ERR_OK) {
		return e == ERR_RTE ? E_UNREACH : from_lwip(e);
	}
	return (long)len;
}

long nsock_peek_datagram(struct nsock *s, void *buf, size_t cap,
			 struct sock_addr *from)
{
	struct dgram *d = &s->dq[0];
	size_t n;

	if (s->kind != NSOCK_UDP) {
		return E_INVAL;
	}
	if (!s->ndq) {
		return E_AGAIN;
	}
	n = d->p->tot_len < cap ? d->p->tot_len : cap;
	pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
	if (from) {
		*from = d->from;
	}
	return (long)d->p->tot_len;
}

void nsock_drop_datagram(struct nsock *s)
{
	if (s->kind != NSOCK_UDP || !s->ndq) {
		return;
	}
	pbuf_free(s->dq[0].p);
	memmove(s->dq, s->dq + 1, (size_t)--s->ndq * sizeof(s->dq[0]));
}

/* ---------------------------------------------------------------- close */

void nsock_close(struct nsock *s)
{
	if (!s) {
		return;
	}
	s->notify = NULL;
	if (s->tcp) {
		struct tcp_pcb *pcb = s->tcp;

		s->tcp = NULL;
		tcp_detach(pcb);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
		}
		netstack_kick(s->st);
	}
	if (s->rx) {
		pbuf_free(s->rx);
	}
	for (int i = 0; i < s->nacc; i++) {
		nsock_close(s->acc[i]);
	}
	free(s->acc);
	if (s->udp) {
		udp_remove(s->udp);
	}
	while (s->ndq) {
		nsock_drop_datagram(s);
	}
	free(s);
}
