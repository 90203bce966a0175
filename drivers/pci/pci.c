// SPDX-License-Identifier: MIT
/*
 * PCI enumeration and capability walking (see drivers/pci.h).
 */
#include <drivers/pci.h>
#include <abi/errors.h>
#include <string.h>

#define CAP_HOPS 48 /* 256 bytes of capability space hold at most 48 */

uint8_t pci_read8(const struct pci_ops *o, uint8_t b, uint8_t d, uint8_t f,
		  uint16_t off)
{
	return (uint8_t)(o->read32(o->ctx, b, d, f, off & ~3u) >>
			 (8 * (off & 3u)));
}

uint16_t pci_read16(const struct pci_ops *o, uint8_t b, uint8_t d, uint8_t f,
		    uint16_t off)
{
	return (uint16_t)(o->read32(o->ctx, b, d, f, off & ~3u) >>
			  (8 * (off & 2u)));
}

int pci_find_cap(const struct pci_ops *o, uint8_t b, uint8_t d, uint8_t f,
		 uint8_t cap_id, uint8_t after)
{
	uint8_t at;

	if (!(pci_read16(o, b, d, f, 0x06) & 0x10)) { /* status: caps list */
		return E_NOENT;
	}
	at = after ? pci_read8(o, b, d, f, (uint16_t)(after + 1))
		   : pci_read8(o, b, d, f, PCI_CFG_CAPS);
	for (int hop = 0; at; hop++) {
		if (hop >= CAP_HOPS || at < 0x40 || (at & 3)) {
			return E_FORMAT;
		}
		if (pci_read8(o, b, d, f, at) == cap_id) {
			return at;
		}
		at = pci_read8(o, b, d, f, (uint16_t)(at + 1));
	}
	return E_NOENT;
}

void pci_size_bars(const struct pci_ops *o, struct pci_func *f)
{
	uint32_t cmd;

	memset(f->bar, 0, sizeof(f->bar));
	if (f->header != 0) {
		return;
	}
	cmd = o->read32(o->ctx, f->bus, f->dev, f->fn, PCI_CFG_COMMAND);
	/* no decoding while a BAR holds all-ones */
	o->write32(o->ctx, f->bus, f->dev, f->fn, PCI_CFG_COMMAND,
		   (cmd & 0xffffu) & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < 6; i++) {
		uint16_t off = (uint16_t)(PCI_CFG_BAR0 + 4 * i);
		uint32_t lo = o->read32(o->ctx, f->bus, f->dev, f->fn, off);
		uint32_t hi = 0, slo, shi = 0;
		uint64_t base, mask;
		struct pci_bar *bar = &f->bar[i];
		bool is64 = !(lo & 1) && ((lo >> 1) & 3) == 2;

		memset(bar, 0, sizeof(*bar));
		if (is64 && i == 5) {
			break; /* a 64-bit BAR cannot start in the last slot */
		}
		o->write32(o->ctx, f->bus, f->dev, f->fn, off, 0xffffffffu);
		slo = o->read32(o->ctx, f->bus, f->dev, f->fn, off);
		o->write32(o->ctx, f->bus, f->dev, f->fn, off, lo);
		if (is64) {
			hi = o->read32(o->ctx, f->bus, f->dev, f->fn,
				       (uint16_t)(off + 4));
			o->write32(o->ctx, f->bus, f->dev, f->fn,
				   (uint16_t)(off + 4), 0xffffffffu);
			shi = o->read32(o->ctx, f->bus, f->dev, f->fn,
					(uint16_t)(off + 4));
			o->write32(o->ctx, f->bus, f->dev, f->fn,
				   (uint16_t)(off + 4), hi);
		}
		if (lo & 1) {
			base = lo & ~3u;
			mask = (slo & ~3u) | 0xffff0000u;
			mask = ~mask & 0xffffffffu;
			bar->flags = PCI_BAR_IO;
		} else {
			base = ((uint64_t)hi << 32) | (lo & ~0xfu);
			mask = ((uint64_t)(is64 ? shi : 0xffffffffu) << 32) |
			       (slo & ~0xfu);
			mask = ~mask;
			bar->flags = (is64 ? PCI_BAR_MEM64 : 0) |
				     ((lo & 8) ? PCI_BAR_PREFETCH : 0);
		}
		/* implemented address bits (not just the type bits) are a
		 * contiguous high run: size is a power of two; anything else
		 * is not a BAR we use */
		if (((lo & 1) ? (slo & ~3u)
			      : ((slo & ~0xfu) | (is64 ? shi : 0))) != 0 &&
		    ((mask + 1) & mask) == 0) {
			bar->size = mask + 1;
			bar->base = base;
		} else {
			bar->flags = 0;
		}
		if (is64) {
			i++;
			memset(&f->bar[i], 0, sizeof(f->bar[i]));
		}
	}
	o->write32(o->ctx, f->bus, f->dev, f->fn, PCI_CFG_COMMAND, cmd & 0xffffu);
}

static void read_func(const struct pci_ops *o, struct pci_func *f)
{
	uint32_t id = o->read32(o->ctx, f->bus, f->dev, f->fn, 0);
	uint32_t cls = o->read32(o->ctx, f->bus, f->dev, f->fn, 0x08);
	int cap;

	f->vendor = (uint16_t)id;
	f->device = (uint16_t)(id >> 16);
	f->revision = (uint8_t)cls;
	f->progif = (uint8_t)(cls >> 8);
	f->subclass = (uint8_t)(cls >> 16);
	f->class_code = (uint8_t)(cls >> 24);
	f->header = pci_read8(o, f->bus, f->dev, f->fn, 0x0e) & 0x7f;
	if (f->header != 0) {
		return;
	}
	f->subsys_vendor = pci_read16(o, f->bus, f->dev, f->fn, 0x2c);
	f->subsys = pci_read16(o, f->bus, f->dev, f->fn, 0x2e);
	cap = pci_find_cap(o, f->bus, f->dev, f->fn, PCI_CAP_MSIX, 0);
	if (cap > 0) {
		f->msix_cap = (uint8_t)cap;
		f->msix_entries = (uint16_t)((pci_read16(o, f->bus, f->dev,
							 f->fn,
							 (uint16_t)(cap + 2)) &
					      0x7ff) + 1);
	}
}

int pci_scan(const struct pci_ops *o, uint8_t bus_lo, uint8_t bus_hi,
	     struct pci_func *out, int max)
{
	int n = 0;

	for (unsigned b = bus_lo; b <= bus_hi; b++) {
		for (uint8_t d = 0; d < 32; d++) {
			uint8_t nfn = 1;

			for (uint8_t fn = 0; fn < nfn; fn++) {
				uint32_t id = o->read32(o->ctx, (uint8_t)b, d,
							fn, 0);
				struct pci_func f;

				if ((id & 0xffff) == 0xffff ||
				    (id & 0xffff) == 0) {
					continue;
				}
				if (fn == 0 && (pci_read8(o, (uint8_t)b, d, 0,
							  0x0e) &
						0x80)) {
					nfn = 8;
				}
				memset(&f, 0, sizeof(f));
				f.bus = (uint8_t)b;
				f.dev = d;
				f.fn = fn;
				read_func(o, &f);
				if (n < max) {
					out[n] = f;
				}
				n++;
			}
		}
	}
	return n;
}
