// SPDX-License-Identifier: MIT
/*
 * Console routing (see console.h). Core 0 is the only writer of the UART
 * (except panic); it reads every other core's console ring when a doorbell
 * arrives or before it halts, assembles fragments per core and prints
 * complete lines. Which core a message came from is the ring it arrived
 * on, never what the message says.
 */
#include "console.h"
#include "kernel.h"
#include "frame.h"
#include "proc.h"
#include "smp.h"
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <channels/ring.h>
#include <drivers/uart.h>
#include <fmt.h>
#include <string.h>

enum cons_type {
	CONS_LOG = 1,  /* a line fragment; RING_F_MORE if more follow */
	CONS_UP = 2,   /* the sender's monitor is up */
	CONS_LOST = 3, /* payload: u32 count, u32 core ids that never started */
	CONS_BOOTED = 4, /* the sender's manifest programs are started */
	CONS_BEAT = 5, /* its driver speaks for its sleeping monitor:
			  struct cons_beat */
};

/* CONS_UP's payload: the sender's stamps up to BOOT_ST_UP; CONS_BOOTED's:
 * BOOT_ST_MANIFEST's (console.h) */
#define UP_STAMPS (BOOT_ST_UP + 1)

/* core 0 */
static struct ring_rx rx[BOOT_MAX_CORES];
static char *lbuf[BOOT_MAX_CORES];
static uint16_t llen[BOOT_MAX_CORES];
static uint64_t drops_seen[BOOT_MAX_CORES];
static uint8_t up[BOOT_MAX_CORES];
/* the latest heartbeat from each core's driver: a page of core 0's own
 * (not bss: every instance copies bss) */
static struct sys_beat *beats;
static uint8_t lost[BOOT_MAX_CORES];
static uint32_t nup, nlost;
static bool ready_printed;
/*
 * A core that started but never comes up (it faulted or hangs in its CPU
 * driver), and the subtree it was to boot, would hold `system ready` back
 * for ever, and with it the health judge (which fences silent cores) and
 * the end of the bring-up tick. So core 0 gives up on the missing ones
 * once no core has come up or been reported lost for UP_STALL_MS: the
 * deadline moves with every such report, and a slow bring-up that still
 * progresses is never cut short. 0 once `system ready` is out.
 */
#define UP_STALL_MS 10000ull
uint64_t console_up_deadline;
/* boot phases (core 0): the latest of every core's stamps, how many cores
 * have sent BOOT_ST_MANIFEST's */
static uint64_t last[BOOT_ST_N];
static uint32_t nbooted;
static uint8_t booted[BOOT_MAX_CORES];
static bool phases_printed;

/* every core: its own stamps */
static uint64_t stamps[BOOT_ST_N];

/* other cores */
static struct ring_tx tx;
static bool up_pending, booted_pending;

/*
 * The interactive line (core 0): what raw writes (a shell's prompt and
 * echo) left on the terminal's current line. A whole line from anyone
 * clears it first and writes it again after, so log lines never land in
 * the middle of what someone is typing.
 */
static char partial[CONSOLE_LINE_MAX];
static size_t partial_len;

/* put_line: one whole line on the UART, around the interactive line */
static void put_line(const char *s, size_t n)
{
	if (partial_len) {
		uart_write("\r\x1b[K", 4); /* column 0, erase the line */
	}
	uart_write(s, n);
	uart_write("\n", 1);
	if (partial_len) {
		uart_write(partial, partial_len);
	}
}

static void drain_one(uint32_t c);

/* drain_first: core 0 prints what other cores wrote before this: a line
 * they wrote before the message that made a process here write (a child's
 * output before its exit note reaches the shell) comes out first, not
 * whenever core 0 next idles */
static void drain_first(void)
{
	/* not again from a line drain_one prints itself (a malformed slot) */
	static bool draining;

	if (self.id != 0 || draining) {
		return;
	}
	draining = true;
	for (uint32_t c = 1; c < self.ncores; c++) {
		if (rx[c].f) { /* console_init ran */
			drain_one(c);
		}
	}
	draining = false;
}

void console_raw(const char *s, size_t n)
{
	drain_first();
	uart_write(s, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			partial_len = 0;
		} else if (s[i] == '\b') {
			partial_len -= partial_len > 0;
		} else if (partial_len < sizeof(partial)) {
			partial[partial_len++] = s[i];
		}
	}
}

