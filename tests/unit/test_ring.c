/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the one-way cache-line ring (channels/ring.c), one thread
 * playing both ends over a frame on the heap.
 *
 * Besides the ordinary paths (empty, one message, full, ack, wrap) the
 * tests play a hostile peer by writing the shared frame directly: a slot
 * header with a length past the payload, and a receiver that publishes an
 * ack ahead of what was sent. The 32-bit sequence number wrap is reached
 * by setting up a frame as it looks after ~2^32 messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include <channels/ring.h>

struct ends {
	struct ring_frame *f;
	struct ring_tx tx;
	struct ring_rx rx;
};

static int setup(void **state)
{
	struct ends *e = calloc(1, sizeof(*e));

	e->f = aligned_alloc(CHAN_FRAME_SIZE, CHAN_FRAME_SIZE);
	/* garbage first: ring_frame_init must clear it */
	memset(e->f, 0xa5, CHAN_FRAME_SIZE);
	ring_frame_init(e->f);
	ring_tx_init(&e->tx, e->f);
	ring_rx_init(&e->rx, e->f);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct ends *e = *state;

	free(e->f);
	free(e);
	return 0;
}

/* fill: a payload that differs per message and per byte */
static void fill(uint8_t *p, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(id * 131 + i * 7 + 1);
	}
}

static void send_one(struct ends *e, uint64_t id, size_t len)
{
	uint8_t p[RING_PAYLOAD];

	fill(p, len, id);
	assert_int_equal(ring_send(&e->tx, (uint8_t)id, 0, p, len), 0);
}

static void recv_one(struct ends *e, uint64_t id, size_t len)
{
	struct ring_msg m;
	uint8_t want[RING_PAYLOAD];

	fill(want, len, id);
	assert_int_equal(ring_recv(&e->rx, &m), (int)len);
	assert_int_equal(m.type, (uint8_t)id);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.len, len);
	assert_memory_equal(m.payload, want, len);
}

static void test_empty(void **state)
{
	struct ends *e = *state;
	struct ring_msg m;

	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	assert_false(ring_rx_pending(&e->rx));
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);
	assert_int_equal(ring_tx_dropped(e->f), 0);
	assert_false(ring_tx_needs_doorbell(&e->tx));
}

static void test_send_recv_one(void **state)
{
	struct ends *e = *state;
	struct ring_msg m;
	const char hello[] = "hello";

	assert_int_equal(ring_send(&e->tx, 7, RING_F_MORE, hello, 5), 0);
	/* the header layout of ring.h: seq | type << 32 | len << 40 | flags
	 * << 48, in the slot of sequence number 1 */
	assert_int_equal(e->f->slots[0].header,
			 1ull | 7ull << 32 | 5ull << 40 | 1ull << 48);
	assert_memory_equal(e->f->slots[0].payload, "hello", 5);
	assert_int_equal(e->f->tx.sent, 1);
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS - 1);
	assert_true(ring_rx_pending(&e->rx));

	memset(&m, 0xee, sizeof(m));
	assert_int_equal(ring_recv(&e->rx, &m), 5);
	assert_int_equal(m.type, 7);
	assert_int_equal(m.flags, RING_F_MORE);
	assert_int_equal(m.len, 5);
	assert_memory_equal(m.payload, "hello", 5);
	assert_false(ring_rx_pending(&e->rx));
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);

	/* a zero-length message is a message too */
	assert_int_equal(ring_send(&e->tx, 9, 0, NULL, 0), 0);
	assert_int_equal(ring_recv(&e->rx, &m), 0);
	assert_int_equal(m.type, 9);
	assert_int_equal(m.len, 0);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
}

