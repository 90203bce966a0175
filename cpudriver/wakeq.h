/* SPDX-License-Identifier: MIT */
/*
 * When the scheduler must walk its waiting processes (proc.c's
 * wake_expired, at every return to ring 3 and every pass of the idle
 * loop): only when an event was posted to some process since the last
 * walk, or when the earliest wait timeout has come. Otherwise the walk
 * would find nothing, and the earliest timeout is known without one
 * (arm_timer). The bound may be early (a process it belonged to left the
 * wait another way): then one walk more finds nothing and sets it right.
 * It is never late: every timeout set goes through wakeq_wait or the
 * walk's own wakeq_walked. A zeroed struct wakeq (bss: the CPU driver has
 * no initialised data) walks at the first look. A pure helper, so that
 * the host tests can drive it (tests/unit/test_wakeq.c).
 */
#ifndef WAKEQ_H
#define WAKEQ_H

#include <stdbool.h>
#include <stdint.h>

#define WAKEQ_NONE UINT64_MAX

struct wakeq {
	uint64_t next; /* earliest wait timeout (TSC), WAKEQ_NONE: none,
			  0: not known yet (walk) */
	bool posted;   /* an event was posted since the last walk */
};

/* wakeq_post: an event for some process (a doorbell, an exit, ...) */
static inline void wakeq_post(struct wakeq *q)
{
	q->posted = true;
}

/* wakeq_wait: a process waits until `tsc` (0: no timeout) */
static inline void wakeq_wait(struct wakeq *q, uint64_t tsc)
{
	if (tsc && tsc < q->next) {
		q->next = tsc;
	}
}

/* wakeq_due: must the waiting processes be walked at `now`? */
static inline bool wakeq_due(const struct wakeq *q, uint64_t now)
{
	return q->posted || now >= q->next;
}

/* wakeq_walked: a walk at which the earliest timeout of the processes
 * still waiting is `next` (WAKEQ_NONE: none) */
static inline void wakeq_walked(struct wakeq *q, uint64_t next)
{
	q->next = next;
	q->posted = false;
}

/* wakeq_deadline: the earliest timeout for the timer, 0 for none (ask
 * after a look: wakeq_due is true while it is not known) */
static inline uint64_t wakeq_deadline(const struct wakeq *q)
{
	return q->next == WAKEQ_NONE ? 0 : q->next;
}

#endif
