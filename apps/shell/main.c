// SPDX-License-Identifier: MIT
/*
 * The serial shell. Runs on core 0, which owns the console: it reads what
 * is typed (SYS_CONSOLE_READ, halting in SYS_WAIT until the UART's
 * interrupt wakes it), echoes it, edits the line (backspace), and runs one
 * command per line. Everything it learns of other cores it asks their
 * monitors over the mesh (libos/mon.h). Programs it started report their
 * exit when the next line is typed or finished. The block store commands
 * (put, get, del, list, store) are in store.c.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include "shell.h"

#define LINE_MAX 900 /* room for `put KEY VALUE` with a 768-byte value */
#define ARGS_MAX 8

static struct sys_info me;
const char *raw_line; /* the line as typed, for `put` */

/* write: all of s[0..n); the kernel takes at most 256 bytes a call */
void write_all(const char *s, size_t n)
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
	    "  kill PID                     end a process (any core; admin)\n"
	    "  fail CORE HOW [nowait]       make a core fail on purpose "
	    "(admin;\n"
	    "                               `fail` alone says how)\n"
	    "  services                     named services and where they run\n"
	    "  limits                       every core's tables: use/size\n"
	    "  devices                      PCI devices, their owners and drivers\n"
	    "  move DEVICE CORE             move a device (and its driver) to "
	    "CORE (admin)\n"
	    "  bench chan A B [sleep] [N]   channel round trip and throughput\n"
	    "                               between cores A and B\n"
	    "  bench remote [ROUNDS]        remote spawn, borrow, all-core ops\n"
	    "  put KEY VALUE                block store: KEY = VALUE (the rest "
	    "of the line)\n"
	    "  get KEY                      block store: the value of KEY\n"
	    "  del KEY                      block store: remove KEY\n"
	    "  list                         block store: every key\n"
	    "  store [format]               block store: status (format: "
	    "make an empty one)\n"
	    "  trace on [CLASSES] [SIZE]    trace kernel,syscall,chan,monitor "
	    "events (admin)\n"
	    "  trace off | trace dump       discard, or write the trace out "
	    "(docs/tracing.md)\n"
	    "  net                          the network service's counters: "
	    "frames, drops\n"
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
	    "procs  own KiB\n");
	for (uint32_t c = 0; c < me.ncores; c++) {
		int r = mon_core_stat(c, &st);
		if (r == E_LOST) {
			health_line(c);
			continue;
		}
		if (r < 0) {
			say("%4u (no answer: %s)\n", c, err_msg(r));
			continue;
		}
		say("%4u %4u 0x%010lx-0x%010lx %8lu  0x%08lx %5u %8lu\n", c,
		    st.apic_id, (unsigned long)st.part_base,
		    (unsigned long)st.part_end,
		    (unsigned long)(st.free_bytes >> 20),
		    (unsigned long)st.kern_phys, st.nprocs,
		    (unsigned long)(st.footprint >> 10));
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
 * have exited; says so if the client failed. Gives up after BENCH_WAIT_NS
 * (an exit note that never comes must not hang the shell): what is left
 * is ended. */
#define BENCH_WAIT_NS (300ull * 1000 * 1000 * 1000)

static void bench_wait(uint32_t client, uint32_t server)
{
	uint64_t end = sys_time_ns() + BENCH_WAIT_NS, now;
	uint32_t pid;
	int64_t status;
	int left = server ? 2 : 1, r = 0;

	while (left && (now = sys_time_ns()) < end &&
	       (r = mon_wait_exit_ns(end - now, &pid, &status)) == 0) {
		if (pid != client && pid != server) {
			continue;
		}
		left--;
		if (pid == client) {
			client = 0;
			if (status == MON_EXIT_LOST) {
				say("bench: failed (lost with core %u)\n",
				    SYS_PID_CORE(pid));
			} else if (status != 0) {
				say("bench: failed (status %ld)\n",
				    (long)status);
			}
		} else {
			server = 0;
		}
	}
	if (left) {
		say("bench: no exit heard of in %u s (%s); ending it\n",
		    (unsigned)(BENCH_WAIT_NS / 1000000000ull),
		    err_msg(r < 0 ? r : E_TIMEOUT));
		if (client) {
			mon_kill(client);
		}
		if (server) {
			mon_kill(server);
		}
	}
}

static void cmd_bench(int argc, char **argv)
{
	static unsigned runs;
	uint32_t a, b, rounds = 20, client, server, n = 0;
	char name[24], args[64], cargs[40];
	int sleep = argc >= 5 && strcmp(argv[4], "sleep") == 0;
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
	/* bench chan A B [sleep] [N]: N (1..2000) round trips and one-way
	 * messages (apps/chanbench) */
	if (argc < 4 || argc > 4 + sleep + 1 || strcmp(argv[1], "chan") != 0 ||
	    parse_u32(argv[2], &a) < 0 || parse_u32(argv[3], &b) < 0 ||
	    a >= me.ncores || b >= me.ncores ||
	    (argc == 5 + sleep &&
	     (parse_u32(argv[4 + sleep], &n) < 0 || n < 1 || n > 2000))) {
		say("usage: bench chan A B [sleep] [N]   (cores 0..%u, N "
		    "1..2000)\n"
		    "       bench remote [ROUNDS]\n",
		    me.ncores - 1);
		return;
	}
	snprintf(name, sizeof(name), "bench-%u", ++runs);
	snprintf(args, sizeof(args), "%s once%s", name, sleep ? " sleep" : "");
	if (n) {
		snprintf(cargs, sizeof(cargs), "%s %u", name, n);
	} else {
		snprintf(cargs, sizeof(cargs), "%s", name);
	}
	r = mon_spawn("echosvc", args, b, &server);
	if (r == 0) {
		r = mon_spawn("chanbench", cargs, a, &client);
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
		char *name;
		int r;

		memset(&ps, 0, sizeof(ps));
		r = mon_ps(c, &ps);
		if (r == E_LOST && ps.core != c) {
			ps.pids_count = 0; /* the error came alone */
		}

		if (r == E_LOST) {
			/* core 0's monitor lists what ran there */
			say("%4u (core lost: what ran there is gone)\n", c);
		} else if (r < 0) {
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
			say("%4u 0x%-6x %s%s\n", c, ps.pids[i], one,
			    r == E_LOST ? " (lost)" : "");
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
			/* what it has: its own memory (partition and boot
			 * slice) and what it borrowed, less what it lent;
			 * its free memory is part of that */
			uint64_t has = st.part_end - st.part_base +
				       st.slice_bytes + st.borrowed_bytes -
				       st.lent_bytes;

			char more[64] = "";

			total += has;
			free += st.free_bytes;
			if (st.borrowed_bytes || st.lent_bytes) {
				snprintf(more, sizeof(more),
					 ", %lu KiB borrowed, %lu KiB lent",
					 (unsigned long)(st.borrowed_bytes >> 10),
					 (unsigned long)(st.lent_bytes >> 10));
			}
			say("core %u: %lu of %lu KiB free%s\n", c,
			    (unsigned long)(st.free_bytes >> 10),
			    (unsigned long)(has >> 10), more);
		}
	}
	say("all: %lu of %lu MiB free\n", (unsigned long)(free >> 20),
	    (unsigned long)(total >> 20));
}

/* frac: "used/size" in buffer k (of 9); "-" for size 0 (not kept or
 * not known there) */
static const char *frac(uint32_t used, uint32_t size, int k)
{
	static char b[9][24];

	if (!size) {
		return "-";
	}
	snprintf(b[k], sizeof(b[k]), "%u/%u", used, size);
	return b[k];
}

/* count: just the use, for a table with no fixed size */
static const char *count(uint32_t used, int k)
{
	static char b[9][24];

	snprintf(b[k], sizeof(b[k]), "%u", used);
	return b[k];
}

/* cmd_limits: each core's tables as its monitor counts them, use/size:
 * kernel processes, the monitor's process channels, relayed calls
 * waiting, exit watches, service names (core 0), bindings to the core's
 * servers, borrowed ranges, the monitor's channel address slots, the
 * kernel's half-closed channel frames (- where a table is not kept) */
static void cmd_limits(int argc, char **argv)
{
	struct monitor_limits_reply l;

	(void)argv;
	if (argc != 1) {
		out("usage: limits\n");
		return;
	}
	out("core   procs  mon-procs  relays   watch  services   binds  "
	    "borrowed  chan-slots  half-closed\n");
	for (uint32_t c = 0; c < me.ncores; c++) {
		int r = mon_limits(c, &l);
		if (r < 0) {
			say("%4u (no answer: %s)\n", c, err_msg(r));
			continue;
		}
		say("%4u %7s %10s %7s %7s %9s %7s %9s %11s %12s\n", c,
		    frac(l.procs_used, l.procs_size, 0),
		    frac(l.mon_procs_used, l.mon_procs_size, 1),
		    frac(l.relays_used, l.relays_size, 2),
		    frac(l.watch_used, l.watch_size, 3),
		    frac(l.services_used, l.services_size, 4),
		    frac(l.binds_used, l.binds_size, 5),
		    l.borrowed_size ? frac(l.borrowed_used, l.borrowed_size, 6)
				    : count(l.borrowed_used, 6),
		    frac(l.chan_used, l.chan_size, 7),
		    l.half_closed_size
			? frac(l.half_closed_used, l.half_closed_size, 8)
			: count(l.half_closed_used, 8));
	}
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out("powering off\n");
	sys_poweroff();
	out("poweroff: the machine is still on\n");
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
	{"fail", cmd_fail},
	{"services", cmd_services},
	{"limits", cmd_limits},
	{"mem", cmd_mem},
	{"devices", cmd_devices},
	{"move", cmd_move},
	{"poweroff", cmd_poweroff},
	{"put", cmd_put},
	{"get", cmd_get},
	{"del", cmd_del},
	{"list", cmd_list},
	{"store", cmd_store},
	{"trace", cmd_trace},
	{"net", cmd_net},
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
		if (status == MON_EXIT_LOST) {
			say("[pid 0x%x lost with core %u]\n", pid,
			    SYS_PID_CORE(pid));
			continue;
		}
		say("[pid 0x%x exited with status %ld]\n", pid, (long)status);
	}
}

/* idle_wait: halt until a key or a message from the monitor: the
 * monitor's channel is marked asleep first (channels/chan.h), so the note
 * of a program that exits meanwhile rings our doorbell */
static void idle_wait(void)
{
	struct chan *mc = mon_channel();

	if (mc) {
		chan_sleep(mc);
	}
	if (!mc || !chan_pending(mc)) {
		sys_wait(0);
	}
	if (mc) {
		chan_wake(mc);
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
				idle_wait();
			} else {
				sys_wait(0); /* a key wakes us */
			}
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
