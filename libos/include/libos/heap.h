/* SPDX-License-Identifier: MIT */
/*
 * A heap: the allocator behind malloc, over memory that a grow callback
 * supplies (in libos: SYS_MEM_MAP; in host tests: a fake). Pure C, no
 * system calls, so it runs on the host under AddressSanitizer.
 *
 * Blocks are 16-byte aligned and carry a 16-byte header: the block's size
 * with two flag bits (in use, previous block free) and a check word, the
 * size xor the block's address xor a magic that differs between used and
 * free blocks. A free block also holds its free-list links and, in its
 * last 8 bytes, its size (a footer), so that freeing the block after it
 * can coalesce backwards. Free blocks sit in segregated lists: one per
 * 16-byte size below 1 KiB, one per power of two above; a bitmap says
 * which lists are non-empty. Allocation takes the first fitting block of
 * the smallest non-empty fitting list and splits off the rest; freeing
 * coalesces with both neighbours at once, so no two free blocks are ever
 * adjacent.
 *
 * Memory comes in segments, one per grow that did not continue the
 * previous one; each ends in a zero-sized "used" sentinel header, so
 * coalescing never runs off a segment. A grow that continues the last
 * segment (the usual case: SYS_MEM_MAP appends) extends it in place.
 *
 * Checks: heap_free and heap_realloc find the block's segment and verify
 * its check word and its neighbour's before changing anything; a pointer
 * the heap never returned, a double free or an overwritten header is
 * reported through the fail callback and the call does nothing else.
 * With poison set, freed memory is filled with HEAP_POISON and an
 * allocation verifies that the part it hands out is still poison (a write
 * after free is reported).
 *
 * Not reentrant and not thread-safe: libos's threads are cooperative and
 * never switch inside these calls.
 *
 * Usage:
 *   struct heap h;
 *   heap_init(&h, grow, fail, ctx, 256 << 10, false);
 *   void *p = heap_alloc(&h, 100);
 *   p = heap_realloc(&h, p, 1000);
 *   heap_free(&h, p);
 */
#ifndef LIBOS_HEAP_H
#define LIBOS_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN 16
#define HEAP_BINS 128
#define HEAP_POISON 0xdb
#define HEAP_PAGE 4096 /* what grow and shrink map and unmap */

struct heap_block;
struct heap_seg;

struct heap {
	/* set by heap_init, read only afterwards */
	/* grow: map at least min bytes (*bytes on entry: the size the heap
	 * would prefer, >= min); set *bytes to what was mapped and return its
	 * address (any alignment), or return NULL */
	void *(*grow)(void *ctx, size_t min, size_t *bytes);
	/* fail: the heap found damage (what says which, ptr where); may
	 * return, and the call that found it then gives up */
	void (*fail)(void *ctx, const char *what, const void *ptr);
	/* shrink (NULL: never): give back [at, at + bytes), the end of what
	 * grow returned last (HEAP_PAGE aligned); 0, or an error (nothing
	 * given back). Set after heap_init; only heap_trim calls it. */
	int (*shrink)(void *ctx, void *at, size_t bytes);
	void *ctx;
	size_t grow_min; /* preferred size of a grow */
	/* heap_trim never leaves the newest segment smaller than this (0:
	 * it may give back all of it): a small program's heap then stays
	 * the same after a burst as before it */
	size_t keep_mapped;
	bool poison;
	/* the heap's own state */
	struct heap_seg *segs; /* newest first */
	struct heap_block *bins[HEAP_BINS];
	uint64_t binmap[HEAP_BINS / 64];
	size_t used_bytes; /* bytes in used blocks, headers included */
	size_t used_blocks;
	size_t mapped_bytes; /* all that grow ever returned */
};

struct heap_stats {
	size_t used_bytes; /* in used blocks, their headers included */
	size_t used_blocks;
	size_t free_bytes; /* in free blocks, their headers included */
	size_t free_blocks;
	size_t largest_free; /* the largest free block, its header included */
	size_t segments;
	size_t mapped_bytes;
};

/* heap_init: an empty heap that takes its memory from grow, preferring
 * grow_min bytes at a time, and reports damage to fail. Nothing is mapped
 * before the first allocation. */
void heap_init(struct heap *h, void *(*grow)(void *, size_t, size_t *),
	       void (*fail)(void *, const char *, const void *), void *ctx,
	       size_t grow_min, bool poison);

/* heap_alloc: n bytes (n may be 0), 16-byte aligned, not cleared; NULL
 * when grow cannot supply memory or n is absurdly large. */
void *heap_alloc(struct heap *h, size_t n);

/* heap_free: gives back p (NULL: nothing). A p the heap did not hand out
 * or already took back is reported to fail and otherwise ignored. */
void heap_free(struct heap *h, void *p);

/* heap_realloc: p resized to n bytes, contents kept up to the smaller
 * size; in place when the block or its free neighbour allows, else moved.
 * p NULL: heap_alloc(n). n 0: frees p and returns NULL. NULL when no
 * memory (p is then untouched and still valid) or p is bad (reported). */
void *heap_realloc(struct heap *h, void *p, size_t n);

/* heap_usable_size: how many bytes p really has (>= what was asked);
 * 0 for NULL or a bad p (reported). */
size_t heap_usable_size(struct heap *h, const void *p);

/* heap_check: walks every segment and free list and verifies every
 * header, footer, flag, list link and the counters. Returns 0, or
 * E_FORMAT after reporting the first damage to fail. Costs a walk of
 * the whole heap: for tests and debugging. */
int heap_check(struct heap *h);

/* heap_trim: gives free memory at the top of the newest segment back
 * through shrink, keeping a free block of at least keep bytes there (keep
 * 0 and the whole segment free: the whole segment goes). Returns the
 * bytes given back. Nothing calls it on its own: a program that had a
 * burst calls it (malloc_trim). */
size_t heap_trim(struct heap *h, size_t keep);

/* heap_stats: what the heap holds now (walks the heap). */
void heap_stats(struct heap *h, struct heap_stats *out);

#endif
