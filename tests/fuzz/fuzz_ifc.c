/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the stubs the interface compiler generates, on
 * tests/unit/ifc/test.if (interface `sample`, every feature of the
 * language).
 *
 * The input is a message as a transport delivers it: the first byte is
 * the type number, the rest the body. It goes to sample_dispatch(). The
 * target asserts: an unknown type gives E_NOSYS and no handler runs;
 * a known one either reaches exactly its handler or gives E_FORMAT
 * without it; a message that was accepted marshals back to exactly the
 * input body (the wire format is canonical, so nothing the checks let
 * through can be lost or invented); the call-id helpers agree with the
 * body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "test_if.h"

#define HANDLED 7

struct input {
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int calls;
};

#define CHECK(name, TYPE, MAX)                                                \
	static int on_##name(void *ctx, const struct sample_##name *m)        \
	{                                                                     \
		struct input *in = ctx;                                       \
		uint8_t out[IFC_MAX_MSG];                                     \
		int n;                                                        \
                                                                              \
		in->calls++;                                                  \
		if (in->type != (TYPE)) {                                     \
			abort();                                              \
		}                                                             \
		n = sample_##name##_marshal(m, out, sizeof(out));             \
		if (n < 0 || n > (MAX) || (size_t)n != in->len ||             \
		    memcmp(out, in->body, in->len) != 0) {                    \
			abort();                                              \
		}                                                             \
		return HANDLED;                                               \
	}
CHECK(scalars, SAMPLE_MSG_SCALARS, SAMPLE_SCALARS_MAX_SIZE)
CHECK(strings, SAMPLE_MSG_STRINGS, SAMPLE_STRINGS_MAX_SIZE)
CHECK(blobs, SAMPLE_MSG_BLOBS, SAMPLE_BLOBS_MAX_SIZE)
CHECK(arrays, SAMPLE_MSG_ARRAYS, SAMPLE_ARRAYS_MAX_SIZE)
CHECK(empty, SAMPLE_MSG_EMPTY, SAMPLE_EMPTY_MAX_SIZE)
CHECK(mixed, SAMPLE_MSG_MIXED, SAMPLE_MIXED_MAX_SIZE)
CHECK(big, SAMPLE_MSG_BIG, SAMPLE_BIG_MAX_SIZE)
CHECK(req, SAMPLE_MSG_REQ, SAMPLE_REQ_MAX_SIZE)
CHECK(rep, SAMPLE_MSG_REP, SAMPLE_REP_MAX_SIZE)
CHECK(ping, SAMPLE_MSG_PING, SAMPLE_PING_MAX_SIZE)
CHECK(pong, SAMPLE_MSG_PONG, SAMPLE_PONG_MAX_SIZE)

static const struct sample_handlers handlers = {
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

static bool has_call_id(uint8_t type)
{
	return type == SAMPLE_MSG_REQ || type == SAMPLE_MSG_REP ||
	       type == SAMPLE_MSG_PING || type == SAMPLE_MSG_PONG;
}

/* The call-id helpers against the dispatcher's verdict (rc). */
static void check_calls(const struct input *in, int rc)
{
	struct sample_req req;
	struct sample_rep rep;
	uint32_t id = 0;
	int r;

	r = sample_call_id_of(in->type, in->body, in->len, &id);
	if (!has_call_id(in->type)) {
		if (r != E_NOENT) {
			abort();
		}
		return;
	}
	if (in->len < 4) {
		if (r != E_FORMAT || rc != E_FORMAT) {
			abort();
		}
		return;
	}
	if (r != 0 || id != ((uint32_t)in->body[0] | (uint32_t)in->body[1] << 8 |
			     (uint32_t)in->body[2] << 16 |
			     (uint32_t)in->body[3] << 24)) {
		abort();
	}
	memset(&req, 0, sizeof(req));
	req.call_id = id + 1;
	memset(&rep, 0x5a, sizeof(rep));
	if (sample_op_match(&req, in->type, in->body, in->len, &rep) !=
	    E_NOENT) {
		abort(); /* another call's id, or another type */
	}
	req.call_id = id;
	r = sample_op_match(&req, in->type, in->body, in->len, &rep);
	if (in->type != SAMPLE_MSG_REP) {
		if (r != E_NOENT) {
			abort();
		}
	} else if (r != (rc == HANDLED ? 0 : E_FORMAT) || rep.call_id !=
		   (rc == HANDLED ? id : 0)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	int rc;

	if (size < 1) {
		return 0;
	}
	in.type = data[0];
	in.body = data + 1;
	in.len = size - 1;
	in.calls = 0;
	rc = sample_dispatch(&handlers, &in, in.type, in.body, in.len);
	if (sample_msg_name(in.type) == NULL) {
		if (rc != E_NOSYS || in.calls != 0) {
			abort();
		}
		return 0;
	}
	if (!(rc == HANDLED && in.calls == 1) &&
	    !(rc == E_FORMAT && in.calls == 0)) {
		abort();
	}
	if (in.len > IFC_MAX_MSG && rc != E_FORMAT) {
		abort();
	}
	check_calls(&in, rc);
	return 0;
}
