// SPDX-License-Identifier: MIT
/*
 * httpload PORT SECONDS CONNECTIONS: the network suite's second load
 * (site_scons/mkbench/suites.py), beside wrk. It sets up CONNECTIONS
 * keep-alive connections to 127.0.0.1:PORT one at a time, each answering
 * one GET / before the next opens, then keeps one GET in flight on each
 * for SECONDS and times every answer from the request's write to the
 * answer's last byte. wrk opens all its connections at once, and QEMU's
 * user network listens with a backlog of 1: most of them are set up in
 * 1 s steps of SYN retransmission, which shows in wrk's tail; this load
 * measures the server with its connections already there.
 *
 * Prints one line:
 *   httpload connections C seconds S requests N req_per_s R p50_ms A
 *   p99_ms B max_ms M errors E
 * and exits 0, or 1 with a reason on stderr if nothing could be measured.
 * An error (a connection closed or failed, a status other than 200, an
 * answer without Content-Length, no answer in 5 s) is counted and that
 * connection stops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX 64
#define HEAD_MAX 4096
#define ANSWER_NS 5000000000ll

static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

struct conn {
	int fd;
	long long sent_ns;  /* 0: stopped */
	size_t got, want;   /* bytes of the answer read, its size (0: unknown) */
	char head[HEAD_MAX + 1];
};

static struct conn conns[CONNS_MAX];
static long long *lat;
static size_t nlat, cap;
static unsigned errors;

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static int send_request(struct conn *c)
{
	c->got = c->want = 0;
	c->sent_ns = now_ns();
	return write(c->fd, request, sizeof(request) - 1) ==
		       (ssize_t)(sizeof(request) - 1)
		   ? 0
		   : -1;
}

/* answer_size: from the head read so far, the whole answer's size; 0 if
 * the head is not complete yet, -1 if it is not a 200 with a length */
static long answer_size(struct conn *c)
{
	char *end, *len;

	c->head[c->got < HEAD_MAX ? c->got : HEAD_MAX] = 0;
	end = strstr(c->head, "\r\n\r\n");
	if (!end) {
		return c->got >= HEAD_MAX ? -1 : 0;
	}
	len = strstr(c->head, "Content-Length:");
	if (strncmp(c->head, "HTTP/1.1 200", 12) != 0 || !len || len > end) {
		return -1;
	}
	return (long)(end + 4 - c->head) + atol(len + 15);
}

/* take: read what c has; 1 when its answer is complete, 0 if not yet,
 * -1 on an error */
static int take(struct conn *c)
{
	char sink[16384];
	char *to = c->got < HEAD_MAX ? c->head + c->got : sink;
	size_t room = c->got < HEAD_MAX ? HEAD_MAX - c->got : sizeof(sink);
	ssize_t n = read(c->fd, to, room);
	long size;

	if (n <= 0) {
		return -1;
	}
	c->got += (size_t)n;
	if (!c->want) {
		size = answer_size(c);
		if (size < 0) {
			return -1;
		}
		c->want = (size_t)size;
	}
	return c->want && c->got >= c->want;
}

static void stop(struct conn *c)
{
	errors++;
	close(c->fd);
	c->sent_ns = 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* open_one: connection i, set up and answering its first request */
static int open_one(struct conn *c, const struct sockaddr_in *to)
{
	int one = 1, r;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (const void *)to, sizeof(*to)) < 0) {
		fprintf(stderr, "httpload: connect: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (send_request(c) < 0) {
		return -1;
	}
	while ((r = take(c)) == 0) {
	}
	if (r < 0) {
		fprintf(stderr, "httpload: no good first answer\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct pollfd pfd[CONNS_MAX];
	long long end, t, p50, p99;
	int nconn;
	double secs;

	if (argc != 4 || (nconn = atoi(argv[3])) < 1 || nconn > CONNS_MAX ||
	    (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: httpload PORT SECONDS CONNECTIONS "
				"(1..%d)\n",
			CONNS_MAX);
		return 1;
	}
	to.sin_port = htons((unsigned short)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cap = 1u << 22;
	lat = malloc(cap * sizeof(*lat));
	if (!lat) {
		return 1;
	}
	for (int i = 0; i < nconn; i++) {
		if (open_one(&conns[i], &to) < 0) {
			return 1;
		}
	}
	end = now_ns() + (long long)(secs * 1e9);
	for (int i = 0; i < nconn; i++) {
		pfd[i].fd = conns[i].fd;
		pfd[i].events = POLLIN;
		if (send_request(&conns[i]) < 0) {
			stop(&conns[i]);
		}
	}
	while ((t = now_ns()) < end) {
		poll(pfd, (nfds_t)nconn, 100);
		for (int i = 0; i < nconn; i++) {
			struct conn *c = &conns[i];
			int r;

			if (!c->sent_ns) {
				pfd[i].fd = -1;
				continue;
			}
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				if (now_ns() - c->sent_ns > ANSWER_NS) {
					stop(c);
				}
				continue;
			}
			r = take(c);
			if (r < 0) {
				stop(c);
			} else if (r > 0) {
				if (nlat < cap) {
					lat[nlat++] = now_ns() - c->sent_ns;
				}
				if (send_request(c) < 0) {
					stop(c);
				}
			}
		}
	}
	if (!nlat) {
		fprintf(stderr, "httpload: no answer in %g s\n", secs);
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp);
	p50 = lat[nlat / 2];
	p99 = lat[nlat * 99 / 100];
	printf("httpload connections %d seconds %g requests %zu req_per_s "
	       "%.0f p50_ms %.3f p99_ms %.3f max_ms %.3f errors %u\n",
	       nconn, secs, nlat, (double)nlat / secs, p50 / 1e6, p99 / 1e6,
	       lat[nlat - 1] / 1e6, errors);
	return 0;
}
