/* SPDX-License-Identifier: MIT */
/*
 * A table of physical ranges that merges neighbours and grows a page at a
 * time (frame.c keeps its regions and what it lent in two of them).
 *
 * A few entries live in the table itself; more go in 4 KiB pages the
 * caller's page source gives (frame_alloc on a core), chained, and a page
 * goes back as soon as no entry is in it: entries are kept dense (deleting
 * one moves the last into its place), so an index is only good until the
 * next rt_del or rt_join.
 *
 * Each entry has a window [lo, hi) inside [base, end): for a region, the
 * frames never handed out (bumped up from lo or down from hi); for a lent
 * range, all of it (lo = base, hi = end). Two entries with the same kind
 * and owner merge when they touch and the merged window stays one piece:
 * the lower one's window reaches its end and the upper one's starts at its
 * base. Pure code: host unit tests run it (tests/unit/test_rangetab.c).
 */
#ifndef RANGETAB_H
#define RANGETAB_H

#include <stdint.h>

struct range {
	uint64_t base, end; /* [base, end) */
	uint64_t lo, hi;    /* the window: [lo, hi) */
	uint64_t used;	    /* frames handed out and not freed */
	uint32_t kind;	    /* the caller's: entries of one kind merge */
	uint32_t owner;	    /* and of one owner */
};

#define RT_FIXED 8 /* entries in the table itself */
#define RT_PAGE 4096
/* entries in one page after its link to the next */
#define RT_PER_PAGE ((RT_PAGE - 8) / sizeof(struct range))

struct rtab {
	struct range fixed[RT_FIXED];
	uint32_t n;	/* entries in use: indexes [0, n) */
	uint32_t cap;	/* RT_FIXED + pages * RT_PER_PAGE */
	uint64_t pages; /* the first extra page (physical), 0: none */
	/* page source: a zeroed page's physical address (0: none), give one
	 * back, and where a physical address can be written */
	uint64_t (*alloc)(void *ctx);
	void (*free)(void *ctx, uint64_t phys);
	void *(*p2v)(void *ctx, uint64_t phys);
	void *ctx;
};

void rt_init(struct rtab *t, uint64_t (*alloc)(void *),
	     void (*free)(void *, uint64_t), void *(*p2v)(void *, uint64_t),
	     void *ctx);

/* rt_at: entry i (i < t->n) */
struct range *rt_at(struct rtab *t, uint32_t i);

/* rt_find: the index of the entry holding pa, or -1 */
int rt_find(struct rtab *t, uint64_t pa);

/* rt_covering: the index of the entry holding all of [base, end), or -1 */
int rt_covering(struct rtab *t, uint64_t base, uint64_t end);

/* rt_grow: page (zeroed or not, RT_PAGE bytes) becomes room for
 * RT_PER_PAGE more entries. rt_room: one entry free, from the page source
 * if need be; 0 or E_NOMEM. */
void rt_grow(struct rtab *t, uint64_t page);
int rt_room(struct rtab *t);

/* rt_add: r as a new entry (rt_room first); its index */
int rt_add(struct rtab *t, const struct range *r);

/* rt_join: merges r into the entries it touches (as the header says);
 * the index of the entry that holds it, or -1 if it touches none it can
 * merge with (r is not added then). Two entries r joins become one: the
 * table shrinks and the lower index is kept (entry 0 stays entry 0). */
int rt_join(struct rtab *t, const struct range *r);

/* rt_del: entry i goes (the last entry takes its index); a page left
 * empty goes back to the page source */
void rt_del(struct rtab *t, uint32_t i);

/* rt_cut: [base, end), inside one entry whose window is all of it (a lent
 * range), stops being in the table: the entry shrinks, goes or splits in
 * two (a split needs a free entry: rt_room first). E_NOENT if no entry
 * holds it all, E_NOMEM if a split finds no room. */
int rt_cut(struct rtab *t, uint64_t base, uint64_t end);

#endif
