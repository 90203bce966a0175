// SPDX-License-Identifier: MIT
/*
 * malloc, free, calloc, realloc for ring-3 programs: one process heap
 * (libos/heap.c) that grows with SYS_MEM_MAP: first GROW_FIRST bytes,
 * then by as much as it holds already (doubling), at most GROW_CHUNK at a
 * time, so that a program that mallocs little (a monitor on an idle core)
 * holds little, and one that mallocs much maps only O(log) times. When the core is out of frames, libos_heap_short (weak
 * here; libos/mon.c asks the monitors to lend memory) gets one chance to
 * find more, then the map is tried once more. Damage the heap finds ends
 * the process (libos_fatal).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <libos/heap.h>
#include <libos/sys.h>

#define GROW_FIRST (16u << 10)
#define GROW_CHUNK (256u << 10)
#define PAGE 4096u

static struct heap heap;
static int heap_ready;

__attribute__((weak)) int libos_heap_short(uint64_t bytes)
{
	(void)bytes;
	return E_NOMEM;
}

static void *map(size_t bytes)
{
	long r = sys_mem_map(bytes);

	return r < 0 ? 0 : (void *)r;
}

static size_t page_round(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* grow: the heap's memory: the preferred size, else the least it needs;
 * once out of frames, libos_heap_short may find more */
static void *grow(void *ctx, size_t min, size_t *bytes)
{
	size_t want = page_round(*bytes), least = page_round(min);
	void *m;

	(void)ctx;
	for (int round = 0; round < 2; round++) {
		if ((m = map(want))) {
			*bytes = want;
			break;
		}
		if (least < want && (m = map(least))) {
			*bytes = least;
			break;
		}
		if (round || libos_heap_short(want) != 0) {
			break;
		}
	}
	if (m) {
		/* the next grow: as much as the heap holds now, capped */
		size_t held = heap.mapped_bytes + *bytes;
		heap.grow_min = held < GROW_CHUNK ? held : GROW_CHUNK;
	}
	return m;
}

/* shrink: [at, at + bytes) is the end of the heap's memory */
static int shrink(void *ctx, void *at, size_t bytes)
{
	(void)ctx;
	(void)at;
	return sys_mem_trim(bytes) < 0 ? -1 : 0;
}

static void heap_fail(void *ctx, const char *what, const void *ptr)
{
	char line[128];

	(void)ctx;
	snprintf(line, sizeof(line), "malloc: %s (%p)", what, ptr);
	libos_fatal(line);
}

static struct heap *the_heap(void)
{
	if (!heap_ready) {
#ifdef DEBUG
		heap_init(&heap, grow, heap_fail, 0, GROW_FIRST, true);
#else
		heap_init(&heap, grow, heap_fail, 0, GROW_FIRST, false);
#endif
		heap.shrink = shrink;
		heap.keep_mapped = GROW_FIRST;
		heap_ready = 1;
	}
	return &heap;
}

void *malloc(size_t n)
{
	return heap_alloc(the_heap(), n);
}

void free(void *p)
{
	heap_free(the_heap(), p);
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		return 0;
	}
	p = heap_alloc(the_heap(), n * size);
	if (p) {
		memset(p, 0, n * size);
	}
	return p;
}

void *realloc(void *p, size_t n)
{
	return heap_realloc(the_heap(), p, n);
}

size_t malloc_usable_size(void *p)
{
	return heap_usable_size(the_heap(), p);
}

void malloc_stats(struct heap_stats *out)
{
	heap_stats(the_heap(), out);
}

size_t malloc_trim(size_t keep)
{
	return heap_trim(the_heap(), keep);
}

int malloc_check(void)
{
	return heap_check(the_heap());
}
