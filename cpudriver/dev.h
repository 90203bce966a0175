/* SPDX-License-Identifier: MIT */
/*
 * Devices on this core: which PCI functions this core owns (private to
 * this CPU driver instance; the monitors keep the replicated directory and
 * agree on moves), their configuration space, register mappings for
 * processes, MSI-X vectors, and the system calls over them.
 */
#ifndef CPUDRIVER_DEV_H
#define CPUDRIVER_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* dev_init: take the devices the boot table gives this core */
void dev_init(void);

/* dev_syscall: SYS_DEV_*, SYS_IRQ_ACK, SYS_DMA_ADDR, SYS_MOD_MAP */
int64_t dev_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3);

/* dev_irq: interrupt vector v (VEC_DEV_BASE..) arrived */
void dev_irq(uint64_t v);

/* dev_proc_gone: process p ended (already marked free): free its vectors;
 * a device no live process uses any more stops bus mastering */
void dev_proc_gone(struct proc *p);

/* dev_owned_range: [pa, pa+size) is the ECAM page or inside a memory BAR
 * of a device this core owns (for the isolation test) */
bool dev_owned_range(uint64_t pa, uint64_t size);

#endif
