/* SPDX-License-Identifier: MIT */
/*
 * One-time calibration of the TSC and the LAPIC timer against the 8254 PIT.
 * The PIT is a shared device: only core 0 uses it, at boot (the
 * calibration, then the bring-up tick until every core is up); every
 * other core takes the results from the boot table.
 */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include <stdint.h>

/* pit_tick: channel 0 as a rate generator with a period of `us`
 * microseconds (clamped to what its 16-bit count allows), or, with 0,
 * stopped after one more count. Its interrupt is left to the I/O APIC's
 * masked input: a tick for QEMU's timer deadlines only (smp.c, the
 * bring-up tick). */
void pit_tick(unsigned us);

/* pit_calibrate_start: starts the calibration window (PIT channel 2 and
 * the LAPIC timer, read at once); the LAPIC must be enabled and reachable
 * (lapic_set_base). Core 0 may then do other work that uses neither the
 * LAPIC timer nor channel 2. */
void pit_calibrate_start(void);

/* pit_calibrate_finish: waits until 5 ms have passed since the start
 * (not at all if they have), and gives the TSC's and the LAPIC timer's
 * rates. If more than 55 ms passed, it measures a window of its own.
 * Returns 0, or E_TIMEOUT if the PIT never counted down (then both
 * results are guesses). */
int pit_calibrate_finish(uint64_t *tsc_khz, uint64_t *lapic_khz);

#endif
