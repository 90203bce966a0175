/* SPDX-License-Identifier: MIT */
/*
 * Whether a monitor lingers after an answer (main.c's `answered`): the
 * rule alone, apart from the clock and the rings, so that the host tests
 * can drive it (tests/unit/test_lingerrule.c).
 *
 * After its part ended with an answer on a link, a monitor may watch that
 * link for up to a window before it halts, so that the link's next message
 * (the next operation of a burst) needs no doorbell and no wake-up. It
 * pays off when that message comes within the window, and the only guide
 * is how long the last one took (the gap, timed from an answer to the next
 * message on the link answered):
 *
 * - nothing timed yet: linger;
 * - a gap under twice the window: linger. Twice: a gap timed while nobody
 *   lingered holds the doorbells, interrupts and wake-ups that lingering
 *   saves, ours and the other monitors' (at 32 cores under icount an
 *   agreement's next operation came 65 us after a leaf's answer when no
 *   leaf lingered, 40 us when all did, and the window is 50 us: judged
 *   against the window alone no leaf ever started);
 * - a linger that ran out counts as a gap of twice the window (a link that
 *   never speaks again, the end of a burst, is not lingered on again until
 *   a gap says so), and the next LINGER_SKIP answers do not linger
 *   whatever the gaps: a link whose messages come a little after the
 *   window costs one window in LINGER_SKIP + 1 answers, not every other
 *   one.
 *
 * docs/benchmarks.md, "Agreement: lingering on the link just answered" and
 * "Passes over the hot links".
 */
#ifndef LINGERRULE_H
#define LINGERRULE_H

#include <stdint.h>

#define LINGER_SKIP 8

struct lingerrule {
	uint64_t last_gap; /* the last gap timed (0: none yet) */
	unsigned skip;	   /* answers still to go without lingering */
};

/* lingerrule_ask: we answered; whether to linger for `window` */
static inline int lingerrule_ask(struct lingerrule *r, uint64_t window)
{
	if (r->skip) {
		r->skip--;
		return 0;
	}
	return r->last_gap < 2 * window;
}

/* lingerrule_gap: the link answered spoke `gap` after the answer */
static inline void lingerrule_gap(struct lingerrule *r, uint64_t gap)
{
	r->last_gap = gap;
}

/* lingerrule_missed: a linger of `window` ran out */
static inline void lingerrule_missed(struct lingerrule *r, uint64_t window)
{
	r->last_gap = 2 * window;
	r->skip = LINGER_SKIP;
}

#endif
