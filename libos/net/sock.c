// SPDX-License-Identifier: MIT
/*
 * sock.h: every call goes to this process's backend: remote (the "net"
 * service, libos/net/remote.c) unless netstack_start made the stack run
 * here (local, libos/net/local.c).
 */
#include <net/sock_backend.h>
#include <string.h>
#include <parse.h>

static const struct sock_backend *be = &sock_remote_backend;

void sock_backend_set(const struct sock_backend *b)
{
	be = b;
}

int net_init(uint64_t timeout_ns)
{
	return be->init(timeout_ns);
}

int net_address(uint32_t *ip)
{
	return be->address(ip);
}

int sock_tcp_listen(uint16_t port, int backlog)
{
	return be->tcp_listen(port, backlog);
}

int sock_accept(int s, struct sock_addr *peer)
{
	return be->accept(s, peer);
}

int sock_tcp_connect(const struct sock_addr *to)
{
	return be->tcp_connect(to);
}

long sock_send(int s, const void *buf, size_t len)
{
	return be->send(s, buf, len);
}

long sock_recv(int s, void *buf, size_t cap)
{
	return be->recv(s, buf, cap);
}

int sock_timeout(int s, uint64_t ns)
{
	return be->timeout(s, ns);
}

int sock_deadline(int s, uint64_t when)
{
	return be->deadline(s, when);
}

int sock_close(int s)
{
	return be->close(s);
}

int sock_udp_bind(uint16_t port)
{
	return be->udp_bind(port);
}

long sock_sendto(int s, const void *buf, size_t len,
		 const struct sock_addr *to)
{
	return be->sendto(s, buf, len, to);
}

long sock_recvfrom(int s, void *buf, size_t cap, struct sock_addr *from)
{
	return be->recvfrom(s, buf, cap, from);
}

bool sock_port_arg(const char *arg, const char *key, uint16_t *port)
{
	size_t k = strlen(key);
	uint64_t v;

	if (strncmp(arg, key, k) != 0 || arg[k] != '=' ||
	    parse_u64(arg + k + 1, 10, 65535, &v) < 0) {
		return false;
	}
	*port = (uint16_t)v;
	return true;
}
