// SPDX-License-Identifier: MIT
/*
 * The heap behind malloc (see libos/heap.h for the layout and the checks).
 *
 * Invariants, verified by heap_check:
 *   - a segment is [first, end) of blocks, each 16-byte aligned, at least
 *     MIN_BLOCK bytes, followed by a zero-sized used sentinel at end;
 *   - every header's check word matches its size, flags and address;
 *   - F_PREV_FREE is set exactly on blocks whose previous block is free,
 *     and no two free blocks are adjacent;
 *   - a free block is in the list bin_of(its size), its footer holds its
 *     size, and with poison its bytes [32, size - 8) are HEAP_POISON;
 *   - binmap bit i is set exactly when list i is non-empty;
 *   - used_bytes / used_blocks count the used blocks.
 *
 * Public calls decode first (find the block, check it and its neighbours)
 * and change nothing when that fails.
 */
#include <libos/heap.h>
#include <abi/errors.h>
#include <string.h>

#define F_USED 1ull
#define F_PREV_FREE 2ull
#define F_MASK 15ull
#define MAGIC_USED 0x6d616c6c6f637573ull
#define MAGIC_FREE 0x66726565626c6b21ull
#define HDR 16u
#define MIN_BLOCK 48u	  /* header, two links, footer */
#define SMALL_LIMIT 1024u /* below: one list per 16 bytes */
#define REQUEST_MAX (SIZE_MAX / 4)

struct heap_block {
	uint64_t size;	/* bytes of the block, header included | F_* */
	uint64_t check; /* address ^ size ^ MAGIC_USED or MAGIC_FREE */
	/* free blocks only; their last 8 bytes hold the size (footer) */
	struct heap_block *next, *prev;
};

struct heap_seg {
	struct heap_seg *next;
	uintptr_t first; /* the first block */
	uintptr_t end;	 /* the sentinel header */
	uintptr_t limit; /* the end of the memory grow returned */
	uintptr_t base;	 /* where that memory began */
	uintptr_t pad;
};

_Static_assert(sizeof(struct heap_seg) % HEAP_ALIGN == 0,
	       "blocks after the segment header stay aligned");
_Static_assert(HDR + 2 * sizeof(void *) + 8 <= MIN_BLOCK,
	       "a free block holds its header, links and footer");

static inline uintptr_t addr(const void *p)
{
	return (uintptr_t)p;
}

static inline struct heap_block *block_at(uintptr_t a)
{
	return (struct heap_block *)a;
}

static inline size_t bsize(const struct heap_block *b)
{
	return (size_t)(b->size & ~F_MASK);
}

static inline uint64_t *footer(const struct heap_block *b, size_t size)
{
	return (uint64_t *)(addr(b) + size - 8);
}

static inline struct heap_block *after(const struct heap_block *b)
{
	return block_at(addr(b) + bsize(b));
}

static uint64_t check_word(const struct heap_block *b, uint64_t size)
{
	return addr(b) ^ size ^ (size & F_USED ? MAGIC_USED : MAGIC_FREE);
}

static void set_hdr(struct heap_block *b, size_t size, uint64_t flags)
{
	b->size = (uint64_t)size | flags;
	b->check = check_word(b, b->size);
}

static bool hdr_ok(const struct heap_block *b)
{
	return b->check == check_word(b, b->size);
}

static void set_prev_free(struct heap_block *b, bool prev_free)
{
	uint64_t flags = (b->size & F_USED) | (prev_free ? F_PREV_FREE : 0);

	set_hdr(b, bsize(b), flags);
}

static void poison(struct heap *h, uintptr_t from, size_t n)
{
	if (h->poison) {
		memset((void *)from, HEAP_POISON, n);
	}
}

/* ------------------------------------------------------------ free lists */

static unsigned bin_of(size_t size)
{
	unsigned lg;

	if (size < SMALL_LIMIT) {
		return (unsigned)(size / HEAP_ALIGN);
	}
	lg = 63u - (unsigned)__builtin_clzll((unsigned long long)size);
	return 64u + lg - 10u; /* at most 117 */
}

static void bin_insert(struct heap *h, struct heap_block *b)
{
	unsigned i = bin_of(bsize(b));

	b->prev = 0;
	b->next = h->bins[i];
	if (b->next) {
		b->next->prev = b;
	}
	h->bins[i] = b;
	h->binmap[i / 64] |= 1ull << (i % 64);
}

