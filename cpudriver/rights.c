// SPDX-License-Identifier: MIT
/*
 * The rights table (see rights.h). SipHash-2-4 is written here from its
 * specification (Aumasson and Bernstein, 2012): four 64-bit words of
 * state, two compression rounds per 8-byte word, four finalization
 * rounds.
 */
#include "rights.h"
#include <abi/errors.h>
#include <string.h>

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* The state lives in four locals (sip_round inlined on them): as an array
 * in memory with a call per round, a seal's MAC took about 1,000
 * instructions, twice on every borrow (the lender seals, the borrower
 * checks; docs/benchmarks.md, "Borrow within 12 round trips"). */
struct sip {
	uint64_t v0, v1, v2, v3;
};
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "rights_siphash loads its words as SipHash reads them");

static inline __attribute__((always_inline)) void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

static inline __attribute__((always_inline)) void sip_word(struct sip *s,
							    uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t rights_siphash(uint64_t k0, uint64_t k1, const void *data,
			size_t len)
{
	const uint8_t *p = data;
	struct sip s = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	uint64_t last = (uint64_t)len << 56;
	size_t i, whole = len & ~(size_t)7;

	for (i = 0; i < whole; i += 8) {
		uint64_t m;

		/* SipHash reads its words little-endian, as x86 loads them
		 * (the unit test's vectors hold the host to the same) */
		__builtin_memcpy(&m, p + i, sizeof(m));
		sip_word(&s, m);
	}
	for (size_t b = 0; i + b < len; b++) {
		last |= (uint64_t)p[i + b] << (8 * b);
	}
	sip_word(&s, last);
	s.v2 ^= 0xff;
	for (int r = 0; r < 4; r++) {
		sip_round(&s);
	}
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void rights_init(struct rights *r, uint32_t core, uint64_t k0, uint64_t k1,
		 uint64_t bell_ticks)
{
	memset(r, 0, sizeof(*r));
	r->k0 = k0;
	r->k1 = k1;
	r->core = core;
	r->bell_ticks = bell_ticks ? bell_ticks : 1;
}

static uint64_t mac(const struct rights *r, enum seal_kind kind,
		    uint64_t phys, uint64_t size, uint32_t from, uint32_t to,
		    uint32_t to_pid, uint64_t seq)
{
	/* fixed width, in a fixed order: the same bytes on every core; the
	 * 32-bit fields two to a word (five words, not seven: two SipHash
	 * compressions fewer per seal) */
	uint64_t w[5] = {phys, size, seq, (uint64_t)kind << 32 | to_pid,
			 (uint64_t)from << 32 | to};

	return rights_siphash(r->k0, r->k1, w, sizeof(w));
}

void rights_seal(struct rights *r, enum seal_kind kind, uint64_t phys,
		 uint64_t size, uint32_t to_core, uint32_t to_pid,
		 struct sys_seal *out)
{
	out->seq = ++r->seq;
	out->mac = mac(r, kind, phys, size, r->core, to_core, to_pid,
		       out->seq);
}

int rights_unseal(struct rights *r, enum seal_kind kind, uint64_t phys,
		  uint64_t size, uint32_t from_core, uint32_t to_pid,
		  const struct sys_seal *s)
{
	if (from_core >= RIGHTS_MAX_CORES || s->seq == 0 ||
	    mac(r, kind, phys, size, from_core, r->core, to_pid, s->seq) !=
		s->mac) {
		return E_PERM;
	}
	if (kind == SEAL_CHAN) {
		/* once each, in any order within the window */
		uint64_t top = r->chan_top[from_core], d;

		if (s->seq > top) {
			d = s->seq - top;
			r->chan_win[from_core] =
			    d >= 64 ? 1 : r->chan_win[from_core] << d | 1;
			r->chan_top[from_core] = s->seq;
			return 0;
		}
		d = top - s->seq;
		if (d >= 64 || (r->chan_win[from_core] >> d & 1)) {
			return E_PERM;
		}
		r->chan_win[from_core] |= 1ull << d;
		return 0;
	}
	if (kind == SEAL_MEM || kind == SEAL_CLOSE) {
		/* each lent range is adopted once, each close counts once: a
		 * seal used before (or older than one used) would hand out
		 * memory given back, or close a newer channel in the frame */
		uint64_t *last = kind == SEAL_MEM ? &r->mem_seq[from_core]
						  : &r->close_seq[from_core];

		if (s->seq <= *last) {
			return E_PERM;
		}
		*last = s->seq;
	}
	return 0;
}

/* find: pid's row; the row found last is tried first (a doorbell is
 * rung per message to a sleeping peer, mostly by the same process) */
static struct rights_proc *find(struct rights *r, uint32_t pid)
{
	if (pid && r->procs[r->last % RIGHTS_MAX_PROCS].pid == pid) {
		return &r->procs[r->last % RIGHTS_MAX_PROCS];
	}
	for (uint32_t i = 0; i < RIGHTS_MAX_PROCS && pid; i++) {
		if (r->procs[i].pid == pid) {
			r->last = i;
			return &r->procs[i];
		}
	}
	return NULL;
}

int rights_peer_add(struct rights *r, uint32_t pid, uint32_t core)
{
	struct rights_proc *p = find(r, pid);

	if (!p) {
		return E_NOENT;
	}
	if (core >= RIGHTS_MAX_CORES) {
		return E_RANGE;
	}
	p->peers[core / 64] |= 1ull << (core % 64);
	return 0;
}

int rights_proc_add(struct rights *r, uint32_t pid, uint64_t now_tsc)
{
	if (!pid || find(r, pid)) {
		return E_INVAL;
	}
	for (int i = 0; i < RIGHTS_MAX_PROCS; i++) {
		struct rights_proc *p = &r->procs[i];

		if (!p->pid) {
			memset(p, 0, sizeof(*p));
			p->pid = pid;
			p->bell_tokens = RIGHTS_BELL_BURST;
			p->bell_tsc = now_tsc;
			return rights_peer_add(r, pid, r->core);
		}
	}
	return E_FULL;
}

void rights_proc_gone(struct rights *r, uint32_t pid)
{
	struct rights_proc *p = find(r, pid);

	if (p) {
		memset(p, 0, sizeof(*p));
	}
}

int rights_doorbell(struct rights *r, uint32_t pid, uint32_t core,
		    uint64_t now_tsc)
{
	struct rights_proc *p = find(r, pid);
	uint64_t add;

	if (!p) {
		return E_NOENT;
	}
	if (core >= RIGHTS_MAX_CORES ||
	    !(p->peers[core / 64] & (1ull << (core % 64)))) {
		return E_PERM;
	}
	if (now_tsc > p->bell_tsc) {
		add = (now_tsc - p->bell_tsc) / r->bell_ticks;
		if (add >= RIGHTS_BELL_BURST - p->bell_tokens) {
			p->bell_tokens = RIGHTS_BELL_BURST;
			p->bell_tsc = now_tsc;
		} else if (add) {
			p->bell_tokens += (uint32_t)add;
			p->bell_tsc += add * r->bell_ticks;
		}
	}
	if (!p->bell_tokens) {
		return E_AGAIN;
	}
	p->bell_tokens--;
	return 0;
}
