// SPDX-License-Identifier: MIT
/*
 * Lending memory between partitions (docs/monitor.md, "Lending memory"):
 * a program's borrow request becomes a lend request to a lender; the
 * answer is adopted here; unused borrowed ranges go back after exits.
 * A program without the admin right may ask for BORROW_CAP in its life
 * (its monitor counts what it asked for); a lender keeps a reserve of its
 * partition free (lend_reserve: an eighth, at least 8 MiB) and refuses
 * what would go below it (policy.h).
 *
 * The lender is the core with the most free memory as far as this
 * monitor knows (lender_choice, policy.c): every lend reply carries the
 * lender's free memory, what goes back is added to it, and a core not
 * heard from yet counts as its whole partition. A refusal (the estimate
 * was stale) makes that core count as unable to lend that much and the
 * next one is asked, so at most every other core once. Nothing is printed
 * on this path but refusals.
 */
#include "monitor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t borrowed_ranges;

/* what this monitor knows of each core's memory, in MiB */
static uint32_t free_mib[MAX_CORES], part_mib[MAX_CORES];
static int known_init, last_lender = -1;

/* borrows waiting for a lender's answer: what a retry needs */
#define ASKS 8
static struct ask {
	int used;
	int from;	  /* the program's route */
	uint32_t back_id; /* its call id */
	uint32_t lender;
	uint32_t tries; /* lenders asked: each other core at most once */
	uint64_t bytes;
} asks[ASKS];
static unsigned ask_next;

/* what this core lent and did not get back, and to whom (on the heap,
 * grown to need: only a lender has any): when the borrower is lost, it
 * comes back here (memory_core_lost). Pieces are whole 2 MiB. */
static struct lent {
	uint64_t base, size; /* size 0: free */
	uint32_t to;
} *lent;
static uint32_t nlent;

static void lent_add(uint64_t base, uint64_t size, uint32_t to)
{
	struct lent *n, *spare = 0;

	/* a piece lent right below (lenders lend downwards) or above one
	 * lent to the same core joins its record: one record per borrower
	 * while it borrows in a row */
	for (uint32_t i = 0; i < nlent; i++) {
		struct lent *l = &lent[i];

		if (l->size && l->to == to && l->base == base + size) {
			l->base = base;
			l->size += size;
			return;
		}
		if (l->size && l->to == to && l->base + l->size == base) {
			l->size += size;
			return;
		}
		if (!l->size && !spare) {
			spare = l;
		}
	}
	if (spare) {
		*spare = (struct lent){base, size, to};
		return;
	}
	n = realloc(lent, (nlent ? nlent * 2 : 4) * sizeof(*n));
	if (!n) {
		printf("monitor %u: no memory to note a lend to core %u: "
		       "lost with it if it fails\n",
		       me.core_id, to);
		return;
	}
	lent = n;
	memset(lent + nlent, 0, (nlent ? nlent : 4) * sizeof(*n));
	lent[nlent] = (struct lent){base, size, to};
	nlent = nlent ? nlent * 2 : 4;
}

/* lent_cut: [base, base + size) came back: no record covers it any more
 * (a record split in two keeps its upper part in a new one) */
static void lent_cut(uint64_t base, uint64_t size)
{
	uint64_t end = base + size;

	for (uint32_t i = 0; i < nlent; i++) {
		struct lent *l = &lent[i];
		uint64_t lend = l->base + l->size;

		if (!l->size || end <= l->base || lend <= base) {
			continue;
		}
		if (base > l->base && end < lend) {
			uint32_t to = l->to;

			l->size = base - l->base;
			lent_add(end, lend - end, to); /* may move lent */
			return;
		}
		if (base <= l->base) {
			l->size = end >= lend ? 0 : lend - end;
			l->base = end >= lend ? 0 : end;
		} else {
			l->size = base - l->base;
		}
	}
}

static void known_start(void)
{
	struct sys_core sc;

	if (known_init) {
		return;
	}
	known_init = 1;
	for (uint32_t c = 0; c < me.ncores && c < MAX_CORES; c++) {
		if (sys_core_info(c, &sc) == 0 && sc.part_end > sc.part_base) {
			part_mib[c] = free_mib[c] =
			    (uint32_t)((sc.part_end - sc.part_base) >> 20);
		}
	}
}

/* heard: core c said it has `bytes` free (never more than its partition) */
static void heard(uint32_t c, uint64_t bytes)
{
	if (c < me.ncores && c < MAX_CORES && !health_lost(c)) {
		uint64_t m = bytes >> 20;
		free_mib[c] = m < part_mib[c] ? (uint32_t)m : part_mib[c];
	}
}

