// SPDX-License-Identifier: MIT
/*
 * echosvc [NAME]: a service. Exports NAME (default "echo"), accepts any
 * number of clients, and sends every message back on the channel it came
 * on, with the same type. Malformed input from a client is logged and
 * skipped; the service keeps serving everyone. Halts while idle.
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>

#define MAX_CLIENTS 16

static struct {
	struct chan ch;
	uint32_t pid;
} clients[MAX_CLIENTS];
static int nclients;

static void accept_all(void)
{
	void *va;
	uint32_t pid;

	while (mon_accept_poll(&va, &pid) == 0) {
		if (nclients == MAX_CLIENTS) {
			printf("echosvc: too many clients; 0x%x ignored\n", pid);
			continue;
		}
		chan_init(&clients[nclients].ch, va, 0);
		clients[nclients++].pid = pid;
	}
}

static int serve(int i)
{
	static uint8_t buf[CHAN_MSG_MAX];
	struct chan *c = &clients[i].ch;
	uint8_t type;
	int n, done = 0;

	while ((n = chan_msg_recv(c, &type, buf, sizeof(buf))) != ERR_AGAIN) {
		done++;
		if (n < 0) {
			printf("echosvc: bad message from client 0x%x: %s\n",
			       clients[i].pid, err_msg(n));
			continue;
		}
		while (chan_msg_send(c, type, buf, (size_t)n) == ERR_FULL) {
			sys_wait(1000000);
		}
		if (chan_needs_doorbell(c)) {
			sys_doorbell(SYS_PID_CORE(clients[i].pid));
		}
	}
	return done;
}

static int sleep_all(int sleep)
{
	int pending = 0;

	for (int i = 0; i < nclients; i++) {
		if (sleep) {
			chan_sleep(&clients[i].ch);
			pending |= chan_pending(&clients[i].ch);
		} else {
			chan_wake(&clients[i].ch);
		}
	}
	if (sleep) {
		chan_sleep(mon_channel());
		pending |= chan_pending(mon_channel());
	} else {
		chan_wake(mon_channel());
	}
	return pending;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "echo";
	int r = mon_export(name);

	if (r < 0) {
		printf("echosvc: cannot export '%s': %s\n", name, err_msg(r));
		return 1;
	}
	printf("echosvc: serving '%s'\n", name);
	for (;;) {
		int done = 0;

		accept_all();
		for (int i = 0; i < nclients; i++) {
			done += serve(i);
		}
		if (done) {
			continue;
		}
		if (!sleep_all(1)) {
			sys_wait(0);
		}
		sleep_all(0);
	}
}
