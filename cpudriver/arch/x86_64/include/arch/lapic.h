/* SPDX-License-Identifier: MIT */
/*
 * The local APIC (xAPIC, memory-mapped): this core's interrupt controller,
 * its one-shot timer and its way to interrupt other cores. Each core
 * drives only its own LAPIC; the registers sit at the same physical address
 * on every core, each seeing its own.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_TIMER 0x20
#define VEC_UART 0x24     /* COM1 input, through the I/O APIC (core 0) */
#define VEC_DOORBELL 0x40 /* a channel's receiver was asleep */
#define VEC_WAKE 0x41     /* a booted core tells its booter it started */
#define VEC_DEV_BASE 0x50 /* device interrupts (MSI-X), VEC_DEV_COUNT of them */
#define VEC_DEV_COUNT 32
/* a channel's receiver was asleep: wake only the process in slot
 * (vector - VEC_DOORBELL_ONE) of the core's table (proc.c) */
#define VEC_DOORBELL_ONE 0x80
#define VEC_DOORBELL_ONE_COUNT 32
#define VEC_SPURIOUS 0xff

/* lapic_set_base: where this core reaches its LAPIC (a kernel address). */
void lapic_set_base(volatile void *base);

/* lapic_init: enable, mask LINT0/1 and the timer, accept all priorities. */
void lapic_init(void);

uint32_t lapic_id(void);
void lapic_eoi(void);

/* lapic_send_ipi: fixed-delivery IPI to one APIC id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/* lapic_send_init / lapic_send_sipi: the start-up sequence; page is the
 * 4 KiB page number (< 256) of the real-mode trampoline. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);

/* lapic_timer_oneshot: interrupt VEC_TIMER after `ticks` timer ticks
 * (divide-by-1); 0 stops the timer. */
void lapic_timer_oneshot(uint32_t ticks);

/* lapic_timer_count: the timer's current count (for calibration). */
uint32_t lapic_timer_count(void);

#endif
