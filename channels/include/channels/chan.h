/* SPDX-License-Identifier: MIT */
/*
 * A channel: two one-way rings (channels/ring.h) in one shared 4 KiB frame,
 * one per direction, 30 slots each. Side 0 sends on the first half and
 * receives on the second; side 1 the other way round. Every cache line
 * still has one writer: each side writes only its own ring's sender line
 * and slots and the other ring's receiver line.
 *
 * Messages longer than one slot are sent as fragments (RING_F_MORE on all
 * but the last), all or none: chan_msg_send fails with E_FULL, without
 * sending anything, when the ring lacks room for the whole message. The
 * receiver reassembles; a malformed message (fragments of mixed types,
 * longer than CHAN_MSG_MAX, a bad slot) is consumed whole and reported as
 * E_FORMAT, and the next message is read normally.
 *
 * Usage:
 *   side 0: chan_init(&c, frame, 0); (after the frame was zeroed)
 *   side 1: chan_init(&c, frame, 1);
 *   send:   if (chan_msg_send(&c, type, buf, n) == 0 && chan_needs_doorbell(&c))
 *                   ring_the_peer();
 *   recv:   while ((n = chan_msg_recv(&c, &type, buf, sizeof buf)) != E_AGAIN) ...
 *   sleep:  chan_sleep(&c); if (!chan_pending(&c)) wait(); chan_wake(&c);
 */
#ifndef CHANNELS_CHAN_H
#define CHANNELS_CHAN_H

#include <channels/ring.h>
#include <channels/trace_ring.h>

#define CHAN_HALF_SLOTS 30
#define CHAN_MSG_MAX 1024 /* 19 fragments: always fits an empty ring */

struct chan {
	struct ring_tx tx;
	struct ring_rx rx;
	/* reassembly of the message being received */
	uint8_t type;
	bool bad;     /* the current message is malformed: drop its rest */
	size_t len;
	/* tracing (docs/tracing.md): the frame, its physical address once
	 * asked (0: not yet, 1: unknown) and our side */
	void *frame;
	uint64_t trace_frame;
	int side;
	uint8_t buf[CHAN_MSG_MAX];
};

/* chan_trace: where this process's channel events go, NULL while it is
 * not traced (the one branch tracing costs when off); chan_trace_frame:
 * the physical address of a channel frame mapped at va, 0 if unknown
 * (libos asks the kernel). Both set by libos. */
extern struct trace_buf *chan_trace;
extern uint64_t (*chan_trace_frame)(const void *va);

/* chan_init: attach side (0 or 1) of the channel in frame. The frame must
 * have been zeroed before either side sent anything. */
void chan_init(struct chan *c, void *frame, int side);

/* chan_msg_send: one message of len <= CHAN_MSG_MAX bytes. Returns 0,
 * E_TOOBIG, or E_FULL (nothing sent; try again after the peer has
 * read). Never waits. */
int chan_msg_send(struct chan *c, uint8_t type, const void *buf, size_t len);

/* chan_msg_reserve / chan_msg_commit: chan_msg_send of a one-slot
 * message in two steps, written straight into the slot (no copy; the
 * generated stubs marshal into it through bind_reserve). chan_msg_reserve:
 * the payload of the next slot (RING_PAYLOAD bytes to write), or NULL when
 * the ring is full. chan_msg_commit: publishes len bytes of it as one
 * message of type; 0, or E_TOOBIG (len > RING_PAYLOAD: nothing sent, the
 * slot stays ours). Nothing else may be sent on c between the two; a
 * reservation that is not committed sends nothing. */
static inline uint8_t *chan_msg_reserve(struct chan *c)
{
	struct ring_slot *s = ring_tx_reserve(&c->tx);

	return s ? s->payload : NULL;
}

/* chan_commit_traced: chan_msg_commit with tracing on (chan.c) */
int chan_commit_traced(struct chan *c, uint8_t type, size_t len);

static inline int chan_msg_commit(struct chan *c, uint8_t type, size_t len)
{
	if (len > RING_PAYLOAD) {
		return E_TOOBIG;
	}
	if (__builtin_expect(chan_trace != NULL, 0)) {
		return chan_commit_traced(c, type, len);
	}
	ring_tx_commit(&c->tx, &c->tx.f->slots[c->tx.seq % c->tx.n], type, 0,
		       len);
	return 0;
}

/* chan_msg_recv: the next complete message into buf (cap bytes) and
 * *type. Returns its length, E_AGAIN if none is complete yet, or
 * E_FORMAT for a malformed one or one longer than cap (consumed; call
 * again for the next). Writes only the message's bytes into buf: a
 * one-slot message is copied once, from the slot straight into buf;
 * a longer one is reassembled in c->buf first. */
/* chan_msg_recv_slow: the rest of chan_msg_recv, from the next slot's
 * header h that ring_peek returned r for (not E_AGAIN) */
int chan_msg_recv_slow(struct chan *c, const struct ring_head *h, int r,
		       uint8_t *type, void *buf, size_t cap);

/* inline: a one-slot message that fits, no reassembly under way and
 * tracing off (every message of a polling round trip) is taken here, from
 * its header read once; everything else is chan_msg_recv_slow's */
static inline int chan_msg_recv(struct chan *c, uint8_t *type, void *buf,
				size_t cap)
{
	struct ring_head h;
	int r = ring_peek(&c->rx, &h);

	if (r == E_AGAIN) {
		return E_AGAIN;
	}
	if (__builtin_expect(r >= 0 && !(h.flags & RING_F_MORE) &&
				     h.len <= cap && c->len == 0 && !c->bad &&
				     chan_trace == NULL,
			     1)) {
		ring_take(&c->rx, &h, buf);
		ring_rx_publish(&c->rx);
		*type = h.type;
		return r;
	}
	return chan_msg_recv_slow(c, &h, r, type, buf, cap);
}

/* chan_needs_doorbell: after sending: the peer said it sleeps. */
bool chan_needs_doorbell(const struct chan *c);
/* chan_peer_wake: the same check; the peer's wake token to ring it with
 * (never 0), or 0 if it is awake */
uint32_t chan_peer_wake(const struct chan *c);

/* chan_wake_token: the wake token chan_sleep writes: this address
 * space's own (libos sets it at start), RING_WAKE_ANY until then */
extern uint32_t chan_wake_token;

/* chan_rx_room: slots of our receiving ring not holding unread messages
 * (as the sender says) */
unsigned chan_rx_room(const struct chan *c);

/* chan_pending / chan_sleep / chan_wake: see the ring's sleep protocol. */
static inline bool chan_pending(const struct chan *c)
{
	return ring_rx_pending(&c->rx);
}

static inline void chan_sleep(struct chan *c)
{
	ring_rx_sleep_as(&c->rx, chan_wake_token);
}

static inline void chan_wake(struct chan *c)
{
	ring_rx_wake(&c->rx);
}

#endif
