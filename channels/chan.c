// SPDX-License-Identifier: MIT
/*
 * Two-way channels over two rings in one frame, with fragmentation (see
 * channels/chan.h).
 */
#include <channels/chan.h>
#include <abi/errors.h>
#include <string.h>

#define HALF (CHAN_FRAME_SIZE / 2)

_Static_assert((2 + CHAN_HALF_SLOTS) * RING_SLOT_SIZE == HALF,
	       "a ring is half a frame");
_Static_assert((CHAN_MSG_MAX + RING_PAYLOAD - 1) / RING_PAYLOAD <=
		       CHAN_HALF_SLOTS,
	       "a largest message fits an empty ring");

void chan_init(struct chan *c, void *frame, int side)
{
	uint8_t *f = frame;

	ring_tx_init_n(&c->tx, f + (side ? HALF : 0), CHAN_HALF_SLOTS);
	ring_rx_init_n(&c->rx, f + (side ? 0 : HALF), CHAN_HALF_SLOTS);
	c->len = 0;
	c->bad = false;
	c->type = 0;
	c->frame = frame;
	c->trace_frame = 0;
	c->side = side;
}

struct trace_buf *chan_trace;
uint64_t (*chan_trace_frame)(const void *va);

/* put: one event into this process's buffer (trace_put, inlined: this
 * is the cost of tracing a message) */
