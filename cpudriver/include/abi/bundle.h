/* SPDX-License-Identifier: MIT */
/*
 * The module bundle: every boot module in one file, so that GRUB opens
 * and reads one file from the CD instead of one per module (each costs
 * it about a millisecond under QEMU's TCG; docs/benchmarks.md, "Boot:
 * one file for the modules, ..."). The build writes it (site_scons/site_tools/
 * grubiso.py) and GRUB loads it as the module named "bundle"; the CPU
 * driver's boot phase (cpudriver/bundle.c) turns its members into boot
 * modules, which from then on are the same as modules GRUB loaded one by
 * one.
 *
 * Layout, all integers little-endian:
 *   struct bundle_head                      at offset 0
 *   struct bundle_entry[count]              right behind it
 *   member data, each at a multiple of BUNDLE_ALIGN, in entry order,
 *   not overlapping; the gaps are zero
 * The members are page aligned because programs map a module's pages
 * (a read-only segment straight from its module, SYS_MOD_MAP): a page
 * of one member then shows no byte of another.
 */
#ifndef ABI_BUNDLE_H
#define ABI_BUNDLE_H

#include <stdint.h>

#define BUNDLE_MAGIC "MKBUNDL1" /* 8 bytes, no NUL */
#define BUNDLE_ALIGN 4096u
#define BUNDLE_NAME_MAX 32 /* with the NUL, = BOOT_NAME_MAX */
#define BUNDLE_MODULE "bundle" /* its GRUB command line */

struct bundle_head {
	char magic[8];
	uint32_t count; /* entries */
	uint32_t zero;  /* 0 */
};

struct bundle_entry {
	char name[BUNDLE_NAME_MAX]; /* NUL-terminated, NUL-padded */
	uint64_t offset;            /* from the bundle's start */
	uint64_t size;              /* bytes */
};

#endif
