/* SPDX-License-Identifier: MIT */
/*
 * The channels' sleep/wake protocol under concurrency (channels/chan.h,
 * channels/ring.h): a sender thread and a receiver thread that really
 * sleeps, millions of messages, no lost wake-up.
 *
 * The receiver does what a monitor or a program does before SYS_WAIT:
 * chan_sleep, re-check chan_pending, and only if still empty wait for the
 * doorbell; chan_wake after. Its SYS_WAIT is a futex wait on `event`; the
 * sender's doorbell IPI sets `event` and wakes the futex, and is rung only
 * when chan_needs_doorbell says so after the send, like bind_send. As in
 * the kernel, a doorbell rung while the receiver was awake is not lost:
 * the next wait returns at once.
 *
 * The sender sends bursts of 1..16 messages and waits after each until
 * the receiver has read them all, as a client waits for its reply: so a
 * later message cannot ring the doorbell for a lost one, and the first
 * send of every burst races with the receiver going to sleep.
 *
 * A lost wake-up (the receiver asleep while a message waits that the
 * sender has sent and checked, with no doorbell rung) would hang both
 * sides. The receiver's wait therefore wakes up every 20 ms to look, and
 * reports a lost wake-up (and stops the test) only when that state is
 * certain: a message is pending, the sender has finished its doorbell
 * check for it (`checked`, stored after the doorbell), and `event` is
 * still clear. That is no timing check: a slow sender only makes the
 * receiver look again. The test fails on a lost wake-up, a wrong or
 * missing message, or a run that slept too rarely to have tested
 * anything.
 *
 * Broken on purpose (see the commit message), it fails: without the fence
 * in ring_rx_sleep, with the receiver skipping its re-check, or with the
 * sender checking the flag before it sends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "abi/errors.h"
#include <channels/chan.h>

#ifndef DOORBELL_MESSAGES
#define DOORBELL_MESSAGES 2000000ull
#endif
/* the receiver must have slept at least this often for the run to count */
#define MIN_SLEEPS 1000ull

struct db {
	uint8_t *frame;
	uint32_t event;	   /* the doorbell: 1 rung and not yet taken (futex) */
	uint64_t checked;  /* sender: messages whose doorbell check is done */
	uint64_t rung;	   /* sender: doorbells rung */
	uint64_t sleeps;   /* receiver: waits entered */
	uint64_t lost;	   /* receiver: certain lost wake-ups */
	uint64_t received; /* receiver: messages checked (the sender waits
			      for them) */
	uint64_t bad;
	int stop;
	char why[200];
};

static uint8_t frame[CHAN_FRAME_SIZE] __attribute__((aligned(CHAN_FRAME_SIZE)));

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* message i: 8..120 bytes (one or three slots), its index then bytes
 * derived from it */
static size_t make(uint64_t i, uint8_t *p)
{
	size_t len = 8 + mix(i) % 113;

	memcpy(p, &i, 8);
	for (size_t k = 8; k < len; k++) {
		p[k] = (uint8_t)(i * 31 + k);
	}
	return len;
}

