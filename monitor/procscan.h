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

/* PROCSCAN_SWITCH(): a point in procscan_begin where the kernel may switch
 * away from the monitor and back (nothing here; test_procscan switches
 * to a program that writes its route there) */
#ifndef PROCSCAN_SWITCH
#define PROCSCAN_SWITCH() ((void)0)
#endif

struct procscan {
	volatile uint32_t ran; /* the kernel's word: PROCSCAN_ALL at first */
	bool kept;	       /* the kernel keeps it (SYS_RAN_MIRROR) */
};

/* procscan_begin: the bits of the programs that ran since the last look
 * (0: look at none), the word cleared. Read and cleared in one
 * instruction (an exchange), before any look at a ring: a switch between
 * a read and a clear would set a bit that the clear then drops, and that
 * program's route would wait for the way to sleep. The first read only
 * spares the exchange when nothing ran; a bit set after it stays for the
 * next pass. */
static inline uint32_t procscan_begin(struct procscan *s)
{
	if (!s->ran) {
		return 0;
	}
	PROCSCAN_SWITCH();
	return __atomic_exchange_n(&s->ran, 0, __ATOMIC_SEQ_CST);
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
