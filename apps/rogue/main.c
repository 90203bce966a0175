// SPDX-License-Identifier: MIT
/*
 * rogue: a misbehaving program. It sends its monitor garbage - an unknown
 * message type, a spawn request with a truncated body, one with trailing
 * bytes, a fragment sequence that changes type midway, a slot header that
 * claims 200 bytes - and then one good request, which must still be
 * answered: "rogue: monitor still answers" and the child's exit status.
 */
#include <stdio.h>
#include <string.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

static void ring(struct chan *c, uint32_t core)
{
	if (chan_needs_doorbell(c)) {
		sys_doorbell(core);
	}
}

int main(int argc, char **argv)
{
	struct chan *c = mon_channel();
	struct sys_info in;
	struct monitor_spawn_req req;
	uint8_t buf[IFC_MAX_MSG], junk[CHAN_PAYLOAD];
	uint32_t pid;
	int64_t status;
	int n, r;

	(void)argc;
	(void)argv;
	if (!c || sys_info(&in) < 0) {
		printf("rogue: no monitor channel\n");
		return 1;
	}
	memset(junk, 0xee, sizeof(junk));
	/* 1: a type nobody knows */
	chan_msg_send(c, 250, junk, 10);
	/* 2: a spawn request cut short, 3: one with trailing bytes */
	memset(&req, 0, sizeof(req));
	req.call_id = 77;
	req.core = in.core_id;
	strlcpy(req.app, "hello", sizeof(req.app));
	n = monitor_spawn_req_marshal(&req, buf, sizeof(buf));
	chan_msg_send(c, MONITOR_MSG_SPAWN_REQ, buf, (size_t)n - 3);
	buf[n] = 0x55;
	chan_msg_send(c, MONITOR_MSG_SPAWN_REQ, buf, (size_t)n + 1);
	/* 4: fragments whose type changes midway */
	chan_send(&c->tx, MONITOR_MSG_SPAWN_REQ, CHAN_F_MORE, junk, sizeof(junk));
	chan_send(&c->tx, MONITOR_MSG_PING, 0, junk, 5);
	/* 5: a slot header claiming 200 bytes of payload */
	{
		struct chan_slot *s =
			&c->tx.f->slots[c->tx.seq % c->tx.n];
		uint64_t seq = c->tx.seq + 1;
		__atomic_store_n(&s->header,
				 (uint32_t)seq | 1ull << 32 | 200ull << 40,
				 __ATOMIC_RELEASE);
		c->tx.seq = seq;
	}
	ring(c, in.core_id);
	printf("rogue: sent garbage to monitor %u\n", in.core_id);
	r = mon_spawn("hello", "exit 5", in.core_id, &pid);
	if (r < 0) {
		printf("rogue: monitor refused a good request: %s\n", err_msg(r));
		return 1;
	}
	printf("rogue: monitor still answers\n");
	if (mon_wait_exit(&pid, &status) == 0) {
		printf("rogue: child 0x%x exited with status %ld\n", pid,
		       (long)status);
	}
	return 0;
}
