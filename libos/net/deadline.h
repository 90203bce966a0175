/* SPDX-License-Identifier: MIT */
/*
 * Deadlines of the blocking socket calls, shared by both backends
 * (local.c, remote.c): absolute times in sys_time_ns, 0 meaning none.
 * A call waits with event_block_until (libos/event.h).
 */
#ifndef NET_DEADLINE_H
#define NET_DEADLINE_H

#include <stdint.h>
#include <libos/sys.h>

/* deadline_after: timeout_ns from now (0: none) */
static inline uint64_t deadline_after(uint64_t timeout_ns)
{
	return timeout_ns ? sys_time_ns() + timeout_ns : 0;
}

/* deadline_first: the earlier of a and b, where 0 is none */
static inline uint64_t deadline_first(uint64_t a, uint64_t b)
{
	return !b || (a && a < b) ? a : b;
}

#endif
