// SPDX-License-Identifier: MIT
/*
 * Two-way channels (channels/chan.c): both directions in one frame,
 * fragmentation all-or-none, reassembly, and recovery from malformed
 * messages a hostile peer can write into its own ring.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <abi/errors.h>
#include <channels/chan.h>

struct pair {
	void *frame;
	struct chan a, b; /* side 0 and side 1 */
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	p->frame = aligned_alloc(CHAN_FRAME_SIZE, CHAN_FRAME_SIZE);
	memset(p->frame, 0, CHAN_FRAME_SIZE);
	chan_init(&p->a, p->frame, 0);
	chan_init(&p->b, p->frame, 1);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	free(p->frame);
	free(p);
	return 0;
}

static void fill(uint8_t *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		buf[i] = (uint8_t)(seed * 31 + i * 7);
	}
}

static void test_roundtrip_sizes(void **state)
{
	struct pair *p = *state;
	uint8_t out[CHAN_MSG_MAX], in[CHAN_MSG_MAX];
	uint8_t type;

	for (size_t n = 0; n <= CHAN_MSG_MAX; n += (n < 120 ? 1 : 53)) {
		fill(out, n, (unsigned)n);
		assert_int_equal(chan_msg_send(&p->a, 7, out, n), 0);
		assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
				 (int)n);
		assert_int_equal(type, 7);
		assert_memory_equal(in, out, n);
	}
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_AGAIN);
}

static void test_directions_independent(void **state)
{
	struct pair *p = *state;
	uint8_t in[64], type;

	assert_int_equal(chan_msg_send(&p->a, 1, "ping", 4), 0);
	assert_int_equal(chan_msg_send(&p->b, 2, "pong!", 5), 0);
	assert_int_equal(chan_msg_recv(&p->a, &type, in, sizeof(in)), 5);
	assert_int_equal(type, 2);
	assert_memory_equal(in, "pong!", 5);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), 4);
	assert_int_equal(type, 1);
	assert_int_equal(chan_msg_recv(&p->a, &type, in, sizeof(in)),
			 E_AGAIN);
}

static void test_full_is_all_or_none(void **state)
{
	struct pair *p = *state;
	uint8_t big[CHAN_MSG_MAX], in[CHAN_MSG_MAX], type;
	int sent = 0;

	fill(big, sizeof(big), 3);
	/* 19 slots each: the second does not fit the 30 slots */
	assert_int_equal(chan_msg_send(&p->a, 9, big, sizeof(big)), 0);
	assert_int_equal(chan_msg_send(&p->a, 9, big, sizeof(big)), E_FULL);
	/* small ones fill the rest exactly */
	while (chan_msg_send(&p->a, 4, "x", 1) == 0) {
		sent++;
	}
	assert_int_equal(sent, CHAN_HALF_SLOTS - 19);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 CHAN_MSG_MAX);
	assert_memory_equal(in, big, sizeof(big));
	for (int i = 0; i < sent; i++) {
		assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), 1);
		assert_int_equal(type, 4);
	}
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_AGAIN);
	/* the receiver acked: room again */
	assert_int_equal(chan_msg_send(&p->a, 9, big, sizeof(big)), 0);
}

static void test_too_big(void **state)
{
	struct pair *p = *state;
	static uint8_t big[CHAN_MSG_MAX + 1];

	assert_int_equal(chan_msg_send(&p->a, 1, big, sizeof(big)),
			 E_TOOBIG);
}

static void test_mixed_type_fragments_rejected(void **state)
{
	struct pair *p = *state;
	uint8_t in[CHAN_MSG_MAX], type, junk[RING_PAYLOAD] = {0};

	/* a hostile sender: fragment of type 1 continued by type 2 */
	assert_int_equal(ring_send(&p->a.tx, 1, RING_F_MORE, junk, sizeof(junk)),
			 0);
	assert_int_equal(ring_send(&p->a.tx, 2, 0, junk, 3), 0);
	assert_int_equal(chan_msg_send(&p->a, 5, "good", 4), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_FORMAT);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), 4);
	assert_int_equal(type, 5);
	assert_memory_equal(in, "good", 4);
}

/* end_overlong_then_next: the sender ends a message that is over the
 * max; the receiver gets E_FORMAT for it, and the next message whole */
static void end_overlong_then_next(struct pair *p)
{
	uint8_t in[CHAN_MSG_MAX], type, junk[RING_PAYLOAD] = {0};

	assert_int_equal(ring_send(&p->a.tx, 3, 0, junk, 1), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_FORMAT);
	assert_int_equal(chan_msg_send(&p->a, 6, "next", 4), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), 4);
	assert_int_equal(type, 6);
}

static void test_overlong_message_rejected(void **state)
{
	struct pair *p = *state;
	uint8_t in[CHAN_MSG_MAX], type, junk[RING_PAYLOAD] = {0};
	int r;

	/* 20 full MORE fragments (1120 bytes) then an end: over the max */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(ring_send(&p->a.tx, 3, RING_F_MORE, junk,
					   sizeof(junk)),
				 0);
		r = chan_msg_recv(&p->b, &type, in, sizeof(in));
		assert_int_equal(r, E_AGAIN);
	}
	end_overlong_then_next(p);
}

