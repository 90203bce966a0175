// SPDX-License-Identifier: MIT
/* The relay table (channels/relay.h). */
#include <channels/relay.h>
#include <abi/errors.h>

uint32_t relay_next_id(struct relay_table *t)
{
	if (++t->seq == 0) {
		t->seq = 1;
	}
	return t->seq;
}

int relay_add(struct relay_table *t, uint32_t out_id, int to, int from,
	      uint32_t back_id, uint8_t req_type, uint8_t reply_type, int kind)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct relay_entry *e = &t->e[i];

		if (!e->used) {
			e->used = 1;
			e->out_id = out_id;
			e->back_id = back_id;
			e->to = to;
			e->from = from;
			e->req_type = req_type;
			e->reply_type = reply_type;
			e->kind = kind;
			/* stamped by the next relay_expire: most calls are
			 * answered before the monitor next goes idle, and then
			 * nobody reads the clock for them */
			e->deadline_ns = 0;
			t->used++;
			return 0;
		}
	}
	return E_FULL;
}

void relay_drop(struct relay_table *t, uint32_t out_id)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->e[i].used && t->e[i].out_id == out_id) {
			t->e[i].used = 0;
			t->used--;
		}
	}
}

int relay_match(struct relay_table *t, const struct bind_iface *iface,
		int route, uint8_t type, const uint8_t *buf, size_t len,
		struct relay_entry *out)
{
	uint32_t id;
	int err;
	bool is_error = false;

	/* nothing relayed and unanswered: nothing can match (the common
	 * case: every message a monitor takes asks this first) */
	if (!t->used) {
		return 0;
	}
	if (iface->error_of &&
	    iface->error_of(type, buf, len, &id, &err) == 0) {
		is_error = true;
	} else if (iface->reply_id_of(type, buf, len, &id) < 0) {
		return 0;
	}
	for (unsigned i = 0; i < t->n; i++) {
		struct relay_entry *e = &t->e[i];

		/* only the route it went to may answer it */
		if (e->used && e->out_id == id && e->to == route &&
		    (is_error || e->reply_type == type)) {
			*out = *e;
			e->used = 0;
			t->used--;
			return 1;
		}
	}
	return 0;
}

unsigned relay_expire(struct relay_table *t,
		      void (*fn)(void *arg, const struct relay_entry *e),
		      void *arg)
{
	uint64_t now;
	unsigned k = 0;

	if (!t->used) {
		return 0;
	}
	now = t->now_ns();
	for (unsigned i = 0; i < t->n; i++) {
		struct relay_entry *e = &t->e[i];

		if (e->used && !e->deadline_ns) {
			e->deadline_ns = now + t->timeout_ns;
		}
		if (e->used && e->deadline_ns <= now) {
			struct relay_entry copy = *e;

			e->used = 0;
			t->used--;
			t->expired++;
			k++;
			fn(arg, &copy);
		}
	}
	return k;
}

uint64_t relay_next_deadline(const struct relay_table *t)
{
	uint64_t d = 0;

	if (!t->used) {
		return 0;
	}
	for (unsigned i = 0; i < t->n; i++) {
		if (t->e[i].used && (!d || t->e[i].deadline_ns < d)) {
			d = t->e[i].deadline_ns;
		}
	}
	return d;
}

unsigned relay_count(const struct relay_table *t)
{
	return t->used;
}

unsigned relay_count_from(const struct relay_table *t, int from)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n && t->used; i++) {
		n += t->e[i].used && t->e[i].from == from;
	}
	return n;
}
