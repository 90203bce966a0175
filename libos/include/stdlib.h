/* SPDX-License-Identifier: MIT */
/*
 * The small libc's stdlib: the memory allocator (libos/malloc.c, over the
 * heap of libos/heap.h, which grows with SYS_MEM_MAP), exit and abort.
 *
 * malloc and friends may be called from any user-level thread (threads
 * are cooperative and never switch inside them), not from the monitor's
 * own start-up before libos_start. Blocks are 16-byte aligned. A bad
 * pointer, a double free or a damaged heap ends the program with a
 * "malloc: ..." line and status 134 (like SIGABRT). Debug builds
 * (debug=1) poison freed memory and report writes to it.
 */
#ifndef LIBOS_STDLIB_H
#define LIBOS_STDLIB_H

#include <stddef.h>
#include <stdint.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define ABORT_STATUS 134

/* malloc: n bytes (n may be 0: a unique pointer), 16-byte aligned, not
 * cleared; NULL when the core has no memory left even after asking
 * libos_heap_short. */
void *malloc(size_t n);

/* free: gives back p; NULL does nothing. */
void free(void *p);

/* calloc: n * size zeroed bytes; NULL if the product overflows or no
 * memory. */
void *calloc(size_t n, size_t size);

/* realloc: p resized to n bytes, contents kept up to the smaller size.
 * p NULL: malloc(n). n 0: frees p and returns NULL. On failure returns
 * NULL and p stays valid. */
void *realloc(void *p, size_t n);

/* malloc_usable_size: the bytes p really has (>= what was asked). */
size_t malloc_usable_size(void *p);

struct heap_stats;

/* malloc_stats: what the process heap holds now (libos/heap.h). */
void malloc_stats(struct heap_stats *out);

/* malloc_trim: gives the free memory at the top of the heap back to the
 * core, beyond keep bytes (0: all of it); returns the bytes given back.
 * For a long-running program after a burst (the monitor calls it when a
 * link's queue has drained). */
size_t malloc_trim(size_t keep);

/* malloc_check: verifies the whole heap; 0, or the program ends as for a
 * bad free. Walks everything: for tests and debugging. */
int malloc_check(void);

/*
 * libos_heap_short: called when SYS_MEM_MAP found this core out of
 * memory while malloc needed bytes more (a weak default returns
 * E_NOMEM). An override may get memory for the core (ask the monitor to
 * borrow from another core) and return 0; malloc then tries SYS_MEM_MAP
 * once more. Called from inside malloc: it must not call malloc.
 */
int libos_heap_short(uint64_t bytes);

/* exit: flushes printf's pending line and ends the process (every
 * thread) with status. */
__attribute__((noreturn)) void exit(int status);

/* abort: logs "abort" and ends the process with status ABORT_STATUS. */
__attribute__((noreturn)) void abort(void);

/* libos_fatal: logs "what" as one console line (after printf's pending
 * line) and ends the process with status ABORT_STATUS. */
__attribute__((noreturn)) void libos_fatal(const char *what);

static inline int abs(int v)
{
	return v < 0 ? -v : v;
}

static inline long labs(long v)
{
	return v < 0 ? -v : v;
}

/* strtoul, strtoull: C's, over parse.h (libos/atoi.c): spaces, a sign,
 * then digits of base 2..36, or base 0 (0x: hex, else decimal: no octal);
 * *end past the digits (s when there are none, then 0). A value too large
 * gives the maximum (there is no errno). New code: use parse.h, which
 * reports errors. */
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);

/* atoi: a decimal int with spaces and a sign before it; 0 without
 * digits, INT_MAX / INT_MIN when out of range. */
int atoi(const char *s);

#endif