static void test_full_and_ack(void **state)
{
	struct ends *e = *state;
	uint8_t p[RING_PAYLOAD] = {0};
	struct ring_msg m;

	for (unsigned i = 0; i < RING_NSLOTS; i++) {
		assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS - i);
		send_one(e, i, 8);
	}
	assert_int_equal(ring_tx_space(&e->tx), 0);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, 8), E_FULL);
	assert_int_equal(ring_tx_dropped(e->f), 1);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, 0), E_FULL);
	assert_int_equal(ring_tx_dropped(e->f), 2);
	assert_int_equal(e->f->tx.sent, RING_NSLOTS);

	/* reading frees nothing until the receiver acks */
	for (unsigned i = 0; i < 10; i++) {
		recv_one(e, i, 8);
	}
	assert_int_equal(ring_tx_space(&e->tx), 0);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, 8), E_FULL);
	assert_int_equal(ring_tx_dropped(e->f), 3);

	ring_rx_ack(&e->rx);
	assert_int_equal(e->f->rx.ack, 10);
	assert_int_equal(ring_tx_space(&e->tx), 10);
	for (unsigned i = 0; i < 10; i++) {
		send_one(e, RING_NSLOTS + i, 8);
	}
	assert_int_equal(ring_send(&e->tx, 1, 0, p, 8), E_FULL);
	assert_int_equal(ring_tx_dropped(e->f), 4);

	/* everything comes out in order, the refused messages nowhere */
	for (unsigned i = 10; i < RING_NSLOTS + 10; i++) {
		recv_one(e, i, 8);
	}
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	ring_rx_ack(&e->rx);
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);

	ring_tx_count_drop(&e->tx);
	assert_int_equal(ring_tx_dropped(e->f), 5);
}

/* run: n rounds of a batch of sends then as many receives and an ack,
 * batch sizes cycling through 1..RING_NSLOTS; ids start at *id. */
static void run(struct ends *e, uint64_t *id, unsigned rounds)
{
	struct ring_msg m;

	for (unsigned r = 0; r < rounds; r++) {
		unsigned batch = 1 + (r * 17) % RING_NSLOTS;

		assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);
		for (unsigned i = 0; i < batch; i++) {
			send_one(e, *id + i, (*id + i) % (RING_PAYLOAD + 1));
		}
		assert_true(ring_rx_pending(&e->rx));
		for (unsigned i = 0; i < batch; i++) {
			recv_one(e, *id + i, (*id + i) % (RING_PAYLOAD + 1));
		}
		assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
		assert_false(ring_rx_pending(&e->rx));
		ring_rx_ack(&e->rx);
		*id += batch;
	}
}

static void test_wrap_many_times(void **state)
{
	struct ends *e = *state;
	uint64_t id = 0;

	run(e, &id, 2000);
	assert_true(id > 100 * RING_NSLOTS);
	assert_int_equal(e->f->tx.sent, id);
	assert_int_equal(e->f->rx.ack, id);
	assert_int_equal(ring_tx_dropped(e->f), 0);
}

/*
 * A frame as it is after `seq` messages all read and acked: each slot holds
 * the header of the last sequence number that went through it. (A frame
 * with ack = sent = 2^32 - 1 but zeroed slots cannot happen - every slot
 * has been written long before - and would show a phantom message: the
 * zero header carries 32-bit sequence number 0, which is the next one.)
 */
static void frame_after(struct ends *e, uint64_t seq)
{
	for (uint64_t s = seq - RING_NSLOTS + 1; s <= seq; s++) {
		e->f->slots[(s - 1) % RING_NSLOTS].header =
		    (uint32_t)s | 3ull << 32 | 4ull << 40;
	}
	e->f->tx.sent = seq;
	e->f->rx.ack = seq;
	ring_tx_init(&e->tx, e->f);
	ring_rx_init(&e->rx, e->f);
}

static void test_seq_32bit_wrap(void **state)
{
	struct ends *e = *state;
	const uint64_t start = (1ull << 32) - 100;
	uint64_t id = start;
	struct ring_msg m;

	frame_after(e, start);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);

	/* one at a time across 2^32: checks E_AGAIN at every step */
	for (unsigned i = 0; i < 200; i++) {
		run(e, &id, 1);
	}
	assert_int_equal(id, start + 200);
	assert_int_equal(e->f->tx.sent, start + 200);
	assert_true(e->f->tx.sent > (1ull << 32));

	/* a full ring straddling 2^32 */
	frame_after(e, (1ull << 32) - 30);
	id = (1ull << 32) - 30;
	for (unsigned i = 0; i < RING_NSLOTS; i++) {
		send_one(e, id + i, 16);
	}
	assert_int_equal(ring_send(&e->tx, 0, 0, NULL, 0), E_FULL);
	for (unsigned i = 0; i < RING_NSLOTS; i++) {
		recv_one(e, id + i, 16);
	}
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	ring_rx_ack(&e->rx);
	id += RING_NSLOTS;
	run(e, &id, 500);
	assert_int_equal(e->f->rx.ack, id);
	assert_int_equal(ring_tx_dropped(e->f), 1);
}

