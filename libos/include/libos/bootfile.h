/* SPDX-License-Identifier: MIT */
/*
 * Files of the boot image: the GRUB modules (programs, the manifest, web
 * pages under www/...) are read-only and readable by every core.
 */
#ifndef LIBOS_BOOTFILE_H
#define LIBOS_BOOTFILE_H

#include <stddef.h>

/* bootfile: maps boot module `name` (as named in the ISO, e.g.
 * "www/index.html") read-only into the caller, once; *data and *len
 * describe its bytes. 0, E_NOENT when there is no such module,
 * E_INVAL for a bad name. */
int bootfile(const char *name, const void **data, size_t *len);

#endif
