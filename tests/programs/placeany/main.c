// SPDX-License-Identifier: MIT
/*
 * placeany: starts ncores-1 long-running programs with `on any` and checks
 * that least-loaded placement put each on a different core other than
 * 0, then starts one more and checks it shares a core (all are busy), and
 * waits for them all: "placeany: N programs on N different cores".
 */
#include <stdio.h>
#include <libos/mon.h>
#include <libos/sys.h>

#define MAX 256

int main(int argc, char **argv)
{
	static int used[MAX];
	struct sys_info in;
	uint32_t pid, distinct = 0, n;
	int64_t status;
	int r;

	(void)argc;
	(void)argv;
	if (sys_info(&in) < 0 || in.ncores < 2) {
		printf("placeany: needs 2 cores or more\n");
		return 1;
	}
	n = in.ncores - 1;
	for (uint32_t i = 0; i < n; i++) {
		r = mon_spawn("spin", "10 any quiet", MON_CORE_ANY, &pid);
		if (r < 0) {
			printf("placeany: spawn failed: %s\n", err_msg(r));
			return 1;
		}
		if (SYS_PID_CORE(pid) == 0 || used[SYS_PID_CORE(pid) % MAX]++) {
			printf("placeany: program %u went to core %u, which is "
			       "not the least loaded\n", i, SYS_PID_CORE(pid));
		} else {
			distinct++;
		}
	}
	printf("placeany: %u programs on %u different cores\n", n, distinct);
	for (uint32_t i = 0; i < n; i++) {
		mon_wait_exit(&pid, &status);
	}
	return distinct == n ? 0 : 1;
}