bool console_ready(void)
{
	return ready_printed;
}

static void print_ready(void)
{
	char buf[96];
	uint64_t ms = (rdtsc() - self.bt->tsc_entry) / self.tsc_khz;
	int n = fmt_snprintf(buf, sizeof(buf),
			     "system ready: %u cores, %lu MiB, %lu ms", nup,
			     self.bt->ram_bytes >> 20, ms);

	put_line(buf, (size_t)n);
	ready_printed = true;
	console_up_deadline = 0;
	smp_bringup_over();
	proc_system_ready();
}

static uint64_t us(uint64_t a, uint64_t b)
{
	return b > a ? (b - a) * 1000 / self.tsc_khz : 0;
}

/* print_phases: the boot phases line (console.h), once every core that
 * came up has started its manifest programs */
static void print_phases(void)
{
	char buf[192];
	uint64_t t0 = self.bt->tsc_entry;
	int n;

	if (phases_printed || !ready_printed || nbooted + nlost < self.ncores) {
		return;
	}
	phases_printed = true;
	n = fmt_snprintf(buf, sizeof(buf),
			 "boot phases: cores %u, cpudriver %lu us, bringup %lu "
			 "us, monitors %lu us, mesh %lu us, manifest %lu us, "
			 "total %lu us",
			 nup, us(t0, stamps[BOOT_ST_ENTRY]),
			 us(stamps[BOOT_ST_ENTRY], last[BOOT_ST_DRIVER]),
			 us(last[BOOT_ST_DRIVER], last[BOOT_ST_MONITOR]),
			 us(last[BOOT_ST_MONITOR], last[BOOT_ST_UP]),
			 us(last[BOOT_ST_UP], last[BOOT_ST_MANIFEST]),
			 us(t0, last[BOOT_ST_MANIFEST]));
	put_line(buf, (size_t)n);
}

static void check_ready(void)
{
	if (!ready_printed && nup + nlost == self.ncores) {
		print_ready();
	}
	print_phases();
}

/* take_stamps: core c's stamps [first, first + n) into the latest; a
 * stamp outside [boot entry, now] (a confused or hostile sender) is
 * ignored */
static void take_stamps(const uint64_t *st, unsigned first, unsigned n)
{
	uint64_t now = rdtsc();

	for (unsigned i = 0; i < n; i++) {
		if (st[i] >= self.bt->tsc_entry && st[i] <= now &&
		    st[i] > last[first + i]) {
			last[first + i] = st[i];
		}
	}
}

static void progress(void)
{
	if (!ready_printed) {
		console_up_deadline = rdtsc() + UP_STALL_MS * self.tsc_khz;
	}
}

static void mark_booted(uint32_t core)
{
	if (core < self.ncores && up[core] && !booted[core]) {
		booted[core] = 1;
		nbooted++;
		print_phases();
	}
}

static void mark_up(uint32_t core)
{
	if (core < self.ncores && !up[core] && !lost[core]) {
		up[core] = 1;
		nup++;
		progress();
		check_ready();
	}
}

static void mark_lost(uint32_t core)
{
	if (core < self.ncores && core != 0 && !up[core] && !lost[core]) {
		lost[core] = 1;
		nlost++;
		kprintf("core %u did not start", core);
		progress();
		check_ready();
	}
}

void console_up_give_up(void)
{
	if (self.id != 0 || ready_printed) {
		return;
	}
	for (uint32_t c = 1; c < self.ncores; c++) {
		if (!up[c] && !lost[c]) {
			lost[c] = 1;
			nlost++;
			kprintf("core %u did not come up in %u s: given up", c,
				(unsigned)(UP_STALL_MS / 1000));
		}
	}
	check_ready();
}

void console_init(void)
{
	if (self.id != 0) {
		ring_tx_init(&tx, dmap(self.bt->cores[self.id].console_frame));
		return;
	}
	progress();
	STATIC_ASSERT(BOOT_MAX_CORES * sizeof(struct sys_beat) <= PAGE_SIZE,
		      "heartbeats in one page");
	{
		uint64_t bp = frame_alloc();

		if (!bp) {
			panic("console: no memory for heartbeats");
		}
		beats = dmap(bp);
	}
	for (uint32_t c = 1; c < self.ncores; c++) {
		static uint64_t page;

		ring_rx_init(&rx[c], dmap(self.bt->cores[c].console_frame));
		if (c % 16 == 1) {
			page = frame_alloc();
			if (!page) {
				panic("console: no memory for line buffers");
			}
		}
		lbuf[c] = (char *)dmap(page) + (c % 16) * 256;
	}
}