static struct ask *ask_of(int from, uint32_t back_id)
{
	for (int i = 0; i < ASKS; i++) {
		if (asks[i].used && asks[i].from == from &&
		    asks[i].back_id == back_id) {
			return &asks[i];
		}
	}
	return NULL;
}

/* ask_lender: relay a lend of a->bytes to the best lender; 0 if sent */
static int ask_lender(struct ask *a)
{
	struct monitor_lend_req req = {0};
	int c = lender_choice(free_mib, part_mib, me.ncores, me.core_id,
			      last_lender, a->bytes);
	int to;

	if (c >= 0 && ++a->tries >= me.ncores) {
		return E_NOMEM; /* every other core refused once already */
	}
	if (c < 0) {
		printf("monitor %u: no core can lend %lu MiB: each keeps its "
		       "reserve\n",
		       me.core_id, (unsigned long)(a->bytes >> 20));
		return E_NOMEM;
	}
	req.call_id = a->back_id; /* the lend's reply answers the borrow */
	req.lender = (uint32_t)c;
	req.borrower = me.core_id;
	req.bytes = a->bytes;
	a->lender = (uint32_t)c;
	to = relay_target(req.lender);
	if (to < 0 || monitor_lend_relay(&relays, send_on, ROUTE(to), to,
					 a->from, &req, BORROW) < 0) {
		return E_AGAIN;
	}
	return 0;
}

int on_mem_borrow_req(void *vctx, const struct monitor_mem_borrow_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_mem_borrow_reply rep = {m->call_id, E_NOMEM, 0, 0};
	struct pchan *by = asker(cx->route);
	uint64_t two = 2ull << 20, bytes;
	const char *rule;
	struct ask *a;
	int r;

	if (!by || me.ncores < 2) {
		return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route),
						     &rep);
	}
	/* whole 2 MiB pieces are lent; what is asked for counts */
	bytes = m->bytes > UINT64_MAX - two ? UINT64_MAX
					    : (m->bytes + two - 1) / two * two;
	rule = borrow_rule(by->borrowed, bytes, by->rights);
	if (rule) {
		printf("monitor %u: refused a borrow of %lu KiB by 0x%x (%s): "
		       "%s\n",
		       me.core_id, (unsigned long)(m->bytes >> 10), by->pid,
		       by->app, rule);
		rep.err = E_TOOBIG;
		return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route),
						     &rep);
	}
	known_start();
	by->borrowed += bytes;
	/* a slot for its retries: an old one (a lost answer) gives way */
	a = ask_of(cx->route, m->call_id);
	if (!a) {
		a = &asks[ask_next++ % ASKS];
	}
	*a = (struct ask){1, cx->route, m->call_id, 0, 0, bytes};
	r = ask_lender(a);
	if (r == 0) {
		return 0;
	}
	a->used = 0;
	rep.err = r;
	return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route), &rep);
}

