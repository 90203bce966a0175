/* SPDX-License-Identifier: MIT */
/*
 * The timer deadline cache of the scheduler (proc.c's arm_timer): every
 * return to ring 3 computes the earliest deadline of this core (a wait's
 * timeout, the end of a time slice), but the one-shot LAPIC timer is
 * written only when that deadline changed or the timer fired since it
 * was written; while the core goes on running a process, only when it
 * came earlier than the one the timer is armed for (tdl_set_early). A
 * pure helper, so that the host tests can drive it (tests/unit/test_tdl.c).
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
 * timer must be written for that, false if it already is. */
static inline bool tdl_set(struct tdl *t, uint64_t deadline)
{
	if (t->armed == deadline) {
		return false;
	}
	t->armed = deadline;
	return true;
}

/* tdl_set_early: the same for a core that goes back to a process, where
 * a timer armed for an earlier time may stay: it fires early, and the
 * scheduler then looks once for nothing (every deadline is checked when
 * it fires) and writes it for what is due by then. So a deadline that
 * moves later at every switch (a new time slice) or goes away (the
 * process woke before its timeout) costs no write; one that comes
 * earlier always does, so the timer is never late. A core that halts
 * uses tdl_set: an early fire would wake it for nothing. */
static inline bool tdl_set_early(struct tdl *t, uint64_t deadline)
{
	if (t->armed != 0 && t->armed != TDL_UNKNOWN &&
	    (deadline == 0 || t->armed < deadline)) {
		return false;
	}
	return tdl_set(t, deadline);
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
