/* SPDX-License-Identifier: MIT */
/*
 * Timer rates from one PIT window: the arithmetic of the TSC and LAPIC
 * timer calibration (arch/x86_64/pit.c), kept apart so the host tests
 * can check it.
 *
 * The window is read, not waited for: channel 2 counts down from 0xffff
 * (55 ms), core 0 reads the count, the TSC and the LAPIC timer at the
 * start, goes on with its boot work, and reads them again once at least
 * CALIB_TICKS have passed. A count that went past zero (the work took
 * longer than the channel counts) is detected and gives no rates.
 *
 * Pure code: no global state, no I/O; callable on any core.
 */
#ifndef CPUDRIVER_CALIB_H
#define CPUDRIVER_CALIB_H

#include <stdbool.h>
#include <stdint.h>

#define CALIB_PIT_HZ 1193182u
#define CALIB_TICKS 5966u /* 5 ms of the PIT's clock */

/* one reading: the PIT's channel 2 count, its OUT bit (high once the
 * count passed zero, in mode 0), the TSC and the LAPIC timer's count */
struct calib_read {
	uint16_t count;
	bool out;
	uint64_t tsc;
	uint32_t lapic;
};

/*
 * calib_elapsed: PIT ticks from a to b, or -1 when the count passed zero
 * in between (b's OUT bit high, or b's count above a's) or a itself was
 * read after it had.
 */
long calib_elapsed(const struct calib_read *a, const struct calib_read *b);

/*
 * calib_rates: the TSC's and the LAPIC timer's kHz over the window a..b.
 * Returns 0, or -1 (outputs untouched) when the window is shorter than
 * CALIB_TICKS, passed zero, or saw the TSC stand still or run backwards.
 * A LAPIC timer that did not count gives *lapic_khz 0 (the caller picks a
 * guess).
 */
int calib_rates(const struct calib_read *a, const struct calib_read *b,
		uint64_t *tsc_khz, uint64_t *lapic_khz);

#endif
