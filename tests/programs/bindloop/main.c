// SPDX-License-Identifier: MIT
/*
 * bindloop NAME N CORE...: a service's client slots come back.
 *  1. N times, one after the other, starts `echocli NAME bye-K` on the
 *     next of the CORES and waits for it to exit with status 0: each is a
 *     client that binds to NAME, is answered and ends.
 *  2. N times binds to NAME itself, is answered, and closes the binding
 *     (mon_close).
 * A service that kept every client (16 at most) stops answering on the
 * 17th. Prints "bindloop: N clients bound, were answered and ended" and
 * "bindloop: N bindings made, answered and closed", or what failed.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <echo_if.h>

static int parse_u32_dec(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, 10, UINT32_MAX, &x) < 0) {
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

/* echo: send text on b and wait for it back (5 s at most) */
static int echo(struct binding *b, const char *text)
{
	static struct echo_text t;
	uint8_t buf[CHAN_MSG_MAX], type;
	uint64_t end = sys_time_ns() + 5 * BIND_SECOND;
	int n, r;

	memset(&t, 0, sizeof(t));
	t.data_len = (uint16_t)strlen(text);
	memcpy(t.data, text, t.data_len);
	r = echo_send_text(bind_send_fn, b, &t);
	if (r < 0) {
		return r;
	}
	while ((n = chan_msg_recv(&b->ch, &type, buf, sizeof(buf))) ==
	       E_AGAIN) {
		if (sys_time_ns() > end) {
			return E_TIMEOUT;
		}
		sys_wait(1000000);
	}
	if (n < 0 || type != ECHO_MSG_TEXT ||
	    echo_text_unmarshal(buf, (size_t)n, &t) < 0 ||
	    t.data_len != strlen(text) || memcmp(t.data, text, t.data_len)) {
		return E_FORMAT;
	}
	return 0;
}

static int clients_that_end(const char *name, uint32_t n, char **cores,
			    int ncores)
{
	for (uint32_t k = 0; k < n; k++) {
		char args[64];
		uint32_t core, pid, got;
		int64_t status;
		int r;

		if (parse_u32_dec(cores[k % ncores], &core) < 0) {
			printf("bindloop: bad core '%s'\n", cores[k % ncores]);
			return -1;
		}
		snprintf(args, sizeof(args), "%s bye-%u", name, k);
		r = mon_spawn("echocli", args, core, &pid);
		if (r < 0) {
			printf("bindloop: client %u: spawn failed: %s\n", k,
			       err_msg(r));
			return -1;
		}
		r = mon_wait_exit(&got, &status);
		if (r < 0 || got != pid || status != 0) {
			printf("bindloop: client %u (0x%x) ended with %ld\n", k,
			       pid, (long)status);
			return -1;
		}
	}
	printf("bindloop: %u clients bound, were answered and ended\n", n);
	return 0;
}

static int bindings_closed(const char *name, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		static struct binding b;
		uint32_t pid;
		void *va;
		int r = mon_bind(name, &va, &pid);

		if (r < 0) {
			printf("bindloop: bind %u failed: %s\n", k, err_msg(r));
			return -1;
		}
		bind_init(&b, va, 1, SYS_PID_CORE(pid), pid, &bind_env_libos);
		r = echo(&b, "again");
		if (r < 0) {
			printf("bindloop: binding %u: no echo: %s\n", k,
			       err_msg(r));
			return -1;
		}
		r = mon_close(va);
		if (r < 0) {
			printf("bindloop: close %u failed: %s\n", k,
			       err_msg(r));
			return -1;
		}
	}
	printf("bindloop: %u bindings made, answered and closed\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t n;

	if (argc < 4 || parse_u32_dec(argv[2], &n) < 0) {
		printf("usage: bindloop NAME N CORE...\n");
		return 2;
	}
	if (clients_that_end(argv[1], n, argv + 3, argc - 3) < 0 ||
	    bindings_closed(argv[1], n) < 0) {
		return 1;
	}
	return 0;
}
