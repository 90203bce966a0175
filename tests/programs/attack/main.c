// SPDX-License-Identifier: MIT
/*
 * attack CLASS ...: a program without special rights tries what only an
 * admin, a spawner or a service's own program may do, the honest way and
 * with the monitor's fields forged (by_pid, by_rights, by_app,
 * by_start: its monitor must overwrite them), and says what it got:
 *
 *   attack kill NAME...         end every process running NAME (found
 *                               with ps); then end a child of its own,
 *                               which its spawner may
 *   attack export NAME...       export each reserved NAME; then bind to
 *                               it and report who serves it; then export
 *                               a free name, which anyone may
 *   attack spawn CORE DEPTH     ask for a child holding the admin right;
 *                               then spawn `attack spawn CORE DEPTH-1 child`
 *                               (DEPTH 0: `attack sleep`) on CORE until
 *                               refused, and stay
 *   attack move DEVICE CORE     move DEVICE to CORE
 *   attack borrow               borrow 4 MiB at a time until refused
 *   attack console              read console input, write raw console
 *                               output, power the machine off (all need
 *                               the console right; run it on core 0)
 *   attack sleep                wait forever
 *
 * Lines: "attack: WHAT: RESULT" (RESULT the error message, or "done").
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

static struct sys_info me;

static void sleep_forever(void)
{
	for (;;) {
		sys_wait(1000000000ull);
		mon_poll(); /* exit notes of children */
	}
}

static const char *result(int r)
{
	return r < 0 ? err_msg(r) : "done";
}

/* find: the pids of processes running name, on every core (asked again
 * for up to 10 s while there are none: the manifest's programs of other
 * cores may still be starting) */
static uint32_t find(const char *name, uint32_t *pids, uint32_t max)
{
	static struct monitor_ps_reply ps;
	uint32_t n = 0;

	for (int tries = 0; tries < 100 && !n; tries++) {
		if (tries) {
			sys_wait(100000000ull);
		}
		for (uint32_t c = 0; c < me.ncores; c++) {
			const char *p;

			if (mon_ps(c, &ps) < 0) {
				continue;
			}
			p = ps.names;
			for (uint32_t i = 0; i < ps.pids_count && n < max;
			     i++) {
				const char *sp = strchr(p, ' ');
				size_t len = sp ? (size_t)(sp - p) : strlen(p);

				if (len == strlen(name) &&
				    strncmp(p, name, len) == 0) {
					pids[n++] = ps.pids[i];
				}
				p += len + (p[len] == ' ');
			}
		}
	}
	return n;
}

static int kill_forged(uint32_t pid)
{
	struct monitor_kill_req req = {0, pid, 0, SYS_RIGHTS_ALL};
	struct monitor_kill_reply rep;
	int r = monitor_kill_call(mon_binding(), &req, &rep, MON_CALL_NS);

	return r ? r : rep.err;
}

static int do_kill(int argc, char **argv)
{
	uint32_t pids[8], child;
	int64_t status;
	int r;

	for (int a = 0; a < argc; a++) {
		uint32_t n = find(argv[a], pids, 8);

		if (!n) {
			printf("attack: kill %s: no such process\n", argv[a]);
		}
		for (uint32_t i = 0; i < n; i++) {
			printf("attack: kill %s (0x%x): %s\n", argv[a], pids[i],
			       result(mon_kill(pids[i])));
			printf("attack: forged kill %s (0x%x): %s\n", argv[a],
			       pids[i], result(kill_forged(pids[i])));
		}
	}
	/* what a spawner may: end its own child */
	r = mon_spawn("attack", "sleep", me.core_id, &child);
	if (r == 0) {
		r = mon_kill(child);
	}
	printf("attack: kill own child: %s\n", result(r));
	if (r == 0 && mon_wait_exit(&child, &status) == 0) {
		printf("attack: own child 0x%x ended with status %ld\n", child,
		       (long)status);
	}
	return 0;
}

static int export_forged(const char *name, const char *app)
{
	struct monitor_export_req req;
	struct monitor_export_reply rep;
	int r;

	memset(&req, 0, sizeof(req));
	strlcpy(req.name, name, sizeof(req.name));
	strlcpy(req.by_app, app, sizeof(req.by_app));
	req.by_start = 1;
	req.by_rights = SYS_RIGHTS_ALL;
	r = monitor_export_call(mon_binding(), &req, &rep, MON_CALL_NS);
	return r ? r : rep.err;
}

