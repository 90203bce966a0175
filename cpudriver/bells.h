/* SPDX-License-Identifier: MIT */
/*
 * SYS_DOORBELLS' rule (syscall.c): a list of doorbells rung in one system
 * call, so that a monitor fanning an operation out to several cores
 * enters the kernel once instead of once a core (a system call was about
 * 760 instructions under instruction counting, one per agreement leaf:
 * docs/benchmarks.md, "Several doorbells in one system call").
 *
 * Every entry is checked before any is rung: a bad list rings nothing.
 * Then each entry is rung in order, as SYS_DOORBELL would ring it.
 *
 * A pure helper, so that the host tests can drive it
 * (tests/unit/test_bells.c).
 */
#ifndef BELLS_H
#define BELLS_H

#include <abi/errors.h>
#include <abi/syscall.h>
#include <stdint.h>

/* bells_ring: rings bells[0..n) through ring(arg, core, wake); returns n,
 * or E_RANGE (nothing rung) when n is 0 or above SYS_BELLS_MAX or an
 * entry names no core below ncores */
static inline int64_t bells_ring(const struct sys_bell *bells, uint64_t n,
				 uint32_t ncores,
				 void (*ring)(void *, uint32_t, uint32_t),
				 void *arg)
{
	if (n == 0 || n > SYS_BELLS_MAX) {
		return E_RANGE;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (bells[i].core >= ncores) {
			return E_RANGE;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		ring(arg, bells[i].core, bells[i].wake);
	}
	return (int64_t)n;
}

#endif
