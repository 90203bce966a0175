// SPDX-License-Identifier: MIT
/*
 * ringfirst NAME ROUNDS: binds to echo service NAME on this same core
 * (started with `sleep`: it halts as soon as it is idle), and ROUNDS
 * times: lets the server fall asleep (20 ms), sends one echo (the send
 * rings the server's doorbell: it said it sleeps), and looks at once
 * whether the answer is already there, before it waits for it. Prints
 * "ringfirst: B of ROUNDS answered before we waited".
 *
 * A doorbell a process rings for a process of its own core wakes that
 * process, which runs when the ringer waits or yields (cpudriver/proc.c,
 * woken): the ringer sent a message and is about to wait for the answer,
 * and a server run at once would set it aside in the middle, its answer
 * then waiting for the ringer's turn. So B is 0 (system test
 * ring-first); when the server ran at once, it was ROUNDS.
 */
#include <stdio.h>
#include <string.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <parse.h>
#include <echo_if.h>

static struct binding b;

int main(int argc, char **argv)
{
	static struct echo_text t;
	uint8_t buf[CHAN_MSG_MAX], type;
	uint64_t rounds;
	unsigned long before = 0;
	int r, n;

	if (argc != 3 || parse_u64(argv[2], 10, 1000, &rounds) < 0 ||
	    rounds < 1) {
		printf("usage: ringfirst NAME ROUNDS   (1..1000)\n");
		return 2;
	}
	r = mon_connect(argv[1], BIND_SECOND, &b);
	if (r < 0) {
		printf("ringfirst: cannot bind to '%s': %s\n", argv[1],
		       err_msg(r));
		return 1;
	}
	if (b.peer_core != b.env->self_core()) {
		printf("ringfirst: '%s' is on core %u, not ours\n", argv[1],
		       b.peer_core);
		return 1;
	}
	t.data_len = 4;
	memcpy(t.data, "ring", 4);
	for (uint64_t i = 0; i < rounds; i++) {
		sys_wait(20000000); /* the server halts meanwhile */
		r = echo_send_text(bind_send_fn, &b, &t);
		if (r < 0) {
			printf("ringfirst: send failed: %s\n", err_msg(r));
			return 1;
		}
		before += chan_pending(&b.ch);
		while ((n = chan_msg_recv(&b.ch, &type, buf, sizeof(buf))) ==
		       E_AGAIN) {
			event_wait_chan(&b.ch);
		}
		if (n < 0 || type != ECHO_MSG_TEXT) {
			printf("ringfirst: bad answer\n");
			return 1;
		}
	}
	printf("ringfirst: %lu of %lu answered before we waited\n", before,
	       (unsigned long)rounds);
	return 0;
}
