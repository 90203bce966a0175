// SPDX-License-Identifier: MIT
/*
 * remotebench [ROUNDS]: the `remote` benchmark's program (the shell's
 * `bench remote` runs it on core 0). With N cores it times, ROUNDS times
 * each after a warm-up, and prints one line per operation:
 *
 *   bench remote OP: cores N median_ns X p99_ns Y msgs M
 *
 *   spawn   start a program on core N-1 (until the spawn's answer; the
 *           program exits at once and is waited for outside the timing)
 *   borrow  borrow 2 MiB from another core's partition (at most
 *           BORROW_MAX rounds: what is borrowed stays until we exit)
 *   unicast an operation every monitor acknowledges, sent by core 0 to
 *           each core (mon_agree, agree.c)
 *   tree    the same down a FANOUT-ary tree of monitors
 *   local   an empty call to our own monitor (mon_ping): the two
 *           same-core hand-offs every operation above starts and ends
 *           with, so that an all-core operation can be judged without
 *           them (docs/benchmarks.md, "Agreement: where its
 *           instructions go")
 *
 * M is inter-monitor messages per operation: for spawn and borrow the
 * change in core 0's monitor's link count (every message of the star
 * passes core 0: it counts each once, sent or received), including the
 * spawned program's exit notes; for unicast and tree what the operation
 * itself added up (local: 0, nothing leaves core 0). Then `bench remote
 * done: cores N`, or `bench remote failed: WHY`. remotebench nop exits at
 * once.
 *
 * remotebench agree unicast|tree [ROUNDS] times that operation alone
 * (its line, then the same last line): a trace of agreement alone, and
 * tests of an agreement that cannot complete (tests/system/agree-*.test).
 * remotebench local [ROUNDS] times the local call alone (a profile of it:
 * docs/benchmarks.md, "Agreement: where its instructions go").
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/mon.h>
#include <monitor_if.h>
#include <libos/sys.h>
#include <libos/timing.h>

#define ROUNDS_MAX 1000
#define BORROW_MAX 16 /* 32 MiB, kept until we exit: what a program
			 * without the admin right may borrow (policy.c) */
#define BORROW_BYTES (2ull << 20)
#define FANOUT 4
#define WARMUP 2

static uint64_t t[ROUNDS_MAX];
static struct sys_info me;

static int failed(const char *what, int err)
{
	printf("bench remote failed: %s: %s\n", what, err_msg(err));
	return 1;
}

/* link_msgs: core 0's monitor's link message count (asked locally) */
static int link_msgs(uint64_t *out)
{
	struct monitor_core_stat_reply st;
	int r = mon_core_stat(me.core_id, &st);

	*out = r == 0 ? st.link_msgs : 0;
	return r;
}

/* report: n samples in t (TSC cycles), msgs messages over n operations */
static void report(const char *op, int n, uint64_t msgs)
{
	uint64_t khz = me.tsc_khz ? me.tsc_khz : 1;
	uint64_t m100 = msgs * 100 / (uint64_t)n;

	timing_sort(t, (size_t)n);
	printf("bench remote %s: cores %u median_ns %lu p99_ns %lu msgs "
	       "%lu.%02lu\n",
	       op, me.ncores, (unsigned long)(t[n / 2] * 1000000 / khz),
	       (unsigned long)(t[n * 99 / 100] * 1000000 / khz),
	       (unsigned long)(m100 / 100), (unsigned long)(m100 % 100));
}

/* report_counted: report, with core 0's link messages since it counted
 * m0 */
static int report_counted(const char *op, int n, uint64_t m0)
{
	uint64_t m1;
	int r = link_msgs(&m1);

	if (r < 0) {
		return failed("core_stat", r);
	}
	report(op, n, m1 - m0);
	return 0;
}

static int bench_spawn(int rounds)
{
	uint32_t target = me.ncores - 1, pid, gone;
	uint64_t m0 = 0, t0;
	int64_t status;
	int r;

	for (int i = -WARMUP; i < rounds; i++) {
		if (i == 0 && (r = link_msgs(&m0)) < 0) {
			return failed("core_stat", r);
		}
		t0 = timing_tsc();
		r = mon_spawn("remotebench", "nop", target, &pid);
		if (r < 0) {
			return failed("spawn", r);
		}
		if (i >= 0) {
			t[i] = timing_tsc() - t0;
		}
		do {
			r = mon_wait_exit(&gone, &status);
		} while (r == 0 && gone != pid);
		if (r < 0) {
			return failed("wait", r);
		}
	}
	return report_counted("spawn", rounds, m0);
}

