// SPDX-License-Identifier: MIT
/*
 * sysfuzz: random system calls and random monitor messages on every core,
 * then a check that nothing was lost (issue 12).
 *
 *   sysfuzz run SEED CALLS       the coordinator (tests/system/sysfuzz.test
 *                                starts it on core 0): makes every link
 *                                between monitors, notes every core's free
 *                                memory, starts a worker on every core,
 *                                waits for them, then checks that every
 *                                partition has its memory back and every
 *                                monitor answers
 *   sysfuzz fuzz SEED CALLS [chain] [trace FIRST]
 *                                a worker: CALLS random system calls (and
 *                                about one monitor message per 32 calls)
 *                                from the stream of SEED and its core;
 *                                `chain`: first starts a worker on core+4
 *                                (how the coordinator, which may have only
 *                                4 live children, reaches 8 cores) and
 *                                waits for it at the end; `trace FIRST`:
 *                                prints every call from number FIRST on,
 *                                before making it
 *
 * The stream (splitmix64 of SEED and the core) picks each call's number
 * and arguments: valid pointers (into a scratch area of its own), NULL,
 * unmapped, the kernel half, non-canonical, ranges that cross from mapped
 * into unmapped pages or end at or past the top of user space, other
 * cores' partitions and frames as pointers and as physical addresses,
 * huge lengths, numbers past SYS_COUNT. Only what earlier calls returned
 * (the heap's end after SYS_MEM_MAP, pids of the programs it started)
 * feeds back into later arguments, so one seed replays one core's calls.
 *
 * A worker never touches bad memory itself (it only hands it to the
 * kernel), never exits, powers off or waits without a deadline through a
 * random call, maps at most 8 MiB, never asks its monitor to end itself,
 * its chained worker, a monitor or the shell, starts only `hello`, and
 * prints nothing through SYS_LOG but its own lines, so the console stays
 * readable. It reads and drops what its monitor sends back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/chan.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>

/* the user address space (cpudriver's arch/memlayout.h; kept here as the
 * values a program sees, since it is what is fuzzed) */
#define PAGE 4096ull
#define U_BASE 0x400000ull
#define U_TOP 0x00007ffffffff000ull
#define U_STACK_TOP 0x00007fff00000000ull
#define U_STACK_SIZE (64ull << 10)
#define U_HEAP_BASE 0x0000010000000000ull
#define U_CHAN_BASE 0x00007fe000000000ull
#define U_DEV_BASE 0x00007f0000000000ull
#define U_MOD_BASE 0x00007e0000000000ull
#define K_HALF 0xffff800000000000ull

#define SCRATCH (64ull << 10)  /* what the kernel may read and write */
#define SLACK (8ull << 10)     /* no valid pointer within this of its end */
#define MAP_CAP (8ull << 20)   /* SYS_MEM_MAP total a worker asks for */
#define MSG_EVERY 64           /* about one monitor message per this */
#define PROGRESS 100000        /* a progress line per this many calls */
#define MAX_KIDS 64
#define MAX_CORES 64

static uint64_t rng;
static struct sys_info me;
static struct sys_core cores[MAX_CORES];
static uint32_t ncores;
static uint8_t *scratch;
static uint64_t heap_end, mapped;
static uint32_t chain_pid;       /* the worker it started, 0: none */
static int64_t chain_status = 1; /* its exit status once heard */
static bool chain_done;
static uint32_t kids[MAX_KIDS];  /* hellos it started */
static unsigned nkids, kids_exited;
static uint32_t guard[64];       /* pids never to ask to end */
static unsigned nguard;
static uint64_t trace_from = UINT64_MAX;
static char trace_buf[160];

/* counters for the summary */
static uint64_t by_result[20], ok_calls, skipped;
static uint64_t t0;
static uint64_t msgs_sent, msgs_full, replies, errors_back, spawned, bound;

/* next: splitmix64 */
static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

/* say: one console line, offered again while the console ring is full
 * (for at most 10 s), so the lines a test looks for are never dropped */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char line[320];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	if ((size_t)n > sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	for (int i = 0; i < 1000 && sys_log(line, (size_t)n) == E_FULL; i++) {
		sys_wait(10000000);
	}
}

/* ---------------------------------------------------------------------
 * Arguments
 */

/* phys: a physical address somewhere interesting: another core's
 * partition (base, end, a frame inside), its monitor link frame, this
 * core's CPU driver */
static uint64_t phys(void)
{
	const struct sys_core *c = &cores[below(ncores)];

	switch (below(8)) {
	case 0:
		return c->part_base;
	case 1:
		return c->part_end - PAGE;
	case 2:
		return c->part_end;
	case 3:
		return c->monlink_phys;
	case 4:
		return me.kern_phys + below(64) * PAGE;
	case 5:
		return c->part_base +
		       (below(c->part_end - c->part_base) & ~(PAGE - 1));
	case 6:
		return c->part_base + below(c->part_end - c->part_base);
	default:
		return next();
	}
}

