// SPDX-License-Identifier: MIT
/*
 * spin ROUNDS [TAG [quiet]]: burns the CPU for ROUNDS rounds of 50 ms each
 * (wall time) without yielding, printing "spin TAG on core N: round R of
 * ROUNDS" after each (unless quiet). Two spins on one core finish in an order that shows whether
 * the timer preempts: a 1-round spin started after a 5-round one finishes
 * first only if the core shares its time between them.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/sys.h>

#define SPIN_ROUNDS_MAX 1000000

int main(int argc, char **argv)
{
	long rounds = 3;
	uint64_t v;
	const char *tag = argc > 2 ? argv[2] : "-";
	int quiet = argc > 3 && strcmp(argv[3], "quiet") == 0;
	struct sys_info in;

	if (argc > 1) {
		if (parse_u64(argv[1], 10, SPIN_ROUNDS_MAX, &v) < 0) {
			printf("usage: spin [ROUNDS [TAG [quiet]]]   "
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
		while (sys_time_ns() < until) {
			for (volatile int i = 0; i < 10000; i++) {
			}
		}
		if (!quiet) {
			printf("spin %s on core %u: round %ld of %ld\n", tag,
			       in.core_id, r, rounds);
		}
	}
	return 0;
}
