// SPDX-License-Identifier: MIT
/*
 * The per-core monitor. Every core's CPU driver starts one, in ring 3,
 * holding that core's root rights (only a monitor may spawn or report the
 * core up). For now it announces itself, starts what the manifest places
 * on its core, and then waits for events - halting the core when there is
 * nothing to do. The mesh (channels between monitors, memory lending,
 * placement and binding) grows from here.
 */
#include <stdio.h>
#include <libos/sys.h>

static void start_manifest_programs(uint32_t core)
{
	struct sys_boot_start s;

	for (uint64_t i = 0;; i++) {
		long r = sys_boot_start(i, &s);
		if (r == ERR_NOENT) {
			return;
		}
		if (r < 0) {
			printf("monitor %u: cannot read manifest entry %lu: %s\n",
			       core, (unsigned long)i, err_msg((int)r));
			return;
		}
		r = sys_spawn(s.app, s.args, 0);
		if (r < 0) {
			printf("monitor %u: cannot start %s: %s\n", core, s.app,
			       err_msg((int)r));
		}
	}
}

int main(int argc, char **argv)
{
	struct sys_info in;

	(void)argc;
	(void)argv;
	if (sys_info(&in) < 0) {
		return 1;
	}
	sys_monitor_up();
	start_manifest_programs(in.core_id);
	for (;;) {
		sys_wait(0);
	}
}
