// SPDX-License-Identifier: MIT
/*
 * Building a core's instance and starting it (see smp.h).
 *
 * A new core's page tables map: the kernel text and rodata read-only (the
 * image GRUB loaded, shared), its own bss copy read-write (skipping the
 * stack guard pages), its partition read-write at DMAP, the boot data
 * (Multiboot2 information, modules, boot table) read-only, its console
 * frame (core 0: every console frame), its LAPIC uncached, the trampoline
 * code page at its identity address (needed for the instruction after the
 * trampoline loads CR3; removed by smp_boot_done) and the trampoline slots
 * (to boot its own children). Nothing else: no other partition.
 */
#include "smp.h"
#include "kernel.h"
#include "console.h"
#include "frame.h"
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/pit.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <string.h>

#define START_RETRY_MS 10
#define START_GIVEUP_MS 10000
#define BRINGUP_TICK_US 50

extern char tramp_start[], tramp_end[];
extern char __ktext_start[], __ktext_end[], __krodata_start[],
	__krodata_end[], __kbss_start[], __kbss_end[], __kguard0[], __kguard1[];

struct prep {
	uint64_t base; /* boot slice or partition start = window start */
	uint64_t next; /* bump pointer */
	uint64_t end;  /* end of what the window shows */
};

static uint64_t window_pages;

/* the window maps 4 KiB pages: a partition need not be 2 MiB aligned,
 * and the window never shows a byte outside the partition it is for.
 * Its entries are not present before window_map (zeroed tables, and
 * window_unmap clears them), and a TLB holds no not-present entry, so
 * mapping needs no invalidation; unmapping reloads CR3 once instead of an
 * INVLPG for each of up to 512 pages (one flush where TCG did 512). */
static void window_map(uint64_t phys, uint64_t size)
{
	window_pages = size / PAGE_SIZE;
	for (uint64_t i = 0; i < window_pages; i++) {
		self.window_pt[i] = (phys + i * PAGE_SIZE) | PTE_P | PTE_W |
				    PTE_NX;
	}
}

static void window_unmap(void)
{
	for (uint64_t i = 0; i < window_pages; i++) {
		self.window_pt[i] = 0;
	}
	window_pages = 0;
	write_cr3(read_cr3());
}

static void *prep_p2v(struct pt_alloc *a, uint64_t phys)
{
	struct prep *p = a->ctx;

	return (void *)(WINDOW_BASE + (phys - p->base));
}

