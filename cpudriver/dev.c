// SPDX-License-Identifier: MIT
/*
 * Devices owned by this core (see dev.h).
 *
 * Ownership is this CPU driver's own state: it starts from the boot
 * table's owners and changes only when this core's monitor says so
 * (SYS_DEV_RELEASE, SYS_DEV_ADOPT) after the monitors agreed on a move.
 *
 * A device owned here is driven by at most one process, its driver: the
 * monitor names it when it spawns it (struct sys_grant.device, checked by
 * dev_grant_check, recorded by dev_grant). Only the driver may touch the
 * device, and only so far:
 *  - configuration reads anywhere; writes only to the command register's
 *    I/O, memory, bus-master and INTx-disable bits (the allowlist: no BAR,
 *    no MSI/MSI-X capability, no vendor window such as virtio's
 *    VIRTIO_PCI_CAP_PCI_CFG, through which BAR registers are reachable);
 *  - its memory BARs mapped uncached, without the pages that hold the
 *    MSI-X table or its pending-bit array (a hole; a BAR that holds
 *    nothing else is refused);
 *  - MSI-X entries that the kernel itself programs with a vector it
 *    allocated (VEC_DEV_BASE.., never an exception vector), aimed at this
 *    core's LAPIC, through its own mapping of the table.
 * Every other process, the monitor included, is refused (E_PERM) with one
 * console line naming the rule.
 *
 * When the driver ends (exit, kill, fault) the kernel masks every MSI-X
 * entry, switches MSI-X and bus mastering off and frees its vectors, so
 * that a device can never write into frames that are freed and handed to
 * someone else; the next driver switches them on again. Nothing else can
 * keep a device in use: no other process ever held anything of it.
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
#include "ktrace.h"
#include <string.h>

#define MAX_BAR (256ull << 20) /* the largest BAR a process may map */

/* MSI-X (PCI Local Bus 3.0, 6.8.2): capability layout and table entries */
#define MSIX_CTRL 2		/* message control (16 bits) */
#define MSIX_TABLE 4		/* table offset | BIR */
#define MSIX_PBA 8		/* pending-bit array offset | BIR */
#define MSIX_CAP_LEN 12
#define MSIX_ENABLE 0x8000u
#define MSIX_FN_MASK 0x4000u
#define MSIX_ENTRY 16		/* bytes per table entry */
#define MSIX_VEC_CTRL 3		/* dword of an entry: bit 0 masks it */
#define MSIX_MAX_ENTRIES 2048
/* the kernel's mappings of MSI-X tables: after the ECAM pages, up to
 * MSIX_PAGES pages a device (2048 entries of 16 bytes, not page aligned) */
#define MSIX_PAGES 16
#define CMD_DRIVER_BITS                                                       \
	(PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF)

static bool owned[BOOT_MAX_PCI];
static bool cfg_mapped[BOOT_MAX_PCI];
static uint32_t driver[BOOT_MAX_PCI]; /* pid of its driver, 0: none */
static volatile uint32_t *msix_table[BOOT_MAX_PCI]; /* kernel mapping */
static uint64_t msix_bytes[BOOT_MAX_PCI];	     /* mapped pages */

static struct {
	uint32_t pid; /* 0: free */
	uint32_t dev;
	uint32_t handle;
	uint32_t entry; /* MSI-X table entry the kernel programmed */
} vecs[VEC_DEV_COUNT];

/* where a device's MSI-X table lies (read from its capability) */
struct msix_geom {
	uint32_t n;		 /* entries */
	uint32_t tbir, toff; /* table: BAR and offset in it */
	uint32_t pbir, poff; /* pending-bit array */
};

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

