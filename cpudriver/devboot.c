// SPDX-License-Identifier: MIT
/*
 * Boot phase, core 0 only: PCI is enumerated once, here, and the result
 * goes into the boot table as the device directory's initial state. Every
 * function found gets a name: VirtIO network, block and console devices
 * are "virtio-net", "virtio-blk" and "virtio-console" (the second
 * "virtio-net2"...), others "pci-BB:DD.F". Owners come from the manifest's
 * `device NAME CORE` lines; without one, virtio-net goes to core 1 and
 * virtio-blk to core 2 (core 0 when there are fewer cores), virtio-console
 * (the trace device, docs/tracing.md) to core 0; other functions have no
 * owner.
 */
#include "devboot.h"
#include "kernel.h"
#include "pcicfg.h"
#include <fmt.h>
#include <string.h>

#define BOOT_IDENTITY_LIMIT (4ull << 30)

static BOOT_PHASE struct pci_func found[BOOT_MAX_PCI];

/* kind: the VirtIO device type of f (1 net, 2 block, ...), 0 if none */
static unsigned virtio_type(const struct pci_func *f)
{
	if (f->vendor != PCI_VENDOR_VIRTIO) {
		return 0;
	}
	if (f->device >= 0x1040 && f->device <= 0x107f) {
		return f->device - 0x1040u;
	}
	if (f->device >= 0x1000 && f->device <= 0x103f) {
		/* transitional: the subsystem id says the type */
		return f->subsys ? f->subsys : 0;
	}
	return 0;
}

static void name_of(const struct pci_func *f, char *out, unsigned *nnet,
		    unsigned *nblk, unsigned *ncons)
{
	unsigned t = virtio_type(f), *count = 0;
	const char *base = 0;

	if (t == 1) {
		base = "virtio-net";
		count = nnet;
	} else if (t == 2) {
		base = "virtio-blk";
		count = nblk;
	} else if (t == 3) {
		base = "virtio-console";
		count = ncons;
	}
	if (base) {
		if ((*count)++ == 0) {
			strlcpy(out, base, BOOT_DEV_NAME_MAX);
		} else {
			fmt_snprintf(out, BOOT_DEV_NAME_MAX, "%s%u", base, *count);
		}
		return;
	}
	if (t) {
		fmt_snprintf(out, BOOT_DEV_NAME_MAX, "virtio-%u-%02x:%02x", t,
			 f->bus, f->dev);
		return;
	}
	fmt_snprintf(out, BOOT_DEV_NAME_MAX, "pci-%02x:%02x.%x", f->bus, f->dev,
		 f->fn);
}

static uint32_t default_owner(const char *name, uint32_t ncores)
{
	if (strncmp(name, "virtio-net", 10) == 0) {
		return ncores > 1 ? 1 : 0;
	}
	if (strncmp(name, "virtio-blk", 10) == 0) {
		return ncores > 2 ? 2 : 0;
	}
	if (strncmp(name, "virtio-console", 14) == 0) {
		return 0;
	}
	return BOOT_NO_OWNER;
}

/* named: the directory index of device `name` (a manifest line's), or
 * npci, said on the console: the same manifest boots without it */
static uint32_t named(const struct boottab *bt, const char *name,
		      uint32_t line)
{
	for (uint32_t i = 0; i < bt->npci; i++) {
		if (strcmp(bt->pci[i].name, name) == 0) {
			return i;
		}
	}
	kprintf("manifest line %u: no device '%s' on this machine (line "
		"ignored)", line, name);
	return bt->npci;
}

/* size_owned: the BARs of the functions a core owns or takes over when
 * its owner is lost; the others' stay zero (no core maps them, and a
 * monitor moves only owned devices). Sizing switches a function's
 * decoding off and on, which QEMU answers by rebuilding its memory map on
 * every vCPU: sizing every function took 0.3 s of a 255-core boot
 * (docs/benchmarks.md, "Bring-up at the firmware's pace"). */
