/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the trace buffer (channels/trace_ring.c): the header it
 * sets up, events in order, wrap-around that keeps the newest `size`
 * events and counts the overwritten ones, and buffers too small to hold
 * anything. Time stamps are passed in (trace_put), so every run is the
 * same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <channels/trace_ring.h>

#define NEV 8 /* event slots of the test buffer */
#define BYTES (sizeof(struct trace_buf) + NEV * sizeof(struct trace_ev))

static int setup(void **state)
{
	void *mem = aligned_alloc(64, BYTES + 64);

	/* garbage first: trace_ring_init must set every header field */
	memset(mem, 0xa5, BYTES + 64);
	*state = mem;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* put: event number i, recognisable in every field */
static void put(struct trace_buf *r, uint64_t i)
{
	trace_put(r, 1000 + i, TRACE_CHAN_SEND, 0x20003, i * 3, i * 5);
}

static void want_event(const struct trace_buf *r, uint64_t at, uint64_t i)
{
	const struct trace_ev *e = trace_ring_at(r, at);

	assert_non_null(e);
	assert_int_equal(e->tsc, 1000 + i);
	assert_int_equal(e->type, TRACE_CHAN_SEND);
	assert_int_equal(e->core, 2);
	assert_int_equal(e->pid, 0x20003);
	assert_int_equal(e->a, i * 3);
	assert_int_equal(e->b, i * 5);
}

static void test_header(void **state)
{
	struct trace_buf *r =
	    trace_ring_init(*state, BYTES + 31, TRACE_KIND_PROCESS, 2, 0x20003,
			    "bench-chan-server-long");

	assert_ptr_equal(r, *state);
	assert_int_equal(r->magic, TRACE_BUF_MAGIC);
	assert_memory_equal(&r->magic, "KRTB", 4); /* the documented bytes */
	assert_int_equal(r->version, TRACE_VERSION);
	assert_int_equal(r->kind, TRACE_KIND_PROCESS);
	assert_int_equal(r->core, 2);
	assert_int_equal(r->pid, 0x20003);
	/* cut to 16 bytes, no NUL */
	assert_memory_equal(r->name, "bench-chan-serve", TRACE_NAME_MAX);
	assert_int_equal(r->size, NEV); /* the 31 spare bytes are not a slot */
	assert_int_equal(r->head, 0);
	assert_int_equal(r->lost, 0);
	assert_int_equal(r->reserved, 0);
	assert_int_equal(trace_ring_count(r), 0);
	assert_null(trace_ring_at(r, 0));

	/* a short name is padded with NULs; NULL is no name */
	r = trace_ring_init(*state, BYTES, TRACE_KIND_KERNEL, 0, 0, "k");
	assert_memory_equal(r->name, "k\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	r = trace_ring_init(*state, BYTES, TRACE_KIND_KERNEL, 0, 0, NULL);
	assert_memory_equal(r->name, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

static void test_too_small(void **state)
{
	assert_null(trace_ring_init(NULL, BYTES, TRACE_KIND_KERNEL, 0, 0, ""));
	assert_null(trace_ring_init(*state, sizeof(struct trace_buf),
				    TRACE_KIND_KERNEL, 0, 0, ""));
	assert_null(trace_ring_init(*state, sizeof(struct trace_buf) + 31,
				    TRACE_KIND_KERNEL, 0, 0, ""));
	assert_non_null(trace_ring_init(*state, sizeof(struct trace_buf) + 32,
					TRACE_KIND_KERNEL, 0, 0, ""));
}

static void test_fill_in_order(void **state)
{
	struct trace_buf *r =
	    trace_ring_init(*state, BYTES, TRACE_KIND_PROCESS, 2, 0x20003, "p");

	for (uint64_t i = 0; i < NEV; i++) {
		put(r, i);
	}
	assert_int_equal(r->head, NEV);
	assert_int_equal(r->lost, 0);
	assert_int_equal(trace_ring_count(r), NEV);
	for (uint64_t i = 0; i < NEV; i++) {
		want_event(r, i, i);
	}
	assert_null(trace_ring_at(r, NEV));
}

/* Past full, and then many times round: always the newest NEV, oldest
 * first, and lost = everything else. */
static void test_wrap_keeps_newest(void **state)
{
	struct trace_buf *r =
	    trace_ring_init(*state, BYTES, TRACE_KIND_PROCESS, 2, 0x20003, "p");

	for (uint64_t n = 1; n <= 5 * NEV + 3; n++) {
		put(r, n - 1);
		uint64_t keep = n < NEV ? n : NEV;

		assert_int_equal(r->head, n);
		assert_int_equal(r->lost, n - keep);
		assert_int_equal(trace_ring_count(r), keep);
		for (uint64_t i = 0; i < keep; i++) {
			want_event(r, i, n - keep + i);
		}
	}
	/* nothing written outside the slots */
	const uint8_t *end = (const uint8_t *)*state + BYTES;

	for (int i = 0; i < 64; i++) {
		assert_int_equal(end[i], 0xa5);
	}
}

/* The TRACE macro: nothing through a NULL buffer (its arguments not even
 * evaluated), one event otherwise. */
static void test_macro(void **state)
{
	struct trace_buf *r = trace_ring_init(*state, BYTES, TRACE_KIND_MONITOR,
					      1, 0x10001, "monitor");
	struct trace_buf *off = NULL;
	int calls = 0;

	TRACE(off, TRACE_MON_BEGIN, (uint64_t)++calls, 7);
	assert_int_equal(calls, 0);
	TRACE(r, TRACE_MON_BEGIN, TRACE_MON_SPAWN, 7);
	TRACE_PID(r, TRACE_SWITCH, 0x10002, 0x10001, 0x10002);
	assert_int_equal(r->head, 2);
	assert_int_equal(r->ev[0].type, TRACE_MON_BEGIN);
	assert_int_equal(r->ev[0].pid, 0x10001);
	assert_int_equal(r->ev[0].a, TRACE_MON_SPAWN);
	assert_int_equal(r->ev[1].pid, 0x10002);
	assert_int_equal(r->ev[1].b, 0x10002);
	assert_true(r->ev[1].tsc >= r->ev[0].tsc);
}

static void test_chan_packing(void **state)
{
	(void)state;
	uint64_t a = TRACE_CHAN_A(0x12345000ull, 1);
	uint64_t b = TRACE_CHAN_B(0xfffffffeu, 0x42, 1024);

	assert_int_equal(a, 0x12345001ull);
	assert_int_equal(b, 0x00040042fffffffeull);
	assert_int_equal(TRACE_CHAN_FRAME(a), 0x12345000ull);
	assert_int_equal(TRACE_CHAN_RING(a), 1);
	assert_int_equal(TRACE_CHAN_SEQ(b), 0xfffffffeu);
	assert_int_equal(TRACE_CHAN_TYPE(b), 0x42);
	assert_int_equal(TRACE_CHAN_SIZE(b), 1024);
	assert_int_equal(trace_class(TRACE_SYSCALL), TRACE_C_SYSCALL);
	assert_int_equal(trace_class(TRACE_IRQ), TRACE_C_KERNEL);
	assert_int_equal(trace_class(TRACE_CHAN_RECV), TRACE_C_CHAN);
	assert_int_equal(trace_class(TRACE_RING_LEVEL), TRACE_C_CHAN);
	assert_int_equal(trace_class(TRACE_MON_END), TRACE_C_MONITOR);
	assert_int_equal(trace_class(0), 0);
	assert_int_equal(trace_class(35), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_header),	   T(test_too_small),
	    T(test_fill_in_order), T(test_wrap_keeps_newest),
	    T(test_macro),	   T(test_chan_packing),
	};
#undef T

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
