/* SPDX-License-Identifier: MIT */
/*
 * The clock every core's CPU driver and its programs share: nanoseconds
 * from TSC ticks at the calibrated rate (sys_info's tsc_khz). The CPU
 * driver's SYS_TIME_NS and libos's sys_time_ns (which reads the TSC in
 * ring 3, from the core's tsc_start) compute it here, so both give the
 * same value for the same tick.
 */
#ifndef ABI_TSC_H
#define ABI_TSC_H

#include <stdint.h>

/* abi_tsc_to_ns: tsc ticks at khz kHz as ns (khz > 0); split into whole
 * milliseconds and the rest, so no product overflows */
static inline uint64_t abi_tsc_to_ns(uint64_t tsc, uint64_t khz)
{
	return tsc / khz * 1000000ull + tsc % khz * 1000000ull / khz;
}

#endif
