/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the C stubs the interface compiler (site_scons/ifc/)
 * generates for tests/unit/ifc/test.if (interface `sample`), which uses
 * every feature of the language.
 *
 * Round trips of every message with edge values, the exact wire bytes of
 * a few (the documented format), every way a body can be malformed
 * (truncation at every length, trailing bytes, counts over their maximum
 * or past the end, NUL inside a string, bool not 0/1), marshal errors,
 * dispatch, the send helpers and the call-id helpers. Bodies are handed
 * to the unmarshallers in heap buffers of exactly their length, so
 * AddressSanitizer sees any read past the end.
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
#include "test_if.h"

/* ---- a table over all messages, for the generic tests ---- */

union any_msg {
	struct sample_scalars scalars;
	struct sample_strings strings;
	struct sample_blobs blobs;
	struct sample_arrays arrays;
	struct sample_empty empty;
	struct sample_mixed mixed;
	struct sample_big big;
	struct sample_req req;
	struct sample_rep rep;
	struct sample_ping ping;
	struct sample_pong pong;
};

struct msg_ops {
	uint8_t type;
	const char *name;
	size_t size;     /* sizeof the struct */
	size_t max_size; /* <MSG>_MAX_SIZE */
	int (*marshal)(const void *m, uint8_t *buf, size_t cap);
	int (*unmarshal)(const uint8_t *buf, size_t len, void *m);
};

#define WRAP(msg)                                                             \
	static int ma_##msg(const void *m, uint8_t *b, size_t c)              \
	{                                                                     \
		return sample_##msg##_marshal(m, b, c);                         \
	}                                                                     \
	static int um_##msg(const uint8_t *b, size_t l, void *m)              \
	{                                                                     \
		return sample_##msg##_unmarshal(b, l, m);                       \
	}
WRAP(scalars)
WRAP(strings)
WRAP(blobs)
WRAP(arrays)
WRAP(empty)
WRAP(mixed)
WRAP(big)
WRAP(req)
WRAP(rep)
WRAP(ping)
WRAP(pong)

#define OPS(msg, TYPE, MAX)                                                   \
	{TYPE, #msg, sizeof(struct sample_##msg), MAX, ma_##msg, um_##msg}

static const struct msg_ops all_ops[] = {
    OPS(scalars, SAMPLE_MSG_SCALARS, SAMPLE_SCALARS_MAX_SIZE),
    OPS(strings, SAMPLE_MSG_STRINGS, SAMPLE_STRINGS_MAX_SIZE),
    OPS(blobs, SAMPLE_MSG_BLOBS, SAMPLE_BLOBS_MAX_SIZE),
    OPS(arrays, SAMPLE_MSG_ARRAYS, SAMPLE_ARRAYS_MAX_SIZE),
    OPS(empty, SAMPLE_MSG_EMPTY, SAMPLE_EMPTY_MAX_SIZE),
    OPS(mixed, SAMPLE_MSG_MIXED, SAMPLE_MIXED_MAX_SIZE),
    OPS(big, SAMPLE_MSG_BIG, SAMPLE_BIG_MAX_SIZE),
    OPS(req, SAMPLE_MSG_REQ, SAMPLE_REQ_MAX_SIZE),
    OPS(rep, SAMPLE_MSG_REP, SAMPLE_REP_MAX_SIZE),
    OPS(ping, SAMPLE_MSG_PING, SAMPLE_PING_MAX_SIZE),
    OPS(pong, SAMPLE_MSG_PONG, SAMPLE_PONG_MAX_SIZE),
};
#define NOPS (sizeof(all_ops) / sizeof(all_ops[0]))

/* Every message at its largest, with distinctive non-zero values. */
static void fill_full(uint8_t type, union any_msg *u)
{
	size_t i;

	memset(u, 0, sizeof(*u));
	switch (type) {
	case SAMPLE_MSG_SCALARS:
		/* fields one by one: struct assignment may copy padding */
		u->scalars.a = 0xff;
		u->scalars.b = 0xfffe;
		u->scalars.c = 0xfffffffd;
		u->scalars.d = 0xfffffffffffffffcull;
		u->scalars.e = INT8_MIN;
		u->scalars.f = INT16_MIN;
		u->scalars.g = INT32_MIN;
		u->scalars.h = INT64_MIN;
		u->scalars.flag = true;
		break;
	case SAMPLE_MSG_STRINGS:
		strcpy(u->strings.name, "1234567");
		u->strings.tail = 0x80;
		break;
	case SAMPLE_MSG_BLOBS:
		u->blobs.blob_len = 16;
		memset(u->blobs.blob, 0xb0, 16);
		u->blobs.blob[3] = 0; /* bytes may hold NUL */
		u->blobs.tiny_len = 1;
		u->blobs.tiny[0] = 0x7f;
		break;
	case SAMPLE_MSG_ARRAYS:
		u->arrays.a8_count = 3;
		u->arrays.a16_count = 2;
		u->arrays.a32_count = 4;
		u->arrays.a64_count = 2;
		u->arrays.s8_count = 2;
		u->arrays.s16_count = 2;
		u->arrays.s32_count = 2;
		u->arrays.s64_count = 2;
		u->arrays.flags_count = 4;
		for (i = 0; i < 4; i++) {
			u->arrays.a32[i] = 0x01020304u * (uint32_t)(i + 1);
			u->arrays.flags[i] = i % 2 == 0;
		}
		for (i = 0; i < 2; i++) {
			u->arrays.a16[i] = (uint16_t)(0xfff0 + i);
			u->arrays.a64[i] = UINT64_MAX - i;
			u->arrays.s8[i] = (int8_t)(i ? INT8_MAX : INT8_MIN);
			u->arrays.s16[i] = (int16_t)(i ? INT16_MAX : INT16_MIN);
			u->arrays.s32[i] = i ? INT32_MAX : INT32_MIN;
			u->arrays.s64[i] = i ? INT64_MAX : INT64_MIN;
		}
		memcpy(u->arrays.a8, "\x01\x80\xff", 3);
		break;
	case SAMPLE_MSG_MIXED:
		u->mixed.a = 0xa55a;
		strcpy(u->mixed.s, "xyz");
		u->mixed.b = true;
		u->mixed.c = -1;
		u->mixed.d_len = 3;
		memcpy(u->mixed.d, "\x00\x01\x02", 3);
		u->mixed.e_count = 2;
		u->mixed.e[0] = 1;
		u->mixed.e[1] = UINT32_MAX;
		u->mixed.f = -7;
		break;
	case SAMPLE_MSG_BIG:
		u->big.data_len = 1022;
		for (i = 0; i < 1022; i++) {
			u->big.data[i] = (uint8_t)(i * 7);
		}
		break;
	case SAMPLE_MSG_REQ:
		u->req.call_id = 0xdeadbeef;
		u->req.x = 77;
		strcpy(u->req.s, "fifteen-chars!!");
		break;
	case SAMPLE_MSG_REP:
		u->rep.call_id = 0xdeadbeef;
		u->rep.err = E_NOMEM;
		u->rep.v = 0x8000000000000001ull;
		break;
	case SAMPLE_MSG_PING:
		u->ping.call_id = 1;
		break;
	case SAMPLE_MSG_PONG:
		u->pong.call_id = UINT32_MAX;
		break;
	default:
		break;
	}
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0) {
			return false;
		}
	}
	return true;
}