/* a sender that keeps writing "more follows" cannot hold the receiver:
 * one call takes at most the slots of the longest message and one more
 * (20), then returns E_AGAIN with the rest still in the ring; the next
 * calls go on where it stopped */
static void test_endless_message_bounded(void **state)
{
	struct pair *p = *state;
	uint8_t in[CHAN_MSG_MAX], type, junk[RING_PAYLOAD] = {0};
	int sent = 0, calls = 0, r;

	while (ring_send(&p->a.tx, 3, RING_F_MORE, junk, sizeof(junk)) == 0) {
		sent++;
	}
	assert_true(sent > 20);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), E_AGAIN);
	assert_int_equal(ring_rx_backlog(&p->b.rx), (unsigned)(sent - 20));
	while ((r = chan_msg_recv(&p->b, &type, in, sizeof(in))) == E_AGAIN &&
	       ring_rx_backlog(&p->b.rx) && ++calls < 10) {
	}
	assert_int_equal(r, E_AGAIN);
	assert_int_equal(ring_rx_backlog(&p->b.rx), 0);
	/* its end: one bad message, then the channel works again */
	end_overlong_then_next(p);
}

static void test_bad_slot_header(void **state)
{
	struct pair *p = *state;
	uint8_t in[64], type;
	struct ring_frame *ring = p->a.tx.f;

	/* seq 1, type 1, len 200 (> 56): written straight into the slot */
	ring->slots[0].header = 1ull | 1ull << 32 | 200ull << 40;
	p->a.tx.seq = 1;
	ring->tx.sent = 1;
	assert_int_equal(chan_msg_send(&p->a, 8, "ok", 2), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_FORMAT);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), 2);
	assert_int_equal(type, 8);
}

static void test_small_receive_buffer(void **state)
{
	struct pair *p = *state;
	uint8_t out[100], in[10], type;

	fill(out, sizeof(out), 1);
	assert_int_equal(chan_msg_send(&p->a, 1, out, sizeof(out)), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_FORMAT);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)),
			 E_AGAIN);
}

/*
 * One-slot messages go from the slot straight into the caller's buffer:
 * exactly their bytes (nothing past them is written), at every length
 * 0..RING_PAYLOAD, and every slot is acknowledged (a ring's worth sent
 * after a ring's worth read finds room).
 */
static void test_one_slot_straight_to_buffer(void **state)
{
	struct pair *p = *state;
	uint8_t out[RING_PAYLOAD], in[CHAN_MSG_MAX], type;

	for (int round = 0; round < 3; round++) {
		for (size_t n = 0; n <= RING_PAYLOAD; n++) {
			fill(out, n, (unsigned)(n + round));
			assert_int_equal(
			    chan_msg_send(&p->a, (uint8_t)(n + 1), out, n), 0);
			memset(in, 0xee, sizeof(in));
			assert_int_equal(
			    chan_msg_recv(&p->b, &type, in, sizeof(in)), (int)n);
			assert_int_equal(type, n + 1);
			assert_memory_equal(in, out, n);
			for (size_t k = n; k < sizeof(in); k++) {
				assert_int_equal(in[k], 0xee);
			}
		}
		/* a ring's worth at once, then all of it again */
		for (int i = 0; i < CHAN_HALF_SLOTS; i++) {
			assert_int_equal(chan_msg_send(&p->a, 2, "abc", 3), 0);
		}
		assert_int_equal(chan_msg_send(&p->a, 2, "abc", 3), E_FULL);
		for (int i = 0; i < CHAN_HALF_SLOTS; i++) {
			assert_int_equal(
			    chan_msg_recv(&p->b, &type, in, sizeof(in)), 3);
		}
	}
	assert_int_equal(chan_msg_recv(&p->b, &type, in, sizeof(in)), E_AGAIN);
}

/* A one-slot message longer than the caller's buffer is refused
 * (E_FORMAT, consumed) without a byte written to the buffer; the next
 * message comes whole. */
static void test_one_slot_over_cap(void **state)
{
	struct pair *p = *state;
	uint8_t out[RING_PAYLOAD], type;
	uint8_t *in = malloc(8); /* exactly 8: ASan sees a byte past it */

	assert_non_null(in);
	fill(out, sizeof(out), 9);
	for (size_t n = 9; n <= RING_PAYLOAD; n += 47) {
		memset(in, 0xee, 8);
		assert_int_equal(chan_msg_send(&p->a, 1, out, n), 0);
		assert_int_equal(chan_msg_recv(&p->b, &type, in, 8), E_FORMAT);
		for (size_t k = 0; k < 8; k++) {
			assert_int_equal(in[k], 0xee);
		}
	}
	assert_int_equal(chan_msg_send(&p->a, 4, out, 8), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, in, 8), 8);
	assert_int_equal(type, 4);
	assert_memory_equal(in, out, 8);
	free(in);
}

