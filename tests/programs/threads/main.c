// SPDX-License-Identifier: MIT
/*
 * threads [console | doublefree | overflow]: user-level threads, the event
 * loop and malloc, working together in one process.
 *
 * Without arguments: threads 1 and 2 each allocate 2048 blocks of 1 KiB
 * (4 MiB between them), yielding to each other every 256 allocations
 * (the order they ran in is printed: ABAB...), check their contents, free
 * every other block, grow the rest to 2 KiB with realloc (contents kept),
 * and free everything. Thread 3 waits on a channel inside the process
 * (event_wait_chan). Thread 4 yields until 1 and 2 are done, then sleeps
 * 100 ms on a timer (event_sleep_ns): every thread is blocked then, so
 * the event loop halts the process in SYS_WAIT (it must not spin: it may
 * pass over its sources only a few times meanwhile); when the timer fires
 * it sends "tick" to thread 3. main joins all four and checks their results,
 * then runs event_run with callbacks only (a timer that re-arms itself
 * three times, each time sending to a channel watcher that removes itself
 * after the third message; event_run must then return), then checks
 * calloc on reused memory, a malloc no core could satisfy, and that the
 * heap is whole and back to where it started. Last line:
 *   threads: 4 threads finished, 4096 allocations ok
 *
 * console (core 0): a thread sleeps 500 ms while the line is typed, then
 * reads it with event_read_console, 4 bytes at a time (the rest of what
 * arrived is kept for the next call), and main prints it:
 * "threads: read 'LINE'".
 * doublefree: frees a block twice (malloc must end the program).
 * overflow: a thread overruns its stack (the guard check must end it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/heap.h>
#include <libos/sys.h>
#include <libos/thread.h>

#define PIECES 2048
#define PIECE 1024
#define YIELD_EVERY 256
#define SLEEP_NS (100ull * 1000 * 1000)
#define TICK_TYPE 7
#define IDLE_PASSES_MAX 100

static char trace[64];
static unsigned ntrace, workers_done;
static struct binding tx; /* to rx, in this process */
static struct chan rx;
static uint32_t core;

static uint8_t pattern(unsigned who, unsigned i, unsigned k)
{
	return (uint8_t)(who * 97 + i * 13 + k);
}

static bool check(const uint8_t *p, size_t n, unsigned who, unsigned i)
{
	for (size_t k = 0; k < n; k++) {
		if (p[k] != pattern(who, i, (unsigned)k)) {
			return false;
		}
	}
	return true;
}

/* allocate: PIECES blocks, yielding every YIELD_EVERY; 0 if out of memory */
static int allocate(uint8_t **p, unsigned who, char name)
{
	for (unsigned i = 0; i < PIECES; i++) {
		if (!(p[i] = malloc(PIECE))) {
			return 0;
		}
		for (unsigned k = 0; k < PIECE; k++) {
			p[i][k] = pattern(who, i, k);
		}
		if (i % YIELD_EVERY == YIELD_EVERY - 1) {
			if (ntrace < sizeof(trace) - 1) {
				trace[ntrace++] = name; /* NUL-terminated */
			}
			thread_yield();
		}
	}
	return 1;
}

/* worker: the allocation thread; returns how many blocks checked out */
static int worker(void *arg)
{
	unsigned who = (unsigned)(uintptr_t)arg;
	uint8_t **p = calloc(PIECES, sizeof(*p));
	int ok = 0;

	if (!p || !allocate(p, who, (char)('A' + who - 1))) {
		printf("threads: thread %u out of memory\n", who);
		return -1;
	}
	for (unsigned i = 0; i < PIECES; i++) {
		ok += check(p[i], PIECE, who, i);
	}
	for (unsigned i = 0; i < PIECES; i += 2) {
		free(p[i]);
	}
	for (unsigned i = 1; i < PIECES; i += 2) {
		uint8_t *q = realloc(p[i], 2 * PIECE);

		if (!q || !check(q, PIECE, who, i)) {
			ok--;
		}
		free(q);
	}
	free(p);
	workers_done++;
	return ok;
}

