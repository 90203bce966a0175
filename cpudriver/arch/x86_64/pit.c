// SPDX-License-Identifier: MIT
/*
 * PIT channel 2 in mode 0 (interrupt on terminal count), gated through
 * port 0x61, polled on its OUT bit: the classic way to time a known
 * interval without interrupts. 11932 ticks of 1.193182 MHz = 10 ms.
 */
#include <arch/pit.h>
#include <arch/lapic.h>
#include <arch/x86.h>
#include <abi/errors.h>

#define PIT_HZ 1193182u
#define PIT_TICKS 11932u

int pit_calibrate(uint64_t *tsc_khz, uint64_t *lapic_khz)
{
	uint8_t gate = inb(0x61);
	uint64_t t0, t1;
	uint32_t l0, l1;
	long spins = 0;

	outb(0x61, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);                  /* ch 2, lo/hi, mode 0, binary */
	outb(0x42, PIT_TICKS & 0xff);
	outb(0x42, PIT_TICKS >> 8);
	lapic_timer_oneshot(0xffffffffu);
	/* restart the count: a gate edge reloads channel 2 */
	outb(0x61, inb(0x61) & ~0x01);
	outb(0x61, inb(0x61) | 0x01);
	t0 = rdtsc();
	l0 = lapic_timer_count();
	while (!(inb(0x61) & 0x20)) {
		if (++spins > 100000000L) {
			break;
		}
	}
	t1 = rdtsc();
	l1 = lapic_timer_count();
	lapic_timer_oneshot(0);
	outb(0x61, gate);
	/* 10 ms measured: per-ms rates are the differences / 10 */
	*tsc_khz = (t1 - t0) * PIT_HZ / PIT_TICKS / 1000;
	*lapic_khz = (uint64_t)(l0 - l1) * PIT_HZ / PIT_TICKS / 1000;
	if (spins > 100000000L || *tsc_khz == 0) {
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
