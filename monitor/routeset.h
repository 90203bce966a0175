/* SPDX-License-Identifier: MIT */
/*
 * The set of process routes that may hold a program (mesh.c's
 * proc_live): a bit per slot, set when the route is attached, dropped by
 * the next walk that finds the slot's program gone. The loop's passes and
 * set_sleep visit these, not all MAX_PROCS slots (docs/benchmarks.md,
 * "Hand-offs on one core"). A pure helper, so that the host tests can
 * drive it (tests/unit/test_routeset.c).
 */
#ifndef ROUTESET_H
#define ROUTESET_H

#include <stdint.h>

/* routeset_add: slot's route was attached (it holds a program now) */
static inline void routeset_add(uint32_t *set, unsigned slot)
{
	*set |= 1u << slot;
}

/* routeset_drop: slot's program is gone (a walk found it so) */
static inline void routeset_drop(uint32_t *set, unsigned slot)
{
	*set &= ~(1u << slot);
}

/* routeset_live: the slots of *set that still hold a program (held(slot)
 * nonzero); the others leave *set */
static inline uint32_t routeset_live(uint32_t *set, int (*held)(unsigned))
{
	for (uint32_t m = *set; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (!held(i)) {
			routeset_drop(set, i);
		}
	}
	return *set;
}

#endif
