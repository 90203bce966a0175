// SPDX-License-Identifier: MIT
/*
 * httpd [port=N]: the web server as a program of its own. It reaches the
 * network stack over a channel (net_init), then serves the boot image's
 * www/ files on TCP port N (default 80) forever: httpd.c, docs/httpd.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <libos/sys.h>
#include <net/sock.h>

#include "httpd.h"

#define NET_WAIT_NS (60ull * 1000 * 1000 * 1000)

/* parse_port: "port=N" with 1 <= N <= 65535; false otherwise */
static bool parse_port(const char *arg, uint16_t *port)
{
	unsigned long v = 0;
	const char *p = arg + 5;

	if (strncmp(arg, "port=", 5) != 0 || *p == '\0') {
		return false;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
		if ((v = v * 10 + (unsigned long)(*p - '0')) > 65535) {
			return false;
		}
	}
	if (v == 0) {
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

int main(int argc, char **argv)
{
	uint16_t port = HTTPD_PORT_DEFAULT;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!parse_port(argv[i], &port)) {
			printf("httpd: bad argument '%s' (usage: httpd "
			       "[port=N])\n",
			       argv[i]);
			return 2;
		}
	}
	if ((r = net_init(NET_WAIT_NS)) < 0) {
		printf("httpd: no network: %s\n", err_msg(r));
		return 1;
	}
	r = httpd_serve(port);
	return r < 0 ? 1 : 0;
}
