/* SPDX-License-Identifier: MIT */
/*
 * Boot records: what one core tells the next when it boots it.
 *
 * struct boottab is the system boot table. Core 0 fills it once, before any
 * other core starts, in the shared boot region; after that every core maps
 * it read-only. It says where every core's partition lies, where the boot
 * modules are and what the manifest asks for.
 *
 * struct bootrec is one core's own record, written by its booter into the
 * new core's memory just before INIT-SIPI-SIPI: the new core's identity,
 * its partition and boot slice, how much its boot structures used, and
 * where its page tables are. Only the new core reads it afterwards.
 *
 * Both are read by another core, so their layouts are fixed (see the
 * STATIC_ASSERTs in cpudriver/boot.c).
 */
#ifndef ABI_BOOTREC_H
#define ABI_BOOTREC_H

#include <stdint.h>

#define BOOTTAB_MAGIC 0x4d4b424f4f544142ull /* "BATOOBKM" */
#define BOOTREC_MAGIC 0x4d4b434552544f42ull
#define BOOT_MAX_CORES 256
#define BOOT_MAX_MODULES 64
#define BOOT_MAX_STARTS 64
#define BOOT_NAME_MAX 32
#define BOOT_ARGS_MAX 128
#define BOOT_MAX_PCI 32
#define BOOT_DEV_NAME_MAX 16
#define BOOT_NO_OWNER 0xffffffffu

/* boottab.flags */
#define BOOT_F_KTEST 0x1u          /* "ktest": run the in-kernel tests */
#define BOOT_F_KTEST_FAULT 0x2u    /* "ktest=fault": last core faults */
#define BOOT_F_KTEST_OVERFLOW 0x4u /* "ktest=overflow": last core overflows
				      its kernel stack */

struct boot_core {
	uint32_t apic_id;
	uint32_t pad;
	uint64_t part_base; /* partition [part_base, part_end), 2 MiB aligned */
	uint64_t part_end;
	uint64_t console_frame; /* this core's console channel frame (phys) */
	uint64_t monlink_frame; /* channel frame between this core's monitor
				   and core 0's (phys; unused for core 0) */
	uint64_t slice_base; /* boot slice [slice_base, slice_end) in the
				shared boot region, this core's alone: its
				first frames (0, 0: none) */
	uint64_t slice_end;
};

struct boot_module {
	uint64_t start; /* [start, end) physical, read-only for everyone */
	uint64_t end;
	char name[BOOT_NAME_MAX];
};

struct boot_start {
	uint32_t core;
	uint32_t line; /* manifest line, for messages */
	char app[BOOT_NAME_MAX];
	char args[BOOT_ARGS_MAX];
	uint32_t rights; /* SYS_RIGHT_* (abi/syscall.h) the manifest gives */
	uint32_t pad;
};

#define BOOT_MAX_SERVICES 16

/* A service name the manifest reserves for one program. */
struct boot_service {
	char name[BOOT_NAME_MAX];
	char app[BOOT_NAME_MAX];
};

struct boot_bar {
	uint64_t base; /* 0: none */
	uint64_t size;
	uint32_t flags; /* PCI_BAR_* (drivers/pci.h) */
	uint32_t pad;
};

/* One PCI function found at boot: the device directory's initial state.
 * Owners change later (monitors agree on moves); this is the boot owner. */
struct boot_pcidev {
	char name[BOOT_DEV_NAME_MAX]; /* "virtio-net", "virtio-blk2", "pci" */
	uint8_t bus, dev, fn, header;
	uint16_t vendor, device;
	uint8_t class_code, subclass, progif, revision;
	uint16_t msix_entries;
	uint8_t msix_cap;
	uint8_t pad;
	uint32_t owner;    /* core at boot, BOOT_NO_OWNER: nobody drives it */
	uint32_t fallback; /* core it moves to when its owner is lost
			      (manifest `fallback`), BOOT_NO_OWNER: the
			      default (docs/failures.md) */
	uint64_t cfg_phys; /* its 4 KiB of ECAM; 0: legacy ports 0xcf8 */
	struct boot_bar bar[6];
	char args[BOOT_ARGS_MAX]; /* its driver's arguments (manifest) */
};

struct boottab {
	uint64_t magic;
	uint32_t ncores;       /* cores to boot */
	uint32_t ncores_found; /* cores the firmware reported */
	uint64_t tsc_entry;    /* TSC when core 0's driver was entered */
	uint64_t tsc_khz;      /* calibrated TSC frequency */
	uint64_t lapic_khz;    /* LAPIC timer ticks per ms (divide by 1) */
	uint64_t lapic_phys;
	uint64_t ram_bytes;    /* sum of all partitions */
	uint64_t shared_base;  /* the shared boot region [base, end) */
	uint64_t shared_end;
	uint64_t bootinfo_base; /* Multiboot2 information [base, end) */
	uint64_t bootinfo_end;
	uint64_t kimage_phys;  /* kernel text+rodata as GRUB loaded it */
	uint32_t nmodules;
	uint32_t nstarts;
	uint32_t flags;        /* BOOT_F_*, from the CPU driver's command line */
	uint32_t uart_gsi;     /* where COM1's IRQ 4 arrives at the I/O APIC */
	uint64_t ioapic_phys;  /* I/O APIC registers (0: none); core 0 only */
	uint32_t ioapic_gsi_base;
	uint32_t uart_gsi_flags; /* MPS INTI polarity/trigger flags */
	uint32_t pm1a_cnt;     /* ACPI PM1a control port (poweroff), 0: none */
	uint32_t pad2;
	uint64_t seal_key[2];  /* the key of the kernels' seals (rights.h):
				  never mapped where a program can read it */
	struct boot_core cores[BOOT_MAX_CORES];
	struct boot_module modules[BOOT_MAX_MODULES];
	struct boot_start starts[BOOT_MAX_STARTS];
	uint32_t nservices;
	uint32_t trace_classes; /* the manifest's `trace`: every core traces
				   these TRACE_C_* from its start, 0: none */
	uint64_t trace_bytes;	/* per buffer */
	uint32_t lost_after_ms; /* the manifest's `lost-after` (default
				   2000), 0: `off` (docs/failures.md) */
	uint32_t pad3;
	struct boot_service services[BOOT_MAX_SERVICES];
	uint32_t npci;      /* entries in pci[] */
	uint32_t pci_found; /* functions found (more than npci: not kept) */
	struct boot_pcidev pci[BOOT_MAX_PCI];
};

struct bootrec {
	uint64_t magic;
	uint32_t core_id;
	uint32_t booter_core; /* the core that booted this one */
	uint64_t boottab;     /* physical address of the boot table */
	uint64_t part_base;
	uint64_t part_end;
	uint64_t slice_base;  /* the boot slice, as in the boot table */
	uint64_t slice_end;
	uint64_t alloc_next;  /* first byte not used at boot: in the slice
				 if the core has one, else in the partition */
	uint64_t kern_phys;   /* this instance's writable memory (bss) */
	uint64_t pml4;        /* physical address of this core's PML4 */
	uint64_t window_pt;   /* physical: the page table of the boot window */
};

#endif