/* The unmarshaller of ops on a heap copy of exactly len bytes. */
static int unmarshal_exact(const struct msg_ops *ops, const uint8_t *buf,
			   size_t len, union any_msg *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len) {
		memcpy(copy, buf, len);
	}
	memset(out, 0x5a, sizeof(*out));
	rc = ops->unmarshal(copy, len, out);
	free(copy);
	return rc;
}

/* Marshal, unmarshal, marshal again: same bytes, same struct bytes (both
 * structs went through memset, so their padding is zero too). */
static int round_trip(const struct msg_ops *ops, const union any_msg *in,
		      uint8_t *wire)
{
	union any_msg out;
	uint8_t again[IFC_MAX_MSG];
	int n, n2;

	n = ops->marshal(in, wire, IFC_MAX_MSG);
	assert_true(n >= 0);
	assert_true((size_t)n <= ops->max_size);
	assert_int_equal(unmarshal_exact(ops, wire, (size_t)n, &out), 0);
	assert_memory_equal(&out, in, ops->size);
	n2 = ops->marshal(&out, again, sizeof(again));
	assert_int_equal(n2, n);
	assert_memory_equal(again, wire, (size_t)n);
	return n;
}

/* ---- round trips ---- */

static void test_round_trip_full(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		fill_full(all_ops[i].type, &u);
		assert_int_equal(round_trip(&all_ops[i], &u, wire),
				 all_ops[i].max_size);
	}
}

static void test_round_trip_zero(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		memset(&u, 0, sizeof(u));
		round_trip(&all_ops[i], &u, wire);
	}
}

static void test_round_trip_scalar_edges(void **state)
{
	static const struct sample_scalars cases[] = {
	    {0, 0, 0, 0, 0, 0, 0, 0, false},
	    {1, 1, 1, 1, 1, 1, 1, 1, true},
	    {UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX, INT8_MAX,
	     INT16_MAX, INT32_MAX, INT64_MAX, true},
	    {0x80, 0x8000, 0x80000000u, 0x8000000000000000ull, INT8_MIN,
	     INT16_MIN, INT32_MIN, INT64_MIN, false},
	    {0, 0, 0, 0, -1, -1, -1, -1, false},
	};
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* fields one by one: struct assignment may copy padding */
		memset(&u, 0, sizeof(u));
		u.scalars.a = cases[i].a;
		u.scalars.b = cases[i].b;
		u.scalars.c = cases[i].c;
		u.scalars.d = cases[i].d;
		u.scalars.e = cases[i].e;
		u.scalars.f = cases[i].f;
		u.scalars.g = cases[i].g;
		u.scalars.h = cases[i].h;
		u.scalars.flag = cases[i].flag;
		assert_int_equal(round_trip(&all_ops[0], &u, wire), 31);
	}
}

static void test_round_trip_lengths(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	int n;

	(void)state;
	/* every string length 0..7, every blob length 0..16 */
	for (size_t len = 0; len <= 7; len++) {
		memset(&u, 0, sizeof(u));
		memset(u.strings.name, 'a' + (int)len, len);
		n = round_trip(&all_ops[1], &u, wire);
		assert_int_equal(n, 2 + len + 2 + 0 + 1);
	}
	for (size_t len = 0; len <= 16; len++) {
		memset(&u, 0, sizeof(u));
		u.blobs.blob_len = (uint16_t)len;
		memset(u.blobs.blob, 0xee, len);
		n = round_trip(&all_ops[2], &u, wire);
		assert_int_equal(n, 2 + len + 2);
	}
	for (uint16_t c = 0; c <= 4; c++) {
		memset(&u, 0, sizeof(u));
		u.arrays.a32_count = c;
		u.arrays.flags_count = c;
		for (uint16_t i = 0; i < c; i++) {
			u.arrays.a32[i] = i + 1000u;
			u.arrays.flags[i] = true;
		}
		n = round_trip(&all_ops[3], &u, wire);
		assert_int_equal(n, 9 * 2 + c * 4 + c);
	}
}

/* Random messages of every kind (fixed seed: a failure reproduces). */
static void test_round_trip_random(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	uint8_t raw[sizeof(union any_msg)];

	(void)state;
	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		const struct msg_ops *ops = &all_ops[(size_t)rand() % NOPS];
		union any_msg out;
		int n;

		/* Random bytes, then made valid as a C struct: unmarshal of
		 * the marshalled random struct gives its canonical form. */
		for (size_t i = 0; i < sizeof(raw); i++) {
			raw[i] = (uint8_t)rand();
		}
		memset(&u, 0, sizeof(u));
		fill_full(ops->type, &u);
		switch (ops->type) {
		case SAMPLE_MSG_SCALARS:
			memcpy(&u.scalars.d, raw, 8);
			memcpy(&u.scalars.h, raw + 8, 8);
			u.scalars.g = (int32_t)raw[16] - 128;
			u.scalars.flag = raw[17] & 1;
			break;
		case SAMPLE_MSG_STRINGS:
			memset(u.strings.name, 0, sizeof(u.strings.name));
			for (size_t i = 0; i < raw[0] % 8u; i++) {
				u.strings.name[i] = (char)(raw[i + 1] | 1);
			}
			u.strings.tail = raw[10];
			break;
		case SAMPLE_MSG_BLOBS:
			u.blobs.blob_len = raw[0] % 17u;
			memcpy(u.blobs.blob, raw + 1, u.blobs.blob_len);
			memset(u.blobs.blob + u.blobs.blob_len, 0,
			       16u - u.blobs.blob_len);
			break;
		case SAMPLE_MSG_ARRAYS:
			u.arrays.a64_count = raw[0] % 3u;
			u.arrays.s16_count = raw[1] % 3u;
			u.arrays.flags_count = raw[2] % 5u;
			for (size_t i = 0; i < 2; i++) {
				u.arrays.a64[i] =
				    i < u.arrays.a64_count ? raw[3 + i] : 0;
				u.arrays.s16[i] =
				    i < u.arrays.s16_count
					? (int16_t)(raw[5 + i] - 128)
					: 0;
			}
			for (size_t i = 0; i < 4; i++) {
				u.arrays.flags[i] = i < u.arrays.flags_count &&
						    (raw[7 + i] & 1);
			}
			break;
		case SAMPLE_MSG_BIG:
			u.big.data_len = (uint16_t)((raw[0] | raw[1] << 8) % 1023);
			memset(u.big.data + u.big.data_len, 0,
			       1022u - u.big.data_len);
			break;
		default:
			break;
		}
		n = round_trip(ops, &u, wire);
		/* a random cut is always rejected */
		if (n > 0) {
			size_t cut = (size_t)rand() % (size_t)n;
			assert_int_equal(unmarshal_exact(ops, wire, cut, &out),
					 E_FORMAT);
		}
	}
}