static void test_payload_limits(void **state)
{
	struct ends *e = *state;
	uint8_t p[RING_PAYLOAD + 8];
	struct ring_msg m;

	fill(p, sizeof(p), 42);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, RING_PAYLOAD), 0);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, RING_PAYLOAD + 1),
			 E_TOOBIG);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, 255), E_TOOBIG);
	assert_int_equal(ring_send(&e->tx, 1, 0, p, SIZE_MAX), E_TOOBIG);
	/* a refused oversize message is not a drop and takes no slot */
	assert_int_equal(ring_tx_dropped(e->f), 0);
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS - 1);

	assert_int_equal(ring_recv(&e->rx, &m), RING_PAYLOAD);
	assert_int_equal(m.len, RING_PAYLOAD);
	assert_memory_equal(m.payload, p, RING_PAYLOAD);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
}

static void test_bad_len_from_sender(void **state)
{
	struct ends *e = *state;
	struct ring_msg m;
	uint64_t h;

	send_one(e, 1, 10);
	send_one(e, 2, 20);
	send_one(e, 3, 30);
	/* a hostile sender rewrites slot 1's header: same sequence number,
	 * length 57 */
	h = e->f->slots[0].header;
	e->f->slots[0].header = (h & ~(0xffull << 40)) | 57ull << 40;
	/* slot 2: the largest length the byte can say */
	h = e->f->slots[1].header;
	e->f->slots[1].header = (h & ~(0xffull << 40)) | 255ull << 40;

	memset(&m, 0, sizeof(m));
	assert_int_equal(ring_recv(&e->rx, &m), E_FORMAT);
	assert_int_equal(ring_recv(&e->rx, &m), E_FORMAT);
	/* the bad slots are consumed; the next message is intact */
	recv_one(e, 3, 30);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	ring_rx_ack(&e->rx);
	assert_int_equal(e->f->rx.ack, 3);
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);
	send_one(e, 4, 56);
	recv_one(e, 4, 56);
}

static void test_lying_ack(void **state)
{
	struct ends *e = *state;
	uint8_t before[sizeof(e->f->slots)];

	for (unsigned i = 0; i < RING_NSLOTS; i++) {
		send_one(e, i, 24);
	}
	memcpy(before, e->f->slots, sizeof(before));

	/* the receiver claims to have read more than was sent */
	e->f->rx.ack = RING_NSLOTS + 5;
	assert_int_equal(ring_tx_space(&e->tx), 0);
	assert_int_equal(ring_send(&e->tx, 0, 0, NULL, 0), E_FULL);
	e->f->rx.ack = UINT64_MAX;
	assert_int_equal(ring_tx_space(&e->tx), 0);
	assert_int_equal(ring_send(&e->tx, 0, 0, NULL, 0), E_FULL);
	e->f->rx.ack = 0;
	assert_int_equal(ring_tx_space(&e->tx), 0);
	assert_int_equal(ring_tx_dropped(e->f), 2);
	/* no slot was overwritten */
	assert_memory_equal(e->f->slots, before, sizeof(before));

	/* with sent = 100, an ack of 20 claims 80 slots in use: also a lie */
	for (unsigned i = 0; i < RING_NSLOTS; i++) {
		recv_one(e, i, 24);
	}
	ring_rx_ack(&e->rx);
	for (unsigned i = 0; i < 100 - RING_NSLOTS; i++) {
		send_one(e, i, 1);
	}
	e->f->rx.ack = 20;
	assert_int_equal(ring_tx_space(&e->tx), 0);
	e->f->rx.ack = 100;
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS);
	e->f->rx.ack = 101;
	assert_int_equal(ring_tx_space(&e->tx), 0);
}

