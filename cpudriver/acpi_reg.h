/* SPDX-License-Identifier: MIT */
/*
 * ACPI table layouts the CPU driver reads, from the ACPI 6.5 specification
 * (section numbers below) and the PCI Firmware specification 3.3 (MCFG).
 *
 * Layout only: acpi.c copies fields out with memcpy, so tables may sit at
 * any address. All fields are little-endian.
 */
#ifndef CPUDRIVER_ACPI_REG_H
#define CPUDRIVER_ACPI_REG_H

#include <stdint.h>

/* 5.2.5.3 Root System Description Pointer. */
#define ACPI_RSDP_SIG "RSD PTR "
#define ACPI_RSDP_SIG_LEN 8
#define ACPI_RSDP_V1_LEN 20 /* checksum covers these bytes */
#define ACPI_RSDP_V2_LEN 36 /* extended checksum covers `length` bytes */

struct acpi_reg_rsdp {
	char signature[8];
	uint8_t checksum; /* bytes 0..19 sum to 0 */
	char oem_id[6];
	uint8_t revision; /* 0 for ACPI 1.0, 2 for ACPI 2.0+ */
	uint32_t rsdt_address;
	/* ACPI 2.0+ only: */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* bytes 0..length-1 sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));

/* 5.2.6 System Description Table Header, common to every table. */
struct acpi_reg_sdt {
	char signature[4];
	uint32_t length; /* bytes, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

/* 5.2.7 RSDT (32-bit entries) and 5.2.8 XSDT (64-bit entries). */
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_MCFG "MCFG"

/* 5.2.12 Multiple APIC Description Table. */
struct acpi_reg_madt {
	struct acpi_reg_sdt hdr;
	uint32_t lapic_address;
	uint32_t flags; /* bit 0: PC-AT compatible dual 8259 */
} __attribute__((packed));

/* Header of every interrupt controller structure in the MADT. */
struct acpi_reg_madt_entry {
	uint8_t type;
	uint8_t length; /* bytes, header included */
} __attribute__((packed));

#define ACPI_MADT_LAPIC 0	   /* 5.2.12.2 */
#define ACPI_MADT_IOAPIC 1	   /* 5.2.12.3 */
#define ACPI_MADT_ISO 2		   /* 5.2.12.5 interrupt source override */
#define ACPI_MADT_LAPIC_OVERRIDE 5 /* 5.2.12.8 */
#define ACPI_MADT_X2APIC 9	   /* 5.2.12.12 */

/* Processor Local APIC and x2APIC flags (Table 5.44). */
#define ACPI_MADT_ENABLED 0x1u
#define ACPI_MADT_ONLINE_CAPABLE 0x2u

struct acpi_reg_madt_lapic {
	uint8_t type;
	uint8_t length; /* 8 */
	uint8_t acpi_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct acpi_reg_madt_ioapic {
	uint8_t type;
	uint8_t length; /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct acpi_reg_madt_iso {
	uint8_t type;
	uint8_t length; /* 10 */
	uint8_t bus;    /* 0 = ISA */
	uint8_t source; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 0-1, trigger 2-3 */
} __attribute__((packed));

struct acpi_reg_madt_lapic_override {
	uint8_t type;
	uint8_t length; /* 12 */
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));

struct acpi_reg_madt_x2apic {
	uint8_t type;
	uint8_t length; /* 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __attribute__((packed));

/* PCI Firmware spec 3.3, 4.1.2: MCFG table and its allocation entries. */
struct acpi_reg_mcfg {
	struct acpi_reg_sdt hdr;
	uint8_t reserved[8];
} __attribute__((packed));

struct acpi_reg_mcfg_entry {
	uint64_t base; /* ECAM base of bus 0 of this segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_reg_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_reg_sdt) == 36, "SDT header");
_Static_assert(sizeof(struct acpi_reg_madt) == 44, "MADT");
_Static_assert(sizeof(struct acpi_reg_madt_entry) == 2, "MADT entry");
_Static_assert(sizeof(struct acpi_reg_madt_lapic) == 8, "MADT LAPIC");
_Static_assert(sizeof(struct acpi_reg_madt_ioapic) == 12, "MADT IOAPIC");
_Static_assert(sizeof(struct acpi_reg_madt_lapic_override) == 12,
	       "MADT LAPIC override");
_Static_assert(sizeof(struct acpi_reg_madt_x2apic) == 16, "MADT x2APIC");
_Static_assert(sizeof(struct acpi_reg_madt_iso) == 10, "MADT ISO");
_Static_assert(sizeof(struct acpi_reg_mcfg) == 44, "MCFG");
_Static_assert(sizeof(struct acpi_reg_mcfg_entry) == 16, "MCFG entry");

#endif