static int do_export(int argc, char **argv)
{
	static const struct {
		const char *name, *program;
	} owners[] = {{"net", "netd"}, {"store", "store"}};

	for (int a = 0; a < argc; a++) {
		const char *prog = argv[a];
		uint32_t pids[8], n, server = 0;
		void *va;
		int r;

		for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]);
		     i++) {
			if (strcmp(owners[i].name, argv[a]) == 0) {
				prog = owners[i].program;
			}
		}
		printf("attack: export %s: %s\n", argv[a],
		       result(mon_export(argv[a])));
		printf("attack: forged export %s as %s: %s\n", argv[a], prog,
		       result(export_forged(argv[a], prog)));
		/* its server may still be starting: ask for up to 10 s */
		for (int t = 0;
		     (r = mon_bind(argv[a], &va, &server)) == E_NOENT &&
		     t < 100;
		     t++) {
			sys_wait(100000000ull);
		}
		n = find(prog, pids, 8);
		if (r < 0) {
			printf("attack: bind %s: %s\n", argv[a], err_msg(r));
		} else if (n && server == pids[0]) {
			printf("attack: '%s' is still served by 0x%x (%s)\n",
			       argv[a], server, prog);
		} else {
			printf("attack: '%s' is served by 0x%x, not %s\n",
			       argv[a], server, prog);
		}
	}
	printf("attack: export attack-free: %s\n",
	       result(mon_export("attack-free")));
	return 0;
}

static int do_spawn(uint32_t core, uint32_t depth, int top)
{
	struct monitor_spawn_req req;
	struct monitor_spawn_reply rep;
	char args[64];
	uint32_t pid, n = 0;
	int r;

	if (top) {
		memset(&req, 0, sizeof(req));
		req.core = core;
		strlcpy(req.app, "attack", sizeof(req.app));
		strlcpy(req.args, "sleep", sizeof(req.args));
		req.rights = SYS_RIGHT_ADMIN;
		req.by_rights = SYS_RIGHTS_ALL; /* forged: overwritten */
		r = monitor_spawn_call(mon_binding(), &req, &rep, MON_CALL_NS);
		printf("attack: spawn holding admin: %s\n",
		       result(r ? r : rep.err));
	}
	if (depth) {
		snprintf(args, sizeof(args), "spawn %u %u child", core,
			 depth - 1);
	} else {
		strlcpy(args, "sleep", sizeof(args));
	}
	while ((r = mon_spawn("attack", args, core, &pid)) == 0) {
		n++;
	}
	printf("attack: spawn refused after %u children (depth %u): %s\n", n,
	       depth, err_msg(r));
	sleep_forever();
	return 0;
}

static int do_move(const char *dev, uint32_t core)
{
	struct monitor_move_req req;
	struct monitor_move_reply rep;
	int r;

	printf("attack: move %s to %u: %s\n", dev, core,
	       result(mon_move(dev, core, NULL)));
	memset(&req, 0, sizeof(req));
	strlcpy(req.name, dev, sizeof(req.name));
	req.core = core;
	req.by_rights = SYS_RIGHTS_ALL; /* forged: overwritten */
	r = monitor_move_call(mon_binding(), &req, &rep, MON_CALL_NS);
	printf("attack: forged move %s to %u: %s\n", dev, core,
	       result(r ? r : rep.err));
	return 0;
}

static int do_borrow(void)
{
	uint64_t got = 0, step = 4ull << 20;
	int r;

	while ((r = mon_borrow(step)) == 0) {
		got += step;
	}
	printf("attack: borrowed %lu MiB, then: %s\n",
	       (unsigned long)(got >> 20), err_msg(r));
	sleep_forever(); /* keeps what it borrowed */
	return 0;
}

static int do_console(void)
{
	char buf[16];

	printf("attack: console read: %s\n",
	       result((int)sys_console_read(buf, sizeof(buf))));
	printf("attack: console write: %s\n",
	       result((int)sys_console_write("owned\n", 6)));
	printf("attack: poweroff: %s\n", result((int)sys_poweroff()));
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t a, b;

	if (sys_info(&me) < 0 || !mon_available() || argc < 2) {
		printf(
		    "usage: attack kill|export|spawn|move|borrow|console|sleep "
		    "...\n");
		return 2;
	}
	if (strcmp(argv[1], "kill") == 0) {
		return do_kill(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "export") == 0) {
		return do_export(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "spawn") == 0 && argc >= 4 &&
	    parse_u64(argv[2], 10, me.ncores - 1, &a) == 0 &&
	    parse_u64(argv[3], 10, 8, &b) == 0) {
		return do_spawn((uint32_t)a, (uint32_t)b, argc == 4);
	}
	if (strcmp(argv[1], "move") == 0 && argc == 4 &&
	    parse_u64(argv[3], 10, UINT32_MAX, &a) == 0) {
		return do_move(argv[2], (uint32_t)a);
	}
	if (strcmp(argv[1], "borrow") == 0) {
		return do_borrow();
	}
	if (strcmp(argv[1], "console") == 0) {
		return do_console();
	}
	if (strcmp(argv[1], "sleep") == 0) {
		sleep_forever();
	}
	printf("attack: unknown class '%s'\n", argv[1]);
	return 2;
}