/* listener: waits on the in-process channel for "tick" */
static int listener(void *arg)
{
	char buf[16] = {0};
	uint8_t type;
	int n;

	(void)arg;
	event_wait_chan(&rx);
	n = chan_msg_recv(&rx, &type, buf, sizeof(buf) - 1);
	if (n != 4 || type != TICK_TYPE || strcmp(buf, "tick") != 0) {
		printf("threads: thread 3 got a wrong message (%d)\n", n);
		return -1;
	}
	printf("threads: channel message 'tick' reached thread 3\n");
	return 0;
}

/* sleeper: once the workers are done, sleeps on a timer, then ticks */
static int sleeper(void *arg)
{
	struct event_stats before, after;
	uint64_t t0, slept, passes;

	(void)arg;
	while (workers_done < 2) {
		thread_yield();
	}
	event_stats(&before);
	t0 = sys_time_ns();
	event_sleep_ns(SLEEP_NS);
	slept = sys_time_ns() - t0;
	event_stats(&after);
	if (slept < SLEEP_NS) {
		printf("threads: timer fired early: %llu ns\n",
		       (unsigned long long)slept);
		return -1;
	}
	printf("threads: thread 4 woke after its 100 ms timer\n");
	/* halted, the loop passes once per wake-up (the timer, a stray
	 * doorbell); spinning, it would pass thousands of times */
	passes = after.passes - before.passes;
	printf("threads: the event loop %s while thread 4 slept\n",
	       passes < IDLE_PASSES_MAX ? "halted" : "SPUN");
	if (bind_send(&tx, TICK_TYPE, "tick", 4) != 0) {
		return -1;
	}
	return 0;
}

/* callbacks: a timer that fires TICKS times, each time sending a message
 * to a channel watcher that removes itself after the last one */
#define TICKS 3
#define TICK_NS (10ull * 1000 * 1000)

static struct event_timer tick_timer;
static struct event_chan tick_watch;
static unsigned ticks, received;

static void on_tick(struct event_timer *t)
{
	uint8_t n = (uint8_t)++ticks;

	bind_send(&tx, TICK_TYPE, &n, 1);
	if (ticks < TICKS) {
		event_timer_add(t, t->at_ns + TICK_NS, on_tick, 0);
	}
}

static void on_message(struct event_chan *e)
{
	uint8_t type, n;

	while (chan_msg_recv(e->c, &type, &n, 1) == 1) {
		if (n == received + 1) {
			received++;
		}
	}
	if (received == TICKS) {
		event_chan_remove(e);
	}
}

/* callbacks: event_run drives both and returns once nothing is left */
static void callbacks(void)
{
	event_chan_add(&tick_watch, &rx, on_message, 0);
	event_timer_add(&tick_timer, sys_time_ns() + TICK_NS, on_tick, 0);
	event_run();
	printf("threads: event_run returned after %u timer callbacks and %u "
	       "messages in order\n",
	       ticks, received);
}

/* after_all: calloc on reused memory, an impossible malloc, the heap */
static int after_all(size_t blocks_before)
{
	struct heap_stats st;
	uint8_t *p = malloc(4096);
	int bad = 0;

	memset(p, 0xff, 4096);
	free(p);
	p = calloc(64, 64);
	for (int i = 0; p && i < 4096; i++) {
		bad |= p[i];
	}
	free(p);
	printf("threads: calloc of reused memory %s\n",
	       bad || !p ? "NOT zeroed" : "zeroed");
	p = malloc((size_t)1 << 40);
	printf("threads: malloc(1 TiB) %s\n",
	       p ? "succeeded?!" : "failed as it must");
	malloc_stats(&st);
	printf("threads: heap check %d, %zu blocks leaked\n", malloc_check(),
	       st.used_blocks - blocks_before);
	return bad || p || st.used_blocks != blocks_before;
}

