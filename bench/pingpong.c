/* SPDX-License-Identifier: MIT */
/*
 * pingpong MODE [ROUNDS]: the Linux and host side of `scons bench
 * suite=channels`. Two threads pinned to CPUs 0 and 1 (or the first two
 * CPUs this process may use) bounce a one-slot message back and forth.
 *
 * Modes (the receiver of each direction either polls or sleeps):
 *   ring     channels/ring.c, the OS's own ring, two rings in shared memory;
 *            both sides poll (what `bench chan A B` does in the OS)
 *   pipe     two pipes, 56-byte messages; both sides sleep in read()
 *   eventfd  two eventfds; both sides sleep in read()
 *   futex    two futex words; both sides sleep in FUTEX_WAIT
 *
 * For each mode it prints one line the harness (site_scons/mkbench) parses:
 *   pingpong MODE rtt_median_ns N rtt_p99_ns N oneway_msgs_per_s N
 * Round trips: ROUNDS (default 2,000) after 100 warm-up ones, each timed
 * with clock_gettime(CLOCK_MONOTONIC), like chanbench's 2,000 samples.
 * One-way throughput: 20 * ROUNDS messages the receiver only counts (ring
 * and pipe; eventfd and futex have no message to count and print 0).
 * Errors go to stderr with exit status 1.
 *
 * Built statically (gcc -static -O2 -pthread) by bench/SConscript: the same
 * binary runs on the build machine and inside the Linux baseline guest.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <abi/errors.h>
#include <channels/ring.h>

#define WARMUP 100
#define MSG_LEN 56

enum mode { RING, PIPE, EVENTFD, FUTEX };

struct pp {
	enum mode mode;
	unsigned long rounds;   /* round trips measured */
	unsigned long oneway;   /* messages of the throughput phase */
	int cpu[2];             /* main thread, echo thread */
	/* ring */
	struct chan_frame *ping, *pong;
	/* pipe / eventfd */
	int to_echo[2], to_main[2];
	/* futex: 0 -> 1 means "your turn" */
	_Atomic uint32_t fx[2];
	/* throughput: how many the echo thread counted */
	unsigned long counted;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		die("sched_setaffinity");
	}
}

static long futex(_Atomic uint32_t *w, int op, uint32_t v)
{
	return syscall(SYS_futex, (uint32_t *)w, op, v, NULL, NULL, 0);
}

/* Ring helpers: the receiver polls; it acknowledges every message so the
 * sender never sees a full ring in the round-trip phase. */
static void ring_send(struct chan_tx *tx, uint8_t type)
{
	static const uint8_t payload[8];

	while (chan_send(tx, type, 0, payload, sizeof(payload)) == ERR_FULL) {
		__builtin_ia32_pause();
	}
}

static int ring_recv(struct chan_rx *rx)
{
	struct chan_msg m;
	int n;

	while ((n = chan_recv(rx, &m)) == ERR_AGAIN) {
		__builtin_ia32_pause();
	}
	chan_rx_ack(rx);
	return n < 0 ? -1 : m.type;
}

/* One message from the main thread to the echo thread (dir 0) or back
 * (dir 1); type 1 = ping, 2 = count only, 3 = stop. */
struct ends {
	struct chan_tx tx;
	struct chan_rx rx;
};

static void put(struct pp *p, struct ends *e, int dir, uint8_t type)
{
	uint8_t buf[MSG_LEN] = {type};
	uint64_t v = type; /* one message at a time: the count is the type */
	int fd = dir == 0 ? p->to_echo[1] : p->to_main[1];

	switch (p->mode) {
	case RING:
		ring_send(&e->tx, type);
		break;
	case PIPE:
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			die("write");
		}
		break;
	case EVENTFD:
		if (write(fd, &v, 8) != 8) {
			die("write");
		}
		break;
	case FUTEX:
		atomic_store(&p->fx[dir], type);
		futex(&p->fx[dir], FUTEX_WAKE_PRIVATE, 1);
		break;
	}
}

static int get(struct pp *p, struct ends *e, int dir)
{
	uint8_t buf[MSG_LEN];
	uint64_t v;
	uint32_t t;
	int fd = dir == 0 ? p->to_echo[0] : p->to_main[0];

	switch (p->mode) {
	case RING:
		return ring_recv(&e->rx);
	case PIPE:
		if (read(fd, buf, sizeof(buf)) != sizeof(buf)) {
			die("read");
		}
		return buf[0];
	case EVENTFD:
		if (read(fd, &v, 8) != 8) {
			die("read");
		}
		return (int)v;
	case FUTEX:
		while ((t = atomic_exchange(&p->fx[dir], 0)) == 0) {
			futex(&p->fx[dir], FUTEX_WAIT_PRIVATE, 0);
		}
		return (int)t;
	}
	return -1;
}

