/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the Multiboot2 information parser.
 *
 * The input is the information block itself, with avail = the input size,
 * so any read past it is caught by AddressSanitizer. On success the target
 * also checks what the parser promises: every string pointer lies inside
 * the block and is NUL-terminated there, the RSDP copy lies inside the
 * block, counts are within their arrays and modules have start <= end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "mb2.h"

static void check_string(const uint8_t *data, size_t size, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	if (s == NULL) {
		return;
	}
	if (p < data || p >= data + size) {
		abort();
	}
	if (strlen(s) >= (size_t)(data + size - p)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	const uint8_t *r;
	uint32_t i;
	int rc;

	rc = mb2_parse(data, size, &info);
	if (rc > 0 || (rc < 0 && err_name(rc)[4] == '?')) {
		abort(); /* only 0 or a known error */
	}
	if (rc < 0) {
		return 0;
	}
	if (info.total_size > size || info.n_mmap > MB2_MAX_MMAP ||
	    info.n_modules > MB2_MAX_MODULES) {
		abort();
	}
	check_string(data, size, info.cmdline);
	check_string(data, size, info.loader_name);
	for (i = 0; i < info.n_modules; i++) {
		check_string(data, size, info.modules[i].cmdline);
		if (info.modules[i].cmdline == NULL ||
		    info.modules[i].start > info.modules[i].end) {
			abort();
		}
	}
	r = info.rsdp;
	if (r != NULL) {
		if (r < data || info.rsdp_len < 20 ||
		    info.rsdp_len > (size_t)(data + size - r)) {
			abort();
		}
		if (info.rsdp_rev2 && info.rsdp_len < 36) {
			abort();
		}
	}
	return 0;
}
