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

/* user_image_frame: the physical address of uva when [uva, uva + len)
 * lies in one page of the current process's program image ([USER_BASE,
 * USER_HEAP_BASE)) that it may write, owns (this core's memory) and does
 * not share; UINT64_MAX if not (len 0, across pages, elsewhere, or a
 * page that fails a check). Image pages are never unmapped while the
 * process lives (only the heap shrinks, and channels go), so the last
 * page found is kept in *page / *pa (0: none kept) and a call for the
 * same page does not walk the page table again: the caller keeps them in
 * the process (a new one starts with none). */
uint64_t user_image_frame(uint64_t uva, uint64_t len, uint64_t *page,
			  uint64_t *pa);

#endif
