// SPDX-License-Identifier: MIT
/*
 * ACPI soft-off: write SLP_TYP (S5) | SLP_EN to PM1a_CNT (ACPI 4.8.3.2.1).
 * SLP_TYP for S5 comes from the DSDT's \_S5 package; reading it needs an
 * AML interpreter, which we do not have, so we use 0: the value QEMU's
 * q35 and pc firmware tables declare. Other machines may need it parsed.
 */
#include <arch/power.h>
#include <arch/x86.h>
#include "kernel.h"

#define SLP_EN (1u << 13)
#define SLP_TYP_S5_QEMU 0u

void machine_poweroff(void)
{
	uint32_t port = self.bt->pm1a_cnt;

	uint64_t end;

	if (port && port < 0x10000) {
		outw((uint16_t)port, (uint16_t)(SLP_TYP_S5_QEMU << 10 | SLP_EN));
		/* the switch-off takes effect a little later: wait for it */
		end = rdtsc() + 500 * self.tsc_khz;
		while (rdtsc() < end) {
			cpu_relax();
		}
	}
}
