// SPDX-License-Identifier: MIT
/*
 * echod [tcp=N] [udp=N]: echo servers (RFC 862) over the network service.
 * Defaults: TCP port 7 and UDP port 7; port 0 turns that one off. Prints
 * "echod: tcp 7 udp 7" once both are bound.
 *
 * TCP: every connection gets a detached user-level thread that sends back
 * exactly the bytes it receives, as they come, until the peer closes its
 * side (then it closes too). At most ECHOD_CONN_MAX connections run at
 * once (more are closed on accept), and a connection silent for
 * ECHOD_IDLE_NS is closed, so idle or half-open peers cannot use up the
 * server. UDP: one thread returns each datagram to its sender (datagrams
 * longer than UDP_MAX are cut to UDP_MAX).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/sock.h>

#define ECHOD_CONN_MAX 32
#define ECHOD_IDLE_NS (30ull * 1000 * 1000 * 1000)
#define NET_WAIT_NS (60ull * 1000 * 1000 * 1000)
#define BACKLOG 16
#define CONN_STACK (32u << 10)
#define CHUNK 8192 /* per recv/send, on the connection thread's stack */
#define UDP_MAX 65507
#define ACCEPT_RETRY_NS (10ull * 1000 * 1000)

static unsigned active; /* TCP connection threads (cooperative: no lock) */
static uint8_t datagram[UDP_MAX];

static int tcp_conn(void *arg)
{
	int s = (int)(intptr_t)arg;
	char buf[CHUNK];
	long n;

	while ((n = sock_recv(s, buf, sizeof(buf))) > 0 &&
	       sock_send(s, buf, (size_t)n) == n) {
	}
	sock_close(s);
	active--;
	return 0;
}

static void tcp_start(int s)
{
	struct thread *t;

	if (active >= ECHOD_CONN_MAX || sock_timeout(s, ECHOD_IDLE_NS) < 0 ||
	    (t = thread_create(tcp_conn, (void *)(intptr_t)s, CONN_STACK)) ==
		NULL) {
		sock_close(s);
		return;
	}
	thread_detach(t);
	active++;
}

static int tcp_serve(int ls)
{
	for (;;) {
		struct sock_addr peer;
		int s = sock_accept(ls, &peer);
		if (s >= 0) {
			tcp_start(s);
		} else if (s == E_CLOSED) {
			printf("echod: the network went away\n");
			return s;
		} else if (s != E_TIMEOUT) {
			event_sleep_ns(ACCEPT_RETRY_NS);
		}
	}
}

static int udp_serve(void *arg)
{
	int s = (int)(intptr_t)arg;

	for (;;) {
		struct sock_addr from;
		long n = sock_recvfrom(s, datagram, sizeof(datagram), &from);
		if (n >= 0) {
			sock_sendto(s, datagram, (size_t)n, &from);
		} else if (n == E_CLOSED) {
			printf("echod: the network went away\n");
			return 1;
		} else if (n != E_TIMEOUT) {
			event_sleep_ns(ACCEPT_RETRY_NS);
		}
	}
}

/* open_sockets: the listener and the UDP socket asked for; 0 or an error */
static int open_sockets(uint16_t tcp, uint16_t udp, int *ls, int *us)
{
	int r;

	if ((r = net_init(NET_WAIT_NS)) < 0) {
		printf("echod: no network: %s\n", err_msg(r));
		return r;
	}
	if (tcp && (*ls = sock_tcp_listen(tcp, BACKLOG)) < 0) {
		printf("echod: cannot listen on tcp %u: %s\n", tcp,
		       err_msg(*ls));
		return *ls;
	}
	if (udp && (*us = sock_udp_bind(udp)) < 0) {
		printf("echod: cannot bind udp %u: %s\n", udp, err_msg(*us));
		return *us;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint16_t tcp = 7, udp = 7;
	int ls = -1, us = -1;

	for (int i = 1; i < argc; i++) {
		if (!sock_port_arg(argv[i], "tcp", &tcp) &&
		    !sock_port_arg(argv[i], "udp", &udp)) {
			printf("echod: bad argument '%s' (usage: echod "
			       "[tcp=N] [udp=N])\n",
			       argv[i]);
			return 2;
		}
	}
	if ((tcp == 0 && udp == 0) || open_sockets(tcp, udp, &ls, &us) < 0) {
		return 1;
	}
	printf("echod: tcp %u udp %u\n", tcp, udp);
	if (tcp == 0) {
		return udp_serve((void *)(intptr_t)us);
	}
	if (udp != 0) {
		struct thread *t =
		    thread_create(udp_serve, (void *)(intptr_t)us, 0);
		if (t == NULL) {
			printf("echod: no memory for the udp thread\n");
			return 1;
		}
		thread_detach(t);
	}
	return tcp_serve(ls) < 0 ? 1 : 0;
}
