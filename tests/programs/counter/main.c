// SPDX-License-Identifier: MIT
/*
 * counter serve | counter add N [N...]: the worked example of
 * docs/interfaces.md, "A new service": everything a service needs beyond
 * its interface file (channels/if/counter.if) is its handlers; the client
 * is one generated call. `serve` exports "counter" and adds what clients
 * send to one total; `add` binds to it and adds each N in turn, printing
 * "counter: added N, total T".
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <counter_if.h>

/* ---- the service: its handlers */

static uint64_t total;

static int on_add(void *ctx, const struct counter_add_req *m)
{
	struct counter_add_reply r = {0, 0, total += m->n};

	return counter_reply_add(svc_send, ctx, m, &r);
}

static const struct counter_handlers handlers = {.add_req = on_add};

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n)
{
	return counter_dispatch(&handlers, c, type, buf, n);
}

/* reject: what the loop could not dispatch is answered with `error` */
static void reject(struct svc_client *c, uint8_t type, const void *buf, int n,
		   int err)
{
	struct counter_error e = {type, 0, err};

	if (n >= 0) {
		counter_call_id_of(type, buf, (size_t)n, &e.call_id);
	}
	counter_send_error(svc_send, c, &e);
}

static struct service svc = {
    .name = "counter", .dispatch = dispatch, .reject = reject};

/* ---- the client: one generated call a request */

static int add(int argc, char **argv)
{
	struct binding b;
	struct counter_add_req q = {0};
	struct counter_add_reply r;
	int err;

	err = mon_connect("counter", 2 * BIND_SECOND, &b);
	if (err < 0) {
		printf("counter: cannot bind: %s\n", err_msg(err));
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (parse_u64(argv[i], 10, UINT64_MAX, &q.n) < 0) {
			printf("usage: counter add N [N...]\n");
			return 2;
		}
		err = counter_add_call(&b, &q, &r, 5 * BIND_SECOND);
		if (err == 0) {
			err = r.err;
		}
		if (err < 0) {
			printf("counter: add %s: %s\n", argv[i], err_msg(err));
			return 1;
		}
		printf("counter: added %s, total %lu\n", argv[i],
		       (unsigned long)r.total);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		r = mon_export("counter");
		if (r < 0) {
			printf("counter: cannot export: %s\n", err_msg(r));
			return 1;
		}
		printf("counter: serving\n");
		return svc_run(&svc);
	}
	if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		return add(argc, argv);
	}
	printf("usage: counter serve | counter add N [N...]\n");
	return 2;
}
