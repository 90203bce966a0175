// SPDX-License-Identifier: MIT
/*
 * Stand-ins for the sockets (net/sock.h) while libos has no implementation
 * of them yet: each answers ERR_NOSYS, so httpd and echod link, boot and
 * say "no network: no such system call" instead of failing the build.
 * apps/SConscript links this file only when no libos source defines
 * sock_tcp_listen; the definitions are weak as well, in case both end up
 * in one link. Delete this file once the real ones land.
 */
#include <stddef.h>
#include <stdint.h>
#include <abi/errors.h>
#include <net/sock.h>

#define STUB __attribute__((weak))

STUB int net_init(uint64_t timeout_ns)
{
	(void)timeout_ns;
	return ERR_NOSYS;
}

STUB int net_address(uint32_t *ip)
{
	*ip = 0;
	return ERR_NOSYS;
}

STUB int sock_tcp_listen(uint16_t port, int backlog)
{
	(void)port, (void)backlog;
	return ERR_NOSYS;
}

STUB int sock_accept(int s, struct sock_addr *peer)
{
	(void)s, (void)peer;
	return ERR_NOSYS;
}

STUB int sock_tcp_connect(const struct sock_addr *to)
{
	(void)to;
	return ERR_NOSYS;
}

STUB long sock_send(int s, const void *buf, size_t len)
{
	(void)s, (void)buf, (void)len;
	return ERR_NOSYS;
}

STUB long sock_recv(int s, void *buf, size_t cap)
{
	(void)s, (void)buf, (void)cap;
	return ERR_NOSYS;
}

STUB int sock_timeout(int s, uint64_t ns)
{
	(void)s, (void)ns;
	return ERR_NOSYS;
}

STUB int sock_close(int s)
{
	(void)s;
	return ERR_NOSYS;
}

STUB int sock_udp_bind(uint16_t port)
{
	(void)port;
	return ERR_NOSYS;
}

STUB long sock_sendto(int s, const void *buf, size_t len,
		      const struct sock_addr *to)
{
	(void)s, (void)buf, (void)len, (void)to;
	return ERR_NOSYS;
}

STUB long sock_recvfrom(int s, void *buf, size_t cap, struct sock_addr *from)
{
	(void)s, (void)buf, (void)cap, (void)from;
	return ERR_NOSYS;
}
