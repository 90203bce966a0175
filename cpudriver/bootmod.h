/* SPDX-License-Identifier: MIT */
/*
 * Boot modules (the programs, the monitor and the manifest GRUB loaded):
 * looking them up by name in the read-only boot table, and mapping one
 * read-only into a process that asks (SYS_MOD_MAP).
 */
#ifndef BOOTMOD_H
#define BOOTMOD_H

#include <abi/bootrec.h>
#include <stdbool.h>
#include <stdint.h>

/* bootmod_find: the module whose GRUB command line is exactly name, or
 * NULL. name must be NUL-terminated. */
const struct boot_module *bootmod_find(const struct boottab *bt,
				       const char *name);

/* bootmod_holds: pa lies in a page of a boot module (its first to last
 * page, whole) */
bool bootmod_holds(const struct boottab *bt, uint64_t pa);

/* bootmod_sys_map: SYS_MOD_MAP for the current process: map the module
 * named by the len bytes at user address name_va read-only, no-execute,
 * into its module window and write its struct sys_range (where it landed,
 * its size) to out_va. 0, E_NOENT (no such module, or a name too long to
 * be one), E_FAULT, E_INVAL or E_NOMEM (window full). From a system call
 * only. */
int64_t bootmod_sys_map(uint64_t name_va, uint64_t len, uint64_t out_va);

#endif