/* ---- the wire format, byte for byte (docs/interfaces.md) ---- */

static void test_wire_scalars(void **state)
{
	struct sample_scalars m = {0x01,
				 0x0302,
				 0x07060504,
				 0x0f0e0d0c0b0a0908ull,
				 -2,
				 -3,
				 -4,
				 -5,
				 true};
	static const uint8_t want[] = {
	    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	    0x0c, 0x0d, 0x0e, 0x0f, 0xfe, 0xfd, 0xff, 0xfc, 0xff, 0xff, 0xff,
	    0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	uint8_t buf[64];

	(void)state;
	assert_int_equal(sample_scalars_marshal(&m, buf, sizeof(buf)),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_wire_variable(void **state)
{
	struct sample_mixed m;
	struct sample_req r;
	static const uint8_t want_mixed[] = {
	    0x34, 0x12,		  /* a */
	    0x02, 0x00, 'h', 'i', /* s: count, bytes, no NUL */
	    0x01,		  /* b */
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* c = -1 */
	    0x01, 0x00, 0x00,				    /* d: 1 byte */
	    0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, /* e */
	    0x80,							/* f */
	};
	static const uint8_t want_req[] = {
	    0x78, 0x56, 0x34, 0x12, /* call_id first */
	    0x09, 0x00, 0x00, 0x00, /* x */
	    0x00, 0x00,		    /* s: empty */
	};
	uint8_t buf[64];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.a = 0x1234;
	strcpy(m.s, "hi");
	m.b = true;
	m.c = -1;
	m.d_len = 1;
	m.e_count = 2;
	m.e[0] = 1;
	m.e[1] = 0x102;
	m.f = INT8_MIN;
	assert_int_equal(sample_mixed_marshal(&m, buf, sizeof(buf)),
			 sizeof(want_mixed));
	assert_memory_equal(buf, want_mixed, sizeof(want_mixed));

	memset(&r, 0, sizeof(r));
	r.call_id = 0x12345678;
	r.x = 9;
	assert_int_equal(sample_req_marshal(&r, buf, sizeof(buf)),
			 sizeof(want_req));
	assert_memory_equal(buf, want_req, sizeof(want_req));
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(IFC_MAX_MSG, 1024);
	assert_int_equal(SAMPLE_BIG_MAX_SIZE, IFC_MAX_MSG);
	assert_int_equal(SAMPLE_MAX_SIZE, IFC_MAX_MSG);
	assert_int_equal(SAMPLE_SCALARS_MAX_SIZE, 31);
	assert_int_equal(SAMPLE_STRINGS_MAX_SIZE, 2 + 7 + 2 + 0 + 1);
	assert_int_equal(SAMPLE_EMPTY_MAX_SIZE, 0);
	assert_int_equal(SAMPLE_PING_MAX_SIZE, 4);
	assert_int_equal(SAMPLE_MSG_BIG, 255);
	assert_int_equal(sizeof(((struct sample_strings *)0)->name), 8);
}

/* ---- marshal errors ---- */

static void test_marshal_cap(void **state)
{
	union any_msg u;
	uint8_t buf[IFC_MAX_MSG + 1];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];

		fill_full(ops->type, &u);
		for (size_t cap = 0; cap < ops->max_size; cap++) {
			memset(buf, 0xaa, sizeof(buf));
			assert_int_equal(ops->marshal(&u, buf, cap),
					 E_TOOBIG);
			for (size_t k = 0; k < sizeof(buf); k++) {
				assert_int_equal(buf[k], 0xaa);
			}
		}
		assert_int_equal(ops->marshal(&u, buf, ops->max_size),
				 ops->max_size);
	}
}

static void test_marshal_inval(void **state)
{
	union any_msg u;
	uint8_t buf[IFC_MAX_MSG];

	(void)state;
	/* a string with no NUL inside its array */
	fill_full(SAMPLE_MSG_STRINGS, &u);
	memset(u.strings.name, 'x', sizeof(u.strings.name));
	assert_int_equal(sample_strings_marshal(&u.strings, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_STRINGS, &u);
	u.strings.none[0] = 'x';
	assert_int_equal(sample_strings_marshal(&u.strings, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_REQ, &u);
	memset(u.req.s, 'y', sizeof(u.req.s));
	assert_int_equal(sample_req_marshal(&u.req, buf, sizeof(buf)),
			 E_INVAL);
	/* lengths and counts over their maximum, even with room */
	fill_full(SAMPLE_MSG_BLOBS, &u);
	u.blobs.blob_len = 17;
	assert_int_equal(sample_blobs_marshal(&u.blobs, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_BLOBS, &u);
	u.blobs.tiny_len = 2;
	assert_int_equal(sample_blobs_marshal(&u.blobs, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_BIG, &u);
	u.big.data_len = 1023;
	assert_int_equal(sample_big_marshal(&u.big, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_ARRAYS, &u);
	u.arrays.a8_count = 4;
	assert_int_equal(sample_arrays_marshal(&u.arrays, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_ARRAYS, &u);
	u.arrays.flags_count = UINT16_MAX;
	assert_int_equal(sample_arrays_marshal(&u.arrays, buf, sizeof(buf)),
			 E_INVAL);
	fill_full(SAMPLE_MSG_MIXED, &u);
	u.mixed.e_count = 3;
	assert_int_equal(sample_mixed_marshal(&u.mixed, buf, sizeof(buf)),
			 E_INVAL);
	/* invalid beats too small: the message is wrong whatever the room */
	fill_full(SAMPLE_MSG_BLOBS, &u);
	u.blobs.blob_len = 17;
	assert_int_equal(sample_blobs_marshal(&u.blobs, buf, 0), E_INVAL);
}

/* ---- malformed bodies ---- */

static void expect_format(const struct msg_ops *ops, const uint8_t *buf,
			  size_t len)
{
	union any_msg out;

	assert_int_equal(unmarshal_exact(ops, buf, len, &out), E_FORMAT);
	assert_true(all_zero(&out, ops->size));
}

static void test_truncated_every_length(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];
		int n;

		fill_full(ops->type, &u);
		n = ops->marshal(&u, wire, sizeof(wire));
		assert_true(n >= 0);
		for (size_t len = 0; len < (size_t)n; len++) {
			expect_format(ops, wire, len);
		}
		/* the short messages also cut at every length */
		memset(&u, 0, sizeof(u));
		n = ops->marshal(&u, wire, sizeof(wire));
		for (size_t len = 0; len < (size_t)n; len++) {
			expect_format(ops, wire, len);
		}
	}
}

static void test_trailing_bytes(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG + 8];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];
		int n;

		fill_full(ops->type, &u);
		n = ops->marshal(&u, wire, sizeof(wire));
		assert_true(n >= 0);
		for (size_t extra = 1; extra <= 8; extra++) {
			memset(wire + n, extra == 1 ? 0 : 0xff, extra);
			expect_format(ops, wire, (size_t)n + extra);
		}
	}
}

static void test_counts_over_max(void **state)
{
	uint8_t b[IFC_MAX_MSG + 8];

	(void)state;
	/* strings: name[8] holds at most 7 bytes; none[1] holds none */
	memset(b, 'a', sizeof(b));
	b[0] = 8, b[1] = 0, b[10] = 0, b[11] = 0;
	expect_format(&all_ops[1], b, 2 + 8 + 2 + 1);
	b[0] = 7, b[9] = 1, b[10] = 0, b[11] = 'q', b[12] = 0;
	expect_format(&all_ops[1], b, 2 + 7 + 2 + 1 + 1);
	/* a count high byte set: 0x0100 + 7 */
	b[0] = 7, b[1] = 1, b[9] = 0, b[10] = 0;
	expect_format(&all_ops[1], b, 2 + 7 + 2 + 1);
	/* bytes: blob 17 */
	memset(b, 0, sizeof(b));
	b[0] = 17;
	expect_format(&all_ops[2], b, 2 + 17 + 2);
	/* big: 1023 with every byte present */
	b[0] = 0xff, b[1] = 0x03;
	expect_format(&all_ops[6], b, 2 + 1023);
	/* counts far over, and 0xffff (no overflow in count * size) */
	b[0] = 0xff, b[1] = 0xff;
	expect_format(&all_ops[6], b, sizeof(b));
	memset(b, 0, sizeof(b));
	b[0] = 4; /* a8 holds 3 */
	expect_format(&all_ops[3], b, 2 + 4 + 8 * 2);
	memset(b, 0, sizeof(b));
	b[0] = 0xff, b[1] = 0xff;
	expect_format(&all_ops[3], b, sizeof(b));
	/* a count that fits its maximum but not the bytes left */
	memset(b, 0, sizeof(b));
	b[0] = 16;
	expect_format(&all_ops[2], b, 2 + 15);
}

static void test_string_with_nul(void **state)
{
	uint8_t b[32];
	union any_msg out;

	(void)state;
	/* name "a\0b": a C string cannot carry it whole, so it is refused */
	memcpy(b, "\x03\x00" "a\0b" "\x00\x00" "\x05", 8);
	expect_format(&all_ops[1], b, 8);
	memcpy(b, "\x03\x00" "\0ab" "\x00\x00" "\x05", 8);
	expect_format(&all_ops[1], b, 8);
	memcpy(b, "\x03\x00" "ab\0" "\x00\x00" "\x05", 8);
	expect_format(&all_ops[1], b, 8);
	/* and the same body without the NUL is fine */
	memcpy(b, "\x03\x00" "abc" "\x00\x00" "\x05", 8);
	assert_int_equal(unmarshal_exact(&all_ops[1], b, 8, &out), 0);
	assert_string_equal(out.strings.name, "abc");
	assert_int_equal(out.strings.tail, 5);
	/* an unmarshalled string is NUL-terminated and zero-padded */
	assert_true(all_zero(out.strings.name + 3, 5));
}

static void test_bad_bool(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	int n;

	(void)state;
	fill_full(SAMPLE_MSG_SCALARS, &u);
	n = sample_scalars_marshal(&u.scalars, wire, sizeof(wire));
	assert_int_equal(n, 31);
	for (unsigned v = 2; v <= 0xff; v++) {
		wire[30] = (uint8_t)v;
		expect_format(&all_ops[0], wire, 31);
	}
	wire[30] = 0;
	assert_int_equal(unmarshal_exact(&all_ops[0], wire, 31, &u), 0);
	assert_false(u.scalars.flag);

	/* in an array: flags is the last field; each element checked */
	fill_full(SAMPLE_MSG_ARRAYS, &u);
	n = sample_arrays_marshal(&u.arrays, wire, sizeof(wire));
	for (int k = 1; k <= 4; k++) {
		uint8_t save = wire[n - k];

		wire[n - k] = 2;
		expect_format(&all_ops[3], wire, (size_t)n);
		wire[n - k] = 0x80;
		expect_format(&all_ops[3], wire, (size_t)n);
		wire[n - k] = save;
	}
	/* in the middle of a message */
	fill_full(SAMPLE_MSG_MIXED, &u);
	n = sample_mixed_marshal(&u.mixed, wire, sizeof(wire));
	wire[2 + 2 + 3] = 3; /* b, after a and s = "xyz" */
	expect_format(&all_ops[5], wire, (size_t)n);
}

static void test_empty_body(void **state)
{
	struct sample_empty e = {0};
	uint8_t b[4] = {0};

	(void)state;
	assert_int_equal(sample_empty_marshal(&e, NULL, 0), 0);
	assert_int_equal(sample_empty_unmarshal(b, 0, &e), 0);
	assert_int_equal(sample_empty_unmarshal(NULL, 0, &e), 0);
	assert_int_equal(sample_empty_unmarshal(b, 1, &e), E_FORMAT);
	/* a call's empty messages still carry the call id */
	expect_format(&all_ops[9], b, 0);
	expect_format(&all_ops[9], b, 3);
}

/* ---- dispatch ---- */

struct seen {
	int calls;
	uint8_t type;
	union any_msg msg;
};

#define HANDLER(name, TYPE)                                                    \
	static int on_##name(void *ctx, const struct sample_##name *m)            \
	{                                                                     \
		struct seen *s = ctx;                                         \
		s->calls++;                                                   \
		s->type = TYPE;                                               \
		memcpy(&s->msg, m, sizeof(*m));                               \
		return 1000 + TYPE;                                           \
	}
HANDLER(scalars, SAMPLE_MSG_SCALARS)
HANDLER(strings, SAMPLE_MSG_STRINGS)
HANDLER(blobs, SAMPLE_MSG_BLOBS)
HANDLER(arrays, SAMPLE_MSG_ARRAYS)
HANDLER(empty, SAMPLE_MSG_EMPTY)
HANDLER(mixed, SAMPLE_MSG_MIXED)
HANDLER(big, SAMPLE_MSG_BIG)
HANDLER(req, SAMPLE_MSG_REQ)
HANDLER(rep, SAMPLE_MSG_REP)
HANDLER(ping, SAMPLE_MSG_PING)
HANDLER(pong, SAMPLE_MSG_PONG)

static const struct sample_handlers all_handlers = {
    .scalars = on_scalars,
    .strings = on_strings,
    .blobs = on_blobs,
    .arrays = on_arrays,
    .empty = on_empty,
    .mixed = on_mixed,
    .big = on_big,
    .req = on_req,
    .rep = on_rep,
    .ping = on_ping,
    .pong = on_pong,
};

static const struct msg_ops *ops_of(unsigned type)
{
	for (size_t i = 0; i < NOPS; i++) {
		if (all_ops[i].type == type) {
			return &all_ops[i];
		}
	}
	return NULL;
}

static void test_dispatch_each(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	struct seen s;

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];
		int n;

		fill_full(ops->type, &u);
		n = ops->marshal(&u, wire, sizeof(wire));
		memset(&s, 0, sizeof(s));
		assert_int_equal(sample_dispatch(&all_handlers, &s, ops->type,
					       wire, (size_t)n),
				 1000 + ops->type);
		assert_int_equal(s.calls, 1);
		assert_int_equal(s.type, ops->type);
		assert_memory_equal(&s.msg, &u, ops->size);
	}
}