static int send_fragments(const char *s, size_t n)
{
	unsigned need = n ? (unsigned)((n + RING_PAYLOAD - 1) / RING_PAYLOAD) : 1;

	if (ring_tx_space(&tx) < need) {
		ring_tx_count_drop(&tx);
		return E_FULL;
	}
	do {
		size_t k = n > RING_PAYLOAD ? RING_PAYLOAD : n;
		ring_send(&tx, CONS_LOG, n > k ? RING_F_MORE : 0, s, k);
		s += k;
		n -= k;
	} while (n);
	return 0;
}

static void ring_core0(void)
{
	if (ring_tx_needs_doorbell(&tx)) {
		lapic_send_ipi(self.bt->cores[0].apic_id, VEC_DOORBELL);
	}
}

static void retry_pending(void)
{
	if (up_pending && ring_send(&tx, CONS_UP, 0, stamps,
				    UP_STAMPS * sizeof(stamps[0])) == 0) {
		up_pending = false;
		ring_core0();
	}
	if (!up_pending && booted_pending &&
	    ring_send(&tx, CONS_BOOTED, 0, &stamps[BOOT_ST_MANIFEST],
		      sizeof(stamps[0])) == 0) {
		booted_pending = false;
		ring_core0();
	}
}

int console_line(const char *s, size_t n)
{
	int r;

	if (n > CONSOLE_LINE_MAX) {
		n = CONSOLE_LINE_MAX;
	}
	if (self.id == 0) {
		drain_first();
		put_line(s, n);
		return 0;
	}
	retry_pending();
	r = send_fragments(s, n);
	ring_core0();
	return r;
}

bool console_drained(void)
{
	return self.id == 0 || !tx.f || ring_tx_space(&tx) == tx.n;
}

void console_monitor_up(void)
{
	console_stamp(BOOT_ST_UP);
	if (self.id == 0) {
		take_stamps(stamps, 0, UP_STAMPS);
		mark_up(0);
		return;
	}
	up_pending = true;
	retry_pending();
}

void console_stamp(enum boot_stamp s)
{
	/* the manifest's end counts after the monitor is up (its mesh code
	 * reads the manifest entries too) */
	if (stamps[s] || (s == BOOT_ST_MANIFEST && !stamps[BOOT_ST_UP])) {
		return;
	}
	stamps[s] = rdtsc();
	if (s != BOOT_ST_MANIFEST) {
		return;
	}
	if (self.id == 0) {
		take_stamps(&stamps[s], s, 1);
		mark_booted(0);
		return;
	}
	booted_pending = true;
	retry_pending();
}

void console_cores_lost(const uint32_t *ids, uint32_t n)
{
	if (self.id == 0) {
		for (uint32_t i = 0; i < n; i++) {
			mark_lost(ids[i]);
		}
		return;
	}
	while (n) {
		uint32_t k = n > 13 ? 13 : n, msg[14];
		msg[0] = k;
		memcpy(&msg[1], ids, k * 4);
		if (ring_send(&tx, CONS_LOST, 0, msg, 4 + k * 4)) {
			break; /* full: core 0 will wait forever for them; it
				  also logs the drop count */
		}
		ids += k;
		n -= k;
	}
	ring_core0();
}

static void take_log(uint32_t c, const struct ring_msg *m)
{
	size_t room = CONSOLE_LINE_MAX - llen[c];
	size_t k = m->len < room ? m->len : room;

	memcpy(lbuf[c] + llen[c], m->payload, k);
	llen[c] += k;
	if (!(m->flags & RING_F_MORE)) {
		put_line(lbuf[c], llen[c]);
		llen[c] = 0;
	}
}

static void take_lost(uint32_t c, const struct ring_msg *m)
{
	uint32_t k, id;

	if (m->len < 4) {
		goto bad;
	}
	memcpy(&k, m->payload, 4);
	if (k > 13 || m->len != 4 + k * 4) {
		goto bad;
	}
	for (uint32_t i = 0; i < k; i++) {
		memcpy(&id, m->payload + 4 + 4 * i, 4);
		mark_lost(id);
	}
	return;
bad:
	kprintf("console: core %u sent a malformed lost-cores message", c);
}

/* take_beat: a heartbeat from core c's driver (its length checked: the
 * sender is another core) */
