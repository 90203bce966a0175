// SPDX-License-Identifier: MIT
/*
 * echocli NAME TEXT: binds to service NAME (retrying for a while until it
 * is exported), sends TEXT, waits for the answer and prints it:
 * "echocli on core C: NAME on core S answered 'TEXT'".
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>

static struct chan ch;

int main(int argc, char **argv)
{
	uint8_t buf[CHAN_MSG_MAX], type;
	uint32_t server;
	struct sys_info in;
	void *va;
	int r, n;

	if (argc < 3 || sys_info(&in) < 0) {
		printf("usage: echocli NAME TEXT\n");
		return 2;
	}
	/* the server may still be starting: try for about a second */
	for (int tries = 0; (r = mon_bind(argv[1], &va, &server)) == ERR_NOENT &&
			    tries < 100;
	     tries++) {
		sys_wait(10000000);
	}
	if (r < 0) {
		printf("echocli: cannot bind to '%s': %s\n", argv[1], err_msg(r));
		return 1;
	}
	chan_init(&ch, va, 1);
	r = chan_msg_send(&ch, 1, argv[2], strlen(argv[2]));
	if (r < 0) {
		printf("echocli: send failed: %s\n", err_msg(r));
		return 1;
	}
	if (chan_needs_doorbell(&ch)) {
		sys_doorbell(SYS_PID_CORE(server));
	}
	while ((n = chan_msg_recv(&ch, &type, buf, sizeof(buf) - 1)) == ERR_AGAIN) {
		chan_sleep(&ch);
		if (!chan_pending(&ch)) {
			sys_wait(0);
		}
		chan_wake(&ch);
	}
	if (n < 0) {
		printf("echocli: bad answer: %s\n", err_msg(n));
		return 1;
	}
	buf[n] = 0;
	printf("echocli on core %u: %s on core %u answered '%s'\n", in.core_id,
	       argv[1], SYS_PID_CORE(server), (char *)buf);
	return 0;
}
