// SPDX-License-Identifier: MIT
/*
 * waitsvc NAME CORE: waits until core 0's naming table lists the service
 * NAME exported from core CORE, then prints "waitsvc: NAME@CORE/0xPID is
 * up" (system tests wait with it instead of typing into a service that
 * may not have exported itself yet). Asks every 10 ms, at most 6000
 * times; then "waitsvc: NAME is not on core CORE" and status 1.
 */
#include <libos/mon.h>
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
			const char *p = sv.list;

			/* a whole entry: at the start or after a space */
			while ((p = strstr(p, want)) != 0) {
				if (p == sv.list || p[-1] == ' ') {
					char e[64];
					size_t n = strcspn(p, " ");

					if (n >= sizeof(e)) {
						n = sizeof(e) - 1;
					}
					memcpy(e, p, n);
					e[n] = 0;
					printf("waitsvc: %s is up\n", e);
					return 0;
				}
				p++;
			}
		}
		sys_wait(10000000);
	}
	printf("waitsvc: %s is not on core %s\n", argv[1], argv[2]);
	return 1;
}
