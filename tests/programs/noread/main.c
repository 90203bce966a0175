// SPDX-License-Identifier: MIT
/*
 * noread BURSTS [N]: a program that never reads its monitor channel but
 * keeps its monitor sending to it: BURSTS bursts of N (default 200) ping
 * requests, 20 ms apart, whose pongs it leaves unread (its ring of 30
 * slots is full after the first burst). Its monitor must drop each pong
 * at once (one failed send, docs/monitor.md "Deadlines") and go on
 * serving everyone else; on the old monitor each dropped pong cost 100
 * ms. Then it reads again: the pongs that were kept are read (late, no
 * call waits for them), and a monitor call of its own must be answered:
 * "noread: reads again: ps of core C answered, P late pongs read".
 */
#include <channels/binding.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <parse.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	static struct monitor_ps_reply ps;
	struct monitor_ping p = {0};
	struct binding *b = mon_binding();
	uint64_t bursts, n = 200, sent = 0, refused = 0;
	struct sys_info in;
	int r;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], 10, 100000, &bursts) < 0 ||
	    (argc == 3 && parse_u64(argv[2], 10, 100000, &n) < 0) || !b ||
	    sys_info(&in) < 0) {
		printf("usage: noread BURSTS [N]\n");
		return 2;
	}
	printf("noread: flooding monitor %u with %lu bursts of %lu pings, "
	       "not reading\n",
	       in.core_id, (unsigned long)bursts, (unsigned long)n);
	for (uint64_t k = 0; k < bursts; k++) {
		for (uint64_t i = 0; i < n; i++) {
			p.stamp = sys_time_ns();
			r = monitor_call_ping(bind_send_fn, b, &b->call_seq,
					      &p);
			if (r < 0) {
				refused++;
			} else {
				sent++;
			}
		}
		sys_wait(20000000);
	}
	printf("noread: sent %lu pings (%lu not taken); reading again\n",
	       (unsigned long)sent, (unsigned long)refused);
	r = mon_ps(in.core_id, &ps);
	if (r < 0) {
		printf("noread: after reading again, ps failed: %s\n",
		       err_msg(r));
		return 1;
	}
	printf("noread: reads again: ps of core %u answered, %lu late pongs "
	       "read\n",
	       in.core_id, (unsigned long)b->late);
	return 0;
}
