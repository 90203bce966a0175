// SPDX-License-Identifier: MIT
/*
 * netd [ip=A.B.C.D/N gw=A.B.C.D]: the network driver program, for the
 * core that owns the network device. Opens the device (netdev_open),
 * runs the stack on it (static address from the arguments, else DHCP),
 * serves the sockets protocol as the service "net" to programs on every
 * core (libos/net/server.c), and runs forever. docs/network.md.
 */
#include <stdio.h>
#include <string.h>
#include <drivers/netdev.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <net/stack.h>

/*
 * Until drivers/virtio brings the virtio-net driver: no device. The
 * driver's strong netdev_open replaces this one at link time.
 */
__attribute__((weak)) int netdev_open(struct netdev **out)
{
	(void)out;
	return ERR_NOENT;
}

int main(int argc, char **argv)
{
	static char args[128];
	struct netdev *dev;
	size_t n = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		size_t k = strlen(argv[i]);

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
	printf("netd: serving \"net\"\n");
	event_run();
	return 0;
}
