/* SPDX-License-Identifier: MIT */
/*
 * The last wait timeout's conversion to TSC ticks (proc.c's sched_wait):
 * a process that waits in a loop passes the same timeout every time (a
 * service's nap, a monitor's), and converting it (two divisions and a
 * call) was about 20 of the 4,000 instructions of a round trip to a
 * sleeping receiver (docs/benchmarks.md, "The monitor's pass without a
 * system call"). One entry, for whichever caller came last. A pure
 * helper, so that the host tests can drive it (tests/unit/test_tscmemo.c).
 */
#ifndef TSCMEMO_H
#define TSCMEMO_H

#include <stdint.h>

struct tscmemo {
	uint64_t ns;  /* the timeout last converted, 0: none yet */
	uint64_t tsc; /* what it converted to */
};

/* tscmemo_get: convert(ns), from the memo when ns is the last one asked
 * (ns != 0: a wait without a timeout converts nothing) */
static inline uint64_t tscmemo_get(struct tscmemo *m, uint64_t ns,
				   uint64_t (*convert)(uint64_t))
{
	if (ns != m->ns) {
		m->tsc = convert(ns);
		m->ns = ns;
	}
	return m->tsc;
}

#endif
