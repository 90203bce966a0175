/* SPDX-License-Identifier: MIT */
/*
 * PCI enumeration (drivers/pci/pci.c) over a fake configuration space:
 * functions with BARs that answer sizing like hardware does, multi-
 * function devices, capability lists good and bad.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <abi/errors.h>
#include <drivers/pci.h>

struct fake_fn {
	int present;
	uint8_t cfg[256];
	uint64_t bar_size[6]; /* 0: unimplemented; sizes of the BARs */
	uint32_t sizing[6];   /* a BAR register holds all-ones */
};

static struct fake_fn fns[2][32][8]; /* bus 0..1 */
static unsigned writes_while_decoding;
static unsigned writes; /* every configuration write */

static struct fake_fn *at(uint8_t b, uint8_t d, uint8_t f)
{
	return b < 2 && d < 32 && f < 8 ? &fns[b][d][f] : 0;
}

static uint32_t rd(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	struct fake_fn *fn = at(b, d, f);
	uint32_t v;

	(void)ctx;
	if (!fn || !fn->present) {
		return 0xffffffffu;
	}
	if (off >= 0x10 && off < 0x28) {
		unsigned i = (off - 0x10u) / 4;
		if (fn->sizing[i]) {
			/* the BAR answers its size mask, in the halves of a
			 * 64-bit BAR too */
			uint64_t size = fn->bar_size[i] ? fn->bar_size[i]
							: (i && fn->bar_size[i - 1] &&
							   (fn->cfg[0x10 + 4 * (i - 1)] & 6) == 4
							       ? fn->bar_size[i - 1]
							       : 0);
			uint64_t mask = size ? ~(size - 1) : 0;
			uint32_t low = fn->cfg[off] & 0xf;

			if (i && !fn->bar_size[i] && size) {
				return (uint32_t)(mask >> 32);
			}
			if (fn->cfg[off] & 1) {
				return ((uint32_t)mask & ~3u) | 1;
			}
			return ((uint32_t)mask & ~0xfu) | low;
		}
	}
	memcpy(&v, fn->cfg + (off & 0xfc), 4);
	return v;
}

static void wr(void *ctx, uint8_t b, uint8_t d, uint8_t f, uint16_t off,
	       uint32_t v)
{
	struct fake_fn *fn = at(b, d, f);

	(void)ctx;
	writes++;
	if (!fn || !fn->present) {
		return;
	}
	if (off >= 0x10 && off < 0x28) {
		unsigned i = (off - 0x10u) / 4;
		if (fn->cfg[4] & 3) {
			writes_while_decoding++;
		}
		if (v == 0xffffffffu) {
			fn->sizing[i] = 1;
			return;
		}
		fn->sizing[i] = 0;
	}
	if ((off & 0xfc) == 4) {
		/* status bits are write-one-to-clear: a zero leaves them */
		memcpy(fn->cfg + 4, &v, 2);
		return;
	}
	memcpy(fn->cfg + (off & 0xfc), &v, 4);
}

static const struct pci_ops ops = {rd, wr, 0, 256};

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static struct fake_fn *add(uint8_t b, uint8_t d, uint8_t f, uint16_t ven,
			   uint16_t dev, uint8_t cls)
{
	struct fake_fn *fn = at(b, d, f);

	memset(fn, 0, sizeof(*fn));
	fn->present = 1;
	put16(fn->cfg, ven);
	put16(fn->cfg + 2, dev);
	fn->cfg[0x0b] = cls;
	fn->cfg[4] = 7; /* io, memory, master */
	return fn;
}

static int setup(void **state)
{
	struct fake_fn *fn;

	(void)state;
	memset(fns, 0, sizeof(fns));
	writes_while_decoding = 0;
	writes = 0;
	add(0, 0, 0, 0x8086, 0x29c0, 0x06); /* host bridge, no BARs */
	/* a virtio-net: BAR0 I/O 32 bytes, BAR1 4 KiB, BAR4/5 64-bit 16 KiB
	 * prefetchable; capabilities MSI-X (3 entries) -> vendor -> end */
	fn = add(0, 2, 0, 0x1af4, 0x1000, 0x02);
	put32(fn->cfg + 0x10, 0xc041);
	fn->bar_size[0] = 32;
	put32(fn->cfg + 0x14, 0xfebd1000);
	fn->bar_size[1] = 4096;
	put32(fn->cfg + 0x20, 0xfe00000c);
	put32(fn->cfg + 0x24, 0x1);
	fn->bar_size[4] = 16384;
	put16(fn->cfg + 0x2c, 0x1af4);
	put16(fn->cfg + 0x2e, 1);
	put16(fn->cfg + 6, 0x10);
	fn->cfg[0x34] = 0x98;
	fn->cfg[0x98] = PCI_CAP_MSIX;
	fn->cfg[0x99] = 0x84;
	put16(fn->cfg + 0x9a, 2);
	fn->cfg[0x84] = PCI_CAP_VENDOR;
	fn->cfg[0x85] = 0;
	/* a multi-function device at 00:1f with functions 0 and 3 */
	fn = add(0, 0x1f, 0, 0x8086, 0x2918, 0x06);
	fn->cfg[0x0e] = 0x80;
	add(0, 0x1f, 3, 0x8086, 0x2930, 0x0c);
	/* a single-function device whose function 1 must not be probed */
	add(1, 4, 0, 0x1234, 0x1111, 0x03);
	add(1, 4, 1, 0x1234, 0x2222, 0x03);
	return 0;
}