static void bin_remove(struct heap *h, struct heap_block *b)
{
	unsigned i = bin_of(bsize(b));

	if (b->prev) {
		b->prev->next = b->next;
	} else {
		h->bins[i] = b->next;
	}
	if (b->next) {
		b->next->prev = b->prev;
	}
	if (!h->bins[i]) {
		h->binmap[i / 64] &= ~(1ull << (i % 64));
	}
}

/* next_bin: the first non-empty list at or after from, or -1 */
static int next_bin(const struct heap *h, unsigned from)
{
	for (unsigned w = from / 64; w < HEAP_BINS / 64; w++) {
		uint64_t m = h->binmap[w];

		if (w == from / 64) {
			m &= ~0ull << (from % 64);
		}
		if (m) {
			return (int)(w * 64 + (unsigned)__builtin_ctzll(m));
		}
	}
	return -1;
}

/* find: a free block of at least need bytes, or NULL */
static struct heap_block *find(struct heap *h, size_t need)
{
	unsigned i = bin_of(need);
	int j;

	if (i >= SMALL_LIMIT / HEAP_ALIGN) {
		/* a power-of-two list: its blocks may be smaller than need */
		for (struct heap_block *b = h->bins[i]; b; b = b->next) {
			if (bsize(b) >= need) {
				return b;
			}
		}
		i++;
	}
	/* any block of a later list fits (and every one of list i if small) */
	if (i >= HEAP_BINS || (j = next_bin(h, i)) < 0) {
		return 0;
	}
	return h->bins[j];
}

/* ------------------------------------------------------------- segments */

static struct heap_seg *seg_of(const struct heap *h, uintptr_t a)
{
	for (struct heap_seg *s = h->segs; s; s = s->next) {
		if (a >= s->first && a < s->end) {
			return s;
		}
	}
	return 0;
}

/* make_free: [b, b + size) becomes free, coalesced with a free block
 * after it and, if prev_free, with the free block before it. The caller
 * has poisoned the bytes from b + 16 (with poison on). */
static void make_free(struct heap *h, struct heap_block *b, size_t size,
		      bool prev_free)
{
	struct heap_block *n = block_at(addr(b) + size);

	if (!(n->size & F_USED)) {
		bin_remove(h, n);
		size += bsize(n);
		poison(h, addr(n), HDR + 2 * sizeof(void *));
	}
	if (prev_free) {
		uint64_t f = *(uint64_t *)(addr(b) - 8);
		struct heap_block *pv = block_at(addr(b) - f);

		bin_remove(h, pv);
		poison(h, addr(b) - 8, 8 + HDR);
		b = pv;
		size += f;
	}
	set_hdr(b, size, 0);
	*footer(b, size) = size;
	bin_insert(h, b);
	set_prev_free(block_at(addr(b) + size), true);
}

/* add_region: memory from grow joins the heap, as an extension of the
 * newest segment if it continues it, else as a new segment */
static void add_region(struct heap *h, uintptr_t a, size_t n)
{
	struct heap_seg *s = h->segs;
	uintptr_t lim = a + n, end = (lim & ~(uintptr_t)(HEAP_ALIGN - 1)) - HDR;
	struct heap_block *old;

	h->mapped_bytes += n;
	if (s && a == s->limit && end >= s->end + MIN_BLOCK) {
		old = block_at(s->end);
		poison(h, s->end + HDR, end - s->end - HDR);
		s->end = end;
		s->limit = lim;
		set_hdr(block_at(end), 0, F_USED);
		make_free(h, old, end - addr(old), old->size & F_PREV_FREE);
		return;
	}
	s = (struct heap_seg *)((a + HEAP_ALIGN - 1) &
				~(uintptr_t)(HEAP_ALIGN - 1));
	if (lim < addr(s) + sizeof(*s) + MIN_BLOCK + HDR) {
		return; /* too small to hold a block: never used */
	}
	s->first = addr(s) + sizeof(*s);
	s->end = end;
	s->limit = lim;
	s->base = a;
	s->next = h->segs;
	h->segs = s;
	poison(h, s->first + HDR, end - s->first - HDR);
	set_hdr(block_at(end), 0, F_USED);
	make_free(h, block_at(s->first), end - s->first, false);
}

static bool grow_heap(struct heap *h, size_t need)
{
	/* room for a new segment's header, sentinel and alignment */
	size_t min = need + sizeof(struct heap_seg) + HDR + HEAP_ALIGN;
	size_t bytes = min > h->grow_min ? min : h->grow_min;
	void *m = h->grow ? h->grow(h->ctx, min, &bytes) : 0;

	if (!m) {
		return false;
	}
	add_region(h, addr(m), bytes);
	return true;
}

