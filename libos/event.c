// SPDX-License-Identifier: MIT
/*
 * The event loop (see libos/event.h).
 *
 * Sources are three intrusive lists: channel watchers (newest first),
 * timers (sorted by due time, ties in the order added) and console
 * watchers (oldest first). A pass over them may run callbacks that add
 * or remove any registration, so the channel walk keeps its next element
 * in `chan_cursor`, which event_chan_remove moves on when it removes that
 * element; a timer added during a pass (`pass` stamp) waits for the next
 * one, so a callback that re-adds its timer as already due cannot keep a
 * pass going forever.
 *
 * Sleeping follows channels/chan.h: mark every watched channel asleep,
 * check them once more, halt in SYS_WAIT (timeout: the earliest timer)
 * unless one has a message or a timer is due, then mark them awake. A
 * doorbell or console input that arrives after the last check is not
 * lost: the CPU driver keeps it for the process, and SYS_WAIT returns at
 * once.
 *
 * The loop registers itself with the thread scheduler (thread_set_hooks)
 * when first used: it polls at every thread_yield and waits when every
 * thread is blocked.
 */
#include <libos/event.h>
#include <libos/thread.h>
#include <libos/sys.h>
#include <channels/chan.h>
#include <string.h>

#define CONSOLE_PIECE 256

static struct event_chan *chans, *chan_cursor;
static struct event_timer *timers;
static struct event_console *consoles;
static struct event_irq *irqs;
static uint32_t irqs_fired; /* acknowledged, not yet handed out */
static struct event_stats stats;
static bool hooked, stopped, dispatching;
static int console_ok; /* 0 unknown, 1 core 0, -1 another core */

/* console input read for a thread but beyond its buffer */
static char left[CONSOLE_PIECE];
static size_t left_off, left_n;

static void poll_hook(void);
static bool idle_hook(void);

static void hook(void)
{
	if (!hooked) {
		thread_set_hooks(poll_hook, idle_hook);
		hooked = true;
	}
}

/* ------------------------------------------------------------ registries */

void event_chan_add(struct event_chan *e, struct chan *c,
		    void (*fn)(struct event_chan *), void *arg)
{
	hook();
	e->c = c;
	e->fn = fn;
	e->arg = arg;
	e->next = chans;
	e->active = true;
	chans = e;
}