static void test_sleep_doorbell(void **state)
{
	struct pair *p = *state;

	assert_false(chan_needs_doorbell(&p->a));
	chan_sleep(&p->b);
	assert_false(chan_pending(&p->b));
	assert_int_equal(chan_msg_send(&p->a, 1, "z", 1), 0);
	assert_true(chan_needs_doorbell(&p->a));
	assert_true(chan_pending(&p->b));
	chan_wake(&p->b);
	assert_false(chan_needs_doorbell(&p->a));
	/* b's sleeping says nothing about a's receiving side */
	chan_sleep(&p->b);
	assert_false(chan_needs_doorbell(&p->b));
}

/* The two-step send (chan_msg_reserve, chan_msg_commit): what is written
 * into the reserved slot arrives, exactly len bytes of it, as one
 * message; the sender's line says it was sent. */
static void test_reserve_commit_one_slot(void **state)
{
	struct pair *p = *state;
	uint8_t in[RING_PAYLOAD], out[64], type = 0, *slot;

	for (size_t len = 0; len <= RING_PAYLOAD; len += 7) {
		fill(in, sizeof(in), (unsigned)len);
		slot = chan_msg_reserve(&p->a);
		assert_non_null(slot);
		memcpy(slot, in, RING_PAYLOAD); /* more than is committed */
		assert_int_equal(chan_msg_commit(&p->a, 9, len), 0);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)),
				 (int)len);
		assert_int_equal(type, 9);
		assert_memory_equal(out, in, len);
		assert_int_equal(out[len], 0xee); /* only len bytes */
		assert_int_equal(p->a.tx.f->tx.sent, p->a.tx.seq);
	}
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)),
			 E_AGAIN);
}

/* A reservation is nothing until committed; a commit longer than a slot
 * is refused and sends nothing either. */
static void test_reserve_uncommitted_sends_nothing(void **state)
{
	struct pair *p = *state;
	uint8_t out[64], type = 0, *slot;

	slot = chan_msg_reserve(&p->a);
	assert_non_null(slot);
	memset(slot, 0x55, RING_PAYLOAD);
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)),
			 E_AGAIN);
	assert_int_equal(chan_msg_commit(&p->a, 3, RING_PAYLOAD + 1),
			 E_TOOBIG);
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)),
			 E_AGAIN);
	assert_int_equal(p->a.tx.seq, 0);
	/* the slot is reused by the next send, which arrives alone */
	assert_int_equal(chan_msg_send(&p->a, 4, "abc", 3), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)), 3);
	assert_int_equal(type, 4);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)),
			 E_AGAIN);
}

/* chan_msg_reserve never hands out a slot the receiver has not read:
 * NULL on a full ring (not a drop), a slot again once one is read, and
 * NULL while the receiver's line claims it read what was never sent. */
static void test_reserve_full_and_lying_ack(void **state)
{
	struct pair *p = *state;
	uint8_t out[64], type = 0, *slot;
	int k = 0;

	while (k < 100 && (slot = chan_msg_reserve(&p->a)) != NULL) {
		slot[0] = (uint8_t)k;
		assert_int_equal(chan_msg_commit(&p->a, 1, 1), 0);
		k++;
	}
	assert_int_equal(k, CHAN_HALF_SLOTS);
	assert_null(chan_msg_reserve(&p->a));
	assert_int_equal(ring_tx_dropped(p->a.tx.f), 0);
	assert_int_equal(chan_msg_recv(&p->b, &type, out, sizeof(out)), 1);
	assert_int_equal(out[0], 0);
	slot = chan_msg_reserve(&p->a);
	assert_non_null(slot);
	assert_ptr_equal(slot, p->a.tx.f->slots[0].payload);
	/* a hostile receiver says it is ahead of the sender */
	p->a.tx.f->rx.ack = p->a.tx.seq + 5;
	assert_null(chan_msg_reserve(&p->a));
	p->a.tx.f->rx.ack = p->a.tx.seq - CHAN_HALF_SLOTS - 1;
	assert_null(chan_msg_reserve(&p->a));
	/* every message sent is still there, in order */
	p->a.tx.f->rx.ack = p->b.rx.seq;
	for (int i = 1; i < CHAN_HALF_SLOTS; i++) {
		assert_int_equal(
		    chan_msg_recv(&p->b, &type, out, sizeof(out)), 1);
		assert_int_equal(out[0], i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_roundtrip_sizes),
		T(test_directions_independent),
		T(test_full_is_all_or_none),
		T(test_too_big),
		T(test_mixed_type_fragments_rejected),
		T(test_overlong_message_rejected),
		T(test_endless_message_bounded),
		T(test_bad_slot_header),
		T(test_small_receive_buffer),
		T(test_sleep_doorbell),
		T(test_one_slot_straight_to_buffer),
		T(test_one_slot_over_cap),
		T(test_reserve_commit_one_slot),
		T(test_reserve_uncommitted_sends_nothing),
		T(test_reserve_full_and_lying_ack),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
