// SPDX-License-Identifier: MIT
/*
 * Cooperative user-level threads (see libos/thread.h).
 *
 * A thread is one malloc block: its stack, with guard words at the bottom
 * and its struct thread at the top, above the first frame, so that an
 * overflow runs into the guard (and the heap below), never into the
 * thread's own record. Thread 0 is static and runs on the process stack.
 *
 * The run queue holds the runnable threads other than the running one,
 * in FIFO order. A thread leaves the CPU by putting itself on the queue
 * (thread_yield) or not (blocked, dead) and switching to the queue's head.
 * With the queue empty the idle hook (the event loop) halts the process
 * until an event wakes a thread; it runs on the stack of the thread that
 * gave up the CPU, which stays allocated until the next thread runs.
 *
 * A dead thread is freed by its joiner; a detached one by the first
 * thread that runs after it (`reap`), since it cannot free the stack it
 * is still running on.
 */
#include <libos/thread.h>
#include <libos/sys.h>
#include <arch/ctx.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_WORDS 8
#define GUARD 0x6775617264737461ull /* "guardsta" */

enum thread_state { T_RUNNABLE, T_BLOCKED, T_DEAD };

struct thread {
	void *sp;	       /* saved stack pointer while switched out */
	struct thread *next;   /* run queue link */
	struct thread *joiner; /* the thread blocked in thread_join on it */
	uint64_t *stack;       /* lowest word of the block (guard); thread 0:
				  NULL */
	int (*fn)(void *);
	void *arg;
	int status;
	unsigned id;
	enum thread_state state;
	bool detached;
};

static struct thread main_thread; /* id 0, runnable */
static struct thread *cur = &main_thread;
static struct thread *rq_head, *rq_tail;
static struct thread *reap;
static unsigned next_id = 1, alive = 1;
static void (*poll_hook)(void);
static bool (*idle_hook)(void);
static bool held, polling;

static void enqueue(struct thread *t)
{
	t->next = 0;
	if (rq_tail) {
		rq_tail->next = t;
	} else {
		rq_head = t;
	}
	rq_tail = t;
}

static struct thread *dequeue(void)
{
	struct thread *t = rq_head;

	if (t) {
		rq_head = t->next;
		if (!rq_head) {
			rq_tail = 0;
		}
	}
	return t;
}

static void check_guard(const struct thread *t)
{
	char line[64];

	if (!t->stack) {
		return;
	}
	for (int i = 0; i < GUARD_WORDS; i++) {
		if (t->stack[i] != GUARD) {
			snprintf(line, sizeof(line),
				 "thread %u: stack overflow", t->id);
			libos_fatal(line);
		}
	}
}

static void reap_dead(void)
{
	if (reap && reap != cur) {
		free(reap->stack);
		reap = 0;
	}
}

static void switch_to(struct thread *next)
{
	struct thread *prev = cur;

	if (next == prev) {
		return;
	}
	check_guard(prev);
	cur = next;
	arch_ctx_switch(&prev->sp, next->sp);
	/* back on prev's stack, switched to by someone */
	reap_dead();
}

/* schedule: the caller has queued itself or is blocked or dead: run the
 * next runnable thread, waiting for events while there is none */
static void schedule(void)
{
	struct thread *next;

	while (!(next = dequeue())) {
		if (alive == 0) {
			fflush_stdout();
			sys_exit(main_thread.status);
		}
		if (!idle_hook || !idle_hook()) {
			libos_fatal("thread: deadlock: every thread is blocked "
				    "and nothing can wake one");
		}
	}
	switch_to(next);
}

static void start(void *arg)
{
	struct thread *t = arg;

	reap_dead();
	thread_exit(t->fn(t->arg));
}

struct thread *thread_create(int (*fn)(void *), void *arg, size_t stack_size)
{
	struct thread *t;
	uint8_t *mem;

	if (!stack_size) {
		stack_size = THREAD_STACK_DEFAULT;
	}
	if (stack_size < THREAD_STACK_MIN) {
		stack_size = THREAD_STACK_MIN;
	}
	if (stack_size > SIZE_MAX / 2) {
		return 0;
	}
	stack_size = (stack_size + 15) & ~(size_t)15;
	mem = malloc(stack_size + sizeof(*t));
	if (!mem) {
		return 0;
	}
	t = (struct thread *)(mem + stack_size);
	memset(t, 0, sizeof(*t));
	t->stack = (uint64_t *)mem;
	for (int i = 0; i < GUARD_WORDS; i++) {
		t->stack[i] = GUARD;
	}
	t->fn = fn;
	t->arg = arg;
	t->id = next_id++;
	t->state = T_RUNNABLE;
	t->sp = arch_ctx_init(mem, stack_size, start, t);
	alive++;
	enqueue(t);
	return t;
}

void thread_yield(void)
{
	if (held) {
		return; /* inside an event callback */
	}
	if (poll_hook && !polling) {
		polling = true;
		poll_hook();
		polling = false;
	}
	if (!rq_head) {
		return;
	}
	enqueue(cur);
	schedule();
}

void thread_block(void)
{
	if (held) {
		libos_fatal("thread: an event callback tried to block");
	}
	cur->state = T_BLOCKED;
	schedule();
}

void thread_wake(struct thread *t)
{
	if (t->state == T_BLOCKED) {
		t->state = T_RUNNABLE;
		enqueue(t);
	}
}

void thread_exit(int status)
{
	struct thread *me = cur;

	if (held) {
		libos_fatal("thread: an event callback tried to exit");
	}
	check_guard(me);
	me->status = status;
	me->state = T_DEAD;
	alive--;
	if (me->joiner) {
		thread_wake(me->joiner);
	}
	if (me->detached) {
		reap = me;
	}
	schedule();
	libos_fatal("thread: a dead thread ran again");
}

int thread_join(struct thread *t, int *status)
{
	if (!t || t == cur || t == &main_thread || t->detached || t->joiner) {
		return E_INVAL;
	}
	t->joiner = cur;
	while (t->state != T_DEAD) {
		thread_block();
	}
	check_guard(t);
	if (status) {
		*status = t->status;
	}
	free(t->stack);
	return 0;
}

int thread_detach(struct thread *t)
{
	if (!t || t == &main_thread || t->detached || t->joiner) {
		return E_INVAL;
	}
	if (t->state == T_DEAD) {
		free(t->stack);
		return 0;
	}
	t->detached = true;
	return 0;
}

struct thread *thread_self(void)
{
	return cur;
}

unsigned thread_id(const struct thread *t)
{
	return t->id;
}

unsigned thread_count(void)
{
	return alive;
}

bool thread_others_ready(void)
{
	return rq_head != 0;
}

void thread_hold(bool on)
{
	held = on;
}

void thread_set_hooks(void (*poll)(void), bool (*idle)(void))
{
	poll_hook = poll;
	idle_hook = idle;
}
