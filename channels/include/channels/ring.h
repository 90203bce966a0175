/* SPDX-License-Identifier: MIT */
/*
 * One-way cache-line ring: the building block of every channel. The
 * layers of channels/ have a prefix each: ring_* (this one: one ring of
 * slots), chan_* (channels/chan.h: two rings in a frame, whole messages),
 * bind_* (channels/binding.h: a channel that knows its peer, calls with
 * deadlines) and relay_* (channels/relay.h).
 *
 * A ring lives in one 4 KiB frame shared by exactly two parties, a sender
 * and a receiver. Line 0 belongs to the receiver (its acknowledged
 * position and its "asleep" flag), line 1 to the sender (its counters);
 * lines 2..63 are message slots. A slot is 64 bytes: a header word and 56
 * bytes of payload. The sender writes the payload first and the header
 * last (release); the header carries the message's sequence number, so the
 * receiver knows a slot is new without anyone clearing it. The receiver
 * never writes into the sender's lines: it publishes how far it has read
 * in its own line (ring_rx_ack), and the sender reads that for flow
 * control. A full ring is reported to the sender (E_FULL), never waited
 * on.
 *
 * Sleeping: a receiver with nothing to do calls ring_rx_sleep(), checks
 * ring_rx_pending() once more, and halts if still empty. A sender, after
 * ring_send(), calls ring_tx_needs_doorbell() and rings the receiver's
 * doorbell (an IPI) only when that says so. Both sides put a full fence
 * between their store and their load, so one of them always sees the
 * other. The asleep flag is the receiver's wake token (ring_rx_sleep_as):
 * the sender passes it with the doorbell so that only that receiver wakes
 * (abi/syscall.h, SYS_WAKE_*); RING_WAKE_ANY when it has none.
 *
 * Usage:
 *   sender:   ring_tx_init(&tx, frame); ring_send(&tx, type, 0, p, n);
 *             if (ring_tx_needs_doorbell(&tx)) ring();
 *   receiver: ring_rx_init(&rx, frame);
 *             while ((n = ring_recv(&rx, &m)) >= 0) handle(&m);
 *             ring_rx_ack(&rx);
 * The same code builds freestanding (kernel, programs) and hosted (tests).
 */
#ifndef CHANNELS_RING_H
#define CHANNELS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <abi/errors.h>

#define CHAN_FRAME_SIZE 4096
#define RING_SLOT_SIZE 64
#define RING_PAYLOAD 56
#define RING_NSLOTS 62

/* Slot flag: more fragments of the same message follow. */
#define RING_F_MORE 0x1u

/* The asleep flag of a receiver that has no wake token of its own. */
#define RING_WAKE_ANY 1u

struct ring_slot {
	uint64_t header; /* sender: seq | type << 32 | len << 40 | flags << 48,
			    written last */
	uint8_t payload[RING_PAYLOAD]; /* sender */
} __attribute__((aligned(RING_SLOT_SIZE)));

struct ring_rx_line {
	uint64_t ack;      /* receiver: sequence number of the last slot read */
	uint32_t sleeping; /* receiver: its wake token (never 0) while it is
			      (about to be) halted, 0 while awake */
	uint8_t pad[52];
} __attribute__((aligned(RING_SLOT_SIZE)));

struct ring_tx_line {
	uint64_t sent;    /* sender: sequence number of the last slot sent */
	uint64_t dropped; /* sender: messages refused because the ring was
			     full */
	uint8_t pad[48];
} __attribute__((aligned(RING_SLOT_SIZE)));

struct ring_frame {
	struct ring_rx_line rx;
	struct ring_tx_line tx;
	struct ring_slot slots[RING_NSLOTS];
};

_Static_assert(sizeof(struct ring_slot) == 64, "slot is one cache line");
_Static_assert(sizeof(struct ring_frame) == CHAN_FRAME_SIZE,
	       "ring is one frame");

struct ring_tx {
	struct ring_frame *f; /* the ring: control lines, then n slots */
	unsigned n;
	uint64_t seq; /* last sequence number sent */
};

struct ring_rx {
	struct ring_frame *f;
	unsigned n;
	/* seq % n, the slot the next message comes in: kept as seq moves
	 * (ring_rx_step), so that a look at the ring (every route of a
	 * monitor's pass) divides nothing; in what was padding (the
	 * console's 256 of these per core stay the size they were) */
	unsigned at;
	uint64_t seq; /* last sequence number received */
};

_Static_assert(sizeof(struct ring_rx) == 24, "ring_rx: 24 bytes");

