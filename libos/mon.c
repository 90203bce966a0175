// SPDX-License-Identifier: MIT
/*
 * The program side of the monitor channel (see libos/mon.h). Messages are
 * the monitor interface (monitor/monitor.if, generated stubs). Exit notes
 * that arrive while a call waits for its reply are kept for
 * mon_wait_exit, in arrival order.
 */
#include <libos/mon.h>
#include <libos/sys.h>
#include <channels/chan.h>
#include <monitor_if.h>
#include <string.h>

#define EXITS_MAX 64

static struct chan ch;
static int have;
static uint32_t call_seq, core_self;
static struct monitor_exit_note exits[EXITS_MAX];
static unsigned nexits;
static struct monitor_bound bounds[EXITS_MAX];
static unsigned nbounds;

void mon_init(void *chan_va)
{
	struct sys_info in;

	if (!chan_va) {
		return;
	}
	chan_init(&ch, chan_va, 1);
	have = 1;
	if (sys_info(&in) == 0) {
		core_self = in.core_id;
	}
}

struct chan *mon_channel(void)
{
	return have ? &ch : 0;
}

int mon_available(void)
{
	return have;
}

static int send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int r;

	(void)tctx;
	while ((r = chan_msg_send(&ch, type, buf, len)) == E_FULL) {
		sys_wait(1000000); /* the monitor is behind: 1 ms */
	}
	if (r == 0 && chan_needs_doorbell(&ch)) {
		sys_doorbell(core_self);
	}
	return r;
}

/* next: the next message from the monitor, halting until one arrives */
static int next(uint8_t *type, uint8_t *buf, size_t cap)
{
	int n;

	for (;;) {
		n = chan_msg_recv(&ch, type, buf, cap);
		if (n != E_AGAIN) {
			return n;
		}
		chan_sleep(&ch);
		if (!chan_pending(&ch)) {
			sys_wait(0);
		}
		chan_wake(&ch);
	}
}

/* keep_exit: keep a note that arrived while waiting for something else */
static void keep_exit(uint8_t type, const uint8_t *buf, size_t len)
{
	struct monitor_exit_note e;
	struct monitor_bound b;

	if (type == MONITOR_MSG_EXIT_NOTE && nexits < EXITS_MAX &&
	    monitor_exit_note_unmarshal(buf, len, &e) == 0) {
		exits[nexits++] = e;
	}
	if (type == MONITOR_MSG_BOUND && nbounds < EXITS_MAX &&
	    monitor_bound_unmarshal(buf, len, &b) == 0) {
		bounds[nbounds++] = b;
	}
}

/*
 * CALL: send request req with monitor_call_<c> and wait for its reply
 * into rep (monitor_<c>_match), keeping notes that arrive meanwhile.
 * Evaluates to the send's error or 0; the reply's own err is in rep.
 */
#define CALL(c, req, rep)                                                     \
	({                                                                    \
		uint8_t buf_[IFC_MAX_MSG], type_;                             \
		int r_ = monitor_call_##c(send, 0, &call_seq, (req));         \
		while (r_ == 0) {                                             \
			int n_ = next(&type_, buf_, sizeof(buf_));            \
			if (n_ < 0) {                                         \
				continue;                                     \
			}                                                     \
			if (monitor_##c##_match((req), type_, buf_,           \
						(size_t)n_, (rep)) == 0) {    \
				break;                                        \
			}                                                     \
			keep_exit(type_, buf_, (size_t)n_);                   \
		}                                                             \
		r_;                                                           \
	})

/*
 * ASK: CALL, for a process that has a monitor channel, evaluating to the
 * send's error, else the reply's err (E_UNSUPPORTED without a monitor).
 */
#define ASK(c, req, rep)                                                      \
	({                                                                    \
		int a_ = have ? CALL(c, req, rep) : E_UNSUPPORTED;          \
		a_ ? a_ : (rep)->err;                                         \
	})

int mon_ps(uint32_t core, struct monitor_ps_reply *out)
{
	struct monitor_ps_req req = {0, core};

	return ASK(ps, &req, out);
}

int mon_kill(uint32_t pid)
{
	struct monitor_kill_req req = {0, pid};
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

	if (!have) {
		return E_UNSUPPORTED;
	}
	memset(&req, 0, sizeof(req));
	if (strlcpy(req.name, name, sizeof(req.name)) >= sizeof(req.name)) {
		return E_TOOBIG;
	}
	r = CALL(bind, &req, &rep);
	if (r) {
		return r;
	}
	*chan_va = (void *)rep.va;
	*server_pid = rep.server_pid;
	return rep.err;
}

int mon_accept_poll(void **chan_va, uint32_t *client_pid)
{
	mon_poll();
	if (!nbounds) {
		return E_AGAIN;
	}
	*chan_va = (void *)bounds[0].va;
	*client_pid = bounds[0].client_pid;
	memmove(bounds, bounds + 1, --nbounds * sizeof(bounds[0]));
	return 0;
}

int mon_accept(void **chan_va, uint32_t *client_pid)
{
	uint8_t buf[IFC_MAX_MSG], type;
	int n;

	if (!have) {
		return E_UNSUPPORTED;
	}
	while (!nbounds) {
		n = next(&type, buf, sizeof(buf));
		if (n >= 0) {
			keep_exit(type, buf, (size_t)n);
		}
	}
	return mon_accept_poll(chan_va, client_pid);
}

int mon_spawn(const char *app, const char *args, uint32_t core,
	      uint32_t *pid)
{
	struct monitor_spawn_req req;
	struct monitor_spawn_reply rep;
	int r;

	if (!have) {
		return E_UNSUPPORTED;
	}
	memset(&req, 0, sizeof(req));
	req.core = core;
	if (strlen(app) >= sizeof(req.app) || strlen(args) >= sizeof(req.args)) {
		return E_TOOBIG;
	}
	strlcpy(req.app, app, sizeof(req.app));
	strlcpy(req.args, args, sizeof(req.args));
	r = CALL(spawn, &req, &rep);
	if (r) {
		return r;
	}
	*pid = rep.pid;
	return rep.err;
}

int mon_core_stat(uint32_t core, struct monitor_core_stat_reply *out)
{
	struct monitor_core_stat_req req = {0, core};
	int r;

	if (!have) {
		return E_UNSUPPORTED;
	}
	r = CALL(core_stat, &req, out);
	return r ? r : out->err;
}

void mon_poll(void)
{
	uint8_t buf[IFC_MAX_MSG], type;
	int n;

	while (have && (n = chan_msg_recv(&ch, &type, buf, sizeof(buf))) !=
			       E_AGAIN) {
		if (n >= 0) {
			keep_exit(type, buf, (size_t)n);
		}
	}
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
	uint8_t buf[IFC_MAX_MSG], type;
	int n;

	if (!have) {
		return E_UNSUPPORTED;
	}
	while (!nexits) {
		n = next(&type, buf, sizeof(buf));
		if (n >= 0) {
			keep_exit(type, buf, (size_t)n);
		}
	}
	*pid = exits[0].pid;
	*status = exits[0].status;
	memmove(exits, exits + 1, --nexits * sizeof(exits[0]));
	return 0;
}
