// SPDX-License-Identifier: MIT
/*
 * The serial shell. Runs on core 0, which owns the console: it reads what
 * is typed (SYS_CONSOLE_READ, halting in SYS_WAIT until the UART's
 * interrupt wakes it), echoes it, edits the line (backspace), and runs one
 * command per line. Everything it learns of other cores it asks their
 * monitors over the mesh (libos/mon.h). Programs it started report their
 * exit when the next line is typed or finished. The block store commands
 * (put, get, del, list, store) speak store.if over a channel to the
 * service "store", bound on first use.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <store_if.h>
#include "store_err.h"
#include "shell.h"

#define LINE_MAX 900 /* room for `put KEY VALUE` with a 768-byte value */
#define ARGS_MAX 8
#define STORE_TIMEOUT_NS 5000000000ull

static struct sys_info me;
static const char *raw_line; /* the line as typed, for `put` */

/* write: all of s[0..n); the kernel takes at most 256 bytes a call */
static void write_all(const char *s, size_t n)
{
	while (n) {
		long k = sys_console_write(s, n);
		if (k <= 0) {
			return;
		}
		s += k;
		n -= (size_t)k;
	}
}

void out(const char *s)
{
	write_all(s, strlen(s));
}

void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	write_all(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, 10, UINT32_MAX, &x) < 0) {
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

static void cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out("commands:\n"
	    "  help                         this list\n"
	    "  cores                        every core: APIC id, partition, free "
	    "memory,\n"
	    "                               CPU driver instance, processes\n"
	    "  spawn APP [on CORE|any] [ARGS]  start a boot-image program\n"
	    "  mem                          free memory of every core\n"
	    "  ps                           processes of every core\n"
	    "  kill PID                     end a process (any core)\n"
	    "  services                     named services and where they run\n"
	    "  devices                      PCI devices, their owners and drivers\n"
	    "  move DEVICE CORE             move a device (and its driver) to CORE\n"
	    "  bench chan A B [sleep]       channel round trip and throughput\n"
	    "  bench remote [ROUNDS]        remote spawn, borrow, all-core ops\n"
	    "                               between cores A and B\n"
	    "  put KEY VALUE                block store: KEY = VALUE (the rest "
	    "of the line)\n"
	    "  get KEY                      block store: the value of KEY\n"
	    "  del KEY                      block store: remove KEY\n"
	    "  list                         block store: every key\n"
	    "  store [format]               block store: status (format: "
	    "make an empty one)\n"
	    "  poweroff                     switch the machine off\n");
}

static void cmd_cores(int argc, char **argv)
{
	struct monitor_core_stat_reply st;

	(void)argv;
	if (argc != 1) {
		out("usage: cores\n");
		return;
	}
	out("core apic partition                     free MiB  driver at   "
	    "procs\n");
	for (uint32_t c = 0; c < me.ncores; c++) {
		int r = mon_core_stat(c, &st);
		if (r < 0) {
			say("%4u (no answer: %s)\n", c, err_msg(r));
			continue;
		}
		say("%4u %4u 0x%010lx-0x%010lx %8lu  0x%08lx %5u\n", c,
		    st.apic_id, (unsigned long)st.part_base,
		    (unsigned long)st.part_end,
		    (unsigned long)(st.free_bytes >> 20),
		    (unsigned long)st.kern_phys, st.nprocs);
	}
}

static void cmd_spawn(int argc, char **argv)
{
	char args[SYS_ARGS_MAX] = "";
	uint32_t core = me.core_id, pid;
	int first = 2, r;

	if (argc < 2) {
		out("usage: spawn APP [on CORE|any] [ARGS]\n");
		return;
	}
	if (argc >= 4 && strcmp(argv[2], "on") == 0) {
		first = 4;
		if (strcmp(argv[3], "any") == 0) {
			core = MON_CORE_ANY;
		} else if (parse_u32(argv[3], &core) < 0 || core >= me.ncores) {
			say("spawn: no core '%s' (0..%u or any)\n", argv[3],
			    me.ncores - 1);
			return;
		}
	}
	for (int i = first; i < argc; i++) {
		if (strlen(args) + strlen(argv[i]) + 2 > sizeof(args)) {
			out("spawn: arguments too long\n");
			return;
		}
		if (args[0]) {
			strlcpy(args + strlen(args), " ", 2);
		}
		strlcpy(args + strlen(args), argv[i], sizeof(args) - strlen(args));
	}
	r = mon_spawn(argv[1], args, core, &pid);
	if (r < 0) {
		say("spawn: %s: %s\n", argv[1], err_msg(r));
		return;
	}
	say("started %s on core %u, pid 0x%x\n", argv[1], SYS_PID_CORE(pid),
	    pid);
}

