/* SPDX-License-Identifier: MIT */
/*
 * Looking up boot modules (the programs, the monitor and the manifest GRUB
 * loaded) in the read-only boot table.
 */
#ifndef BOOTMOD_H
#define BOOTMOD_H

#include <abi/bootrec.h>

/* bootmod_find: the module whose GRUB command line is exactly name, or
 * NULL. name must be NUL-terminated. */
const struct boot_module *bootmod_find(const struct boottab *bt,
				       const char *name);

#endif
