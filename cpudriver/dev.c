// SPDX-License-Identifier: MIT
/*
 * Devices owned by this core (see dev.h).
 *
 * Ownership is this CPU driver's own state: it starts from the boot
 * table's owners and changes only when this core's monitor says so
 * (SYS_DEV_RELEASE, SYS_DEV_ADOPT) after the monitors agreed on a move.
 * A process may touch a device only through its own core's driver, and
 * only while the core owns it: configuration reads and writes (BARs and
 * the ROM BAR excepted, so nobody can move registers over memory), its
 * memory BARs mapped uncached, and MSI-X vectors of this core.
 *
 * Bus mastering is switched off when the last process that used a device
 * ends, so that a device can never write into frames that are freed and
 * handed to someone else; a new driver switches it on again.
 *
 * The dev_sys_* handlers take the system call's raw arguments (syscall.c
 * dispatches) and narrow them here: a device index that does not fit 32
 * bits becomes one that names no device.
 */
#include "dev.h"
#include "kernel.h"
#include "proc.h"
#include "frame.h"
#include "usercopy.h"
#include "pcicfg.h"
#include <abi/syscall.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <string.h>

#define MAX_BAR (256ull << 20) /* the largest BAR a process may map */

static bool owned[BOOT_MAX_PCI];
static bool cfg_mapped[BOOT_MAX_PCI];

static struct {
	uint32_t pid; /* 0: free */
	uint32_t dev;
	uint32_t handle;
} vecs[VEC_DEV_COUNT];

static const struct boot_pcidev *entry(uint32_t i)
{
	return i < self.bt->npci ? &self.bt->pci[i] : 0;
}

/* dev_index: a system call's device argument; out of range: no device */
static uint32_t dev_index(uint64_t a)
{
	return a > 0xffffffffull ? 0xffffffffu : (uint32_t)a;
}

static uint64_t cfg_va(uint32_t i)
{
	return KERNEL_DEVCFG + (uint64_t)i * PAGE_SIZE;
}

static int map_cfg(uint32_t i)
{
	const struct boot_pcidev *d = entry(i);

	if (!d->cfg_phys || cfg_mapped[i]) {
		return 0;
	}
	if (pt_map(&kpt, self.pml4, cfg_va(i), d->cfg_phys, PAGE_SIZE,
		   PTE_W | PTE_NX | PTE_PCD | PTE_PWT, false)) {
		return E_NOMEM;
	}
	cfg_mapped[i] = true;
	return 0;
}

static void unmap_cfg(uint32_t i)
{
	if (cfg_mapped[i]) {
		pt_unmap(&kpt, self.pml4, cfg_va(i), PAGE_SIZE);
		invlpg(cfg_va(i));
		cfg_mapped[i] = false;
	}
}

static void ops_for(uint32_t i, struct pci_ops *o)
{
	if (entry(i)->cfg_phys) {
		pcicfg_page(o, (uintptr_t)cfg_va(i));
	} else {
		pcicfg_ports(o);
	}
}

static uint32_t cfg_read32(uint32_t i, uint16_t off)
{
	const struct boot_pcidev *d = entry(i);
	struct pci_ops o;

	ops_for(i, &o);
	return o.read32(o.ctx, d->bus, d->dev, d->fn, off);
}

static void cfg_write32(uint32_t i, uint16_t off, uint32_t v)
{
	const struct boot_pcidev *d = entry(i);
	struct pci_ops o;

	ops_for(i, &o);
	o.write32(o.ctx, d->bus, d->dev, d->fn, off, v);
}

bool dev_owned_range(uint64_t pa, uint64_t size)
{
	for (uint32_t i = 0; i < self.bt->npci; i++) {
		const struct boot_pcidev *d = &self.bt->pci[i];

		if (!owned[i]) {
			continue;
		}
		if (cfg_mapped[i] && d->cfg_phys == pa && size == PAGE_SIZE) {
			return true;
		}
		for (int b = 0; b < 6; b++) {
			uint64_t lo = d->bar[b].base & ~(PAGE_SIZE - 1);
			uint64_t hi = d->bar[b].base + d->bar[b].size;

			if (d->bar[b].base && !(d->bar[b].flags & PCI_BAR_IO) &&
			    pa >= lo && pa + size <= hi + PAGE_SIZE - 1) {
				return true;
			}
		}
	}
	return false;
}

