/* SPDX-License-Identifier: MIT */
/* Switching the machine off. */
#ifndef ARCH_POWER_H
#define ARCH_POWER_H

/* machine_poweroff: ACPI S5 through the FADT's PM1a control port. Returns
 * only if the machine is still on. */
void machine_poweroff(void);

#endif
