/* SPDX-License-Identifier: MIT */
/*
 * ELF64 file layout, as the System V ABI (gABI, "Object Files") and its
 * AMD64 supplement define it: the file header and the program header.
 * Section headers are never read by the loader and are not described.
 *
 * Layout only: elf.c copies headers out with memcpy, so the image may sit
 * at any address. All fields are little-endian for ELFDATA2LSB.
 */
#ifndef CPUDRIVER_ELF_REG_H
#define CPUDRIVER_ELF_REG_H

#include <stdint.h>

/* e_ident[] indexes and values. */
#define ELF_EI_MAG0 0
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_EI_NIDENT 16
#define ELF_MAGIC "\177ELF"
#define ELF_MAGIC_LEN 4
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_EV_CURRENT 1

/* e_type, e_machine. */
#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_EM_X86_64 62

/* e_phnum value meaning "the real count is in section header 0". */
#define ELF_PN_XNUM 0xffff

/* p_type. */
#define ELF_PT_NULL 0
#define ELF_PT_LOAD 1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP 3
#define ELF_PT_NOTE 4
#define ELF_PT_PHDR 6
#define ELF_PT_TLS 7
#define ELF_PT_GNU_STACK 0x6474e551u

struct elf_reg_ehdr {
	uint8_t e_ident[ELF_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff; /* file offset of the program header table */
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize; /* sizeof(struct elf_reg_phdr) */
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} __attribute__((packed));

struct elf_reg_phdr {
	uint32_t p_type;
	uint32_t p_flags; /* ELF_PF_* (elf.h) */
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align; /* 0 or 1: none; else a power of two */
} __attribute__((packed));

_Static_assert(sizeof(struct elf_reg_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf_reg_phdr) == 56, "ELF64 program header");

#endif