static int bench_borrow(int rounds)
{
	uint64_t m0 = 0, t0;
	int r;

	if (rounds > BORROW_MAX) {
		rounds = BORROW_MAX;
	}
	if ((r = link_msgs(&m0)) < 0) {
		return failed("core_stat", r);
	}
	for (int i = 0; i < rounds; i++) {
		t0 = timing_tsc();
		r = mon_borrow(BORROW_BYTES);
		t[i] = timing_tsc() - t0;
		if (r < 0) {
			return failed("borrow", r);
		}
	}
	return report_counted("borrow", rounds, m0);
}

static int bench_agree(int tree, int rounds)
{
	struct monitor_agree_reply rep;
	uint64_t msgs = 0, t0;
	int r;

	for (int i = -WARMUP; i < rounds; i++) {
		t0 = timing_tsc();
		r = mon_agree(tree, FANOUT, &rep);
		if (i >= 0) {
			t[i] = timing_tsc() - t0;
			msgs += rep.msgs;
		}
		if (r < 0) {
			return failed(tree ? "tree" : "unicast", r);
		}
		if (rep.cores != me.ncores) {
			printf("bench remote failed: %s: %u of %u monitors "
			       "acknowledged\n",
			       tree ? "tree" : "unicast", rep.cores, me.ncores);
			return 1;
		}
	}
	report(tree ? "tree" : "unicast", rounds, msgs);
	return 0;
}

static int bench_local(int rounds)
{
	uint64_t m0 = 0, t0;
	int r;

	for (int i = -WARMUP; i < rounds; i++) {
		if (i == 0 && (r = link_msgs(&m0)) < 0) {
			return failed("core_stat", r);
		}
		t0 = timing_tsc();
		r = mon_ping();
		if (i >= 0) {
			t[i] = timing_tsc() - t0;
		}
		if (r < 0) {
			return failed("local", r);
		}
	}
	return report_counted("local", rounds, m0);
}

int main(int argc, char **argv)
{
	int rounds = 20, agree = -1, a = 1;
	int (*one)(int) = NULL; /* local or borrow: that alone */

	if (argc > 1 && strcmp(argv[1], "nop") == 0) {
		return 0;
	}
	if (sys_info(&me) < 0) {
		return 1;
	}
	if (argc > 2 && strcmp(argv[1], "agree") == 0) {
		agree = strcmp(argv[2], "unicast") == 0 ? 0
			: strcmp(argv[2], "tree") == 0	? 1
							: -2;
		a = 3;
	} else if (argc > 1 && strcmp(argv[1], "local") == 0) {
		one = bench_local;
		a = 2;
	} else if (argc > 1 && strcmp(argv[1], "borrow") == 0) {
		one = bench_borrow;
		a = 2;
	}
	if (argc > a) {
		uint64_t v;

		rounds = parse_u64(argv[a], 10, ROUNDS_MAX, &v) < 0 ? -1 : (int)v;
	}
	if (agree == -2 || argc > a + 1 || rounds < 1 || rounds > ROUNDS_MAX) {
		printf("usage: remotebench [ROUNDS]   (1..%d)\n"
		       "       remotebench agree unicast|tree [ROUNDS]\n"
		       "       remotebench local|borrow [ROUNDS]\n",
		       ROUNDS_MAX);
		return 2;
	}
	if (me.ncores < 2) {
		printf("bench remote failed: needs at least 2 cores\n");
		return 1;
	}
	if (one		 ? one(rounds)
	    : agree >= 0 ? bench_agree(agree, rounds)
			 : bench_spawn(rounds) || bench_borrow(rounds) ||
			       bench_agree(0, rounds) ||
			       bench_agree(1, rounds) || bench_local(rounds)) {
		return 1;
	}
	printf("bench remote done: cores %u\n", me.ncores);
	return 0;
}