/* bench_wait: waits until the client and, if server is not 0, the server
 * have exited; says so if the client failed */
static void bench_wait(uint32_t client, uint32_t server)
{
	uint32_t pid;
	int64_t status;
	int left = server ? 2 : 1;

	while (left && mon_wait_exit(&pid, &status) == 0) {
		if (pid != client && pid != server) {
			continue;
		}
		left--;
		if (pid == client && status != 0) {
			say("bench: failed (status %ld)\n", (long)status);
		}
	}
}

static void cmd_bench(int argc, char **argv)
{
	static unsigned runs;
	uint32_t a, b, rounds = 20, client, server;
	char name[24], args[64];
	int sleep = argc == 5 && strcmp(argv[4], "sleep") == 0;
	int r;

	if (argc >= 2 && strcmp(argv[1], "remote") == 0) {
		if (argc > 3 || (argc == 3 && (parse_u32(argv[2], &rounds) < 0 ||
					       rounds < 1 || rounds > 1000))) {
			say("usage: bench remote [ROUNDS]   (1..1000)\n");
			return;
		}
		snprintf(args, sizeof(args), "%u", rounds);
		r = mon_spawn("remotebench", args, 0, &client);
		if (r < 0) {
			say("bench remote failed: cannot start: %s\n",
			    err_msg(r));
			return;
		}
		bench_wait(client, 0);
		return;
	}
	if ((argc != 4 && !sleep) || strcmp(argv[1], "chan") != 0 ||
	    parse_u32(argv[2], &a) < 0 || parse_u32(argv[3], &b) < 0 ||
	    a >= me.ncores || b >= me.ncores) {
		say("usage: bench chan A B [sleep]   (cores 0..%u)\n"
		    "       bench remote [ROUNDS]\n",
		    me.ncores - 1);
		return;
	}
	snprintf(name, sizeof(name), "bench-%u", ++runs);
	snprintf(args, sizeof(args), "%s once%s", name, sleep ? " sleep" : "");
	r = mon_spawn("echosvc", args, b, &server);
	if (r == 0) {
		r = mon_spawn("chanbench", name, a, &client);
	}
	if (r < 0) {
		say("bench: cannot start: %s\n", err_msg(r));
		return;
	}
	say("bench: core %u pings a service on core %u%s...\n", a, b,
	    sleep ? " (asleep between messages)" : "");
	bench_wait(client, server);
}

static void cmd_ps(int argc, char **argv)
{
	static struct monitor_ps_reply ps;

	(void)argv;
	if (argc != 1) {
		out("usage: ps\n");
		return;
	}
	out("core pid      name\n");
	for (uint32_t c = 0; c < me.ncores; c++) {
		char *name = ps.names;
		int r = mon_ps(c, &ps);

		if (r < 0) {
			say("%4u (no answer: %s)\n", c, err_msg(r));
			continue;
		}
		name = ps.names;
		for (uint32_t i = 0; i < ps.pids_count; i++) {
			char one[SYS_NAME_MAX];
			char *end = strchr(name, ' ');
			size_t len = end ? (size_t)(end - name) : strlen(name);

			strlcpy(one, name, len + 1 < sizeof(one) ? len + 1
								 : sizeof(one));
			say("%4u 0x%-6x %s\n", c, ps.pids[i], one);
			name += len + (end ? 1 : 0);
		}
	}
}

static int parse_pid(const char *s, uint32_t *pid)
{
	uint64_t v;

	if (parse_u64(s, 16, UINT32_MAX, &v) < 0) {
		return -1;
	}
	*pid = (uint32_t)v;
	return 0;
}

static void cmd_kill(int argc, char **argv)
{
	uint32_t pid;
	int r;

	if (argc != 2 || parse_pid(argv[1], &pid) < 0) {
		out("usage: kill PID   (hex, as ps shows it)\n");
		return;
	}
	r = mon_kill(pid);
	if (r < 0) {
		say("kill: 0x%x: %s\n", pid, err_msg(r));
		return;
	}
	say("killed 0x%x\n", pid);
}

static void cmd_services(int argc, char **argv)
{
	static struct monitor_services_reply sv;
	int r;

	(void)argc;
	(void)argv;
	r = mon_services(&sv);
	if (r < 0) {
		say("services: %s\n", err_msg(r));
		return;
	}
	say("%s\n", sv.list[0] ? sv.list : "(no services)");
}

