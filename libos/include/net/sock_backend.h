/* SPDX-License-Identifier: MIT */
/*
 * Who implements sock.h in this process: the remote backend (libos/net/
 * remote.c: over a channel to "net", the default) or the local one
 * (libos/net/local.c: the stack runs here; set by netstack_start).
 * Only the stack library calls sock_backend_set.
 */
#ifndef NET_SOCK_BACKEND_H
#define NET_SOCK_BACKEND_H

#include <net/sock.h>

struct sock_backend {
	int (*init)(uint64_t timeout_ns);
	int (*address)(uint32_t *ip);
	int (*tcp_listen)(uint16_t port, int backlog);
	int (*accept)(int s, struct sock_addr *peer);
	int (*tcp_connect)(const struct sock_addr *to);
	long (*send)(int s, const void *buf, size_t len);
	long (*recv)(int s, void *buf, size_t cap);
	int (*timeout)(int s, uint64_t ns);
	int (*deadline)(int s, uint64_t when);
	int (*close)(int s);
	int (*udp_bind)(uint16_t port);
	long (*sendto)(int s, const void *buf, size_t len,
		       const struct sock_addr *to);
	long (*recvfrom)(int s, void *buf, size_t cap, struct sock_addr *from);
};

extern const struct sock_backend sock_remote_backend;

/* sock_backend_set: sock.h calls go to b from now on. */
void sock_backend_set(const struct sock_backend *b);

#endif
