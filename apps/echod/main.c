// SPDX-License-Identifier: MIT
/*
 * echod [tcp=N] [udp=N]: echo servers (RFC 862) over the network service.
 * Defaults: TCP port 7 and UDP port 7; port 0 turns that one off. Prints
 * "echod: tcp 7 udp 7" once both are bound.
 *
 * TCP: every connection gets a detached user-level thread that sends back
 * exactly the bytes it receives, as they come, until the peer closes its
 * side (then it closes too). At most ECHOD_CONN_MAX connections run at
 * once: one more evicts the connection that has waited longest since its
 * last byte came (sock_deadline in the past ends its waiting call). A
 * connection silent for ECHOD_IDLE_NS is closed, and each send must be
 * done within ECHOD_SEND_NS (a peer that sends but never reads is
 * dropped), so idle, half-open or slow peers cannot use up the server.
 * UDP: one thread returns each datagram to its sender (datagrams longer
 * than UDP_MAX are cut to UDP_MAX).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/conncap.h>
#include <net/sock.h>

#define ECHOD_CONN_MAX 32
#define ECHOD_IDLE_NS (30ull * 1000 * 1000 * 1000)
#define ECHOD_SEND_NS (30ull * 1000 * 1000 * 1000)
#define NET_WAIT_NS (60ull * 1000 * 1000 * 1000)
#define BACKLOG 16
#define CONN_STACK (32u << 10)
#define CHUNK 8192 /* per recv/send, on the connection thread's stack */
#define UDP_MAX 65507
#define ACCEPT_RETRY_NS (10ull * 1000 * 1000)

/* the TCP connections served (net/conncap.h); a connection's since is
 * when it was accepted or its last byte came */
static struct conncap_conn *conns[ECHOD_CONN_MAX];
static struct conncap table = {conns, ECHOD_CONN_MAX, 0};
static uint8_t datagram[UDP_MAX];

static int tcp_conn(void *arg)
{
	struct conncap_conn *c = arg;
	char buf[CHUNK];
	long n;

	for (;;) {
		n = sock_recv(c->s, buf, sizeof(buf));
		if (n <= 0 || c->evicted) {
			break;
		}
		c->since = sys_time_ns();
		sock_deadline(c->s, c->since + ECHOD_SEND_NS);
		if (sock_send(c->s, buf, (size_t)n) != n || c->evicted) {
			break;
		}
		sock_deadline(c->s, 0);
	}
	sock_close(c->s);
	conncap_end(&table, c);
	free(c);
	return 0;
}

static void tcp_start(int s)
{
	struct conncap_conn *c = NULL;
	struct thread *t;
	int slot = conncap_take(&table);

	if (slot < 0 || sock_timeout(s, ECHOD_IDLE_NS) < 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		goto fail;
	}
	c->s = s;
	c->since = sys_time_ns();
	if ((t = thread_create(tcp_conn, c, CONN_STACK)) == NULL) {
		goto fail;
	}
	thread_detach(t);
	conns[slot] = c;
	return;
fail:
	free(c);
	sock_close(s);
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
