// SPDX-License-Identifier: MIT
/*
 * wakeone MS: waits in SYS_WAIT for MS milliseconds (in 100 ms timeouts)
 * with no channel of its own asleep, then prints "wakeone: D doorbells,
 * T timeouts in MS ms". A doorbell is meant for the process whose wake
 * token the sender read from a channel (abi/syscall.h, SYS_WAKE_*): one
 * rung for chanbench on this core must not wake this process, so D is 0
 * however many round trips ran beside it (system test wake-one).
 */
#include <abi/syscall.h>
#include <libos/sys.h>
#include <parse.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	uint64_t ms, end;
	unsigned long doorbells = 0, timeouts = 0;

	if (argc != 2 || parse_u64(argv[1], 10, 600000, &ms) < 0 || ms < 1) {
		printf("usage: wakeone MS   (1..600000)\n");
		return 2;
	}
	printf("wakeone: waiting %lu ms\n", (unsigned long)ms);
	end = sys_time_ns() + ms * 1000000;
	for (uint64_t now = sys_time_ns(); now < end; now = sys_time_ns()) {
		uint64_t left = end - now;
		long ev = sys_wait(left < 100000000 ? left : 100000000);

		if (ev < 0) {
			printf("wakeone: wait failed: %ld\n", ev);
			return 1;
		}
		doorbells += (ev & SYS_EV_DOORBELL) != 0;
		timeouts += (ev & SYS_EV_TIMER) != 0;
	}
	printf("wakeone: %lu doorbells, %lu timeouts in %lu ms\n", doorbells,
	       timeouts, (unsigned long)ms);
	return 0;
}
