/* SPDX-License-Identifier: MIT */
/*
 * The rights table: what a core's kernel checks before it maps a frame
 * that is not the caller's own, or rings another core (docs/authority.md).
 *
 * Seals. A right that crosses cores (a channel frame made here for a
 * process of another core, memory lent to another core) travels in the
 * monitors' messages as the object plus a seal: a SipHash-2-4 MAC, under
 * a key every core's kernel has and no program can read, over what the
 * right is (kind, frame, size, the core that made it, the core and
 * process it is for, a sequence number). The kernel that receives it
 * recomputes the MAC from what it knows itself (the frame's partition
 * names the core that made it; it is itself the core the right is for)
 * and refuses anything else: a monitor, however confused, can map only a
 * frame another kernel made for exactly that purpose and that process,
 * and no kernel reads another's memory to find out. Every seal is
 * accepted once: memory and close seals must grow per making core,
 * channel seals may come out of order within a window of 64 (binds in
 * flight pass each other) but never twice, so a frame reused for a new
 * channel cannot be mapped with an old seal.
 *
 * Closing across cores. A channel frame of this core whose other end is
 * on another core is freed only when both ends are closed: the other
 * core's kernel seals a close (SEAL_CLOSE, over the frame, for this core;
 * sequence numbers grow per closing core, so an old close is never taken
 * for a new channel in the same frame) and its monitor passes it on. The
 * table remembers a frame whose one end closed until the other does.
 *
 * Doorbells. A process may ring only cores where it holds a channel
 * endpoint (its own core, the cores of the peers of the channels it was
 * given), at most RIGHTS_BELL_BURST at once and one per bell interval
 * after that (a token bucket): E_PERM and E_AGAIN otherwise.
 *
 * Pure code over a struct the caller owns (one per core); host unit
 * tests and a fuzz target run it as it is.
 */
#ifndef CPUDRIVER_RIGHTS_H
#define CPUDRIVER_RIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include <abi/syscall.h>

#define RIGHTS_MAX_CORES 256
#define RIGHTS_MAX_PROCS 32
#define RIGHTS_BELL_BURST 256

enum seal_kind { SEAL_CHAN = 1, SEAL_MEM = 2, SEAL_CLOSE = 3 };

struct rights_proc {
	uint32_t pid;	      /* 0: free */
	uint32_t bell_tokens; /* doorbells it may ring now */
	uint64_t bell_tsc;    /* when the tokens were last counted */
	uint64_t peers[RIGHTS_MAX_CORES / 64]; /* cores it may ring */
};

struct rights {
	uint64_t k0, k1;	/* the seal key */
	uint32_t core;		/* the core this table belongs to */
	uint32_t last;		/* the row found last (a hint) */
	uint64_t seq;		/* the last seal made here */
	uint64_t bell_ticks;	/* TSC ticks per doorbell token */
	uint64_t mem_seq[RIGHTS_MAX_CORES]; /* last memory seal accepted,
					       per lending core */
	uint64_t close_seq[RIGHTS_MAX_CORES]; /* last close accepted, per
						 closing core */
	uint64_t chan_top[RIGHTS_MAX_CORES]; /* newest channel seal accepted,
						per making core */
	uint64_t chan_win[RIGHTS_MAX_CORES]; /* bit d: seal chan_top - d
						accepted (d < 64) */
	struct rights_proc procs[RIGHTS_MAX_PROCS];
};

/* rights_siphash: SipHash-2-4 of len bytes under key (k0, k1) */
uint64_t rights_siphash(uint64_t k0, uint64_t k1, const void *data,
			size_t len);

/* rights_init: an empty table for core, with the seal key and the
 * doorbell rate (TSC ticks per doorbell after the burst) */
void rights_init(struct rights *r, uint32_t core, uint64_t k0, uint64_t k1,
		 uint64_t bell_ticks);

/* rights_seal: seal the right of kind over [phys, phys+size), made on
 * this core for process to_pid (0: the monitor) of core to_core */
void rights_seal(struct rights *r, enum seal_kind kind, uint64_t phys,
		 uint64_t size, uint32_t to_core, uint32_t to_pid,
		 struct sys_seal *out);

/* rights_unseal: is s a seal that core from_core made for this core's
 * process to_pid (0: the monitor) over exactly that right? 0, or E_PERM
 * (wrong seal, or a seal already used: a memory or close seal older than
 * one used, a channel seal used before or 64 or more older than the
 * newest used from that core, since channel frames are reused) */
int rights_unseal(struct rights *r, enum seal_kind kind, uint64_t phys,
		  uint64_t size, uint32_t from_core, uint32_t to_pid,
		  const struct sys_seal *s);

/* rights_proc_add: process pid starts, holding a doorbell to its own
 * core; E_FULL if the table is full, E_INVAL for pid 0 or a pid held */
int rights_proc_add(struct rights *r, uint32_t pid, uint64_t now_tsc);

/* rights_proc_gone: process pid ended: everything it held goes */
void rights_proc_gone(struct rights *r, uint32_t pid);

/* rights_peer_add: pid holds a channel to a process of core; E_NOENT if
 * pid is not in the table, E_RANGE for a core out of range */
int rights_peer_add(struct rights *r, uint32_t pid, uint32_t core);

/* rights_doorbell: may pid ring core now (and it counts)? 0; E_NOENT
 * (pid unknown), E_PERM (no channel to that core), E_AGAIN (too many) */
int rights_doorbell(struct rights *r, uint32_t pid, uint32_t core,
		    uint64_t now_tsc);


#endif