static void cmd_mem(int argc, char **argv)
{
	struct monitor_core_stat_reply st;
	uint64_t total = 0, free = 0;

	(void)argc;
	(void)argv;
	for (uint32_t c = 0; c < me.ncores; c++) {
		if (mon_core_stat(c, &st) == 0) {
			total += st.part_end - st.part_base;
			free += st.free_bytes;
			say("core %u: %lu of %lu KiB free\n", c,
			    (unsigned long)(st.free_bytes >> 10),
			    (unsigned long)((st.part_end - st.part_base) >> 10));
		}
	}
	say("all: %lu of %lu MiB free\n", (unsigned long)(free >> 20),
	    (unsigned long)(total >> 20));
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out("powering off\n");
	sys_poweroff();
	out("poweroff: the machine is still on\n");
}

/* --- the block store, over the service "store" (store.if) --- */

static struct {
	struct chan ch;
	uint32_t core, seq;
	int bound;
} store;

static int store_send(void *tctx, uint8_t type, const void *buf, size_t len)
{
	int r = chan_msg_send(&store.ch, type, buf, len);

	(void)tctx;
	if (r == 0 && chan_needs_doorbell(&store.ch)) {
		sys_doorbell(store.core);
	}
	return r;
}

/* store_bind: a channel to the service, bound on first use */
static int store_bind(const char *cmd)
{
	uint32_t pid;
	void *va;
	int r;

	if (store.bound) {
		return 0;
	}
	r = mon_bind("store", &va, &pid);
	if (r == E_NOENT) {
		say("%s: no store service is running (the 'store' program "
		    "drives the disk)\n", cmd);
		return r;
	}
	if (r < 0) {
		say("%s: cannot reach the store service: %s\n", cmd,
		    err_msg(r));
		return r;
	}
	chan_init(&store.ch, va, 1);
	store.core = SYS_PID_CORE(pid);
	store.bound = 1;
	return 0;
}

/* the answer store_await found */
static struct {
	uint8_t type;
	size_t len;
	uint8_t buf[CHAN_MSG_MAX];
} ans;

/* store_await: the message answering call id into `ans`, skipping late
 * answers to earlier calls; the error the service sent instead; or
 * E_TIMEOUT (the channel is then given up). Errors are reported. */
static int store_await(const char *cmd, uint32_t id)
{
	uint8_t *type = &ans.type, *buf = ans.buf;
	size_t *len = &ans.len;
	uint64_t end = sys_time_ns() + STORE_TIMEOUT_NS;
	struct store_error e;
	uint32_t got;
	int n;

	for (;;) {
		n = chan_msg_recv(&store.ch, type, buf, CHAN_MSG_MAX);
		if (n == E_AGAIN) {
			uint64_t now = sys_time_ns();

			if (now >= end) {
				say("%s: no answer from the store service\n",
				    cmd);
				store.bound = 0;
				return E_TIMEOUT;
			}
			chan_sleep(&store.ch);
			if (!chan_pending(&store.ch)) {
				sys_wait(end - now);
			}
			chan_wake(&store.ch);
			continue;
		}
		if (n < 0) {
			say("%s: bad answer from the store service: %s\n", cmd,
			    err_msg(n));
			return n;
		}
		*len = (size_t)n;
		if (*type == STORE_MSG_ERROR &&
		    store_error_unmarshal(buf, *len, &e) == 0 &&
		    e.call_id == id) {
			say("%s: the store service refused: %s\n", cmd,
			    err_msg(e.err));
			return e.err < 0 ? e.err : E_FORMAT;
		}
		if (store_call_id_of(*type, buf, *len, &got) == 0 && got == id) {
			return 0;
		}
	}
}

/* store_sent: r, what sending a request gave, reported if an error */
static int store_sent(const char *cmd, int r)
{
	if (r < 0) {
		say("%s: cannot send: %s\n", cmd, err_msg(r));
	}
	return r;
}

/* store_matched: r, what matching the answer gave, reported if an error */
static int store_matched(const char *cmd, int r)
{
	if (r < 0) {
		say("%s: malformed answer from the store service\n", cmd);
	}
	return r;
}

/* store_key: argv's key into a request's key field, or a message */
static int store_key(const char *cmd, const char *arg, char *key, size_t cap)
{
	if (strlcpy(key, arg, cap) >= cap) {
		say("%s: key too long (at most %u bytes)\n", cmd,
		    (unsigned)cap - 1);
		return -1;
	}
	return 0;
}

/* rest_after: the raw line after its first n words */
static const char *rest_after(int n)
{
	const char *p = raw_line;

	for (int i = 0; i < n; i++) {
		while (*p == ' ') {
			p++;
		}
		while (*p && *p != ' ') {
			p++;
		}
	}
	return *p == ' ' ? p + 1 : p;
}