static long futex(uint32_t *w, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* doorbell: the sender's IPI */
static void doorbell(struct db *d)
{
	__atomic_store_n(&d->event, 1, __ATOMIC_SEQ_CST);
	futex(&d->event, FUTEX_WAKE_PRIVATE, 1, NULL);
	d->rung++;
}

static void *sender(void *arg)
{
	struct db *d = arg;
	struct chan c;
	uint8_t p[128];
	uint64_t r = 1, burst_end = 1;

	chan_init(&c, d->frame, 0);
	for (uint64_t i = 1; i <= DOORBELL_MESSAGES; i++) {
		size_t len = make(i, p);
		unsigned spins = 0;

		while (chan_msg_send(&c, 1, p, len) == E_FULL) {
			if (__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
				return NULL;
			}
			if (++spins % 64 == 0) {
				sched_yield();
			} else {
				__builtin_ia32_pause();
			}
		}
		if (chan_needs_doorbell(&c)) {
			doorbell(d);
		}
		__atomic_store_n(&d->checked, i, __ATOMIC_SEQ_CST);
		/* a burst of 1..16 messages, then wait for all of them to be
		 * read, like a client waiting for its reply: a later message
		 * cannot ring for a lost wake-up, and the next burst's first
		 * send races with the receiver going to sleep */
		if (i == burst_end) {
			while (__atomic_load_n(&d->received, __ATOMIC_SEQ_CST) <
			       i) {
				if (__atomic_load_n(&d->stop,
						    __ATOMIC_RELAXED)) {
					return NULL;
				}
				if (++spins % 64 == 0) {
					sched_yield();
				} else {
					__builtin_ia32_pause();
				}
			}
			r = mix(r);
			burst_end = i + 1 + r % 16;
			for (unsigned k = (unsigned)(r >> 8) % 64; k; k--) {
				__builtin_ia32_pause();
			}
		}
	}
	return NULL;
}

/* wait_doorbell: the receiver's SYS_WAIT; false on a certain lost wake-up
 * (expect: the message the receiver wants next) */
static bool wait_doorbell(struct db *d, struct chan *c, uint64_t expect)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};

	d->sleeps++;
	for (;;) {
		if (__atomic_exchange_n(&d->event, 0, __ATOMIC_SEQ_CST)) {
			return true;
		}
		if (__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
			return true;
		}
		if (futex(&d->event, FUTEX_WAIT_PRIVATE, 0, &tick) == 0 ||
		    errno != ETIMEDOUT) {
			continue; /* woken, or the event was already set */
		}
		/* the sender checked message `expect` after sending it; if it
		 * is there and no doorbell came, none will */
		if (__atomic_load_n(&d->checked, __ATOMIC_SEQ_CST) >= expect &&
		    chan_pending(c) &&
		    __atomic_load_n(&d->event, __ATOMIC_SEQ_CST) == 0) {
			return false;
		}
	}
}

static void *receiver(void *arg)
{
	struct db *d = arg;
	struct chan c;
	static uint8_t buf[CHAN_MSG_MAX];
	uint8_t want[128];
	uint64_t next = 1;
	uint8_t type;

	chan_init(&c, d->frame, 1);
	while (next <= DOORBELL_MESSAGES &&
	       !__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
		int n = chan_msg_recv(&c, &type, buf, sizeof(buf));

		if (n == E_AGAIN) {
			chan_sleep(&c);
			if (!chan_pending(&c) &&
			    !wait_doorbell(d, &c, next)) {
				d->lost++;
				snprintf(d->why, sizeof(d->why),
					 "lost wake-up: message %llu waits, "
					 "the sender checked it, no doorbell",
					 (unsigned long long)next);
				__atomic_store_n(&d->stop, 1,
						 __ATOMIC_RELAXED);
			}
			chan_wake(&c);
			continue;
		}
		size_t len = make(next, want);
		if (n < 0 || (size_t)n != len || type != 1 ||
		    memcmp(buf, want, len) != 0) {
			snprintf(d->why, sizeof(d->why),
				 "message %llu: got %d bytes, want %zu, or "
				 "they differ",
				 (unsigned long long)next, n, len);
			d->bad++;
			__atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
			break;
		}
		__atomic_store_n(&d->received, next, __ATOMIC_SEQ_CST);
		next++;
	}
	return NULL;
}

static void test_no_lost_wakeup(void **state)
{
	static struct db d;
	pthread_t ts, tr;

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(frame, 0, sizeof(frame));
	d.frame = frame;
	assert_int_equal(pthread_create(&tr, NULL, receiver, &d), 0);
	assert_int_equal(pthread_create(&ts, NULL, sender, &d), 0);
	assert_int_equal(pthread_join(ts, NULL), 0);
	assert_int_equal(pthread_join(tr, NULL), 0);
	printf("doorbell: %llu messages, receiver slept %llu times, %llu "
	       "doorbells, %llu lost wake-ups\n",
	       (unsigned long long)d.received, (unsigned long long)d.sleeps,
	       (unsigned long long)d.rung, (unsigned long long)d.lost);
	if (d.lost || d.bad) {
		fail_msg("%s (%llu lost wake-ups)", d.why,
			 (unsigned long long)d.lost);
	}
	assert_int_equal(d.received, DOORBELL_MESSAGES);
	if (d.sleeps < MIN_SLEEPS) {
		fail_msg("the receiver slept only %llu times: the protocol was "
			 "hardly exercised",
			 (unsigned long long)d.sleeps);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_lost_wakeup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
