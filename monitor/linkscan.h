/* SPDX-License-Identifier: MIT */
/*
 * Which links a monitor's pass looks at (mesh.c's drain_all). A pass
 * used to look at every link that is up: at 64 cores core 0's monitor
 * read 63 rings a pass, about 1,600 instructions, whether one of them
 * held something or not, and its passes come several times an operation
 * (a program's call, a relayed borrow's wait for the lender). Most of
 * those links are quiet: the ones that speak are the ones we just sent
 * to (an answer comes back there) and the ones that just spoke.
 *
 * So a pass looks at the hot links only: those we sent on or took a
 * message from in the current span of LINKSCAN_FULL passes or in the
 * span before it (a link stays hot for at least LINKSCAN_FULL passes
 * after it was last used). Every LINKSCAN_FULL-th pass looks at every link, and so does
 * the first pass after a wake-up or after the way to sleep found a ring
 * with something (linkscan_full_next): while the monitor is awake its
 * rings say so and no sender rings a doorbell, so a message on a cold
 * link waits at most LINKSCAN_FULL - 1 passes, each of them cheaper
 * than a full one; the way to sleep (set_sleep) still looks at every
 * ring, so nothing waits for a wake-up that does not come.
 * docs/monitor.md, "Channels"; docs/benchmarks.md, "Passes over the
 * hot links".
 *
 * A pure helper, so that the host tests can drive it
 * (tests/unit/test_linkscan.c).
 */
#ifndef LINKSCAN_H
#define LINKSCAN_H

#include <stdint.h>

#define LINKSCAN_FULL 8	  /* every 8th pass looks at every link */
#define LINKSCAN_WORDS 4 /* 256 links */
/* a monitor with this many links or fewer (a leaf: the link to core 0,
 * and a tree's few) looks at all of them every pass: a look costs about
 * what keeping track of them would */
#define LINKSCAN_FEW 4

struct linkscan {
	uint64_t live[LINKSCAN_WORDS]; /* links that came up */
	uint64_t hot[LINKSCAN_WORDS];  /* used since the last span began */
	uint64_t prev[LINKSCAN_WORDS]; /* used in the span before: a pass
					* that is not full looks at these
					* and the hot ones */
	uint32_t words;		       /* the words of live in use */
	uint32_t count;		       /* links that came up */
	uint32_t countdown;	       /* passes to the next full one */
	int full_next;		       /* the next pass is a full one */
};

/* linkscan_up: link c came up (passes may look at it) */
static inline void linkscan_up(struct linkscan *s, uint32_t c)
{
	if (c >= LINKSCAN_WORDS * 64) {
		return;
	}
	if (s->live[c / 64] & 1ull << (c % 64)) {
		return;
	}
	s->live[c / 64] |= 1ull << (c % 64);
	if (c / 64 >= s->words) {
		s->words = c / 64 + 1;
	}
	/* past the few: nothing was kept track of, so all are hot */
	if (++s->count == LINKSCAN_FEW + 1) {
		for (uint32_t w = 0; w < s->words; w++) {
			s->hot[w] = s->live[w];
		}
	}
}

/* linkscan_heat_bits: the links of `bits` in word w were used */
static inline void linkscan_heat_bits(struct linkscan *s, uint32_t w,
				      uint64_t bits)
{
	s->hot[w] |= bits;
}

/* linkscan_heat: we sent on link c, or took a message from it: the next
 * passes look at it */
static inline void linkscan_heat(struct linkscan *s, uint32_t c)
{
	if (c < LINKSCAN_WORDS * 64) {
		linkscan_heat_bits(s, c / 64, 1ull << (c % 64));
	}
}

/* linkscan_full_next: the next pass looks at every link (we were woken,
 * or the way to sleep found something: the doorbell that would have
 * said which link was never rung) */
static inline void linkscan_full_next(struct linkscan *s)
{
	s->full_next = 1;
}

/* linkscan_begin: a pass starts; returns whether it is a full one.
 * Every LINKSCAN_FULL-th pass starts a new span: what was used in the
 * last one is still looked at in this one, and hot collects this
 * span's (a pass made full by linkscan_full_next does not: the spans
 * keep their length, and a link used in one stays looked at for
 * LINKSCAN_FULL passes at least). */
static inline int linkscan_begin(struct linkscan *s)
{
	int full = s->full_next;

	if (s->count <= LINKSCAN_FEW) {
		return 1;
	}
	s->full_next = 0;
	if (s->countdown) {
		s->countdown--;
		return full;
	}
	s->countdown = LINKSCAN_FULL - 1;
	for (uint32_t w = 0; w < s->words; w++) {
		s->prev[w] = s->hot[w];
		s->hot[w] = 0;
	}
	return 1;
}

/* linkscan_word: the links of word w a pass looks at (full: what
 * linkscan_begin returned for it) */
static inline uint64_t linkscan_word(const struct linkscan *s, uint32_t w,
				     int full)
{
	return full ? s->live[w] : s->live[w] & (s->hot[w] | s->prev[w]);
}

#endif