static void size_owned(struct boottab *bt, const struct pci_ops *ops)
{
	for (uint32_t i = 0; i < bt->npci; i++) {
		struct boot_pcidev *d = &bt->pci[i];

		if (d->owner == BOOT_NO_OWNER && d->fallback == BOOT_NO_OWNER) {
			continue;
		}
		pci_size_bars(ops, &found[i]);
		for (int b = 0; b < 6; b++) {
			d->bar[b].base = found[i].bar[b].base;
			d->bar[b].size = found[i].bar[b].size;
			d->bar[b].flags = found[i].bar[b].flags;
		}
	}
}

void dev_enumerate(struct boottab *bt, const struct acpi_info *acpi,
		   const struct manifest *man, uint32_t ncores)
{
	struct pci_ops ops;
	uint8_t lo = 0, hi = 255;
	uint64_t ecam = 0;
	unsigned nnet = 0, nblk = 0, ncons = 0;
	int n;

	if (acpi->n_mcfg && acpi->mcfg[0].segment == 0 &&
	    acpi->mcfg[0].base + (((uint64_t)acpi->mcfg[0].bus_end + 1) << 20) <=
		BOOT_IDENTITY_LIMIT) {
		ecam = acpi->mcfg[0].base;
		lo = acpi->mcfg[0].bus_start;
		hi = acpi->mcfg[0].bus_end;
		pcicfg_ecam(&ops, (uintptr_t)dmap(ecam));
	} else {
		pcicfg_ports(&ops);
	}
	n = pci_scan(&ops, lo, hi, found, BOOT_MAX_PCI);
	bt->pci_found = (uint32_t)n;
	bt->npci = (uint32_t)(n < BOOT_MAX_PCI ? n : BOOT_MAX_PCI);
	if (n > BOOT_MAX_PCI) {
		kprintf("pci: %d functions, only the first %d are kept", n,
			BOOT_MAX_PCI);
	}
	for (uint32_t i = 0; i < bt->npci; i++) {
		const struct pci_func *f = &found[i];
		struct boot_pcidev *d = &bt->pci[i];

		memset(d, 0, sizeof(*d));
		name_of(f, d->name, &nnet, &nblk, &ncons);
		d->bus = f->bus;
		d->dev = f->dev;
		d->fn = f->fn;
		d->header = f->header;
		d->vendor = f->vendor;
		d->device = f->device;
		d->class_code = f->class_code;
		d->subclass = f->subclass;
		d->progif = f->progif;
		d->revision = f->revision;
		d->msix_cap = f->msix_cap;
		d->msix_entries = f->msix_entries;
		d->cfg_phys = ecam ? ecam + ((uint64_t)f->bus << 20) +
					     ((uint64_t)f->dev << 15) +
					     ((uint64_t)f->fn << 12)
				   : 0;
		d->owner = default_owner(d->name, ncores);
		d->fallback = BOOT_NO_OWNER;
	}
	for (uint32_t m = 0; m < man->n_devices; m++) {
		const struct manifest_device *md = &man->devices[m];
		uint32_t i = named(bt, md->name, md->line);

		if (i == bt->npci) {
			continue;
		}
		if (md->core >= ncores) {
			kprintf("manifest line %u: device '%s' on core %u, but "
				"only %u cores run (line ignored)", md->line,
				md->name, md->core, ncores);
			continue;
		}
		bt->pci[i].owner = md->core;
		strlcpy(bt->pci[i].args, md->args, BOOT_ARGS_MAX);
	}
	for (uint32_t m = 0; m < man->n_fallbacks; m++) {
		const struct manifest_fallback *mf = &man->fallbacks[m];
		uint32_t i = named(bt, mf->name, mf->line);

		if (i < bt->npci) {
			bt->pci[i].fallback = mf->core;
		}
	}
	size_owned(bt, &ops);
}