static void test_dispatch_unknown(void **state)
{
	uint8_t wire[IFC_MAX_MSG] = {0};
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (unsigned t = 0; t <= 0xff; t++) {
		if (ops_of(t) != NULL) {
			assert_string_equal(sample_msg_name((uint8_t)t),
					    ops_of(t)->name);
			continue;
		}
		assert_null(sample_msg_name((uint8_t)t));
		for (size_t len = 0; len < 40; len += 13) {
			assert_int_equal(sample_dispatch(&all_handlers, &s,
						       (uint8_t)t, wire, len),
					 E_NOSYS);
		}
	}
	assert_int_equal(s.calls, 0);
}

static void test_dispatch_null_handler(void **state)
{
	struct sample_handlers h = all_handlers;
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	struct seen s;
	int n;

	(void)state;
	memset(&s, 0, sizeof(s));
	h.mixed = NULL;
	fill_full(SAMPLE_MSG_MIXED, &u);
	n = sample_mixed_marshal(&u.mixed, wire, sizeof(wire));
	assert_int_equal(sample_dispatch(&h, &s, SAMPLE_MSG_MIXED, wire, (size_t)n),
			 E_NOSYS);
	assert_int_equal(sample_dispatch(NULL, &s, SAMPLE_MSG_MIXED, wire,
				       (size_t)n),
			 E_NOSYS);
	assert_int_equal(s.calls, 0);
	/* the others still work */
	fill_full(SAMPLE_MSG_PING, &u);
	n = sample_ping_marshal(&u.ping, wire, sizeof(wire));
	assert_int_equal(sample_dispatch(&h, &s, SAMPLE_MSG_PING, wire, (size_t)n),
			 1000 + SAMPLE_MSG_PING);
	assert_int_equal(s.calls, 1);
}