static void test_sleep_doorbell(void **state)
{
	struct ends *e = *state;
	struct ring_msg m;

	assert_false(ring_tx_needs_doorbell(&e->tx));
	ring_rx_sleep(&e->rx);
	assert_int_equal(e->f->rx.sleeping, 1);
	assert_false(ring_rx_pending(&e->rx));
	send_one(e, 1, 3);
	assert_true(ring_tx_needs_doorbell(&e->tx));
	assert_true(ring_rx_pending(&e->rx));
	ring_rx_wake(&e->rx);
	assert_int_equal(e->f->rx.sleeping, 0);
	assert_false(ring_tx_needs_doorbell(&e->tx));
	recv_one(e, 1, 3);
	assert_false(ring_rx_pending(&e->rx));
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
	send_one(e, 2, 3);
	assert_false(ring_tx_needs_doorbell(&e->tx));
	assert_int_equal(ring_tx_wake_token(&e->tx), 0);
	/* a receiver's own token is what the sender rings with */
	ring_rx_sleep_as(&e->rx, 0x105);
	assert_int_equal(ring_tx_wake_token(&e->tx), 0x105);
	assert_true(ring_tx_needs_doorbell(&e->tx));
	ring_rx_wake(&e->rx);
	assert_int_equal(ring_tx_wake_token(&e->tx), 0);
	/* 0 would read as awake: it stands for "no token" */
	ring_rx_sleep_as(&e->rx, 0);
	assert_int_equal(ring_tx_wake_token(&e->tx), RING_WAKE_ANY);
}

static void test_backlog(void **state)
{
	struct ends *e = *state;

	assert_int_equal(ring_rx_backlog(&e->rx), 0);
	send_one(e, 1, 3);
	send_one(e, 2, 3);
	send_one(e, 3, 3);
	assert_int_equal(ring_rx_backlog(&e->rx), 3);
	recv_one(e, 1, 3);
	assert_int_equal(ring_rx_backlog(&e->rx), 2);
	/* a sender's line that claims too much: never more than the ring */
	e->f->tx.sent += 1000;
	assert_int_equal(ring_rx_backlog(&e->rx), RING_NSLOTS);
}

static void test_fragments(void **state)
{
	struct ends *e = *state;
	uint8_t big[150], got[sizeof(big)];
	size_t off = 0, n = 0;
	struct ring_msg m;
	int r;

	fill(big, sizeof(big), 77);
	while (off < sizeof(big)) {
		size_t len = sizeof(big) - off;
		uint8_t flags = 0;

		if (len > RING_PAYLOAD) {
			len = RING_PAYLOAD;
			flags = RING_F_MORE;
		}
		assert_int_equal(ring_send(&e->tx, 12, flags, big + off, len),
				 0);
		off += len;
	}
	send_one(e, 5, 4); /* the next, unrelated message */

	/* 56 + 56 + 38: MORE, MORE, last */
	for (int i = 0; i < 3; i++) {
		r = ring_recv(&e->rx, &m);
		assert_int_equal(r, i < 2 ? RING_PAYLOAD : 38);
		assert_int_equal(m.type, 12);
		assert_int_equal(m.flags, i < 2 ? RING_F_MORE : 0);
		memcpy(got + n, m.payload, m.len);
		n += m.len;
	}
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
	recv_one(e, 5, 4);
	assert_int_equal(ring_recv(&e->rx, &m), E_AGAIN);
}

static void test_reattach(void **state)
{
	struct ends *e = *state;
	struct ring_tx tx2;
	struct ring_rx rx2;

	send_one(e, 1, 5);
	send_one(e, 2, 5);
	recv_one(e, 1, 5);
	ring_rx_ack(&e->rx);
	/* new ends pick up where the frame says: sent 2, acked 1 */
	ring_tx_init(&tx2, e->f);
	ring_rx_init(&rx2, e->f);
	assert_int_equal(tx2.seq, 2);
	assert_int_equal(rx2.seq, 1);
	e->tx = tx2;
	e->rx = rx2;
	assert_int_equal(ring_tx_space(&e->tx), RING_NSLOTS - 1);
	recv_one(e, 2, 5);
	send_one(e, 3, 5);
	recv_one(e, 3, 5);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_empty),
	    T(test_send_recv_one),
	    T(test_full_and_ack),
	    T(test_wrap_many_times),
	    T(test_seq_32bit_wrap),
	    T(test_payload_limits),
	    T(test_bad_len_from_sender),
	    T(test_lying_ack),
	    T(test_sleep_doorbell),
	    T(test_backlog),
	    T(test_fragments),
	    T(test_reattach),
	};
#undef T

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
