// SPDX-License-Identifier: MIT
/*
 * Lending memory between partitions (docs/monitor.md, "Lending memory"):
 * a program's borrow request becomes a lend request to a lender; the
 * answer is adopted here; unused borrowed ranges go back after exits.
 * A program without the admin right may ask for BORROW_CAP in its life
 * (its monitor counts what it asked for); a lender keeps a reserve of its
 * partition free (lend_reserve: an eighth, at least 8 MiB) and refuses
 * what would go below it (policy.h).
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>

uint32_t borrowed_ranges;

int on_mem_borrow_req(void *vctx, const struct monitor_mem_borrow_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_mem_borrow_reply rep = {m->call_id, E_NOMEM, 0, 0};
	struct monitor_lend_req req = {0};
	struct pchan *by = asker(cx->route);
	uint64_t two = 2ull << 20;
	const char *rule;
	int to;

	if (!by || me.ncores < 2) {
		return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route),
						     &rep);
	}
	/* whole 2 MiB pieces are lent; what is asked for counts */
	req.bytes = m->bytes > UINT64_MAX - two
			? UINT64_MAX
			: (m->bytes + two - 1) / two * two;
	rule = borrow_rule(by->borrowed, req.bytes, by->rights);
	if (rule) {
		printf("monitor %u: refused a borrow of %lu KiB by 0x%x (%s): "
		       "%s\n",
		       me.core_id, (unsigned long)(m->bytes >> 10), by->pid,
		       by->app, rule);
		rep.err = E_TOOBIG;
		return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route),
						     &rep);
	}
	/* the next core lends; a least-loaded choice is still to come */
	req.call_id = m->call_id; /* the lend's reply answers the borrow */
	req.lender = (me.core_id + 1) % me.ncores;
	req.borrower = me.core_id;
	by->borrowed += req.bytes;
	to = relay_target(req.lender);
	if (to >= 0 &&
	    monitor_lend_relay(&relays, send_on, ROUTE(to), to,
			       cx->route, &req, BORROW) == 0) {
		return 0;
	}
	return monitor_send_mem_borrow_reply(send_on, ROUTE(cx->route), &rep);
}

int on_lend_req(void *vctx, const struct monitor_lend_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_lend_req fwd = *m;
	struct monitor_lend_reply rep = {0};
	struct sys_seal seal = {0, 0};
	struct sys_info in;
	uint64_t part;
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
	if (sys_info(&in) < 0) {
		in.part_end = in.part_base = in.free_bytes = 0;
	}
	part = in.part_end - in.part_base;
	rule = lend_rule(in.free_bytes, part, m->bytes);
	if (rule) {
		printf("monitor %u: refused to lend %lu MiB: %s (%lu MiB)\n",
		       me.core_id, (unsigned long)(m->bytes >> 20), rule,
		       (unsigned long)(lend_reserve(part) >> 20));
		rep.err = E_NOMEM;
		return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
	}
	base = sys_mem_lend(m->bytes, m->borrower, &seal);
	rep.err = base < 0 ? (int32_t)base : 0;
	rep.base = base < 0 ? 0 : (uint64_t)base;
	rep.size = base < 0 ? 0 : m->bytes;
	rep.seal_seq = seal.seq;
	rep.seal_mac = seal.mac;
	if (base >= 0) {
		printf("monitor %u: lent %lu MiB at 0x%lx\n", me.core_id,
		       (unsigned long)(m->bytes >> 20), (unsigned long)base);
	}
	return monitor_reply_lend(send_on, ROUTE(cx->route), m, &rep);
}

int on_lend_reply(void *vctx, const struct monitor_lend_reply *m)
{
	struct ctx *cx = vctx;
	struct monitor_mem_borrow_reply rep;
	int to;

	/* relayed lends (kind RELAY) went back in mesh.c; this is ours */
	if (!cx->relay || cx->relay->kind != BORROW) {
		return 0;
	}
	to = cx->relay->from;
	rep.call_id = cx->relay->back_id;
	rep.err = m->err;
	rep.base = m->base;
	rep.size = m->size;
	if (!m->err) {
		struct sys_seal seal = {m->seal_seq, m->seal_mac};

		rep.err = (int32_t)sys_mem_adopt(m->base, m->size, &seal);
		borrowed_ranges += rep.err == 0;
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
		return 0;
	}
	printf("monitor %u: got back %lu MiB at 0x%lx\n", me.core_id,
	       (unsigned long)(m->size >> 20), (unsigned long)m->base);
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
		if (g.lender < me.ncores && relay_target(g.lender) >= 0) {
			monitor_send_give_back(
			    send_on, ROUTE(relay_target(g.lender)), &g);
		}
	}
}
