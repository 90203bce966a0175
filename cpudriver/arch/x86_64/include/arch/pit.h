/* SPDX-License-Identifier: MIT */
/*
 * One-time calibration of the TSC and the LAPIC timer against the 8254 PIT.
 * The PIT is a shared device: only core 0 uses it, once, at boot; every
 * other core takes the results from the boot table.
 */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include <stdint.h>

/* pit_calibrate: measures over ~10 ms; the LAPIC must be enabled and
 * reachable (lapic_set_base). Returns 0, or E_TIMEOUT if the PIT never
 * counted down (then both results are guesses). */
int pit_calibrate(uint64_t *tsc_khz, uint64_t *lapic_khz);

#endif
