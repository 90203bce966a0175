/* SPDX-License-Identifier: MIT */
/*
 * The exit queue of a core (proc.c): exits not yet collected by the
 * monitor (SYS_REAP), oldest first, and a mirror of its length in a word
 * of the monitor's own memory. The monitor's loop reads that word at
 * every pass and asks the kernel (SYS_REAP) only when it is not 0: a
 * pass that finds nothing makes no system call (a system call was about
 * 400 instructions, three of them on a borrow's path and one on every
 * agreement leaf's: docs/benchmarks.md, "The monitor's pass without a
 * system call").
 *
 * The mirror is written by the kernel of the same core the monitor runs
 * on, so a plain store is seen by the monitor's next load (one CPU, in
 * program order); the kernel never reads it back, so whatever the
 * monitor writes there changes only what the monitor itself believes.
 *
 * A pure helper, so that the host tests can drive it
 * (tests/unit/test_exitq.c).
 */
#ifndef EXITQ_H
#define EXITQ_H

#include <stddef.h>
#include <stdint.h>

#ifndef EXITQ_SIZE
#define EXITQ_SIZE 32
#endif

struct exitq_entry {
	uint32_t pid;
	int64_t status;
	void *slot; /* the caller's: proc.c's table slot */
};

struct exitq {
	struct exitq_entry e[EXITQ_SIZE];
	uint32_t head, len;
	volatile uint32_t *mirror; /* NULL: none */
};

static inline void exitq_publish(struct exitq *q)
{
	if (q->mirror) {
		*q->mirror = q->len;
	}
}

/* exitq_push: queue an exit. The caller guarantees room (proc.c: every
 * queued exit holds its table slot, and the queue has one per slot). */
static inline void exitq_push(struct exitq *q, uint32_t pid, int64_t status,
			      void *slot)
{
	struct exitq_entry *x = &q->e[(q->head + q->len) % EXITQ_SIZE];

	x->pid = pid;
	x->status = status;
	x->slot = slot;
	q->len++;
	exitq_publish(q);
}

/* exitq_pop: the oldest exit into *out; 0, or -1 if none */
static inline int exitq_pop(struct exitq *q, struct exitq_entry *out)
{
	if (!q->len) {
		return -1;
	}
	*out = q->e[q->head];
	q->head = (q->head + 1) % EXITQ_SIZE;
	q->len--;
	exitq_publish(q);
	return 0;
}

/* exitq_mirror: keep *word equal to the queue's length from now on (NULL:
 * stop); it is written at once */
static inline void exitq_mirror(struct exitq *q, volatile uint32_t *word)
{
	q->mirror = word;
	exitq_publish(q);
}

#endif
