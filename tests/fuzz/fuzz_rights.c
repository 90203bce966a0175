// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: sequences of the rights table's operations
 * (cpudriver/rights.c) on three cores' tables, checked against a model
 * written here: a seal is accepted only by the core it was made for,
 * for exactly the object, maker and process it names, a memory seal at
 * most once and only if newer than every one accepted from that lender,
 * a channel seal at most once and only if fewer than 64 behind the
 * newest accepted from its maker; a doorbell goes only to a core the process holds a channel to
 * (its own included), never more than the burst plus one per interval
 * since the process started; everything goes when the process does.
 *
 * Each operation is 8 input bytes: op, then arguments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "rights.h"

#define NCORES 3
#define TICKS 16
#define MAX_SEALS 64
#define MAX_PIDS 40 /* more than the table holds: E_FULL happens */

static struct rights t[NCORES];

struct made {
	struct sys_seal s;
	int kind;
	uint64_t phys, size;
	uint32_t from, to, pid;
};
static struct made seals[MAX_SEALS];
static int nseals;

/* the model of a process row */
struct mproc {
	int live;
	uint64_t peers[RIGHTS_MAX_CORES / 64];
	uint64_t start;	 /* tsc when added */
	uint64_t rung;	 /* doorbells allowed so far */
};
static struct mproc model[NCORES][MAX_PIDS];
static int live_rows[NCORES];
static uint64_t mem_last[NCORES][NCORES];
/* channel seals taken, per receiving and making core (a fuzz input makes
 * far fewer than CHAN_SEQS seals; the model stops at that many) */
#define CHAN_SEQS 4096
static uint8_t chan_used[NCORES][NCORES][CHAN_SEQS];
static uint64_t chan_top[NCORES][NCORES];
static uint64_t now;

static uint32_t pid_of(uint32_t core, uint32_t i)
{
	return (core << 16) | (i + 1);
}

static void check(int cond)
{
	if (!cond) {
		abort();
	}
}

static void op_unseal(const uint8_t *a)
{
	struct made m;
	uint32_t core = a[1] % NCORES, pid;
	int want, r;

	if (!nseals) {
		return;
	}
	m = seals[a[2] % nseals];
	/* maybe change one thing */
	switch (a[3] % 9) {
	case 1:
		m.phys ^= 1ull << (a[4] % 64);
		break;
	case 2:
		m.size += 4096;
		break;
	case 3:
		m.from = (m.from + 1) % NCORES;
		break;
	case 4:
		m.pid ^= 1u << (a[4] % 32);
		break;
	case 5:
		m.kind = m.kind == SEAL_MEM ? SEAL_CHAN : SEAL_MEM;
		break;
	case 6:
		m.s.mac ^= 1ull << (a[4] % 64);
		break;
	case 7:
		m.s.seq += 1 + a[4];
		break;
	default:
		break;
	}
	if (m.s.seq >= CHAN_SEQS) {
		return; /* beyond the model's table (never in practice) */
	}
	pid = m.pid;
	/* the model: exactly a seal that was made, for this core */
	want = 0;
	for (int i = 0; i < nseals; i++) {
		const struct made *s = &seals[i];

		if (s->s.seq == m.s.seq && s->s.mac == m.s.mac &&
		    s->kind == m.kind && s->phys == m.phys &&
		    s->size == m.size && s->from == m.from && s->to == core &&
		    s->pid == pid) {
			want = 1;
		}
	}
	if (want && m.kind == SEAL_MEM && m.s.seq <= mem_last[core][m.from]) {
		want = 0;
	}
	/* a channel seal: once, and fewer than 64 behind the newest taken */
	if (want && m.kind == SEAL_CHAN &&
	    (chan_used[core][m.from][m.s.seq] ||
	     m.s.seq + 64 <= chan_top[core][m.from])) {
		want = 0;
	}
	r = rights_unseal(&t[core], (enum seal_kind)m.kind, m.phys, m.size,
			  m.from, pid, &m.s);
	/* a MAC collision on a changed seal would be a 2^-64 event */
	check(want ? r == 0 : r == E_PERM);
	if (r == 0 && m.kind == SEAL_MEM) {
		mem_last[core][m.from] = m.s.seq;
	}
	if (r == 0 && m.kind == SEAL_CHAN) {
		chan_used[core][m.from][m.s.seq] = 1;
		if (m.s.seq > chan_top[core][m.from]) {
			chan_top[core][m.from] = m.s.seq;
		}
	}
}