static inline void put(struct trace_buf *r, uint64_t tsc, uint16_t type,
		       uint64_t a, uint64_t b)
{
	uint64_t head = r->head;
	struct trace_ev *e = &r->ev[head % r->size];

	if (head >= r->size) {
		r->lost++;
	}
	e->tsc = tsc;
	e->type = type;
	e->core = (uint16_t)r->core;
	e->pid = r->pid;
	e->a = a;
	e->b = b;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

/* traced: one event for a message sent (ring = our side) or received
 * (the peer's), keyed on the frame's physical address and the ring's
 * sequence number, which both ends know (the host works out each ring's
 * occupancy from them: no event of its own costs a send). A send
 * is stamped before its first slot was published (tsc), a receive once
 * it is complete, so a receive never looks earlier than its send, even
 * when the sender is held up between the two */
static inline __attribute__((always_inline)) void traced(struct chan *c, uint16_t ev,
					     uint8_t type, size_t len,
					     uint64_t tsc)
{
	struct trace_buf *r = chan_trace;

	if (__builtin_expect(c->trace_frame <= 1, 0)) {
		if (!c->trace_frame) {
			uint64_t f = chan_trace_frame
					 ? chan_trace_frame(c->frame)
					 : 0;
			c->trace_frame = f ? f : 1;
		}
		if (c->trace_frame == 1) {
			return;
		}
	}
	if (ev == TRACE_CHAN_RECV) {
		put(r, trace_tsc(), ev, TRACE_CHAN_A(c->trace_frame, !c->side),
		    TRACE_CHAN_B(c->rx.seq, type, len));
		return;
	}
	put(r, tsc, ev, TRACE_CHAN_A(c->trace_frame, c->side),
	    TRACE_CHAN_B(c->tx.seq, type, len));
}

static inline int send_msg(struct chan *c, uint8_t type, const void *buf,
			   size_t len)
{
	const uint8_t *p = buf;
	unsigned need = len ? (unsigned)((len + RING_PAYLOAD - 1) / RING_PAYLOAD)
			    : 1;

	if (len > CHAN_MSG_MAX) {
		return E_TOOBIG;
	}
	if (ring_tx_space(&c->tx) < need) {
		return E_FULL;
	}
	do {
		size_t k = len > RING_PAYLOAD ? RING_PAYLOAD : len;
		struct ring_slot *s = &c->tx.f->slots[c->tx.seq % c->tx.n];

		if (k) { /* (NULL, 0) is a valid empty message */
			memcpy(s->payload, p, k);
		}
		ring_tx_commit(&c->tx, s, type, len > k ? RING_F_MORE : 0, k);
		p += k;
		len -= k;
	} while (len);
	return 0;
}

static __attribute__((noinline)) int send_traced(struct chan *c, uint8_t type,
						 const void *buf, size_t len)
{
	uint64_t tsc = trace_tsc();
	int r = send_msg(c, type, buf, len);

	if (r == 0) {
		traced(c, TRACE_CHAN_SEND, type, len, tsc);
	}
	return r;
}

int chan_commit_traced(struct chan *c, uint8_t type, size_t len)
{
	uint64_t tsc = trace_tsc();

	ring_tx_commit(&c->tx, &c->tx.f->slots[c->tx.seq % c->tx.n], type, 0,
		       len);
	traced(c, TRACE_CHAN_SEND, type, len, tsc);
	return 0;
}

int chan_msg_send(struct chan *c, uint8_t type, const void *buf, size_t len)
{
	if (__builtin_expect(chan_trace != NULL, 0)) {
		return send_traced(c, type, buf, len);
	}
	return send_msg(c, type, buf, len);
}

/* take: one fragment (slot: what ring_peek returned) into the
 * reassembly, consumed and acknowledged; returns the message length when
 * it completes, E_AGAIN when more must follow, E_FORMAT when a bad
 * message ends. */
static int take(struct chan *c, const struct ring_head *h, int slot)
{
	bool first = c->len == 0 && !c->bad;

	if (slot < 0 || (!first && h->type != c->type) ||
	    c->len + h->len > CHAN_MSG_MAX) {
		c->bad = true;
	}
	if (slot >= 0) {
		ring_take(&c->rx, h, c->bad ? NULL : c->buf + c->len);
	}
	ring_rx_publish(&c->rx);
	if (!c->bad) {
		c->type = h->type;
		c->len += h->len;
	}
	if (slot >= 0 && (h->flags & RING_F_MORE)) {
		return E_AGAIN;
	}
	if (c->bad) {
		c->bad = false;
		c->len = 0;
		return E_FORMAT;
	}
	return (int)c->len;
}

/* whole: a message in one slot, with no reassembly under way: its
 * payload goes from the shared slot straight into the caller's buf (one
 * copy, not three: the slot, the reassembly, the caller's buf) */
static int whole(struct chan *c, const struct ring_head *h, uint8_t *type,
		 void *buf, size_t cap)
{
	bool fits = h->len <= cap;

	ring_take(&c->rx, h, fits ? buf : NULL);
	ring_rx_publish(&c->rx);
	if (!fits) {
		return E_FORMAT;
	}
	*type = h->type;
	if (__builtin_expect(chan_trace != NULL, 0)) {
		traced(c, TRACE_CHAN_RECV, h->type, h->len, 0);
	}
	return h->len;
}

/* slots one call takes at most: every fragment of the longest message
 * and one more. A sender that keeps writing "more follows" as fast as
 * they are read would otherwise hold the receiver in here for ever; past
 * this the call returns E_AGAIN with the reassembly kept, and the caller's
 * own budget (a pass over its other channels) comes first. */
#define RECV_SLOTS_MAX ((CHAN_MSG_MAX + RING_PAYLOAD - 1) / RING_PAYLOAD + 1)

/* reassemble: fragments into c->buf from the slot h (r from ring_peek)
 * on, at most RECV_SLOTS_MAX of them this call; apart from
 * chan_msg_recv_slow so that the one-slot path keeps its registers */
static __attribute__((noinline)) int reassemble(struct chan *c,
						struct ring_head h, int r,
						uint8_t *type, void *buf,
						size_t cap)
{
	int n;

	for (int taken = 1;; taken++) {
		n = take(c, &h, r);
		if (n == E_FORMAT) {
			return E_FORMAT;
		}
		if (n != E_AGAIN) {
			break;
		}
		if (taken >= RECV_SLOTS_MAX) {
			return E_AGAIN;
		}
		r = ring_peek(&c->rx, &h);
		if (r == E_AGAIN) {
			return E_AGAIN;
		}
	}
	c->len = 0;
	if ((size_t)n > cap) {
		return E_FORMAT;
	}
	*type = c->type;
	memcpy(buf, c->buf, (size_t)n);
	if (__builtin_expect(chan_trace != NULL, 0)) {
		traced(c, TRACE_CHAN_RECV, c->type, (size_t)n, 0);
	}
	return n;
}

int chan_msg_recv_slow(struct chan *c, const struct ring_head *first, int r,
		       uint8_t *type, void *buf, size_t cap)
{
	if (r >= 0 && c->len == 0 && !c->bad &&
	    !(first->flags & RING_F_MORE)) {
		return whole(c, first, type, buf, cap);
	}
	return reassemble(c, *first, r, type, buf, cap);
}

bool chan_needs_doorbell(const struct chan *c)
{
	return ring_tx_needs_doorbell(&c->tx);
}

uint32_t chan_peer_wake(const struct chan *c)
{
	return ring_tx_wake_token(&c->tx);
}

uint32_t chan_wake_token = RING_WAKE_ANY;

unsigned chan_rx_room(const struct chan *c)
{
	return c->rx.n - ring_rx_backlog(&c->rx);
}

