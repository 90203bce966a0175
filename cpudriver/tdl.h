/* SPDX-License-Identifier: MIT */
/*
 * The timer deadline cache of the scheduler (proc.c's arm_timer): every
 * return to ring 3 computes the earliest deadline of this core (a wait's
 * timeout, the end of a time slice), but the one-shot LAPIC timer is
 * written only when that deadline came earlier than the one it is armed
 * for, or the timer fired since it was written. A pure helper, so that the host tests can drive it
 * (tests/unit/test_tdl.c).
 */
#ifndef TDL_H
#define TDL_H

#include <stdbool.h>
#include <stdint.h>

/* armed: the deadline (TSC) the timer was last written for, 0 when it is
 * disarmed (written 0, or fired: a one-shot fires once), TDL_UNKNOWN when
 * someone else may have written it */
#define TDL_UNKNOWN UINT64_MAX

struct tdl {
	uint64_t armed;
};

/* tdl_set: the timer should fire at `deadline` (0: never); true if the
 * timer must be written for that, false if it already is, or if it is
 * armed for an earlier time: a timer that fires early only makes the
 * scheduler look once for nothing (every deadline is checked when it
 * fires) and then be written for what is due by then. So a deadline that
 * moves later at every switch (a new time slice) or goes away (the
 * process woke before its timeout) costs no write; one that comes
 * earlier always does, so the timer is never late. */
static inline bool tdl_set(struct tdl *t, uint64_t deadline)
{
	if (t->armed == deadline ||
	    (t->armed != 0 && t->armed != TDL_UNKNOWN &&
	     (deadline == 0 || t->armed < deadline))) {
		return false;
	}
	t->armed = deadline;
	return true;
}

/* tdl_fired: the timer interrupt came: nothing is armed any more (also
 * when it came early, or at the 1 s re-arm of a far deadline) */
static inline void tdl_fired(struct tdl *t)
{
	t->armed = 0;
}

/* tdl_forget: the timer was written by someone else */
static inline void tdl_forget(struct tdl *t)
{
	t->armed = TDL_UNKNOWN;
}

#endif