int on_lend_req(void *vctx, const struct monitor_lend_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_lend_req fwd = *m;
	struct monitor_lend_reply rep = {0};
	struct sys_lend out = {{0, 0}, 0};
	uint64_t part = me.part_end - me.part_base;
	const char *rule;
	long base;
	int to;

	if (m->lender != me.core_id) {
		to = relay_target(m->lender);
		if (to >= 0 &&
		    monitor_lend_relay(&relays, send_on, ROUTE(to), to,
				       cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = E_NOENT;
		return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
	}
	/* the kernel keeps the reserve (lend_rule) and says what is free:
	 * no SYS_INFO of its own on this path */
	base = sys_mem_lend(m->bytes, m->borrower, &out, lend_reserve(part));
	rep.free_bytes = out.free_bytes;
	rule = base == E_NOMEM ? lend_rule(out.free_bytes, part, m->bytes) : 0;
	if (rule) {
		printf("monitor %u: refused to lend %lu MiB: %s (%lu MiB)\n",
		       me.core_id, (unsigned long)(m->bytes >> 20), rule,
		       (unsigned long)(lend_reserve(part) >> 20));
	}
	rep.err = base < 0 ? (int32_t)base : 0;
	rep.base = base < 0 ? 0 : (uint64_t)base;
	rep.size = base < 0 ? 0 : m->bytes;
	rep.seal_seq = out.seal.seq;
	rep.seal_mac = out.seal.mac;
	if (base >= 0) {
		lent_add((uint64_t)base, m->bytes, m->borrower);
	}
	return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
}

int on_lend_reply(void *vctx, const struct monitor_lend_reply *m)
{
	struct ctx *cx = vctx;
	struct monitor_mem_borrow_reply rep;
	struct ask *a;
	long r;
	int to;

	/* relayed lends (kind RELAY) went back in mesh.c; this is ours */
	if (!cx->relay || cx->relay->kind != BORROW) {
		return 0;
	}
	to = cx->relay->from;
	a = ask_of(to, cx->relay->back_id);
	if (a) {
		heard(a->lender, m->free_bytes);
		if (m->err == E_NOMEM) {
			/* it cannot lend that much, whatever it says: ask the
			 * next (each core once: it no longer qualifies) */
			if (!lend_rule((uint64_t)free_mib[a->lender] << 20,
				       (uint64_t)part_mib[a->lender] << 20,
				       a->bytes)) {
				free_mib[a->lender] = 0;
			}
			if (ask_lender(a) == 0) {
				return 0;
			}
		}
	}
	rep.call_id = cx->relay->back_id;
	rep.err = m->err;
	rep.base = m->base;
	rep.size = m->size;
	if (!m->err) {
		struct sys_seal seal = {m->seal_seq, m->seal_mac};

		/* the kernel checks the seal; >= 0: its borrowed regions */
		r = sys_mem_adopt(m->base, m->size, &seal);
		rep.err = r < 0 ? (int32_t)r : 0;
		if (r >= 0) {
			borrowed_ranges = (uint32_t)r;
			last_lender = a ? (int)a->lender : last_lender;
		}
	}
	if (a) {
		a->used = 0;
	}
	if (!m->err && rep.err) {
		/* could not use it: give it straight back (to its owner) */
		struct monitor_give_back g = {0, m->base, m->size};
		struct sys_core sc;
		for (uint32_t c = 0; c < me.ncores; c++) {
			if (sys_core_info(c, &sc) == 0 &&
			    m->base >= sc.part_base && m->base < sc.part_end) {
				g.lender = c;
			}
		}
		if (relay_target(g.lender) >= 0) {
			monitor_send_give_back(
			    send_on, ROUTE(relay_target(g.lender)), &g);
		}
	}
	return monitor_send_mem_borrow_reply(send_on, ROUTE(to), &rep);
}

int on_give_back(void *vctx, const struct monitor_give_back *m)
{
	long r;

	(void)vctx;
	if (m->lender != me.core_id) {
		int to = relay_target(m->lender);
		return to < 0 ? E_RANGE
			      : monitor_send_give_back(send_on, ROUTE(to), m);
	}
	r = sys_mem_reclaim(m->base, m->size);
	if (r < 0) {
		printf("monitor %u: refused a give-back of 0x%lx: %s\n",
		       me.core_id, (unsigned long)m->base, err_msg((int)r));
	} else {
		lent_cut(m->base, m->size);
	}
	return 0;
}

/* give_back_unused: return every borrowed range nothing uses any more */
void give_back_unused(void)
{
	struct sys_range rg;
	struct sys_core sc;

	while (sys_mem_release(&rg) == 0) {
		struct monitor_give_back g = {me.ncores, rg.base, rg.size};

		borrowed_ranges -= borrowed_ranges > 0;
		for (uint32_t c = 0; c < me.ncores; c++) {
			if (sys_core_info(c, &sc) == 0 &&
			    rg.base >= sc.part_base && rg.base < sc.part_end) {
				g.lender = c;
			}
		}
		if (g.lender < me.ncores && g.lender < MAX_CORES) {
			uint64_t f = ((uint64_t)free_mib[g.lender] << 20) +
				     rg.size;
			heard(g.lender, f < rg.size ? UINT64_MAX : f);
		}
		if (g.lender < me.ncores && relay_target(g.lender) >= 0) {
			monitor_send_give_back(
			    send_on, ROUTE(relay_target(g.lender)), &g);
		}
	}
}

/*
 * memory_core_lost: core is lost (fenced: it writes nothing any more).
 * What it had borrowed from this core comes back here, piece by piece
 * (one log line); what it had lent this core stays here, used as before
 * (once freed it goes back to no one: give_back_unused). It is never
 * asked to lend again.
 */
void memory_core_lost(uint32_t core)
{
	uint64_t back = 0, piece = 2ull << 20;

	known_start();
	free_mib[core] = 0;
	for (uint32_t i = 0; i < nlent; i++) {
		if (!lent[i].size || lent[i].to != core) {
			continue;
		}
		for (uint64_t a = 0; a < lent[i].size; a += piece) {
			back += sys_mem_reclaim(lent[i].base + a, piece) == 0
				    ? piece
				    : 0;
		}
		lent[i].size = 0;
	}
	if (back) {
		printf("monitor %u: core %u lost: took back the %lu MiB it had "
		       "borrowed\n",
		       me.core_id, core, (unsigned long)(back >> 20));
	}
}
