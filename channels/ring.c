// SPDX-License-Identifier: MIT
/*
 * One-way cache-line ring; see channels/ring.h for the protocol. Sequence
 * numbers are 64-bit locally and 32-bit in the slot header: slot i holds
 * sequence numbers i+1, i+1+N, ..., so a stale slot never carries the
 * number the receiver expects next.
 */
#include <channels/ring.h>
#include <abi/errors.h>
#include <string.h>

#define HDR_SEQ(h) ((uint32_t)(h))
#define HDR_TYPE(h) ((uint8_t)((h) >> 32))
#define HDR_LEN(h) ((uint8_t)((h) >> 40))
#define HDR_FLAGS(h) ((uint8_t)((h) >> 48))

void ring_frame_init(struct ring_frame *f)
{
	memset(f, 0, sizeof(*f));
}

void ring_tx_init_n(struct ring_tx *tx, void *ring, unsigned nslots)
{
	tx->f = ring;
	tx->n = nslots;
	tx->seq = __atomic_load_n(&tx->f->tx.sent, __ATOMIC_RELAXED);
}

void ring_rx_init_n(struct ring_rx *rx, void *ring, unsigned nslots)
{
	rx->f = ring;
	rx->n = nslots;
	rx->seq = __atomic_load_n(&rx->f->rx.ack, __ATOMIC_RELAXED);
	rx->at = (unsigned)(rx->seq % rx->n);
}

void ring_tx_init(struct ring_tx *tx, struct ring_frame *f)
{
	ring_tx_init_n(tx, f, RING_NSLOTS);
}

void ring_rx_init(struct ring_rx *rx, struct ring_frame *f)
{
	ring_rx_init_n(rx, f, RING_NSLOTS);
}

unsigned ring_tx_space(const struct ring_tx *tx)
{
	uint64_t ack = __atomic_load_n(&tx->f->rx.ack, __ATOMIC_ACQUIRE);
	uint64_t used = tx->seq - ack;

	/* a receiver that claims to be ahead of us is lying: no space */
	if (used > tx->n) {
		return 0;
	}
	return tx->n - (unsigned)used;
}

int ring_send(struct ring_tx *tx, uint8_t type, uint8_t flags,
	      const void *payload, size_t len)
{
	struct ring_slot *s;
	uint64_t seq, h;

	if (len > RING_PAYLOAD) {
		return E_TOOBIG;
	}
	if (ring_tx_space(tx) == 0) {
		ring_tx_count_drop(tx);
		return E_FULL;
	}
	seq = tx->seq + 1;
	s = &tx->f->slots[(seq - 1) % tx->n];
	if (len) { /* console.c sends (NULL, 0); memcpy(_, NULL, 0) is UB */
		memcpy(s->payload, payload, len);
	}
	h = (uint32_t)seq | (uint64_t)type << 32 | (uint64_t)len << 40 |
	    (uint64_t)flags << 48;
	/* payload before header: the header makes the slot visible */
	__atomic_store_n(&s->header, h, __ATOMIC_RELEASE);
	tx->seq = seq;
	__atomic_store_n(&tx->f->tx.sent, seq, __ATOMIC_RELAXED);
	return 0;
}

void ring_tx_count_drop(struct ring_tx *tx)
{
	uint64_t d = __atomic_load_n(&tx->f->tx.dropped, __ATOMIC_RELAXED);

	__atomic_store_n(&tx->f->tx.dropped, d + 1, __ATOMIC_RELAXED);
}

uint32_t ring_tx_wake_token(const struct ring_tx *tx)
{
	/* pairs with the fence in ring_rx_sleep: either we see the flag or
	 * the receiver sees our slot */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&tx->f->rx.sleeping, __ATOMIC_RELAXED);
}

bool ring_tx_needs_doorbell(const struct ring_tx *tx)
{
	return ring_tx_wake_token(tx) != 0;
}

unsigned ring_rx_backlog(const struct ring_rx *rx)
{
	uint64_t sent = __atomic_load_n(&rx->f->tx.sent, __ATOMIC_RELAXED);
	uint64_t n = sent - rx->seq;

	return n > rx->n ? rx->n : (unsigned)n;
}

int ring_recv(struct ring_rx *rx, struct ring_msg *m)
{
	const struct ring_slot *s = ring_rx_slot(rx);
	uint64_t h = __atomic_load_n(&s->header, __ATOMIC_ACQUIRE);

	if (HDR_SEQ(h) != (uint32_t)(rx->seq + 1)) {
		return E_AGAIN;
	}
	ring_rx_step(rx);
	if (HDR_LEN(h) > RING_PAYLOAD) {
		return E_FORMAT;
	}
	m->type = HDR_TYPE(h);
	m->flags = HDR_FLAGS(h);
	m->len = HDR_LEN(h);
	memcpy(m->payload, s->payload, m->len);
	return m->len;
}

void ring_rx_ack(struct ring_rx *rx)
{
	__atomic_store_n(&rx->f->rx.ack, rx->seq, __ATOMIC_RELEASE);
}

uint64_t ring_tx_dropped(const struct ring_frame *f)
{
	return __atomic_load_n(&f->tx.dropped, __ATOMIC_RELAXED);
}