/* ------------------------------------------------------------- checking */

static void *fail(struct heap *h, const char *what, const void *ptr)
{
	if (h->fail) {
		h->fail(h->ctx, what, ptr);
	}
	return 0;
}

/* free_block_ok: b, found in a list, is a sound free block */
static bool free_block_ok(const struct heap *h, const struct heap_block *b)
{
	const struct heap_seg *s = seg_of(h, addr(b));
	size_t size = bsize(b);

	return s && hdr_ok(b) && !(b->size & F_USED) && size >= MIN_BLOCK &&
	       size <= s->end - addr(b) && *footer(b, size) == size;
}

static bool is_poison(const struct heap *h, uintptr_t from, uintptr_t to)
{
	const uint8_t *p = (const uint8_t *)from;

	for (; h->poison && addr(p) < to; p++) {
		if (*p != HEAP_POISON) {
			return false;
		}
	}
	return true;
}

/* used_block: the used block of payload p, checked with its neighbours,
 * or NULL after reporting what is wrong */
static struct heap_block *used_block(struct heap *h, const void *p)
{
	uintptr_t a = addr(p) - HDR;
	struct heap_seg *s = addr(p) % HEAP_ALIGN ? 0 : seg_of(h, a);
	struct heap_block *b = block_at(a), *n, *pv;
	uint64_t f;

	if (!s) {
		return fail(h, "pointer not from this heap", p);
	}
	if (!hdr_ok(b)) {
		return fail(h, "bad pointer or damaged header", p);
	}
	if (!(b->size & F_USED)) {
		return fail(h, "double free", p);
	}
	if (bsize(b) < MIN_BLOCK || bsize(b) > s->end - a) {
		return fail(h, "damaged header", p);
	}
	n = after(b);
	if (!hdr_ok(n) || (n->size & F_PREV_FREE) ||
	    bsize(n) > s->end - addr(n) ||
	    (!(n->size & F_USED) && !free_block_ok(h, n))) {
		return fail(h, "block overrun: the next header is damaged", p);
	}
	if (!(b->size & F_PREV_FREE)) {
		return b;
	}
	f = *(uint64_t *)(a - 8);
	pv = block_at(a - f);
	if (f % HEAP_ALIGN || f < MIN_BLOCK || f > a - s->first ||
	    !free_block_ok(h, pv) || bsize(pv) != f) {
		return fail(h, "damaged free block before this one", p);
	}
	return b;
}

/* --------------------------------------------------------------- public */

void heap_init(struct heap *h, void *(*grow)(void *, size_t, size_t *),
	       void (*fail_fn)(void *, const char *, const void *), void *ctx,
	       size_t grow_min, bool poison_on)
{
	memset(h, 0, sizeof(*h));
	h->grow = grow;
	h->fail = fail_fn;
	h->ctx = ctx;
	h->grow_min = grow_min;
	h->poison = poison_on;
}

static size_t need_of(size_t n)
{
	size_t need = (n + HDR + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);

	return need < MIN_BLOCK ? MIN_BLOCK : need;
}

/* place: b (free, out of its list) becomes a used block of need bytes;
 * the rest, if big enough for a block, stays free */
static void place(struct heap *h, struct heap_block *b, size_t need)
{
	size_t size = bsize(b);
	uint64_t pf = b->size & F_PREV_FREE;

	if (size - need >= MIN_BLOCK) {
		struct heap_block *r = block_at(addr(b) + need);

		set_hdr(b, need, F_USED | pf);
		set_hdr(r, size - need, 0);
		*footer(r, size - need) = size - need;
		bin_insert(h, r);
		size = need;
	} else {
		set_hdr(b, size, F_USED | pf);
		set_prev_free(after(b), false);
	}
	h->used_bytes += size;
	h->used_blocks++;
}

void *heap_alloc(struct heap *h, size_t n)
{
	struct heap_block *b;
	size_t need;

	if (n > REQUEST_MAX) {
		return 0;
	}
	need = need_of(n);
	b = find(h, need);
	if (!b && grow_heap(h, need)) {
		b = find(h, need);
	}
	if (!b) {
		return 0;
	}
	if (!free_block_ok(h, b) || bsize(b) < need) {
		return fail(h, "damaged free block", b);
	}
	if (!is_poison(h, addr(b) + HDR + 2 * sizeof(void *),
		       addr(b) + (need < bsize(b) - 8 ? need : bsize(b) - 8))) {
		return fail(h, "write after free", b + 1);
	}
	bin_remove(h, b);
	place(h, b, need);
	return (void *)(addr(b) + HDR);
}