static int adopt(uint32_t i)
{
	int r = map_cfg(i);

	if (r == 0) {
		owned[i] = true;
	}
	return r;
}

void dev_init(void)
{
	for (uint32_t i = 0; i < self.bt->npci; i++) {
		if (self.bt->pci[i].owner == self.id && adopt(i) < 0) {
			kprintf("device %s: cannot map its configuration",
				self.bt->pci[i].name);
		}
	}
}

/* bus_master_off: the device stops DMA (and MSI writes) */
static void bus_master_off(uint32_t i)
{
	uint32_t cmd = cfg_read32(i, PCI_CFG_COMMAND);

	cfg_write32(i, PCI_CFG_COMMAND, (cmd & 0xffffu) & ~PCI_CMD_MASTER);
}

struct used_arg {
	uint32_t dev;
	bool used;
};

static void is_used(struct proc *p, void *arg)
{
	struct used_arg *u = arg;

	if (p->dev_used & (1u << u->dev)) {
		u->used = true;
	}
}

static bool in_use(uint32_t i)
{
	struct used_arg u = {i, false};

	proc_for_each(is_used, &u);
	return u.used;
}

void dev_proc_gone(struct proc *p)
{
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid == p->pid) {
			vecs[v].pid = 0;
		}
	}
	for (uint32_t i = 0; i < self.bt->npci && i < 32; i++) {
		if ((p->dev_used & (1u << i)) && owned[i] && !in_use(i)) {
			bus_master_off(i);
		}
	}
	p->dev_used = 0;
}

void dev_irq(uint64_t vector)
{
	uint64_t v = vector - VEC_DEV_BASE;

	lapic_eoi();
	if (v < VEC_DEV_COUNT && vecs[v].pid) {
		proc_irq(vecs[v].pid, vecs[v].handle);
	}
}

int64_t dev_sys_info(uint64_t dev, uint64_t uva)
{
	uint32_t i = dev_index(dev);
	struct sys_dev out;

	if (!entry(i)) {
		return E_NOENT;
	}
	memset(&out, 0, sizeof(out));
	out.d = *entry(i);
	out.owned_here = owned[i];
	out.cfg_size = entry(i)->cfg_phys ? 4096 : 256;
	return copy_out(uva, &out, sizeof(out));
}

/* mine: device i exists, this core owns it and it fits dev_used's bits */
static int mine(uint32_t i)
{
	if (!entry(i)) {
		return E_NOENT;
	}
	if (!owned[i] || i >= 32) {
		return E_PERM;
	}
	return 0;
}

int64_t dev_sys_cfg(uint64_t dev, uint64_t off, uint64_t op, uint64_t val)
{
	uint32_t i = dev_index(dev);
	uint32_t width = op & 0xff,
		 size = entry(i) && entry(i)->cfg_phys ? 4096 : 256;
	bool write = op & SYS_CFG_WRITE;
	uint32_t shift, mask, old;
	int r = mine(i);

	if (r < 0) {
		return r;
	}
	if ((op & ~(0xffull | SYS_CFG_WRITE)) ||
	    (width != 1 && width != 2 && width != 4) || off >= size ||
	    off % width) {
		return E_INVAL;
	}
	/* BARs (0x10..0x27) and the expansion ROM BAR (0x30) stay put */
	if (write && ((off >= PCI_CFG_BAR0 && off < 0x28) ||
		      (off >= 0x30 && off < 0x34))) {
		return E_PERM;
	}
	shift = 8 * (uint32_t)(off & 3);
	mask = width == 4 ? 0xffffffffu : ((1u << (8 * width)) - 1) << shift;
	old = cfg_read32(i, (uint16_t)(off & ~3ull));
	if (!write) {
		return (old & mask) >> shift;
	}
	cfg_write32(i, (uint16_t)(off & ~3ull),
		    (old & ~mask) | (((uint32_t)val << shift) & mask));
	proc_current()->dev_used |= 1u << i;
	return 0;
}

/* overlaps_ram: [base, end) touches a partition, the shared region or
 * the boot modules: no BAR may be mapped there */
