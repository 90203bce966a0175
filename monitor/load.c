// SPDX-License-Identifier: MIT
/*
 * Load: what each monitor tells core 0's of how busy its core is, and the
 * placement of `spawn APP on any` that core 0's monitor makes from it
 * (docs/monitor.md, "Placement").
 *
 * Reports ride on the heartbeat (health.c's beat, once a period): every
 * monitor but core 0's samples its core then (the programs it runs, how
 * many of them are runnable, its partition's free memory) and sends the
 * heartbeat when it sent core 0 nothing else that period (as before) or
 * when its load changed materially since its last report: a program
 * started or ended, or free memory moved by a sixteenth of the partition
 * or more. So an idle core sends nothing extra, and a busy one at most a
 * message a period.
 *
 * Core 0 keeps, on the heap and sized to the cores there are, each core's
 * last report and the `any` spawns it placed there since (a burst of
 * spawns comes faster than reports: each counts as one more runnable
 * program until the core's next report, which counts it itself, or until
 * its exit note passes core 0). Which pids those are is kept for the
 * last FRESH_MAX of them (a longer burst counts the rest until the
 * report). The link is a ring: a report that comes after a spawn's
 * answer or an exit note was sampled after them.
 */
#include "monitor.h"
#include <stdlib.h>

#define MIB (1024ull * 1024)

/* cores other than 0: the last report, and whether a program of ours
 * ended since */
static struct monitor_heartbeat said;
static int ended;

/* core 0: per core, its last report and the spawns placed since; the
 * pids of those spawns (0: a free entry) */
#define FRESH_MAX 64
static struct load {
	uint32_t runnable, live, free_mib;
	uint32_t since; /* `any` spawns placed there since its report */
} *loads;
static uint32_t *fresh;

/* sample: this core's load now (cores other than 0): the driver counts
 * it (SYS_INFO_LOAD), as it does for the heartbeats it sends for us */
static void sample(struct monitor_heartbeat *hb)
{
	struct sys_info in;

	if (sys_info_load(&in) < 0) {
		hb->runnable = hb->live = hb->last_pid = hb->free_mib = 0;
		return;
	}
	hb->runnable = in.load_runnable;
	hb->live = in.load_live;
	hb->last_pid = in.load_last_pid;
	hb->free_mib = (uint32_t)(in.free_bytes / MIB);
}

int load_sample(struct monitor_heartbeat *hb)
{
	uint64_t part = (me.part_end - me.part_base) / MIB;
	uint32_t step = part / 16 > 1 ? (uint32_t)(part / 16) : 1;
	uint32_t d;

	sample(hb);
	d = hb->free_mib > said.free_mib ? hb->free_mib - said.free_mib
					 : said.free_mib - hb->free_mib;
	return ended || hb->runnable != said.runnable ||
	       hb->live != said.live || hb->last_pid != said.last_pid ||
	       d >= step;
}

void load_reported(const struct monitor_heartbeat *hb)
{
	said = *hb;
	ended = 0;
}

/* loads_get: core 0's tables, made on first use (NULL: no memory;
 * placement then takes the lowest-numbered live core) */
static struct load *loads_get(void)
{
	static int tried;

	if (!tried && me.core_id == 0) {
		tried = 1;
		loads = calloc(me.ncores, sizeof(*loads));
		fresh = calloc(FRESH_MAX, sizeof(*fresh));
	}
	return loads && fresh ? loads : NULL;
}

/* fresh_drop: the entry of pid (any pid of core c if pid is 0) goes;
 * returns how many went */
static uint32_t fresh_drop(uint32_t c, uint32_t pid)
{
	uint32_t n = 0;

	for (int i = 0; i < FRESH_MAX; i++) {
		if (fresh[i] &&
		    (pid ? fresh[i] == pid : SYS_PID_CORE(fresh[i]) == c)) {
			fresh[i] = 0;
			n++;
		}
	}
	return n;
}

void load_heard(uint32_t core, const struct monitor_heartbeat *m)
{
	struct load *l = loads_get();

	if (!l || core == 0 || core >= me.ncores) {
		return;
	}
	l[core].runnable = m->runnable;
	l[core].live = m->live;
	l[core].free_mib = m->free_mib;
	/* what it ran when it looked: ours included */
	l[core].since = 0;
	fresh_drop(core, 0);
}

void load_spawned(uint32_t pid)
{
	uint32_t c = SYS_PID_CORE(pid);
	struct load *l = loads_get();

	if (!l || c >= me.ncores) {
		return;
	}
	l[c].since++;
	for (int i = 0; i < FRESH_MAX; i++) {
		if (!fresh[i]) {
			fresh[i] = pid;
			return;
		}
	}
}

void load_exit(uint32_t pid)
{
	uint32_t c = SYS_PID_CORE(pid);

	if (me.core_id != 0) {
		ended |= c == me.core_id; /* reported at the next look */
		return;
	}
	/* one placed since the core's report ended: it counts no more */
	if (loads_get() && c < me.ncores && loads[c].since &&
	    fresh_drop(c, pid)) {
		loads[c].since--;
	}
}

/* lighter: core a is less loaded than core b (runnable, then free
 * memory, then the lower number) */
static int lighter(const struct load *a, uint32_t ca, const struct load *b,
		   uint32_t cb)
{
	uint32_t ra = a->runnable + a->since, rb = b->runnable + b->since;

	if (ra != rb) {
		return ra < rb;
	}
	if (a->free_mib != b->free_mib) {
		return a->free_mib > b->free_mib;
	}
	return ca < cb;
}

uint32_t load_pick(int (*skip)(uint32_t core))
{
	struct load *l = loads_get();
	uint32_t best = 0;

	for (uint32_t c = 1; c < me.ncores; c++) {
		if (skip(c)) {
			continue;
		}
		if (!best || (l && lighter(&l[c], c, &l[best], best))) {
			best = c;
		}
	}
	return best;
}
