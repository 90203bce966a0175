/* SPDX-License-Identifier: MIT */
/* Boot-phase PCI enumeration into the boot table (core 0). */
#ifndef CPUDRIVER_DEVBOOT_H
#define CPUDRIVER_DEVBOOT_H

#include <abi/bootrec.h>
#include "acpi.h"
#include "manifest.h"

void dev_enumerate(struct boottab *bt, const struct acpi_info *acpi,
		   const struct manifest *man, uint32_t ncores);

#endif
