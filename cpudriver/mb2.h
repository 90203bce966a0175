/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information parser.
 *
 * GRUB hands core 0 a block of tags describing the machine: command line,
 * memory map, boot modules and a copy of the ACPI RSDP. mb2_parse() checks
 * the whole block before it reports anything, and copies what the CPU
 * driver needs into a struct mb2_info. Strings and the RSDP copy are not
 * copied: the pointers in struct mb2_info point into the information block,
 * which must therefore stay mapped and unchanged while they are used.
 *
 * The block comes from outside the kernel, so every size is checked against
 * the block's own total size and against the bytes the caller can read; bad
 * input yields a negative error and nothing is read out of bounds.
 *
 * Pure code: no global state, callable on any core, at any time.
 */
#ifndef CPUDRIVER_MB2_H
#define CPUDRIVER_MB2_H

#include <stddef.h>
#include <stdint.h>

#define MB2_MAX_MMAP 128
#define MB2_MAX_MODULES 64

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* MB2_MMAP_* from mb2_reg.h; 1 = available RAM */
};

struct mb2_module {
	uint64_t start; /* [start, end) physical */
	uint64_t end;
	const char *cmdline; /* into the info; NUL-terminated, maybe "" */
};

struct mb2_info {
	uint32_t total_size;	 /* bytes of the information block */
	const char *cmdline;	 /* kernel command line, NULL if none */
	const char *loader_name; /* NULL if none */
	uint32_t n_mmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP]; /* in the loader's order */
	uint32_t n_modules;
	struct mb2_module modules[MB2_MAX_MODULES]; /* in the loader's order */
	const void *rsdp;  /* RSDP copy inside the info, NULL if none */
	uint32_t rsdp_len; /* bytes readable at rsdp (the tag's payload) */
	int rsdp_rev2;	   /* 1 if rsdp came from the new-RSDP tag 15 */
};

/*
 * mb2_parse: check the Multiboot2 information at `info` and describe it.
 *
 * `avail` is the number of bytes the caller can read at `info` (the block
 * may claim more than that; then it is rejected). On success fills *out
 * (pointers into the block) and returns 0. On failure returns a negative
 * error and leaves *out unspecified:
 *   E_INVAL    info or out is NULL
 *   E_FORMAT   fixed part truncated, total_size < 16, a tag smaller than
 *                its header or its fixed fields, a tag running past
 *                total_size, no end tag, a string without a NUL inside its
 *                tag, a memory map whose entry_size is < 24 or does not
 *                divide its payload, a second command line, loader name or
 *                memory map tag
 *   E_RANGE    total_size > avail, or a module with start > end
 *   E_TOOBIG   more than MB2_MAX_MMAP map entries or MB2_MAX_MODULES
 *                modules
 * Unknown tag types are skipped. If both ACPI tags 14 and 15 are present,
 * tag 15 (the ACPI 2.0+ RSDP) is reported whatever their order; a second
 * tag of the same ACPI type is ignored.
 *
 * Context: any; reads only [info, info + avail), writes only *out.
 */
int mb2_parse(const void *info, size_t avail, struct mb2_info *out);

#endif