static int demo(void)
{
	int (*fn[4])(void *) = {worker, worker, listener, sleeper};
	int want[4] = {PIECES, PIECES, 0, 0}, status, finished = 0, allocs = 0;
	struct thread *t[4];
	struct event_stats es;
	struct heap_stats st;
	uint8_t *mem;
	void *frame;

	malloc_stats(&st);
	mem = malloc(2 * CHAN_FRAME_SIZE);
	frame = (void *)(((uintptr_t)mem + CHAN_FRAME_SIZE - 1) &
			 ~(uintptr_t)(CHAN_FRAME_SIZE - 1));
	memset(frame, 0, CHAN_FRAME_SIZE);
	bind_init(&tx, frame, 0, core, 0, &bind_env_libos);
	chan_init(&rx, frame, 1);
	for (int i = 0; i < 4; i++) {
		t[i] = thread_create(fn[i], (void *)(uintptr_t)(i + 1), 0);
		if (!t[i]) {
			printf("threads: cannot create thread %d\n", i + 1);
			return 1;
		}
	}
	for (int i = 0; i < 4; i++) {
		if (thread_join(t[i], &status) == 0 && status == want[i]) {
			finished++;
		}
		allocs += i < 2 && status > 0 ? status : 0;
	}
	printf("threads: yield order %s\n", trace);
	event_stats(&es);
	printf("threads: slept %llu times in SYS_WAIT with every thread "
	       "blocked\n",
	       (unsigned long long)es.sleeps);
	callbacks();
	free(mem);
	if (after_all(st.used_blocks)) {
		return 1;
	}
	printf("threads: %d threads finished, %d allocations ok\n", finished,
	       allocs);
	return finished == 4 && allocs == 2 * PIECES ? 0 : 1;
}

/* reader: reads console input 4 bytes at a time until Enter */
static int reader(void *arg)
{
	char *line = arg, piece[4];
	size_t len = 0;
	int n;

	/* let the typing pile up, so that pieces hold more than 4 bytes */
	event_sleep_ns(500ull * 1000 * 1000);
	for (;;) {
		n = event_read_console(piece, sizeof(piece));
		if (n <= 0) {
			printf("threads: event_read_console: %s\n", err_msg(n));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (piece[i] == '\r' || piece[i] == '\n') {
				line[len] = 0;
				return 0;
			}
			if (len < 63) {
				line[len++] = piece[i];
			}
		}
	}
}

/* console: a thread waits for a typed line while main waits for it */
static int console(void)
{
	static char line[64];
	struct thread *t = thread_create(reader, line, 0);
	int status = -1;

	printf("threads: type a line\n");
	if (!t || thread_join(t, &status) != 0 || status != 0) {
		return 1;
	}
	printf("threads: read '%s'\n", line);
	return 0;
}

static int deep(int depth)
{
	volatile uint8_t buf[512];

	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)depth;
	}
	return depth ? deep(depth - 1) + buf[depth % sizeof(buf)] : buf[0];
}

static int overflow(void *arg)
{
	(void)arg;
	deep(24); /* about 13 KiB on an 8 KiB stack */
	thread_yield();
	return 0;
}

int main(int argc, char **argv)
{
	struct sys_info in;

	if (sys_info(&in) == 0) {
		core = in.core_id;
	}
	if (argc > 1 && strcmp(argv[1], "doublefree") == 0) {
		void *p = malloc(100);

		free(p);
		free(p);
		printf("threads: double free not caught\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "overflow") == 0) {
		/* a cushion below the thread's block takes the overrun */
		void *cushion = malloc(32 << 10);
		struct thread *t = thread_create(overflow, 0, THREAD_STACK_MIN);

		thread_join(t, 0);
		free(cushion);
		printf("threads: stack overflow not caught\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "console") == 0) {
		return console();
	}
	return demo();
}
