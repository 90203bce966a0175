// SPDX-License-Identifier: MIT
#include "settle.h"
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

static uint64_t free_kib(uint32_t core)
{
	static struct monitor_core_stat_reply st;

	return mon_core_stat(core, &st) < 0 ? 0 : st.free_bytes >> 10;
}

uint64_t settled_free_kib(uint32_t core)
{
	uint64_t last = free_kib(core), now;
	int same = 0;

	for (int tries = 0; tries < 500 && same < 5; tries++) {
		sys_wait(10000000);
		now = free_kib(core);
		same = now == last ? same + 1 : 0;
		last = now;
	}
	return last;
}