static uint64_t msix_va(uint32_t i)
{
	return KERNEL_DEVCFG +
	       ((uint64_t)BOOT_MAX_PCI + (uint64_t)i * MSIX_PAGES) * PAGE_SIZE;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
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

/* cmd_write: the command register; the status half is written as 0
 * (its error bits are write-one-to-clear) */
static void cmd_write(uint32_t i, uint16_t cmd)
{
	cfg_write32(i, PCI_CFG_COMMAND, cmd);
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

/* ---------------------------------------------------------------- MSI-X */

/* msix_geom: device i's MSI-X table and PBA, checked to lie inside
 * memory BARs; E_NOENT without MSI-X, E_RANGE if they do not fit */
static int msix_geom(uint32_t i, struct msix_geom *g)
{
	const struct boot_pcidev *d = entry(i);
	uint32_t t, p;

	if (!d->msix_cap || !d->msix_entries ||
	    d->msix_entries > MSIX_MAX_ENTRIES) {
		return E_NOENT;
	}
	t = cfg_read32(i, (uint16_t)(d->msix_cap + MSIX_TABLE));
	p = cfg_read32(i, (uint16_t)(d->msix_cap + MSIX_PBA));
	g->n = d->msix_entries;
	g->tbir = t & 7;
	g->toff = t & ~7u;
	g->pbir = p & 7;
	g->poff = p & ~7u;
	if (g->tbir >= 6 || g->pbir >= 6) {
		return E_RANGE;
	}
	const struct boot_bar *tb = &d->bar[g->tbir], *pb = &d->bar[g->pbir];

	if (!tb->base || (tb->flags & PCI_BAR_IO) ||
	    (uint64_t)g->toff + (uint64_t)g->n * MSIX_ENTRY > tb->size ||
	    !pb->base || (pb->flags & PCI_BAR_IO) ||
	    (uint64_t)g->poff + ((g->n + 63) / 64) * 8ull > pb->size) {
		return E_RANGE;
	}
	return 0;
}

/* msix_hole: the page-aligned physical range [lo, hi) that holds the
 * table (pba false) or the pending-bit array (pba true) */
static void msix_hole(uint32_t i, const struct msix_geom *g, bool pba,
		      uint64_t *lo, uint64_t *hi)
{
	const struct boot_pcidev *d = entry(i);
	uint64_t a = pba ? d->bar[g->pbir].base + g->poff
			 : d->bar[g->tbir].base + g->toff;
	uint64_t len = pba ? ((g->n + 63) / 64) * 8ull
			   : (uint64_t)g->n * MSIX_ENTRY;

	*lo = page_down(a);
	*hi = page_up(a + len);
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

/* map_msix: device i's MSI-X table mapped in this kernel (once) */
static int map_msix(uint32_t i, const struct msix_geom *g)
{
	const struct boot_pcidev *d = entry(i);
	uint64_t lo, hi;

	if (msix_table[i]) {
		return 0;
	}
	msix_hole(i, g, false, &lo, &hi);
	if (hi - lo > MSIX_PAGES * PAGE_SIZE || overlaps_ram(lo, hi)) {
		return E_RANGE;
	}
	if (pt_map(&kpt, self.pml4, msix_va(i), lo, hi - lo,
		   PTE_W | PTE_NX | PTE_PCD | PTE_PWT, false)) {
		return E_NOMEM;
	}
	msix_bytes[i] = hi - lo;
	msix_table[i] = (volatile uint32_t *)(uintptr_t)(
	    msix_va(i) + (d->bar[g->tbir].base + g->toff - lo));
	/* entries a core that was lost left unmasked aim at its LAPIC:
	 * masked till this kernel programs them */
	for (uint32_t e = 0; e < d->msix_entries; e++) {
		msix_table[i][e * (MSIX_ENTRY / 4) + MSIX_VEC_CTRL] |= 1;
	}
	return 0;
}

static void unmap_msix(uint32_t i)
{
	if (!msix_table[i]) {
		return;
	}
	pt_unmap(&kpt, self.pml4, msix_va(i), msix_bytes[i]);
	for (uint64_t o = 0; o < msix_bytes[i]; o += PAGE_SIZE) {
		invlpg(msix_va(i) + o);
	}
	msix_table[i] = 0;
	msix_bytes[i] = 0;
}

static void msix_mask(uint32_t i, uint32_t e)
{
	volatile uint32_t *t = msix_table[i] + e * (MSIX_ENTRY / 4);

	t[MSIX_VEC_CTRL] |= 1;
}

/* msix_ctrl_set: MSI-X enabled (function unmasked) or disabled
 * (function masked) in device i's capability */
static void msix_ctrl_set(uint32_t i, bool on)
{
	uint16_t at = entry(i)->msix_cap;
	uint32_t v = cfg_read32(i, at);

	v &= ~((MSIX_ENABLE | MSIX_FN_MASK) << 16);
	v |= (on ? MSIX_ENABLE : MSIX_FN_MASK) << 16;
	cfg_write32(i, at, v);
}

static bool msix_enabled(uint32_t i)
{
	uint16_t at = entry(i)->msix_cap;

	return at && ((cfg_read32(i, at) >> 16) & MSIX_ENABLE);
}

/* msix_quiet: every entry of device i masked, MSI-X off */
static void msix_quiet(uint32_t i)
{
	if (!entry(i)->msix_cap) {
		return;
	}
	for (uint32_t e = 0; msix_table[i] && e < entry(i)->msix_entries;
	     e++) {
		msix_mask(i, e);
	}
	msix_ctrl_set(i, false);
}

/* msix_unmasked: entries of device i unmasked now, read from the table
 * (0 while the kernel has not mapped it: it never programmed one) */
static uint32_t msix_unmasked(uint32_t i)
{
	uint32_t n = 0;

	if (!msix_table[i]) {
		return 0;
	}
	for (uint32_t e = 0; e < entry(i)->msix_entries; e++) {
		n += !(msix_table[i][e * (MSIX_ENTRY / 4) + MSIX_VEC_CTRL] & 1);
	}
	return n;
}

/* vec_free: vector v given up, its entry masked if the device is here */
static void vec_free(int v)
{
	uint32_t i = vecs[v].dev;

	if (owned[i] && msix_table[i]) {
		msix_mask(i, vecs[v].entry);
	}
	vecs[v].pid = 0;
}

/* ------------------------------------------------------ ownership, driver */

static int adopt(uint32_t i)
{
	int r = map_cfg(i);

	if (r == 0) {
		owned[i] = true;
		driver[i] = 0;
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

	cmd_write(i, (uint16_t)(cmd & ~PCI_CMD_MASTER));
}

/* quiesce: device i writes no memory and raises no interrupt until a
 * driver switches it on again (its configuration space is mapped) */
static void quiesce(uint32_t i)
{
	bus_master_off(i);
	if (entry(i)->msix_cap) {
		msix_ctrl_set(i, false);
	}
}

/* driver_live: the pid of device i's driver if it still runs, else 0 */
static uint32_t driver_live(uint32_t i)
{
	return driver[i] && proc_find(driver[i]) ? driver[i] : 0;
}

int dev_grant_check(uint32_t device)
{
	uint32_t i = device - 1;

	if (device == 0) {
		return 0;
	}
	if (!entry(i)) {
		return E_NOENT;
	}
	if (!owned[i] || i >= 32) {
		return E_PERM;
	}
	return driver_live(i) ? E_BUSY : 0;
}

void dev_grant(uint32_t device, uint32_t pid)
{
	if (device && dev_grant_check(device) == 0) {
		driver[device - 1] = pid;
	}
}

/* driver_gone: device i lost its driver: nothing of it may reach memory
 * or interrupt anyone any more */
static void driver_gone(uint32_t i)
{
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid && vecs[v].dev == i) {
			vec_free(v);
		}
	}
	msix_quiet(i);
	bus_master_off(i);
	driver[i] = 0;
}

void dev_proc_gone(struct proc *p)
{
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid == p->pid) {
			vec_free(v);
		}
	}
	for (uint32_t i = 0; i < self.bt->npci; i++) {
		if (owned[i] && driver[i] == p->pid) {
			driver_gone(i);
		}
	}
	p->dev_used = 0;
}

