/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration access from the CPU driver: ECAM (memory-mapped, one
 * 4 KiB page per function) when ACPI's MCFG gives one, else the legacy
 * ports 0xcf8/0xcfc (the pc machine). The ports are one pair for the whole
 * machine; only the core that owns a function touches its configuration
 * after boot, and core 0 alone during boot.
 */
#ifndef CPUDRIVER_PCICFG_H
#define CPUDRIVER_PCICFG_H

#include <drivers/pci.h>

/* pcicfg_ports: an accessor over the legacy ports */
void pcicfg_ports(struct pci_ops *o);

/* pcicfg_ecam: an accessor over ECAM whose bus 0 lies at virtual address
 * va (the boot phase maps the first 4 GiB) */
void pcicfg_ecam(struct pci_ops *o, uintptr_t va);

/* pcicfg_page: an accessor over one function's ECAM page at va (any
 * bus/dev/fn given to it reaches that page) */
void pcicfg_page(struct pci_ops *o, uintptr_t va);

#endif
