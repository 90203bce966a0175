/* SPDX-License-Identifier: MIT */
/*
 * PCI enumeration, written against an accessor so that the same code runs
 * in the CPU driver (ECAM or the legacy 0xcf8/0xcfc ports) and in host
 * tests (a fake configuration space). Everything read from a device is
 * treated as untrusted: capability lists are walked with bounds and a hop
 * limit, BAR sizes must be powers of two.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_VIRTIO 0x1af4

#define PCI_CFG_COMMAND 0x04
#define PCI_CMD_IO 0x1u
#define PCI_CMD_MEM 0x2u
#define PCI_CMD_MASTER 0x4u
#define PCI_CMD_INTX_OFF 0x400u
#define PCI_CFG_BAR0 0x10
#define PCI_CFG_CAPS 0x34

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM64 0x2u
#define PCI_BAR_PREFETCH 0x4u

struct pci_ops {
	/* 32-bit configuration reads and writes at a dword-aligned offset */
	uint32_t (*read32)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn,
			   uint16_t off);
	void (*write32)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn,
			uint16_t off, uint32_t val);
	void *ctx;
	uint16_t cfg_size; /* 4096 with ECAM, 256 with the legacy ports */
};

struct pci_bar {
	uint64_t base; /* 0: not implemented (or unassigned) */
	uint64_t size;
	uint32_t flags; /* PCI_BAR_* */
};

struct pci_func {
	uint8_t bus, dev, fn;
	uint8_t header; /* header type without the multi-function bit */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys;
	uint8_t class_code, subclass, progif, revision;
	uint8_t msix_cap;      /* offset of the MSI-X capability, 0: none */
	uint16_t msix_entries; /* table size */
	struct pci_bar bar[6];
};

/* pci_scan: every function on buses [bus_lo, bus_hi], read without a
 * write to any of them: their BARs are left zero (pci_size_bars sizes
 * them). Writes at most max entries; returns how many functions were
 * found (may exceed max: the rest are not stored). */
int pci_scan(const struct pci_ops *ops, uint8_t bus_lo, uint8_t bus_hi,
	     struct pci_func *out, int max);

/* pci_size_bars: fills f->bar[] (zero for a header other than type 0, a
 * BAR not implemented, or one whose answer is not a power of two).
 * Decoding is off while a BAR holds all-ones and restored after. Costly
 * under QEMU: each switch of decoding rebuilds the machine's memory map
 * on every vCPU (docs/benchmarks.md, "Bring-up at the firmware's
 * pace"), so the boot sizes only the functions a core will own. */
void pci_size_bars(const struct pci_ops *ops, struct pci_func *f);

/* pci_find_cap: offset of the first capability with id cap_id after
 * offset `after` (0: from the start of the list); E_NOENT if none,
 * E_FORMAT if the list is malformed (loops, bad offsets). */
int pci_find_cap(const struct pci_ops *ops, uint8_t bus, uint8_t dev,
		 uint8_t fn, uint8_t cap_id, uint8_t after);

/* pci_read8/16: narrower reads through read32 */
uint8_t pci_read8(const struct pci_ops *ops, uint8_t bus, uint8_t dev,
		  uint8_t fn, uint16_t off);
uint16_t pci_read16(const struct pci_ops *ops, uint8_t bus, uint8_t dev,
		    uint8_t fn, uint16_t off);

#endif
