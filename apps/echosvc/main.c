// SPDX-License-Identifier: MIT
/*
 * echosvc [NAME [once]]: a service. Exports NAME (default "echo"), accepts
 * any number of clients and speaks echo.if with each: `text` comes back
 * unchanged, `sink` is only counted, `count` answers how many sinks came,
 * `quit` ends a service started with "once". A message it cannot handle
 * (unknown type, malformed body, a bad slot) is logged and answered with
 * `error`; the service keeps serving everyone. When idle it polls for a
 * while (about 200 us), then halts until a doorbell.
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <echo_if.h>

#define MAX_CLIENTS 16
#define POLL_NS 200000ull

static struct {
	struct chan ch;
	uint32_t pid;
} clients[MAX_CLIENTS];
static int nclients;
static uint64_t sinks;
static int once, quit;

/* send_to: the transport for the stubs; tctx is the client's index */
static int send_to(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int i = (int)(intptr_t)tctx, r;
	struct chan *c = &clients[i].ch;

	while ((r = chan_msg_send(c, type, buf, len)) == ERR_FULL) {
		sys_wait(1000000);
	}
	if (r == 0 && chan_needs_doorbell(c)) {
		sys_doorbell(SYS_PID_CORE(clients[i].pid));
	}
	return r;
}

static int on_text(void *ctx, const struct echo_text *m)
{
	return echo_send_text(send_to, ctx, m);
}

static int on_sink(void *ctx, const struct echo_sink *m)
{
	(void)ctx;
	(void)m;
	sinks++;
	return 0;
}

static int on_count(void *ctx, const struct echo_count_req *m)
{
	struct echo_count_reply rep = {0, sinks};

	return echo_reply_count(send_to, ctx, m, &rep);
}

static int on_quit(void *ctx, const struct echo_quit *m)
{
	(void)ctx;
	(void)m;
	quit = once;
	return 0;
}

static const struct echo_handlers handlers = {
	.text = on_text,
	.sink = on_sink,
	.count_req = on_count,
	.quit = on_quit,
};

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
	uint8_t type = 0;
	int n, done = 0, r;

	while ((n = chan_msg_recv(&clients[i].ch, &type, buf, sizeof(buf))) !=
	       ERR_AGAIN) {
		done++;
		r = n < 0 ? n
			  : echo_dispatch(&handlers, (void *)(intptr_t)i, type,
					  buf, (size_t)n);
		if (r == ERR_NOSYS || r == ERR_FORMAT) {
			struct echo_error e = {n < 0 ? 0 : type, r};
			printf("echosvc: bad message from client 0x%x: %s\n",
			       clients[i].pid, err_msg(r));
			echo_send_error(send_to, (void *)(intptr_t)i, &e);
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