static void cmd_put(int argc, char **argv)
{
	static struct store_put_req q;
	struct store_put_reply rep;
	const char *val;
	size_t n;

	if (argc < 3) {
		out("usage: put KEY VALUE   (VALUE: the rest of the line)\n");
		return;
	}
	memset(&q, 0, sizeof(q));
	if (store_key("put", argv[1], q.key, sizeof(q.key)) < 0) {
		return;
	}
	val = rest_after(2);
	n = strlen(val);
	if (n > sizeof(q.value)) {
		say("put: value too long (at most %u bytes)\n",
		    (unsigned)sizeof(q.value));
		return;
	}
	memcpy(q.value, val, n);
	q.value_len = (uint16_t)n;
	if (store_bind("put") < 0 ||
	    store_sent("put", store_call_put(store_send, NULL, &store.seq,
					       &q)) < 0 ||
	    store_await("put", (&q)->call_id) < 0 ||
	    store_matched("put", store_put_match(&q, ans.type, ans.buf,
						  ans.len, &rep)) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("put: %s\n", store_err_msg(rep.err));
		return;
	}
	say("stored %s (%u bytes)\n", q.key, (unsigned)n);
}

/* out_value: the value as text, bytes outside ' '..'~' as '.' */
static void out_value(const uint8_t *v, size_t n)
{
	char buf[128];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		buf[k++] = v[i] >= ' ' && v[i] <= '~' ? (char)v[i] : '.';
		if (k == sizeof(buf)) {
			write_all(buf, k);
			k = 0;
		}
	}
	buf[k++] = '\n';
	write_all(buf, k);
}

static void cmd_get(int argc, char **argv)
{
	struct store_get_req q = {0};
	static struct store_get_reply rep;

	if (argc != 2) {
		out("usage: get KEY\n");
		return;
	}
	if (store_key("get", argv[1], q.key, sizeof(q.key)) < 0 ||
	    store_bind("get") < 0 ||
	    store_sent("get", store_call_get(store_send, NULL, &store.seq,
					       &q)) < 0 ||
	    store_await("get", (&q)->call_id) < 0 ||
	    store_matched("get", store_get_match(&q, ans.type, ans.buf,
						  ans.len, &rep)) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("get: %s: %s\n", q.key, store_err_msg(rep.err));
		return;
	}
	out_value(rep.value, rep.value_len);
}

static void cmd_del(int argc, char **argv)
{
	struct store_del_req q = {0};
	struct store_del_reply rep;

	if (argc != 2) {
		out("usage: del KEY\n");
		return;
	}
	if (store_key("del", argv[1], q.key, sizeof(q.key)) < 0 ||
	    store_bind("del") < 0 ||
	    store_sent("del", store_call_del(store_send, NULL, &store.seq,
					       &q)) < 0 ||
	    store_await("del", (&q)->call_id) < 0 ||
	    store_matched("del", store_del_match(&q, ans.type, ans.buf,
						  ans.len, &rep)) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("del: %s: %s\n", q.key, store_err_msg(rep.err));
		return;
	}
	say("deleted %s\n", q.key);
}

/* list_page: prints one reply's keys; 1 if more follow (q->after set to
 * the last), 0 at the end, -1 on error */
static int list_page(struct store_list_req *q, unsigned *total)
{
	static struct store_list_reply rep;
	size_t off = 0;
	char key[sizeof(q->after)];

	if (store_bind("list") < 0 ||
	    store_sent("list", store_call_list(store_send, NULL, &store.seq,
					       q)) < 0 ||
	    store_await("list", (q)->call_id) < 0 ||
	    store_matched("list", store_list_match(q, ans.type, ans.buf,
						  ans.len, &rep)) < 0) {
		return -1;
	}
	if (rep.err < 0) {
		say("list: %s\n", store_err_msg(rep.err));
		return -1;
	}
	if (rep.val_lens_count != rep.key_lens_count ||
	    rep.damaged_count != rep.key_lens_count) {
		out("list: malformed answer from the store service\n");
		return -1;
	}
	for (uint16_t i = 0; i < rep.key_lens_count; i++) {
		size_t k = rep.key_lens[i];

		if (k == 0 || k >= sizeof(key) || off + k > rep.keys_len) {
			out("list: malformed answer from the store service\n");
			return -1;
		}
		memcpy(key, rep.keys + off, k);
		key[k] = 0;
		off += k;
		say("%-20s %4u bytes%s\n", key, rep.val_lens[i],
		    rep.damaged[i] ? "  DAMAGED" : "");
		strlcpy(q->after, key, sizeof(q->after));
		++*total;
	}
	return rep.more && rep.key_lens_count ? 1 : 0;
}

