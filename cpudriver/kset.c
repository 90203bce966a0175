// SPDX-License-Identifier: MIT
#include "kset.h"
#include "frame.h"
#include "kernel.h"
#include <abi/errors.h>
#include <arch/memlayout.h>
#include <stddef.h>

#define PER_PAGE 255

struct kset_page {
	struct kset_page *next;
	uint64_t pad;
	struct {
		uint64_t key, val;
	} e[PER_PAGE];
};

_Static_assert(sizeof(struct kset_page) == 4096, "one frame per page");

/* page_of: the page holding pair i (i < pages * PER_PAGE) */
static struct kset_page *page_of(const struct kset *s, uint32_t i)
{
	struct kset_page *p = s->first;

	for (uint32_t n = i / PER_PAGE; n; n--) {
		p = p->next;
	}
	return p;
}

int kset_add(struct kset *s, uint64_t key, uint64_t val)
{
	struct kset_page *p;

	if (s->count == s->pages * PER_PAGE) {
		uint64_t f = frame_alloc();

		if (!f) {
			return E_NOMEM;
		}
		p = dmap(f);
		p->next = NULL;
		if (s->pages) {
			page_of(s, s->count - 1)->next = p;
		} else {
			s->first = p;
		}
		s->pages++;
	}
	p = page_of(s, s->count);
	p->e[s->count % PER_PAGE].key = key;
	p->e[s->count % PER_PAGE].val = val;
	s->count++;
	return 0;
}

int kset_find(const struct kset *s, uint64_t key, uint64_t *val)
{
	const struct kset_page *p = s->first;

	for (uint32_t i = 0; i < s->count; i++) {
		if (i && i % PER_PAGE == 0) {
			p = p->next;
		}
		if (p->e[i % PER_PAGE].key == key) {
			*val = p->e[i % PER_PAGE].val;
			return (int)i;
		}
	}
	return -1;
}

void kset_take(struct kset *s, uint32_t i, uint64_t *key, uint64_t *val)
{
	struct kset_page *p = page_of(s, i), *last = page_of(s, s->count - 1);

	*key = p->e[i % PER_PAGE].key;
	*val = p->e[i % PER_PAGE].val;
	p->e[i % PER_PAGE] = last->e[(s->count - 1) % PER_PAGE];
	s->count--;
	if (s->count == (s->pages - 1) * PER_PAGE) {
		/* the last page is empty: give it back */
		if (s->pages == 1) {
			s->first = NULL;
		} else {
			page_of(s, s->count - 1)->next = NULL;
		}
		s->pages--;
		frame_free((uint64_t)last - DMAP_BASE);
	}
}
