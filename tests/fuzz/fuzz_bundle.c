/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the module bundle reader (cpudriver/bundle.c).
 *
 * The input is the bundle, loaded at a page-aligned address; any read past
 * it is caught by AddressSanitizer. On success the target checks what the
 * reader promises: each member lies inside the bundle, page aligned, after
 * the member before it, with a NUL-terminated name that is not "bundle"
 * and appears once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "bundle.h"

#define PHYS 0x1000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_module mods[BOOT_MAX_MODULES];
	const char *why = 0;
	uint32_t n = 0;
	uint64_t prev_end = PHYS;
	int rc = bundle_split(data, size, PHYS, mods, BOOT_MAX_MODULES, &n,
			      &why);

	if (!why) {
		abort();
	}
	if (rc < 0) {
		return 0;
	}
	if (n > BOOT_MAX_MODULES) {
		abort();
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct boot_module *m = &mods[i];

		if (m->start < prev_end || m->end < m->start ||
		    m->end > PHYS + size || (m->start & 4095) ||
		    memchr(m->name, 0, BOOT_NAME_MAX) == NULL ||
		    !m->name[0] || strcmp(m->name, "bundle") == 0) {
			abort();
		}
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(mods[j].name, m->name) == 0) {
				abort();
			}
		}
		prev_end = m->end;
	}
	return 0;
}
