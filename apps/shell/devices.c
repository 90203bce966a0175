// SPDX-License-Identifier: MIT
/*
 * The shell's device commands: `devices` lists the device directory (PCI
 * details from the boot directory, owners and drivers from core 0's
 * monitor's replica); `move DEVICE CORE` moves a device, and its driver,
 * to another core.
 */
#include "shell.h"
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

void cmd_devices(int argc, char **argv)
{
	static struct monitor_devices_reply dv;
	const char *name = dv.names;
	struct sys_dev d;
	int r;

	(void)argv;
	if (argc != 1) {
		say("usage: devices\n");
		return;
	}
	r = mon_devices(&dv);
	if (r < 0) {
		say("devices: %s\n", err_msg(r));
		return;
	}
	say("device         pci      vendor:id  owner  driver\n");
	for (uint32_t i = 0; i < dv.owners_count; i++) {
		char owner[12], driver[16], dname[BOOT_DEV_NAME_MAX];
		size_t n = 0;

		while (name[n] && name[n] != ' ') {
			n++;
		}
		strlcpy(dname, name, n + 1 < sizeof(dname) ? n + 1
							   : sizeof(dname));
		if (sys_dev_info(i, &d) < 0) {
			break;
		}
		if (dv.owners[i] == 0xffffffffu) {
			strlcpy(owner, "-", sizeof(owner));
		} else {
			fmt_snprintf(owner, sizeof(owner), "%u", dv.owners[i]);
		}
		if (dv.drivers[i]) {
			fmt_snprintf(driver, sizeof(driver), "0x%x",
				     dv.drivers[i]);
		} else {
			strlcpy(driver, "-", sizeof(driver));
		}
		say("%-14s %02x:%02x.%x  %04x:%04x  %-5s  %s\n", dname,
		    d.d.bus, d.d.dev, d.d.fn, d.d.vendor, d.d.device, owner,
		    driver);
		name += n + (name[n] == ' ');
	}
}

void cmd_move(int argc, char **argv)
{
	uint32_t core, pid = 0;
	int r;

	if (argc != 3 || parse_u32(argv[2], &core) < 0) {
		say("usage: move DEVICE CORE\n");
		return;
	}
	r = mon_move(argv[1], core, &pid);
	if (r == E_NOENT) {
		say("move: no device '%s' (see devices)\n", argv[1]);
	} else if (r == E_RANGE) {
		say("move: no core '%s'\n", argv[2]);
	} else if (r == E_PERM) {
		say("move: %s has no driver to move (or the shell lacks "
		    "the admin right)\n",
		    argv[1]);
	} else if (r < 0) {
		say("move: %s\n", err_msg(r));
	} else if (pid) {
		say("moved %s to core %u, driver pid 0x%x\n", argv[1], core,
		    pid);
	} else {
		say("moved %s to core %u (no driver started)\n", argv[1], core);
	}
}
