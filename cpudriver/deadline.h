/* SPDX-License-Identifier: MIT */
/*
 * The one-shot timer's deadline cache: the scheduler works out the
 * earliest deadline (a TSC value, 0 for none) at every return to ring 3,
 * and writing the LAPIC timer there each time costs a register write
 * (an exit to the hypervisor on a virtual machine) for nothing when the
 * deadline did not change. The cache remembers what is armed; the timer
 * interrupt empties it (the one-shot fired and is armed no more).
 */
#ifndef DEADLINE_H
#define DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

struct deadline_cache {
	uint64_t armed; /* the deadline the timer is set for, 0: none */
};

/* deadline_rearm: true if the timer must be written for deadline want
 * (0: disarm); records want as armed */
static inline bool deadline_rearm(struct deadline_cache *c, uint64_t want)
{
	if (want == c->armed) {
		return false;
	}
	c->armed = want;
	return true;
}

/* deadline_fired: the timer interrupt came; nothing is armed */
static inline void deadline_fired(struct deadline_cache *c)
{
	c->armed = 0;
}

#endif