static void test_dispatch_malformed(void **state)
{
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG + 1];
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];
		int n;

		fill_full(ops->type, &u);
		n = ops->marshal(&u, wire, sizeof(wire));
		for (size_t len = 0; len < (size_t)n; len++) {
			assert_int_equal(sample_dispatch(&all_handlers, &s,
						       ops->type, wire, len),
					 E_FORMAT);
		}
		wire[n] = 0;
		assert_int_equal(sample_dispatch(&all_handlers, &s, ops->type,
					       wire, (size_t)n + 1),
				 E_FORMAT);
	}
	assert_int_equal(s.calls, 0);
}

/* ---- unmarshal writes every byte, and dispatch's kept message ---- */

/* fill_full with every string, bytes and array cut to one element (the
 * rest zero, as unmarshal leaves it): most of the struct is tails. */
static void fill_short(uint8_t type, union any_msg *u)
{
	fill_full(type, u);
	switch (type) {
	case SAMPLE_MSG_STRINGS:
		memset(u->strings.name + 1, 0, sizeof(u->strings.name) - 1);
		break;
	case SAMPLE_MSG_BLOBS:
		u->blobs.blob_len = 1;
		memset(u->blobs.blob + 1, 0, sizeof(u->blobs.blob) - 1);
		break;
	case SAMPLE_MSG_ARRAYS:
		u->arrays.a8_count = u->arrays.a16_count = 1;
		u->arrays.a32_count = u->arrays.a64_count = 1;
		u->arrays.s8_count = u->arrays.s16_count = 1;
		u->arrays.s32_count = u->arrays.s64_count = 1;
		u->arrays.flags_count = 1;
		memset(u->arrays.a8 + 1, 0, 2);
		u->arrays.a16[1] = 0;
		memset(u->arrays.a32 + 1, 0, 3 * sizeof(uint32_t));
		u->arrays.a64[1] = 0;
		u->arrays.s8[1] = 0;
		u->arrays.s16[1] = 0;
		u->arrays.s32[1] = 0;
		u->arrays.s64[1] = 0;
		memset(u->arrays.flags + 1, 0, 3);
		break;
	case SAMPLE_MSG_MIXED:
		memset(u->mixed.s + 1, 0, sizeof(u->mixed.s) - 1);
		u->mixed.d_len = 1;
		memset(u->mixed.d + 1, 0, 2);
		u->mixed.e_count = 1;
		u->mixed.e[1] = 0;
		break;
	case SAMPLE_MSG_BIG:
		u->big.data_len = 1;
		memset(u->big.data + 1, 0, sizeof(u->big.data) - 1);
		break;
	case SAMPLE_MSG_REQ:
		memset(u->req.s + 1, 0, sizeof(u->req.s) - 1);
		break;
	default:
		break;
	}
}