static void take_beat(uint32_t c, const struct ring_msg *m)
{
	struct cons_beat b;

	if (m->len != sizeof(b) || !beats) {
		kprintf("console: core %u sent a malformed heartbeat", c);
		return;
	}
	memcpy(&b, m->payload, sizeof(b));
	beats[c].seq++;
	beats[c].runnable = b.runnable;
	beats[c].live = b.live;
	beats[c].last_pid = b.last_pid;
	beats[c].free_mib = b.free_mib;
}

int console_beat(const struct cons_beat *b)
{
	return ring_send(&tx, CONS_BEAT, 0, b, sizeof(*b)) < 0 ? E_FULL : 0;
}

const struct sys_beat *console_beats(void)
{
	if (beats) {
		drain_first();
	}
	return beats;
}

static void drain_one(uint32_t c)
{
	struct ring_msg m;
	int r, got = 0;
	uint64_t d;

	while ((r = ring_recv(&rx[c], &m)) != E_AGAIN) {
		got = 1;
		if (r < 0) {
			kprintf("console: core %u sent a malformed slot", c);
			continue;
		}
		switch (m.type) {
		case CONS_LOG:
			take_log(c, &m);
			break;
		case CONS_UP:
			if (m.len == UP_STAMPS * sizeof(uint64_t)) {
				uint64_t st[UP_STAMPS];
				memcpy(st, m.payload, sizeof(st));
				take_stamps(st, 0, UP_STAMPS);
			}
			mark_up(c);
			break;
		case CONS_BOOTED:
			if (m.len == sizeof(uint64_t)) {
				uint64_t st;
				memcpy(&st, m.payload, sizeof(st));
				take_stamps(&st, BOOT_ST_MANIFEST, 1);
			}
			mark_booted(c);
			break;
		case CONS_LOST:
			take_lost(c, &m);
			break;
		case CONS_BEAT:
			take_beat(c, &m);
			break;
		default:
			kprintf("console: core %u sent unknown message type %u",
				c, m.type);
		}
	}
	if (got) { /* no write to 254 idle cores' frames per line */
		ring_rx_ack(&rx[c]);
	}
	d = ring_tx_dropped(rx[c].f);
	if (d != drops_seen[c]) {
		kprintf("console: core %u dropped %lu line(s), ring full",
			c, d - drops_seen[c]);
		drops_seen[c] = d;
	}
}

/* typed input (core 0): a byte ring; overflow drops the newest byte */
#define INPUT_MAX 512
static char input[INPUT_MAX];
static uint32_t in_head, in_len;

void console_input_init(void)
{
	const struct boottab *bt = self.bt;

	if (self.id != 0 || !bt->ioapic_phys) {
		return;
	}
	if (ioapic_route(dmap(bt->ioapic_phys), bt->ioapic_gsi_base,
			 bt->uart_gsi, (uint16_t)bt->uart_gsi_flags, VEC_UART,
			 self.apic_id) < 0) {
		kprintf("console: I/O APIC has no input for GSI %u; no typing",
			bt->uart_gsi);
		return;
	}
	uart_enable_rx_irq();
}

void console_input_irq(void)
{
	int c, left = 64; /* a stuck UART must not hold core 0 here */

	while (left-- > 0 && (c = uart_getc()) >= 0) {
		if (in_len < INPUT_MAX) {
			input[(in_head + in_len++) % INPUT_MAX] = (char)c;
		}
	}
	proc_console_input();
}

size_t console_read(char *buf, size_t n)
{
	size_t k = 0;

	while (k < n && in_len) {
		buf[k++] = input[in_head];
		in_head = (in_head + 1) % INPUT_MAX;
		in_len--;
	}
	return k;
}

void console_doorbell(void)
{
	drain_first();
}

bool console_idle(void)
{
	if (self.id != 0) {
		retry_pending();
		return false;
	}
	console_doorbell();
	for (uint32_t c = 1; c < self.ncores; c++) {
		ring_rx_sleep(&rx[c]);
	}
	for (uint32_t c = 1; c < self.ncores; c++) {
		if (ring_rx_pending(&rx[c])) {
			console_woken();
			return true;
		}
	}
	return false;
}

void console_woken(void)
{
	if (self.id != 0) {
		return;
	}
	for (uint32_t c = 1; c < self.ncores; c++) {
		ring_rx_wake(&rx[c]);
	}
}
