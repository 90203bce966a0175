// SPDX-License-Identifier: MIT
/*
 * spawnall [APP]: asks the monitors to start `hello exit K+10` (or APP) on
 * every core K, checks that each pid names the core it asked for, then
 * collects every exit status and checks it is K+10. Prints one line per
 * core and a summary: "spawnall: N of N cores ran and exited as expected".
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>

#define MAX 256

int main(int argc, char **argv)
{
	static uint32_t pids[MAX];
	static int done[MAX];
	const char *app = argc > 1 ? argv[1] : "hello";
	struct sys_info in;
	uint32_t ok = 0, started = 0;

	if (sys_info(&in) < 0 || !mon_available()) {
		printf("spawnall: no monitor channel\n");
		return 1;
	}
	for (uint32_t k = 0; k < in.ncores && k < MAX; k++) {
		char args[32];
		int r;

		snprintf(args, sizeof(args), "exit %u", k + 10);
		r = mon_spawn(app, args, k, &pids[k]);
		if (r < 0) {
			printf("spawnall: core %u: spawn failed: %s\n", k,
			       err_msg(r));
			continue;
		}
		if (SYS_PID_CORE(pids[k]) != k) {
			printf("spawnall: core %u: pid 0x%x names core %u\n", k,
			       pids[k], SYS_PID_CORE(pids[k]));
			continue;
		}
		started++;
	}
	for (uint32_t i = 0; i < started; i++) {
		uint32_t pid;
		int64_t status;
		uint32_t k;

		if (mon_wait_exit(&pid, &status) < 0) {
			break;
		}
		k = SYS_PID_CORE(pid);
		if (k >= MAX || pids[k] != pid || done[k]) {
			printf("spawnall: unexpected exit of pid 0x%x\n", pid);
			continue;
		}
		done[k] = 1;
		printf("spawnall: core %u pid 0x%x exited with status %ld\n", k,
		       pid, (long)status);
		ok += status == (int64_t)k + 10;
	}
	printf("spawnall: %u of %u cores ran and exited as expected\n", ok,
	       in.ncores);
	return ok == in.ncores ? 0 : 1;
}
