/* SPDX-License-Identifier: MIT */
/*
 * One-way cache-line ring: the building block of every channel.
 *
 * A ring lives in one 4 KiB frame shared by exactly two parties, a sender
 * and a receiver. Line 0 belongs to the receiver (its acknowledged
 * position and its "asleep" flag), line 1 to the sender (its counters);
 * lines 2..63 are message slots. A slot is 64 bytes: a header word and 56
 * bytes of payload. The sender writes the payload first and the header
 * last (release); the header carries the message's sequence number, so the
 * receiver knows a slot is new without anyone clearing it. The receiver
 * never writes into the sender's lines: it publishes how far it has read
 * in its own line (chan_rx_ack), and the sender reads that for flow
 * control. A full ring is reported to the sender (E_FULL), never waited
 * on.
 *
 * Sleeping: a receiver with nothing to do calls chan_rx_sleep(), checks
 * chan_rx_pending() once more, and halts if still empty. A sender, after
 * chan_send(), calls chan_tx_needs_doorbell() and rings the receiver's
 * doorbell (an IPI) only when that says so. Both sides put a full fence
 * between their store and their load, so one of them always sees the
 * other.
 *
 * Usage:
 *   sender:   chan_tx_init(&tx, frame); chan_send(&tx, type, 0, p, n);
 *             if (chan_tx_needs_doorbell(&tx)) ring();
 *   receiver: chan_rx_init(&rx, frame);
 *             while ((n = chan_recv(&rx, &m)) >= 0) handle(&m);
 *             chan_rx_ack(&rx);
 * The same code builds freestanding (kernel, programs) and hosted (tests).
 */
#ifndef CHANNELS_RING_H
#define CHANNELS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAN_FRAME_SIZE 4096
#define CHAN_SLOT_SIZE 64
#define CHAN_PAYLOAD 56
#define CHAN_NSLOTS 62

/* Slot flag: more fragments of the same message follow. */
#define CHAN_F_MORE 0x1u

struct chan_slot {
	uint64_t header; /* sender: seq | type << 32 | len << 40 | flags << 48,
			    written last */
	uint8_t payload[CHAN_PAYLOAD]; /* sender */
} __attribute__((aligned(CHAN_SLOT_SIZE)));

struct chan_rx_line {
	uint64_t ack;      /* receiver: sequence number of the last slot read */
	uint32_t sleeping; /* receiver: 1 while it is (about to be) halted */
	uint8_t pad[52];
} __attribute__((aligned(CHAN_SLOT_SIZE)));

struct chan_tx_line {
	uint64_t sent;    /* sender: sequence number of the last slot sent */
	uint64_t dropped; /* sender: messages refused because the ring was
			     full */
	uint8_t pad[48];
} __attribute__((aligned(CHAN_SLOT_SIZE)));

struct chan_frame {
	struct chan_rx_line rx;
	struct chan_tx_line tx;
	struct chan_slot slots[CHAN_NSLOTS];
};

_Static_assert(sizeof(struct chan_slot) == 64, "slot is one cache line");
_Static_assert(sizeof(struct chan_frame) == CHAN_FRAME_SIZE,
	       "ring is one frame");

struct chan_tx {
	struct chan_frame *f; /* the ring: control lines, then n slots */
	unsigned n;
	uint64_t seq; /* last sequence number sent */
};

struct chan_rx {
	struct chan_frame *f;
	unsigned n;
	uint64_t seq; /* last sequence number received */
};

struct chan_msg {
	uint8_t type;
	uint8_t flags;
	uint8_t len;
	uint8_t payload[CHAN_PAYLOAD];
};

/* chan_frame_init: zeroes a frame before either side uses it. Called once
 * by whoever allocates the frame. */
void chan_frame_init(struct chan_frame *f);

/* chan_tx_init / chan_rx_init: attach one end to an initialised frame
 * holding one ring of CHAN_NSLOTS slots. */
void chan_tx_init(struct chan_tx *tx, struct chan_frame *f);
void chan_rx_init(struct chan_rx *rx, struct chan_frame *f);

/* chan_tx_init_n / chan_rx_init_n: attach to a ring of nslots slots laid
 * out like struct chan_frame (receiver line, sender line, slots) starting
 * at ring; a channel puts two such rings in one frame (channels/chan.h). */
void chan_tx_init_n(struct chan_tx *tx, void *ring, unsigned nslots);
void chan_rx_init_n(struct chan_rx *rx, void *ring, unsigned nslots);

/* chan_tx_space: slots the sender may fill now without overtaking the
 * receiver. */
unsigned chan_tx_space(const struct chan_tx *tx);

/* chan_send: one slot. len <= CHAN_PAYLOAD (else E_TOOBIG); payload may
 * be NULL when len is 0. Returns 0 or E_FULL (counted in the sender's
 * dropped counter). Never waits. */
int chan_send(struct chan_tx *tx, uint8_t type, uint8_t flags,
	      const void *payload, size_t len);

/* chan_tx_count_drop: count a message the sender gave up on (e.g. a
 * multi-slot message that did not fit). */
void chan_tx_count_drop(struct chan_tx *tx);

/* chan_tx_needs_doorbell: after sending; true if the receiver said it
 * sleeps, so the sender must ring its doorbell. */
bool chan_tx_needs_doorbell(const struct chan_tx *tx);

/* chan_recv: takes the next message slot into *m. Returns its length, or
 * E_AGAIN when the ring is empty, or E_FORMAT for a slot whose header is
 * malformed (the slot is consumed; the receiver goes on). */
int chan_recv(struct chan_rx *rx, struct chan_msg *m);

/* chan_rx_pending: true if a message is waiting. */
bool chan_rx_pending(const struct chan_rx *rx);

/* chan_rx_ack: publish the receiver's position (frees slots). */
void chan_rx_ack(struct chan_rx *rx);

/* chan_rx_sleep / chan_rx_wake: set or clear the receiver's asleep flag.
 * chan_rx_sleep includes the full fence; check chan_rx_pending after it. */
void chan_rx_sleep(struct chan_rx *rx);
void chan_rx_wake(struct chan_rx *rx);

/* chan_tx_dropped: the sender's drop counter (readable by the receiver). */
uint64_t chan_tx_dropped(const struct chan_frame *f);

#endif