void dev_irq(uint64_t vector)
{
	uint64_t v = vector - VEC_DEV_BASE;

	lapic_eoi();
	TRACE_PID(ktrace, TRACE_IRQ, ktrace_pid(), vector, 0);
	if (v < VEC_DEV_COUNT && vecs[v].pid) {
		proc_irq(vecs[v].pid, vecs[v].handle);
	}
}

/* ------------------------------------------------------- refusals, rules */

/* refuse: one console line naming the rule, once per process and kind
 * of call (a program retrying in a loop does not flood the console) */
static int refuse(uint32_t i, const char *what, const char *why)
{
	static uint64_t told[8];
	static unsigned next;
	uint32_t pid = proc_current()->pid;
	uint64_t key = (uint64_t)pid << 32 | (uint32_t)(uintptr_t)what;

	for (unsigned k = 0; k < 8; k++) {
		if (told[k] == key) {
			return E_PERM;
		}
	}
	told[next++ % 8] = key;
	kprintf("device %s: refused %s by 0x%x: %s", entry(i)->name, what,
		pid, why);
	return E_PERM;
}

/* mine: device i exists and this core owns it */
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

/* driven_by_caller: mine(i), and the caller is its driver (else one
 * refusal line) */
static int driven_by_caller(uint32_t i, const char *what)
{
	int r = mine(i);

	if (r < 0) {
		return r;
	}
	if (driver_live(i) != proc_current()->pid) {
		return refuse(i, what, "not its driver process");
	}
	return 0;
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
	if (owned[i]) {
		out.driver = driver_live(i);
		out.command = (uint16_t)cfg_read32(i, PCI_CFG_COMMAND);
		out.msix_on = msix_enabled(i);
		out.msix_unmasked = msix_unmasked(i);
	}
	return copy_out(uva, &out, sizeof(out));
}

