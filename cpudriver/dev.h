/* SPDX-License-Identifier: MIT */
/*
 * Devices on this core: which PCI functions this core owns (private to
 * this CPU driver instance; the monitors keep the replicated directory and
 * agree on moves), the one driver process of each, their configuration
 * space, register mappings for the driver, the MSI-X entries the kernel
 * programs for it, and the system calls over them (dispatched by
 * syscall.c).
 */
#ifndef CPUDRIVER_DEV_H
#define CPUDRIVER_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

/* dev_init: take the devices the boot table gives this core */
void dev_init(void);

/* dev_grant_check: may a new process become the driver of device
 * (directory index + 1; 0: no device, always 0)? 0, E_NOENT (no such
 * device), E_PERM (this core does not own it), E_BUSY (its driver is
 * alive). For sys_spawn, before it spawns. */
int dev_grant_check(uint32_t device);

/* dev_grant: process pid (just spawned) drives device (index + 1; 0:
 * nothing), which dev_grant_check accepted. */
void dev_grant(uint32_t device, uint32_t pid);

/*
 * The system calls over devices (abi/syscall.h gives their arguments),
 * for syscall_dispatch; each takes the raw arguments, checks them, and
 * acts on the current process. A device index must name a device this
 * core owns (E_NOENT: none; E_PERM: another core's), except for
 * dev_sys_info (any device) and dev_sys_adopt; cfg, map, irq and
 * irq_free are the driver's alone (E_PERM for every other process, with
 * one console line naming the rule).
 */

/* dev_sys_info: SYS_DEV_INFO: struct sys_dev of device dev to uva. */
int64_t dev_sys_info(uint64_t dev, uint64_t uva);

/* dev_sys_cfg: SYS_DEV_CFG: read (the value) or write (0) configuration
 * space; a write may change only the command register's I/O, memory,
 * bus-master and INTx-disable bits (E_PERM for anything else). */
int64_t dev_sys_cfg(uint64_t dev, uint64_t off, uint64_t op, uint64_t val);

/* dev_sys_map: SYS_DEV_MAP: memory BAR b mapped uncached, without the
 * pages of the MSI-X table and PBA (E_PERM if nothing else is left); its
 * address. */
int64_t dev_sys_map(uint64_t dev, uint64_t b);

/* dev_sys_irq: SYS_DEV_IRQ: a vector of this core programmed into MSI-X
 * table entry e of the device (unmasked, MSI-X on); its MSI address, data
 * and handle (struct sys_irq) to uva. */
int64_t dev_sys_irq(uint64_t dev, uint64_t e, uint64_t uva);

/* dev_sys_irq_free: SYS_DEV_IRQ_FREE: entry e masked, its vector free;
 * MSI-X off when the device has no vector left. */
int64_t dev_sys_irq_free(uint64_t dev, uint64_t e);

/* dev_sys_irq_ack: SYS_IRQ_ACK: the handles that fired since the last
 * call (a bit each), cleared. */
int64_t dev_sys_irq_ack(void);

/* dev_sys_dma_addr: SYS_DMA_ADDR: the physical address of a private,
 * writable page of the process (E_FAULT for anything else). */
int64_t dev_sys_dma_addr(uint64_t va);

/* dev_sys_release: SYS_DEV_RELEASE (monitor only): give the device up
 * (E_BUSY while its driver lives). */
int64_t dev_sys_release(uint64_t dev);

/* dev_sys_adopt: SYS_DEV_ADOPT (monitor only): take the device over,
 * with bus mastering and MSI-X off (its last owner may have been lost
 * with them on). */
int64_t dev_sys_adopt(uint64_t dev);

/* dev_fence: SYS_FENCE's second half, on core 0: bus mastering and MSI-X
 * off on every device of the `devices` bit set that this core does not
 * own (it maps their configuration space for the while); how many */
int dev_fence(uint32_t devices);

/* dev_irq: interrupt vector v (VEC_DEV_BASE..) arrived */
void dev_irq(uint64_t v);

/* dev_proc_gone: process p ended (already marked free): its vectors are
 * freed and their entries masked; a device it drove has every MSI-X entry
 * masked, MSI-X and bus mastering off, and no driver */
void dev_proc_gone(struct proc *p);

/* dev_owned_range: [pa, pa+size) is the ECAM page or inside a memory BAR
 * of a device this core owns (for the isolation test) */
bool dev_owned_range(uint64_t pa, uint64_t size);

#endif
