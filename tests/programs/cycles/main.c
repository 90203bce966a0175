// SPDX-License-Identifier: MIT
/*
 * cycles N CORE: N spawn/exit cycles on CORE, one at a time (a child that
 * ends at once: `cycles child`), then the free memory of CORE after the
 * first 100 cycles and after all of them, which must be the same: a spawn
 * that is over leaves nothing behind (its channel frame and its address
 * slot in the monitor included). "cycles: N spawns on core C: X KiB free
 * after 100, Y KiB after all". Then every core's tables (the shell's
 * `limits`) after the first 100 and after all, which must be the same
 * too: "cycles: limits of core C: X after 100, Y after all" (settle.h).
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include "../common/settle.h"

#define WARMUP 100

int main(int argc, char **argv)
{
	static struct limits_all limits;
	uint64_t n, core, before = 0, after;
	uint32_t pid;
	int64_t status;
	int r;

	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		return 0;
	}
	if (argc < 3 || parse_u64(argv[1], 10, 1000000, &n) < 0 ||
	    parse_u64(argv[2], 10, 254, &core) < 0 || n <= WARMUP) {
		printf("usage: cycles N CORE (N > %u)\n", WARMUP);
		return 2;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (i == WARMUP &&
		    (before = settled_free_kib((uint32_t)core)) == 0) {
			printf("cycles: no core %lu\n", (unsigned long)core);
			return 1;
		}
		if (i == WARMUP && (r = limits_all_take(&limits)) < 0) {
			printf("cycles: limits: %s\n", err_msg(r));
			return 1;
		}
		r = mon_spawn("cycles", "child", (uint32_t)core, &pid);
		if (r == 0) {
			r = mon_wait_exit(&pid, &status);
		}
		if (r < 0) {
			printf("cycles: spawn %lu on core %lu failed: %s\n",
			       (unsigned long)i, (unsigned long)core,
			       err_msg(r));
			return 1;
		}
	}
	after = settled_free_kib((uint32_t)core);
	printf("cycles: %lu spawns on core %lu: %lu KiB free after %u, %lu KiB "
	       "after all\n",
	       (unsigned long)n, (unsigned long)core,
	       (unsigned long)before, WARMUP, (unsigned long)after);
	limits_all_report("cycles", &limits, WARMUP);
	return 0;
}
