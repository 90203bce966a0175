/* SPDX-License-Identifier: MIT */
/*
 * Timing for benchmark programs (chanbench, remotebench): the TSC, read
 * in ring 3 (its rate is sys_info's tsc_khz), and sorting samples to
 * take percentiles.
 */
#ifndef LIBOS_TIMING_H
#define LIBOS_TIMING_H

#include <stddef.h>
#include <stdint.h>

/* timing_tsc: the TSC, after earlier instructions have finished */
static inline uint64_t timing_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* timing_sort: sorts n samples ascending (insertion sort: benchmark
 * sample counts are small, and it needs no memory) */
void timing_sort(uint64_t *a, size_t n);

#endif
