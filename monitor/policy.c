// SPDX-License-Identifier: MIT
/*
 * The monitors' rules for privileged operations (see policy.h). Each rule
 * returns NULL when the operation is allowed, else the rule it breaks as
 * the log line words it.
 */
#include "policy.h"
#include <abi/errors.h>
#include <abi/syscall.h>
#include <string.h>

const char *kill_rule(uint32_t by, uint32_t by_rights, uint32_t target,
		      uint32_t spawner, uint32_t monitor)
{
	if ((by_rights & SYS_RIGHT_ADMIN) || (by && by == monitor) ||
	    (by && by == target) || (spawner && by == spawner)) {
		return NULL;
	}
	return "not its spawner, not admin";
}

const char *spawn_rights_rule(uint32_t asked, uint32_t by_rights)
{
	return (asked & ~by_rights) ? "asks for rights it does not hold" : NULL;
}

const char *spawn_slot_rule(uint32_t free, uint32_t by_rights)
{
	if (by_rights & SYS_RIGHT_ADMIN) {
		return free ? NULL : "no process slot is free";
	}
	return free > SLOT_RESERVE ? NULL
				   : "the last 4 process slots are kept for "
				     "monitors and admins";
}

static const struct {
	const char *name, *program;
} driver_names[] = {
    {"net", "netd"},
    {"store", "store"},
    {"trace", "traced"},
};

const char *reserved_owner(const char *name)
{
	for (size_t i = 0; i < sizeof(driver_names) / sizeof(driver_names[0]);
	     i++) {
		if (strcmp(name, driver_names[i].name) == 0) {
			return driver_names[i].program;
		}
	}
	return NULL;
}

const char *export_rule(const char *owner, const char *by_app,
			uint32_t by_start)
{
	if (!owner) {
		return NULL;
	}
	if (strcmp(owner, by_app) != 0) {
		return "the name is reserved for another program";
	}
	return by_start ? NULL
			: "reserved names are exported only by a program a "
			  "monitor or an admin started";
}

const char *borrow_rule(uint64_t borrowed, uint64_t bytes, uint32_t rights)
{
	if (rights & SYS_RIGHT_ADMIN) {
		return NULL;
	}
	return bytes > BORROW_CAP || borrowed > BORROW_CAP - bytes
		   ? "past the 32 MiB a non-admin process may borrow"
		   : NULL;
}

uint64_t lend_reserve(uint64_t part)
{
	return part / 8 > LEND_RESERVE_MIN ? part / 8 : LEND_RESERVE_MIN;
}

const char *lend_rule(uint64_t free, uint64_t part, uint64_t bytes)
{
	uint64_t keep = lend_reserve(part);

	return free < keep || bytes > free - keep
		   ? "it would leave less than its reserve free"
		   : NULL;
}

static int can_lend(const uint32_t *free_mib, const uint32_t *part_mib,
		    uint32_t c, uint64_t bytes)
{
	return !lend_rule((uint64_t)free_mib[c] << 20,
			  (uint64_t)part_mib[c] << 20, bytes);
}

int lender_choice(const uint32_t *free_mib, const uint32_t *part_mib,
		  uint32_t ncores, uint32_t me, int last, uint64_t bytes)
{
	int best = -1;
	uint32_t most = 0;

	/* the cores after me, then those before: a core is weighed (its
	 * reserve worked out) only if it has more than the best so far; at
	 * 64 cores this walk was a fifth of a borrow's instructions on the
	 * borrower's core (docs/benchmarks.md, "Passes over the hot
	 * links") */
	for (uint32_t k = 1, c = me + 1; k < ncores; k++, c++) {
		if (c >= ncores) {
			c = 0;
		}
		if ((best < 0 || free_mib[c] > most) &&
		    can_lend(free_mib, part_mib, c, bytes)) {
			best = (int)c;
			most = free_mib[c];
		}
	}
	if (best >= 0 && last >= 0 && (uint32_t)last < ncores &&
	    (uint32_t)last != me && last != best &&
	    can_lend(free_mib, part_mib, (uint32_t)last, bytes) &&
	    free_mib[last] >= free_mib[best] - free_mib[best] / 8) {
		best = last;
	}
	return best;
}

uint32_t kids_count(struct kids *k, uint32_t parent, uint64_t now,
		    uint64_t lapse_ns)
{
	uint32_t n = 0;

	for (int i = 0; i < KIDS_MAX; i++) {
		if (!k->e[i].parent) {
			continue;
		}
		if (!k->e[i].child && now - k->e[i].since > lapse_ns) {
			k->e[i].parent = 0; /* no reply came: it lapsed */
			continue;
		}
		n += k->e[i].parent == parent;
	}
	return n;
}

int kids_reserve(struct kids *k, uint32_t parent, uint32_t call, uint64_t now,
		 uint64_t lapse_ns)
{
	if (!parent || kids_count(k, parent, now, lapse_ns) >= SPAWN_QUOTA) {
		return E_TOOBIG;
	}
	for (int i = 0; i < KIDS_MAX; i++) {
		if (!k->e[i].parent) {
			k->e[i].parent = parent;
			k->e[i].call = call;
			k->e[i].child = 0;
			k->e[i].since = now;
			return 0;
		}
	}
	return E_TOOBIG;
}

void kids_settle(struct kids *k, uint32_t parent, uint32_t call, uint32_t child)
{
	for (int i = 0; i < KIDS_MAX; i++) {
		if (parent && k->e[i].parent == parent && !k->e[i].child &&
		    k->e[i].call == call) {
			k->e[i].child = child;
			k->e[i].parent = child ? parent : 0;
			return;
		}
	}
}

void kids_exit(struct kids *k, uint32_t pid)
{
	for (int i = 0; i < KIDS_MAX; i++) {
		if (pid && k->e[i].parent &&
		    (k->e[i].child == pid || k->e[i].parent == pid)) {
			k->e[i].parent = 0;
		}
	}
}
