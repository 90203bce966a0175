// SPDX-License-Identifier: MIT
/*
 * The program side of the monitor channel (see libos/mon.h). Messages are
 * the monitor interface (channels/if/monitor.if, generated stubs). Exit notes
 * that arrive while a call waits for its reply are kept for
 * mon_wait_exit, in arrival order.
 */
#include <libos/mon.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <libos/thread.h>
#include <monitor_if.h>
#include <stdio.h>
#include <string.h>

#define EXITS_MAX 64

static struct binding mb;
static int have;
static struct monitor_exit_note exits[EXITS_MAX];
static unsigned nexits;
static struct monitor_bound bounds[EXITS_MAX];
static unsigned nbounds;
static struct monitor_client_gone gones[EXITS_MAX];
static unsigned ngones;
/* cores declared lost (peer_lost notes): bindings to servers there are
 * dead (libos/bind.c ends their calls with E_LOST) */
static uint64_t lost_cores[256 / 64];
/* the bindings this program made (mon_bind), for mon_close */
#define OPEN_MAX 64
static struct {
	uint64_t va, phys; /* va 0: free */
	uint32_t server_core;
} opened[OPEN_MAX];

/* keep_note: an exit or bound note (no call waits for them) */
static void keep_note(struct binding *b, uint8_t type, const uint8_t *buf,
		      size_t len)
{
	struct monitor_exit_note e;
	struct monitor_bound bd;
	struct monitor_peer_lost pl;

	(void)b;
	if (type == MONITOR_MSG_PEER_LOST &&
	    monitor_peer_lost_unmarshal(buf, len, &pl) == 0 && pl.core < 256) {
		lost_cores[pl.core / 64] |= 1ull << (pl.core % 64);
	}
	if (type == MONITOR_MSG_EXIT_NOTE && nexits < EXITS_MAX &&
	    monitor_exit_note_unmarshal(buf, len, &e) == 0) {
		exits[nexits++] = e;
	}
	if (type == MONITOR_MSG_BOUND && nbounds < EXITS_MAX &&
	    monitor_bound_unmarshal(buf, len, &bd) == 0) {
		bounds[nbounds++] = bd;
	}
	if (type == MONITOR_MSG_CLIENT_GONE && ngones < EXITS_MAX &&
	    monitor_client_gone_unmarshal(buf, len, &gones[ngones]) == 0) {
		/* a client not accepted yet is simply never accepted: its
		 * channel is closed here (nobody else knows it) */
		for (unsigned i = 0; i < nbounds; i++) {
			if (bounds[i].va == gones[ngones].va &&
			    bounds[i].client_pid == gones[ngones].client_pid) {
				sys_chan_close((void *)bounds[i].va);
				memmove(bounds + i, bounds + i + 1,
					(--nbounds - i) * sizeof(bounds[0]));
				return;
			}
		}
		ngones++;
	}
}

void mon_init(void *chan_va)
{
	struct sys_info in;

	if (!chan_va) {
		return;
	}
	/* the monitor of our own core: its doorbell is our core's */
	bind_init(&mb, chan_va, 1, sys_info(&in) == 0 ? in.core_id : 0, 0,
		  &bind_env_libos);
	mb.other = keep_note;
	mb.send_wait_ns = MON_CALL_NS;
	have = 1;
	bind_mon_binding = &mb;
	bind_core_lost = mon_core_lost;
}

struct chan *mon_channel(void)
{
	return have ? &mb.ch : 0;
}

struct binding *mon_binding(void)
{
	return have ? &mb : 0;
}

int mon_available(void)
{
	return have;
}

static void on_chan(struct event_chan *e)
{
	event_chan_remove(e);
	thread_wake(e->arg);
}

static void on_timer(struct event_timer *t)
{
	thread_wake(t->arg);
}

/* wait_chan_until: this thread waits through the event loop until the
 * monitor's channel has a message or deadline_ns */
static void wait_chan_until(uint64_t deadline_ns)
{
	struct event_chan e;
	struct event_timer t;

	if (chan_pending(&mb.ch)) {
		return;
	}
	event_chan_add(&e, &mb.ch, on_chan, thread_self());
	event_timer_add(&t, deadline_ns, on_timer, thread_self());
	thread_block();
	event_chan_remove(&e);
	event_timer_cancel(&t);
}

/* wait_note: until *count is nonzero (a note arrived) or deadline_ns
 * passes (0: never; a process may wait as long as it likes). 0 or
 * E_TIMEOUT. */
static int wait_note(const unsigned *count, uint64_t deadline_ns)
{
	uint64_t now;

	bind_poll(&mb);
	while (!*count) {
		now = sys_time_ns();
		if (deadline_ns && now >= deadline_ns) {
			return E_TIMEOUT;
		}
		if (deadline_ns && !event_in_callback() && !event_idle()) {
			wait_chan_until(deadline_ns);
		} else if (event_in_callback() || deadline_ns ||
			   event_wait_chan(&mb.ch) != 0) {
			chan_sleep(&mb.ch);
			if (!chan_pending(&mb.ch)) {
				sys_wait(deadline_ns ? deadline_ns - now : 0);
			}
			chan_wake(&mb.ch);
		}
		bind_poll(&mb);
	}
	return 0;
}

