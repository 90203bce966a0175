// SPDX-License-Identifier: MIT
/*
 * ps questions asked without waiting (libos/mon.h: mon_ps_ask,
 * mon_ps_take, mon_ps_forget), for an event loop that must not halt on a
 * monitor (netd's liveness check). Each is a call the binding completes
 * when its answer comes (bind_poll); only the answer's pids are kept. A
 * file of its own: a program that asks none (the monitor, most programs)
 * does not carry the table.
 */
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <string.h>

#define ASKS_MAX 8

static struct ask {
	struct bind_call c; /* c.id 0: free */
	uint16_t count;
	uint32_t pids[32];
} asks[ASKS_MAX];

/* ask_unmarshal: a ps answer into the ask record rep: its pids only */
static int ask_unmarshal(const uint8_t *buf, size_t len, void *rep)
{
	static struct monitor_ps_reply ps;
	struct ask *a = rep;
	int r = monitor_ps_reply_unmarshal(buf, len, &ps);

	if (r < 0) {
		return r;
	}
	a->count = ps.pids_count <= 32 ? ps.pids_count : 32;
	memcpy(a->pids, ps.pids, sizeof(a->pids));
	return ps.err;
}

int mon_ps_ask(uint32_t core, uint32_t *call_id)
{
	struct binding *b = mon_binding();
	struct monitor_ps_req req = {0, core};
	struct ask *a = 0;
	int r;

	if (!b) {
		return E_UNSUPPORTED;
	}
	for (int i = 0; i < ASKS_MAX && !a; i++) {
		a = asks[i].c.id ? 0 : &asks[i];
	}
	if (!a) {
		return E_AGAIN;
	}
	mon_make_room();
	req.call_id = bind_next_id(b);
	bind_call_start(b, &a->c, &monitor_bind_iface, req.call_id,
			MONITOR_MSG_PS_REPLY, ask_unmarshal, a);
	r = monitor_send_ps_req(bind_send_fn, b, &req);
	if (r < 0) {
		bind_call_cancel(b, &a->c);
		a->c.id = 0;
		return r;
	}
	*call_id = req.call_id;
	return 0;
}

static struct ask *ask_of(uint32_t call_id)
{
	for (int i = 0; call_id && i < ASKS_MAX; i++) {
		if (asks[i].c.id == call_id) {
			return &asks[i];
		}
	}
	return 0;
}

int mon_ps_take(uint32_t call_id, uint32_t pids[32], int *count)
{
	struct ask *a = ask_of(call_id);

	if (!a) {
		return E_NOENT;
	}
	mon_poll();
	if (!a->c.done) {
		return E_AGAIN;
	}
	a->c.id = 0;
	if (a->c.result) {
		return a->c.result;
	}
	*count = a->count;
	memcpy(pids, a->pids, sizeof(a->pids));
	return 0;
}

void mon_ps_forget(uint32_t call_id)
{
	struct ask *a = ask_of(call_id);
	struct binding *b = mon_binding();

	if (a && b) {
		bind_call_cancel(b, &a->c);
		a->c.id = 0;
	}
}
