// SPDX-License-Identifier: MIT
/*
 * Stand-in for bootfile() (libos/bootfile.h) while libos has no
 * implementation yet: no file exists (ERR_NOSYS), so httpd answers 404.
 * apps/SConscript links this file only when no libos source defines
 * bootfile; weak as well. Delete it once the real one lands.
 */
#include <stddef.h>
#include <abi/errors.h>
#include <libos/bootfile.h>

#define STUB __attribute__((weak))

STUB int bootfile(const char *name, const void **data, size_t *len)
{
	(void)name;
	*data = NULL;
	*len = 0;
	return ERR_NOSYS;
}
