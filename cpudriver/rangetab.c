// SPDX-License-Identifier: MIT
/*
 * The merging range table (rangetab.h). Extra pages are chained through
 * their first word; entry i >= RT_FIXED is in page (i - RT_FIXED) /
 * RT_PER_PAGE of the chain.
 */
#include "rangetab.h"
#include "abi/errors.h"
#include <stddef.h>

struct rt_page {
	uint64_t next;
	struct range e[RT_PER_PAGE];
};

void rt_init(struct rtab *t, uint64_t (*alloc)(void *),
	     void (*free)(void *, uint64_t), void *(*p2v)(void *, uint64_t),
	     void *ctx)
{
	t->n = 0;
	t->cap = RT_FIXED;
	t->pages = 0;
	t->alloc = alloc;
	t->free = free;
	t->p2v = p2v;
	t->ctx = ctx;
}

static struct rt_page *page_at(struct rtab *t, uint32_t k)
{
	struct rt_page *p = t->p2v(t->ctx, t->pages);

	while (k--) {
		p = t->p2v(t->ctx, p->next);
	}
	return p;
}

struct range *rt_at(struct rtab *t, uint32_t i)
{
	if (i < RT_FIXED) {
		return &t->fixed[i];
	}
	i -= RT_FIXED;
	return &page_at(t, i / RT_PER_PAGE)->e[i % RT_PER_PAGE];
}

int rt_find(struct rtab *t, uint64_t pa)
{
	for (uint32_t i = 0; i < t->n; i++) {
		struct range *r = rt_at(t, i);
		if (pa >= r->base && pa < r->end) {
			return (int)i;
		}
	}
	return -1;
}

int rt_covering(struct rtab *t, uint64_t base, uint64_t end)
{
	int i = rt_find(t, base);

	return i >= 0 && end > base && end <= rt_at(t, (uint32_t)i)->end ? i
									  : -1;
}

void rt_grow(struct rtab *t, uint64_t page)
{
	struct rt_page *p = t->p2v(t->ctx, page);

	p->next = 0;
	if (!t->pages) {
		t->pages = page;
	} else {
		page_at(t, (t->cap - RT_FIXED) / RT_PER_PAGE - 1)->next = page;
	}
	t->cap += RT_PER_PAGE;
}

int rt_room(struct rtab *t)
{
	uint64_t page;

	if (t->n < t->cap) {
		return 0;
	}
	if (!t->alloc || !(page = t->alloc(t->ctx))) {
		return E_NOMEM;
	}
	rt_grow(t, page);
	return 0;
}

int rt_add(struct rtab *t, const struct range *r)
{
	if (t->n >= t->cap) {
		return E_NOMEM;
	}
	*rt_at(t, t->n) = *r;
	return (int)t->n++;
}

void rt_del(struct rtab *t, uint32_t i)
{
	if (i >= t->n) {
		return;
	}
	t->n--;
	if (i != t->n) {
		*rt_at(t, i) = *rt_at(t, t->n);
	}
	/* the last page is empty: it goes back */
	if (t->pages && t->n <= t->cap - RT_PER_PAGE) {
		uint32_t k = (t->cap - RT_FIXED) / RT_PER_PAGE - 1;
		uint64_t last;

		if (k == 0) {
			last = t->pages;
			t->pages = 0;
		} else {
			struct rt_page *prev = page_at(t, k - 1);
			last = prev->next;
			prev->next = 0;
		}
		t->cap -= RT_PER_PAGE;
		if (t->free) {
			t->free(t->ctx, last);
		}
	}
}

/* can_merge: lo (the lower range) and up touch and their windows make one */
static int can_merge(const struct range *lo, const struct range *up)
{
	return lo->kind == up->kind && lo->owner == up->owner &&
	       lo->end == up->base && lo->hi == lo->end && up->lo == up->base;
}

static void merge_into(struct range *into, const struct range *lo,
		       const struct range *up)
{
	struct range m = *lo;

	m.end = up->end;
	m.hi = up->hi;
	m.used = lo->used + up->used;
	*into = m;
}

int rt_join(struct rtab *t, const struct range *r)
{
	int below = -1, above = -1, at;

	for (uint32_t i = 0; i < t->n; i++) {
		struct range *e = rt_at(t, i);
		if (below < 0 && can_merge(e, r)) {
			below = (int)i;
		} else if (above < 0 && can_merge(r, e)) {
			above = (int)i;
		}
	}
	if (below < 0 && above < 0) {
		return -1;
	}
	if (below >= 0) {
		struct range *e = rt_at(t, (uint32_t)below);
		merge_into(e, e, r);
		at = below;
	} else {
		struct range *e = rt_at(t, (uint32_t)above);
		merge_into(e, r, e);
		return above;
	}
	if (above >= 0) {
		/* r filled the gap between two entries: they become one, at
		 * the lower index */
		struct range lo = *rt_at(t, (uint32_t)below);
		struct range up = *rt_at(t, (uint32_t)above);
		int keep = below < above ? below : above;
		merge_into(rt_at(t, (uint32_t)keep), &lo, &up);
		rt_del(t, (uint32_t)(below < above ? above : below));
		at = keep;
	}
	return at;
}

int rt_cut(struct rtab *t, uint64_t base, uint64_t end)
{
	int i = rt_covering(t, base, end);
	struct range *e, up;

	if (i < 0) {
		return E_NOENT;
	}
	e = rt_at(t, (uint32_t)i);
	if (e->base == base && e->end == end) {
		rt_del(t, (uint32_t)i);
	} else if (e->base == base) {
		e->base = e->lo = end;
	} else if (e->end == end) {
		e->end = e->hi = base;
	} else {
		if (t->n >= t->cap) {
			return E_NOMEM;
		}
		up = *e;
		up.base = up.lo = end;
		e->end = e->hi = base;
		rt_add(t, &up);
	}
	return 0;
}
