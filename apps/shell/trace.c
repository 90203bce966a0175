// SPDX-License-Identifier: MIT
/*
 * The shell's `trace` (docs/tracing.md): on, off and dump, through every
 * core's monitor (trace_req, admin only). `trace dump` stops tracing on
 * every core, checks every core's clock against the one measured at
 * boot with a round trip of its own, and streams one dump file (the
 * header, a clock record per core, every stopped buffer) to the trace
 * service (traced, the virtio-console's driver), which QEMU writes to a
 * host file; then the buffers are discarded.
 */
#include "shell.h"
#include "tracesink.h"
#include <string.h>
#include <stdio.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <channels/trace_ring.h>
#include <abi/errors.h>
#include <monitor_if.h>

#define MAX_CORES 256

static const struct {
	const char *name;
	uint32_t bit;
} classes[] = {
	{"kernel", TRACE_C_KERNEL},
	{"syscall", TRACE_C_SYSCALL},
	{"chan", TRACE_C_CHAN},
	{"monitor", TRACE_C_MONITOR},
};

static uint32_t nbufs[MAX_CORES];

/* parse_size: bytes with an optional K or M suffix */
static int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9') {
		return -1;
	}
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > SYS_TRACE_MAX_BYTES) {
			return -1;
		}
	}
	if (*s == 'K' || *s == 'k') {
		v <<= 10;
		s++;
	} else if (*s == 'M' || *s == 'm') {
		v <<= 20;
		s++;
	}
	if (*s || v < 4096 || v > SYS_TRACE_MAX_BYTES) {
		return -1;
	}
	*out = (v + 4095) & ~4095ull;
	return 0;
}

static void class_list(uint32_t c, char *buf, size_t cap)
{
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (c & classes[i].bit) {
			size_t at = strlen(buf);
			snprintf(buf + at, cap - at, "%s%s", at ? "," : "",
				 classes[i].name);
		}
	}
}

static uint32_t ncores(void)
{
	struct sys_info in;

	if (sys_info(&in) < 0 || in.ncores > MAX_CORES) {
		return 0;
	}
	return in.ncores;
}

/* each: op on every core; returns the cores that did it, errors said */
static uint32_t each(uint32_t op, uint32_t cls, uint64_t bytes,
		     const char *what)
{
	uint32_t n = ncores(), ok = 0;

	for (uint32_t c = 0; c < n; c++) {
		struct monitor_trace_req req;
		struct monitor_trace_reply rep;
		int r;

		memset(&req, 0, sizeof(req));
		req.core = c;
		req.op = op;
		req.classes = cls;
		req.bytes = bytes;
		r = mon_trace_op(&req, &rep);
		if (r < 0) {
			say("trace %s: core %u: %s\n", what, c, err_msg(r));
			if (r == E_PERM) {
				return ok; /* the same everywhere */
			}
			continue;
		}
		nbufs[c] = rep.nbufs;
		ok++;
	}
	return ok;
}

/* read_buf: streams buffer b of core c to the sink; its lost count */
static int read_buf(uint32_t c, uint32_t b, uint64_t *bytes, uint64_t *lost)
{
	struct monitor_trace_req req;
	static struct monitor_trace_reply rep;
	uint64_t off = 0, total = 1;
	int r;

	while (off < total) {
		memset(&req, 0, sizeof(req));
		req.core = c;
		req.op = 4;
		req.buf = b;
		req.offset = off;
		r = mon_trace_op(&req, &rep);
		if (r < 0) {
			return r;
		}
		if (!rep.data_len || rep.total < sizeof(struct trace_buf) ||
		    rep.data_len > rep.total - off) {
			return E_FORMAT;
		}
		if (off == 0) {
			struct trace_buf h;
			memcpy(&h, rep.data, sizeof(h));
			*lost += h.lost;
		}
		total = rep.total;
		r = trace_sink_write(rep.data, rep.data_len);
		if (r < 0) {
			return r;
		}
		off += rep.data_len;
		*bytes += rep.data_len;
	}
	return 0;
}

/* clocks: every core's clock record, each checked with a round trip now
 * against what its monitor measured at boot; the cores that disagree */
