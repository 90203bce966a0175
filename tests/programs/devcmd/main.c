// SPDX-License-Identifier: MIT
/*
 * devcmd: a device's PCI command register, seen from its owning core
 * (system tests of the kernel's bus-mastering rule and of device moves).
 *
 *   devcmd NAME read TAG [PID]
 *                          print the register; a read does not make this
 *                          process a user of the device. With PID: first
 *                          wait until process PID of this core has ended
 *                          (asked every 10 ms, at most 3000 times)
 *   devcmd NAME on TAG     switch bus mastering on (a configuration write:
 *                          this process now uses the device), print, exit
 *   devcmd NAME hold TAG   the same, then stay until killed
 *   devcmd NAME info TAG   from any core: "devcmd TAG: NAME MSI-X N
 *                          entries" or "... MSI-X none" (the boot
 *                          directory's entry)
 *
 * It prints "devcmd TAG (pid 0xPID): NAME command 0xXXXX, bus master
 * on|off", with ", holding" for hold.
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
	long cmd;
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
	cmd = sys_dev_cfg(i, CMD, 2, 0);
	if (cmd >= 0 && write) {
		cmd = sys_dev_cfg(i, CMD, 2 | SYS_CFG_WRITE,
				  (uint32_t)cmd | MASTER);
		cmd = cmd < 0 ? cmd : sys_dev_cfg(i, CMD, 2, 0);
	}
	if (cmd < 0) {
		printf("devcmd %s: %s: %s\n", argv[3], argv[1],
		       err_msg((int)cmd));
		return 1;
	}
	printf("devcmd %s (pid 0x%x): %s command 0x%04lx, bus master %s%s\n",
	       argv[3], in.pid, argv[1], cmd, (cmd & MASTER) ? "on" : "off",
	       hold ? ", holding" : "");
	while (hold) {
		sys_wait(1000000000ull);
	}
	return 0;
}
