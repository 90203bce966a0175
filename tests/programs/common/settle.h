// SPDX-License-Identifier: MIT
/* What the reclamation tests (cycles, bindcycle, sysfuzz) compare. */
#ifndef TESTS_PROGRAMS_SETTLE_H
#define TESTS_PROGRAMS_SETTLE_H

#include <stdint.h>
#include <monitor_if.h>

/*
 * A core's free memory in KiB once what is in flight has arrived: a
 * closed channel's frame comes back to its core a moment after the close
 * returns (that core's kernel waits for the sealed close from the other
 * end), an exited child's pages when its monitor has reaped it. The value
 * is taken when five reads 10 ms apart agree (at most 5 s); 0 if CORE does
 * not answer.
 */
uint64_t settled_free_kib(uint32_t core);

/*
 * CORE's tables (the shell's `limits`) once what is in flight has arrived,
 * taken like settled_free_kib: five reads 10 ms apart that agree, at most
 * 5 s. 0, or the error of the last read.
 */
int settled_limits(uint32_t core, struct monitor_limits_reply *out);

/*
 * The tables as the `limits` columns' use/size pairs, in the shell's
 * order, space-separated: procs mon-procs relays watch services binds
 * borrowed chan-slots half-closed ("3/32 2/32 0/64 ... 0/128").
 */
void limits_str(const struct monitor_limits_reply *l, char *buf,
		unsigned long size);

/* LIMITS_STR_MAX: room for limits_str */
#define LIMITS_STR_MAX 112

/* The settled tables of every core (the first LIMITS_CORES_MAX). */
#define LIMITS_CORES_MAX 8
struct limits_all {
	uint32_t ncores;
	struct monitor_limits_reply l[LIMITS_CORES_MAX];
};

/* limits_all_take: settled_limits of every core into *out; 0, or the
 * error of a core that did not answer (its tables then zero) */
int limits_all_take(struct limits_all *out);

/*
 * limits_all_report: takes every core's settled tables again (each up to
 * three times while they differ from *before: a close may still be on its
 * way) and prints a line per core, "WHO: limits of core C: X after
 * WARMUP, Y after all" (X and Y from limits_str; equal when nothing was
 * kept). Returns the number of cores whose tables differ.
 */
int limits_all_report(const char *who, const struct limits_all *before,
		      unsigned warmup);

#endif
