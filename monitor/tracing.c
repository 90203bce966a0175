// SPDX-License-Identifier: MIT
/*
 * Tracing in the monitor (docs/tracing.md):
 *   - trace_req: turns this core's tracing on, stops it, discards it, or
 *     reads one stopped buffer (SYS_TRACE), for an admin only, relayed by
 *     core like kill_req;
 *   - the clock: at boot every monitor but core 0's times a few round
 *     trips to core 0's and keeps the shortest, so a dump can put every
 *     core's events on core 0's clock;
 *   - monitor operations as MON_BEGIN/END events around the handlers of
 *     agreement, lending, device moves, binding and spawning (each
 *     monitor's part of an operation is one slice on its own track; the
 *     channel events between them carry the arrows).
 */
#include "monitor.h"
#include <stdio.h>
#include <string.h>
#include <libos/trace.h>

#define CLOCK_ROUNDS 8

static struct {
	unsigned rounds; /* round trips done */
	int64_t offset;	 /* this core's TSC minus core 0's */
	uint64_t rtt;	 /* of the best round trip, 0: none yet */
} clk;

static uint64_t tsc(void)
{
	return trace_tsc();
}

static void clock_send(void)
{
	struct monitor_clock_req m = {tsc()};

	if (monitor_send_clock_req(send_on, ROUTE(0), &m) < 0) {
		printf("monitor %u: clock: cannot send to core 0\n",
		       me.core_id);
	}
}

void clock_start(void)
{
	if (me.core_id != 0) {
		clock_send();
	}
}

static int on_clock_req(void *vctx, const struct monitor_clock_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_clock_reply r = {m->t0, tsc()};

	if (me.core_id != 0 || cx->route < 0 || cx->route >= PROC_ROUTE) {
		return E_INVAL;
	}
	return monitor_send_clock_reply(send_on, ROUTE(cx->route), &r);
}

static int on_clock_reply(void *vctx, const struct monitor_clock_reply *m)
{
	struct ctx *cx = vctx;
	uint64_t t2 = tsc(), rtt;

	/* only our own question, answered by core 0, counts */
	if (cx->route != 0 || me.core_id == 0 || clk.rounds >= CLOCK_ROUNDS ||
	    m->t0 > t2) {
		return E_INVAL;
	}
	rtt = t2 - m->t0;
	if (!clk.rtt || rtt < clk.rtt) {
		clk.rtt = rtt ? rtt : 1;
		clk.offset = (int64_t)(m->t0 / 2 + t2 / 2 + (m->t0 & t2 & 1)) -
			     (int64_t)m->t1;
	}
	if (++clk.rounds < CLOCK_ROUNDS) {
		clock_send();
	}
	return 0;
}

static long sys_trace(uint32_t op, long a0, long a1, long a2)
{
	return sys_call(SYS_TRACE, op, a0, a1, a2);
}

static const char *const op_names[] = {"?", "on", "stop", "off", "read",
				       "clock"};

static int on_trace_req(void *vctx, const struct monitor_trace_req *m)
{
	struct ctx *cx = vctx;
	struct monitor_trace_req fwd = *m;
	struct monitor_trace_reply rep;
	struct pchan *by = asker(cx->route);
	struct sys_trace_read io;
	long r = 0;
	int to;

	memset(&rep, 0, sizeof(rep));
	if (by) {
		fwd.by_pid = by->pid;
		fwd.by_rights = by->rights;
	}
	if (m->core != me.core_id) {
		to = relay_target(m->core);
		if (to >= 0 &&
		    monitor_trace_relay(&relays, send_on, ROUTE(to), to,
					cx->route, &fwd, RELAY) == 0) {
			return 0;
		}
		rep.err = to < 0 ? E_RANGE : E_AGAIN;
		return monitor_reply_trace(send_on, ROUTE(cx->route), m, &rep);
	}
	if (!(fwd.by_rights & SYS_RIGHT_ADMIN)) {
		printf("monitor %u: refused trace %s by 0x%x: not admin\n",
		       me.core_id, m->op < 6 ? op_names[m->op] : "?",
		       fwd.by_pid);
		rep.err = E_PERM;
		return monitor_reply_trace(send_on, ROUTE(cx->route), m, &rep);
	}
	switch (m->op) {
	case 1:
		r = sys_trace(SYS_TRACE_ON, (long)m->classes, (long)m->bytes, 0);
		break;
	case 2:
		r = sys_trace(SYS_TRACE_STOP, 0, 0, 0);
		rep.nbufs = r >= 0 ? (uint32_t)r : 0;
		break;
	case 3:
		r = sys_trace(SYS_TRACE_OFF, 0, 0, 0);
		break;
	case 4:
		memset(&io, 0, sizeof(io));
		io.buf = m->buf;
		io.offset = m->offset;
		r = sys_trace(SYS_TRACE_READ, (long)&io, (long)rep.data,
			      (long)sizeof(rep.data));
		if (r >= 0) {
			rep.data_len = (uint32_t)r;
			rep.nbufs = io.nbufs;
			rep.total = io.total;
		}
		break;
	case 5:
		rep.clock_offset = clk.offset;
		rep.clock_rtt = clk.rtt;
		break;
	default:
		r = E_INVAL;
	}
	/* our own buffer follows at once (the others' at their next wait) */
	if (m->op >= 1 && m->op <= 3) {
		trace_refresh();
	}
	rep.err = r < 0 ? (int32_t)r : 0;
	rep.tsc = tsc();
	return monitor_reply_trace(send_on, ROUTE(cx->route), m, &rep);
}

