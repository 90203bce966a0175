// SPDX-License-Identifier: MIT
/*
 * When the scheduler walks its waiting processes (cpudriver/wakeq.h):
 * never skip a walk that would wake someone, never hand the timer a
 * deadline later than the earliest wait timeout, and skip the walks that
 * would find nothing. Fixed cases, then a model of processes that wait,
 * get events and time out, over random steps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wakeq.h"

static void test_zeroed_walks_first(void **state)
{
	struct wakeq q = {0};

	(void)state;
	assert_true(wakeq_due(&q, 0));
	assert_true(wakeq_due(&q, 12345));
	wakeq_walked(&q, WAKEQ_NONE);
	assert_false(wakeq_due(&q, 0));
	assert_false(wakeq_due(&q, UINT64_MAX - 1));
	assert_int_equal(wakeq_deadline(&q), 0);
}

static void test_timeout_comes(void **state)
{
	struct wakeq q = {0};

	(void)state;
	wakeq_walked(&q, WAKEQ_NONE);
	wakeq_wait(&q, 1000);
	wakeq_wait(&q, 2000); /* later: the bound stays */
	wakeq_wait(&q, 0);    /* no timeout: nothing to bound */
	assert_int_equal(wakeq_deadline(&q), 1000);
	assert_false(wakeq_due(&q, 999));
	assert_true(wakeq_due(&q, 1000));
	wakeq_walked(&q, 2000); /* the walk woke the first */
	assert_false(wakeq_due(&q, 1999));
	assert_int_equal(wakeq_deadline(&q), 2000);
}

static void test_posted_event_walks(void **state)
{
	struct wakeq q = {0};

	(void)state;
	wakeq_walked(&q, 5000);
	assert_false(wakeq_due(&q, 10));
	wakeq_post(&q);
	assert_true(wakeq_due(&q, 10));
	wakeq_walked(&q, 5000);
	assert_false(wakeq_due(&q, 10));
}

#define NPROC 8

/* the model: per process, waiting, its timeout (0: none), an event */
static int waiting[NPROC], event[NPROC];
static uint64_t timeout[NPROC];

/* walk: what proc.c's wake_expired does; returns processes woken */
static int walk(struct wakeq *q, uint64_t now)
{
	uint64_t next = WAKEQ_NONE;
	int woken = 0;

	for (int i = 0; i < NPROC; i++) {
		if (!waiting[i]) {
			continue;
		}
		if (event[i] || (timeout[i] && timeout[i] <= now)) {
			waiting[i] = event[i] = 0;
			timeout[i] = 0;
			woken++;
		} else if (timeout[i] && timeout[i] < next) {
			next = timeout[i];
		}
	}
	wakeq_walked(q, next);
	return woken;
}

static void test_random_never_misses(void **state)
{
	struct wakeq q = {0};
	uint64_t x = 88172645463325252ull, now = 0;
	unsigned long skipped = 0, looks = 0;

	(void)state;
	for (int i = 0; i < NPROC; i++) {
		waiting[i] = event[i] = 0;
		timeout[i] = 0;
	}
	for (int step = 0; step < 1000000; step++) {
		int p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = (int)((x >> 3) % NPROC);
		now += (x >> 20) % 50;
		switch (x % 4) {
		case 0: /* p waits, with or without a timeout (an event
			 * it has already ends the wait at once: sched_wait) */
			if (!waiting[p] && event[p]) {
				event[p] = 0;
			} else if (!waiting[p]) {
				waiting[p] = 1;
				timeout[p] = (x >> 30) % 3
						 ? now + 1 + (x >> 40) % 400
						 : 0;
				wakeq_wait(&q, timeout[p]);
			}
			break;
		case 1: /* an event for p (waiting or not: post() marks all) */
			event[p] = 1;
			wakeq_post(&q);
			break;
		default: { /* a return to ring 3: look, walk if due */
			uint64_t min = WAKEQ_NONE;
			int would = 0;

			for (int i = 0; i < NPROC; i++) {
				if (!waiting[i]) {
					continue;
				}
				would |= event[i] ||
					 (timeout[i] && timeout[i] <= now);
				if (timeout[i] && timeout[i] < min) {
					min = timeout[i];
				}
			}
			looks++;
			if (!wakeq_due(&q, now)) {
				/* skipped: it must have found nothing */
				assert_false(would);
				skipped++;
			} else {
				walk(&q, now);
				continue;
			}
			/* the timer's deadline is never late */
			if (min != WAKEQ_NONE) {
				assert_true(wakeq_deadline(&q) != 0 &&
					    wakeq_deadline(&q) <= min);
			}
		}
		}
	}
	assert_true(skipped > looks / 4); /* walks were spared */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zeroed_walks_first),
	    cmocka_unit_test(test_timeout_comes),
	    cmocka_unit_test(test_posted_event_walks),
	    cmocka_unit_test(test_random_never_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
