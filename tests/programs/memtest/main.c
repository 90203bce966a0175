// SPDX-License-Identifier: MIT
/*
 * memtest MIB [forge]: the memory-borrowing test. Notes the free memory of
 * every core but 0 (its own) and 1, runs `memhog MIB` on core 1 (whose
 * partition the manifest makes smaller than MIB), waits for it, then
 * waits until each of those cores has at least its free memory again:
 * "memtest: core C has its memory back" for each (whichever lent). Needs 3
 * cores or more. `forge` goes to memhog (its forged give-backs).
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

#define CORES 16

static uint64_t before[CORES];

/* back: wait until core c has before[c] free again; 0 if it does */
static int back(uint32_t c)
{
	struct monitor_core_stat_reply after = {0};

	for (int i = 0; i < 200; i++) {
		if (mon_core_stat(c, &after) == 0 &&
		    after.free_bytes >= before[c]) {
			printf("memtest: core %u has its memory back (%lu KiB "
			       "free before and after)\n",
			       c, (unsigned long)(before[c] >> 10));
			return 0;
		}
		sys_wait(10000000);
	}
	printf("memtest: core %u has %lu KiB free, had %lu\n", c,
	       (unsigned long)(after.free_bytes >> 10),
	       (unsigned long)(before[c] >> 10));
	return 1;
}

int main(int argc, char **argv)
{
	struct monitor_core_stat_reply st;
	struct sys_info in;
	char args[16];
	uint32_t pid, n;
	int64_t status;
	int r, bad = 0;

	snprintf(args, sizeof(args), "%s%s%s", argc > 1 ? argv[1] : "24",
		 argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
	if (sys_info(&in) < 0 || in.ncores < 3) {
		printf("memtest: needs 3 cores\n");
		return 1;
	}
	n = in.ncores < CORES ? in.ncores : CORES;
	for (uint32_t c = 2; c < n; c++) {
		if (mon_core_stat(c, &st) < 0) {
			printf("memtest: no core_stat of core %u\n", c);
			return 1;
		}
		before[c] = st.free_bytes;
	}
	r = mon_spawn("memhog", args, 1, &pid);
	if (r < 0 || mon_wait_exit(&pid, &status) < 0) {
		printf("memtest: memhog did not run: %s\n", err_msg(r));
		return 1;
	}
	printf("memtest: memhog exited with status %ld\n", (long)status);
	for (uint32_t c = 2; c < n; c++) {
		bad |= back(c);
	}
	return status == 0 && !bad ? 0 : 1;
}