/*
 * A struct full of a pattern, a short message into it: every byte the
 * message does not cover (the tails of its strings, bytes and arrays,
 * the padding between fields) is zero, as the contract says: nothing of
 * the caller's old struct (an earlier message, uninitialised stack) is
 * left for a handler to read.
 */
static void test_unmarshal_covers_every_byte(void **state)
{
	void (*fill[])(uint8_t, union any_msg *) = {fill_short, fill_full};
	union any_msg u, out;
	uint8_t wire[IFC_MAX_MSG];

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		const struct msg_ops *ops = &all_ops[i];

		for (size_t f = 0; f < 3; f++) {
			int n;

			if (f < 2) {
				fill[f](ops->type, &u);
			} else {
				memset(&u, 0, sizeof(u));
			}
			n = ops->marshal(&u, wire, sizeof(wire));
			assert_true(n >= 0);
			memset(&out, 0xa5, sizeof(out));
			assert_int_equal(ops->unmarshal(wire, (size_t)n, &out),
					 0);
			assert_memory_equal(&out, &u, ops->size);
		}
	}
}

/* dispatch a marshalled u of type to all_handlers; what the handler saw
 * is in s->msg */
static int dispatch_msg(uint8_t type, const union any_msg *u, size_t cut,
			struct seen *s)
{
	uint8_t wire[IFC_MAX_MSG];
	int n = ops_of(type)->marshal(u, wire, sizeof(wire));

	assert_true(n >= 0 && (size_t)n >= cut);
	memset(s, 0, sizeof(*s));
	return sample_dispatch(&all_handlers, s, type, wire, (size_t)n - cut);
}

/*
 * The dispatcher keeps the last message with tails and zeroes, for the
 * next one, only what the last one used past the new lengths: a short
 * message after a long one (of the same type, after another type, after
 * a malformed one) still shows zero past its lengths.
 */
static void test_dispatch_short_after_long(void **state)
{
	union any_msg full, small;
	struct seen s;

	(void)state;
	for (size_t i = 0; i < NOPS; i++) {
		uint8_t a = all_ops[i].type;

		for (size_t j = 0; j < NOPS; j++) {
			uint8_t b = all_ops[j].type;

			fill_full(a, &full);
			assert_int_equal(dispatch_msg(a, &full, 0, &s),
					 1000 + a);
			assert_memory_equal(&s.msg, &full, ops_of(a)->size);
			fill_short(b, &small);
			assert_int_equal(dispatch_msg(b, &small, 0, &s),
					 1000 + b);
			assert_memory_equal(&s.msg, &small, ops_of(b)->size);
		}
		/* long, then malformed (the handler does not run), then
		 * short, then none at all */
		fill_full(a, &full);
		assert_int_equal(dispatch_msg(a, &full, 0, &s), 1000 + a);
		if (ops_of(a)->max_size > 0) {
			assert_int_equal(dispatch_msg(a, &full, 1, &s),
					 E_FORMAT);
			assert_int_equal(s.calls, 0);
		}
		fill_short(a, &small);
		assert_int_equal(dispatch_msg(a, &small, 0, &s), 1000 + a);
		assert_memory_equal(&s.msg, &small, ops_of(a)->size);
		memset(&small, 0, sizeof(small));
		assert_int_equal(dispatch_msg(a, &small, 0, &s), 1000 + a);
		assert_memory_equal(&s.msg, &small, ops_of(a)->size);
	}
}

/* on_big_nested: a handler that dispatches a short big while it holds a
 * long one; its own message must not change meanwhile */
static int on_big_nested(void *ctx, const struct sample_big *m)
{
	struct sample_big before;
	union any_msg small;
	struct seen inner;

	(void)ctx;
	memcpy(&before, m, sizeof(before));
	fill_short(SAMPLE_MSG_BIG, &small);
	assert_int_equal(dispatch_msg(SAMPLE_MSG_BIG, &small, 0, &inner),
			 1000 + SAMPLE_MSG_BIG);
	assert_memory_equal(&inner.msg, &small, sizeof(small.big));
	assert_memory_equal(m, &before, sizeof(before));
	return 7;
}

static void test_dispatch_nested(void **state)
{
	struct sample_handlers h = all_handlers;
	union any_msg full;
	uint8_t wire[IFC_MAX_MSG];
	int n;

	(void)state;
	h.big = on_big_nested;
	fill_full(SAMPLE_MSG_BIG, &full);
	n = sample_big_marshal(&full.big, wire, sizeof(wire));
	assert_int_equal(sample_dispatch(&h, NULL, SAMPLE_MSG_BIG, wire,
				       (size_t)n),
			 7);
	/* and the kept message is lent again afterwards */
	assert_int_equal(sample_dispatch(&h, NULL, SAMPLE_MSG_BIG, wire,
				       (size_t)n),
			 7);
}

/* ---- send helpers ---- */

struct transport {
	int calls;
	uint8_t type;
	uint8_t buf[IFC_MAX_MSG];
	size_t len;
	int result;
};

static int fake_send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	struct transport *t = tctx;

	t->calls++;
	t->type = type;
	assert_non_null(buf);
	assert_true(len <= sizeof(t->buf));
	memcpy(t->buf, buf, len);
	t->len = len;
	return t->result;
}