/* cfg_write_check: may the driver write width bytes at off with the
 * register's bytes becoming new (old before)? 0 or a refusal */
static int cfg_write_check(uint32_t i, uint64_t off, uint32_t width,
			   uint32_t old, uint32_t new)
{
	uint64_t mc = entry(i)->msix_cap;

	if ((off >= PCI_CFG_BAR0 && off < 0x28) ||
	    (off >= 0x30 && off < 0x34)) {
		return refuse(i, "configuration write", "BARs are kernel only");
	}
	if (mc && off + width > mc && off < mc + MSIX_CAP_LEN) {
		return refuse(i, "configuration write",
			      "the MSI-X capability is kernel only");
	}
	if (off < PCI_CFG_COMMAND || off + width > PCI_CFG_COMMAND + 2) {
		return refuse(i, "configuration write",
			      "a driver may write only the command register");
	}
	if ((old ^ new) & 0xffffu & ~CMD_DRIVER_BITS) {
		return refuse(i, "configuration write",
			      "a driver may change only the command "
			      "register's I/O, memory, bus-master and "
			      "INTx-disable bits");
	}
	return 0;
}

int64_t dev_sys_cfg(uint64_t dev, uint64_t off, uint64_t op, uint64_t val)
{
	uint32_t i = dev_index(dev);
	uint32_t width = op & 0xff,
		 size = entry(i) && entry(i)->cfg_phys ? 4096 : 256;
	bool write = op & SYS_CFG_WRITE;
	uint32_t shift, mask, old, new;
	int r = mine(i);

	if (r < 0) {
		return r;
	}
	if ((op & ~(0xffull | SYS_CFG_WRITE)) ||
	    (width != 1 && width != 2 && width != 4) || off >= size ||
	    off % width) {
		return E_INVAL;
	}
	r = driven_by_caller(i, write ? "configuration write"
				      : "configuration read");
	if (r < 0) {
		return r;
	}
	shift = 8 * (uint32_t)(off & 3);
	mask = width == 4 ? 0xffffffffu : ((1u << (8 * width)) - 1) << shift;
	old = cfg_read32(i, (uint16_t)(off & ~3ull));
	if (!write) {
		return (old & mask) >> shift;
	}
	new = (old & ~mask) | (((uint32_t)val << shift) & mask);
	r = cfg_write_check(i, off, width, old, new);
	if (r < 0) {
		return r;
	}
	/* only the command register gets here: status (upper half) 0 */
	cmd_write(i, (uint16_t)new);
	return 0;
}

/* map_around: [base, base+size) mapped for p at va except the holes
 * (page-aligned physical ranges); E_PERM if nothing is left to map */
