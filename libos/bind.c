// SPDX-License-Identifier: MIT
/*
 * Where a program's or monitor's bindings live (channels/binding.h): the
 * clock is SYS_TIME_NS, the doorbell SYS_DOORBELL, and a call waits
 * through the event loop (libos/event.h): the calling thread blocks until
 * the binding has a message or the deadline passes, and the process's
 * other threads run meanwhile. Inside an event callback, which must not
 * block a thread, the whole process waits in SYS_WAIT instead, with the
 * sleep protocol of channels/chan.h; so does a process with one thread and
 * nothing registered with the loop (it has nothing else to do, and a
 * direct wait costs a few system calls less a call).
 *
 * A call to a server on a core declared lost ends at once with E_LOST
 * (docs/failures.md): our monitor's channel is watched while a call
 * waits, and its peer_lost note (libos/mon.c) fails the binding's calls.
 */
#include <channels/binding.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>

static uint64_t now_ns(void)
{
	return sys_time_ns();
}

/* DOORBELL_TRIES: a doorbell the kernel refuses for a moment (E_AGAIN:
 * its rate limit gives one more every 4 us) is rung again, up to this
 * many times: the peer said it sleeps, so without it our message would
 * wait until something else wakes it (nothing, for a service that sleeps
 * without a timeout) */
#define DOORBELL_TRIES 10000

static void doorbell(uint32_t core, uint32_t wake)
{
	for (int i = 0;
	     i < DOORBELL_TRIES && sys_doorbell(core, wake) == E_AGAIN; i++) {
		ring_relax();
	}
}

static void pause_ns(uint64_t ns)
{
	if (event_in_callback() || event_sleep_ns(ns) != 0) {
		sys_wait(ns);
	}
}

static void on_msg(struct event_chan *e)
{
	bind_poll(e->arg);
}

static void on_deadline(struct event_timer *t)
{
	thread_wake(t->arg);
}

static void wake(struct bind_call *c)
{
	thread_wake(c->waiter);
}

static uint32_t self_core(void);

struct binding *bind_mon_binding;
int (*bind_core_lost)(uint32_t core);

/* lost_check: peer_lost past its first tests (apart: a call to our own
 * monitor, every monitor call, pays no frame for it) */
static __attribute__((noinline)) bool lost_check(struct binding *b)
{
	if (b->peer_core == self_core() || !bind_core_lost(b->peer_core)) {
		return false;
	}
	bind_fail_all(b, E_LOST);
	return true;
}

/* peer_lost: b's peer is on another core, declared lost; its calls are
 * ended (E_LOST) */
static inline bool peer_lost(struct binding *b)
{
	return bind_core_lost && b != bind_mon_binding && lost_check(b);
}

static void on_mon_msg(struct event_chan *e)
{
	peer_lost(e->arg);
}

static void wait(struct binding *b, struct bind_call *c, uint64_t deadline)
{
	struct chan *mc = !bind_mon_binding || b == bind_mon_binding
			      ? 0
			      : &bind_mon_binding->ch;
	struct event_chan e, m;
	struct event_timer t;
	uint64_t now;

	if (peer_lost(b)) {
		return;
	}
	/* through the loop when something else may need to run meanwhile */
	if (!event_in_callback() && !event_idle()) {
		c->waiter = thread_self();
		event_chan_add(&e, &b->ch, on_msg, b);
		if (mc) {
			event_chan_add(&m, mc, on_mon_msg, b);
		}
		event_timer_add(&t, deadline, on_deadline, c->waiter);
		thread_block();
		event_chan_remove(&e);
		if (mc) {
			event_chan_remove(&m);
		}
		event_timer_cancel(&t);
		c->waiter = 0;
		return;
	}
	now = sys_time_ns();
	chan_sleep(&b->ch);
	if (mc) {
		chan_sleep(mc); /* a peer_lost note rings us */
	}
	if (!chan_pending(&b->ch) && !(mc && chan_pending(mc)) &&
	    now < deadline) {
		sys_wait(deadline - now);
	}
	chan_wake(&b->ch);
	if (mc) {
		chan_wake(mc);
	}
	peer_lost(b);
}

static uint32_t self_core(void)
{
	static uint32_t core = 0xffffffffu;
	struct sys_info in;

	if (core == 0xffffffffu && sys_info(&in) == 0) {
		core = in.core_id;
	}
	return core;
}

const struct bind_env bind_env_libos = {now_ns, doorbell, pause_ns,
					wait,	wake,	  self_core};
