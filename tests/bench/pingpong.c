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
 * pingpong remote [ROUNDS]: the Linux side of `scons bench suite=remote`
 * (ROUNDS default 200, after 5 warm-up ones). The main thread is pinned to
 * the first CPU this process may use; three operations, each timed with
 * clock_gettime:
 *   spawn    fork a child that pins itself (sched_setaffinity) to the last
 *            CPU and writes a byte to a pipe from there: the time until the
 *            parent has read it (the child is reaped outside the timing);
 *   spawnexec  the same, but the pinned child execs a static program
 *            (this one, /proc/self/exe, as `pingpong execnop FD`), whose
 *            main writes the byte: fork + exec + the program's start-up,
 *            the counterpart of our spawn, which loads a program;
 *   borrow   mmap 2 MiB anonymous with MAP_POPULATE, then munmap it;
 *   allcore  munmap of a 2 MiB-aligned 2 MiB region with one page touched,
 *            so that its page table is freed: Linux then sends a TLB
 *            shootdown IPI to every CPU in the address space's CPU mask,
 *            lazy (idle) ones included, and waits for each to answer. One
 *            helper thread is pinned to each other CPU and sleeps in
 *            FUTEX_WAIT; before each round (untimed) all are woken and
 *            acknowledge, so every CPU has this address space loaded (a
 *            lazy CPU drops it when it takes the shootdown). No thread
 *            spins: under TCG spinning vCPUs starve the others.
 *   local    a request and its reply between two processes on the same
 *            CPU: a forked child (pinned where the main thread is) sleeps
 *            in FUTEX_WAIT on a word of a shared mapping; the parent sets
 *            the word, wakes it and sleeps on a second word, which the
 *            child sets before it wakes the parent and sleeps again. Two
 *            switches between address spaces a round, the counterpart of
 *            our local call (a program's empty call to its own monitor).
 * One line each:
 *   pingpong remote OP cpus N median_ns X p99_ns Y
 * and for allcore ` tlb_ipis_per_op F reached K` added: TLB shootdowns
 * all CPUs took per round (from /proc/interrupts, warm-up included) and
 * how many CPUs besides ours took at least one per round; left out when
 * /proc/interrupts has no TLB line. An operation that fails prints
 *   pingpong remote OP failed: WHY
 * and the program exits with status 1.
 *
 * Built statically (gcc -static -O2 -pthread) by tests/bench/SConscript: the same
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
#include <errno.h>
#include <limits.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
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
	struct ring_frame *ping, *pong;
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
static void pp_send(struct ring_tx *tx, uint8_t type)
{
	static const uint8_t payload[8];

	while (ring_send(tx, type, 0, payload, sizeof(payload)) == E_FULL) {
		__builtin_ia32_pause();
	}
}

static int pp_recv(struct ring_rx *rx)
{
	struct ring_msg m;
	int n;

	while ((n = ring_recv(rx, &m)) == E_AGAIN) {
		__builtin_ia32_pause();
	}
	ring_rx_ack(rx);
	return n < 0 ? -1 : m.type;
}

/* One message from the main thread to the echo thread (dir 0) or back
 * (dir 1); type 1 = ping, 2 = count only, 3 = stop. */
struct ends {
	struct ring_tx tx;
	struct ring_rx rx;
};

static void put(struct pp *p, struct ends *e, int dir, uint8_t type)
{
	uint8_t buf[MSG_LEN] = {type};
	uint64_t v = type; /* one message at a time: the count is the type */
	int fd = dir == 0 ? p->to_echo[1] : p->to_main[1];

	switch (p->mode) {
	case RING:
		pp_send(&e->tx, type);
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
		return pp_recv(&e->rx);
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
	ring_tx_init(&e.tx, p->pong);
	ring_rx_init(&e.rx, p->ping);
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
	ring_frame_init(p->ping);
	ring_frame_init(p->pong);
	ring_tx_init(&e.tx, p->ping);
	ring_rx_init(&e.rx, p->pong);
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

/* ---------------------------------------------------------------- remote */

#define REMOTE_WARMUP 5
#define REMOTE_BYTES (2ul << 20) /* borrowed; also one page table's reach */

struct remote {
	unsigned long rounds; /* measured; REMOTE_WARMUP more are run first */
	int ncpus;
	int cpu[CPU_SETSIZE]; /* the CPUs we may use, ascending */
	uint64_t *ns;         /* one sample per measured round */
	/* allcore: written by the main thread, read by the helpers */
	_Atomic uint32_t gen; /* bumped to wake every helper */
	_Atomic int stop;
	/* allcore: incremented by each helper once per gen */
	_Atomic uint32_t acks;
};

static void remote_fail(const char *op, const char *what)
{
	printf("pingpong remote %s failed: %s: %s\n", op, what,
	       strerror(errno));
	exit(1);
}

/* remote_print: sorts the samples and prints the OP line (without its
 * newline when more follows) */
static void remote_print(struct remote *r, const char *op, int more)
{
	qsort(r->ns, r->rounds, sizeof(*r->ns), cmp_u64);
	printf("pingpong remote %s cpus %d median_ns %llu p99_ns %llu%s", op,
	       r->ncpus, (unsigned long long)r->ns[r->rounds / 2],
	       (unsigned long long)r->ns[r->rounds * 99 / 100],
	       more ? "" : "\n");
	fflush(stdout);
}

/* spawn_once: fork a child pinned to the last CPU that writes a byte to
 * a pipe, itself or (exec) through a fresh static program */
static uint64_t spawn_once(struct remote *r, int exec)
{
	const char *op = exec ? "spawnexec" : "spawn";
	char fdarg[16];
	int fd[2];
	char c = 1;
	pid_t pid;
	uint64_t t0, t1;

	if (pipe(fd) != 0) {
		remote_fail(op, "pipe");
	}
	snprintf(fdarg, sizeof(fdarg), "%d", fd[1]);
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		remote_fail(op, "fork");
	}
	if (pid == 0) {
		pin(r->cpu[r->ncpus - 1]);
		if (exec) {
			execl("/proc/self/exe", "pingpong", "execnop", fdarg,
			      (char *)NULL);
			_exit(1); /* no byte: the parent reads end of file */
		}
		_exit(write(fd[1], &c, 1) == 1 ? 0 : 1);
	}
	close(fd[1]); /* a child that dies early gives end of file */
	errno = 0;
	if (read(fd[0], &c, 1) != 1) {
		errno = errno ? errno : EIO; /* end of file: the child failed */
		remote_fail(op, "read");
	}
	t1 = now_ns();
	waitpid(pid, NULL, 0);
	close(fd[0]);
	return t1 - t0;
}

static uint64_t borrow_once(void)
{
	uint64_t t0 = now_ns();
	void *p = mmap(NULL, REMOTE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		remote_fail("borrow", "mmap");
	}
	if (munmap(p, REMOTE_BYTES) != 0) {
		remote_fail("borrow", "munmap");
	}
	return now_ns() - t0;
}

/* tlb_counts: each CPU's TLB shootdowns so far from /proc/interrupts
 * (columns are the online CPUs, in order); returns how many, or -1 */
static int tlb_counts(unsigned long *out, int max)
{
	static char line[1 << 14];
	FILE *f = fopen("/proc/interrupts", "r");
	int n = -1;

	if (!f) {
		return -1;
	}
	while (n < 0 && fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ') {
			p++;
		}
		if (strncmp(p, "TLB:", 4) != 0) {
			continue;
		}
		p += 4;
		for (n = 0; n < max; n++) {
			out[n] = strtoul(p, &end, 10);
			if (end == p) {
				break;
			}
			p = end;
		}
	}
	fclose(f);
	return n;
}

static void *allcore_helper(void *arg)
{
	struct remote *r = arg;
	uint32_t seen = 0;

	for (;;) {
		/* the last to acknowledge wakes the main thread */
		if (atomic_fetch_add(&r->acks, 1) + 1 ==
		    (uint32_t)r->ncpus - 1) {
			futex(&r->acks, FUTEX_WAKE_PRIVATE, 1);
		}
		while (atomic_load(&r->gen) == seen) {
			futex(&r->gen, FUTEX_WAIT_PRIVATE, seen);
		}
		seen = atomic_load(&r->gen);
		if (atomic_load(&r->stop)) {
			return NULL;
		}
	}
}

/* allcore_wait: sleeps until every helper has acknowledged */
static void allcore_wait(struct remote *r)
{
	uint32_t v;

	while ((v = atomic_load(&r->acks)) < (uint32_t)r->ncpus - 1) {
		futex(&r->acks, FUTEX_WAIT_PRIVATE, v);
	}
}

/* allcore_wake: every helper runs once on its CPU; returns when all have */
static void allcore_wake(struct remote *r)
{
	/* acks first: a helper woken by the new gen must count for it */
	atomic_store(&r->acks, 0);
	atomic_fetch_add(&r->gen, 1);
	futex(&r->gen, FUTEX_WAKE_PRIVATE, INT_MAX);
	allcore_wait(r);
}

/* allcore_region: a 2 MiB-aligned 2 MiB mapping alone in its page table
 * (what is mapped around it is trimmed away), one page touched */
static char *allcore_region(void)
{
	char *p = mmap(NULL, 2 * REMOTE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		remote_fail("allcore", "mmap");
	}
	a = (char *)(((uintptr_t)p + REMOTE_BYTES - 1) & ~(REMOTE_BYTES - 1));
	if ((a > p && munmap(p, (size_t)(a - p)) != 0) ||
	    (a + REMOTE_BYTES < p + 2 * REMOTE_BYTES &&
	     munmap(a + REMOTE_BYTES,
		    (size_t)(p + 2 * REMOTE_BYTES - a - REMOTE_BYTES)) != 0)) {
		remote_fail("allcore", "munmap");
	}
	/* no transparent huge page: it would leave no page table to free */
	madvise(a, REMOTE_BYTES, MADV_NOHUGEPAGE);
	a[0] = 1;
	return a;
}

static void allcore_start(struct remote *r, pthread_t *th)
{
	pthread_attr_t attr;
	cpu_set_t set;

	for (int i = 1; i < r->ncpus; i++) {
		CPU_ZERO(&set);
		CPU_SET(r->cpu[i], &set);
		if (pthread_attr_init(&attr) != 0 ||
		    pthread_attr_setstacksize(&attr, 1 << 16) != 0 ||
		    pthread_attr_setaffinity_np(&attr, sizeof(set), &set) != 0 ||
		    pthread_create(&th[i], &attr, allcore_helper, r) != 0) {
			remote_fail("allcore", "pthread_create");
		}
		pthread_attr_destroy(&attr);
	}
	allcore_wait(r);
}

static void allcore_stop(struct remote *r, pthread_t *th)
{
	atomic_store(&r->stop, 1);
	atomic_fetch_add(&r->gen, 1);
	futex(&r->gen, FUTEX_WAKE_PRIVATE, INT_MAX);
	for (int i = 1; i < r->ncpus; i++) {
		pthread_join(th[i], NULL);
	}
}

static void allcore(struct remote *r)
{
	static pthread_t th[CPU_SETSIZE];
	static unsigned long before[CPU_SETSIZE], after[CPU_SETSIZE];
	unsigned long total = 0, runs = REMOTE_WARMUP + r->rounds;
	int n, reached = 0;
	uint64_t t0;

	allcore_start(r, th);
	n = tlb_counts(before, CPU_SETSIZE);
	for (unsigned long i = 0; i < runs; i++) {
		char *a = allcore_region();

		allcore_wake(r);
		t0 = now_ns();
		if (munmap(a, REMOTE_BYTES) != 0) {
			remote_fail("allcore", "munmap");
		}
		if (i >= REMOTE_WARMUP) {
			r->ns[i - REMOTE_WARMUP] = now_ns() - t0;
		}
	}
	allcore_stop(r, th);
	if (n > 0 && tlb_counts(after, CPU_SETSIZE) != n) {
		n = -1;
	}
	remote_print(r, "allcore", n > 0);
	if (n <= 0) {
		return;
	}
	for (int c = 0; c < n; c++) {
		total += after[c] - before[c];
		reached += c != r->cpu[0] && after[c] - before[c] >= runs;
	}
	printf(" tlb_ipis_per_op %.2f reached %d\n", (double)total / runs,
	       reached);
	fflush(stdout);
}

/* local_calls: the `local` operation (see the top); the child leaves
 * when it finds w[2] set, and a child that died makes the parent's wait
 * end with the round unanswered (FUTEX_WAIT has a 1 s deadline) */
static void local_calls(struct remote *r)
{
	_Atomic uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec limit = {1, 0};
	pid_t pid;

	if (w == MAP_FAILED) {
		remote_fail("local", "mmap");
	}
	pid = fork();
	if (pid < 0) {
		remote_fail("local", "fork");
	}
	if (pid == 0) {
		for (;;) {
			while (atomic_load(&w[0]) == 0) {
				syscall(SYS_futex, (uint32_t *)&w[0],
					FUTEX_WAIT, 0, NULL, NULL, 0);
			}
			if (atomic_load(&w[2])) {
				_exit(0);
			}
			atomic_store(&w[0], 0);
			atomic_store(&w[1], 1);
			futex(&w[1], FUTEX_WAKE, 1);
		}
	}
	for (unsigned long i = 0; i < REMOTE_WARMUP + r->rounds; i++) {
		uint64_t t0 = now_ns();

		atomic_store(&w[0], 1);
		futex(&w[0], FUTEX_WAKE, 1);
		while (atomic_load(&w[1]) == 0) {
			if (syscall(SYS_futex, (uint32_t *)&w[1], FUTEX_WAIT, 0,
				    &limit, NULL, 0) != 0 &&
			    errno == ETIMEDOUT) {
				kill(pid, SIGKILL);
				remote_fail("local", "no answer within 1 s");
			}
		}
		if (i >= REMOTE_WARMUP) {
			r->ns[i - REMOTE_WARMUP] = now_ns() - t0;
		}
		atomic_store(&w[1], 0);
	}
	atomic_store(&w[2], 1);
	atomic_store(&w[0], 1);
	futex(&w[0], FUTEX_WAKE, 1);
	waitpid(pid, NULL, 0);
	munmap((void *)w, 4096);
	remote_print(r, "local", 0);
}

static int remote_main(unsigned long rounds)
{
	static struct remote r;
	cpu_set_t set;

	r.rounds = rounds;
	r.ns = calloc(rounds, sizeof(*r.ns));
	if (!r.ns || sched_getaffinity(0, sizeof(set), &set) != 0) {
		remote_fail("spawn", "setup");
	}
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &set)) {
			r.cpu[r.ncpus++] = c;
		}
	}
	if (r.ncpus < 2) {
		errno = EINVAL;
		remote_fail("spawn", "fewer than 2 CPUs");
	}
	pin(r.cpu[0]);
	for (int exec = 0; exec <= 1; exec++) {
		for (unsigned long i = 0; i < REMOTE_WARMUP + rounds; i++) {
			uint64_t t = spawn_once(&r, exec);

			if (i >= REMOTE_WARMUP) {
				r.ns[i - REMOTE_WARMUP] = t;
			}
		}
		remote_print(&r, exec ? "spawnexec" : "spawn", 0);
	}
	for (unsigned long i = 0; i < REMOTE_WARMUP + rounds; i++) {
		uint64_t t = borrow_once();

		if (i >= REMOTE_WARMUP) {
			r.ns[i - REMOTE_WARMUP] = t;
		}
	}
	remote_print(&r, "borrow", 0);
	local_calls(&r);
	allcore(&r);
	free(r.ns);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *names[] = {"ring", "pipe", "eventfd", "futex"};
	struct pp p = {0};
	int found = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pingpong ring|pipe|eventfd|futex|all "
				"[ROUNDS]\n       pingpong remote [ROUNDS]\n");
		return 2;
	}
	if (strcmp(argv[1], "execnop") == 0 && argc > 2) {
		/* spawnexec's child: one byte to the pipe fd, at once */
		char c = 1;

		_exit(write(atoi(argv[2]), &c, 1) == 1 ? 0 : 1);
	}
	if (strcmp(argv[1], "remote") == 0) {
		return remote_main(argc > 2 && strtoul(argv[2], NULL, 0) > 0
					   ? strtoul(argv[2], NULL, 0)
					   : 200);
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
