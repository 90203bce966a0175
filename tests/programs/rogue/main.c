// SPDX-License-Identifier: MIT
/*
 * rogue: a misbehaving program. It sends its monitor garbage - an unknown
 * message type, a spawn request with a truncated body, one with trailing
 * bytes, a fragment sequence that changes type midway, a slot header that
 * claims 200 bytes, a forged `core_lost` - and then one good request, which must still be
 * answered: "rogue: monitor still answers" and the child's exit status.
 * With "svc NAME" it then binds to service NAME, sends it the same kind
 * of garbage and one good message, which must come back: "rogue: service
 * still answers". Before all that it asks for the words the kernel keeps
 * for the monitor (SYS_REAP's, SYS_RAN_MIRROR's), which must be refused.
 */
#include <stdio.h>
#include <string.h>
#include <channels/binding.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <echo_if.h>

/* garbage: mixed-type fragments and a corrupt slot header */
static void garbage(struct chan *c)
{
	uint8_t junk[RING_PAYLOAD];
	struct ring_slot *s = &c->tx.f->slots[0];
	uint64_t seq;

	memset(junk, 0xee, sizeof(junk));
	ring_send(&c->tx, 1, RING_F_MORE, junk, sizeof(junk));
	ring_send(&c->tx, 2, 0, junk, 5);
	s = &c->tx.f->slots[c->tx.seq % c->tx.n];
	seq = c->tx.seq + 1;
	__atomic_store_n(&s->header, (uint32_t)seq | 1ull << 32 | 200ull << 40,
			 __ATOMIC_RELEASE);
	c->tx.seq = seq;
}

/* ring: the doorbell after the raw garbage above, which no binding sends */
static void ring(struct chan *c, uint32_t core)
{
	uint32_t wake = chan_peer_wake(c);

	if (wake) {
		sys_doorbell(core, wake);
	}
}

static struct binding sb;
static struct chan *const svc_ch = &sb.ch;

/* attack_service: garbage, an unknown type and a malformed `text`, then
 * one good `text`, whose echo must come back (error answers to the
 * garbage may arrive first and are skipped) */
static int attack_service(const char *name)
{
	static struct echo_text good, got;
	uint8_t buf[CHAN_MSG_MAX], type, bad[3] = {0xff, 0xff, 0xff};
	int r, n;

	r = mon_connect(name, BIND_SECOND, &sb);
	if (r < 0) {
		printf("rogue: cannot bind to '%s': %s\n", name, err_msg(r));
		return 1;
	}
	/* raw, under the binding: what a hostile client can send */
	garbage(svc_ch);
	chan_msg_send(svc_ch, 99, bad, sizeof(bad));
	chan_msg_send(svc_ch, ECHO_MSG_TEXT, bad, sizeof(bad));
	good.data_len = 12;
	memcpy(good.data, "still there?", 12);
	echo_send_text(bind_send_fn, &sb, &good);
	printf("rogue: sent garbage to service '%s'\n", name);
	for (;;) {
		n = chan_msg_recv(svc_ch, &type, buf, sizeof(buf));
		if (n == E_AGAIN) {
			event_wait_chan(svc_ch);
			continue;
		}
		if (n >= 0 && type == ECHO_MSG_ERROR) {
			continue; /* the service complaining about our garbage */
		}
		if (n < 0 || type != ECHO_MSG_TEXT ||
		    echo_text_unmarshal(buf, (size_t)n, &got) < 0) {
			printf("rogue: service answered garbage\n");
			return 1;
		}
		got.data[got.data_len < sizeof(got.data) ? got.data_len : 0] = 0;
		printf("rogue: service still answers: '%s'\n",
		       (char *)got.data);
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct chan *c = mon_channel();
	struct sys_info in;
	struct monitor_spawn_req req;
	uint8_t buf[IFC_MAX_MSG], junk[RING_PAYLOAD];
	uint32_t pid;
	int64_t status;
	int n, r;

	if (!c || sys_info(&in) < 0) {
		printf("rogue: no monitor channel\n");
		return 1;
	}
	/* the words the kernel keeps in its monitor's memory (SYS_REAP's
	 * exit count, SYS_RAN_MIRROR's "another process ran"): a program
	 * that took one over would leave the monitor's passes blind to
	 * exits or to its programs' channels */
	{
		static volatile uint32_t word;
		struct sys_exit e;
		long a = sys_ran_mirror(&word);
		long b = sys_reap_mirror(&e, &word);

		printf("rogue: monitor words: ran %s, reap %s\n",
		       a < 0 ? err_msg((int)a) : "taken",
		       b < 0 ? err_msg((int)b) : "taken");
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
	/* well formed, but only monitors may send it: memory "given back"
	 * to this core (the monitor must refuse it, not take memory back) */
	{
		struct monitor_give_back g = {in.core_id, 0x40000000ull,
					      2ull << 20};

		n = monitor_give_back_marshal(&g, buf, sizeof(buf));
		chan_msg_send(c, MONITOR_MSG_GIVE_BACK, buf, (size_t)n);
	}
	/* a forged announcement that core 0 is lost (docs/failures.md):
	 * only a monitor, over core 0's link, may say so */
	{
		struct monitor_core_lost l = {0, 9999, 2000, 8};

		n = monitor_core_lost_marshal(&l, buf, sizeof(buf));
		chan_msg_send(c, MONITOR_MSG_CORE_LOST, buf, (size_t)n);
	}
	/* 4: fragments whose type changes midway */
	ring_send(&c->tx, MONITOR_MSG_SPAWN_REQ, RING_F_MORE, junk, sizeof(junk));
	ring_send(&c->tx, MONITOR_MSG_PING, 0, junk, 5);
	/* 5: a slot header claiming 200 bytes of payload */
	{
		struct ring_slot *s =
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
	if (argc > 2 && strcmp(argv[1], "svc") == 0) {
		return attack_service(argv[2]);
	}
	return 0;
}
