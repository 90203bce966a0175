// SPDX-License-Identifier: MIT
/* spin: burns the CPU without system calls for N rounds (argument, default
 * 3), printing a line per round: shows that the timer preempts it and
 * other processes on its core still run. */
#include <stdio.h>
#include <libos/sys.h>

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? parse(argv[1]) : 3;
	struct sys_info in;

	sys_info(&in);
	for (long r = 1; r <= rounds; r++) {
		uint64_t until = sys_time_ns() + 50000000ull;
		while (sys_time_ns() < until) {
			for (volatile int i = 0; i < 100000; i++) {
			}
		}
		printf("spin on core %u: round %ld of %ld\n", in.core_id, r,
		       rounds);
	}
	return 0;
}
