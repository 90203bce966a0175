/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for PCI enumeration: the input is up to 32 functions
 * (devices 0..31 of bus 0, function 0; the multi-function bit is
 * honoured, other functions read as absent), each FN_BYTES long: its 256
 * bytes of configuration space, then six 32-bit words, the answers of
 * BAR registers 0..5 to BAR sizing. A BAR register written with all-ones
 * reads back its answer from the input, like hardware reads back its size
 * mask, until another value is written; so sizing sees powers of two,
 * holes in the mask, zero, whatever the input says. A short last function
 * reads as all-ones past its end.
 *
 * Checked: no crash or overrun, and the promises of pci_scan and struct
 * pci_func: sizes are powers of two, a BAR without a size has no flags,
 * capabilities lie past the header, every BAR register and the command
 * register hold their old values afterwards, and no BAR register is
 * written while the function decodes memory or I/O.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <abi/errors.h>
#include <drivers/pci.h>

#define FN_CFG 256
#define FN_BYTES (FN_CFG + 6 * 4)

static uint8_t space[32][FN_CFG];
static uint8_t before[32][FN_CFG];
static uint32_t answer[32][6];
static uint8_t sizing[32]; /* bit i: BAR register i holds all-ones */
static size_t nfn;

static uint32_t rd(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	uint32_t v;

	(void)ctx;
	if (b != 0 || f != 0 || d >= nfn || off >= FN_CFG) {
		return 0xffffffffu;
	}
	off &= 0xfc;
	if (off >= PCI_CFG_BAR0 && off < 0x28 &&
	    (sizing[d] & (1u << ((off - PCI_CFG_BAR0) / 4)))) {
		return answer[d][(off - PCI_CFG_BAR0) / 4];
	}
	memcpy(&v, space[d] + off, 4);
	return v;
}

static void wr(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off,
	       uint32_t v)
{
	(void)ctx;
	if (b != 0 || f != 0 || d >= nfn || off >= FN_CFG) {
		return;
	}
	off &= 0xfc;
	if (off >= PCI_CFG_BAR0 && off < 0x28) {
		unsigned i = (off - PCI_CFG_BAR0) / 4u;
		uint16_t cmd;

		memcpy(&cmd, space[d] + PCI_CFG_COMMAND, 2);
		if (cmd & (PCI_CMD_IO | PCI_CMD_MEM)) {
			abort(); /* sizing while decoding */
		}
		if (v == 0xffffffffu) {
			sizing[d] |= (uint8_t)(1u << i);
			return;
		}
		sizing[d] &= (uint8_t)~(1u << i);
	}
	if (off == PCI_CFG_COMMAND) {
		/* status bits are write-one-to-clear: a zero leaves them */
		memcpy(space[d] + off, &v, 2);
		return;
	}
	memcpy(space[d] + off, &v, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pci_ops ops = {rd, wr, 0, FN_CFG};
	struct pci_func f[8];
	int n;

	memset(space, 0xff, sizeof(space));
	memset(answer, 0xff, sizeof(answer));
	memset(sizing, 0, sizeof(sizing));
	nfn = (size + FN_BYTES - 1) / FN_BYTES;
	if (nfn > 32) {
		nfn = 32;
	}
	for (size_t i = 0; i < nfn; i++) {
		const uint8_t *p = data + i * FN_BYTES;
		size_t k = size - i * FN_BYTES < FN_BYTES ? size - i * FN_BYTES
							  : FN_BYTES;

		memcpy(space[i], p, k < FN_CFG ? k : FN_CFG);
		if (k > FN_CFG) {
			memcpy(answer[i], p + FN_CFG, k - FN_CFG);
		}
	}
	memcpy(before, space, sizeof(space));
	n = pci_scan(&ops, 0, 0, f, 8);
	if (n < 0 || n > 32 * 8) {
		abort();
	}
	/* registers as they were: the BARs and the command register (a BAR
	 * register that held all-ones, which hardware never does, is left
	 * in sizing by its own restore) */
	for (size_t d = 0; d < nfn; d++) {
		if (memcmp(space[d] + PCI_CFG_COMMAND,
			   before[d] + PCI_CFG_COMMAND, 4) != 0) {
			abort();
		}
		for (unsigned i = 0; i < 6; i++) {
			uint32_t was;

			memcpy(&was, before[d] + PCI_CFG_BAR0 + 4 * i, 4);
			if (was != 0xffffffffu &&
			    ((sizing[d] & (1u << i)) ||
			     memcmp(space[d] + PCI_CFG_BAR0 + 4 * i, &was, 4))) {
				abort();
			}
		}
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
			if (!s && (f[i].bar[b].flags || f[i].bar[b].base)) {
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