static void *echo(void *arg)
{
	struct pp *p = arg;
	struct ends e;
	int t;

	pin(p->cpu[1]);
	chan_tx_init(&e.tx, p->pong);
	chan_rx_init(&e.rx, p->ping);
	while ((t = get(p, &e, 0)) != 3) {
		if (t == 1) {
			put(p, &e, 1, 1);
		} else if (t == 2) {
			p->counted++;
		} else {
			fprintf(stderr, "pingpong: bad message %d\n", t);
			exit(1);
		}
	}
	put(p, &e, 1, 1);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run(struct pp *p)
{
	uint64_t *rtt = calloc(p->rounds, sizeof(*rtt));
	struct ends e;
	pthread_t th;
	uint64_t t0, t1;
	double rate = 0;

	if (!rtt) {
		die("calloc");
	}
	chan_frame_init(p->ping);
	chan_frame_init(p->pong);
	chan_tx_init(&e.tx, p->ping);
	chan_rx_init(&e.rx, p->pong);
	atomic_store(&p->fx[0], 0);
	atomic_store(&p->fx[1], 0);
	p->counted = 0;
	if (pthread_create(&th, NULL, echo, p) != 0) {
		die("pthread_create");
	}
	for (unsigned long i = 0; i < WARMUP + p->rounds; i++) {
		t0 = now_ns();
		put(p, &e, 0, 1);
		get(p, &e, 1);
		t1 = now_ns();
		if (i >= WARMUP) {
			rtt[i - WARMUP] = t1 - t0;
		}
	}
	if (p->mode == RING || p->mode == PIPE) {
		t0 = now_ns();
		for (unsigned long i = 0; i < p->oneway; i++) {
			put(p, &e, 0, 2);
		}
		put(p, &e, 0, 3);
		get(p, &e, 1);
		t1 = now_ns();
		rate = (double)p->counted * 1e9 / (double)(t1 - t0);
	} else {
		put(p, &e, 0, 3);
		get(p, &e, 1);
	}
	pthread_join(th, NULL);
	qsort(rtt, p->rounds, sizeof(*rtt), cmp_u64);
	printf("pingpong %s rtt_median_ns %llu rtt_p99_ns %llu "
	       "oneway_msgs_per_s %.0f\n",
	       (const char *[]){"ring", "pipe", "eventfd", "futex"}[p->mode],
	       (unsigned long long)rtt[p->rounds / 2],
	       (unsigned long long)rtt[p->rounds * 99 / 100], rate);
	fflush(stdout);
	free(rtt);
}

static void setup(struct pp *p)
{
	cpu_set_t set;
	int n = 0;

	if (posix_memalign((void **)&p->ping, CHAN_FRAME_SIZE,
			   CHAN_FRAME_SIZE) ||
	    posix_memalign((void **)&p->pong, CHAN_FRAME_SIZE,
			   CHAN_FRAME_SIZE)) {
		die("posix_memalign");
	}
	if (p->mode == PIPE && (pipe(p->to_echo) || pipe(p->to_main))) {
		die("pipe");
	}
	if (p->mode == EVENTFD) {
		p->to_echo[0] = p->to_echo[1] = eventfd(0, 0);
		p->to_main[0] = p->to_main[1] = eventfd(0, 0);
		if (p->to_echo[0] < 0 || p->to_main[0] < 0) {
			die("eventfd");
		}
	}
	/* The first two CPUs we may run on; with one CPU, no pinning. */
	p->cpu[0] = p->cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && n < 2; c++) {
			if (CPU_ISSET(c, &set)) {
				p->cpu[n++] = c;
			}
		}
	}
	if (n < 2) {
		p->cpu[0] = p->cpu[1] = -1;
	}
	pin(p->cpu[0]);
}

int main(int argc, char **argv)
{
	static const char *names[] = {"ring", "pipe", "eventfd", "futex"};
	struct pp p = {0};
	int found = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pingpong ring|pipe|eventfd|futex|all "
				"[ROUNDS]\n");
		return 2;
	}
	p.rounds = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
	if (p.rounds < 1) {
		p.rounds = 1;
	}
	p.oneway = 20 * p.rounds;
	for (int m = RING; m <= FUTEX; m++) {
		if (strcmp(argv[1], names[m]) && strcmp(argv[1], "all")) {
			continue;
		}
		found = 1;
		memset(&p.to_echo, 0, sizeof(p.to_echo));
		p.mode = (enum mode)m;
		setup(&p);
		run(&p);
	}
	if (!found) {
		fprintf(stderr, "pingpong: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