void event_chan_remove(struct event_chan *e)
{
	if (!e->active) {
		return;
	}
	for (struct event_chan **p = &chans; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	if (chan_cursor == e) {
		chan_cursor = e->next;
	}
	e->active = false;
}

void event_timer_add(struct event_timer *t, uint64_t at_ns,
		     void (*fn)(struct event_timer *), void *arg)
{
	struct event_timer **p = &timers;

	hook();
	while (*p && (*p)->at_ns <= at_ns) {
		p = &(*p)->next;
	}
	t->at_ns = at_ns;
	t->fn = fn;
	t->arg = arg;
	t->pass = stats.passes;
	t->active = true;
	t->next = *p;
	*p = t;
}

void event_timer_cancel(struct event_timer *t)
{
	if (!t->active) {
		return;
	}
	for (struct event_timer **p = &timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->active = false;
}

static bool on_core0(void)
{
	struct sys_info in;

	if (!console_ok) {
		console_ok = sys_info(&in) == 0 && in.core_id == 0 ? 1 : -1;
	}
	return console_ok > 0;
}

int event_console_add(struct event_console *e,
		      void (*fn)(struct event_console *, const char *, size_t),
		      void *arg)
{
	struct event_console **p = &consoles;

	if (!on_core0()) {
		return E_UNSUPPORTED;
	}
	hook();
	while (*p) {
		p = &(*p)->next;
	}
	e->fn = fn;
	e->arg = arg;
	e->next = 0;
	e->active = true;
	*p = e;
	return 0;
}

void event_console_remove(struct event_console *e)
{
	if (!e->active) {
		return;
	}
	for (struct event_console **p = &consoles; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	e->active = false;
}

void event_irq_add(struct event_irq *e, int irq,
		   void (*fn)(struct event_irq *), void *arg)
{
	hook();
	e->irq = irq;
	e->fn = fn;
	e->arg = arg;
	e->next = irqs;
	e->active = true;
	irqs = e;
}

void event_irq_remove(struct event_irq *e)
{
	struct event_irq **pp;

	if (!e->active) {
		return;
	}
	for (pp = &irqs; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->active = false;
}

/* ---------------------------------------------------------------- passes */

static int run_irqs(void)
{
	struct event_irq *e, *next;
	long m = sys_irq_ack();
	int ran = 0;

	if (m > 0) {
		irqs_fired |= (uint32_t)m;
	}
	for (e = irqs; e; e = next) {
		uint32_t bit = e->irq >= 0 && e->irq < 32 ? 1u << e->irq : 0;

		next = e->next;
		if (irqs_fired & bit) {
			irqs_fired &= ~bit;
			e->fn(e);
			ran++;
		}
	}
	return ran;
}

static int run_timers(void)
{
	uint64_t now = sys_time_ns();
	int ran = 0;

	while (timers && timers->at_ns <= now && timers->pass != stats.passes) {
		struct event_timer *t = timers;

		timers = t->next;
		t->active = false;
		t->fn(t);
		ran++;
	}
	return ran;
}

static int run_chans(void)
{
	int ran = 0;

	for (struct event_chan *e = chans; e; e = chan_cursor) {
		chan_cursor = e->next;
		if (chan_pending(e->c)) {
			e->fn(e);
			ran++;
		}
	}
	chan_cursor = 0;
	return ran;
}

static int run_console(void)
{
	char buf[CONSOLE_PIECE];
	long n;

	if (!consoles) {
		return 0;
	}
	n = sys_console_read(buf, sizeof(buf));
	if (n <= 0) {
		return 0;
	}
	consoles->fn(consoles, buf, (size_t)n);
	return 1;
}

int event_poll(void)
{
	int ran = 0;

	hook();
	/* a pass inside a callback (thread_yield in one) would re-enter */
	if (dispatching) {
		return 0;
	}
	dispatching = true;
	thread_hold(true);
	stats.passes++;
	if (timers) {
		ran += run_timers();
	}
	if (irqs) {
		ran += run_irqs();
	}
	ran += run_chans();
	ran += run_console();
	thread_hold(false);
	dispatching = false;
	stats.callbacks += (uint64_t)ran;
	return ran;
}

static bool anything_registered(void)
{
	return chans || timers || consoles || irqs;
}

/* sleep_once: the sleep protocol; false if there is nothing to wait for */
static bool sleep_once(void)
{
	bool pending = false;
	uint64_t timeout = 0, now;

	if (!anything_registered()) {
		return false;
	}
	for (struct event_chan *e = chans; e; e = e->next) {
		chan_sleep(e->c);
	}
	for (struct event_chan *e = chans; e; e = e->next) {
		pending |= chan_pending(e->c);
	}
	if (!pending && timers) {
		now = sys_time_ns();
		if (timers->at_ns <= now) {
			pending = true;
		} else {
			timeout = timers->at_ns - now;
		}
	}
	if (!pending) {
		stats.sleeps++;
		sys_wait(timeout);
	}
	for (struct event_chan *e = chans; e; e = e->next) {
		chan_wake(e->c);
	}
	return true;
}

static void poll_hook(void)
{
	event_poll();
}

/* idle_hook: no thread is runnable: wait until an event made one so */
static bool idle_hook(void)
{
	for (;;) {
		event_poll();
		if (thread_others_ready()) {
			return true;
		}
		if (!sleep_once()) {
			return false;
		}
	}
}

int event_run(void)
{
	hook();
	stopped = false;
	while (!stopped) {
		event_poll();
		if (stopped) {
			break;
		}
		if (thread_others_ready()) {
			thread_yield();
			continue;
		}
		if (!sleep_once()) {
			break; /* nothing left that could happen */
		}
	}
	return 0;
}

void event_stop(void)
{
	stopped = true;
}

bool event_in_callback(void)
{
	return dispatching;
}

bool event_idle(void)
{
	return !anything_registered() && thread_count() == 1;
}

/* ------------------------------------------------------ waiting threads */

static void wake_chan(struct event_chan *e)
{
	event_chan_remove(e);
	thread_wake(e->arg);
}

int event_wait_chan(struct chan *c)
{
	struct event_chan e;

	if (dispatching) {
		return E_PERM;
	}
	while (!chan_pending(c)) {
		event_chan_add(&e, c, wake_chan, thread_self());
		thread_block();
		event_chan_remove(&e);
	}
	return 0;
}

static void wake_timer(struct event_timer *t)
{
	thread_wake(t->arg);
}

int event_sleep_until(uint64_t at_ns)
{
	struct event_timer t;

	if (dispatching) {
		return E_PERM;
	}
	while (sys_time_ns() < at_ns) {
		event_timer_add(&t, at_ns, wake_timer, thread_self());
		thread_block();
		event_timer_cancel(&t);
	}
	return 0;
}

int event_sleep_ns(uint64_t ns)
{
	return event_sleep_until(sys_time_ns() + ns);
}

int event_block_until(struct thread **slot, uint64_t deadline_ns)
{
	struct event_timer t;

	if (deadline_ns && sys_time_ns() >= deadline_ns) {
		return E_TIMEOUT;
	}
	*slot = thread_self();
	if (deadline_ns) {
		event_timer_add(&t, deadline_ns, wake_timer, thread_self());
	}
	thread_block();
	if (deadline_ns) {
		event_timer_cancel(&t);
	}
	*slot = NULL;
	return 0;
}

struct console_wait {
	struct thread *t;
	char *buf;
	size_t cap, n;
};

static void wake_console(struct event_console *e, const char *buf, size_t n)
{
	struct console_wait *w = e->arg;

	w->n = n < w->cap ? n : w->cap;
	memcpy(w->buf, buf, w->n);
	if (n > w->n) {
		left_off = 0;
		left_n = n - w->n;
		memcpy(left, buf + w->n, left_n);
	}
	event_console_remove(e);
	thread_wake(w->t);
}

int event_read_console(char *buf, size_t cap)
{
	struct console_wait w = {thread_self(), buf, cap, 0};
	struct event_console e;
	int r;

	if (dispatching) {
		return E_PERM;
	}
	if (left_n && cap) {
		w.n = left_n < cap ? left_n : cap;
		memcpy(buf, left + left_off, w.n);
		left_off += w.n;
		left_n -= w.n;
		return (int)w.n;
	}
	while (w.n == 0 && cap) {
		if ((r = event_console_add(&e, wake_console, &w)) < 0) {
			return r;
		}
		thread_block();
		event_console_remove(&e);
	}
	return (int)w.n;
}

void event_stats(struct event_stats *out)
{
	*out = stats;
}
