// SPDX-License-Identifier: MIT
/*
 * netd [ip=A.B.C.D/N gw=A.B.C.D] [httpd=PORT]: the network driver program
 * for the core that owns the network device. Its monitor starts it with
 * the manifest's `device virtio-net CORE ARGS` arguments. It opens the
 * device (the virtio-net driver, netdev_open), runs the stack on it
 * (static address from the arguments, else DHCP), serves the sockets
 * protocol as the service "net" to programs on every core
 * (libos/net/server.c), and runs forever. docs/network.md.
 *
 * httpd=PORT also runs the web server inside netd, on the stack directly
 * (the co-located, kernel-bypass mode: driver, stack and application in
 * one process, no channel between them); programs on other cores keep
 * using "net" meanwhile.
 */
#include <stdio.h>
#include <string.h>
#include <drivers/netdev.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <net/sock.h>
#include <net/stack.h>

#include "httpd.h"

static int serve_http(void *arg)
{
	return httpd_serve((uint16_t)(uintptr_t)arg) < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static char args[128];
	struct netdev *dev;
	uint16_t http = 0;
	size_t n = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		size_t k = strlen(argv[i]);

		if (strncmp(argv[i], "httpd=", 6) == 0) {
			if (!sock_port_arg(argv[i], "httpd", &http) || !http) {
				printf("netd: bad port in '%s'\n", argv[i]);
				return 2;
			}
			continue;
		}
		if (n + k + 2 > sizeof(args)) {
			printf("netd: arguments too long\n");
			return 2;
		}
		if (n) {
			args[n++] = ' ';
		}
		memcpy(args + n, argv[i], k + 1);
		n += k;
	}
	if ((r = netdev_open(&dev)) < 0) {
		printf("netd: no network device: %s\n", err_msg(r));
		return 1;
	}
	if ((r = netstack_start(dev, args, 0)) < 0) {
		printf("netd: cannot start the stack (%s): %s\n", args,
		       err_msg(r));
		return 2;
	}
	if ((r = netsrv_start()) < 0) {
		printf("netd: cannot serve \"net\": %s\n", err_msg(r));
		return 1;
	}
	printf("netd: serving \"net\"%s\n",
	       http ? ", with httpd co-located" : "");
	if (http && !thread_create(serve_http, (void *)(uintptr_t)http, 0)) {
		printf("netd: no memory for httpd\n");
	}
	event_run();
	return 0;
}
