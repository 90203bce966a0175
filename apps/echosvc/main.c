// SPDX-License-Identifier: MIT
/*
 * echosvc [NAME [once]]: a service. Exports NAME (default "echo"), accepts
 * any number of clients, and sends every message back on the channel it
 * came on, with the same type - except three control types the channel
 * benchmark uses: ECHO_SINK (counted, not answered), ECHO_COUNT (answered
 * with the 8-byte count of sinks so far) and ECHO_QUIT (with "once": the
 * service exits). Malformed input from a client is logged and skipped;
 * the service keeps serving everyone. When idle it polls for a while
 * (about 200 us), then halts until a doorbell.
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>

#define MAX_CLIENTS 16
#define ECHO_SINK 200
#define ECHO_COUNT 201
#define ECHO_QUIT 202
#define POLL_NS 200000ull

static uint64_t sinks;
static int once, quit;

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
		if (type == ECHO_SINK) {
			sinks++;
			continue;
		}
		if (type == ECHO_QUIT) {
			quit = once;
			continue;
		}
		if (type == ECHO_COUNT) {
			memcpy(buf, &sinks, sizeof(sinks));
			n = sizeof(sinks);
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
	uint64_t idle_since = 0;
	int r = mon_export(name);

	once = argc > 2 && strcmp(argv[2], "once") == 0;

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
		if (quit) {
			return 0;
		}
		if (done || !idle_since) {
			idle_since = done ? 0 : sys_time_ns();
			continue;
		}
		if (sys_time_ns() - idle_since < POLL_NS) {
			continue;
		}
		idle_since = 0;
		if (!sleep_all(1)) {
			sys_wait(0);
		}
		sleep_all(0);
	}
}
