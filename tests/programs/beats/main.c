// SPDX-License-Identifier: MIT
/*
 * beats SECS: who sends the heartbeats of cores other than 0 while their
 * monitors have nothing to do (docs/failures.md, "Heartbeats from the
 * CPU driver"). Reads every core's heartbeat counts (core_stat), waits
 * SECS seconds, reads them again and prints, per core but 0,
 * "beats: core C: driver +K, monitor +M": heartbeats its CPU driver sent
 * while its monitor slept, and heartbeats the monitor sent itself.
 * Exits 0, or 1 if a core did not answer.
 */
#include <stdio.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

#define CORES 16

int main(int argc, char **argv)
{
	static struct monitor_core_stat_reply before[CORES];
	struct monitor_core_stat_reply st;
	uint64_t secs = 3, end;
	struct sys_info in;

	if (argc > 1 && parse_u64(argv[1], 10, 600, &secs) < 0) {
		printf("usage: beats [SECS]\n");
		return 2;
	}
	if (sys_info(&in) < 0) {
		return 1;
	}
	for (uint32_t c = 1; c < in.ncores && c < CORES; c++) {
		if (mon_core_stat(c, &before[c]) < 0) {
			printf("beats: core %u did not answer\n", c);
			return 1;
		}
	}
	end = sys_time_ns() + secs * 1000000000ull;
	while (sys_time_ns() < end) {
		sys_wait(end - sys_time_ns());
	}
	for (uint32_t c = 1; c < in.ncores && c < CORES; c++) {
		if (mon_core_stat(c, &st) < 0) {
			printf("beats: core %u did not answer\n", c);
			return 1;
		}
		printf("beats: core %u: driver +%lu, monitor +%lu\n", c,
		       (unsigned long)(st.kernel_beats - before[c].kernel_beats),
		       (unsigned long)(st.monitor_beats -
				       before[c].monitor_beats));
	}
	return 0;
}
