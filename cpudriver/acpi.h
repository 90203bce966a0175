/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parser: from the RSDP to the list of processors (MADT) and the
 * PCI Express configuration windows (MCFG).
 *
 * The tables are firmware data in physical memory, so acpi_parse() never
 * dereferences a physical address itself: it asks the caller's map
 * function for each range it reads, checks every table's length and
 * checksum before using it, and bounds every entry by its table.
 *
 * Usage:
 *   struct acpi_info info;             (large: keep it off small stacks)
 *   rc = acpi_parse(mb.rsdp, mb.rsdp_len, my_map, my_ctx, &info);
 *   if (rc < 0) panic(...);
 *   for (i = 0; i < info.n_cpus; i++) boot(info.cpus[i].apic_id);
 *
 * Pure code: no global state, callable on any core.
 */
#ifndef CPUDRIVER_ACPI_H
#define CPUDRIVER_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_TABLE_LEN (1u << 20) /* longer tables are rejected */

/*
 * acpi_map_fn: make `len` bytes at physical address `phys` readable and
 * return a pointer to them, or NULL if that range cannot be read (not RAM
 * or firmware memory, or phys + len wraps). acpi_parse() holds at most one
 * mapping at a time: a pointer need only stay valid until the next call of
 * the function, so a single temporary window is enough.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi_cpu {
	uint32_t apic_id; /* (x2)APIC id */
	uint32_t uid;	  /* ACPI processor UID */
	uint8_t x2apic;	  /* 1 if from an x2APIC entry (type 9) */
};

struct acpi_mcfg {
	uint64_t base; /* ECAM base address for bus 0 of the segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end; /* >= bus_start */
};

struct acpi_info {
	int used_xsdt;	     /* 1 if the XSDT was walked, 0 for the RSDT */
	uint64_t lapic_base; /* MADT address, or its type-5 override */
	uint32_t n_cpus;     /* enabled processors, distinct APIC ids */
	struct acpi_cpu cpus[ACPI_MAX_CPUS]; /* in MADT order */
	uint32_t pm1a_cnt; /* FADT PM1a control block I/O port, 0 if none */
	uint32_t n_ioapics;
	uint64_t ioapic_base;     /* the first I/O APIC's registers, 0 if none */
	uint32_t ioapic_gsi_base; /* its first global system interrupt */
	struct {
		uint32_t gsi;   /* where ISA IRQ i arrives (default: i) */
		uint16_t flags; /* MPS INTI flags (0 = bus default) */
	} isa[16];
	uint32_t n_mcfg; /* 0 if there is no MCFG */
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
};

/*
 * acpi_parse: walk the ACPI tables from the RSDP copy at `rsdp` (`rsdp_len`
 * readable bytes, as the Multiboot2 ACPI tag gives it) and describe them.
 *
 * The RSDP must carry "RSD PTR " and a valid checksum over its first 20
 * bytes. The XSDT is used if the RSDP has revision >= 2, rsdp_len >= 36,
 * a length in [36, rsdp_len] whose extended checksum holds, and a non-zero
 * XSDT address; otherwise the RSDT is used. Of the tables the root lists,
 * the first MADT ("APIC") and the first MCFG are read; others are skipped
 * after their header and null entries are ignored.
 *
 * Processors: type 0 (LAPIC) and type 9 (x2APIC) entries with the enabled
 * flag (bit 0) set; a repeated APIC id is counted once (the first entry
 * wins). Type 1 (I/O APIC) entries are counted, type 5 overrides the local
 * APIC address, other types are skipped.
 *
 * Returns 0 and fills *out, or a negative error (*out then unspecified):
 *   E_INVAL     rsdp, map or out is NULL
 *   E_FORMAT    rsdp_len < 20, bad RSDP signature, a table shorter than
 *                 its fixed part or longer than ACPI_MAX_TABLE_LEN, a root
 *                 table with the wrong signature or a partial entry, a
 *                 MADT entry with length < 2, shorter than its type's
 *                 fields or past the table, an MCFG with a partial entry
 *                 or bus_start > bus_end
 *   E_CHECKSUM  RSDP checksum, or the checksum of the root table, the
 *                 MADT or the MCFG; also a bad extended checksum when the
 *                 RSDP has no RSDT address to fall back on
 *   E_RANGE     map returned NULL for a range the walk needs
 *   E_NOENT     no root table address, no MADT, or no enabled processor
 *   E_TOOBIG    more than ACPI_MAX_CPUS processors or ACPI_MAX_MCFG
 *                 MCFG entries
 *
 * Context: any; reads only [rsdp, rsdp + rsdp_len) and what map returns.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       struct acpi_info *out);

#endif
