// SPDX-License-Identifier: MIT
/*
 * PIT channel 2 in mode 0 (interrupt on terminal count), gated through
 * port 0x61, counting down from 0xffff (55 ms at 1.193182 MHz) and read
 * through its latch: core 0 starts it, does its other boot work, and
 * then reads until 5966 ticks (5 ms) have passed since the start
 * (calib.h). The work happens inside the window instead of before it.
 */
#include <arch/pit.h>
#include <arch/lapic.h>
#include <arch/x86.h>
#include <abi/errors.h>
#include "calib.h"
#include "kernel.h"

#define PIT_HZ CALIB_PIT_HZ
#define SPIN_MAX 100000000L

static BOOT_PHASE struct calib_read calib_start;
static BOOT_PHASE uint8_t saved_gate;
static BOOT_PHASE bool started;

/* read2: channel 2's count (latched), its OUT bit, the TSC and the LAPIC
 * timer, close together */
static void read2(struct calib_read *r)
{
	uint8_t lo, hi;

	r->out = (inb(0x61) & 0x20) != 0;
	outb(0x43, 0x80); /* latch channel 2 */
	lo = inb(0x42);
	hi = inb(0x42);
	r->tsc = rdtsc();
	r->lapic = lapic_timer_count();
	r->count = (uint16_t)(lo | hi << 8);
}

void pit_calibrate_start(void)
{
	uint8_t gate = inb(0x61);

	if (!started) {
		saved_gate = gate;
		started = true;
	}
	outb(0x61, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);                  /* ch 2, lo/hi, mode 0, binary */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	lapic_timer_oneshot(0xffffffffu);
	read2(&calib_start);
}

/* finish: wait until the window since `a` is long enough, then turn
 * out rates; -1 if the count never moved or the clocks are bad, -2 if
 * it passed zero (the window is lost, not the PIT) */
static int finish(const struct calib_read *a, uint64_t *tsc_khz,
		  uint64_t *lapic_khz)
{
	struct calib_read b;
	long spins = 0, t;

	do {
		read2(&b);
		t = calib_elapsed(a, &b);
	} while (t >= 0 && t < (long)CALIB_TICKS && ++spins < SPIN_MAX);
	if (t < 0) {
		return -2;
	}
	return calib_rates(a, &b, tsc_khz, lapic_khz);
}

int pit_calibrate_finish(uint64_t *tsc_khz, uint64_t *lapic_khz)
{
	int r = finish(&calib_start, tsc_khz, lapic_khz);

	if (r == -2) {
		/* the boot work outlasted the channel's 55 ms (or the first
		 * read came too late): one window of its own */
		pit_calibrate_start();
		r = finish(&calib_start, tsc_khz, lapic_khz);
	}
	lapic_timer_oneshot(0);
	outb(0x61, saved_gate);
	if (r < 0) {
		*tsc_khz = 2000000;
		*lapic_khz = 1000000;
		return E_TIMEOUT;
	}
	if (*lapic_khz == 0) {
		*lapic_khz = 1000000;
	}
	return 0;
}

void pit_tick(unsigned us)
{
	uint64_t count = (uint64_t)PIT_HZ * us / 1000000;

	if (!us) {
		/* mode 0 with a count of 1: one terminal count, then the
		 * channel holds its output and counts nothing more */
		outb(0x43, 0x30);
		outb(0x40, 1);
		outb(0x40, 0);
		return;
	}
	count = count < 2 ? 2 : count > 0xffff ? 0xffff : count;
	outb(0x43, 0x34); /* ch 0, lo/hi, mode 2 (rate generator), binary */
	outb(0x40, (uint8_t)count);
	outb(0x40, (uint8_t)(count >> 8));
}
