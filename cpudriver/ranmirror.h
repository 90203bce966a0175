/* SPDX-License-Identifier: MIT */
/*
 * The monitor's "which processes ran" word (SYS_RAN_MIRROR): a word of
 * the monitor's own memory in which the kernel sets bit (pid % 32)
 * whenever it switches to another process of this core (ranmirror_bit).
 * The monitor clears it before it looks at its programs' routes, skips
 * them all while it stays 0 and looks only at those whose bit is set
 * (monitor/procscan.h): a program writes its channel only while it runs,
 * and it runs only here; two programs that share a bit only cost a look.
 * Written by the kernel of the same core while the monitor does not run,
 * so a plain read and store are seen by the monitor's next load. A pure
 * helper, so that the host tests can drive it with the monitor's side
 * (tests/unit/test_procscan.c).
 */
#ifndef RANMIRROR_H
#define RANMIRROR_H

#include <stddef.h>
#include <stdint.h>

struct ranmirror {
	volatile uint32_t *word; /* NULL: none */
	const void *owner;	 /* the monitor whose word it is */
};

/* ranmirror_set: word (NULL: stop) is owner's from now on */
static inline void ranmirror_set(struct ranmirror *m, volatile uint32_t *word,
				 const void *owner)
{
	m->word = word;
	m->owner = word ? owner : NULL;
}

/* ranmirror_bit: the bit of process pid in the word */
static inline uint32_t ranmirror_bit(uint32_t pid)
{
	return 1u << (pid % 32);
}

/* ranmirror_switch: the core switches to process next, whose pid is pid */
static inline void ranmirror_switch(const struct ranmirror *m,
				    const void *next, uint32_t pid)
{
	if (m->word && next != m->owner) {
		*m->word |= ranmirror_bit(pid);
	}
}

/* ranmirror_gone: process p ends; its word goes with its memory */
static inline void ranmirror_gone(struct ranmirror *m, const void *p)
{
	if (p == m->owner) {
		ranmirror_set(m, NULL, NULL);
	}
}

#endif
