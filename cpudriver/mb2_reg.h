/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information layout, as the Multiboot2 specification
 * (version 2.0, section 3.6 "Boot information format") defines it.
 *
 * The information starts with an 8-byte fixed part, followed by tags. Every
 * tag starts with {u32 type, u32 size}; size counts the tag's own header but
 * not the padding that brings the next tag to an 8-byte boundary. A tag of
 * type 0 and size 8 ends the list. All fields are little-endian.
 *
 * These structs only describe the layout: mb2.c reads them with memcpy, so
 * the information may sit at any address.
 */
#ifndef CPUDRIVER_MB2_REG_H
#define CPUDRIVER_MB2_REG_H

#include <stdint.h>

/* Tag types (spec 3.6.x). Only those the CPU driver reads or names. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* Tags start on 8-byte boundaries relative to the start of the info. */
#define MB2_TAG_ALIGN 8

/* Memory map entry types (spec 3.6.8). */
#define MB2_MMAP_AVAILABLE 1
#define MB2_MMAP_RESERVED 2
#define MB2_MMAP_ACPI_RECLAIMABLE 3
#define MB2_MMAP_NVS 4
#define MB2_MMAP_BADRAM 5

/* Fixed part at the start of the information. */
struct mb2_reg_fixed {
	uint32_t total_size; /* bytes, including this fixed part */
	uint32_t reserved;
} __attribute__((packed));

/* Header common to every tag. */
struct mb2_reg_tag {
	uint32_t type;
	uint32_t size; /* bytes, header included, padding excluded */
} __attribute__((packed));

/* Type 3: a boot module; a NUL-terminated string follows. */
struct mb2_reg_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start; /* physical, first byte */
	uint32_t mod_end;   /* physical, one past the last byte */
} __attribute__((packed));

/* Type 6: memory map; entries of entry_size bytes follow. */
struct mb2_reg_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size; /* >= sizeof(struct mb2_reg_mmap_entry) */
	uint32_t entry_version;
} __attribute__((packed));

struct mb2_reg_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type; /* MB2_MMAP_* */
	uint32_t reserved;
} __attribute__((packed));

/* Lengths of the RSDP copies in tags 14 and 15 (ACPI 6.5, 5.2.5.3). */
#define MB2_RSDP_V1_LEN 20
#define MB2_RSDP_V2_LEN 36

_Static_assert(sizeof(struct mb2_reg_fixed) == 8, "mb2 fixed part");
_Static_assert(sizeof(struct mb2_reg_tag) == 8, "mb2 tag header");
_Static_assert(sizeof(struct mb2_reg_module) == 16, "mb2 module tag");
_Static_assert(sizeof(struct mb2_reg_mmap) == 16, "mb2 mmap tag");
_Static_assert(sizeof(struct mb2_reg_mmap_entry) == 24, "mb2 mmap entry");

#endif