/* ptr: a pointer of a random kind; *safe says whether the kernel could
 * read (and write) whole ranges there without harming this program:
 * only the scratch area is valid memory it hands out */
static uint64_t ptr(void)
{
	switch (below(16)) {
	case 0:
		return 0;
	case 1: case 2: case 3: case 4:
		return (uint64_t)(uintptr_t)scratch + below(SCRATCH - SLACK);
	case 5: /* the heap's last page and past it */
		return heap_end - 1 - below(2 * PAGE);
	case 6: /* below the stack: the guard, then the stack */
		return U_STACK_TOP - U_STACK_SIZE - 1 - below(2 * PAGE);
	case 7: /* unmapped low memory, the first page included */
		return below(U_BASE);
	case 8:
		return K_HALF + below(1ull << 40) * 8;
	case 9: /* the kernel half's very top */
		return 0 - 1 - below(2 * PAGE);
	case 10: /* non-canonical */
		return 0x0000800000000000ull + below(0xffff000000000000ull);
	case 11: /* at or near the top of user space */
		return U_TOP - below(2 * PAGE) + (below(2) ? PAGE : 0);
	case 12: /* another core's memory, as if it were an address here */
		return phys();
	case 13: /* read-only: its own program, a boot module's region */
		return below(2) ? (uint64_t)(uintptr_t)&ptr + below(256)
				: U_MOD_BASE + below(1ull << 24);
	case 14: /* channel and device regions */
		return (below(2) ? U_CHAN_BASE : U_DEV_BASE) + below(1ull << 24);
	default:
		return next();
	}
}

static uint64_t len(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1: case 2:
		return 1 + below(64);
	case 3:
		return 1 + below(PAGE);
	case 4: /* crosses at least one page */
		return PAGE + 1 + below(2 * PAGE);
	case 5:
		return SCRATCH + below(SCRATCH);
	case 6:
		return U_TOP - below(2);
	case 7:
		return (1ull << (32 + below(32))) - below(2);
	case 8:
		return 0 - below(PAGE);
	default:
		return next();
	}
}

static uint64_t core_arg(void)
{
	switch (below(4)) {
	case 0: case 1:
		return below(ncores);
	case 2:
		return ncores + below(4);
	default:
		return next();
	}
}

static uint64_t pid_arg(void)
{
	uint64_t k = next(); /* drawn whether or not it has children */

	switch (below(6)) {
	case 0:
		return me.pid;
	case 1:
		return 0;
	case 2:
		return nkids ? kids[k % nkids] : me.pid;
	case 3:
		return below(ncores) << 16 | (1 + below(16));
	case 4:
		return below(1ull << 32);
	default:
		return next();
	}
}

static uint64_t idx_arg(void)
{
	return below(4) ? below(40) : next();
}

/* in_own: [p, p+n) touches memory this program has mapped readable
 * (its image, heap, stack, modules): SYS_LOG would print it */
static bool in_own(uint64_t p, uint64_t n)
{
	static const uint64_t r[][2] = {
		{U_BASE, U_BASE + (64ull << 20)},
		{U_HEAP_BASE, U_HEAP_BASE + (64ull << 30)},
		{U_STACK_TOP - U_STACK_SIZE, U_STACK_TOP},
		{U_MOD_BASE, U_MOD_BASE + (64ull << 30)},
		{U_CHAN_BASE, U_CHAN_BASE + (4096ull << 12)},
	};
	uint64_t e = p + n;

	if (e < p) {
		e = UINT64_MAX;
	}
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (p < r[i][1] && e > r[i][0]) {
			return true;
		}
	}
	return false;
}

/* the module names SYS_MOD_MAP may find */
static const char *const names[] = {"hello", "sysfuzz", "monitor", "shell",
				     "manifest", "spin"};

/* ---------------------------------------------------------------------
 * System calls
 */

static void count(long r)
{
	if (r >= 0) {
		ok_calls++;
	} else if (-r < (long)(sizeof(by_result) / sizeof(by_result[0]))) {
		by_result[-r]++;
	} else {
		by_result[0]++; /* an error no E_* names */
	}
}

