/* SPDX-License-Identifier: MIT */
/*
 * Sets of process-table slots (proc.c): which slots are runnable, which
 * wait. Every return to ring 3 looks for expired waits, the earliest
 * timeout and the next process to run; walking all PROC_MAX slots for
 * that cost about 450 instructions a system call, most of them on free
 * slots (docs/benchmarks.md, "Hand-offs on one core"). With a set per
 * state the walks visit only the slots in that state. A pure helper, so
 * that the host tests can drive it (tests/unit/test_slots.c).
 */
#ifndef SLOTS_H
#define SLOTS_H

#include <stdint.h>

#define SLOTS_MAX 64

typedef uint64_t slots_t;

static inline void slots_add(slots_t *s, unsigned i)
{
	*s |= (slots_t)1 << i;
}

static inline void slots_del(slots_t *s, unsigned i)
{
	*s &= ~((slots_t)1 << i);
}

/* slots_place: slot i leaves both sets, then joins `into` (NULL: none):
 * how proc.c's set_state keeps runnable and waiting apart */
static inline void slots_place(slots_t *a, slots_t *b, unsigned i,
			       slots_t *into)
{
	slots_del(a, i);
	slots_del(b, i);
	if (into) {
		slots_add(into, i);
	}
}

static inline int slots_has(slots_t s, unsigned i)
{
	return (int)(s >> i & 1);
}

/* slots_many: s holds two slots or more (no popcount: the kernel is
 * built for the baseline x86-64, which has none) */
static inline int slots_many(slots_t s)
{
	return (s & (s - 1)) != 0;
}

/* slots_first: the lowest slot of s; s must not be empty */
static inline unsigned slots_first(slots_t s)
{
	return (unsigned)__builtin_ctzll(s);
}

/* slots_next: the first slot of s at or after start, going round past the
 * last slot to slot 0 (round robin); -1 if s is empty */
static inline int slots_next(slots_t s, unsigned start)
{
	slots_t from = start < SLOTS_MAX ? s & (~(slots_t)0 << start) : 0;

	if (!s) {
		return -1;
	}
	return (int)slots_first(from ? from : s);
}

/* SLOTS_EACH(i, s): i goes over the slots of s, lowest first (s is read
 * once: the body may change the set it came from) */
#define SLOTS_EACH(i, s)                                                      \
	for (slots_t each_ = (s); each_ && ((i) = slots_first(each_), 1);     \
	     each_ &= each_ - 1)

#endif
