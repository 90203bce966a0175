// SPDX-License-Identifier: MIT
/*
 * devcmd: a device's state as its owning core's kernel sees it, and a
 * process that is not its driver trying to change it (system tests of
 * the kernel's driver rule: docs/devices.md).
 *
 *   devcmd NAME read TAG [PID]
 *                          print the state (SYS_DEV_INFO: the kernel reads
 *                          the command register and the MSI-X table for
 *                          us). With PID: first wait until process PID of
 *                          this core has ended (asked every 10 ms, at most
 *                          3000 times)
 *   devcmd NAME on TAG     try to switch bus mastering on (a configuration
 *                          write: refused unless this process is the
 *                          device's driver), print, exit
 *   devcmd NAME hold TAG   the same, then stay until killed
 *   devcmd NAME info TAG   from any core: "devcmd TAG: NAME MSI-X N
 *                          entries" or "... MSI-X none" (the boot
 *                          directory's entry)
 *
 * It prints "devcmd TAG (pid 0xPID): NAME command 0xXXXX, bus master
 * on|off, MSI-X on|off (N unmasked), driver 0xPID|none", or for a refused
 * write "devcmd TAG (pid 0xPID): NAME: command write refused: REASON";
 * either with ", holding" for hold.
 */
#include <parse.h>
#include <stdbool.h>
#include <libos/sys.h>
#include <stdio.h>
#include <string.h>

#define CMD 0x04
#define MASTER 0x4u

/* gone: process pid (text) is not, or no longer, on this core */
static bool gone(const char *text)
{
	static struct sys_proc list[64];
	uint64_t pid;

	if (parse_u64(text, 0, UINT32_MAX, &pid) < 0) {
		return false;
	}
	for (int tries = 0; tries < 3000; tries++) {
		long n = sys_proc_list(list, 64);
		bool found = false;

		for (long k = 0; k < n; k++) {
			found |= list[k].pid == pid;
		}
		if (n >= 0 && !found) {
			return true;
		}
		sys_wait(10000000);
	}
	return false;
}

int main(int argc, char **argv)
{
	struct sys_info in;
	struct sys_dev d;
	uint32_t i;
	char drv[16];
	long cmd = 0;
	int write, hold;

	if (argc < 4 || argc > 5 || sys_info(&in) < 0) {
		printf("usage: devcmd NAME read|on|hold|info TAG [PID]\n");
		return 2;
	}
	hold = strcmp(argv[2], "hold") == 0;
	write = hold || strcmp(argv[2], "on") == 0;
	for (i = 0; sys_dev_info(i, &d) == 0; i++) {
		if (strcmp(d.d.name, argv[1]) == 0) {
			break;
		}
	}
	if (sys_dev_info(i, &d) < 0) {
		printf("devcmd %s: no device %s\n", argv[3], argv[1]);
		return 1;
	}
	if (strcmp(argv[2], "info") == 0) {
		if (d.d.msix_cap) {
			printf("devcmd %s: %s MSI-X %u entries\n", argv[3],
			       argv[1], d.d.msix_entries);
		} else {
			printf("devcmd %s: %s MSI-X none\n", argv[3], argv[1]);
		}
		return 0;
	}
	if (argc == 5 && !gone(argv[4])) {
		printf("devcmd %s: process %s did not end\n", argv[3], argv[4]);
		return 1;
	}
	if (write) {
		cmd = sys_dev_cfg(i, CMD, 2 | SYS_CFG_WRITE,
				  (uint32_t)d.command | MASTER);
		if (cmd < 0) {
			printf("devcmd %s (pid 0x%x): %s: command write "
			       "refused: %s%s\n",
			       argv[3], in.pid, argv[1], err_msg((int)cmd),
			       hold ? ", holding" : "");
		}
	}
	if (!write || cmd >= 0) {
		if (sys_dev_info(i, &d) < 0 || !d.owned_here) {
			printf("devcmd %s: %s: not owned here\n", argv[3],
			       argv[1]);
			return 1;
		}
		if (d.driver) {
			snprintf(drv, sizeof(drv), "0x%x", d.driver);
		} else {
			strlcpy(drv, "none", sizeof(drv));
		}
		printf("devcmd %s (pid 0x%x): %s command 0x%04x, bus master "
		       "%s, MSI-X %s (%u unmasked), driver %s%s\n",
		       argv[3], in.pid, argv[1], d.command,
		       (d.command & MASTER) ? "on" : "off",
		       d.msix_on ? "on" : "off", d.msix_unmasked, drv,
		       hold ? ", holding" : "");
	}
	while (hold) {
		sys_wait(1000000000ull);
	}
	return 0;
}
