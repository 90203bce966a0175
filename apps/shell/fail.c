// SPDX-License-Identifier: MIT
/*
 * Failures (docs/failures.md): `fail CORE panic|hang|monitor [nowait]`
 * makes a core fail on purpose (admin only; its monitor answers, then
 * fails) and, unless nowait, waits for the live cores to declare it
 * lost, saying how long that took. health_line: what `cores` shows of a
 * lost core (main.c's `cores`).
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include "shell.h"

/* health: what core 0's monitor (the judge) knows of core */
static int health(uint32_t core, struct monitor_health_reply *rep)
{
	struct monitor_health_req req = {0, core};
	struct binding *b = mon_binding();
	int r;

	if (!b) {
		return E_UNSUPPORTED;
	}
	r = monitor_health_call(b, &req, rep, MON_CALL_NS);
	return r ? r : rep->err;
}

void health_line(uint32_t core)
{
	struct monitor_health_reply h;
	int r = health(core, &h);

	if (r < 0 || !h.lost) {
		say("%4u lost (%s)\n", core,
		    r < 0 ? err_msg(r) : "core 0 does not say why");
		return;
	}
	say("%4u lost: no sign of life for %u ms (deadline %u ms); %u "
	    "monitors agreed, %lu.%03lu s after boot\n",
	    core, h.silent_ms, h.deadline_ms, h.voters,
	    (unsigned long)(h.at_ms / 1000), (unsigned long)(h.at_ms % 1000));
}

static const char *const kinds[] = {"", "panic", "hang", "monitor"};

/* await_lost: after core was made to fail: until the judge declares it
 * lost, or twice its deadline and a second pass */
static void await_lost(uint32_t core)
{
	struct monitor_health_reply h;
	uint64_t t0 = sys_time_ns(), limit = 0, now;
	int r;

	for (;;) {
		r = health(core, &h);
		now = sys_time_ns();
		if (r < 0) {
			say("fail: core %u: no word from core 0: %s\n", core,
			    err_msg(r));
			return;
		}
		if (h.lost) {
			say("fail: core %u declared lost %lu ms after it "
			    "failed\n",
			    core, (unsigned long)((now - t0) / 1000000));
			return;
		}
		if (!h.judging) {
			say("fail: core %u failed; failure detection is off "
			    "(lost-after off)\n",
			    core);
			return;
		}
		limit = (2ull * h.deadline_ms + 1000) * 1000000ull;
		if (now - t0 > limit) {
			say("fail: core %u was not declared lost within %lu "
			    "ms\n",
			    core, (unsigned long)(limit / 1000000));
			return;
		}
		sys_wait(50 * 1000000ull);
	}
}

void cmd_fail(int argc, char **argv)
{
	struct monitor_fail_req req = {0, 0, 0, 0, 0};
	struct monitor_fail_reply rep;
	struct binding *b = mon_binding();
	int r;

	int wait = argc == 3;

	for (uint32_t k = 1; argc >= 3 && k < 4 && !req.kind; k++) {
		req.kind = strcmp(argv[2], kinds[k]) == 0 ? k : 0;
	}
	if ((argc != 3 && (argc != 4 || strcmp(argv[3], "nowait") != 0)) ||
	    parse_u32(argv[1], &req.core) < 0 || !req.kind) {
		out("usage: fail CORE panic|hang|monitor [nowait]   (admin)\n");
		return;
	}
	r = b ? monitor_fail_call(b, &req, &rep, MON_CALL_NS) : E_UNSUPPORTED;
	r = r ? r : rep.err;
	if (r == E_PERM) {
		say("fail: refused: only a program holding the admin right may "
		    "make a core fail\n");
		return;
	}
	if (r < 0) {
		say("fail: core %s: %s\n", argv[1], err_msg(r));
		return;
	}
	say("fail: core %u fails now (%s)\n", req.core, argv[2]);
	if (wait) {
		await_lost(req.core);
	}
}