static void test_scan(void **state)
{
	struct pci_func f[8];
	int n;

	(void)state;
	n = pci_scan(&ops, 0, 1, f, 8);
	assert_int_equal(n, 5);
	assert_int_equal(f[0].vendor, 0x8086);
	assert_int_equal(f[1].dev, 2);
	assert_int_equal(f[1].device, 0x1000);
	assert_int_equal(f[1].subsys, 1);
	assert_int_equal(f[1].class_code, 0x02);
	assert_int_equal(f[2].dev, 0x1f);
	assert_int_equal(f[3].fn, 3);
	assert_int_equal(f[4].bus, 1);
	assert_int_equal(f[4].device, 0x1111);
	/* enumeration only reads: no BAR sized, no decoding switched */
	assert_int_equal(writes, 0);
	assert_int_equal(f[1].bar[1].size, 0);
	assert_int_equal(f[1].bar[1].base, 0);
}

static void test_bars(void **state)
{
	struct pci_func f[8];

	(void)state;
	assert_int_equal(pci_scan(&ops, 0, 0, f, 8), 4);
	pci_size_bars(&ops, &f[1]);
	assert_int_equal(writes_while_decoding, 0);
	assert_int_equal(f[1].bar[0].flags, PCI_BAR_IO);
	assert_int_equal(f[1].bar[0].base, 0xc040);
	assert_int_equal(f[1].bar[0].size, 32);
	assert_int_equal(f[1].bar[1].flags, 0);
	assert_int_equal(f[1].bar[1].base, 0xfebd1000);
	assert_int_equal(f[1].bar[1].size, 4096);
	assert_int_equal(f[1].bar[4].flags, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	assert_int_equal(f[1].bar[4].base, 0x1fe000000ull);
	assert_int_equal(f[1].bar[4].size, 16384);
	assert_int_equal(f[1].bar[5].size, 0);
	assert_int_equal(f[1].bar[2].size, 0);
	/* the registers are as they were, decoding back on */
	assert_int_equal(rd(0, 0, 2, 0, 0x14), 0xfebd1000);
	assert_int_equal(fns[0][2][0].cfg[4], 7);
}

static void test_msix(void **state)
{
	struct pci_func f[8];

	(void)state;
	pci_scan(&ops, 0, 0, f, 8);
	assert_int_equal(f[1].msix_cap, 0x98);
	assert_int_equal(f[1].msix_entries, 3);
	assert_int_equal(f[0].msix_cap, 0);
	assert_int_equal(pci_find_cap(&ops, 0, 2, 0, PCI_CAP_VENDOR, 0), 0x84);
	assert_int_equal(pci_find_cap(&ops, 0, 2, 0, PCI_CAP_VENDOR, 0x84),
			 E_NOENT);
	assert_int_equal(pci_find_cap(&ops, 0, 0, 0, PCI_CAP_MSIX, 0),
			 E_NOENT);
}

static void test_bad_caps(void **state)
{
	struct fake_fn *fn = &fns[0][2][0];
	struct pci_func f[8];

	(void)state;
	fn->cfg[0x85] = 0x98; /* a loop: 0x98 -> 0x84 -> 0x98 */
	assert_int_equal(pci_find_cap(&ops, 0, 2, 0, 0x05, 0), E_FORMAT);
	fn->cfg[0x85] = 0x21; /* unaligned */
	assert_int_equal(pci_find_cap(&ops, 0, 2, 0, 0x05, 0), E_FORMAT);
	fn->cfg[0x85] = 0x10; /* inside the header */
	assert_int_equal(pci_find_cap(&ops, 0, 2, 0, 0x05, 0), E_FORMAT);
	/* enumeration survives it */
	assert_int_equal(pci_scan(&ops, 0, 0, f, 8), 4);
}

static void test_bad_bar(void **state)
{
	struct fake_fn *fn = &fns[0][2][0];
	struct pci_func f[8];

	(void)state;
	fn->bar_size[1] = 3000; /* not a power of two: not a usable BAR */
	pci_scan(&ops, 0, 0, f, 8);
	pci_size_bars(&ops, &f[1]);
	assert_int_equal(f[1].bar[1].size, 0);
	assert_int_equal(f[1].bar[1].base, 0);
	/* a 64-bit BAR in the last slot is ignored */
	put32(fn->cfg + 0x24, 0xfd00000c);
	fn->bar_size[5] = 4096;
	fn->bar_size[4] = 0;
	put32(fn->cfg + 0x20, 0);
	pci_scan(&ops, 0, 0, f, 8);
	pci_size_bars(&ops, &f[1]);
	assert_int_equal(f[1].bar[5].size, 0);
}

static void test_max(void **state)
{
	struct pci_func f[2];

	(void)state;
	memset(f, 0x5a, sizeof(f));
	assert_int_equal(pci_scan(&ops, 0, 1, f, 2), 5);
	assert_int_equal(f[1].device, 0x1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_scan, setup),
	    cmocka_unit_test_setup(test_bars, setup),
	    cmocka_unit_test_setup(test_msix, setup),
	    cmocka_unit_test_setup(test_bad_caps, setup),
	    cmocka_unit_test_setup(test_bad_bar, setup),
	    cmocka_unit_test_setup(test_max, setup),
	};

	return cmocka_run_group_tests(tests, 0, 0);
}
