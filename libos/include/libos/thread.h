/* SPDX-License-Identifier: MIT */
/*
 * User-level threads: cooperative threads inside one process, with no
 * kernel involvement. The CPU driver sees one process; which of its
 * threads runs is decided here, only at thread_yield, thread_join,
 * thread_exit and when a thread blocks (libos/event.h's event_wait_*).
 * There is no preemption between threads of a process, so code between
 * those calls runs atomically with respect to the other threads (malloc,
 * printf and the event loop rely on it).
 *
 * The thread that runs main is thread 0 and runs on the process stack;
 * returning from main ends the process, whatever the other threads do
 * (join them first, or end main with thread_exit).
 * Other threads run on a stack from malloc whose lowest bytes hold guard
 * words; they are checked whenever the thread switches away and when it
 * ends, and a thread found to have overrun its stack ends the process
 * ("thread N: stack overflow", status 134).
 *
 * When every thread is blocked, the event loop (libos/event.h) halts the
 * process in SYS_WAIT until a channel, timer or console event wakes one;
 * if nothing could ever wake one, the process ends with "thread:
 * deadlock" (status 134).
 *
 * Usage:
 *   static int work(void *arg) { ...; thread_yield(); ...; return 7; }
 *   struct thread *t = thread_create(work, arg, 0);
 *   int status;
 *   thread_join(t, &status);              (status == 7)
 */
#ifndef LIBOS_THREAD_H
#define LIBOS_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#define THREAD_STACK_DEFAULT (64u << 10)
#define THREAD_STACK_MIN (8u << 10)

struct thread;

/* thread_create: a new runnable thread that will run fn(arg) on a stack
 * of stack_size bytes (0: THREAD_STACK_DEFAULT; less than
 * THREAD_STACK_MIN is raised to it). fn's return value is the thread's
 * exit status. It first runs when the caller yields or blocks. Returns
 * NULL when malloc has no memory. */
struct thread *thread_create(int (*fn)(void *), void *arg, size_t stack_size);

/* thread_yield: lets every other runnable thread run once (round robin,
 * after a non-blocking pass of the event loop if it is in use), then
 * returns. Returns at once if no other thread is runnable. */
void thread_yield(void);

/* thread_exit: ends the calling thread with status; its joiner wakes.
 * When thread 0 exits, the process lives on until the last thread ends,
 * then exits with thread 0's status. */
__attribute__((noreturn)) void thread_exit(int status);

/* thread_join: waits until t has ended, stores its status (if status is
 * not NULL) and frees it. E_INVAL if t is the caller, thread 0,
 * detached, or already has a joiner. Each thread must be joined or
 * detached exactly once. */
int thread_join(struct thread *t, int *status);

/* thread_detach: t is freed as soon as it ends (at once if it has).
 * E_INVAL if t is thread 0 or is joined or detached already. */
int thread_detach(struct thread *t);

/* thread_self: the calling thread. */
struct thread *thread_self(void);

/* thread_id: 0 for the main thread, then 1, 2, ... in creation order. */
unsigned thread_id(const struct thread *t);

/* thread_count: threads that have not ended (the caller included). */
unsigned thread_count(void);

/*
 * For blocking primitives (the event loop, locks):
 *
 * thread_block: the caller stops being runnable until thread_wake(it);
 * other threads run meanwhile. May return early (a wake meant for an
 * earlier block): callers re-check their condition in a loop. The
 * thread_wake must come from code that runs after the block (another
 * thread, or an event callback).
 *
 * thread_wake: makes blocked thread t runnable (after the others that
 * are); does nothing if t is not blocked.
 *
 * thread_others_ready: some thread other than the caller is runnable.
 *
 * thread_hold: while on (the event loop runs a callback), thread_yield
 * returns at once, and thread_block, thread_join and thread_exit end the
 * process: a callback runs on a borrowed stack and must not switch.
 *
 * thread_set_hooks: poll is called at every thread_yield; idle when no
 * thread is runnable: it must wait (halt the process) until it has made
 * one runnable, and return false if nothing could ever make one runnable
 * (then the process ends: deadlock). Set by the event loop.
 */
void thread_block(void);
void thread_wake(struct thread *t);
bool thread_others_ready(void);
void thread_hold(bool on);
void thread_set_hooks(void (*poll)(void), bool (*idle)(void));

#endif
