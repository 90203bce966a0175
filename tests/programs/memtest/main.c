// SPDX-License-Identifier: MIT
/*
 * memtest MIB [forge]: the memory-borrowing test. Notes the free memory of core 2
 * (the lender for core 1), runs `memhog MIB` on core 1 (whose partition
 * the manifest makes smaller than MIB), waits for it, then waits until
 * core 2's free memory is what it was: "memtest: core 2 has its memory
 * back". Needs 3 cores or more. `forge` goes to memhog (its forged
 * give-backs).
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

int main(int argc, char **argv)
{
	struct monitor_core_stat_reply before, after;
	char args[16];
	uint32_t pid;
	int64_t status;
	int r;

	snprintf(args, sizeof(args), "%s%s%s", argc > 1 ? argv[1] : "24",
		 argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
	if (mon_core_stat(2, &before) < 0) {
		printf("memtest: needs 3 cores\n");
		return 1;
	}
	r = mon_spawn("memhog", args, 1, &pid);
	if (r < 0 || mon_wait_exit(&pid, &status) < 0) {
		printf("memtest: memhog did not run: %s\n", err_msg(r));
		return 1;
	}
	printf("memtest: memhog exited with status %ld\n", (long)status);
	for (int i = 0; i < 200; i++) {
		if (mon_core_stat(2, &after) == 0 &&
		    after.free_bytes >= before.free_bytes) {
			printf("memtest: core 2 has its memory back (%lu KiB "
			       "free before and after)\n",
			       (unsigned long)(before.free_bytes >> 10));
			return status == 0 ? 0 : 1;
		}
		sys_wait(10000000);
	}
	printf("memtest: core 2 has %lu KiB free, had %lu\n",
	       (unsigned long)(after.free_bytes >> 10),
	       (unsigned long)(before.free_bytes >> 10));
	return 1;
}