static bool overlaps_ram(uint64_t base, uint64_t end)
{
	const struct boottab *bt = self.bt;

	for (uint32_t c = 0; c < bt->ncores; c++) {
		if (base < bt->cores[c].part_end &&
		    bt->cores[c].part_base < end) {
			return true;
		}
	}
	if (base < bt->shared_end && bt->shared_base < end) {
		return true;
	}
	return base < 0x100000; /* low memory, the trampoline */
}

int64_t dev_sys_map(uint64_t dev, uint64_t b)
{
	uint32_t i = dev_index(dev);
	struct proc *p = proc_current();
	const struct boot_bar *bar;
	uint64_t base, size, va;
	int r = mine(i);

	if (r < 0) {
		return r;
	}
	if (b >= 6) {
		return E_INVAL;
	}
	bar = &entry(i)->bar[b];
	if (!bar->base || !bar->size || (bar->flags & PCI_BAR_IO)) {
		return E_NOENT;
	}
	base = bar->base & ~(PAGE_SIZE - 1);
	size =
	    (bar->base + bar->size - base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (bar->size > MAX_BAR || bar->base + bar->size < bar->base ||
	    overlaps_ram(base, base + size)) {
		return E_RANGE;
	}
	va = p->dev_next;
	if (va + size > USER_DEV_BASE + USER_DEV_MAX) {
		return E_NOMEM;
	}
	if (pt_map(&kpt, p->pml4, va, base, size,
		   PTE_U | PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_SHARED,
		   false)) {
		return E_NOMEM;
	}
	p->dev_next = va + size;
	p->dev_used |= 1u << i;
	return (int64_t)(va + (bar->base - base));
}

int64_t dev_sys_irq(uint64_t dev, uint64_t uva)
{
	uint32_t i = dev_index(dev);
	struct proc *p = proc_current();
	struct sys_irq out;
	uint32_t taken = 0;
	int v, r = mine(i);

	if (r < 0) {
		return r;
	}
	for (v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid == p->pid) {
			taken |= 1u << vecs[v].handle;
		}
	}
	for (v = 0; v < VEC_DEV_COUNT && vecs[v].pid; v++) {
	}
	if (v == VEC_DEV_COUNT || taken == 0xffffffffu) {
		return E_FULL;
	}
	memset(&out, 0, sizeof(out));
	out.handle = (uint32_t)__builtin_ctz(~taken);
	/* fixed delivery, physical destination: this core's LAPIC */
	out.msi_addr = 0xfee00000ull | ((uint64_t)self.apic_id << 12);
	out.msi_data = VEC_DEV_BASE + (uint32_t)v;
	r = copy_out(uva, &out, sizeof(out));
	if (r < 0) {
		return r;
	}
	vecs[v].pid = p->pid;
	vecs[v].dev = i;
	vecs[v].handle = out.handle;
	p->dev_used |= 1u << i;
	return 0;
}

int64_t dev_sys_dma_addr(uint64_t va)
{
	struct proc *p = proc_current();
	uint64_t flags, pa;

	if (va >= USER_TOP) {
		return E_FAULT;
	}
	pa = pt_translate(&kpt, p->pml4, va, &flags);
	if (pa == UINT64_MAX || !(flags & PTE_U) || (flags & PTE_SHARED) ||
	    !(flags & PTE_W)) {
		return E_FAULT;
	}
	if (!((pa >= self.part_base && pa < self.part_end) ||
	      frame_adopted(pa & ~(PAGE_SIZE - 1), PAGE_SIZE))) {
		return E_FAULT;
	}
	return (int64_t)pa;
}

int64_t dev_sys_release(uint64_t dev)
{
	uint32_t i = dev_index(dev);
	int r = mine(i);

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (r < 0) {
		return r;
	}
	if (in_use(i)) {
		return E_BUSY;
	}
	bus_master_off(i);
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid && vecs[v].dev == i) {
			vecs[v].pid = 0;
		}
	}
	owned[i] = false;
	unmap_cfg(i);
	return 0;
}

int64_t dev_sys_adopt(uint64_t dev)
{
	uint32_t i = dev_index(dev);

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (!entry(i)) {
		return E_NOENT;
	}
	if (i >= 32) {
		return E_RANGE;
	}
	return owned[i] ? 0 : adopt(i);
}

int64_t dev_sys_irq_ack(void)
{
	struct proc *p = proc_current();
	uint32_t m = p->irq_pending;

	p->irq_pending = 0;
	return m;
}