void heap_free(struct heap *h, void *p)
{
	struct heap_block *b;
	size_t size;

	if (!p || !(b = used_block(h, p))) {
		return;
	}
	size = bsize(b);
	h->used_bytes -= size;
	h->used_blocks--;
	poison(h, addr(p), size - HDR);
	make_free(h, b, size, b->size & F_PREV_FREE);
}

/* shrink: used block b keeps need bytes; a rest big enough for a block
 * is freed (coalescing with a free block after it) */
static void shrink(struct heap *h, struct heap_block *b, size_t need)
{
	size_t size = bsize(b);
	struct heap_block *r;

	if (size - need < MIN_BLOCK) {
		return;
	}
	r = block_at(addr(b) + need);
	set_hdr(b, need, b->size & (F_USED | F_PREV_FREE));
	h->used_bytes -= size - need;
	poison(h, addr(r) + HDR, size - need - HDR);
	make_free(h, r, size - need, false);
}

/* grow_in_place: used block b takes in the free block after it if that
 * makes need bytes; true if it did */
static bool grow_in_place(struct heap *h, struct heap_block *b, size_t need)
{
	struct heap_block *n = after(b);
	size_t size = bsize(b);

	if ((n->size & F_USED) || size + bsize(n) < need) {
		return false;
	}
	bin_remove(h, n);
	set_hdr(b, size + bsize(n), b->size & (F_USED | F_PREV_FREE));
	set_prev_free(after(b), false);
	h->used_bytes += bsize(b) - size;
	shrink(h, b, need);
	return true;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
	struct heap_block *b;
	void *q;

	if (!p) {
		return heap_alloc(h, n);
	}
	if (!(b = used_block(h, p))) {
		return 0;
	}
	if (n == 0) {
		heap_free(h, p);
		return 0;
	}
	if (n > REQUEST_MAX) {
		return 0;
	}
	if (need_of(n) <= bsize(b)) {
		shrink(h, b, need_of(n));
		return p;
	}
	if (grow_in_place(h, b, need_of(n))) {
		return p;
	}
	q = heap_alloc(h, n);
	if (!q) {
		return 0;
	}
	memcpy(q, p, bsize(b) - HDR);
	heap_free(h, p);
	return q;
}

size_t heap_usable_size(struct heap *h, const void *p)
{
	struct heap_block *b;

	if (!p || !(b = used_block(h, p))) {
		return 0;
	}
	return bsize(b) - HDR;
}

/* walk_seg: checks one segment's blocks; adds to the stats */
static int walk_seg(struct heap *h, const struct heap_seg *s,
		    struct heap_stats *st)
{
	bool prev_free = false;
	uintptr_t a = s->first;

	while (a < s->end) {
		struct heap_block *b = block_at(a);
		size_t size = bsize(b);

		if (!hdr_ok(b) || size < MIN_BLOCK || size > s->end - a ||
		    !(b->size & F_PREV_FREE) != !prev_free) {
			return fail(h, "heap_check: damaged header", b), -1;
		}
		prev_free = !(b->size & F_USED);
		if (prev_free &&
		    (*footer(b, size) != size || (b->size & F_PREV_FREE) ||
		     !is_poison(h, a + 32, a + size - 8))) {
			return fail(h, "heap_check: damaged free block", b), -1;
		}
		if (prev_free) {
			st->free_bytes += size;
			st->free_blocks++;
			if (size > st->largest_free) {
				st->largest_free = size;
			}
		} else {
			st->used_bytes += size;
			st->used_blocks++;
		}
		a += size;
	}
	if (a != s->end || !hdr_ok(block_at(a)) ||
	    block_at(a)->size != (F_USED | (prev_free ? F_PREV_FREE : 0))) {
		return fail(h, "heap_check: damaged sentinel", block_at(a)), -1;
	}
	return 0;
}

