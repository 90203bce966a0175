/* SPDX-License-Identifier: MIT */
/*
 * The monitors' rules for privileged operations (docs/authority.md):
 * pure functions of what the monitors vouch for, no system calls, so a
 * host unit test (tests/unit/test_policy.c) checks them as they are.
 */
#ifndef MONITOR_POLICY_H
#define MONITOR_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* live children a process without the admin right may have at once (its
 * own monitor counts them: every spawn_req and exit note passes it) */
#define SPAWN_QUOTA 4
/* process slots of a core (of its 32) that only monitors and admins may
 * fill: a program and its children's children cannot take the last ones */
#define SLOT_RESERVE 4
/* memory a process without the admin right may borrow in its life */
#define BORROW_CAP (32ull << 20)
/* what a lender keeps free of its partition: an eighth, at least 8 MiB */
#define LEND_RESERVE_MIN (8ull << 20)

/* kill_rule: NULL if process `by`, holding `by_rights`, may end `target`
 * (spawned by `spawner`, 0: by its monitor) on the core of monitor
 * `monitor`; else the rule it breaks, for the log */
const char *kill_rule(uint32_t by, uint32_t by_rights, uint32_t target,
		      uint32_t spawner, uint32_t monitor);

/* spawn_rights_rule: NULL if an asker holding by_rights may give a new
 * program `asked` */
const char *spawn_rights_rule(uint32_t asked, uint32_t by_rights);

/* spawn_slot_rule: NULL if an asker holding by_rights may take one of
 * the core's `free` process slots */
const char *spawn_slot_rule(uint32_t free, uint32_t by_rights);

/* reserved_owner: the program a driver's service name belongs to (net:
 * netd, store: store), or NULL; the manifest's `service` lines come first
 * (the caller asks SYS_BOOT_SERVICE) */
const char *reserved_owner(const char *name);

/* export_rule: NULL if a process running by_app (started by a monitor or
 * an admin's spawn if by_start) may export a name reserved for `owner`
 * (NULL: not reserved) */
const char *export_rule(const char *owner, const char *by_app,
			uint32_t by_start);

/* borrow_rule: NULL if a process holding `rights` that borrowed
 * `borrowed` bytes so far may borrow `bytes` more */
const char *borrow_rule(uint64_t borrowed, uint64_t bytes, uint32_t rights);

/* lend_reserve: what a lender with a partition of part bytes keeps free */
uint64_t lend_reserve(uint64_t part);

/* lend_rule: NULL if a lender with `free` bytes free of a part-byte
 * partition may lend `bytes` */
const char *lend_rule(uint64_t free, uint64_t part, uint64_t bytes);

/* lender_choice: the core a monitor on core `me` asks to lend `bytes`,
 * from what it knows of each core c < ncores: free_mib[c] (what c last
 * reported free, MiB) of a part_mib[c]-MiB partition. The core with the
 * most free memory that lend_rule lets lend, never `me`; but `last` (the
 * core that lent last, -1: none) while it has at least 7/8 of that most
 * (its pieces are adjacent, so they merge in the borrower's table); ties
 * go to the first after me. -1 if no core can lend. */
int lender_choice(const uint32_t *free_mib, const uint32_t *part_mib,
		  uint32_t ncores, uint32_t me, int last, uint64_t bytes);

/*
 * The live children of the programs of one core, kept by their monitor:
 * a spawn is counted from the request (pending, by the asker's call id),
 * so requests sent together cannot pass the quota; its reply settles it
 * (the child's pid, or gone); the child's exit note, or the asker's own
 * exit, ends it. A pending entry no reply settled (a relay that timed
 * out) lapses after `lapse_ns`.
 */
#define KIDS_MAX (32 * SPAWN_QUOTA)

struct kids {
	struct {
		uint32_t parent; /* 0: free */
		uint32_t call;	 /* the asker's call id while pending */
		uint32_t child;	 /* 0: pending */
		uint64_t since;	 /* when it was asked */
	} e[KIDS_MAX];
};

/* kids_count: parent's live and pending children at `now` */
uint32_t kids_count(struct kids *k, uint32_t parent, uint64_t now,
		    uint64_t lapse_ns);
/* kids_reserve: count a spawn parent asks for with call id `call`;
 * E_TOOBIG if it has SPAWN_QUOTA already (or the table is full) */
int kids_reserve(struct kids *k, uint32_t parent, uint32_t call, uint64_t now,
		 uint64_t lapse_ns);
/* kids_settle: parent's pending spawn `call` started child (0: failed) */
void kids_settle(struct kids *k, uint32_t parent, uint32_t call,
		 uint32_t child);
/* kids_exit: pid ended: it is nobody's child any more, and its own
 * children count against nobody */
void kids_exit(struct kids *k, uint32_t pid);

#endif
