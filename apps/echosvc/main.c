// SPDX-License-Identifier: MIT
/*
 * echosvc [NAME [once [sleep]]]: a service. Exports NAME (default
 * "echo"), accepts up to SVC_CLIENTS clients and speaks echo.if with each
 * (the loop is libos/service.h): `text` comes back unchanged, `sink` is
 * only counted, `count` answers how many sinks came, `quit` ends a service
 * started with "once". A message it cannot handle (unknown type, malformed
 * body, a bad slot) is logged and answered with `error`; the service keeps
 * serving everyone. When idle it polls for a
 * while (about 200 us), then halts until a doorbell; with "sleep" it halts
 * as soon as it is idle, so every request wakes it with a doorbell (the
 * channels benchmark's sleeping receiver, `bench chan A B sleep`).
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <libos/sys.h>
#include <echo_if.h>

static uint64_t sinks;
static int once;
static struct service svc;

static int on_text(void *ctx, const struct echo_text *m)
{
	return echo_send_text(svc_send, ctx, m);
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

	return echo_reply_count(svc_send, ctx, m, &rep);
}

static int on_quit(void *ctx, const struct echo_quit *m)
{
	(void)ctx;
	(void)m;
	svc.stop = once;
	return 0;
}

static const struct echo_handlers handlers = {
	.text = on_text,
	.sink = on_sink,
	.count_req = on_count,
	.quit = on_quit,
};

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n)
{
	return echo_dispatch(&handlers, c, type, buf, n);
}

static void reject(struct svc_client *c, uint8_t type, const void *buf, int n,
		   int err)
{
	struct echo_error e = {type, err};

	(void)buf;
	(void)n;
	echo_send_error(svc_send, c, &e);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "echo";
	int r = mon_export(name);

	once = argc > 2 && strcmp(argv[2], "once") == 0;
	svc.sleep_when_idle = argc > 3 && strcmp(argv[3], "sleep") == 0;
	if (r < 0) {
		printf("echosvc: cannot export '%s': %s\n", name, err_msg(r));
		return 1;
	}
	printf("echosvc: serving '%s'\n", name);
	svc.name = "echosvc";
	svc.dispatch = dispatch;
	svc.reject = reject;
	return svc_run(&svc);
}