static void one(const uint8_t *a)
{
	uint32_t core = a[1] % NCORES, i = a[2] % MAX_PIDS;
	uint32_t pid = pid_of(core, i), peer = a[3];
	struct mproc *p = &model[core][i];
	struct made *m;
	int r, ok;

	switch (a[0] % 7) {
	case 0: /* a process starts */
		r = rights_proc_add(&t[core], pid, now);
		if (p->live) {
			check(r == E_INVAL);
		} else if (live_rows[core] >= RIGHTS_MAX_PROCS) {
			check(r == E_FULL);
		} else {
			check(r == 0);
			memset(p, 0, sizeof(*p));
			p->live = 1;
			p->start = now;
			p->peers[core / 64] |= 1ull << (core % 64);
			live_rows[core]++;
		}
		break;
	case 1: /* it ends */
		rights_proc_gone(&t[core], pid);
		if (p->live) {
			live_rows[core]--;
		}
		p->live = 0;
		break;
	case 2: /* it gets a channel to a process of core peer */
		r = rights_peer_add(&t[core], pid, peer);
		check(r == (p->live ? 0 : E_NOENT));
		if (r == 0) {
			p->peers[peer / 64] |= 1ull << (peer % 64);
		}
		break;
	case 3: /* it rings core peer, 1 to 511 times at one instant: at
		 * most the burst can succeed */
		ok = 0;
		for (int n = 0; n <= 2 * a[4]; n++) {
			r = rights_doorbell(&t[core], pid, peer, now);
			if (!p->live) {
				check(r == E_NOENT);
			} else if (!(p->peers[peer / 64] &
				     (1ull << (peer % 64)))) {
				check(r == E_PERM);
			} else {
				check(r == 0 || r == E_AGAIN);
				p->rung += r == 0;
				ok += r == 0;
				check(ok <= RIGHTS_BELL_BURST);
				/* never beyond the burst plus the refill */
				check(p->rung <= RIGHTS_BELL_BURST +
						     (now - p->start) / TICKS);
			}
		}
		break;
	case 4: /* time passes */
		now += a[4] | (uint64_t)a[5] << 8;
		break;
	case 5: /* a seal is made */
		m = &seals[nseals < MAX_SEALS ? nseals++ : a[6] % MAX_SEALS];
		m->kind = a[4] & 1 ? SEAL_MEM : SEAL_CHAN;
		m->phys = (uint64_t)a[5] << 21;
		m->size = m->kind == SEAL_MEM ? 2ull << 20 : 4096;
		m->from = core;
		m->to = a[3] % NCORES;
		m->pid = a[6] & 1 ? 0 : pid_of(m->to, a[7] % MAX_PIDS);
		rights_seal(&t[core], (enum seal_kind)m->kind, m->phys,
			    m->size, m->to, m->pid, &m->s);
		break;
	default: /* a seal is checked */
		op_unseal(a);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (uint32_t c = 0; c < NCORES; c++) {
		rights_init(&t[c], c, 0x1234, 0x5678, TICKS);
	}
	memset(model, 0, sizeof(model));
	memset(live_rows, 0, sizeof(live_rows));
	memset(mem_last, 0, sizeof(mem_last));
	memset(chan_used, 0, sizeof(chan_used));
	memset(chan_top, 0, sizeof(chan_top));
	nseals = 0;
	now = 0;
	for (size_t off = 0; off + 8 <= size; off += 8) {
		one(data + off);
	}
	return 0;
}
