/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for PCI enumeration: the input is the configuration
 * space of up to 32 functions (256 bytes each, devices 0..31 of bus 0,
 * function 0; the multi-function bit is honoured, other functions read
 * as absent). Writes land in the space, so BAR sizing sees whatever the
 * input's registers answer. Checked: no crash or overrun, and the
 * promises of struct pci_func (sizes are powers of two, capabilities lie
 * past the header).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <abi/errors.h>
#include <drivers/pci.h>

static uint8_t space[32][256];
static size_t nfn;

static uint32_t rd(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	uint32_t v;

	(void)ctx;
	if (b != 0 || f != 0 || d >= nfn || off >= 256) {
		return 0xffffffffu;
	}
	memcpy(&v, space[d] + (off & 0xfc), 4);
	return v;
}

static void wr(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off,
	       uint32_t v)
{
	(void)ctx;
	if (b == 0 && f == 0 && d < nfn && off < 256) {
		memcpy(space[d] + (off & 0xfc), &v, 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pci_ops ops = {rd, wr, 0, 256};
	struct pci_func f[8];
	int n;

	memset(space, 0xff, sizeof(space));
	nfn = (size + 255) / 256;
	if (nfn > 32) {
		nfn = 32;
	}
	for (size_t i = 0; i < nfn; i++) {
		size_t k = size - i * 256 < 256 ? size - i * 256 : 256;
		memcpy(space[i], data + i * 256, k);
	}
	n = pci_scan(&ops, 0, 0, f, 8);
	if (n < 0 || n > 32 * 8) {
		abort();
	}
	for (int i = 0; i < n && i < 8; i++) {
		if (f[i].msix_cap && f[i].msix_cap < 0x40) {
			abort();
		}
		for (int b = 0; b < 6; b++) {
			uint64_t s = f[i].bar[b].size;
			if (s & (s - 1)) {
				abort();
			}
		}
		for (int id = 0; id < 256; id += 17) {
			int c = pci_find_cap(&ops, 0, f[i].dev, 0, (uint8_t)id, 0);
			if (c > 0 && (c < 0x40 || (c & 3))) {
				abort();
			}
		}
	}
	return 0;
}