static void test_send(void **state)
{
	struct transport t;
	union any_msg u;
	uint8_t wire[IFC_MAX_MSG];
	int n;

	(void)state;
	memset(&t, 0, sizeof(t));
	fill_full(SAMPLE_MSG_BIG, &u);
	t.result = 5;
	assert_int_equal(sample_send_big(fake_send, &t, &u.big), 5);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.type, SAMPLE_MSG_BIG);
	n = sample_big_marshal(&u.big, wire, sizeof(wire));
	assert_int_equal(t.len, n);
	assert_memory_equal(t.buf, wire, (size_t)n);

	/* the transport's error comes back */
	t.result = E_FULL;
	fill_full(SAMPLE_MSG_MIXED, &u);
	assert_int_equal(sample_send_mixed(fake_send, &t, &u.mixed), E_FULL);
	assert_int_equal(t.calls, 2);
	assert_int_equal(t.type, SAMPLE_MSG_MIXED);

	/* a message that does not marshal is not sent */
	u.mixed.d_len = 4;
	assert_int_equal(sample_send_mixed(fake_send, &t, &u.mixed), E_INVAL);
	assert_int_equal(t.calls, 2);

	/* an empty message is sent with length 0 */
	t.result = 0;
	assert_int_equal(sample_send_empty(fake_send, &t, &u.empty), 0);
	assert_int_equal(t.type, SAMPLE_MSG_EMPTY);
	assert_int_equal(t.len, 0);
}

/* ---- the stubs on a binding: straight into the ring slot ---- */

static uint64_t bind_now(void)
{
	return 0;
}

static void bind_bell(uint32_t core, uint32_t wake)
{
	(void)core;
	(void)wake;
}

static void bind_pause(uint64_t ns)
{
	(void)ns;
}

static const struct bind_env bind_test_env = {bind_now, bind_bell,
					      bind_pause, 0, 0, 0};

/* sample_send_<msg>(bind_send_fn, b, m): a message that fits a slot is
 * marshalled into it (its bytes are in the slot, the wire bytes of
 * <msg>_marshal), a longer one goes as fragments, one that does not
 * marshal sends nothing, and a full ring is bind_send's (E_FULL once
 * send_wait_ns is 0). Whatever arrives unmarshals to what was sent. */
static void test_send_on_binding(void **state)
{
	static _Alignas(4096) uint8_t frame[CHAN_FRAME_SIZE];
	struct binding b;
	struct chan peer;
	union any_msg u, v;
	uint8_t wire[IFC_MAX_MSG], got[CHAN_MSG_MAX], type = 0;
	int n, k;

	(void)state;
	memset(frame, 0, sizeof(frame));
	bind_init(&b, frame, 0, 1, 0, &bind_test_env);
	b.send_wait_ns = 0;
	chan_init(&peer, frame, 1);

	/* one slot: the marshalled bytes are in the slot the header names */
	fill_full(SAMPLE_MSG_BLOBS, &u);
	n = sample_blobs_marshal(&u.blobs, wire, sizeof(wire));
	assert_true(n > 0 && n <= RING_PAYLOAD);
	assert_int_equal(sample_send_blobs(bind_send_fn, &b, &u.blobs), 0);
	assert_int_equal(b.sent, 1);
	assert_memory_equal(b.ch.tx.f->slots[0].payload, wire, (size_t)n);
	assert_int_equal(chan_msg_recv(&peer, &type, got, sizeof(got)), n);
	assert_int_equal(type, SAMPLE_MSG_BLOBS);
	assert_memory_equal(got, wire, (size_t)n);

	/* longer than a slot: fragments, the same bytes as marshal's */
	fill_full(SAMPLE_MSG_BIG, &u);
	n = sample_big_marshal(&u.big, wire, sizeof(wire));
	assert_true(n > RING_PAYLOAD);
	assert_int_equal(sample_send_big(bind_send_fn, &b, &u.big), 0);
	assert_int_equal(b.sent, 2);
	assert_int_equal(chan_msg_recv(&peer, &type, got, sizeof(got)), n);
	assert_int_equal(type, SAMPLE_MSG_BIG);
	assert_memory_equal(got, wire, (size_t)n);
	assert_int_equal(sample_big_unmarshal(got, (size_t)n, &v.big), 0);
	assert_memory_equal(&v.big, &u.big, sizeof(u.big));

	/* a message that does not marshal: nothing sent, whatever its size */
	fill_full(SAMPLE_MSG_MIXED, &u);
	u.mixed.d_len = 4;
	assert_int_equal(sample_send_mixed(bind_send_fn, &b, &u.mixed),
			 E_INVAL);
	fill_full(SAMPLE_MSG_BIG, &u);
	u.big.data_len = 1023;
	assert_int_equal(sample_send_big(bind_send_fn, &b, &u.big), E_INVAL);
	assert_int_equal(b.sent, 2);
	assert_int_equal(chan_msg_recv(&peer, &type, got, sizeof(got)),
			 E_AGAIN);

	/* an empty message: length 0 */
	assert_int_equal(sample_send_empty(bind_send_fn, &b, &u.empty), 0);
	assert_int_equal(chan_msg_recv(&peer, &type, got, sizeof(got)), 0);
	assert_int_equal(type, SAMPLE_MSG_EMPTY);

	/* a full ring: the stub falls back to bind_send, which gives up */
	fill_full(SAMPLE_MSG_REQ, &u);
	k = 0;
	while (k < 100 && sample_send_req(bind_send_fn, &b, &u.req) == 0) {
		k++;
	}
	assert_int_equal(k, CHAN_HALF_SLOTS);
	assert_int_equal(sample_send_req(bind_send_fn, &b, &u.req), E_FULL);
	n = sample_req_marshal(&u.req, wire, sizeof(wire));
	for (int i = 0; i < k; i++) {
		assert_int_equal(
		    chan_msg_recv(&peer, &type, got, sizeof(got)), n);
		assert_int_equal(type, SAMPLE_MSG_REQ);
		assert_memory_equal(got, wire, (size_t)n);
	}
	assert_int_equal(chan_msg_recv(&peer, &type, got, sizeof(got)),
			 E_AGAIN);
}

/* ---- calls ---- */

static void test_call_ids(void **state)
{
	uint32_t seq = 0;

	(void)state;
	assert_int_equal(sample_next_call_id(&seq), 1);
	assert_int_equal(sample_next_call_id(&seq), 2);
	seq = UINT32_MAX - 1;
	assert_int_equal(sample_next_call_id(&seq), UINT32_MAX);
	assert_int_equal(sample_next_call_id(&seq), 1); /* never 0 */
	assert_int_equal(sample_next_call_id(&seq), 2);
}

