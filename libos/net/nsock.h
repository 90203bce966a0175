/* SPDX-License-Identifier: MIT */
/*
 * Non-blocking sockets over lwIP's raw API: what both the local backend
 * (local.c: blocking calls for this process's threads) and the socket
 * server (server.c: for clients on other cores) are built on. Nothing
 * here blocks; "not now" is E_AGAIN, and the socket's notify
 * callback runs (from lwIP's callbacks) whenever something may have
 * changed: data or end of stream arrived, send room freed, a connection
 * was accepted or came up, the socket failed. notify must only mark and
 * wake: it must not call nsock_* itself.
 *
 * Flow control: received TCP data stays in lwIP's pbufs until
 * nsock_consume takes it, and only then is lwIP's window opened
 * (tcp_recved): a reader that does not read stops its sender. UDP keeps
 * at most NSOCK_UDP_QUEUE datagrams; later ones are dropped.
 *
 * Errors are ours (abi/errors.h, E_*): E_CLOSED reset or gone, E_UNREACH
 * connect failed, E_BUSY port taken, E_NOMEM lwIP out of pcbs.
 */
#ifndef NET_NSOCK_H
#define NET_NSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/sock.h>
#include <net/proto.h>

/* the process's network counters (stack.c), NET_STATS order */
extern uint64_t netstack_stat[NET_STAT_COUNT];

#define NSOCK_UDP_QUEUE 16

struct nsock;
struct netstack;

enum nsock_kind { NSOCK_LISTEN, NSOCK_TCP, NSOCK_UDP };

/* nsock_set_notify: fn(s, arg) whenever s may have changed */
void nsock_set_notify(struct nsock *s, void (*fn)(struct nsock *, void *),
		      void *arg);
enum nsock_kind nsock_kind(const struct nsock *s);

int nsock_tcp_listen(struct netstack *st, uint16_t port, int backlog,
		     struct nsock **out);
/* nsock_accept: the next connection that came (E_AGAIN: none yet) */
int nsock_accept(struct nsock *l, struct nsock **out, struct sock_addr *peer);

/* nsock_tcp_connect: starts connecting; nsock_connected tells when done */
int nsock_tcp_connect(struct netstack *st, const struct sock_addr *to,
		      struct nsock **out);
/* nsock_connected: 0 up, E_AGAIN still connecting, or the error */
int nsock_connected(const struct nsock *s);

/* nsock_send: queues up to len bytes; how many (>0), E_AGAIN (no room),
 * or an error */
long nsock_send(struct nsock *s, const void *buf, size_t len);
/* nsock_sendable: bytes nsock_send would take now (0 on error) */
size_t nsock_sendable(const struct nsock *s);

/* nsock_peek: copies up to cap received bytes without taking them; how
 * many (>0), 0 at end of stream, E_AGAIN, or the socket's error */
long nsock_peek(struct nsock *s, void *buf, size_t cap);
/* nsock_consume: takes n peeked bytes and opens the window by n */
void nsock_consume(struct nsock *s, size_t n);

int nsock_udp_bind(struct netstack *st, uint16_t port, struct nsock **out);
long nsock_sendto(struct nsock *s, const void *buf, size_t len,
		  const struct sock_addr *to);
/* nsock_peek_datagram: the oldest datagram's bytes (up to cap) and
 * sender; returns its full length, E_AGAIN if none */
long nsock_peek_datagram(struct nsock *s, void *buf, size_t cap,
			 struct sock_addr *from);
void nsock_drop_datagram(struct nsock *s);

/* nsock_close: ends and frees s (a listener's unaccepted connections too) */
void nsock_close(struct nsock *s);

/* stack.c: the interface of a stack, for binding pcbs to it */
struct netif;
struct netif *netstack_netif(struct netstack *st);
struct netstack *netstack_current(void);
/* netstack_kick: something was queued for the device: make sure the
 * poll runs soon */
void netstack_kick(struct netstack *st);

#endif