/* timed_out: a monitor call got no answer in time: one log line */
static int timed_out(const char *call, int r)
{
	if (r == E_TIMEOUT) {
		struct sys_info in;

		printf("pid 0x%x: monitor call %s: no answer in %u s\n",
		       sys_info(&in) == 0 ? in.pid : 0, call,
		       (unsigned)(MON_CALL_NS / 1000000000ull));
	}
	return r;
}

/* mon_make_room (mon.h): before a call, read what waits on our channel (late
 * answers, notes) if it fills half our ring or more: the monitor drops
 * what does not fit, and our answer (up to 1 KiB, 19 slots) must fit,
 * even when the monitor answers before we read anything. */
bool mon_make_room(void)
{
	if (chan_rx_room(&mb.ch) < mb.ch.rx.n / 2) {
		bind_poll(&mb);
	}
	return true;
}

/*
 * ASK: the generated call monitor_<c>_call with the monitor's deadline,
 * for a process that has a monitor channel: evaluates to the call's
 * error (E_UNSUPPORTED without a monitor, E_TIMEOUT, ...), else the
 * reply's err.
 */
#define ASK(c, req, rep)                                                      \
	({                                                                    \
		int a_ = have && mon_make_room()                                  \
				 ? monitor_##c##_call(&mb, (req), (rep),      \
						      MON_CALL_NS)            \
				 : E_UNSUPPORTED;                             \
		a_ ? timed_out(#c, a_) : (rep)->err;                          \
	})

int mon_ps(uint32_t core, struct monitor_ps_reply *out)
{
	struct monitor_ps_req req = {0, core};

	return ASK(ps, &req, out);
}

int mon_kill(uint32_t pid)
{
	struct monitor_kill_req req = {.pid = pid};
	struct monitor_kill_reply rep;

	return ASK(kill, &req, &rep);
}

int mon_services(struct monitor_services_reply *out)
{
	struct monitor_services_req req = {0};

	return ASK(services, &req, out);
}

int mon_agree(int tree, uint32_t fanout, struct monitor_agree_reply *out)
{
	struct monitor_agree_req req = {0, tree ? 1 : 0, fanout};
	struct monitor_agree_reply rep;

	return ASK(agree, &req, out ? out : &rep);
}

int mon_ping(void)
{
	struct monitor_ping req;
	struct monitor_pong rep;
	int r;

	req.stamp = 0;
	req.payload_len = 0;
	r = have && mon_make_room()
		? monitor_ping_call(&mb, &req, &rep, MON_CALL_NS)
		: E_UNSUPPORTED;
	return r ? timed_out("ping", r) : 0;
}

int mon_devices(struct monitor_devices_reply *out)
{
	struct monitor_devices_req req = {0};

	return ASK(devices, &req, out);
}

int mon_move(const char *device, uint32_t core, uint32_t *driver_pid)
{
	struct monitor_move_req req;
	struct monitor_move_reply rep;
	int r;

	memset(&req, 0, sizeof(req));
	if (strlcpy(req.name, device, sizeof(req.name)) >= sizeof(req.name)) {
		return E_NOENT;
	}
	req.core = core;
	r = ASK(move, &req, &rep);
	if (r == 0 && driver_pid) {
		*driver_pid = rep.driver_pid;
	}
	return r;
}

int mon_borrow(uint64_t bytes)
{
	struct monitor_mem_borrow_req req = {0, bytes};
	struct monitor_mem_borrow_reply rep;

	return ASK(mem_borrow, &req, &rep);
}

/* libos_heap_short: malloc found the core out of memory: borrow. */
int libos_heap_short(uint64_t bytes)
{
	return mon_borrow(bytes);
}

int mon_export(const char *name)
{
	struct monitor_export_req req;
	struct monitor_export_reply rep;

	memset(&req, 0, sizeof(req));
	if (strlcpy(req.name, name, sizeof(req.name)) >= sizeof(req.name)) {
		return E_TOOBIG;
	}
	return ASK(export, &req, &rep);
}

int mon_bind(const char *name, void **chan_va, uint32_t *server_pid)
{
	struct monitor_bind_req req;
	struct monitor_bind_reply rep;
	int r;

	memset(&req, 0, sizeof(req));
	if (strlcpy(req.name, name, sizeof(req.name)) >= sizeof(req.name)) {
		return E_TOOBIG;
	}
	r = ASK(bind, &req, &rep);
	if (r) {
		return r;
	}
	*chan_va = (void *)rep.va;
	*server_pid = rep.server_pid;
	for (int i = 0; i < OPEN_MAX; i++) {
		if (!opened[i].va) {
			opened[i].va = rep.va;
			opened[i].phys = rep.phys;
			opened[i].server_core = SYS_PID_CORE(rep.server_pid);
			break;
		}
	}
	return 0;
}

