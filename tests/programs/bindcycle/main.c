// SPDX-License-Identifier: MIT
/*
 * bindcycle: bind/close cycles across cores; nothing of a closed channel
 * may stay behind (the frame lives in the server's partition, so both
 * cores' kernels must agree that both ends are closed).
 *
 *   bindcycle serve NAME          export NAME; for every client: wait for
 *                                 its one message, then close our end
 *   bindcycle client NAME N       N times: bind to NAME, send one message,
 *                                 close (mon_close); then the free memory of
 *                                 the server's core after the first 100
 *                                 and after all (each once the closes in
 *                                 flight have arrived: settle.h):
 *                                 "bindcycle: N binds to core C: X KiB
 *                                 free after 100, Y KiB after all"; then
 *                                 every core's tables (`limits`) the
 *                                 same way: "bindcycle: limits of core
 *                                 C: X after 100, Y after all"
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include "../common/settle.h"

#define WARMUP 100

/* nap: wait at most 1 ms for a message on our monitor channel or on c
 * (if any), marked asleep so that the sender's doorbell wakes us: a
 * doorbell wakes only the process whose channel says it sleeps, and the
 * monitor's notes (a bind, a client gone) must not pile up unread */
static void nap(struct chan *c)
{
	struct chan *m = mon_channel();

	chan_sleep(m);
	if (c) {
		chan_sleep(c);
	}
	if (!chan_pending(m) && !(c && chan_pending(c))) {
		sys_wait(1000000);
	}
	chan_wake(m);
	if (c) {
		chan_wake(c);
	}
}

static int serve(const char *name)
{
	static struct chan c;
	uint8_t buf[64], type;
	uint32_t client;
	void *va;
	int r = mon_export(name);

	if (r < 0) {
		printf("bindcycle: cannot export '%s': %s\n", name, err_msg(r));
		return 1;
	}
	for (;;) {
		if (mon_accept(&va, &client) < 0) {
			nap(NULL);
			continue;
		}
		chan_init(&c, va, 0);
		while (chan_msg_recv(&c, &type, buf, sizeof(buf)) < 0) {
			nap(&c);
		}
		sys_chan_close(va);
	}
}

static int client(const char *name, uint64_t n)
{
	static struct chan c;
	static struct limits_all limits;
	uint64_t before = 0, after = 0;
	uint32_t server = 0;
	void *va;
	int r;

	for (uint64_t i = 0; i < n; i++) {
		if (i == WARMUP) {
			before = settled_free_kib(SYS_PID_CORE(server));
			if ((r = limits_all_take(&limits)) < 0) {
				printf("bindcycle: limits: %s\n", err_msg(r));
				return 1;
			}
		}
		r = mon_bind(name, &va, &server);
		for (int tries = 0; r == E_NOENT && i == 0 && tries < 100;
		     tries++) {
			sys_wait(100000000); /* the server may still start */
			r = mon_bind(name, &va, &server);
		}
		if (r < 0) {
			printf("bindcycle: bind %lu failed: %s\n",
			       (unsigned long)i, err_msg(r));
			return 1;
		}
		chan_init(&c, va, 1);
		chan_msg_send(&c, 1, "bye", 3);
		sys_doorbell(SYS_PID_CORE(server), SYS_WAKE_ANY);
		if (mon_close(va) < 0) {
			printf("bindcycle: close %lu failed\n", (unsigned long)i);
			return 1;
		}
	}
	for (int tries = 0; tries < 3; tries++) {
		after = settled_free_kib(SYS_PID_CORE(server));
		if (after == before) {
			break;
		}
	}
	printf("bindcycle: %lu binds to core %u: %lu KiB free after %u, %lu "
	       "KiB after all\n",
	       (unsigned long)n, SYS_PID_CORE(server), (unsigned long)before,
	       WARMUP, (unsigned long)after);
	limits_all_report("bindcycle", &limits, WARMUP);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n;

	if (argc == 3 && strcmp(argv[1], "serve") == 0) {
		return serve(argv[2]);
	}
	if (argc == 4 && strcmp(argv[1], "client") == 0 &&
	    parse_u64(argv[3], 10, 1000000, &n) == 0 && n > WARMUP) {
		return client(argv[2], n);
	}
	printf("usage: bindcycle serve NAME | client NAME N (N > %u)\n",
	       WARMUP);
	return 2;
}
