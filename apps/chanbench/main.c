// SPDX-License-Identifier: MIT
/*
 * chanbench NAME [ROUNDS]: the channel benchmark's client (the shell's
 * `bench chan A B` runs it on core A against `echosvc NAME once` on core
 * B), speaking echo.if. Over one channel it measures
 *   - round trips of one-slot messages, polling for the answer: median and
 *     99th percentile, in TSC cycles and ns;
 *   - one-way throughput: ROUNDS one-slot messages the service only
 *     counts, then one round trip for the count: messages per second.
 * Times come from the TSC (rdtsc is allowed in ring 3); the TSC rate from
 * the CPU driver's calibration.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <libos/timing.h>
#include <echo_if.h>

#define SAMPLES 2000

static struct chan ch;
static uint32_t server_core;
static uint64_t rtt[SAMPLES];

/* send: the stubs' transport; polls while the ring is full */
static int send(void *tctx, uint8_t type, const void *p, size_t n)
{
	int r;

	(void)tctx;
	while ((r = chan_msg_send(&ch, type, p, n)) == E_FULL) {
		__asm__ volatile("pause");
	}
	if (r == 0 && chan_needs_doorbell(&ch)) {
		sys_doorbell(server_core);
	}
	return r;
}

static int recv_msg(uint8_t *type, void *buf, size_t cap)
{
	int n;

	while ((n = chan_msg_recv(&ch, type, buf, cap)) == E_AGAIN) {
		__asm__ volatile("pause");
	}
	return n;
}

int main(int argc, char **argv)
{
	uint64_t rounds = 100000, t0, t1, count = 0, khz;
	struct sys_info in;
	uint8_t buf[64], type;
	struct echo_text ping = {8, {0}};
	struct echo_sink sink = {0};
	struct echo_count_req cq = {0};
	struct echo_count_reply cr = {0, 0};
	struct echo_quit q = {0};
	uint32_t server, seq = 0;
	void *va;
	int r;

	if (argc < 2 || sys_info(&in) < 0) {
		printf("usage: chanbench NAME [ROUNDS]\n");
		return 2;
	}
	if (argc > 2 && parse_u64(argv[2], 10, UINT64_MAX, &rounds) < 0) {
		printf("usage: chanbench NAME [ROUNDS]\n");
		return 2;
	}
	khz = in.tsc_khz ? in.tsc_khz : 1;
	for (int tries = 0; (r = mon_bind(argv[1], &va, &server)) == E_NOENT &&
			    tries < 200;
	     tries++) {
		sys_wait(10000000);
	}
	if (r < 0) {
		printf("chanbench: cannot bind to '%s': %s\n", argv[1],
		       err_msg(r));
		return 1;
	}
	server_core = SYS_PID_CORE(server);
	chan_init(&ch, va, 1);
	for (int i = 0; i < SAMPLES + 100; i++) {
		t0 = timing_tsc();
		memcpy(ping.data, &t0, sizeof(t0));
		echo_send_text(send, 0, &ping);
		if (recv_msg(&type, buf, sizeof(buf)) < 0 ||
		    type != ECHO_MSG_TEXT) {
			printf("chanbench: bad answer\n");
			return 1;
		}
		t1 = timing_tsc();
		if (i >= 100) { /* warm-up discarded */
			rtt[i - 100] = t1 - t0;
		}
	}
	timing_sort(rtt, SAMPLES);
	t0 = timing_tsc();
	for (uint64_t i = 0; i < rounds; i++) {
		sink.seq = i;
		echo_send_sink(send, 0, &sink);
	}
	echo_call_count(send, 0, &seq, &cq);
	do {
		r = recv_msg(&type, buf, sizeof(buf));
	} while (r < 0 ||
		 echo_count_match(&cq, type, buf, (size_t)r, &cr) != 0);
	count = cr.sinks;
	t1 = timing_tsc();
	echo_send_quit(send, 0, &q);
	printf("bench chan %u -> %u: round trip median %lu cycles (%lu ns), "
	       "p99 %lu cycles (%lu ns); one-way %lu messages/s (%lu of %lu "
	       "arrived)\n",
	       in.core_id, server_core, (unsigned long)rtt[SAMPLES / 2],
	       (unsigned long)(rtt[SAMPLES / 2] * 1000000 / khz),
	       (unsigned long)rtt[SAMPLES * 99 / 100],
	       (unsigned long)(rtt[SAMPLES * 99 / 100] * 1000000 / khz),
	       (unsigned long)(count * khz * 1000 / ((t1 - t0) ? (t1 - t0) : 1)),
	       (unsigned long)count, (unsigned long)rounds);
	return count == rounds ? 0 : 1;
}
