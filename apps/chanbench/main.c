// SPDX-License-Identifier: MIT
/*
 * chanbench NAME [ROUNDS]: the channel benchmark's client (the shell's
 * `bench chan A B` runs it on core A against `echosvc NAME once` on core
 * B), speaking echo.if. Over one channel it measures
 *   - round trips of one-slot messages, polling for the answer: median and
 *     99th percentile, in TSC cycles and ns;
 *   - one-way throughput: ROUNDS one-slot messages the service only
 *     counts, then one round trip for the count: messages per second.
 * The result line ends with "(N of ROUNDS arrived)"; when N is not ROUNDS
 * a line "chanbench: K of ROUNDS one-way messages lost" (or counted too
 * many) follows and the exit status is 1 (the shell then says `bench: failed`).
 * Times come from the TSC (rdtsc is allowed in ring 3); the TSC rate from
 * the CPU driver's calibration.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/binding.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <libos/timing.h>
#include <echo_if.h>

#define SAMPLES 2000

static struct binding b;
static uint64_t rtt[SAMPLES];

/* recv_msg: the echo of a round trip, polling (what is measured) */
static int recv_msg(uint8_t *type, void *buf, size_t cap)
{
	int n;

	while ((n = chan_msg_recv(&b.ch, type, buf, cap)) == E_AGAIN) {
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
	r = mon_connect(argv[1], 2 * BIND_SECOND, &b);
	if (r < 0) {
		printf("chanbench: cannot bind to '%s': %s\n", argv[1],
		       err_msg(r));
		return 1;
	}
	/* the one-way run fills the ring: wait for room as long as it takes
	 * a loaded host (the count answers whether anything was lost) */
	b.send_wait_ns = 10 * BIND_SECOND;
	for (int i = 0; i < SAMPLES + 100; i++) {
		t0 = timing_tsc();
		memcpy(ping.data, &t0, sizeof(t0));
		echo_send_text(bind_send_fn, &b, &ping);
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
		echo_send_sink(bind_send_fn, &b, &sink);
	}
	r = echo_count_call(&b, &cq, &cr, 10 * BIND_SECOND);
	if (r < 0) {
		printf("chanbench: no count from the service: %s\n",
		       err_msg(r));
		return 1;
	}
	count = cr.sinks;
	t1 = timing_tsc();
	echo_send_quit(bind_send_fn, &b, &q);
	printf("bench chan %u -> %u: round trip median %lu cycles (%lu ns), "
	       "p99 %lu cycles (%lu ns); one-way %lu messages/s (%lu of %lu "
	       "arrived)\n",
	       in.core_id, b.peer_core, (unsigned long)rtt[SAMPLES / 2],
	       (unsigned long)(rtt[SAMPLES / 2] * 1000000 / khz),
	       (unsigned long)rtt[SAMPLES * 99 / 100],
	       (unsigned long)(rtt[SAMPLES * 99 / 100] * 1000000 / khz),
	       (unsigned long)(count * khz * 1000 / ((t1 - t0) ? (t1 - t0) : 1)),
	       (unsigned long)count, (unsigned long)rounds);
	/* the rate above is then not the rate of a working channel */
	if (count < rounds) {
		printf("chanbench: %lu of %lu one-way messages lost\n",
		       (unsigned long)(rounds - count), (unsigned long)rounds);
		return 1;
	}
	if (count > rounds) {
		printf("chanbench: the service counted %lu one-way messages, "
		       "%lu were sent\n",
		       (unsigned long)count, (unsigned long)rounds);
		return 1;
	}
	return 0;
}
