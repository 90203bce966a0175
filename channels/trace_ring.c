// SPDX-License-Identifier: MIT
/*
 * A trace buffer's writer; see channels/trace_ring.h. Event i (from 0)
 * lives in slot i % size; head counts every event ever written, so the
 * events still there are [head - min(head, size), head).
 */
#include <channels/trace_ring.h>

struct trace_buf *trace_ring_init(void *mem, size_t bytes, uint16_t kind,
				  uint32_t core, uint32_t pid, const char *name)
{
	struct trace_buf *r = mem;
	size_t i;

	if (!mem || bytes < sizeof(*r) + sizeof(struct trace_ev)) {
		return NULL;
	}
	r->magic = TRACE_BUF_MAGIC;
	r->version = TRACE_VERSION;
	r->kind = kind;
	r->core = core;
	r->pid = pid;
	for (i = 0; i < TRACE_NAME_MAX; i++) {
		r->name[i] = name ? name[i] : 0;
		if (r->name[i] == 0) {
			name = NULL; /* pad the rest with NULs */
		}
	}
	r->size = (bytes - sizeof(*r)) / sizeof(struct trace_ev);
	r->head = 0;
	r->lost = 0;
	r->reserved = 0;
	return r;
}

void trace_put(struct trace_buf *r, uint64_t tsc, uint16_t type, uint32_t pid,
	       uint64_t a, uint64_t b)
{
	uint64_t head = r->head;
	struct trace_ev *e = &r->ev[head % r->size];

	if (head >= r->size) {
		r->lost++; /* slot head % size holds event head - size */
	}
	e->tsc = tsc;
	e->type = type;
	e->core = (uint16_t)r->core;
	e->pid = pid;
	e->a = a;
	e->b = b;
	/* the slot before the head that publishes it (for a live reader) */
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

uint64_t trace_ring_count(const struct trace_buf *r)
{
	return r->head < r->size ? r->head : r->size;
}

const struct trace_ev *trace_ring_at(const struct trace_buf *r, uint64_t i)
{
	uint64_t n = trace_ring_count(r);

	if (i >= n) {
		return NULL;
	}
	return &r->ev[(r->head - n + i) % r->size];
}
