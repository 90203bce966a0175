// SPDX-License-Identifier: MIT
/*
 * The trace sink's client (tracesink.h): one binding to "trace", calls
 * with a deadline each. A call that times out leaves the binding closed
 * (a late reply must not be taken for the next call's): the caller opens
 * it again.
 */
#include <string.h>
#include <libos/bind.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <trace_if.h>
#include "tracesink.h"

static struct {
	struct binding b;
	void *va; /* the channel, NULL: not bound */
} sink;

int trace_sink_open(void)
{
	int r;

	if (sink.va) {
		return 0;
	}
	r = mon_connect("trace", 0, &sink.b); /* one try: E_NOENT at once */
	if (r < 0) {
		return r;
	}
	sink.va = sink.b.ch.frame;
	return 0;
}

void trace_sink_close(void)
{
	if (sink.va) {
		mon_close(sink.va);
		sink.va = NULL;
	}
}

/* done: r, what a call gave, or the reply's own err; a timeout closes */
static int done(int r, int err)
{
	if (r == E_TIMEOUT) {
		trace_sink_close();
	}
	return r < 0 ? r : err;
}

int trace_sink_write(const void *p, size_t n)
{
	static struct trace_write_req q;
	struct trace_write_reply rep;
	const uint8_t *at = p;
	size_t k;
	int r;

	if (!sink.va) {
		return E_NOENT;
	}
	while (n > 0) {
		k = n < sizeof(q.data) ? n : sizeof(q.data);
		memset(&q, 0, sizeof(q));
		memcpy(q.data, at, k);
		q.data_len = (uint16_t)k;
		memset(&rep, 0, sizeof(rep));
		r = trace_write_call(&sink.b, &q, &rep, TRACE_SINK_TIMEOUT_NS);
		r = done(r, rep.err);
		if (r < 0) {
			return r;
		}
		at += k;
		n -= k;
	}
	return 0;
}

int trace_sink_sync(uint64_t *bytes)
{
	struct trace_sync_req q;
	struct trace_sync_reply rep;
	int r;

	if (!sink.va) {
		return E_NOENT;
	}
	memset(&q, 0, sizeof(q));
	memset(&rep, 0, sizeof(rep));
	r = trace_sync_call(&sink.b, &q, &rep, TRACE_SINK_TIMEOUT_NS);
	r = done(r, rep.err);
	if (r == 0 && bytes) {
		*bytes = rep.bytes;
	}
	return r;
}
