// SPDX-License-Identifier: MIT
/*
 * waitsvc NAME CORE: waits until core 0's naming table lists the service
 * NAME exported from core CORE, then prints "waitsvc: NAME@CORE/0xPID is
 * up" (system tests wait with it instead of typing into a service that
 * may not have exported itself yet). Asks every 10 ms, at most 6000
 * times; then "waitsvc: NAME is not on core CORE" and status 1.
 */
#include <libos/mon.h>
#include <monitor_if.h>
#include <libos/sys.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static struct monitor_services_reply sv;
	char want[48];

	if (argc != 3) {
		printf("usage: waitsvc NAME CORE\n");
		return 2;
	}
	snprintf(want, sizeof(want), "%s@%s/", argv[1], argv[2]);
	for (int i = 0; i < 6000; i++) {
		if (mon_services(&sv) == 0) {
			/* entries are "name@core/pid", space-separated */
			for (const char *p = sv.list; *p;) {
				const char *sp = strchr(p, ' ');
				size_t n = sp ? (size_t)(sp - p) : strlen(p);

				if (strncmp(p, want, strlen(want)) == 0 &&
				    n < 64) {
					char e[64];

					memcpy(e, p, n);
					e[n] = 0;
					printf("waitsvc: %s is up\n", e);
					return 0;
				}
				p += n + (sp != 0);
			}
		}
		sys_wait(10000000);
	}
	printf("waitsvc: %s is not on core %s\n", argv[1], argv[2]);
	return 1;
}
