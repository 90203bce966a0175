// SPDX-License-Identifier: MIT
/*
 * traceatk: a program without rights attacks tracing (tests/system/
 * trace-attack.test), while an admin has tracing on:
 *   - asks monitors to turn tracing on, stop, read and off, with forged
 *     by_pid/by_rights (its monitor overwrites them): refused;
 *   - makes the monitor-only SYS_TRACE calls itself: refused;
 *   - asks for the physical address of memory that is no channel of its
 *     own, and hands the kernel bad pointers: refused;
 *   - then wrecks its own buffer (header and events) and ends: the
 *     kernel's record, not the header, says what the dump holds, so
 *     `trace dump` still writes a dump the host converts, naming the
 *     buffer after the program.
 * Each refusal prints "traceatk: <what>: <error>"; "traceatk: done" last.
 */
#include <stdio.h>
#include <string.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <libos/trace.h>
#include <channels/chan.h>
#include <monitor_if.h>

static void say(const char *what, long r)
{
	printf("traceatk: %s: %s\n", what, r < 0 ? err_msg((int)r) : "done");
}

int main(void)
{
	static const char *const ops[] = {"", "on", "stop", "off", "read",
					  "clock"};
	struct sys_trace_self self;
	struct sys_trace_read io = {0, 0, 0, 0};
	static uint8_t buf[4096];
	char what[64];
	long r;

	for (uint32_t core = 0; core < 3; core += 2) {
		for (uint32_t op = 1; op <= 4; op++) {
			struct monitor_trace_req req;
			struct monitor_trace_reply rep;

			memset(&req, 0, sizeof(req));
			req.core = core;
			req.op = op;
			req.classes = 0xf;
			req.bytes = 4096;
			req.by_pid = 1;		       /* forged: core 0's */
			req.by_rights = SYS_RIGHTS_ALL; /* monitor, admin */
			snprintf(what, sizeof(what), "forged trace %s on core %u",
				 ops[op], core);
			say(what, mon_trace_op(&req, &rep));
		}
	}
	say("SYS_TRACE on", sys_call(SYS_TRACE, SYS_TRACE_ON, 0xf, 4096, 0));
	say("SYS_TRACE stop", sys_call(SYS_TRACE, SYS_TRACE_STOP, 0, 0, 0));
	say("SYS_TRACE read", sys_call(SYS_TRACE, SYS_TRACE_READ, (long)&io,
				       (long)buf, sizeof(buf)));
	say("SYS_TRACE off", sys_call(SYS_TRACE, SYS_TRACE_OFF, 0, 0, 0));
	say("SYS_TRACE 99", sys_call(SYS_TRACE, 99, 0, 0, 0));
	say("channel address of the heap",
	    sys_call(SYS_TRACE, SYS_TRACE_CHAN, (long)buf, 0, 0));
	say("channel address of 0", sys_call(SYS_TRACE, SYS_TRACE_CHAN, 0, 0, 0));
	say("channel address of the kernel",
	    sys_call(SYS_TRACE, SYS_TRACE_CHAN, (long)0xffffffff80100000ull,
		     0, 0));
	say("self into the kernel",
	    sys_call(SYS_TRACE, SYS_TRACE_SELF, (long)0xffffffff80100000ull, 0,
		     0));
	r = sys_call(SYS_TRACE, SYS_TRACE_SELF, (long)&self, 0, 0);
	if (r < 0 || !self.va || self.bytes < 4096) {
		printf("traceatk: no trace buffer of its own (%ld, 0x%llx)\n",
		       r, (unsigned long long)self.va);
		return 1;
	}
	/* our own writes stop first: the wreck would fault us */
	chan_trace = NULL;
	mon_trace = NULL;
	memset((void *)self.va, 0xa5, self.bytes);
	((struct trace_buf *)self.va)->size = ~0ull;
	((struct trace_buf *)self.va)->head = 1ull << 62;
	printf("traceatk: wrecked its buffer (%llu bytes)\n",
	       (unsigned long long)self.bytes);
	printf("traceatk: done\n");
	return 0;
}