/* traced handlers: a slice per monitor operation step, named by the
 * message's call id (agree_down/up are not calls: the root's operation
 * id stands in) */
#define TRACED_BY(fn, op, T, id)                                               \
	static int traced_##fn(void *cx, const T *m)                           \
	{                                                                      \
		int r;                                                         \
		/* untraced (the usual case): a tail call, no frame */         \
		if (__builtin_expect(mon_trace == NULL, 1)) {                  \
			return fn(cx, m);                                      \
		}                                                              \
		TRACE(mon_trace, TRACE_MON_BEGIN, op, m->id);                  \
		r = fn(cx, m);                                                 \
		TRACE(mon_trace, TRACE_MON_END, op, m->id);                    \
		return r;                                                      \
	}
#define TRACED(fn, op, T) TRACED_BY(fn, op, T, call_id)

TRACED(on_spawn_req, TRACE_MON_SPAWN, struct monitor_spawn_req)
TRACED(on_spawn_reply, TRACE_MON_SPAWN, struct monitor_spawn_reply)
TRACED(on_mem_borrow_req, TRACE_MON_BORROW, struct monitor_mem_borrow_req)
TRACED(on_lend_req, TRACE_MON_LEND, struct monitor_lend_req)
TRACED(on_lend_reply, TRACE_MON_BORROW, struct monitor_lend_reply)
TRACED(on_bind_req, TRACE_MON_BIND, struct monitor_bind_req)
TRACED(on_bind_reply, TRACE_MON_BIND, struct monitor_bind_reply)
TRACED(on_move_checked, TRACE_MON_MOVE, struct monitor_move_req)
TRACED(on_dev_release_req, TRACE_MON_MOVE, struct monitor_dev_release_req)
TRACED(on_dev_release_reply, TRACE_MON_MOVE,
       struct monitor_dev_release_reply)
TRACED(on_dev_adopt_req, TRACE_MON_MOVE, struct monitor_dev_adopt_req)
TRACED(on_dev_adopt_reply, TRACE_MON_MOVE, struct monitor_dev_adopt_reply)
TRACED(on_agree_req, TRACE_MON_AGREE, struct monitor_agree_req)
TRACED_BY(on_agree_down, TRACE_MON_AGREE, struct monitor_agree_down, op)
TRACED_BY(on_agree_up, TRACE_MON_AGREE, struct monitor_agree_up, op)

/* HANDLERS(H): every message's handler, untraced and traced (H(field,
 * plain, traced)); drain takes the untraced table while tracing is off,
 * so that a message pays no wrapper (docs/tracing.md, "Turning it on") */
#define HANDLERS(H) \
	H(spawn_req, on_spawn_req, traced_on_spawn_req) \
	H(spawn_reply, on_spawn_reply, traced_on_spawn_reply) \
	H(exit_note, on_exit_note, on_exit_note) \
	H(ping, on_ping, on_ping) \
	H(core_stat_req, on_core_stat_req, on_core_stat_req) \
	H(export_req, on_export_req, on_export_req) \
	H(bind_req, on_bind_req, traced_on_bind_req) \
	H(bind_reply, on_bind_reply, traced_on_bind_reply) \
	H(ps_req, on_ps_req, on_ps_req) \
	H(kill_req, on_kill_req, on_kill_req) \
	H(services_req, on_services_req, on_services_req) \
	H(mem_borrow_req, on_mem_borrow_req, traced_on_mem_borrow_req) \
	H(lend_req, on_lend_req, traced_on_lend_req) \
	H(lend_reply, on_lend_reply, traced_on_lend_reply) \
	H(give_back, on_give_back, on_give_back) \
	H(devices_req, on_devices_req, on_devices_req) \
	H(move_req, on_move_checked, traced_on_move_checked) \
	H(dev_release_req, on_dev_release_req, traced_on_dev_release_req) \
	H(dev_release_reply, on_dev_release_reply, traced_on_dev_release_reply) \
	H(dev_adopt_req, on_dev_adopt_req, traced_on_dev_adopt_req) \
	H(dev_adopt_reply, on_dev_adopt_reply, traced_on_dev_adopt_reply) \
	H(dev_owner, on_dev_owner, on_dev_owner) \
	H(proc_gone, on_proc_gone, on_proc_gone) \
	H(agree_req, on_agree_req, traced_on_agree_req) \
	H(agree_down, on_agree_down, traced_on_agree_down) \
	H(agree_up, on_agree_up, traced_on_agree_up) \
	H(link_offer, on_link_offer, on_link_offer) \
	H(chan_closed, on_chan_closed, on_chan_closed) \
	H(unbind, on_unbind, on_unbind) \
	H(limits_req, on_limits_req, on_limits_req) \
	H(trace_req, on_trace_req, on_trace_req) \
	H(clock_req, on_clock_req, on_clock_req) \
	H(clock_reply, on_clock_reply, on_clock_reply) \
	H(heartbeat, on_heartbeat, on_heartbeat) \
	H(lost_ask, on_lost_ask, on_lost_ask) \
	H(lost_vote, on_lost_vote, on_lost_vote) \
	H(core_lost, on_core_lost, on_core_lost) \
	H(fail_req, on_fail_req, on_fail_req) \
	H(health_req, on_health_req, on_health_req) \
	H(proc_born, on_proc_born, on_proc_born)

#define PLAIN(f, plain, traced) .f = plain,
#define WRAPPED(f, plain, traced) .f = traced,
const struct monitor_handlers handlers = {HANDLERS(WRAPPED)};
const struct monitor_handlers handlers_plain = {HANDLERS(PLAIN)};
