/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC: routes device interrupts (global system interrupts) to a
 * core. It is a device like any other, owned by core 0, which uses it only
 * to receive the console UART's interrupt.
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdint.h>

/* ioapic_route: deliver GSI gsi as `vector` to APIC id `apic`, with the
 * MPS INTI flags from ACPI (0 = ISA default: edge, active high). base is
 * the kernel address of the registers, gsi_base the I/O APIC's first GSI.
 * Returns 0 or E_RANGE if this I/O APIC lacks that input. */
int ioapic_route(volatile void *base, uint32_t gsi_base, uint32_t gsi,
		 uint16_t flags, uint8_t vector, uint32_t apic);

#endif
