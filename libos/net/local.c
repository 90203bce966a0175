// SPDX-License-Identifier: MIT
/*
 * The local backend of sock.h: the stack runs in this process
 * (co-located mode). Each socket is an nsock; a call that cannot finish
 * now blocks its thread (thread_block) until the socket's notify wakes
 * it or its timeout's timer fires. lwIP itself runs from the event loop's
 * timers (stack.c), which run whenever every thread is blocked.
 */
#include <abi/errors.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/sock_backend.h>
#include <net/stack.h>
#include "deadline.h"
#include "nsock.h"

#define LOCAL_SOCKS 256

static struct lsock {
	struct nsock *ns;
	struct thread *rx_wait, *tx_wait;
	uint64_t timeout_ns;
	uint64_t deadline; /* sock_deadline's, for every call (0: none) */
} socks[LOCAL_SOCKS];

static void on_notify(struct nsock *ns, void *arg)
{
	struct lsock *l = arg;

	(void)ns;
	if (l->rx_wait) {
		thread_wake(l->rx_wait);
	}
	if (l->tx_wait) {
		thread_wake(l->tx_wait);
	}
}

static struct lsock *get(int s)
{
	if (s < 0 || s >= LOCAL_SOCKS || !socks[s].ns) {
		return NULL;
	}
	return &socks[s];
}

static int slot_for(struct nsock *ns)
{
	for (int i = 0; i < LOCAL_SOCKS; i++) {
		if (!socks[i].ns) {
			memset(&socks[i], 0, sizeof(socks[i]));
			socks[i].ns = ns;
			nsock_set_notify(ns, on_notify, &socks[i]);
			return i;
		}
	}
	nsock_close(ns);
	return E_NOMEM;
}

static int l_init(uint64_t timeout_ns)
{
	(void)timeout_ns;
	return 0;
}

static int l_address(uint32_t *ip)
{
	struct netstack *st = netstack_current();

	*ip = st ? netstack_address(st) : 0;
	return 0;
}

static int l_tcp_listen(uint16_t port, int backlog)
{
	struct nsock *ns;
	int r = nsock_tcp_listen(netstack_current(), port, backlog, &ns);

	return r < 0 ? r : slot_for(ns);
}

static int l_accept(int s, struct sock_addr *peer)
{
	struct lsock *l = get(s);
	struct nsock *ns;
	uint64_t dl;
	int r;

	if (!l || nsock_kind(l->ns) != NSOCK_LISTEN) {
		return E_INVAL;
	}
	dl = deadline_after(l->timeout_ns);
	while ((r = nsock_accept(l->ns, &ns, peer)) == E_AGAIN) {
		if ((r = event_block_until(
			     &l->rx_wait, deadline_first(dl, l->deadline))) < 0) {
			return r;
		}
	}
	return r < 0 ? r : slot_for(ns);
}

static int l_tcp_connect(const struct sock_addr *to)
{
	struct nsock *ns;
	struct lsock *l;
	int s, r = nsock_tcp_connect(netstack_current(), to, &ns);

	if (r < 0 || (s = slot_for(ns)) < 0) {
		return r < 0 ? r : E_NOMEM;
	}
	l = &socks[s];
	while ((r = nsock_connected(ns)) == E_AGAIN) {
		event_block_until(&l->tx_wait, 0);
	}
	if (r < 0) {
		nsock_close(ns);
		l->ns = NULL;
		return r;
	}
	return s;
}

static long l_send(int s, const void *buf, size_t len)
{
	struct lsock *l = get(s);
	size_t done = 0;
	long n;

	if (!l || nsock_kind(l->ns) != NSOCK_TCP) {
		return E_INVAL;
	}
	while (done < len) {
		n = nsock_send(l->ns, (const char *)buf + done, len - done);
		if (n == E_AGAIN) {
			if (event_block_until(&l->tx_wait, l->deadline) < 0) {
				return E_TIMEOUT;
			}
			if (!get(s)) {
				return E_CLOSED; /* closed by another thread */
			}
			continue;
		}
		if (n < 0) {
			return n;
		}
		done += (size_t)n;
	}
	return (long)len;
}

static long l_recv(int s, void *buf, size_t cap)
{
	struct lsock *l = get(s);
	uint64_t dl;
	long n;
	int r;

	if (!l || nsock_kind(l->ns) != NSOCK_TCP) {
		return E_INVAL;
	}
	dl = deadline_after(l->timeout_ns);
	while ((n = nsock_peek(l->ns, buf, cap)) == E_AGAIN) {
		if ((r = event_block_until(
			     &l->rx_wait, deadline_first(dl, l->deadline))) < 0) {
			return r;
		}
		if (!get(s)) {
			return E_CLOSED;
		}
	}
	if (n > 0) {
		nsock_consume(l->ns, (size_t)n);
	}
	return n;
}

static int l_timeout(int s, uint64_t ns)
{
	struct lsock *l = get(s);

	if (!l) {
		return E_INVAL;
	}
	l->timeout_ns = ns;
	return 0;
}

static int l_deadline(int s, uint64_t when)
{
	struct lsock *l = get(s);

	if (!l) {
		return E_INVAL;
	}
	l->deadline = when;
	on_notify(l->ns, l); /* waiting calls look at it now */
	return 0;
}

static int l_close(int s)
{
	struct lsock *l = get(s);
	struct thread *rx, *tx;

	if (!l) {
		return E_INVAL;
	}
	rx = l->rx_wait;
	tx = l->tx_wait;
	nsock_close(l->ns);
	memset(l, 0, sizeof(*l));
	if (rx) {
		thread_wake(rx);
	}
	if (tx) {
		thread_wake(tx);
	}
	return 0;
}

static int l_udp_bind(uint16_t port)
{
	struct nsock *ns;
	int r = nsock_udp_bind(netstack_current(), port, &ns);

	return r < 0 ? r : slot_for(ns);
}

static long l_sendto(int s, const void *buf, size_t len,
		     const struct sock_addr *to)
{
	struct lsock *l = get(s);

	if (!l || !to) {
		return E_INVAL;
	}
	return nsock_sendto(l->ns, buf, len, to);
}

static long l_recvfrom(int s, void *buf, size_t cap, struct sock_addr *from)
{
	struct lsock *l = get(s);
	uint64_t dl;
	long n;
	int r;

	if (!l || nsock_kind(l->ns) != NSOCK_UDP) {
		return E_INVAL;
	}
	dl = deadline_after(l->timeout_ns);
	while ((n = nsock_peek_datagram(l->ns, buf, cap, from)) ==
	       E_AGAIN) {
		if ((r = event_block_until(
			     &l->rx_wait, deadline_first(dl, l->deadline))) < 0) {
			return r;
		}
		if (!get(s)) {
			return E_CLOSED;
		}
	}
	if (n >= 0) {
		nsock_drop_datagram(l->ns);
		if ((size_t)n > cap) {
			n = (long)cap; /* truncated */
		}
	}
	return n;
}

const struct sock_backend sock_local_backend = {
	.init = l_init,
	.address = l_address,
	.tcp_listen = l_tcp_listen,
	.accept = l_accept,
	.tcp_connect = l_tcp_connect,
	.send = l_send,
	.recv = l_recv,
	.timeout = l_timeout,
	.deadline = l_deadline,
	.close = l_close,
	.udp_bind = l_udp_bind,
	.sendto = l_sendto,
	.recvfrom = l_recvfrom,
};