/* one_call: call number i of the stream */
static void one_call(uint64_t i)
{
	uint64_t nr, a[6];
	unsigned pick = (unsigned)below(100);
	long r;

	if (pick < 88) {
		nr = below(SYS_COUNT);
	} else if (pick < 96) {
		nr = SYS_COUNT + below(64);
	} else {
		nr = next();
	}
	for (int k = 0; k < 6; k++) {
		a[k] = next(); /* what unused argument registers carry */
	}
	switch (nr) {
	case SYS_LOG:
	case SYS_CONSOLE_WRITE:
	case SYS_CONSOLE_READ:
		a[0] = ptr();
		a[1] = len();
		if (nr != SYS_CONSOLE_READ && in_own(a[0], a[1])) {
			a[1] = 0; /* would print its own memory */
		}
		break;
	case SYS_EXIT:
	case SYS_POWEROFF:
		skipped++;
		return;
	case SYS_WAIT: /* never 0 (no deadline) nor long */
		a[0] = 1 + below(2000000);
		break;
	case SYS_INFO:
	case SYS_REAP:
	case SYS_MEM_RELEASE:
	case SYS_DMA_ADDR:
		a[0] = ptr();
		break;
	case SYS_SPAWN:
		a[0] = below(4) ? (uint64_t)(uintptr_t)names[below(6)] : ptr();
		a[1] = below(2) ? 5 : len();
		a[2] = ptr();
		a[3] = len();
		a[4] = below(2) ? phys() : 0;
		a[5] = below(2) ? ptr() : 0;
		break;
	case SYS_BOOT_START:
	case SYS_BOOT_SERVICE:
	case SYS_DEV_INFO:
		a[0] = idx_arg();
		a[1] = ptr();
		break;
	case SYS_CHAN_CREATE:
		a[0] = ptr();
		a[1] = pid_arg();
		a[2] = core_arg();
		a[3] = pid_arg();
		break;
	case SYS_CHAN_MAP:
		a[0] = phys();
		a[1] = ptr();
		a[2] = below(2) ? ptr() : 0;
		break;
	case SYS_CHAN_GRANT:
		a[0] = pid_arg();
		a[1] = phys();
		a[2] = ptr();
		break;
	case SYS_DOORBELL:
	case SYS_RING_YIELD:
		a[0] = core_arg();
		break;
	case SYS_RING_WAIT: /* as SYS_WAIT: a short deadline */
		a[0] = core_arg();
		a[2] = 1 + below(2000000);
		break;
	case SYS_CORE_INFO:
		a[0] = core_arg();
		a[1] = ptr();
		break;
	case SYS_PROC_LIST:
		a[0] = ptr();
		a[1] = below(2) ? below(40) : len();
		break;
	case SYS_KILL:
		a[0] = pid_arg();
		break;
	case SYS_MEM_MAP: /* at most MAP_CAP in all, or sizes that fail */
		a[0] = 1 + below(64ull << 10);
		if (mapped + a[0] > MAP_CAP || below(4) == 0) {
			a[0] = below(2) ? (1ull << 30) + next() % (1ull << 45)
					: 0 - below(PAGE);
		} else {
			mapped += a[0];
		}
		break;
	case SYS_MEM_LEND:
		a[0] = len();
		a[1] = core_arg();
		a[2] = ptr();
		a[3] = len();
		break;
	case SYS_MEM_ADOPT:
	case SYS_MEM_RECLAIM:
		a[0] = phys();
		a[1] = below(2) ? (2ull << 20) << below(4) : len();
		a[2] = ptr();
		break;
	case SYS_DEV_CFG:
		a[0] = idx_arg();
		a[1] = below(2) ? below(4096) : next();
		a[2] = below(2) ? (1u << below(3)) | (below(2) ? SYS_CFG_WRITE : 0)
				: next();
		break;
	case SYS_DEV_MAP:
	case SYS_DEV_IRQ_FREE:
		a[0] = idx_arg();
		a[1] = idx_arg();
		break;
	case SYS_DEV_IRQ:
		a[0] = idx_arg();
		a[1] = idx_arg();
		a[2] = ptr();
		break;
	case SYS_DEV_RELEASE:
	case SYS_DEV_ADOPT:
		a[0] = idx_arg();
		break;
	case SYS_MOD_MAP:
		if (below(2)) {
			const char *n = names[below(6)];
			a[0] = (uint64_t)(uintptr_t)n;
			a[1] = below(4) ? strlen(n) : len();
		} else {
			a[0] = ptr();
			a[1] = len();
		}
		a[2] = below(4) ? (uint64_t)(uintptr_t)scratch +
					  below(SCRATCH - SLACK)
				: ptr();
		break;
	default: /* no arguments, or a number nobody knows: all random */
		break;
	}
	if (i >= trace_from) {
		snprintf(trace_buf, sizeof(trace_buf),
			 "sysfuzz: core %u call %lu: nr %lu (%lx %lx %lx %lx %lx "
			 "%lx)",
			 me.core_id, (unsigned long)i, (unsigned long)nr,
			 (unsigned long)a[0], (unsigned long)a[1],
			 (unsigned long)a[2], (unsigned long)a[3],
			 (unsigned long)a[4], (unsigned long)a[5]);
		say("%s", trace_buf);
	}
	r = sys_call6((long)nr, (long)a[0], (long)a[1], (long)a[2],
		      (long)a[3], (long)a[4], (long)a[5]);
	if (nr == SYS_MEM_MAP && r >= 0) {
		heap_end = (uint64_t)r + ((a[0] + PAGE - 1) & ~(PAGE - 1));
	}
	count(r);
}

