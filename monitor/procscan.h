/* SPDX-License-Identifier: MIT */
/*
 * When the monitor's pass looks at its programs' routes (docs/monitor.md,
 * "Channels"). A program writes its channel only while it runs, and runs
 * only on this core; the kernel sets `ran` whenever it switches to
 * another process (SYS_RAN_MIRROR, cpudriver/ranmirror.h). So while `ran`
 * stays 0 no process route can hold anything the last look did not see,
 * and a pass that only a link's message started (an agreement's root
 * waiting for its answers, a leaf lingering on its link, a lender) skips
 * them: a dozen instructions a program.
 *
 *   if (procscan_begin(&s)) {       (clears ran, then the look)
 *           ... drain each route; more = some route left unread ...
 *           procscan_end(&s, more);
 *   }
 *
 * The word is cleared before the look: a switch during it (the monitor
 * preempted, a program writing a route already looked at) sets it again.
 * It is set again after the look when a route was left with something
 * (a cap on a pass, a program with too many calls relayed), when the way
 * to sleep found a ring with something (procscan_again), and always when
 * the kernel keeps no word for us (kept false).
 *
 * A pure helper, so that the host tests can drive it
 * (tests/unit/test_procscan.c).
 */
#ifndef PROCSCAN_H
#define PROCSCAN_H

#include <stdbool.h>
#include <stdint.h>

struct procscan {
	volatile uint32_t ran; /* the kernel's word: 1 at first */
	bool kept;	       /* the kernel keeps it (SYS_RAN_MIRROR) */
};

static inline bool procscan_begin(struct procscan *s)
{
	if (!s->ran) {
		return false;
	}
	s->ran = 0;
	/* the clear before any look at a ring */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return true;
}

static inline void procscan_end(struct procscan *s, bool more)
{
	if (more || !s->kept) {
		s->ran = 1;
	}
}

static inline void procscan_again(struct procscan *s)
{
	s->ran = 1;
}

#endif