static int map_around(struct proc *p, uint64_t va, uint64_t base,
		      uint64_t size, const uint64_t hole[2][2])
{
	uint64_t pa = base, end = base + size, mapped = 0;

	while (pa < end) {
		uint64_t next = end;
		bool in_hole = false;

		for (int h = 0; h < 2; h++) {
			if (pa >= hole[h][0] && pa < hole[h][1]) {
				in_hole = true;
				next = hole[h][1];
				break;
			}
			if (hole[h][0] > pa && hole[h][0] < next) {
				next = hole[h][0];
			}
		}
		next = next < end ? next : end;
		if (!in_hole) {
			if (pt_map(&kpt, p->pml4, va + (pa - base), pa,
				   next - pa,
				   PTE_U | PTE_W | PTE_NX | PTE_PCD | PTE_PWT |
				       PTE_SHARED,
				   false)) {
				pt_unmap(&kpt, p->pml4, va, pa - base);
				return E_NOMEM;
			}
			mapped += next - pa;
		}
		pa = next;
	}
	return mapped ? 0 : E_PERM;
}

int64_t dev_sys_map(uint64_t dev, uint64_t b)
{
	uint32_t i = dev_index(dev);
	struct proc *p = proc_current();
	const struct boot_bar *bar;
	uint64_t base, size, va, hole[2][2] = {{0, 0}, {0, 0}};
	struct msix_geom g;
	int r = mine(i);

	if (r < 0) {
		return r;
	}
	if (b >= 6) {
		return E_INVAL;
	}
	r = driven_by_caller(i, "register mapping");
	if (r < 0) {
		return r;
	}
	bar = &entry(i)->bar[b];
	if (!bar->base || !bar->size || (bar->flags & PCI_BAR_IO)) {
		return E_NOENT;
	}
	base = page_down(bar->base);
	size = page_up(bar->base + bar->size) - base;
	if (bar->size > MAX_BAR || bar->base + bar->size < bar->base ||
	    overlaps_ram(base, base + size)) {
		return E_RANGE;
	}
	r = msix_geom(i, &g);
	if (r == E_RANGE) {
		return refuse(i, "register mapping",
			      "its MSI-X table lies outside its BARs");
	}
	if (r == 0 && g.tbir == b) {
		msix_hole(i, &g, false, &hole[0][0], &hole[0][1]);
	}
	if (r == 0 && g.pbir == b) {
		msix_hole(i, &g, true, &hole[1][0], &hole[1][1]);
	}
	va = p->dev_next;
	if (va + size > USER_DEV_BASE + USER_DEV_MAX) {
		return E_NOMEM;
	}
	r = map_around(p, va, base, size, (const uint64_t(*)[2])hole);
	if (r == E_PERM) {
		return refuse(i, "register mapping",
			      "that BAR holds only the MSI-X table (kernel "
			      "only)");
	}
	if (r < 0) {
		return r;
	}
	p->dev_next = va + size;
	return (int64_t)(va + (bar->base - base));
}

/* vec_take: a free vector and a handle of p not in use; -1 if none */
static int vec_take(struct proc *p, uint32_t *handle)
{
	uint32_t taken = 0;
	int v;

	for (v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid == p->pid) {
			taken |= 1u << vecs[v].handle;
		}
	}
	for (v = 0; v < VEC_DEV_COUNT && vecs[v].pid; v++) {
	}
	if (v == VEC_DEV_COUNT || taken == 0xffffffffu) {
		return -1;
	}
	*handle = (uint32_t)__builtin_ctz(~taken);
	return v;
}

/* vec_of: the vector programmed into entry e of device i, or -1 */
static int vec_of(uint32_t i, uint32_t e)
{
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid && vecs[v].dev == i && vecs[v].entry == e) {
			return v;
		}
	}
	return -1;
}

/* dev_has_vector: some process has a vector of device i */
static bool dev_has_vector(uint32_t i)
{
	for (int v = 0; v < VEC_DEV_COUNT; v++) {
		if (vecs[v].pid && vecs[v].dev == i) {
			return true;
		}
	}
	return false;
}

/* msix_program: entry e of device i sends data to addr (unmasked),
 * MSI-X on */