/* ---------------------------------------------------------------------
 * Monitor messages
 */

static struct chan *mc;

static void kid_add(uint32_t pid)
{
	if (nkids < MAX_KIDS) {
		kids[nkids++] = pid;
	}
}

/* drain: read and drop what the monitor sent, noting the pids of the
 * programs it started for us and their exits */
static void drain(void)
{
	static uint8_t buf[CHAN_MSG_MAX];
	uint8_t type;
	int n;

	while ((n = chan_msg_recv(mc, &type, buf, sizeof(buf))) != E_AGAIN) {
		replies++;
		if (n < 0) {
			continue;
		}
		if (type == MONITOR_MSG_ERROR) {
			errors_back++;
		} else if (type == MONITOR_MSG_SPAWN_REPLY) {
			struct monitor_spawn_reply m;

			if (monitor_spawn_reply_unmarshal(buf, (size_t)n, &m) ==
				    0 &&
			    m.err == 0) {
				spawned++;
				kid_add(m.pid);
			}
		} else if (type == MONITOR_MSG_EXIT_NOTE) {
			struct monitor_exit_note m;

			if (monitor_exit_note_unmarshal(buf, (size_t)n, &m) ==
			    0) {
				if (chain_pid && m.pid == chain_pid) {
					chain_done = true;
					chain_status = m.status;
				} else {
					kids_exited++;
				}
			}
		} else if (type == MONITOR_MSG_BIND_REPLY) {
			struct monitor_bind_reply m;

			if (monitor_bind_reply_unmarshal(buf, (size_t)n, &m) ==
				    0 &&
			    m.err == 0) {
				bound++;
			}
		}
	}
}

/* kick: the monitor runs on this core: ring it if it sleeps (the
 * doorbell may be refused for a moment: our own random calls spend the
 * same budget), then let it run */
static void kick(void)
{
	uint32_t wake = chan_peer_wake(mc);

	if (wake) {
		for (int i = 0; i < 100 && sys_doorbell(me.core_id, wake) == E_AGAIN;
		     i++) {
			sys_yield();
		}
	}
	sys_yield();
	drain();
}

static void rand_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)next();
	}
}

/* rand_str: a string of up to cap-1 bytes: a name from list, or random
 * printable (or any) bytes */
static void rand_str(char *s, size_t cap, const char *const *list,
		     size_t nlist)
{
	size_t n = below(cap);
	unsigned how = (unsigned)below(4);

	if (how < 2 && nlist) {
		strlcpy(s, list[below(nlist)], cap);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		s[i] = how == 2 ? (char)(' ' + 1 + below(94))
				: (char)(1 + below(255));
	}
	s[n] = 0;
}

static const char *const svc_names[] = {"fz0", "fz1", "fz2", "fz3",
					"net", "store", "echo"};
static const char *const dev_names[] = {"virtio-net", "virtio-blk", "x"};

/* safe_kill: a pid a kill_req may name: never itself, its chained
 * worker, a monitor or the shell (the monitors refuse most others) */
static uint32_t safe_kill(uint32_t pid)
{
	if (pid == me.pid || pid == chain_pid) {
		return 0xdead0000u | (pid & 0xffff);
	}
	for (unsigned i = 0; i < nguard; i++) {
		if (guard[i] == pid) {
			return 0xdead0000u | (pid & 0xffff);
		}
	}
	return pid;
}

/* good_msg: a well-formed message of a type a program may send, with
 * random (often plausible) fields; its length, type */
