// SPDX-License-Identifier: MIT
#include "calib.h"

long calib_elapsed(const struct calib_read *a, const struct calib_read *b)
{
	if (a->out || b->out || b->count > a->count) {
		return -1;
	}
	return (long)(a->count - b->count);
}

int calib_rates(const struct calib_read *a, const struct calib_read *b,
		uint64_t *tsc_khz, uint64_t *lapic_khz)
{
	long ticks = calib_elapsed(a, b);
	uint64_t dt, tsc, lapic;

	if (ticks < (long)CALIB_TICKS || b->tsc <= a->tsc) {
		return -1;
	}
	dt = b->tsc - a->tsc;
	/* at most 65535 ticks (55 ms): even a 1 THz TSC stays below 2^36
	 * in that time, and 2^36 * 1193182 below 2^64; more is no clock */
	if (dt >= (1ull << 36)) {
		return -1;
	}
	tsc = dt * CALIB_PIT_HZ / (uint64_t)ticks / 1000;
	lapic = (uint64_t)(uint32_t)(a->lapic - b->lapic) * CALIB_PIT_HZ /
		(uint64_t)ticks / 1000;
	if (!tsc) {
		return -1;
	}
	*tsc_khz = tsc;
	*lapic_khz = lapic;
	return 0;
}
