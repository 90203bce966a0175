// SPDX-License-Identifier: MIT
/*
 * memhog MIB [forge]: maps MIB MiB of memory in 1 MiB steps, borrowing
 * from another core through the monitors whenever this core runs out,
 * touches every page, and prints "memhog: N MiB on core C (partition P
 * MiB, borrowed B times)"; then, from what the monitors say (no console
 * line of theirs), "memhog: core L lent M MiB" for each core whose free
 * memory fell by 2 MiB or more since the start, and "memhog: core C holds
 * R borrowed ranges" (its `limits`: adjacent pieces merged). Exits 0 on
 * success; memory goes back with it.
 *
 * With `forge` it then sends its monitor what only monitors may send: a
 * give_back of every 2 MiB piece at the top of the lender's partition
 * (where lent memory comes from), so that the lender would take back
 * memory this program still uses; the monitor must refuse them all. It
 * then checks that every page still holds what it wrote: "memhog: N MiB
 * intact after K forged give-backs".
 *
 * With `hold` it prints "memhog: holding" and keeps its memory for 60 s
 * (the shell's `mem` can be read meanwhile), then exits.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/binding.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

/* forge: give_backs of the lender's top 32 MiB, as if from a monitor;
 * then a call, answered only after the monitor has read them all */
static int forge(uint32_t lender)
{
	static struct monitor_core_stat_reply st;
	struct binding *b = mon_binding();
	uint8_t buf[CHAN_MSG_MAX];
	int n, k;

	if (!b || mon_core_stat(lender, &st) < 0) {
		return -1;
	}
	for (k = 1; k <= 16; k++) {
		struct monitor_give_back g = {lender,
					      st.part_end - k * (2ull << 20),
					      2ull << 20};

		n = monitor_give_back_marshal(&g, buf, sizeof(buf));
		if (n < 0 || bind_send(b, MONITOR_MSG_GIVE_BACK, buf,
				       (size_t)n) < 0) {
			return -1;
		}
	}
	return mon_core_stat(lender, &st) < 0 ? -1 : k - 1;
}

#define CORES 16 /* the lenders it reports on */

int main(int argc, char **argv)
{
	static uint64_t free0[CORES];
	struct monitor_limits_reply lim;
	uint64_t want = 8, got = 0, step = 1ull << 20, first = 0;
	unsigned borrowed = 0;
	struct sys_info in;
	int forged;

	if (argc > 1 && parse_u64(argv[1], 10, UINT64_MAX >> 20, &want) < 0) {
		printf("usage: memhog [MIB]\n");
		return 2;
	}
	if (sys_info(&in) < 0) {
		return 1;
	}
	for (uint32_t c = 0; c < in.ncores && c < CORES; c++) {
		struct monitor_core_stat_reply st;
		free0[c] = mon_core_stat(c, &st) == 0 ? st.free_bytes : 0;
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
			((volatile uint8_t *)va)[o] = (uint8_t)(o >> 12 ^ got);
		}
		first = got ? first : (uint64_t)va;
		got++;
	}
	printf("memhog: %lu MiB on core %u (partition %lu MiB, borrowed %u "
	       "times)\n",
	       (unsigned long)got, in.core_id,
	       (unsigned long)((in.part_end - in.part_base) >> 20), borrowed);
	for (uint32_t c = 0; c < in.ncores && c < CORES; c++) {
		struct monitor_core_stat_reply st;
		if (c != in.core_id && mon_core_stat(c, &st) == 0 &&
		    st.free_bytes + (2ull << 20) <= free0[c]) {
			printf("memhog: core %u lent %lu MiB\n", c,
			       (unsigned long)((free0[c] - st.free_bytes) >>
					       20));
		}
	}
	if (mon_limits(in.core_id, &lim) == 0) {
		printf("memhog: core %u holds %u borrowed ranges\n",
		       in.core_id, lim.borrowed_used);
	}
	if (argc > 2 && strcmp(argv[2], "forge") == 0) {
		forged = forge((in.core_id + 1) % in.ncores);
		if (forged < 0) {
			printf("memhog: could not forge give-backs\n");
			return 1;
		}
		/* the heap is one run: step i at first + i MiB */
		for (uint64_t i = 0; i < got; i++) {
			for (uint64_t o = 0; o < step; o += 4096) {
				volatile uint8_t *p =
				    (volatile uint8_t *)(first + i * step + o);
				if (*p != (uint8_t)(o >> 12 ^ i)) {
					printf("memhog: memory changed at "
					       "0x%lx after forged "
					       "give-backs\n",
					       (unsigned long)(first + i * step +
							       o));
					return 1;
				}
			}
		}
		printf("memhog: %lu MiB intact after %d forged give-backs\n",
		       (unsigned long)got, forged);
	}
	if (argc > 2 && strcmp(argv[2], "hold") == 0) {
		uint64_t end = sys_time_ns() + 60ull * 1000 * 1000 * 1000;

		printf("memhog: holding\n");
		while (sys_time_ns() < end) {
			sys_wait(end - sys_time_ns());
		}
	}
	return 0;
}
