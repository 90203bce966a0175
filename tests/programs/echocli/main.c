// SPDX-License-Identifier: MIT
/*
 * echocli NAME TEXT: binds to service NAME (retrying for a while until it
 * is exported), sends TEXT as an echo.if `text`, waits for the answer and
 * prints it: "echocli on core C: NAME on core S answered 'TEXT'".
 */
#include <stdio.h>
#include <string.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <echo_if.h>

static struct binding b;

int main(int argc, char **argv)
{
	static struct echo_text t;
	uint8_t buf[CHAN_MSG_MAX], type;
	struct sys_info in;
	int r, n;

	if (argc < 3 || sys_info(&in) < 0 || strlen(argv[2]) >= sizeof(t.data)) {
		printf("usage: echocli NAME TEXT\n");
		return 2;
	}
	/* the server may still be starting: try for about a second */
	r = mon_connect(argv[1], BIND_SECOND, &b);
	if (r < 0) {
		printf("echocli: cannot bind to '%s': %s\n", argv[1], err_msg(r));
		return 1;
	}
	t.data_len = (uint16_t)strlen(argv[2]);
	memcpy(t.data, argv[2], t.data_len);
	r = echo_send_text(bind_send_fn, &b, &t);
	if (r < 0) {
		printf("echocli: send failed: %s\n", err_msg(r));
		return 1;
	}
	/* the echo is not a call (it carries no call id): the next message */
	while ((n = chan_msg_recv(&b.ch, &type, buf, sizeof(buf))) == E_AGAIN) {
		event_wait_chan(&b.ch);
	}
	memset(&t, 0, sizeof(t));
	if (n < 0 || type != ECHO_MSG_TEXT ||
	    echo_text_unmarshal(buf, (size_t)n, &t) < 0) {
		printf("echocli: bad answer\n");
		return 1;
	}
	t.data[t.data_len < sizeof(t.data) ? t.data_len : sizeof(t.data) - 1] = 0;
	printf("echocli on core %u: %s on core %u answered '%s'\n", in.core_id,
	       argv[1], b.peer_core, (char *)t.data);
	return 0;
}
