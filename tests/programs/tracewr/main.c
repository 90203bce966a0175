// SPDX-License-Identifier: MIT
/*
 * tracewr [BYTES [CORE]]: writes a known pattern of BYTES bytes (default 8000,
 * byte i is i % 251) to the trace sink through the shell's client
 * (apps/shell/tracesink.c, linked in), in pieces of varied sizes (1,
 * 1000, 1001, 2500, 7, ... bytes: single writes, exactly one, and split
 * ones), then syncs, and prints
 *   tracewr: wrote BYTES bytes, synced (traced total T)
 * or
 *   tracewr: write refused: not permitted
 * for a program without the admin right (or "timed out" for a device that
 * takes no more buffers) (tests/system/tracedev.test; the
 * host then compares its file with the pattern). The service may not be
 * up yet when a manifest starts this at boot: it binds again for up to
 * 20 s while there is no "trace" service. With CORE it first waits (up to
 * 60 s) until "trace" is served from that core (after a `move
 * virtio-console CORE`).
 */
#include <stdio.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include "tracesink.h"

#define MAX_BYTES (16u << 20)

static uint8_t piece[2500];

/* wait_core: until the service "trace" runs on core, at most 60 s */
static int wait_core(uint32_t core)
{
	uint64_t end = sys_time_ns() + 60000000000ull;
	uint32_t pid;
	void *va;

	while (sys_time_ns() < end) {
		if (mon_bind("trace", &va, &pid) == 0) {
			mon_close(va);
			if (SYS_PID_CORE(pid) == core) {
				return 0;
			}
		}
		sys_wait(100000000ull);
	}
	return E_TIMEOUT;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {1, 1000, 1001, 2500, 7};
	uint64_t bytes = 8000, total = 0, core = UINT64_MAX;
	uint64_t end = sys_time_ns() + 20000000000ull;
	size_t at = 0, k, i = 0;
	int r;

	if (argc > 3 ||
	    (argc >= 2 && parse_u64(argv[1], 10, MAX_BYTES, &bytes) < 0) ||
	    (argc == 3 && parse_u64(argv[2], 10, 255, &core) < 0)) {
		printf("usage: tracewr [BYTES [CORE]]   (BYTES at most %u)\n",
		       MAX_BYTES);
		return 2;
	}
	if (core != UINT64_MAX && wait_core((uint32_t)core) < 0) {
		printf("tracewr: \"trace\" never served from core %lu\n",
		       (unsigned long)core);
		return 1;
	}
	while ((r = trace_sink_open()) == E_NOENT && sys_time_ns() < end) {
		sys_wait(10000000ull);
	}
	if (r < 0) {
		printf("tracewr: no trace service: %s\n", err_msg(r));
		return 1;
	}
	while (at < bytes) {
		k = sizes[i++ % (sizeof(sizes) / sizeof(sizes[0]))];
		k = k < bytes - at ? k : (size_t)(bytes - at);
		for (size_t j = 0; j < k; j++) {
			piece[j] = (uint8_t)((at + j) % 251);
		}
		r = trace_sink_write(piece, k);
		if (r < 0) {
			printf("tracewr: write refused: %s\n", err_msg(r));
			trace_sink_close();
			return 1;
		}
		at += k;
	}
	r = trace_sink_sync(&total);
	trace_sink_close();
	if (r < 0) {
		printf("tracewr: sync failed: %s\n", err_msg(r));
		return 1;
	}
	printf("tracewr: wrote %lu bytes, synced (traced total %lu)\n",
	       (unsigned long)bytes, (unsigned long)total);
	return 0;
}