static void msix_program(uint32_t i, uint32_t e, uint64_t addr,
			 uint32_t data)
{
	volatile uint32_t *t = msix_table[i] + e * (MSIX_ENTRY / 4);

	if (!msix_enabled(i)) {
		msix_quiet(i); /* whatever was there before stays masked */
	}
	t[MSIX_VEC_CTRL] |= 1;
	t[0] = (uint32_t)addr;
	t[1] = (uint32_t)(addr >> 32);
	t[2] = data;
	t[MSIX_VEC_CTRL] &= ~1u;
	msix_ctrl_set(i, true);
}

int64_t dev_sys_irq(uint64_t dev, uint64_t e64, uint64_t uva)
{
	uint32_t i = dev_index(dev), handle;
	struct proc *p = proc_current();
	struct sys_irq out;
	struct msix_geom g;
	int v, old, r = mine(i);

	if (r < 0) {
		return r;
	}
	r = driven_by_caller(i, "interrupt vector");
	if (r < 0) {
		return r;
	}
	r = msix_geom(i, &g);
	if (r < 0) {
		return r;
	}
	if (e64 >= g.n) {
		return E_RANGE;
	}
	old = vec_of(i, (uint32_t)e64);
	if (old >= 0) {
		vec_free(old); /* programmed again below */
	}
	v = vec_take(p, &handle);
	if (v < 0) {
		return E_FULL;
	}
	r = map_msix(i, &g);
	if (r < 0) {
		return r;
	}
	memset(&out, 0, sizeof(out));
	out.handle = handle;
	/* fixed delivery, physical destination: this core's LAPIC */
	out.msi_addr = 0xfee00000ull | ((uint64_t)self.apic_id << 12);
	out.msi_data = VEC_DEV_BASE + (uint32_t)v;
	r = copy_out(uva, &out, sizeof(out));
	if (r < 0) {
		return r;
	}
	vecs[v].pid = p->pid;
	vecs[v].dev = i;
	vecs[v].handle = handle;
	vecs[v].entry = (uint32_t)e64;
	msix_program(i, (uint32_t)e64, out.msi_addr, out.msi_data);
	return 0;
}

int64_t dev_sys_irq_free(uint64_t dev, uint64_t e64)
{
	uint32_t i = dev_index(dev);
	int v, r = mine(i);

	if (r < 0) {
		return r;
	}
	r = driven_by_caller(i, "interrupt vector");
	if (r < 0) {
		return r;
	}
	v = e64 < MSIX_MAX_ENTRIES ? vec_of(i, (uint32_t)e64) : -1;
	if (v < 0) {
		return E_NOENT;
	}
	vec_free(v);
	if (!dev_has_vector(i)) {
		msix_quiet(i);
	}
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
	if (!(own_mem(pa & ~(PAGE_SIZE - 1), PAGE_SIZE) ||
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
	if (driver_live(i)) {
		return E_BUSY;
	}
	driver_gone(i);
	unmap_msix(i);
	owned[i] = false;
	unmap_cfg(i);
	return 0;
}

int64_t dev_sys_adopt(uint64_t dev)
{
	uint32_t i = dev_index(dev);
	int r;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (!entry(i)) {
		return E_NOENT;
	}
	if (i >= 32) {
		return E_RANGE;
	}
	if (owned[i]) {
		return 0;
	}
	r = adopt(i);
	if (r == 0) {
		/* from a core that was lost, it may still be on: nothing of
		 * it runs before its new driver resets it */
		quiesce(i);
	}
	return r;
}

int dev_fence(uint32_t devices)
{
	int n = 0;

	for (uint32_t i = 0; i < self.bt->npci && i < 32; i++) {
		bool mapped = cfg_mapped[i];

		if (!(devices >> i & 1) || owned[i] || map_cfg(i) < 0) {
			continue;
		}
		quiesce(i);
		if (!mapped) {
			unmap_cfg(i);
		}
		n++;
	}
	return n;
}

int64_t dev_sys_irq_ack(void)
{
	struct proc *p = proc_current();
	uint32_t m = p->irq_pending;

	p->irq_pending = 0;
	return m;
}
