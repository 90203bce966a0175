// SPDX-License-Identifier: MIT
/*
 * spin ROUNDS [TAG [quiet] [work]]: burns the CPU for ROUNDS rounds without
 * yielding, printing "spin TAG on core N: round R of ROUNDS" after each
 * (unless quiet). A round is 50 ms of wall time, or with `work` a fixed
 * amount of work (SPIN_WORK loops of 10000 steps; about 50 ms on an idle
 * TCG host), whatever the time the core gives it. Two spins on one core
 * finish in an order that shows whether the timer preempts: a 1-round
 * spin started after a many-round one finishes first only if the core
 * shares its time between them; counted in work, that holds however late
 * a loaded host lets the second one start, short of the first's end.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/sys.h>

#define SPIN_ROUNDS_MAX 1000000
#define SPIN_WORK 2000

static void busy(void)
{
	for (volatile int i = 0; i < 10000; i++) {
	}
}

int main(int argc, char **argv)
{
	long rounds = 3;
	uint64_t v;
	const char *tag = argc > 2 ? argv[2] : "-";
	int quiet = 0, work = 0;
	struct sys_info in;

	for (int i = 3; i < argc; i++) {
		quiet |= strcmp(argv[i], "quiet") == 0;
		work |= strcmp(argv[i], "work") == 0;
	}
	if (argc > 1) {
		if (parse_u64(argv[1], 10, SPIN_ROUNDS_MAX, &v) < 0) {
			printf("usage: spin [ROUNDS [TAG [quiet] [work]]]   "
			       "(ROUNDS at most %d)\n",
			       SPIN_ROUNDS_MAX);
			return 2;
		}
		rounds = (long)v;
	}
	if (sys_info(&in) < 0) {
		return 1;
	}
	for (long r = 1; r <= rounds; r++) {
		uint64_t until = sys_time_ns() + 50000000ull;

		if (work) {
			for (int k = 0; k < SPIN_WORK; k++) {
				busy();
			}
		}
		while (!work && sys_time_ns() < until) {
			busy();
		}
		if (!quiet) {
			printf("spin %s on core %u: round %ld of %ld\n", tag,
			       in.core_id, r, rounds);
		}
	}
	return 0;
}