static uint32_t clocks(uint32_t n, struct trace_clock *out, uint32_t self)
{
	static struct monitor_trace_reply rep[MAX_CORES];
	static uint64_t t0[MAX_CORES], t2[MAX_CORES];
	uint32_t bad = 0;

	for (uint32_t c = 0; c < n; c++) {
		struct monitor_trace_req req;

		memset(&req, 0, sizeof(req));
		req.core = c;
		req.op = 5;
		t0[c] = trace_tsc();
		if (mon_trace_op(&req, &rep[c]) < 0) {
			memset(&rep[c], 0, sizeof(rep[c]));
		}
		t2[c] = trace_tsc();
		memset(&out[c], 0, sizeof(out[c]));
		out[c].core = c;
		out[c].tsc_offset = rep[c].clock_offset;
		out[c].rtt = rep[c].clock_rtt;
	}
	for (uint32_t c = 0; c < n; c++) {
		uint64_t rtt = t2[c] - t0[c];
		int64_t now = (int64_t)rep[c].tsc -
			      (int64_t)(t0[c] / 2 + t2[c] / 2) +
			      out[self].tsc_offset;
		int64_t d = now - out[c].tsc_offset;
		uint64_t slack = (rtt + out[c].rtt + out[self].rtt) / 2 + 1;

		if (!rep[c].tsc || (uint64_t)(d < 0 ? -d : d) > slack) {
			say("trace dump: core %u's clock: %lld cycles from core "
			    "0's at boot, %lld now (+-%llu)\n",
			    c, (long long)out[c].tsc_offset, (long long)now,
			    (unsigned long long)slack);
			bad++;
		}
	}
	return bad;
}

static void dump(void)
{
	static struct trace_clock clk[MAX_CORES];
	struct trace_file f;
	struct sys_info in;
	uint64_t bytes = 0, lost = 0, synced = 0;
	uint32_t n, total = 0, bad;
	int r;

	if (sys_info(&in) < 0 || (n = in.ncores) > MAX_CORES) {
		say("trace dump: no system information\n");
		return;
	}
	r = trace_sink_open();
	if (r < 0) {
		say("trace dump: %s\n",
		    r == E_NOENT ? "no trace device (QEMU needs trace=FILE: "
				   "docs/tracing.md)"
				 : err_msg(r));
		return;
	}
	if (each(2, 0, 0, "dump") != n) {
		say("trace dump: not every core stopped\n");
		trace_sink_close();
		return;
	}
	for (uint32_t c = 0; c < n; c++) {
		total += nbufs[c];
	}
	bad = clocks(n, clk, in.core_id);
	memset(&f, 0, sizeof(f));
	memcpy(f.magic, TRACE_FILE_MAGIC, sizeof(f.magic));
	f.version = TRACE_VERSION;
	f.ncores = n;
	f.tsc_khz = in.tsc_khz;
	f.nbufs = total;
	r = trace_sink_write(&f, sizeof(f));
	bytes += sizeof(f);
	for (uint32_t c = 0; r >= 0 && c < n; c++) {
		r = trace_sink_write(&clk[c], sizeof(clk[c]));
		bytes += sizeof(clk[c]);
	}
	for (uint32_t c = 0; r >= 0 && c < n; c++) {
		for (uint32_t b = 0; r >= 0 && b < nbufs[c]; b++) {
			r = read_buf(c, b, &bytes, &lost);
			if (r < 0) {
				say("trace dump: core %u buffer %u: %s\n", c, b,
				    err_msg(r));
			}
		}
	}
	if (r >= 0) {
		r = trace_sink_sync(&synced);
	}
	trace_sink_close();
	each(3, 0, 0, "off");
	if (r < 0) {
		say("trace dump: %s (the dump is incomplete)\n", err_msg(r));
		return;
	}
	say("trace: dumped %llu bytes, %u buffers from %u cores, %llu events "
	    "lost%s\n",
	    (unsigned long long)bytes, total, n, (unsigned long long)lost,
	    bad ? ", clocks disagree" : "");
}

void cmd_trace(int argc, char **argv)
{
	uint32_t cls = TRACE_C_DEFAULT, n;
	uint64_t bytes = 256 << 10;
	char names[64];

	if (argc >= 2 && strcmp(argv[1], "on") == 0 && argc <= 4) {
		if (argc >= 3 &&
		    !(cls = trace_classes_parse(argv[2], strlen(argv[2])))) {
			say("trace on: classes are kernel,syscall,chan,monitor "
			    "or all\n");
			return;
		}
		if (argc == 4 && parse_size(argv[3], &bytes) < 0) {
			say("trace on: SIZE is bytes per buffer, 4K to 2M "
			    "(e.g. 64K)\n");
			return;
		}
		n = each(1, cls, bytes, "on");
		class_list(cls, names, sizeof(names));
		say("trace: on %s %llu%c per buffer on %u cores\n", names,
		    (unsigned long long)(bytes % (1 << 20) ? bytes >> 10
							   : bytes >> 20),
		    bytes % (1 << 20) ? 'K' : 'M', n);
		return;
	}
	if (argc == 2 && strcmp(argv[1], "off") == 0) {
		n = each(3, 0, 0, "off");
		say("trace: off on %u cores\n", n);
		return;
	}
	if (argc == 2 && strcmp(argv[1], "dump") == 0) {
		dump();
		return;
	}
	say("usage: trace on [CLASSES] [SIZE] | trace off | trace dump\n");
}