/* ring_rx_step: the slot at rx->at was taken */
static inline void ring_rx_step(struct ring_rx *rx)
{
	rx->seq++;
	rx->at = rx->at + 1 == rx->n ? 0 : rx->at + 1;
}

/* ring_rx_slot: the slot the next message comes in */
static inline const struct ring_slot *ring_rx_slot(const struct ring_rx *rx)
{
	return &rx->f->slots[rx->at];
}

struct ring_msg {
	uint8_t type;
	uint8_t flags;
	uint8_t len;
	uint8_t payload[RING_PAYLOAD];
};

/* ring_relax: what a side that polls a ring does between two looks: the
 * PAUSE instruction. On a real core it saves power and lets a hyperthread
 * run; under QEMU's single-threaded TCG (bench_icount) it ends this
 * vCPU's turn, so that the peer's vCPU runs and can answer. */
static inline void ring_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ring_frame_init: zeroes a frame before either side uses it. Called once
 * by whoever allocates the frame. */
void ring_frame_init(struct ring_frame *f);

/* ring_tx_init / ring_rx_init: attach one end to an initialised frame
 * holding one ring of RING_NSLOTS slots. */
void ring_tx_init(struct ring_tx *tx, struct ring_frame *f);
void ring_rx_init(struct ring_rx *rx, struct ring_frame *f);

/* ring_tx_init_n / ring_rx_init_n: attach to a ring of nslots slots laid
 * out like struct ring_frame (receiver line, sender line, slots) starting
 * at ring; a channel puts two such rings in one frame (channels/chan.h). */
void ring_tx_init_n(struct ring_tx *tx, void *ring, unsigned nslots);
void ring_rx_init_n(struct ring_rx *rx, void *ring, unsigned nslots);

/* ring_tx_space: slots the sender may fill now without overtaking the
 * receiver. */
unsigned ring_tx_space(const struct ring_tx *tx);

/* ring_send: one slot. len <= RING_PAYLOAD (else E_TOOBIG); payload may
 * be NULL when len is 0. Returns 0 or E_FULL (counted in the sender's
 * dropped counter). Never waits. */
int ring_send(struct ring_tx *tx, uint8_t type, uint8_t flags,
	      const void *payload, size_t len);

/* ring_tx_reserve / ring_tx_commit: ring_send in two steps, for a sender
 * that writes its payload straight into the slot (channels/binding.h,
 * bind_reserve: a generated stub marshals into it, no copy).
 * ring_tx_reserve returns the next slot, whose payload (RING_PAYLOAD
 * bytes) the caller may write, or NULL when the ring is full (not counted
 * as a drop: the caller takes another path). Nothing of it is the
 * receiver's until ring_tx_commit publishes len bytes of that payload
 * (len <= RING_PAYLOAD: the caller's to check) with the header, last.
 * Nothing else may be sent on tx between the two. Inline: this is the
 * send path of every message of a binding. */
static inline struct ring_slot *ring_tx_reserve(struct ring_tx *tx)
{
	uint64_t ack = __atomic_load_n(&tx->f->rx.ack, __ATOMIC_ACQUIRE);

	/* full, or a receiver that claims to be ahead of us (lies: no
	 * room) */
	if (tx->seq - ack >= tx->n) {
		return NULL;
	}
	return &tx->f->slots[tx->seq % tx->n];
}

static inline void ring_tx_commit(struct ring_tx *tx, struct ring_slot *s,
				  uint8_t type, uint8_t flags, size_t len)
{
	uint64_t seq = tx->seq + 1;

	/* payload before header: the header makes the slot visible */
	__atomic_store_n(&s->header,
			 (uint32_t)seq | (uint64_t)type << 32 |
				 (uint64_t)len << 40 | (uint64_t)flags << 48,
			 __ATOMIC_RELEASE);
	tx->seq = seq;
	__atomic_store_n(&tx->f->tx.sent, seq, __ATOMIC_RELAXED);
}

/* ring_tx_count_drop: count a message the sender gave up on (e.g. a
 * multi-slot message that did not fit). */
void ring_tx_count_drop(struct ring_tx *tx);

/* ring_tx_needs_doorbell: after sending; true if the receiver said it
 * sleeps, so the sender must ring its doorbell. */
bool ring_tx_needs_doorbell(const struct ring_tx *tx);
/* ring_tx_wake_token: the same check; the receiver's wake token to ring
 * with (never 0), or 0 if it is awake. */
