/* SPDX-License-Identifier: MIT */
/*
 * Relays: a monitor forwards a request that belongs to another core, and
 * later passes the reply back to where the request came from. The table
 * remembers each forwarded call (the id it used on the way out, the
 * route and id to answer, the reply type expected, a deadline); the
 * generated P_C_relay functions fill it, relay_match finds the entry a
 * reply answers, and relay_expire forgets the calls whose reply did not
 * come in time, so the monitor can answer those with an error.
 *
 * Routes are the owner's numbers for its channels (a monitor's links and
 * process channels); the table does not look inside them.
 */
#ifndef CHANNELS_RELAY_H
#define CHANNELS_RELAY_H

#include <channels/binding.h>

struct relay_entry {
	uint32_t out_id;    /* the call id used on the way out */
	uint32_t back_id;   /* the id to answer with */
	int to;		    /* the route it was forwarded on */
	int from;	    /* the route it came on */
	uint8_t req_type;   /* the request's type */
	uint8_t reply_type; /* the reply expected */
	uint8_t used;
	int kind;	      /* the owner's tag (what to do with the reply) */
	uint64_t deadline_ns; /* forgotten after this (0: not stamped yet) */
};

struct relay_table {
	struct relay_entry *e; /* n entries, zeroed */
	unsigned n;
	uint32_t seq;	     /* the last out_id */
	uint64_t timeout_ns; /* how long a relayed call may take */
	uint64_t (*now_ns)(void);
	uint64_t expired; /* calls forgotten at their deadline */
	unsigned used;	  /* entries in use */
};

/* relay_add: remember a call forwarded with out_id (from relay_next_id).
 * 0, or E_FULL when the table is full. */
int relay_add(struct relay_table *t, uint32_t out_id, int to, int from,
	      uint32_t back_id, uint8_t req_type, uint8_t reply_type, int kind);

/* relay_next_id: a fresh out_id (never 0). */
uint32_t relay_next_id(struct relay_table *t);

/* relay_drop: forget out_id (its request could not be sent). */
void relay_drop(struct relay_table *t, uint32_t out_id);

/* relay_match: did (type, buf, len), which came on route `route`, answer
 * a relayed call (its reply, or iface's `error` naming it)? If so the
 * entry is taken out of the table into *out and 1 is returned; else 0. */
int relay_match(struct relay_table *t, const struct bind_iface *iface,
		int route, uint8_t type, const uint8_t *buf, size_t len,
		struct relay_entry *out);

/* relay_expire: take out every entry whose deadline has passed, calling
 * fn(arg, entry) for each. Returns how many. An entry's deadline is set
 * (now + timeout_ns) by the first relay_expire after relay_add: call it
 * whenever the owner is about to wait, so a call's time counts from
 * then. */
unsigned relay_expire(struct relay_table *t,
		      void (*fn)(void *arg, const struct relay_entry *e),
		      void *arg);

/* relay_next_deadline: the earliest deadline in the table, 0 if empty. */
uint64_t relay_next_deadline(const struct relay_table *t);

/* relay_count: entries in use. */
unsigned relay_count(const struct relay_table *t);
/* relay_count_from: entries of calls that came on route from. */
unsigned relay_count_from(const struct relay_table *t, int from);

#endif
