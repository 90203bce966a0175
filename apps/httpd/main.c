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

int main(int argc, char **argv)
{
	uint16_t port = HTTPD_PORT_DEFAULT;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!sock_port_arg(argv[i], "port", &port) || port == 0) {
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
