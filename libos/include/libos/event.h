/* SPDX-License-Identifier: MIT */
/*
 * The event loop: callbacks for "a channel has a message", "a timer (on
 * the SYS_TIME_NS clock) is due" and "console input arrived" (core 0
 * only), run from one loop that waits with the non-blocking system calls
 * and never spins: with nothing to do it marks every watched channel
 * asleep (chan_sleep), checks them once more (chan_pending) and halts the
 * process in SYS_WAIT until the earliest timer, a doorbell or console
 * input (the sleep protocol of channels/chan.h), then marks them awake.
 *
 * It is also how user-level threads (libos/thread.h) wait: event_wait_chan,
 * event_sleep_until and event_read_console block only the calling thread;
 * the others run, and when every thread is blocked the loop halts the
 * process as above. Callbacks run inside whichever thread yields or has
 * just blocked, on its stack: they must be short and must not block
 * (event_wait_*, thread_join); they may send, wake threads, create
 * threads and add or remove events, themselves included.
 *
 * Registrations are caller-owned structs (no allocation, no limit); a
 * struct must stay alive and unmoved while it is registered.
 *
 * Channel events are level-triggered: the callback runs at every pass
 * while chan_pending(c) holds, so it must read what it can (until
 * chan_msg_recv returns E_AGAIN) or remove itself. Timers are one-shot;
 * a callback may add its timer again. Console input goes to the console
 * watcher registered first.
 *
 * Usage (callbacks):
 *   static struct event_chan ev;
 *   static void on_msg(struct event_chan *e)
 *   {
 *           while ((n = chan_msg_recv(e->c, &type, buf, cap)) != E_AGAIN)
 *                   ...;
 *   }
 *   event_chan_add(&ev, &ch, on_msg, 0);
 *   event_run();             (until event_stop() or nothing is left)
 *
 * Usage (in a thread):
 *   event_wait_chan(&ch);
 *   n = chan_msg_recv(&ch, &type, buf, cap);
 *   event_sleep_ns(50 * 1000 * 1000);
 */
#ifndef LIBOS_EVENT_H
#define LIBOS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chan;

struct event_chan {
	/* set by event_chan_add */
	struct chan *c;
	void (*fn)(struct event_chan *e);
	void *arg;
	/* the loop's */
	struct event_chan *next;
	bool active;
};

struct event_timer {
	/* set by event_timer_add */
	uint64_t at_ns; /* due when sys_time_ns() >= at_ns */
	void (*fn)(struct event_timer *t);
	void *arg;
	/* the loop's */
	struct event_timer *next;
	uint64_t pass; /* the loop pass it was added in */
	bool active;
};

struct event_console {
	/* set by event_console_add: n bytes typed (1..256) */
	void (*fn)(struct event_console *e, const char *buf, size_t n);
	void *arg;
	/* the loop's */
	struct event_console *next;
	bool active;
};

struct event_irq {
	/* set by event_irq_add */
	int irq; /* handle from SYS_DEV_IRQ (0..31) */
	void (*fn)(struct event_irq *e);
	void *arg;
	/* the loop's */
	struct event_irq *next;
	bool active;
};

struct event_stats {
	uint64_t passes;    /* non-blocking passes over every source */
	uint64_t callbacks; /* callbacks run */
	uint64_t sleeps;    /* times the process halted in SYS_WAIT */
};

/* event_chan_add: call fn(e) whenever channel c has a message. e must
 * not be registered already. */
void event_chan_add(struct event_chan *e, struct chan *c,
		    void (*fn)(struct event_chan *), void *arg);

/* event_chan_remove: stop watching (nothing if e is not registered). */
void event_chan_remove(struct event_chan *e);

/* event_timer_add: call fn(t) once, at the first pass at or after at_ns
 * (sys_time_ns clock). t must not be registered already. */
void event_timer_add(struct event_timer *t, uint64_t at_ns,
		     void (*fn)(struct event_timer *), void *arg);

/* event_timer_cancel: the timer will not fire (nothing if it is not
 * registered). */
void event_timer_cancel(struct event_timer *t);

/* event_console_add: call fn with every piece of console input while e
 * is the first console watcher. E_UNSUPPORTED on any core but 0 (only
 * core 0 reads the console), else 0. */
int event_console_add(struct event_console *e,
		      void (*fn)(struct event_console *, const char *, size_t),
		      void *arg);

/* event_console_remove: stop watching (nothing if e is not registered). */
void event_console_remove(struct event_console *e);

/* event_irq_add: call fn(e) at the first pass after device interrupt
 * handle irq fired (interrupts that fire meanwhile are merged into one
 * call). Like a channel event, the callback must then look at the device
 * for everything it has. e must not be registered already. */
void event_irq_add(struct event_irq *e, int irq,
		   void (*fn)(struct event_irq *), void *arg);

/* event_irq_remove: stop watching (nothing if e is not registered). */
void event_irq_remove(struct event_irq *e);

/* event_poll: one pass that never waits: runs the callbacks of due
 * timers, channels with messages and console input. Returns how many
 * callbacks ran. */
int event_poll(void);

/* event_run: passes, thread switches and sleeps until event_stop() is
 * called or nothing is left to happen: no event registered (threads
 * waiting in event_wait_* count as registered) and no other thread
 * runnable. Returns 0. Must not be called from a callback. */
int event_run(void);

/* event_stop: event_run returns after the current callback. */
void event_stop(void);

/* event_in_callback: true while a callback runs (the caller must not
 * block: event_wait_* would return E_PERM). */
bool event_in_callback(void);

/* event_idle: true when the process has one thread and nothing registered
 * with the loop: a wait then has nothing else to run and may halt the
 * process directly. */
bool event_idle(void);

/* event_wait_chan: the calling thread waits until c has a message (other
 * threads run meanwhile). 0 at once if it has one; E_PERM inside a
 * callback. */
int event_wait_chan(struct chan *c);

/* event_sleep_until / event_sleep_ns: the calling thread waits until
 * sys_time_ns() >= at_ns (ns from now). E_PERM inside a callback. */
int event_sleep_until(uint64_t at_ns);
int event_sleep_ns(uint64_t ns);

/* event_block_until: the calling thread blocks until whoever finds it in
 * *slot wakes it (thread_wake), or until deadline_ns (0: none); *slot is
 * NULL again on return. E_TIMEOUT at once when the deadline has passed,
 * else 0 (a wake-up, or the deadline: the caller looks again). From a
 * thread, like thread_block (the blocking sockets, libos/net). */
struct thread;
int event_block_until(struct thread **slot, uint64_t deadline_ns);

/* event_read_console: the calling thread waits for console input and
 * reads up to cap bytes of it into buf; returns how many (>= 1),
 * E_UNSUPPORTED off core 0, E_PERM inside a callback. Bytes beyond
 * cap of one piece of input are dropped. */
int event_read_console(char *buf, size_t cap);

/* event_stats: counters since the program started. */
void event_stats(struct event_stats *out);

#endif
