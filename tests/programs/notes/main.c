// SPDX-License-Identifier: MIT
/*
 * notes: a program that reads its monitor channel late still gets every
 * note its monitor sent meanwhile (they wait in the monitor's queue for
 * the program, up to 64 more than its ring holds).
 *
 *   notes serve NAME SECS N   export NAME; read nothing from the monitor
 *                             for SECS seconds while clients bind and
 *                             close; then read (for at most 10 s) until N
 *                             `bound` and N `client_gone` notes came:
 *                             "notes: B bound, G client_gone, read late"
 *   notes client NAME N       after 2 s (the server's export has come
 *                             back to it: a note before that would be
 *                             read by mon_export), N times: bind to NAME,
 *                             close; then "notes: N binds made and closed"
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

static int serve(const char *name, uint64_t secs, uint64_t n)
{
	static uint8_t buf[CHAN_MSG_MAX];
	struct chan *c = mon_channel();
	uint64_t until, bound = 0, gone = 0;
	uint8_t type;
	int r = mon_export(name);

	if (r < 0 || !c) {
		printf("notes: cannot export '%s': %s\n", name, err_msg(r));
		return 1;
	}
	until = sys_time_ns() + secs * 1000000000ull;
	while (sys_time_ns() < until) {
		sys_wait(until - sys_time_ns());
	}
	until = sys_time_ns() + 10000000000ull;
	while ((bound < n || gone < n) && sys_time_ns() < until) {
		r = chan_msg_recv(c, &type, buf, sizeof(buf));
		if (r == E_AGAIN) {
			sys_wait(1000000);
			continue;
		}
		bound += r >= 0 && type == MONITOR_MSG_BOUND;
		gone += r >= 0 && type == MONITOR_MSG_CLIENT_GONE;
	}
	printf("notes: %lu bound, %lu client_gone, read late\n",
	       (unsigned long)bound, (unsigned long)gone);
	return 0;
}

static int client(const char *name, uint64_t n)
{
	uint32_t server;
	void *va;
	uint64_t start = sys_time_ns() + 2000000000ull;
	int r;

	while (sys_time_ns() < start) {
		sys_wait(start - sys_time_ns());
	}
	for (uint64_t i = 0; i < n; i++) {
		r = mon_bind(name, &va, &server);
		for (int tries = 0; r == E_NOENT && i == 0 && tries < 100;
		     tries++) {
			sys_wait(100000000); /* the server may still start */
			r = mon_bind(name, &va, &server);
		}
		if (r < 0 || mon_close(va) < 0) {
			printf("notes: bind %lu failed: %s\n", (unsigned long)i,
			       err_msg(r));
			return 1;
		}
	}
	printf("notes: %lu binds made and closed\n", (unsigned long)n);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t secs, n;

	if (argc == 5 && strcmp(argv[1], "serve") == 0 &&
	    parse_u64(argv[3], 10, 60, &secs) == 0 &&
	    parse_u64(argv[4], 10, 1000, &n) == 0) {
		return serve(argv[2], secs, n);
	}
	if (argc == 4 && strcmp(argv[1], "client") == 0 &&
	    parse_u64(argv[3], 10, 1000, &n) == 0) {
		return client(argv[2], n);
	}
	printf("usage: notes serve NAME SECS N | client NAME N\n");
	return 2;
}
