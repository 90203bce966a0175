// SPDX-License-Identifier: MIT
#include "settle.h"
#include <stdio.h>
#include <string.h>
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

int settled_limits(uint32_t core, struct monitor_limits_reply *out)
{
	struct monitor_limits_reply now;
	int same = 0, r = mon_limits(core, out);

	for (int tries = 0; r == 0 && tries < 500 && same < 5; tries++) {
		sys_wait(10000000);
		r = mon_limits(core, &now);
		same = memcmp(&now, out, sizeof(now)) == 0 ? same + 1 : 0;
		*out = now;
	}
	return r;
}

void limits_str(const struct monitor_limits_reply *l, char *buf,
		unsigned long size)
{
	snprintf(buf, size, "%u/%u %u/%u %u/%u %u/%u %u/%u %u/%u %u/%u %u/%u "
			    "%u/%u",
		 l->procs_used, l->procs_size, l->mon_procs_used,
		 l->mon_procs_size, l->relays_used, l->relays_size,
		 l->watch_used, l->watch_size, l->services_used,
		 l->services_size, l->binds_used, l->binds_size,
		 l->borrowed_used, l->borrowed_size, l->chan_used,
		 l->chan_size, l->half_closed_used, l->half_closed_size);
}

int limits_all_take(struct limits_all *out)
{
	struct sys_info in;
	int r, err = 0;

	memset(out, 0, sizeof(*out));
	if ((r = (int)sys_info(&in)) < 0) {
		return r;
	}
	out->ncores = in.ncores < LIMITS_CORES_MAX ? in.ncores
						   : LIMITS_CORES_MAX;
	for (uint32_t c = 0; c < out->ncores; c++) {
		if ((r = settled_limits(c, &out->l[c])) < 0) {
			memset(&out->l[c], 0, sizeof(out->l[c]));
			err = r;
		}
	}
	return err;
}

int limits_all_report(const char *who, const struct limits_all *before,
		      unsigned warmup)
{
	static struct monitor_limits_reply now;
	static char a[LIMITS_STR_MAX], b[LIMITS_STR_MAX];
	int differ = 0;

	for (uint32_t c = 0; c < before->ncores; c++) {
		for (int tries = 0; tries < 3; tries++) {
			if (settled_limits(c, &now) < 0) {
				memset(&now, 0, sizeof(now));
			}
			if (memcmp(&now, &before->l[c], sizeof(now)) == 0) {
				break;
			}
		}
		differ += memcmp(&now, &before->l[c], sizeof(now)) != 0;
		limits_str(&before->l[c], a, sizeof(a));
		limits_str(&now, b, sizeof(b));
		printf("%s: limits of core %u: %s after %u, %s after all\n",
		       who, c, a, warmup, b);
	}
	return differ;
}
