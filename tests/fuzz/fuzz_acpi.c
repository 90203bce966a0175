/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ACPI parser.
 *
 * The input is physical memory from address 0 up to its size, with the
 * RSDP copy at its start (the first 36 bytes, or fewer if the input is
 * shorter). The map callback bounds-checks every request against the input
 * and returns a heap copy of exactly the requested bytes, freeing the
 * previous copy: AddressSanitizer then catches both reads past a mapping
 * and use of a mapping acpi_map_fn's contract says is gone. On success the
 * target checks the promises of struct acpi_info.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "acpi.h"

struct mem {
	const uint8_t *data;
	size_t size;
	void *last;
};

static const void *mem_map(void *ctx, uint64_t phys, size_t len)
{
	struct mem *m = ctx;
	void *copy;

	free(m->last);
	m->last = NULL;
	if (phys > m->size || len > m->size - phys) {
		return NULL;
	}
	copy = malloc(len ? len : 1);
	if (copy == NULL) {
		return NULL;
	}
	memcpy(copy, m->data + phys, len);
	m->last = copy;
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	struct mem m = {.data = data, .size = size, .last = NULL};
	uint32_t i, j;
	int rc;

	rc = acpi_parse(data, size < 36 ? size : 36, mem_map, &m, &info);
	free(m.last);
	if (rc > 0 || (rc < 0 && err_name(rc)[4] == '?')) {
		abort();
	}
	if (rc < 0) {
		return 0;
	}
	if (info.n_cpus == 0 || info.n_cpus > ACPI_MAX_CPUS ||
	    info.n_mcfg > ACPI_MAX_MCFG) {
		abort();
	}
	for (i = 0; i < info.n_cpus; i++) {
		for (j = 0; j < i; j++) {
			if (info.cpus[i].apic_id == info.cpus[j].apic_id) {
				abort();
			}
		}
	}
	for (i = 0; i < info.n_mcfg; i++) {
		if (info.mcfg[i].bus_start > info.mcfg[i].bus_end) {
			abort();
		}
	}
	return 0;
}