static int good_msg(uint8_t *buf, uint8_t *type)
{
	uint32_t id = (uint32_t)next() | 0x80000000u; /* never a binding's */

	switch (below(13)) {
	case 0: {
		struct monitor_spawn_req m;

		memset(&m, 0, sizeof(m));
		m.call_id = id;
		m.core = (uint32_t)core_arg();
		if (below(2)) {
			m.core = below(4) ? (uint32_t)below(ncores) : m.core;
			strlcpy(m.app, "hello", sizeof(m.app));
			snprintf(m.args, sizeof(m.args), "exit %u",
				 (unsigned)below(256));
		} else {
			rand_str(m.app, sizeof(m.app), names, 0);
			rand_str(m.args, sizeof(m.args), 0, 0);
		}
		m.rights = below(4) ? 0 : (uint32_t)next();
		m.by_pid = (uint32_t)pid_arg();
		m.by_rights = (uint32_t)next();
		*type = MONITOR_MSG_SPAWN_REQ;
		return monitor_spawn_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 1: {
		struct monitor_kill_req m = {id, 0, 0, 0};

		m.pid = safe_kill((uint32_t)pid_arg());
		m.by_pid = (uint32_t)pid_arg();
		m.by_rights = (uint32_t)next();
		*type = MONITOR_MSG_KILL_REQ;
		return monitor_kill_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 2: {
		struct monitor_export_req m;

		memset(&m, 0, sizeof(m));
		m.call_id = id;
		rand_str(m.name, sizeof(m.name), svc_names, 7);
		m.core = (uint32_t)core_arg();
		m.id = (uint32_t)pid_arg();
		m.by_rights = (uint32_t)next();
		m.by_start = (uint32_t)next();
		rand_str(m.by_app, sizeof(m.by_app), names, 6);
		*type = MONITOR_MSG_EXPORT_REQ;
		return monitor_export_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 3: {
		struct monitor_lookup_req m;

		memset(&m, 0, sizeof(m));
		m.call_id = id;
		rand_str(m.name, sizeof(m.name), svc_names, 7);
		*type = MONITOR_MSG_LOOKUP_REQ;
		return monitor_lookup_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 4: {
		struct monitor_bind_req m;

		memset(&m, 0, sizeof(m));
		m.call_id = id;
		rand_str(m.name, sizeof(m.name), svc_names, 7);
		m.client_core = (uint32_t)core_arg();
		m.client_pid = (uint32_t)pid_arg();
		m.server_core = (uint32_t)core_arg();
		m.server_pid = (uint32_t)pid_arg();
		m.client_rights = (uint32_t)next();
		*type = MONITOR_MSG_BIND_REQ;
		return monitor_bind_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 5: {
		struct monitor_ping m;

		m.call_id = id;
		m.stamp = next();
		m.payload_len = (uint16_t)below(sizeof(m.payload) + 1);
		rand_bytes(m.payload, m.payload_len);
		*type = MONITOR_MSG_PING;
		return monitor_ping_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 6: {
		struct monitor_core_stat_req m = {id, (uint32_t)core_arg()};

		*type = MONITOR_MSG_CORE_STAT_REQ;
		return monitor_core_stat_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 7: {
		struct monitor_ps_req m = {id, (uint32_t)core_arg()};

		*type = MONITOR_MSG_PS_REQ;
		return monitor_ps_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 8: {
		struct monitor_mem_borrow_req m = {id, 0};

		m.bytes = below(2) ? (1 + below(16)) << 20 : len();
		*type = MONITOR_MSG_MEM_BORROW_REQ;
		return monitor_mem_borrow_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 9: {
		struct monitor_mem_return m = {phys(), 0};

		m.size = below(2) ? (2ull << 20) << below(4) : len();
		*type = MONITOR_MSG_MEM_RETURN;
		return monitor_mem_return_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 10: {
		struct monitor_move_req m;

		memset(&m, 0, sizeof(m));
		m.call_id = id;
		rand_str(m.name, sizeof(m.name), dev_names, 3);
		m.core = (uint32_t)core_arg();
		m.by_pid = (uint32_t)pid_arg();
		m.by_rights = (uint32_t)next();
		*type = MONITOR_MSG_MOVE_REQ;
		return monitor_move_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	case 11: {
		struct monitor_agree_req m = {id, 0, 0};

		m.mode = below(4) ? (uint32_t)below(2) : (uint32_t)next();
		m.fanout = below(4) ? (uint32_t)below(70) : (uint32_t)next();
		*type = MONITOR_MSG_AGREE_REQ;
		return monitor_agree_req_marshal(&m, buf, CHAN_MSG_MAX);
	}
	default: {
		/* services or devices (no fields), or a monitor-only type
		 * with random fields: marshalled from random bytes */
		static const uint8_t empty[] = {
			MONITOR_MSG_SERVICES_REQ, MONITOR_MSG_DEVICES_REQ};
		uint8_t t = below(2) ? empty[below(2)]
				     : (uint8_t)(1 + below(MONITOR_MSG_LINK_OFFER));

		*type = t;
		if (t == MONITOR_MSG_SERVICES_REQ ||
		    t == MONITOR_MSG_DEVICES_REQ) {
			memcpy(buf, &id, 4);
			return 4;
		}
		/* a body of the right size for most types, garbage inside */
		rand_bytes(buf, 64);
		return (int)below(64);
	}
	}
}

/* one_msg: one random message (or ring abuse) on the monitor channel */
static void one_msg(void)
{
	static uint8_t buf[CHAN_MSG_MAX + 8];
	uint8_t type = 0;
	int n;
	unsigned how = (unsigned)below(20);

	if (how < 5) { /* any type, random bytes */
		type = (uint8_t)next();
		n = (int)below(below(8) ? 64 : CHAN_MSG_MAX + 1);
		rand_bytes(buf, (size_t)n);
	} else if (how < 18) {
		n = good_msg(buf, &type);
		if (n < 0) {
			return;
		}
		if (how == 16 && n > 0) { /* truncated */
			n = (int)below((uint64_t)n);
		} else if (how == 17) { /* trailing bytes */
			size_t extra = 1 + below(8);
			rand_bytes(buf + n, extra);
			n += (int)extra;
		}
	} else if (how == 18) { /* fragments whose type changes midway */
		uint8_t junk[RING_PAYLOAD], t1, t2;
		size_t n2;

		/* every random draw before any result is looked at: the
		 * stream must not depend on whether the ring had room */
		rand_bytes(junk, sizeof(junk));
		t1 = (uint8_t)next();
		t2 = (uint8_t)next();
		n2 = below(sizeof(junk));
		if (ring_send(&mc->tx, t1, RING_F_MORE, junk, sizeof(junk)) ==
		    0) {
			ring_send(&mc->tx, t2, 0, junk, n2);
		}
		msgs_sent++;
		kick();
		return;
	} else { /* a slot header that lies about its length or flags */
		struct ring_slot *s = &mc->tx.f->slots[mc->tx.seq % mc->tx.n];
		uint64_t seq = mc->tx.seq + 1, flags = next() & 0xff,
			 n = next() & 0xff, type = next() & 0xffff;

		if (ring_tx_space(&mc->tx) > 0) {
			__atomic_store_n(&s->header,
					 (uint32_t)seq | flags << 32 | n << 40 |
						 type << 48,
					 __ATOMIC_RELEASE);
			mc->tx.seq = seq;
			msgs_sent++;
		}
		kick();
		return;
	}
	if (chan_msg_send(mc, type, buf, (size_t)n) == 0) {
		msgs_sent++;
	} else {
		msgs_full++;
	}
	kick();
}

/* end_stream: a single-fragment message (type 0, empty: the monitor logs
 * it as malformed) ends whatever unfinished message our lies left in the
 * stream to the monitor, so that the next one arrives whole */
static void end_stream(void)
{
	for (int i = 0; i < 1000 && ring_tx_space(&mc->tx) == 0; i++) {
		kick();
		sys_wait(1000000);
	}
	if (ring_send(&mc->tx, 0, 0, "", 0) == 0) {
		kick();
	}
}

/* ---------------------------------------------------------------------
 * The worker
 */

/* learn: the cores' partitions, and the pids of whatever runs now but
 * sysfuzz and hello (the shell, the monitors, drivers): never asked to
 * end */
static void learn(void)
{
	static struct monitor_ps_reply ps;

	ncores = me.ncores < MAX_CORES ? me.ncores : MAX_CORES;
	for (uint32_t c = 0; c < ncores; c++) {
		sys_core_info(c, &cores[c]);
		guard[nguard++] = c << 16 | 1; /* its monitor */
		if (mon_ps(c, &ps) != 0) {
			continue;
		}
		ps.names[sizeof(ps.names) - 1] = 0;
		char *w = ps.names;
		for (unsigned i = 0; i < ps.pids_count && i < 32 && *w; i++) {
			char *sp = strchr(w, ' ');
			size_t wl = sp ? (size_t)(sp - w) : strlen(w);
			bool ours = (wl == 7 && memcmp(w, "sysfuzz", 7) == 0) ||
				    (wl == 5 && memcmp(w, "hello", 5) == 0);

			if (!ours && nguard < sizeof(guard) / sizeof(guard[0])) {
				guard[nguard++] = ps.pids[i];
			}
			w = sp ? sp + 1 : w + wl;
		}
	}
}

static void summary(uint64_t calls)
{
	char line[200];
	size_t o = 0;

	o += (size_t)snprintf(line + o, sizeof(line) - o, "ok %lu",
			      (unsigned long)ok_calls);
	for (int e = 1; e < (int)(sizeof(by_result) / sizeof(by_result[0]));
	     e++) {
		if (by_result[e] && o < sizeof(line)) {
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      ", %s %lu", err_name(-e),
					      (unsigned long)by_result[e]);
		}
	}
	if (by_result[0] && o < sizeof(line)) {
		snprintf(line + o, sizeof(line) - o, ", other %lu",
			 (unsigned long)by_result[0]);
	}
	say("sysfuzz: core %u: %lu calls (%lu skipped) in %lu ms, by result: %s",
	    me.core_id, (unsigned long)calls, (unsigned long)skipped,
	    (unsigned long)((sys_time_ns() - t0) / 1000000), line);
	say("sysfuzz: core %u: %lu monitor messages (%lu not sent: ring full), "
	    "%lu answers (%lu errors), %lu programs started, %lu binds",
	    me.core_id, (unsigned long)msgs_sent, (unsigned long)msgs_full,
	    (unsigned long)replies, (unsigned long)errors_back,
	    (unsigned long)spawned, (unsigned long)bound);
}

static int fuzz(uint64_t seed, uint64_t calls, uint64_t secs, bool chain)
{
	static struct monitor_core_stat_reply st;
	uint64_t i, limit_ns = secs ? secs * 1000000000ull : UINT64_MAX;
	long r;
	int status = 0;

	rng = seed ^ (0xa0761d6478bd642full * (me.core_id + 1));
	say("sysfuzz: core %u seed %lu calls %lu for %lu s (pid 0x%x)",
	    me.core_id, (unsigned long)seed, (unsigned long)calls,
	    (unsigned long)secs, me.pid);
	if (chain && me.core_id + 4 < me.ncores) {
		char args[64];
		int e;

		snprintf(args, sizeof(args), "fuzz %lu %lu for %lu chain",
			 (unsigned long)seed, (unsigned long)calls,
			 (unsigned long)secs);
		e = mon_spawn("sysfuzz", args, me.core_id + 4, &chain_pid);
		if (e < 0) {
			say("sysfuzz: core %u: cannot start the worker of core "
			    "%u: %s",
			    me.core_id, me.core_id + 4, err_msg(e));
			return 1;
		}
	}
	learn();
	r = sys_mem_map(SCRATCH);
	if (r < 0) {
		say("sysfuzz: core %u: no scratch memory: %s", me.core_id,
		    err_msg((int)r));
		return 1;
	}
	scratch = (uint8_t *)(uintptr_t)r;
	heap_end = (uint64_t)r + SCRATCH;
	mc = mon_channel();
	t0 = sys_time_ns();
	for (i = 0; i < calls; i++) {
		if ((i & 255) == 0 && sys_time_ns() - t0 >= limit_ns) {
			break; /* the time is up: i calls made */
		}
		if (below(MSG_EVERY) == 0) {
			one_msg();
		}
		one_call(i);
		if ((i & 15) == 0) {
			drain();
		}
		if ((i + 1) % PROGRESS == 0) {
			say("sysfuzz: core %u: %lu calls", me.core_id,
			    (unsigned long)(i + 1));
		}
	}
	/* the answers still on their way and the programs it started
	 * (hellos: quick): until all those have ended and nothing arrived
	 * for 100 ms, for at most 10 s; its chained worker for as long as
	 * it takes */
	for (int i = 0, quiet = 0; i < 1000 && quiet < 10; i++) {
		uint64_t seen = replies;

		sys_wait(10000000);
		drain();
		quiet = replies == seen && kids_exited >= nkids ? quiet + 1 : 0;
	}
	summary(i);
	if (kids_exited < nkids) {
		say("sysfuzz: core %u: %u of %u programs it started did not "
		    "end",
		    me.core_id, nkids - kids_exited, nkids);
	}
	while (chain_pid && !chain_done) {
		sys_wait(10000000);
		drain();
	}
	if (chain_pid && chain_status != 0) {
		say("sysfuzz: core %u: the worker of core %u (pid 0x%x) ended "
		    "with status %ld",
		    me.core_id, me.core_id + 4, chain_pid, (long)chain_status);
		status = 1;
	}
	/* its own monitor still answers a call (the binding's ids never
	 * collide with the random ones, which have the top bit set); a lying
	 * slot header may have left a message unfinished, which would
	 * swallow the call (a liar corrupts only its own stream): one last
	 * fragment ends it */
	end_stream();
	r = mon_core_stat(me.core_id, &st);
	if (r != 0) {
		say("sysfuzz: core %u: its monitor does not answer: %s",
		    me.core_id, err_msg((int)r));
		return 1;
	}
	say("sysfuzz: core %u done", me.core_id);
	return status;
}

/* ---------------------------------------------------------------------
 * The coordinator
 */

static int free_of(uint64_t *out)
{
	static struct monitor_core_stat_reply st;
	int r;

	for (uint32_t c = 0; c < me.ncores && c < MAX_CORES; c++) {
		r = mon_core_stat(c, &st);
		if (r != 0) {
			say("sysfuzz: monitor %u does not answer: %s", c,
			    err_msg(r));
			return r;
		}
		out[c] = st.free_bytes;
	}
	return 0;
}

/* say_free: every core's free memory in KiB, on one line */
static void say_free(const char *when, const uint64_t *f)
{
	char line[200];
	size_t o = 0;

	for (uint32_t c = 0; c < me.ncores && c < 8 && o < sizeof(line); c++) {
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %lu",
				      (unsigned long)(f[c] >> 10));
	}
	say("sysfuzz: free KiB %s:%s", when, line);
}

static int run(uint64_t seed, uint64_t calls, uint64_t secs)
{
	static uint64_t before[MAX_CORES], after[MAX_CORES];
	static struct monitor_ps_reply ps;
	uint32_t n = me.ncores < 4 ? me.ncores : 4, pid, bad = 0;
	int64_t status;
	char args[64];
	int r, tries;

	/* every monitor must be up before the first agreement */
	while (!me.ready && sys_info(&me) == 0) {
		sys_wait(10000000);
	}
	if (me.ncores > 8) {
		say("sysfuzz: only cores 0-7 get a worker");
	}
	/* the links a tree agreement makes on first use (kept for good):
	 * made now, so that they do not count as memory lost */
	for (uint32_t f = 1; f < me.ncores; f++) {
		r = mon_agree(1, f, 0);
		if (r != 0) {
			say("sysfuzz: agreement with fanout %u: %s", f,
			    err_msg(r));
			return 1;
		}
	}
	if (free_of(before) != 0) {
		return 1;
	}
	say_free("before", before);
	say("sysfuzz: seed %lu, %lu calls per core for at most %lu s, %u cores",
	    (unsigned long)seed, (unsigned long)calls, (unsigned long)secs,
	    me.ncores < 8 ? me.ncores : 8);
	snprintf(args, sizeof(args), "fuzz %lu %lu for %lu chain",
		 (unsigned long)seed, (unsigned long)calls, (unsigned long)secs);
	for (uint32_t c = 0; c < n; c++) {
		r = mon_spawn("sysfuzz", args, c, &pid);
		if (r != 0) {
			say("sysfuzz: cannot start the worker of core %u: %s",
			    c, err_msg(r));
			return 1;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		r = mon_wait_exit(&pid, &status);
		if (r != 0) {
			say("sysfuzz: lost a worker: %s", err_msg(r));
			return 1;
		}
		if (status != 0) {
			say("sysfuzz: worker 0x%x ended with status %ld", pid,
			    (long)status);
			bad++;
		}
	}
	/* memory comes back when the monitors have reaped and given back
	 * what was lent: asked again, for at most 10 s */
	for (tries = 0; tries < 50; tries++) {
		if (free_of(after) != 0) {
			return 1;
		}
		if (memcmp(before, after, sizeof(before)) == 0) {
			break;
		}
		sys_wait(200000000);
	}
	say_free("after", after);
	for (uint32_t c = 0; c < me.ncores && c < MAX_CORES; c++) {
		if (before[c] != after[c]) {
			say("sysfuzz: core %u lost memory: %lu bytes free "
			    "before, %lu after (%ld)",
			    c, (unsigned long)before[c],
			    (unsigned long)after[c],
			    (long)(after[c] - before[c]));
			bad++;
		}
		r = mon_ps(c, &ps);
		if (r != 0) {
			say("sysfuzz: monitor %u does not answer ps: %s", c,
			    err_msg(r));
			bad++;
		}
	}
	r = mon_agree(0, 1, 0);
	if (r != 0) {
		say("sysfuzz: not every monitor acknowledged: %s", err_msg(r));
		bad++;
	}
	if (bad) {
		say("sysfuzz: FAILED (%u problems)", bad);
		return 1;
	}
	say("sysfuzz: every worker done, every partition whole, every monitor "
	    "answers");
	return 0;
}

static int usage(void)
{
	say("usage: sysfuzz run SEED CALLS [for SECONDS] | fuzz SEED CALLS "
	    "[for SECONDS] [chain] [trace FIRST]");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seed, calls, secs = 0;
	bool chain = false;

	if (sys_info(&me) < 0 || !mon_available()) {
		say("sysfuzz: no monitor channel");
		return 1;
	}
	if (argc < 4 || parse_u64(argv[2], 10, UINT64_MAX, &seed) < 0 ||
	    parse_u64(argv[3], 10, UINT64_MAX, &calls) < 0) {
		return usage();
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "chain") == 0) {
			chain = true;
		} else if (strcmp(argv[i], "for") == 0 && i + 1 < argc &&
			   parse_u64(argv[i + 1], 10, 1000000, &secs) == 0) {
			i++;
		} else if (strcmp(argv[i], "trace") == 0 && i + 1 < argc &&
			   parse_u64(argv[i + 1], 10, UINT64_MAX,
				     &trace_from) == 0) {
			i++;
		} else {
			return usage();
		}
	}
	if (strcmp(argv[1], "run") == 0) {
		return run(seed, calls, secs);
	}
	if (strcmp(argv[1], "fuzz") == 0) {
		return fuzz(seed, calls, secs, chain);
	}
	return usage();
}
