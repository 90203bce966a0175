// SPDX-License-Identifier: MIT
/*
 * The web server's connections (contract in httpd.h).
 *
 * One listening socket; the calling thread accepts, and every connection
 * gets a detached user-level thread with its own buffer (struct conn).
 * At most HTTPD_CONN_MAX run at once: when one more is accepted, the
 * connection whose wait began longest ago (the oldest idle one, or the
 * one with the slowest request) is let go (sock_deadline in the past ends
 * its waiting call; its thread closes it), so a new client is served at
 * once however many others trickle or sit idle. Each connection gives up
 * after HTTPD_IDLE_NS of silence; a request (head and body) must be
 * whole within HTTPD_REQUEST_NS of its first byte, and an answer sent
 * within HTTPD_SEND_NS (sock_deadline), so a client trickling a byte
 * every few seconds, or one that never reads, is dropped too.
 *
 * A connection thread parses what it has (http.c), answers every whole
 * request in order (pipelining), throws away request bodies, and reads
 * more only when the buffer holds no whole request. A malformed request
 * is answered (400, 414, 505) and the connection closed: after it, where
 * the next request starts is unknown.
 *
 * Files come from bootfile(), which maps each one once per process.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libos/bootfile.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/conncap.h>
#include <net/sock.h>

#include "http.h"
#include "httpd.h"

#define BACKLOG 64 /* the most netd takes: bursts of new connections wait, not refused */
#define CONN_STACK (32u << 10)
#define SMALL_REPLY 2048 /* head and body in one send when they fit */
#define ACCEPT_RETRY_NS (10ull * 1000 * 1000)

struct conn {
	/* its socket, evicted, and since: busy, when its first byte came;
	 * idle, when it went idle (net/conncap.h) */
	struct conncap_conn cap;
	size_t len;	/* bytes in buf */
	bool busy;	/* a request has begun (a byte of it came) */
	uint64_t req_deadline; /* busy: the whole request by then */
	struct http_request req;
	struct http_reply rep;
	char buf[HTTP_HEAD_MAX];
	char out[SMALL_REPLY];
};

/* the connections served (net/conncap.h) */
static struct conncap_conn *conns[HTTPD_CONN_MAX];
static struct conncap table = {conns, HTTPD_CONN_MAX, 0};

/* deadline: every socket call of c gives up at when (0: none); an
 * evicted connection keeps a deadline in the past */
static void deadline(struct conn *c, uint64_t when)
{
	sock_deadline(c->cap.s, c->cap.evicted ? 1 : when);
}

/* idle: no request under way; the next one's bytes, if any already came
 * (pipelined), start its deadline now */
static void idle(struct conn *c)
{
	c->cap.since = sys_time_ns();
	c->busy = c->len > 0;
	c->req_deadline = c->cap.since + HTTPD_REQUEST_NS;
	deadline(c, c->busy ? c->req_deadline : 0);
}

/* fill: receives more into c->buf; false when the connection is over
 * (closed, silent, past the request's deadline, evicted, an error) */
static bool fill(struct conn *c)
{
	long n =
	    sock_recv(c->cap.s, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n <= 0 || c->cap.evicted) {
		return false;
	}
	if (!c->busy) {
		c->busy = true;
		c->cap.since = sys_time_ns();
		c->req_deadline = c->cap.since + HTTPD_REQUEST_NS;
		deadline(c, c->req_deadline);
	}
	c->len += (size_t)n;
	return true;
}

/* drop: forgets the first n bytes of the stream (a head and its body),
 * reading and discarding what has not arrived yet, within the request's
 * deadline; false on error */
static bool drop(struct conn *c, uint64_t n)
{
	if (n <= c->len) {
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= (size_t)n;
		return true;
	}
	n -= c->len;
	c->len = 0;
	deadline(c, c->req_deadline);
	while (n > 0) {
		size_t want = n < sizeof(c->buf) ? (size_t)n : sizeof(c->buf);
		long got = sock_recv(c->cap.s, c->buf, want);
		if (got <= 0 || c->cap.evicted) {
			return false;
		}
		n -= (uint64_t)got;
	}
	return true;
}

/* send_reply: the answer, within HTTPD_SEND_NS (a client that does not
 * read cannot hold the connection) */
static bool send_reply(struct conn *c)
{
	const struct http_reply *r = &c->rep;

	deadline(c, sys_time_ns() + HTTPD_SEND_NS);
	if (r->head_len + r->body_len <= sizeof(c->out)) {
		memcpy(c->out, r->head, r->head_len);
		memcpy(c->out + r->head_len, r->body, r->body_len);
		return sock_send(c->cap.s, c->out,
				 r->head_len + r->body_len) >= 0;
	}
	return sock_send(c->cap.s, r->head, r->head_len) >= 0 &&
	       sock_send(c->cap.s, r->body, r->body_len) >= 0;
}

static void serve(struct conn *c)
{
	idle(c);
	while (!c->cap.evicted) {
		size_t used = http_parse(c->buf, c->len, &c->req);
		if (used == 0) {
			if (!fill(c)) {
				return;
			}
			continue;
		}
		http_reply(&c->req, bootfile, &c->rep);
		if (!send_reply(c) || c->rep.close || c->cap.evicted ||
		    !drop(c, used + c->req.body_len)) {
			return;
		}
		idle(c);
	}
}

static int conn_thread(void *arg)
{
	struct conn *c = arg;

	serve(c);
	sock_close(c->cap.s);
	conncap_end(&table, &c->cap);
	free(c);
	return 0;
}

/* start: a thread for connection s, making room if the cap is reached;
 * closes s when it cannot */
static void start(int s)
{
	struct conn *c = NULL;
	struct thread *t = NULL;
	int slot = conncap_take(&table);

	if (slot < 0 || sock_timeout(s, HTTPD_IDLE_NS) < 0 ||
	    (c = malloc(sizeof(*c))) == NULL) {
		goto fail;
	}
	memset(c, 0, offsetof(struct conn, req));
	c->cap.s = s;
	c->cap.since = sys_time_ns();
	if ((t = thread_create(conn_thread, c, CONN_STACK)) == NULL) {
		goto fail;
	}
	thread_detach(t);
	conns[slot] = &c->cap;
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
