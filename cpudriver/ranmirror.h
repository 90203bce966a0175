/* SPDX-License-Identifier: MIT */
/*
 * The monitor's "another process ran" word (SYS_RAN_MIRROR): a word of the
 * monitor's own memory that the kernel sets to 1 whenever it switches to
 * another process of this core. The monitor clears it before it looks at
 * its programs' routes and skips them while it stays 0
 * (monitor/procscan.h): a program writes its channel only while it runs,
 * and it runs only here. Written by the kernel of the same core, so a
 * plain store is seen by the monitor's next load; the kernel never reads
 * it back. A pure helper, so that the host tests can drive it with the
 * monitor's side (tests/unit/test_procscan.c).
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

/* ranmirror_switch: the core switches to process next */
static inline void ranmirror_switch(const struct ranmirror *m,
				    const void *next)
{
	if (m->word && next != m->owner) {
		*m->word = 1;
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