static uint64_t prep_alloc(struct pt_alloc *a)
{
	struct prep *p = a->ctx;
	uint64_t f = p->next;

	if (f + PAGE_SIZE > p->end) {
		return 0;
	}
	p->next += PAGE_SIZE;
	memset(prep_p2v(a, f), 0, PAGE_SIZE);
	return f;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* map_ro: boot data [lo, hi) read-only at DMAP; 2 MiB pages where a
 * whole aligned 2 MiB lies inside it (never beyond: the page rounding
 * stays inside boot data, which is reserved from every partition) */
static int map_ro(struct pt_alloc *a, uint64_t pml4, uint64_t lo, uint64_t hi)
{
	lo = page_down(lo);
	hi = page_up(hi);
	if (hi <= lo) {
		return 0;
	}
	return pt_map(a, pml4, DMAP_BASE + lo, lo, hi - lo, PTE_NX, true);
}

static int map_kernel(struct pt_alloc *a, uint64_t pml4, uint64_t kern_phys)
{
	uint64_t va;
	int r;

	r = pt_map(a, pml4, (uint64_t)__ktext_start,
		   (uint64_t)__ktext_start - KERNEL_VMA,
		   (uint64_t)(__ktext_end - __ktext_start), PTE_G, false);
	r = r ?: pt_map(a, pml4, (uint64_t)__krodata_start,
			(uint64_t)__krodata_start - KERNEL_VMA,
			(uint64_t)(__krodata_end - __krodata_start),
			PTE_NX | PTE_G, false);
	for (va = (uint64_t)__kbss_start; !r && va < (uint64_t)__kbss_end;
	     va += PAGE_SIZE) {
		if (va == (uint64_t)__kguard0 || va == (uint64_t)__kguard1) {
			continue;
		}
		r = pt_map(a, pml4, va, kern_phys + (va - (uint64_t)__kbss_start),
			   PAGE_SIZE, PTE_W | PTE_NX, false);
	}
	return r;
}

static int map_boot_data(struct pt_alloc *a, uint64_t pml4, uint32_t c)
{
	const struct boottab *bt = self.bt;
	uint64_t cf = bt->cores[c].console_frame;
	int r;

	r = map_ro(a, pml4, bt->bootinfo_base, bt->bootinfo_end);
	/* modules GRUB placed back to back (page-aligned) as one range, so
	 * that 2 MiB pages span module borders: fewer page tables per core */
	for (uint32_t i = 0, j; !r && i < bt->nmodules; i = j) {
		uint64_t lo = bt->modules[i].start, hi = bt->modules[i].end;

		for (j = i + 1; j < bt->nmodules &&
				page_down(bt->modules[j].start) <= page_up(hi) &&
				bt->modules[j].start >= lo;
		     j++) {
			hi = bt->modules[j].end > hi ? bt->modules[j].end : hi;
		}
		r = map_ro(a, pml4, lo, hi);
	}
	r = r ?: map_ro(a, pml4, bt->shared_base,
			bt->shared_base + sizeof(struct boottab));
	if (c == 0) {
		for (uint32_t k = 1; !r && k < bt->ncores; k++) {
			uint64_t f = bt->cores[k].console_frame;
			r = pt_map(a, pml4, DMAP_BASE + f, f, PAGE_SIZE,
				   PTE_W | PTE_NX, false);
		}
	} else {
		r = pt_map(a, pml4, DMAP_BASE + cf, cf, PAGE_SIZE,
			   PTE_W | PTE_NX, false);
	}
	r = r ?: pt_map(a, pml4, DMAP_BASE + bt->lapic_phys, bt->lapic_phys,
			PAGE_SIZE, PTE_W | PTE_NX | PTE_PCD | PTE_PWT, false);
	/* the I/O APIC routes the console's interrupt: core 0's device */
	if (c == 0 && bt->ioapic_phys) {
		r = r ?: pt_map(a, pml4, DMAP_BASE + bt->ioapic_phys,
				bt->ioapic_phys, PAGE_SIZE,
				PTE_W | PTE_NX | PTE_PCD | PTE_PWT, false);
	}
	r = r ?: pt_map(a, pml4, TRAMP_CODE, TRAMP_CODE, PAGE_SIZE, 0, false);
	r = r ?: pt_map(a, pml4, DMAP_BASE + TRAMP_SLOTS, TRAMP_SLOTS,
			TRAMP_END - TRAMP_SLOTS, PTE_W | PTE_NX, false);
	return r;
}

/* prepare: lay out core c's instance; fills *rec_va with the kernel
 * address (in c's DMAP) of its boot record. */
static int prepare(uint32_t c, uint32_t booter, uint64_t *pml4_out,
		   uint64_t *rec_va)
{
	const struct boot_core *b = &self.bt->cores[c];
	uint64_t size = b->part_end - b->part_base;
	/* the instance goes in c's boot slice if it has one, else at the
	 * start of its partition */
	uint64_t from = b->slice_end > b->slice_base ? b->slice_base
						     : b->part_base;
	uint64_t room = b->slice_end > b->slice_base ? b->slice_end - from
						     : size;
	struct prep pr = {from, from,
			  from + (room < WINDOW_SIZE ? room : WINDOW_SIZE)};
	struct pt_alloc a = {prep_alloc, prep_p2v, &pr};
	uint64_t bss = (uint64_t)(__kbss_end - __kbss_start);
	uint64_t pml4, kern, wpdpt, wpd, wpt, rec;
	struct bootrec *br;
	uint64_t *l4;

	window_map(pr.base, pr.end - pr.base);
	pml4 = prep_alloc(&a);
	kern = pr.next;
	if (!pml4 || kern + bss > pr.end) {
		goto nomem;
	}
	pr.next += bss;
	memset(prep_p2v(&a, kern), 0, bss);
	/* the frames behind the two stack guard pages are never mapped at
	 * their bss address: they hold the window's PDPT and PD */
	wpdpt = kern + (uint64_t)(__kguard0 - __kbss_start);
	wpd = kern + (uint64_t)(__kguard1 - __kbss_start);
	wpt = prep_alloc(&a);
	rec = prep_alloc(&a);
	if (!wpt || !rec || map_kernel(&a, pml4, kern) ||
	    pt_map(&a, pml4, DMAP_BASE + b->part_base, b->part_base, size,
		   PTE_W | PTE_NX, true) ||
	    (b->slice_end > b->slice_base &&
	     pt_map(&a, pml4, DMAP_BASE + b->slice_base, b->slice_base,
		    b->slice_end - b->slice_base, PTE_W | PTE_NX, false)) ||
	    map_boot_data(&a, pml4, c)) {
		goto nomem;
	}
	l4 = prep_p2v(&a, pml4);
	l4[(WINDOW_BASE >> 39) & 511] = wpdpt | PTE_P | PTE_W;
	((uint64_t *)prep_p2v(&a, wpdpt))[(WINDOW_BASE >> 30) & 511] =
		wpd | PTE_P | PTE_W;
	((uint64_t *)prep_p2v(&a, wpd))[(WINDOW_BASE >> 21) & 511] =
		wpt | PTE_P | PTE_W;
	br = prep_p2v(&a, rec);
	br->magic = BOOTREC_MAGIC;
	br->core_id = c;
	br->booter_core = booter;
	br->boottab = self.bt->shared_base;
	br->part_base = b->part_base;
	br->part_end = b->part_end;
	br->slice_base = b->slice_base;
	br->slice_end = b->slice_end;
	br->kern_phys = kern;
	br->pml4 = pml4;
	br->window_pt = wpt;
	br->alloc_next = pr.next;
	window_unmap();
	*pml4_out = pml4;
	*rec_va = DMAP_BASE + rec;
	return 0;
nomem:
	window_unmap();
	return E_NOMEM;
}

static volatile uint64_t *slot(uint32_t apic)
{
	return dmap(TRAMP_SLOTS + (uint64_t)apic * TSLOT_SIZE);
}

static void fill_slot(uint32_t apic, uint64_t pml4, uint64_t rec)
{
	volatile uint64_t *s = slot(apic);

	s[TSLOT_CR3 / 8] = pml4;
	s[TSLOT_STACK / 8] = (uint64_t)__kstack_top;
	s[TSLOT_ARG / 8] = rec;
	s[TSLOT_ENTRY / 8] = (uint64_t)kernel_entry;
	s[TSLOT_STARTED / 8] = 0;
}

void smp_install_trampoline(void)
{
	uint64_t *pml4 = dmap(TRAMP_PML4), *pdpt = dmap(TRAMP_PDPT),
		 *pd = dmap(TRAMP_PD);
	static BOOT_PHASE uint64_t wpdpt[512] __attribute__((aligned(4096)));
	static BOOT_PHASE uint64_t wpd[512] __attribute__((aligned(4096)));
	static BOOT_PHASE uint64_t wpt[512] __attribute__((aligned(4096)));
	uint64_t *boot_l4 = dmap(read_cr3() & PTE_ADDR);

	STATIC_ASSERT(TRAMP_SLOTS + 256 * TSLOT_SIZE <= TRAMP_END, "slots");
	if ((uint64_t)(tramp_end - tramp_start) > PAGE_SIZE) {
		panic("trampoline larger than a page");
	}
	memcpy(dmap(TRAMP_CODE), tramp_start, (size_t)(tramp_end - tramp_start));
	memset(dmap(TRAMP_PML4), 0, TRAMP_END - TRAMP_PML4);
	pml4[0] = TRAMP_PDPT | PTE_P | PTE_W;
	pdpt[0] = TRAMP_PD | PTE_P | PTE_W;
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	/* the boot phase's own window, for building core 0's instance */
	boot_l4[(WINDOW_BASE >> 39) & 511] =
		((uint64_t)wpdpt - KERNEL_VMA) | PTE_P | PTE_W;
	wpdpt[(WINDOW_BASE >> 30) & 511] =
		((uint64_t)wpd - KERNEL_VMA) | PTE_P | PTE_W;
	wpd[(WINDOW_BASE >> 21) & 511] =
		((uint64_t)wpt - KERNEL_VMA) | PTE_P | PTE_W;
	self.window_pt = wpt;
}

void smp_enter_core0(const struct boottab *bt)
{
	uint64_t pml4, rec;

	self.bt = bt;
	if (prepare(0, 0, &pml4, &rec)) {
		boot_fail("core 0's partition is too small for its CPU driver");
	}
	trap_enter_instance(pml4, (uint64_t)__kstack_top,
			    (uint64_t)kernel_entry, rec);
}

/* lost: report child c and its whole subtree as never started */
static void lost(uint32_t c)
{
	uint32_t ids[BOOT_MAX_CORES], n = 0, q = 0;

	ids[n++] = c;
	while (q < n) {
		uint32_t k = ids[q++];
		for (uint32_t d = 2 * k + 1; d <= 2 * k + 2; d++) {
			if (d < self.ncores) {
				ids[n++] = d;
			}
		}
	}
	console_cores_lost(ids, n);
}

static bool started(uint32_t c)
{
	return slot(self.bt->cores[c].apic_id)[TSLOT_STARTED / 8] != 0;
}

/* wait_started: halt until kids have started (each wakes its booter:
 * VEC_WAKE, kernel_entry) or ms pass */
static void wait_started(const uint32_t *kids, int n, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * self.tsc_khz;

	for (;;) {
		bool all = true;
		uint64_t now = rdtsc(), ticks;

		for (int i = 0; i < n; i++) {
			all = all && started(kids[i]);
		}
		if (all || now >= end) {
			return;
		}
		ticks = (end - now) * self.lapic_khz / self.tsc_khz + 1;
		lapic_timer_oneshot(ticks > 0xffffffffu ? 0xffffffffu
							: (uint32_t)ticks);
		irq_enable_and_halt();
		irq_disable();
	}
}

/*
 * The bring-up tick: from core 0's PIT calibration until every core is up
 * (or lost), PIT channel 0 counts periods of BRINGUP_TICK_US, an interrupt
 * that reaches no core (its I/O APIC input stays masked, and LINT0 is
 * masked on every core). It only gives QEMU a timer deadline that is never
 * far. Under QEMU's single-threaded instruction counting
 * (docs/benchmarks.md "Instruction counting") the INIT a child takes
 * resets its vCPU, and the reset charges that vCPU's whole round-robin
 * budget to the virtual clock as if it had run it: the budget lasts until
 * the machine's next timer deadline, 10-100 ms of virtual time without one
 * close by (docs/benchmarks.md "Boot at 255 cores under instruction
 * counting"). With the tick a reset costs at most one period (20 us:
 * 255 cores up in 38 ms of virtual time; 50 us: 42 ms; 100 us: 48 ms; the
 * longer the period, the less the tick costs QEMU's main thread on the
 * wall clock, where each period is two edges on the ISA interrupt line
 * and each edge a walk over every vCPU's local APIC).
 *
 * One timer for the machine, not one per booter: each booter's periodic
 * LAPIC timer (what kept the deadline close before) fired in QEMU's main
 * thread once for every period that thread fell behind, re-inserting
 * itself into the list of every core's timer each time. At 255 cores on
 * the wall clock that was 41% of QEMU's host time and most of a 3-9 s
 * bring-up (docs/benchmarks.md, "Bring-up at the firmware's pace").
 * Re-armed one-shots instead leave no close deadline between a shot and
 * its re-arming: 4.4 s of bring-up under instruction counting.
 */
void smp_bringup_start(uint32_t ncores)
{
	if (ncores > 1) {
		pit_tick(BRINGUP_TICK_US);
	}
}

void smp_bringup_over(void)
{
	if (self.id == 0 && self.ncores > 1) {
		pit_tick(0);
	}
}

void smp_boot_children(void)
{
	uint32_t kids[2] = {0, 0};
	int n = 0;

	if (2 * self.id + 1 >= self.ncores) {
		return;
	}
	for (uint32_t c = 2 * self.id + 1; c <= 2 * self.id + 2; c++) {
		uint64_t pml4, rec;
		uint32_t apic = self.bt->cores[c < self.ncores ? c : 0].apic_id;

		if (c >= self.ncores) {
			break;
		}
		if (prepare(c, self.id, &pml4, &rec)) {
			kprintf("cannot lay out core %u: partition too small", c);
			lost(c);
			continue;
		}
		fill_slot(apic, pml4, rec);
		mfence();
		lapic_send_init(apic);
		lapic_send_sipi(apic, TRAMP_CODE >> 12);
		kids[n++] = c;
	}
	wait_started(kids, n, START_RETRY_MS);
	for (int i = 0; i < n; i++) {
		if (!started(kids[i])) {
			lapic_send_sipi(self.bt->cores[kids[i]].apic_id,
					TRAMP_CODE >> 12);
		}
	}
	wait_started(kids, n, START_GIVEUP_MS);
	for (int i = 0; i < n; i++) {
		if (!started(kids[i])) {
			lost(kids[i]);
		}
	}
	lapic_timer_oneshot(0);
}

void smp_boot_done(void)
{
	uint64_t *l4 = dmap(self.pml4);
	uint64_t pdpt = l4[0] & PTE_ADDR, pd, pt;

	/* PML4[0] held only the trampoline's identity page: its three
	 * tables (the booter made them in our partition) go back */
	pd = *(uint64_t *)dmap(pdpt) & PTE_ADDR;
	pt = *(uint64_t *)dmap(pd) & PTE_ADDR;
	l4[0] = 0;
	pt_unmap(&kpt, self.pml4, DMAP_BASE + TRAMP_SLOTS,
		 TRAMP_END - TRAMP_SLOTS);
	write_cr3(self.pml4);
	(void)frame_free_table(pt);
	(void)frame_free_table(pd);
	(void)frame_free_table(pdpt);
}
