// SPDX-License-Identifier: MIT
/*
 * chanbench NAME [N]: the channel benchmark's client (the shell's
 * `bench chan A B [sleep] [N]` runs it on core A against `echosvc NAME
 * once` on core B), speaking echo.if. Over one channel it measures
 *   - round trips of one-slot messages, polling for the answer: median and
 *     99th percentile, in TSC cycles and ns;
 *   - one-way throughput: ROUNDS one-slot messages the service only
 *     counts, then one round trip for the count: messages per second.
 * Without N: 2,100 round trips (the first 100 a warm-up, not measured) and
 * ROUNDS = 100,000 one-way messages. With N (1..2000): N round trips (the
 * first N/10, at most 100, a warm-up) and ROUNDS = N one-way messages, and
 * after the result a line counting the messages on the bench channel, for
 * a trace to be checked against (docs/tracing.md):
 *   chanbench: channel messages sent S received R
 * S = 2N + 2 (N texts, N sinks, the count request, the quit) and
 * R = N + 1 (N echoed texts, the count reply) when all goes well; the
 * line counts what was actually sent and received.
 * The result line ends with "(K of ROUNDS arrived)"; when K is not ROUNDS
 * a line "chanbench: J of ROUNDS one-way messages lost" (or counted too
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

#define SAMPLES 2000 /* measured round trips without N; N at most */
#define WARMUP 100   /* round trips before them, at most */

static struct binding b;
static uint64_t rtt[SAMPLES];
static uint64_t sent, received; /* messages on the bench channel */

/* recv_msg: the echo of a round trip, polling (what is measured) */
static int recv_msg(uint8_t *type, void *buf, size_t cap)
{
	int n;

	while ((n = chan_msg_recv(&b.ch, type, buf, cap)) == E_AGAIN) {
		ring_relax();
	}
	if (n >= 0) {
		received++;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint64_t rounds = 100000, t0, t1, count = 0, khz, n = 0;
	uint64_t samples = SAMPLES, warmup = WARMUP;
	struct sys_info in;
	uint8_t buf[64], type;
	struct echo_text ping = {8, {0}};
	struct echo_sink sink = {0};
	struct echo_count_req cq = {0};
	struct echo_count_reply cr = {0, 0};
	struct echo_quit q = {0};
	int r;

	if (argc < 2 || argc > 3 || sys_info(&in) < 0 ||
	    (argc == 3 && (parse_u64(argv[2], 10, SAMPLES, &n) < 0 || !n))) {
		printf("usage: chanbench NAME [N]   (N 1..%u)\n", SAMPLES);
		return 2;
	}
	if (n) {
		warmup = n / 10 < WARMUP ? n / 10 : WARMUP;
		samples = n - warmup;
		rounds = n;
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
	for (uint64_t i = 0; i < samples + warmup; i++) {
		t0 = timing_tsc();
		memcpy(ping.data, &t0, sizeof(t0));
		if (echo_send_text(bind_send_fn, &b, &ping) >= 0) {
			sent++;
		}
		if (recv_msg(&type, buf, sizeof(buf)) < 0 ||
		    type != ECHO_MSG_TEXT) {
			printf("chanbench: bad answer\n");
			return 1;
		}
		t1 = timing_tsc();
		if (i >= warmup) { /* warm-up discarded */
			rtt[i - warmup] = t1 - t0;
		}
	}
	timing_sort(rtt, samples);
	t0 = timing_tsc();
	for (uint64_t i = 0; i < rounds; i++) {
		sink.seq = i;
		if (echo_send_sink(bind_send_fn, &b, &sink) >= 0) {
			sent++;
		}
	}
	r = echo_count_call(&b, &cq, &cr, 10 * BIND_SECOND);
	if (r < 0) {
		printf("chanbench: no count from the service: %s\n",
		       err_msg(r));
		return 1;
	}
	sent++; /* the count request and its reply */
	received++;
	count = cr.sinks;
	t1 = timing_tsc();
	if (echo_send_quit(bind_send_fn, &b, &q) >= 0) {
		sent++;
	}
	printf("bench chan %u -> %u: round trip median %lu cycles (%lu ns), "
	       "p99 %lu cycles (%lu ns); one-way %lu messages/s (%lu of %lu "
	       "arrived)\n",
	       in.core_id, b.peer_core, (unsigned long)rtt[samples / 2],
	       (unsigned long)(rtt[samples / 2] * 1000000 / khz),
	       (unsigned long)rtt[samples * 99 / 100],
	       (unsigned long)(rtt[samples * 99 / 100] * 1000000 / khz),
	       (unsigned long)(count * khz * 1000 / ((t1 - t0) ? (t1 - t0) : 1)),
	       (unsigned long)count, (unsigned long)rounds);
	if (n) {
		printf("chanbench: channel messages sent %lu received %lu\n",
		       (unsigned long)sent, (unsigned long)received);
	}
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
