// SPDX-License-Identifier: MIT
/*
 * The web server's connections (contract in httpd.h).
 *
 * One listening socket; the calling thread accepts, and every connection
 * gets a detached user-level thread with its own buffer (struct conn).
 * At most HTTPD_CONN_MAX run at once: a connection beyond that is closed
 * as soon as it is accepted, so the listener keeps draining its backlog
 * and a flood of idle connections cannot wedge the server, only make it
 * refuse for a while. Each connection's socket gives up after
 * HTTPD_IDLE_NS of silence, and a request head must be whole within
 * HTTPD_HEAD_NS of its first byte (a client trickling one byte every few
 * seconds is dropped too).
 *
 * A connection thread parses what it has (http.c), answers every whole
 * request in order (pipelining), throws away request bodies, and reads
 * more only when the buffer holds no whole request. A malformed request
 * is answered (400, 414, 505) and the connection closed: after it, where
 * the next request starts is unknown.
 *
 * Files come from bootfile(), which maps each one once per process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libos/bootfile.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/sock.h>

#include "http.h"
#include "httpd.h"

#define BACKLOG 16
#define CONN_STACK (32u << 10)
#define SMALL_REPLY 2048 /* head and body in one send when they fit */
#define ACCEPT_RETRY_NS (10ull * 1000 * 1000)

struct conn {
	int s;
	size_t len;	     /* bytes in buf */
	uint64_t head_start; /* when the first byte of this head arrived */
	struct http_request req;
	struct http_reply rep;
	char buf[HTTP_HEAD_MAX];
	char out[SMALL_REPLY];
};

static unsigned active; /* connection threads running; threads are
			   cooperative, so no lock */

/* fill: receives more into c->buf; false when the connection is over
 * (closed, timed out, too slow, an error) */
static bool fill(struct conn *c)
{
	long n = sock_recv(c->s, c->buf + c->len, sizeof(c->buf) - c->len);
	uint64_t now = sys_time_ns();

	if (n <= 0) {
		return false;
	}
	if (c->len == 0) {
		c->head_start = now;
	} else if (now - c->head_start > HTTPD_HEAD_NS) {
		return false;
	}
	c->len += (size_t)n;
	return true;
}

/* drop: forgets the first n bytes of the stream (a head and its body),
 * reading and discarding what has not arrived yet; false on error */
static bool drop(struct conn *c, uint64_t n)
{
	if (n <= c->len) {
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= (size_t)n;
		c->head_start = sys_time_ns(); /* the next head's bytes */
		return true;
	}
	n -= c->len;
	c->len = 0;
	while (n > 0) {
		size_t want = n < sizeof(c->buf) ? (size_t)n : sizeof(c->buf);
		long got = sock_recv(c->s, c->buf, want);
		if (got <= 0) {
			return false;
		}
		n -= (uint64_t)got;
	}
	return true;
}

static bool send_reply(struct conn *c)
{
	const struct http_reply *r = &c->rep;

	if (r->head_len + r->body_len <= sizeof(c->out)) {
		memcpy(c->out, r->head, r->head_len);
		memcpy(c->out + r->head_len, r->body, r->body_len);
		return sock_send(c->s, c->out, r->head_len + r->body_len) >= 0;
	}
	return sock_send(c->s, r->head, r->head_len) >= 0 &&
	       sock_send(c->s, r->body, r->body_len) >= 0;
}

static void serve(struct conn *c)
{
	for (;;) {
		size_t used = http_parse(c->buf, c->len, &c->req);
		if (used == 0) {
			if (!fill(c)) {
				return;
			}
			continue;
		}
		http_reply(&c->req, bootfile, &c->rep);
		if (!send_reply(c) || c->rep.close ||
		    !drop(c, used + c->req.body_len)) {
			return;
		}
	}
}

static int conn_thread(void *arg)
{
	struct conn *c = arg;

	serve(c);
	sock_close(c->s);
	free(c);
	active--;
	return 0;
}

/* start: a thread for connection s; closes s when it cannot */
static void start(int s)
{
	struct conn *c = NULL;
	struct thread *t = NULL;

	if (active >= HTTPD_CONN_MAX || sock_timeout(s, HTTPD_IDLE_NS) < 0 ||
	    (c = malloc(sizeof(*c))) == NULL) {
		goto fail;
	}
	c->s = s;
	c->len = 0;
	if ((t = thread_create(conn_thread, c, CONN_STACK)) == NULL) {
		goto fail;
	}
	thread_detach(t);
	active++;
	return;
fail:
	free(c);
	sock_close(s);
}

int httpd_serve(uint16_t port)
{
	int ls = sock_tcp_listen(port, BACKLOG);

	if (ls < 0) {
		printf("httpd: cannot listen on port %u: %s\n", port,
		       err_msg(ls));
		return ls;
	}
	printf("httpd: listening on port %u\n", port);
	for (;;) {
		struct sock_addr peer;
		int s = sock_accept(ls, &peer);
		if (s >= 0) {
			start(s);
		} else if (s == E_CLOSED) {
			printf("httpd: the network went away\n");
			sock_close(ls);
			return s;
		} else if (s != E_TIMEOUT) {
			/* out of memory or sockets: let connections end */
			event_sleep_ns(ACCEPT_RETRY_NS);
		}
	}
}