static void cmd_list(int argc, char **argv)
{
	static struct store_list_req q;
	unsigned total = 0;
	int r;

	(void)argv;
	if (argc != 1) {
		out("usage: list\n");
		return;
	}
	memset(&q, 0, sizeof(q));
	while ((r = list_page(&q, &total)) == 1) {
	}
	if (r == 0) {
		say("%u key%s\n", total, total == 1 ? "" : "s");
	}
}

static void cmd_store(int argc, char **argv)
{
	static struct store_status_reply st;
	struct store_status_req q = {0};
	struct store_format_req fq = {0};
	struct store_format_reply fr;

	if (argc == 2 && strcmp(argv[1], "format") == 0) {
		if (store_bind("store") < 0 ||
		    store_sent("store", store_call_format(store_send, NULL, &store.seq,
						       &fq)) < 0 ||
		    store_await("store", (&fq)->call_id) < 0 ||
		    store_matched("store", store_format_match(&fq, ans.type, ans.buf,
							  ans.len, &fr)) < 0) {
			return;
		}
		if (fr.err < 0) {
			say("store: format failed: %s\n",
			    store_err_msg(fr.err));
			return;
		}
		out("store: formatted, every key is gone\n");
	} else if (argc != 1) {
		out("usage: store [format]\n");
		return;
	}
	if (store_bind("store") < 0 ||
	    store_sent("store", store_call_status(store_send, NULL, &store.seq,
					       &q)) < 0 ||
	    store_await("store", (&q)->call_id) < 0 ||
	    store_matched("store", store_status_match(&q, ans.type, ans.buf,
						  ans.len, &st)) < 0) {
		return;
	}
	out("store: ");
	out(st.text);
	out("\n");
}

static const struct {
	const char *name;
	void (*run)(int argc, char **argv);
} commands[] = {
	{"help", cmd_help},
	{"cores", cmd_cores},
	{"spawn", cmd_spawn},
	{"bench", cmd_bench},
	{"ps", cmd_ps},
	{"kill", cmd_kill},
	{"services", cmd_services},
	{"mem", cmd_mem},
	{"devices", cmd_devices},
	{"move", cmd_move},
	{"poweroff", cmd_poweroff},
	{"put", cmd_put},
	{"get", cmd_get},
	{"del", cmd_del},
	{"list", cmd_list},
	{"store", cmd_store},
};

static void run(char *line)
{
	static char raw[LINE_MAX + 1];
	char *argv[ARGS_MAX + 1];
	int argc = 0;

	strlcpy(raw, line, sizeof(raw));
	raw_line = raw;
	for (char *p = line; *p && argc < ARGS_MAX;) {
		while (*p == ' ') {
			*p++ = 0;
		}
		if (*p) {
			argv[argc++] = p;
		}
		while (*p && *p != ' ') {
			p++;
		}
	}
	if (!argc) {
		return;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].run(argc, argv);
			return;
		}
	}
	say("unknown command '%s' (try help)\n", argv[0]);
}

static void report_exits(void)
{
	uint32_t pid;
	int64_t status;

	while (mon_take_exit(&pid, &status) == 0) {
		say("[pid 0x%x exited with status %ld]\n", pid, (long)status);
	}
}

int main(int argc, char **argv)
{
	char line[LINE_MAX + 1];
	size_t len = 0;

	(void)argc;
	(void)argv;
	if (sys_info(&me) < 0 || me.core_id != 0) {
		printf("shell: runs on core 0, which owns the console\n");
		return 1;
	}
	/* the prompt comes after `system ready`, so that line stays whole */
	while (!me.ready) {
		sys_wait(0);
		sys_info(&me);
	}
	out("shell: type help\n> ");
	for (;;) {
		char c;

		if (sys_console_read(&c, 1) != 1) {
			/* news of exits only between lines, not mid-typing */
			if (len == 0) {
				mon_poll();
				if (mon_exit_pending()) {
					out("\r");
					report_exits();
					out("> ");
				}
			}
			sys_wait(0);
			continue;
		}
		if (c == '\r' || c == '\n') {
			out("\n");
			line[len] = 0;
			run(line);
			len = 0;
			report_exits();
			out("> ");
		} else if (c == 0x7f || c == '\b') {
			if (len) {
				len--;
				out("\b \b");
			}
		} else if (c >= ' ' && c < 0x7f && len < LINE_MAX) {
			line[len++] = c;
			sys_console_write(&c, 1);
		}
	}
}