static void test_call_round(void **state)
{
	struct transport client, server;
	struct sample_req req1, req2, got;
	struct sample_rep rep, back;
	uint32_t seq = 41;
	uint32_t id;

	(void)state;
	memset(&client, 0, sizeof(client));
	memset(&server, 0, sizeof(server));
	memset(&req1, 0, sizeof(req1));
	memset(&req2, 0, sizeof(req2));
	req1.x = 1;
	req2.x = 2;
	strcpy(req2.s, "two");
	/* the client sends two requests with fresh ids */
	assert_int_equal(sample_call_op(fake_send, &client, &seq, &req1), 0);
	assert_int_equal(req1.call_id, 42);
	assert_int_equal(client.type, SAMPLE_MSG_REQ);
	assert_int_equal(sample_call_id_of(client.type, client.buf, client.len,
					 &id),
			 0);
	assert_int_equal(id, 42);
	assert_int_equal(sample_call_op(fake_send, &client, &seq, &req2), 0);
	assert_int_equal(req2.call_id, 43);

	/* the server answers the second one */
	assert_int_equal(sample_req_unmarshal(client.buf, client.len, &got), 0);
	assert_int_equal(got.call_id, 43);
	assert_string_equal(got.s, "two");
	memset(&rep, 0, sizeof(rep));
	rep.err = E_AGAIN;
	rep.v = 99;
	rep.call_id = 7; /* overwritten */
	assert_int_equal(sample_reply_op(fake_send, &server, &got, &rep), 0);
	assert_int_equal(rep.call_id, 43);
	assert_int_equal(server.type, SAMPLE_MSG_REP);

	/* it is req2's reply, not req1's */
	memset(&back, 0x77, sizeof(back));
	assert_int_equal(sample_op_match(&req1, server.type, server.buf,
				       server.len, &back),
			 E_NOENT);
	for (size_t k = 0; k < sizeof(back); k++) {
		assert_int_equal(((uint8_t *)&back)[k], 0x77); /* untouched */
	}
	assert_int_equal(sample_op_match(&req2, server.type, server.buf,
				       server.len, &back),
			 0);
	assert_int_equal(back.call_id, 43);
	assert_int_equal(back.err, E_AGAIN);
	assert_int_equal(back.v, 99);

	/* another type with the same id is not the reply */
	assert_int_equal(sample_op_match(&req2, SAMPLE_MSG_REQ, server.buf,
				       server.len, &back),
			 E_NOENT);
	assert_int_equal(sample_op_match(&req2, SAMPLE_MSG_PONG, server.buf, 4,
				       &back),
			 E_NOENT);
	/* the reply, malformed */
	for (size_t len = 0; len < server.len; len++) {
		assert_int_equal(sample_op_match(&req2, server.type, server.buf,
					       len, &back),
				 E_FORMAT);
	}
	server.buf[server.len] = 0;
	assert_int_equal(sample_op_match(&req2, server.type, server.buf,
				       server.len + 1, &back),
			 E_FORMAT);
}

static void test_call_empty_messages(void **state)
{
	struct transport t;
	struct sample_ping ping;
	struct sample_pong pong, back;
	uint32_t seq = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&ping, 0, sizeof(ping));
	memset(&pong, 0, sizeof(pong));
	assert_int_equal(sample_call_ping(fake_send, &t, &seq, &ping), 0);
	assert_int_equal(t.len, 4);
	assert_int_equal(ping.call_id, 1);
	assert_int_equal(sample_reply_ping(fake_send, &t, &ping, &pong), 0);
	assert_int_equal(t.type, SAMPLE_MSG_PONG);
	assert_int_equal(sample_ping_match(&ping, t.type, t.buf, t.len, &back),
			 0);
	assert_int_equal(back.call_id, 1);
	ping.call_id = 2;
	assert_int_equal(sample_ping_match(&ping, t.type, t.buf, t.len, &back),
			 E_NOENT);
}

static void test_call_id_peek(void **state)
{
	uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint32_t id = 0;

	(void)state;
	assert_int_equal(sample_call_id_of(SAMPLE_MSG_REP, b, 4, &id), 0);
	assert_int_equal(id, 0x04030201);
	assert_int_equal(sample_call_id_of(SAMPLE_MSG_PONG, b, 8, &id), 0);
	id = 0;
	assert_int_equal(sample_call_id_of(SAMPLE_MSG_REQ, b, 3, &id),
			 E_FORMAT);
	assert_int_equal(sample_call_id_of(SAMPLE_MSG_SCALARS, b, 8, &id),
			 E_NOENT);
	assert_int_equal(sample_call_id_of(0, b, 8, &id), E_NOENT);
	assert_int_equal(sample_call_id_of(200, b, 8, &id), E_NOENT);
	assert_int_equal(id, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_full),
	    cmocka_unit_test(test_round_trip_zero),
	    cmocka_unit_test(test_round_trip_scalar_edges),
	    cmocka_unit_test(test_round_trip_lengths),
	    cmocka_unit_test(test_round_trip_random),
	    cmocka_unit_test(test_wire_scalars),
	    cmocka_unit_test(test_wire_variable),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_marshal_cap),
	    cmocka_unit_test(test_marshal_inval),
	    cmocka_unit_test(test_truncated_every_length),
	    cmocka_unit_test(test_trailing_bytes),
	    cmocka_unit_test(test_counts_over_max),
	    cmocka_unit_test(test_string_with_nul),
	    cmocka_unit_test(test_bad_bool),
	    cmocka_unit_test(test_empty_body),
	    cmocka_unit_test(test_dispatch_each),
	    cmocka_unit_test(test_dispatch_unknown),
	    cmocka_unit_test(test_dispatch_null_handler),
	    cmocka_unit_test(test_dispatch_malformed),
	    cmocka_unit_test(test_unmarshal_covers_every_byte),
	    cmocka_unit_test(test_dispatch_short_after_long),
	    cmocka_unit_test(test_dispatch_nested),
	    cmocka_unit_test(test_send),
	    cmocka_unit_test(test_send_on_binding),
	    cmocka_unit_test(test_call_ids),
	    cmocka_unit_test(test_call_round),
	    cmocka_unit_test(test_call_empty_messages),
	    cmocka_unit_test(test_call_id_peek),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
