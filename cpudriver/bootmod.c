// SPDX-License-Identifier: MIT
/* Boot module lookup by name (see bootmod.h). */
#include "bootmod.h"
#include <string.h>

const struct boot_module *bootmod_find(const struct boottab *bt,
				       const char *name)
{
	for (uint32_t i = 0; i < bt->nmodules && i < BOOT_MAX_MODULES; i++) {
		if (strncmp(bt->modules[i].name, name, BOOT_NAME_MAX) == 0) {
			return &bt->modules[i];
		}
	}
	return 0;
}
