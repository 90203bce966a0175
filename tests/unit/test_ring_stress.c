/* SPDX-License-Identifier: MIT */
/*
 * Two-thread stress test of the one-way ring (channels/ring.c): a producer
 * thread sends STRESS_MESSAGES messages, a consumer thread checks that each
 * arrives once, in order, with the type, length and bytes the producer
 * made. Each message carries its 64-bit index and a checksum of the rest
 * of its payload, and its bytes are a function of the index, so both a
 * torn slot and a misordered one show.
 *
 * Built twice by tests/unit/SConscript: with AddressSanitizer and UBSan
 * (10 million messages), and with ThreadSanitizer (fewer, TSan is slow),
 * which checks that the ring's acquire/release pairs order every plain
 * payload access between the two threads.
 *
 * Neither side ever blocks: the producer retries on E_FULL, the consumer
 * on E_AGAIN, with a pause and now and then a sched_yield() so that a
 * machine with fewer cores than threads still makes progress. The threads
 * record what went wrong; the cmocka assertions run on the main thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi/errors.h"
#include <channels/ring.h>

#ifndef STRESS_MESSAGES
#define STRESS_MESSAGES 10000000ull
#endif

#define ACK_EVERY 4

struct stress {
	struct ring_frame *f;
	uint64_t full;	   /* producer: E_FULL results seen */
	uint64_t received; /* consumer: messages checked */
	uint64_t bad;	   /* consumer: messages that were wrong */
	int stop;	   /* either side: gave up (atomic) */
	char why[160];	   /* consumer: the first wrong one */
};

static uint64_t mix(uint64_t x)
{
	/* splitmix64 finaliser */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h = (h ^ p[i]) * 0x100000001b3ull;
	}
	return h;
}

/*
 * Message i: type i & 0xff, length 16..56, payload = index (8 bytes),
 * checksum of bytes 16.. (8 bytes), then bytes derived from the index.
 */
static size_t make(uint64_t i, uint8_t *p)
{
	size_t len = 16 + mix(i) % (RING_PAYLOAD - 16 + 1);
	uint64_t r = mix(i ^ 0x5555);
	uint64_t sum;

	for (size_t k = 16; k < len; k++) {
		if (k % 8 == 0) {
			r = mix(r);
		}
		p[k] = (uint8_t)(r >> (8 * (k % 8)));
	}
	sum = checksum(p + 16, len - 16);
	memcpy(p, &i, 8);
	memcpy(p + 8, &sum, 8);
	return len;
}

static void backoff(unsigned *spins)
{
	if (++*spins % 64 == 0) {
		sched_yield();
	} else {
		__builtin_ia32_pause();
	}
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	struct ring_tx tx;
	uint8_t p[RING_PAYLOAD];

	ring_tx_init(&tx, s->f);
	for (uint64_t i = 0; i < STRESS_MESSAGES; i++) {
		size_t len = make(i, p);
		unsigned spins = 0;
		int r;

		while ((r = ring_send(&tx, (uint8_t)i, 0, p, len)) ==
		       E_FULL) {
			s->full++;
			if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
				return NULL;
			}
			backoff(&spins);
		}
		if (r != 0) {
			/* the consumer reports the gap */
			__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

static bool check(struct stress *s, uint64_t want, const struct ring_msg *m,
		  int r)
{
	uint8_t p[RING_PAYLOAD];
	size_t len = make(want, p);
	uint64_t idx, sum;

	if (r < 16) {
		snprintf(s->why, sizeof(s->why),
			 "message %llu: ring_recv gave %d",
			 (unsigned long long)want, r);
		return false;
	}
	memcpy(&idx, m->payload, 8);
	memcpy(&sum, m->payload + 8, 8);
	if (idx != want) {
		snprintf(s->why, sizeof(s->why),
			 "expected message %llu, got %llu",
			 (unsigned long long)want, (unsigned long long)idx);
		return false;
	}
	if ((size_t)r != len || m->len != len || m->type != (uint8_t)want ||
	    m->flags != 0 || sum != checksum(m->payload + 16, len - 16) ||
	    memcmp(m->payload, p, len) != 0) {
		snprintf(s->why, sizeof(s->why),
			 "message %llu: len %d (want %zu), type %u, flags %u, "
			 "checksum or bytes differ",
			 (unsigned long long)want, r, len, m->type, m->flags);
		return false;
	}
	return true;
}

/*
 * overrun: true (and says so) if the slot of message `next` already holds
 * a later one: the producer overwrote a message not yet read, and both
 * sides would otherwise wait for each other forever.
 */
static bool overrun(struct stress *s, uint64_t next)
{
	const struct ring_slot *slot = &s->f->slots[next % RING_NSLOTS];
	uint32_t seq =
	    (uint32_t)__atomic_load_n(&slot->header, __ATOMIC_ACQUIRE);

	if ((int32_t)(seq - (uint32_t)(next + 1)) <= 0) {
		return false;
	}
	snprintf(s->why, sizeof(s->why),
		 "waiting for message %llu, its slot holds sequence number "
		 "%u: overrun",
		 (unsigned long long)next, seq);
	s->bad++;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	return true;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;
	struct ring_rx rx;
	struct ring_msg m;
	uint64_t next = 0;
	unsigned spins = 0;

	ring_rx_init(&rx, s->f);
	while (next < STRESS_MESSAGES) {
		int r = ring_recv(&rx, &m);

		if (r == E_AGAIN) {
			if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED) ||
			    overrun(s, next)) {
				break;
			}
			/* never sit on unacked slots while waiting */
			ring_rx_ack(&rx);
			backoff(&spins);
			continue;
		}
		if (!check(s, next, &m, r)) {
			s->bad++;
			__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
			break;
		}
		next++;
		if (next % ACK_EVERY == 0) {
			ring_rx_ack(&rx);
		}
	}
	ring_rx_ack(&rx);
	s->received = next;
	return NULL;
}

static struct ring_frame frame __attribute__((aligned(CHAN_FRAME_SIZE)));

static void test_stress(void **state)
{
	struct stress s = {.f = &frame};
	pthread_t tp, tc;
	struct ring_msg m;
	struct ring_rx rx;

	(void)state;
	ring_frame_init(s.f);

	assert_int_equal(pthread_create(&tc, NULL, consumer, &s), 0);
	assert_int_equal(pthread_create(&tp, NULL, producer, &s), 0);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(pthread_join(tc, NULL), 0);

	if (s.bad) {
		fail_msg("%s", s.why);
	}
	assert_int_equal(s.received, STRESS_MESSAGES);
	assert_int_equal(s.f->tx.sent, STRESS_MESSAGES);
	assert_int_equal(s.f->rx.ack, STRESS_MESSAGES);
	/* every refusal was counted, and nothing else */
	assert_int_equal(ring_tx_dropped(s.f), s.full);
	/* nothing left over */
	ring_rx_init(&rx, s.f);
	assert_int_equal(ring_recv(&rx, &m), E_AGAIN);
	print_message("%llu messages, the ring was full %llu times\n",
		      (unsigned long long)s.received,
		      (unsigned long long)s.full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests_name("ring_stress", tests, NULL, NULL);
}
