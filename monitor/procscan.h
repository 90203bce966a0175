/* SPDX-License-Identifier: MIT */
/*
 * Which of its programs' routes the monitor's pass looks at
 * (docs/monitor.md, "Channels"). A program writes its channel only while
 * it runs, and runs only on this core; the kernel sets bit (pid % 32) of
 * `ran` whenever it switches to another process (SYS_RAN_MIRROR,
 * cpudriver/ranmirror.h). So a route whose program's bit stays 0 holds
 * nothing the last look did not see, and a pass looks only at the routes
 * of the programs that ran: none when only a link's message started it
 * (an agreement's root waiting for its answers, a leaf lingering on its
 * link, a lender), one when a program's call did.
 *
 *   uint32_t ran = procscan_begin(&s);   (clears the word, then the look)
 *   if (ran) {
 *           ... drain each route with procscan_wants(ran, pid);
 *               more = some route left unread ...
 *           procscan_end(&s, more);
 *   }
 *
 * The word is cleared before the look: a switch during it (the monitor
 * preempted, a program writing a route already looked at) sets a bit
 * again. Every bit is set again after the look when a route was left with
 * something (a cap on a pass, a program with too many calls relayed), when
 * the way to sleep found a ring with something (procscan_again), and
 * always when the kernel keeps no word for us (kept false).
 *
 * A pure helper, so that the host tests can drive it
 * (tests/unit/test_procscan.c).
 */
#ifndef PROCSCAN_H
#define PROCSCAN_H

#include <stdbool.h>
#include <stdint.h>

#define PROCSCAN_ALL 0xffffffffu

struct procscan {
	volatile uint32_t ran; /* the kernel's word: PROCSCAN_ALL at first */
	bool kept;	       /* the kernel keeps it (SYS_RAN_MIRROR) */
};

/* procscan_begin: the bits of the programs that ran since the last look
 * (0: look at none), the word cleared */
static inline uint32_t procscan_begin(struct procscan *s)
{
	uint32_t ran = s->ran;

	if (!ran) {
		return 0;
	}
	s->ran = 0;
	/* the clear before any look at a ring */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return ran;
}

/* procscan_wants: whether the look takes the route of program pid */
static inline bool procscan_wants(uint32_t ran, uint32_t pid)
{
	return (ran >> (pid % 32)) & 1;
}

static inline void procscan_end(struct procscan *s, bool more)
{
	if (more || !s->kept) {
		s->ran = PROCSCAN_ALL;
	}
}

static inline void procscan_again(struct procscan *s)
{
	s->ran = PROCSCAN_ALL;
}

#endif
