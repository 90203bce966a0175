/* SPDX-License-Identifier: MIT */
/*
 * Sockets: TCP and UDP for programs on any core.
 *
 * The network stack (lwIP) runs in one process, on the core that owns
 * the network device (netd, or a program that links the stack itself:
 * the co-located, kernel-bypass mode). Every other program reaches it
 * over a channel to the service "net" (found through the monitor).
 * The same calls work in both modes; which one a process uses is decided
 * by net_init (remote) or netstack_start (co-located, libos/net/stack.h).
 *
 * Calls block the calling user-level thread only (libos/thread.h): other
 * threads of the process run meanwhile, so a server runs one thread per
 * connection. Results are >= 0 on success, else a negative E_* from
 * abi/errors.h: E_CLOSED when the connection was reset or the stack
 * went away, E_TIMEOUT after sock_timeout's limit, E_UNREACH when
 * connect fails, E_BUSY when a port is taken, E_NOMEM, E_INVAL.
 *
 * Addresses and ports are in host byte order.
 */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_addr {
	uint32_t ip; /* 10.0.2.15 is 0x0a00020f */
	uint16_t port;
};

/* net_init: use the network service "net" over a channel, waiting up to
 * timeout_ns for it to appear (0: wait forever). 0, E_TIMEOUT. Not
 * needed (returns 0 at once) in a process that runs the stack itself. */
int net_init(uint64_t timeout_ns);

/* net_address: this machine's IPv4 address (0 until DHCP is done). */
int net_address(uint32_t *ip);

int sock_tcp_listen(uint16_t port, int backlog);
/* sock_accept: waits for the next connection on listening socket s;
 * returns the new socket */
int sock_accept(int s, struct sock_addr *peer);
int sock_tcp_connect(const struct sock_addr *to);
/* sock_send: all len bytes, waiting for room; returns len */
long sock_send(int s, const void *buf, size_t len);
/* sock_recv: waits for at least one byte; returns how many, 0 at end of
 * stream (the peer closed its side) */
long sock_recv(int s, void *buf, size_t cap);
/* sock_timeout: later sock_recv/sock_accept on s give up after ns
 * (0: never) with E_TIMEOUT */
int sock_timeout(int s, uint64_t ns);
/* sock_deadline: every blocking call on s (accept, send, recv,
 * recvfrom), those waiting now included, gives up with E_TIMEOUT at the
 * time `when` (sys_time_ns; 0: no deadline), besides sock_timeout's limit
 * per call. A deadline in the past ends the waiting calls at once: so
 * another thread can make a connection's thread let go (a send that
 * gives up has sent part of its bytes: close the socket). */
int sock_deadline(int s, uint64_t when);
/* sock_close: ends the connection (or listener, or UDP socket) and frees
 * s */
int sock_close(int s);

int sock_udp_bind(uint16_t port);
long sock_sendto(int s, const void *buf, size_t len,
		 const struct sock_addr *to);
/* sock_recvfrom: one datagram (truncated to cap); returns its length */
long sock_recvfrom(int s, void *buf, size_t cap, struct sock_addr *from);

/* sock_port_arg: a program argument "KEY=N" (0 <= N <= 65535) into
 * *port; true if arg is KEY=N, false if it is something else or N is not
 * a port number. */
bool sock_port_arg(const char *arg, const char *key, uint16_t *port);

#endif