/* walk_bins: checks the free lists; returns how many blocks they hold */
static long walk_bins(struct heap *h, size_t limit)
{
	size_t count = 0;

	for (unsigned i = 0; i < HEAP_BINS; i++) {
		struct heap_block *prev = 0;
		bool bit = h->binmap[i / 64] >> (i % 64) & 1;

		if (bit != (h->bins[i] != 0)) {
			return fail(h, "heap_check: bin map wrong", 0), -1;
		}
		for (struct heap_block *b = h->bins[i]; b; b = b->next) {
			if (++count > limit || !free_block_ok(h, b) ||
			    bin_of(bsize(b)) != i || b->prev != prev) {
				return fail(h, "heap_check: free list damaged",
					    b),
				       -1;
			}
			prev = b;
		}
	}
	return (long)count;
}

int heap_check(struct heap *h)
{
	struct heap_stats st;
	long n;

	memset(&st, 0, sizeof(st));
	for (struct heap_seg *s = h->segs; s; s = s->next) {
		if (walk_seg(h, s, &st) < 0) {
			return E_FORMAT;
		}
	}
	n = walk_bins(h, st.free_blocks);
	if (n < 0) {
		return E_FORMAT;
	}
	if (n != (long)st.free_blocks) {
		fail(h, "heap_check: a free block is in no list", 0);
		return E_FORMAT;
	}
	if (st.used_bytes != h->used_bytes ||
	    st.used_blocks != h->used_blocks) {
		fail(h, "heap_check: used counters wrong", 0);
		return E_FORMAT;
	}
	return 0;
}

void heap_stats(struct heap *h, struct heap_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (struct heap_seg *s = h->segs; s; s = s->next) {
		struct heap_block *b = block_at(s->first);

		out->segments++;
		for (; addr(b) < s->end; b = after(b)) {
			size_t size = bsize(b);

			if (b->size & F_USED) {
				out->used_bytes += size;
				out->used_blocks++;
				continue;
			}
			out->free_bytes += size;
			out->free_blocks++;
			if (size > out->largest_free) {
				out->largest_free = size;
			}
		}
	}
	out->mapped_bytes = h->mapped_bytes;
}

/* give_back: [at, s->limit) of the newest segment s goes back through
 * shrink; the free block fb (out of its list) ends at at - HDR, or with
 * at == s->base the whole segment goes. false: nothing changed but fb's
 * list, which the caller restores. */
static bool give_back(struct heap *h, struct heap_seg *s,
		      struct heap_block *fb, uintptr_t at)
{
	size_t n = s->limit - at;
	uint64_t pf = fb->size & F_PREV_FREE;
	struct heap_seg *next = s->next;
	bool whole = at == s->base;

	/* s lies in what goes when it goes whole: nothing of it is read
	 * after shrink */
	if (h->shrink(h->ctx, (void *)at, n) != 0) {
		return false;
	}
	h->mapped_bytes -= n;
	if (whole) {
		h->segs = next;
		return true;
	}
	s->limit = at;
	s->end = at - HDR;
	set_hdr(fb, s->end - addr(fb), pf);
	*footer(fb, bsize(fb)) = bsize(fb);
	bin_insert(h, fb);
	set_hdr(block_at(s->end), 0, F_USED | F_PREV_FREE);
	return true;
}

size_t heap_trim(struct heap *h, size_t keep)
{
	struct heap_seg *s = h->segs;
	struct heap_block *fb;
	uintptr_t at;
	size_t before = h->mapped_bytes;

	if (!h->shrink || !s || !(block_at(s->end)->size & F_PREV_FREE)) {
		return 0;
	}
	fb = block_at(s->end - *(uint64_t *)(s->end - 8));
	if (!free_block_ok(h, fb)) {
		fail(h, "damaged free block at the top of the heap", fb);
		return 0;
	}
	if (keep < MIN_BLOCK) {
		keep = MIN_BLOCK;
	}
	if (addr(fb) == s->first && keep == MIN_BLOCK && !h->keep_mapped) {
		at = s->base; /* all of it is free */
	} else {
		at = (addr(fb) + keep + HDR + HEAP_PAGE - 1) &
		     ~(uintptr_t)(HEAP_PAGE - 1);
		if (at < s->base + h->keep_mapped) {
			at = (s->base + h->keep_mapped + HEAP_PAGE - 1) &
			     ~(uintptr_t)(HEAP_PAGE - 1);
		}
		if (at >= s->limit || at - HDR < addr(fb) + MIN_BLOCK) {
			return 0;
		}
	}
	bin_remove(h, fb);
	if (!give_back(h, s, fb, at)) {
		bin_insert(h, fb);
	}
	return before - h->mapped_bytes;
}