int mon_close(void *chan_va)
{
	struct monitor_unbind u = {0, 0, 0};

	for (int i = 0; i < OPEN_MAX && have; i++) {
		if (chan_va && opened[i].va == (uint64_t)chan_va) {
			int r;

			u.server_core = opened[i].server_core;
			u.phys = opened[i].phys;
			opened[i].va = 0;
			r = monitor_send_unbind(bind_send_fn, &mb, &u);
			/* our end goes: the frame is freed once the server
			 * has closed its end too */
			sys_chan_close(chan_va);
			return r;
		}
	}
	return E_NOENT;
}

int mon_gone_waiting(void)
{
	return ngones;
}

int mon_take_client_gone(void **chan_va, uint32_t *client_pid)
{
	mon_poll();
	if (!ngones) {
		return E_AGAIN;
	}
	*chan_va = (void *)gones[0].va;
	*client_pid = gones[0].client_pid;
	memmove(gones, gones + 1, --ngones * sizeof(gones[0]));
	return 0;
}

int mon_limits(uint32_t core, struct monitor_limits_reply *out)
{
	struct monitor_limits_req req = {0, core};

	return ASK(limits, &req, out);
}

int mon_trace_op(const struct monitor_trace_req *req,
		 struct monitor_trace_reply *out)
{
	struct monitor_trace_req r = *req;

	return ASK(trace, &r, out);
}

int mon_connect(const char *name, uint64_t wait_ns, struct binding *b)
{
	uint64_t end = sys_time_ns() + wait_ns;
	uint32_t pid;
	void *va;
	int r;

	/* the server may still be starting: ask again every 10 ms */
	while ((r = mon_bind(name, &va, &pid)) == E_NOENT &&
	       sys_time_ns() < end) {
		if (event_in_callback() || event_sleep_ns(10000000) != 0) {
			sys_wait(10000000);
		}
	}
	if (r < 0) {
		return r;
	}
	bind_init(b, va, 1, SYS_PID_CORE(pid), pid, &bind_env_libos);
	return 0;
}

int mon_accept_client_poll(void **chan_va, uint32_t *client_pid,
			   uint32_t *client_rights)
{
	mon_poll();
	if (!nbounds) {
		return E_AGAIN;
	}
	*chan_va = (void *)bounds[0].va;
	*client_pid = bounds[0].client_pid;
	*client_rights = bounds[0].client_rights;
	memmove(bounds, bounds + 1, --nbounds * sizeof(bounds[0]));
	return 0;
}

int mon_accept_poll(void **chan_va, uint32_t *client_pid)
{
	uint32_t rights;

	return mon_accept_client_poll(chan_va, client_pid, &rights);
}

int mon_accept(void **chan_va, uint32_t *client_pid)
{
	if (!have) {
		return E_UNSUPPORTED;
	}
	wait_note(&nbounds, 0);
	return mon_accept_poll(chan_va, client_pid);
}

int mon_spawn(const char *app, const char *args, uint32_t core,
	      uint32_t *pid)
{
	struct monitor_spawn_req req;
	struct monitor_spawn_reply rep;
	int r;

	memset(&req, 0, sizeof(req));
	req.core = core;
	if (strlen(app) >= sizeof(req.app) || strlen(args) >= sizeof(req.args)) {
		return E_TOOBIG;
	}
	strlcpy(req.app, app, sizeof(req.app));
	strlcpy(req.args, args, sizeof(req.args));
	r = ASK(spawn, &req, &rep);
	if (r) {
		return r;
	}
	*pid = rep.pid;
	return 0;
}

int mon_core_stat(uint32_t core, struct monitor_core_stat_reply *out)
{
	struct monitor_core_stat_req req = {0, core};

	return ASK(core_stat, &req, out);
}

void mon_poll(void)
{
	if (have) {
		bind_poll(&mb);
	}
}

int mon_core_lost(uint32_t core)
{
	/* asked on every wait of every call: reads only what is there */
	if (have && chan_pending(&mb.ch)) {
		bind_poll(&mb);
	}
	return core < 256 && (lost_cores[core / 64] >> (core % 64) & 1);
}

int mon_exit_pending(void)
{
	return (int)nexits;
}

int mon_take_exit(uint32_t *pid, int64_t *status)
{
	mon_poll();
	if (!nexits) {
		return E_AGAIN;
	}
	return mon_wait_exit(pid, status);
}

int mon_wait_exit(uint32_t *pid, int64_t *status)
{
	return mon_wait_exit_ns(0, pid, status);
}

int mon_wait_exit_ns(uint64_t wait_ns, uint32_t *pid, int64_t *status)
{
	if (!have) {
		return E_UNSUPPORTED;
	}
	if (wait_note(&nexits, wait_ns ? sys_time_ns() + wait_ns : 0) < 0) {
		return E_TIMEOUT;
	}
	*pid = exits[0].pid;
	*status = exits[0].status;
	memmove(exits, exits + 1, --nexits * sizeof(exits[0]));
	return 0;
}
