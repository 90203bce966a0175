/* SPDX-License-Identifier: MIT */
/*
 * User memory of the current process, for system-call handlers.
 *
 * A program's memory is reached through its own mapping (its address space
 * is loaded while it traps), after checking that every page of the range
 * is mapped user-accessible (and writable, for results) in its page
 * tables. A bad pointer is E_FAULT, never a kernel fault. Only the current
 * process's memory, and only from a system call (its page tables loaded).
 */
#ifndef USERCOPY_H
#define USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* user_ptr: the kernel's pointer to user address va of the current process,
 * which is va itself (the process's mapping is loaded). A host test, where
 * user addresses are not the host's, supplies its own translation. */
#ifdef HOST_TEST
void *user_ptr(uint64_t va);
#else
static inline void *user_ptr(uint64_t va)
{
	return (void *)va;
}
#endif

/* user_range_ok: [va, va+len) is mapped user-accessible in the current
 * process (and writable if write); an empty range always is. */
bool user_range_ok(uint64_t va, uint64_t len, bool write);

/* copy_in: len bytes from user address uva into dst. 0 or E_FAULT. */
int copy_in(void *dst, uint64_t uva, uint64_t len);

/* copy_out: len bytes from src to user address uva. 0 or E_FAULT. */
int copy_out(uint64_t uva, const void *src, uint64_t len);

/* copy_str: a string of len bytes (no NUL needed) at uva into buf[size],
 * NUL-terminated. 0, E_TOOBIG (len >= size), E_FAULT, or E_INVAL (the
 * string holds a NUL). */
int copy_str(char *buf, size_t size, uint64_t uva, uint64_t len);

#endif