uint32_t ring_tx_wake_token(const struct ring_tx *tx);
/* ring_tx_wake_token_inline: the same, inline (channels/binding.h) */
static inline uint32_t ring_tx_wake_token_inline(const struct ring_tx *tx)
{
	/* pairs with the fence in ring_rx_sleep: either we see the flag or
	 * the receiver sees our slot */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&tx->f->rx.sleeping, __ATOMIC_RELAXED);
}

/* ring_recv: takes the next message slot into *m. Returns its length, or
 * E_AGAIN when the ring is empty, or E_FORMAT for a slot whose header is
 * malformed (the slot is consumed; the receiver goes on). */
int ring_recv(struct ring_rx *rx, struct ring_msg *m);

/* A slot's header, as the receiver read it once (ring_peek). */
struct ring_head {
	uint8_t type;
	uint8_t flags;
	uint8_t len; /* at most RING_PAYLOAD */
};

/* ring_peek / ring_take: ring_recv in two steps, for a receiver that
 * chooses where the payload goes from its header (channels/chan.c: a
 * one-slot message straight into the caller's buffer). ring_peek reads
 * the next slot's header once into *h and returns its length, E_AGAIN
 * (empty), or E_FORMAT (a malformed header: the slot is consumed, call
 * again). After a ring_peek that returned >= 0, ring_take copies that
 * slot's h->len payload bytes to dst (NULL: drops them) and consumes the
 * slot; call ring_rx_ack after it, never before (the sender may then
 * reuse the slot). The payload is read once, after its header, so a
 * hostile sender cannot change a length that was checked. */
static inline int ring_peek(struct ring_rx *rx, struct ring_head *h)
{
	const struct ring_slot *s = ring_rx_slot(rx);
	uint64_t w = __atomic_load_n(&s->header, __ATOMIC_ACQUIRE);

	if ((uint32_t)w != (uint32_t)(rx->seq + 1)) {
		return E_AGAIN;
	}
	h->type = (uint8_t)(w >> 32);
	h->flags = (uint8_t)(w >> 48);
	h->len = (uint8_t)(w >> 40);
	if (h->len > RING_PAYLOAD) {
		ring_rx_step(rx);
		return E_FORMAT;
	}
	return h->len;
}

static inline void ring_take(struct ring_rx *rx, const struct ring_head *h,
			     void *dst)
{
	if (dst != NULL && h->len) {
		__builtin_memcpy(dst, ring_rx_slot(rx)->payload, h->len);
	}
	ring_rx_step(rx);
}

/* ring_rx_backlog: slots sent and not read yet, as the sender's line says
 * (at most the ring's size: a sender's word, used only to decide when to
 * read early) */
unsigned ring_rx_backlog(const struct ring_rx *rx);

/* ring_rx_pending: true if a message is waiting (inline: a monitor's pass
 * asks it of every route, and most have nothing) */
static inline bool ring_rx_pending(const struct ring_rx *rx)
{
	/* the slot's sequence number is the header's low 32 bits */
	const struct ring_slot *s = ring_rx_slot(rx);

	return (uint32_t)__atomic_load_n(&s->header, __ATOMIC_ACQUIRE) ==
	       (uint32_t)(rx->seq + 1);
}

/* ring_rx_ack: publish the receiver's position (frees slots).
 * ring_rx_publish: the same, inline (channels/chan.h's receive path;
 * ring_rx_ack stays a call, as tests/bench/pingpong.c's baseline ring has
 * always run it). */
static inline void ring_rx_publish(struct ring_rx *rx)
{
	__atomic_store_n(&rx->f->rx.ack, rx->seq, __ATOMIC_RELEASE);
}
void ring_rx_ack(struct ring_rx *rx);

/* ring_rx_sleep / ring_rx_wake: set or clear the receiver's asleep flag.
 * ring_rx_sleep includes the full fence; check ring_rx_pending after it.
 * ring_rx_sleep_as: ring_rx_sleep with this receiver's own wake token (0
 * is taken as RING_WAKE_ANY). Inline: a monitor sets and clears the flag
 * of every route at each sleep and wake. */
static inline void ring_rx_sleep_as(struct ring_rx *rx, uint32_t wake)
{
	__atomic_store_n(&rx->f->rx.sleeping, wake ? wake : RING_WAKE_ANY,
			 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void ring_rx_sleep(struct ring_rx *rx)
{
	ring_rx_sleep_as(rx, RING_WAKE_ANY);
}

static inline void ring_rx_wake(struct ring_rx *rx)
{
	__atomic_store_n(&rx->f->rx.sleeping, 0, __ATOMIC_RELAXED);
}

/* ring_tx_dropped: the sender's drop counter (readable by the receiver). */
uint64_t ring_tx_dropped(const struct ring_frame *f);

#endif
