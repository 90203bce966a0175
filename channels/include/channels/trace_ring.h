/* SPDX-License-Identifier: MIT */
/*
 * A trace buffer (abi/trace.h, docs/tracing.md): one header, then a ring
 * of 32-byte events. Pure and freestanding: the CPU driver, libos, the
 * monitors and the host tests build the same file.
 *
 * One writer only: a buffer belongs to one core (and, for a process's,
 * one thread of control on it); nothing here is safe against two writers.
 * A full buffer overwrites its oldest event and counts it in `lost`.
 * Readers (the dump) read `head` with acquire, copy the slots, read it
 * again, and drop the slots the writer may have reused meanwhile: the
 * writer fills a slot first and publishes it by storing head (release).
 *
 * The writer trusts the header (size is at least 1 after
 * trace_ring_init): a process's buffer lies in its own memory, and a
 * process that scribbles on it can only break its own tracing.
 *
 * Off costs one branch: whoever traces keeps a pointer to its buffer that
 * is NULL while tracing is off, and writes events with TRACE(), which
 * tests only that pointer.
 *
 * Usage:
 *   r = trace_ring_init(mem, bytes, TRACE_KIND_PROCESS, core, pid, "net");
 *   TRACE(r, TRACE_CHAN_SEND, TRACE_CHAN_A(frame, 0),
 *         TRACE_CHAN_B(seq, type, size));
 *   (tracing off: r = NULL; the memory is freed once nobody reads it)
 */
#ifndef CHANNELS_TRACE_RING_H
#define CHANNELS_TRACE_RING_H

#include <abi/trace.h>
#include <stddef.h>
#include <stdint.h>

/* TRACE: one event stamped now, with the buffer's pid, if ring is not
 * NULL; TRACE_PID: the same with another pid (the kernel: the process
 * running). */
#define TRACE(ring, type, a, b)                                                \
	do {                                                                   \
		struct trace_buf *trace_r_ = (ring);                           \
		if (__builtin_expect(trace_r_ != NULL, 0)) {                   \
			trace_emit(trace_r_, (type), (a), (b));                \
		}                                                              \
	} while (0)
#define TRACE_PID(ring, type, pid, a, b)                                       \
	do {                                                                   \
		struct trace_buf *trace_r_ = (ring);                           \
		if (__builtin_expect(trace_r_ != NULL, 0)) {                   \
			trace_put(trace_r_, trace_tsc(), (type), (pid), (a),   \
				  (b));                                        \
		}                                                              \
	} while (0)

/* trace_ring_init: makes the bytes at mem (8-byte aligned) an empty
 * buffer of as many events as fit after the header, written by core for
 * pid, named name (at most TRACE_NAME_MAX bytes kept; NULL: no name).
 * Returns mem as a buffer, or NULL if mem is NULL or too small for one
 * event. Any context; mem must not be in use by another writer. */
struct trace_buf *trace_ring_init(void *mem, size_t bytes, uint16_t kind,
				  uint32_t core, uint32_t pid,
				  const char *name);

/* trace_put: appends one event (tsc given, core from the buffer),
 * overwriting the oldest if the buffer is full. The buffer's writer
 * only; never fails, never waits. */
void trace_put(struct trace_buf *r, uint64_t tsc, uint16_t type, uint32_t pid,
	       uint64_t a, uint64_t b);

/* trace_ring_count: events still in the buffer, at most its size */
uint64_t trace_ring_count(const struct trace_buf *r);

/* trace_ring_at: the i-th oldest event still in the buffer (0 <= i <
 * trace_ring_count(r)), NULL past the end. For the writer, or a reader
 * while the writer is stopped. */
const struct trace_ev *trace_ring_at(const struct trace_buf *r, uint64_t i);

/* trace_tsc: this core's time stamp counter */
static inline uint64_t trace_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* trace_emit: one event stamped now, with the buffer's pid */
static inline void trace_emit(struct trace_buf *r, uint16_t type, uint64_t a,
			      uint64_t b)
{
	trace_put(r, trace_tsc(), type, r->pid, a, b);
}

#endif
