// SPDX-License-Identifier: MIT
/*
 * memhog MIB: maps MIB MiB of memory in 1 MiB steps, borrowing from
 * another core through the monitors whenever this core runs out, touches
 * every page, and prints "memhog: N MiB on core C (partition P MiB,
 * borrowed B times)". Exits 0 on success; memory goes back with it.
 */
#include <stdio.h>
#include <parse.h>
#include <libos/mon.h>
#include <libos/sys.h>

int main(int argc, char **argv)
{
	uint64_t want = 8, got = 0, step = 1ull << 20;
	unsigned borrowed = 0;
	struct sys_info in;

	if (argc > 1 && parse_u64(argv[1], 10, UINT64_MAX >> 20, &want) < 0) {
		printf("usage: memhog [MIB]\n");
		return 2;
	}
	if (sys_info(&in) < 0) {
		return 1;
	}
	while (got < want) {
		long va = sys_mem_map(step);
		if (va == E_NOMEM) {
			int r = mon_borrow(4 * step);
			if (r < 0) {
				printf("memhog: out of memory after %lu MiB, "
				       "nobody lends: %s\n",
				       (unsigned long)got, err_msg(r));
				return 1;
			}
			borrowed++;
			continue;
		}
		if (va < 0) {
			printf("memhog: %s\n", err_msg((int)va));
			return 1;
		}
		for (uint64_t o = 0; o < step; o += 4096) {
			((volatile uint8_t *)va)[o] = (uint8_t)(o >> 12);
		}
		got++;
	}
	printf("memhog: %lu MiB on core %u (partition %lu MiB, borrowed %u "
	       "times)\n",
	       (unsigned long)got, in.core_id,
	       (unsigned long)((in.part_end - in.part_base) >> 20), borrowed);
	return 0;
}
