// SPDX-License-Identifier: MIT
/*
 * In-kernel tests (see ktest.h) and the provoked faults that system tests
 * use to check panic reports. The isolation tests walk this core's page
 * tables and check the multikernel rule itself: no page maps another
 * core's partition, and everything writable is this core's partition, a
 * console frame it is an end of, or its LAPIC.
 */
#include "ktest.h"
#include "console.h"
#include "dev.h"
#include "kernel.h"
#include "frame.h"
#include "proc.h"
#include "bootmod.h"
#include "elf.h"
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <fmt.h>
#include <stdarg.h>

extern const struct ktest __ktests_start[], __ktests_end[];
extern char __ktext_start[], __kbss_start[], __kguard0[], __kguard1[];

int ktest_fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

struct walk {
	int (*leaf)(struct walk *w, uint64_t va, uint64_t pa, uint64_t size,
		    uint64_t flags);
	char *why;
	size_t n;
	uint64_t count;
};

static uint64_t canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xffff000000000000ull : va;
}

/* walk: calls w->leaf for every present leaf under table phys; flags are
 * the leaf's with W and U cleared unless every level has them. */
static int walk(struct walk *w, uint64_t phys, int level, uint64_t va,
		uint64_t acc, int from, int to)
{
	const uint64_t *t = dmap(phys);

	for (int i = from; i < to; i++) {
		uint64_t e = t[i], v = canonical(va | (uint64_t)i << (12 + 9 * level));
		uint64_t a = acc & (e | ~(PTE_W | PTE_U));
		int r;

		if (!(e & PTE_P)) {
			continue;
		}
		if (level == 0 || (e & PTE_PS)) {
			uint64_t size = 1ull << (12 + 9 * level);
			w->count++;
			r = w->leaf(w, v, e & PTE_ADDR & ~(size - 1), size,
				    (e & ~(PTE_W | PTE_U)) | a);
		} else {
			r = walk(w, e & PTE_ADDR, level - 1, v, a, 0, 512);
		}
		if (r) {
			return r;
		}
	}
	return 0;
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t be)
{
	return a < be && b < a + an;
}

static bool may_write(uint64_t pa, uint64_t size)
{
	const struct boottab *bt = self.bt;

	if (own_mem(pa, size) || frame_adopted(pa, size)) {
		return true;
	}
	if (size == PAGE_SIZE && pa == bt->lapic_phys) {
		return true;
	}
	if (dev_owned_range(pa, size)) {
		return true;
	}
	if (self.id == 0 && size == PAGE_SIZE && bt->ioapic_phys &&
	    pa == bt->ioapic_phys) {
		return true;
	}
	for (uint32_t c = 1; c < self.ncores; c++) {
		if ((self.id == 0 || c == self.id) && size == PAGE_SIZE &&
		    pa == bt->cores[c].console_frame) {
			return true;
		}
	}
	return false;
}

static int check_leaf(struct walk *w, uint64_t va, uint64_t pa,
		      uint64_t size, uint64_t flags)
{
	const struct boottab *bt = self.bt;

	if (frame_is_lent(pa, size)) {
		return ktest_fail(w->why, w->n,
				  "va 0x%lx maps pa 0x%lx, which this core lent",
				  va, pa);
	}
	for (uint32_t c = 0; c < self.ncores; c++) {
		if (c != self.id && !frame_adopted(pa, size) &&
		    overlaps(pa, size, bt->cores[c].part_base,
			     bt->cores[c].part_end)) {
			return ktest_fail(w->why, w->n,
					  "va 0x%lx maps core %u's partition "
					  "(pa 0x%lx)", va, c, pa);
		}
		if (c != self.id && bt->cores[c].slice_end &&
		    overlaps(pa, size, bt->cores[c].slice_base,
			     bt->cores[c].slice_end)) {
			return ktest_fail(w->why, w->n,
					  "va 0x%lx maps core %u's boot slice "
					  "(pa 0x%lx)", va, c, pa);
		}
	}
	if ((flags & PTE_W) && !may_write(pa, size)) {
		return ktest_fail(w->why, w->n,
				  "va 0x%lx maps pa 0x%lx (+0x%lx) writable, "
				  "outside this core's own memory", va, pa, size);
	}
	return 0;
}

KTEST(isolation)
{
	struct walk w = {check_leaf, why, n, 0};
	int r = walk(&w, self.pml4, 3, 0, PTE_W | PTE_U, 0, 512);

	if (!r && w.count == 0) {
		return ktest_fail(why, n, "no mappings found");
	}
	return r;
}

static int check_user_leaf(struct walk *w, uint64_t va, uint64_t pa,
			   uint64_t size, uint64_t flags)
{
	if (!(flags & PTE_U)) {
		return ktest_fail(w->why, w->n, "user va 0x%lx not user", va);
	}
	if ((flags & PTE_SHARED) && va >= USER_BASE && va < USER_HEAP_BASE) {
		/* a program's read-only segment (the programs lie below the
		 * heap), mapped from its boot module: never writable, never
		 * anything else */
		if ((flags & PTE_W) || !bootmod_holds(self.bt, pa)) {
			return ktest_fail(w->why, w->n,
					  "image va 0x%lx maps pa 0x%lx shared "
					  "%s", va, pa,
					  flags & PTE_W ? "writable"
							: "outside the modules");
		}
		return 0;
	}
	if (flags & PTE_SHARED) {
		/* channel frames: only in the channel area, never executable */
		if (va < USER_CHAN_BASE || !(flags & PTE_NX)) {
			return ktest_fail(w->why, w->n,
					  "shared frame at va 0x%lx", va);
		}
		return 0;
	}
	if (size != PAGE_SIZE || !own_mem(pa, size)) {
		return ktest_fail(w->why, w->n,
				  "user va 0x%lx maps pa 0x%lx outside this "
				  "core's own memory", va, pa);
	}
	return 0;
}

KTEST(process_isolation)
{
	struct walk w = {check_user_leaf, why, n, 0};
	uint64_t pml4s[PROC_MAX];
	uint32_t k = proc_address_spaces(pml4s, PROC_MAX);

	if (k == 0) {
		return ktest_fail(why, n, "no process to check");
	}
	for (uint32_t i = 0; i < k; i++) {
		int r = walk(&w, pml4s[i], 3, 0, PTE_W | PTE_U, 0, 256);
		if (r) {
			return r;
		}
	}
	return w.count ? 0 : ktest_fail(why, n, "processes map nothing");
}

KTEST(own_instance)
{
	uint64_t flags, pa = pt_translate(&kpt, self.pml4, (uint64_t)__kbss_start,
					  &flags);

	if (pa != self.kern_phys) {
		return ktest_fail(why, n, "bss at pa 0x%lx, expected 0x%lx", pa,
				  self.kern_phys);
	}
	/* in the boot slice if the core has one, else in the partition */
	if (self.slice_end > self.slice_base
		    ? !in_range(pa, PAGE_SIZE, self.slice_base, self.slice_end)
		    : !in_range(pa, PAGE_SIZE, self.part_base, self.part_end)) {
		return ktest_fail(why, n, "bss at pa 0x%lx, outside %s", pa,
				  self.slice_end > self.slice_base
					  ? "the boot slice"
					  : "the partition");
	}
	if (!(flags & PTE_W) || !(flags & PTE_NX)) {
		return ktest_fail(why, n, "bss flags 0x%lx", flags);
	}
	pa = pt_translate(&kpt, self.pml4, (uint64_t)__ktext_start, &flags);
	if (pa == UINT64_MAX || (flags & PTE_W) || (flags & PTE_NX)) {
		return ktest_fail(why, n, "text not read-only executable");
	}
	return 0;
}

/* the boot slices (boot.c): every core has one or none has; they lie side
 * by side, equal and page aligned, in the shared boot region, clear of
 * the boot table and every partition; this core's first frames are in
 * its own */
KTEST(boot_slices)
{
	const struct boottab *bt = self.bt;
	const struct boot_core *c0 = &bt->cores[0];
	uint64_t size = c0->slice_end - c0->slice_base;

	if (!c0->slice_end) {
		for (uint32_t c = 0; c < self.ncores; c++) {
			if (bt->cores[c].slice_base || bt->cores[c].slice_end) {
				return ktest_fail(why, n, "core %u alone has a "
						  "slice", c);
			}
		}
		return 0;
	}
	if (!size || size % PAGE_SIZE || c0->slice_end < c0->slice_base ||
	    c0->slice_base < bt->shared_base + sizeof(*bt) ||
	    c0->slice_base + self.ncores * size > bt->shared_end) {
		return ktest_fail(why, n, "slices [0x%lx, +%u x 0x%lx) outside "
				  "the shared region", c0->slice_base,
				  self.ncores, size);
	}
	for (uint32_t c = 0; c < self.ncores; c++) {
		const struct boot_core *b = &bt->cores[c];

		if (b->slice_base != c0->slice_base + c * size ||
		    b->slice_end != b->slice_base + size) {
			return ktest_fail(why, n, "core %u's slice not in line",
					  c);
		}
		if (overlaps(c0->slice_base, self.ncores * size, b->part_base,
			     b->part_end) ||
		    overlaps(c0->slice_base, self.ncores * size,
			     b->console_frame, b->console_frame + PAGE_SIZE) ||
		    overlaps(c0->slice_base, self.ncores * size,
			     b->monlink_frame, b->monlink_frame + PAGE_SIZE)) {
			return ktest_fail(why, n, "the slices overlap core %u's "
					  "partition or frames", c);
		}
	}
	if (self.slice_base != bt->cores[self.id].slice_base ||
	    self.slice_end != bt->cores[self.id].slice_end ||
	    !in_range(self.kern_phys, PAGE_SIZE, self.slice_base,
		      self.slice_end)) {
		return ktest_fail(why, n, "this core's instance is not in its "
				  "slice");
	}
	return 0;
}

KTEST(stack_guards)
{
	uint64_t flags;

	if (pt_translate(&kpt, self.pml4, (uint64_t)__kguard0, &flags) !=
		    UINT64_MAX ||
	    pt_translate(&kpt, self.pml4, (uint64_t)__kguard1, &flags) !=
		    UINT64_MAX) {
		return ktest_fail(why, n, "a stack guard page is mapped");
	}
	return 0;
}

/* own_devices: every device the boot table gives this core has its ECAM
 * page mapped in this kernel where dev.c puts it (KERNEL_DEVCFG + its
 * index * 4 KiB), writable and uncached; one line a device says so, which
 * a test that gives a core a device requires (a core with no device, or
 * with legacy-port configuration only, passes without a line) */
KTEST(own_devices)
{
	const struct boottab *bt = self.bt;

	for (uint32_t i = 0; i < bt->npci; i++) {
		const struct boot_pcidev *d = &bt->pci[i];
		uint64_t va = KERNEL_DEVCFG + (uint64_t)i * PAGE_SIZE;
		uint64_t flags, pa;

		if (d->owner != self.id || !d->cfg_phys) {
			continue;
		}
		pa = pt_translate(&kpt, self.pml4, va, &flags);
		if (pa != d->cfg_phys) {
			return ktest_fail(why, n,
					  "%s: va 0x%lx maps pa 0x%lx, not its "
					  "configuration at 0x%lx",
					  d->name, va, pa, d->cfg_phys);
		}
		if (!(flags & PTE_W) || !(flags & PTE_PCD) ||
		    !dev_owned_range(pa, PAGE_SIZE)) {
			return ktest_fail(why, n,
					  "%s: configuration mapped with flags "
					  "0x%lx, or not owned here",
					  d->name, flags);
		}
		kprintf("ktest own_devices: %s configuration at pa 0x%lx "
			"mapped",
			d->name, pa);
	}
	return 0;
}

KTEST(frame_roundtrip)
{
	uint64_t before = frame_free_bytes(), f = frame_alloc(), g;
	const uint64_t *p;

	if (!f || !own_mem(f, PAGE_SIZE)) {
		return ktest_fail(why, n, "frame 0x%lx outside own memory", f);
	}
	p = dmap(f);
	for (int i = 0; i < 512; i++) {
		if (p[i]) {
			frame_free(f);
			return ktest_fail(why, n, "frame not zeroed");
		}
	}
	frame_free(f);
	g = frame_alloc();
	frame_free(g);
	if (g != f || frame_free_bytes() != before) {
		return ktest_fail(why, n, "free list lost a frame");
	}
	return 0;
}

/*
 * No exit goes unreported: processes are started and ended, none reaped,
 * far more often than the exit queue's size. Each ended one must be
 * reaped (its exit status as given) - the table pushes back with
 * E_TOOBIG rather than lose a note - and once reaped, a slot serves a
 * new process again. Every frame comes back.
 */
KTEST(exit_queue)
{
	uint64_t before = frame_free_bytes();
	uint32_t ended = 0, reaped = 0, pid;
	int64_t status;
	int r;

	for (int i = 0; i < 4 * PROC_MAX; i++) {
		r = proc_spawn("hello", "", 0, false, 0);
		if (r == E_TOOBIG) {
			break;
		}
		if (r < 0 || proc_kill((uint32_t)r, -1000 - i) < 0) {
			return ktest_fail(why, n, "start %d: %d", i, r);
		}
		ended++;
	}
	while (proc_reap(&pid, &status) == 0) {
		if (status != -1000 - (int64_t)reaped) {
			return ktest_fail(why, n, "exit %u: status %ld", reaped,
					  (long)status);
		}
		reaped++;
	}
	if (reaped != ended) {
		return ktest_fail(why, n,
				  "%u processes ended, %u exits reported",
				  ended, reaped);
	}
	r = proc_spawn("hello", "", 0, false, 0);
	if (r < 0 || proc_kill((uint32_t)r, 0) < 0 ||
	    proc_reap(&pid, &status) < 0 || pid != (uint32_t)r) {
		return ktest_fail(why, n, "no slot after reaping: %d", r);
	}
	if (frame_free_bytes() != before) {
		return ktest_fail(why, n, "%ld bytes of frames not back",
				  (long)(before - frame_free_bytes()));
	}
	return 0;
}

/*
 * A spawned program's read-only segments are its boot module's own pages,
 * mapped without PTE_W; its writable ones are frames of ours. Ending it
 * gives back every frame it took and frees none of the module's (frame_free
 * of a module page would panic: not this core's), and leaves the module's
 * bytes as they were.
 */
static uint64_t module_sum(const struct boot_module *m)
{
	const uint8_t *b = dmap(m->start);
	uint64_t sum = 0;

	for (uint64_t i = 0; i < m->end - m->start; i++) {
		sum = sum * 31 + b[i];
	}
	return sum;
}

KTEST(spawn_maps_image)
{
	const struct boot_module *m = bootmod_find(self.bt, "hello");
	uint64_t before = frame_free_bytes(), sum, flags, pa = 0;
	struct elf_image img;
	struct proc *p;
	uint32_t pid;
	int64_t status;
	int r, shared = 0;

	if (!m || elf_parse(dmap(m->start), m->end - m->start, USER_BASE,
			    USER_HEAP_BASE, &img) < 0) {
		return ktest_fail(why, n, "no program hello to start");
	}
	sum = module_sum(m);
	r = proc_spawn("hello", "", 0, false, 0);
	p = r < 0 ? 0 : proc_find((uint32_t)r);
	if (!p) {
		return ktest_fail(why, n, "spawn: %d", r);
	}
	for (uint32_t i = 0; i < img.n_segments; i++) {
		const struct elf_segment *s = &img.seg[i];
		uint64_t last = s->vaddr + s->memsz - 1;

		/* its first and last page: shared exactly when elf_page says */
		for (uint64_t va = s->vaddr; r >= 0; va = last) {
			struct elf_page pg;

			elf_page(s, m->start, va & ~(PAGE_SIZE - 1), &pg);
			pa = pt_translate(&kpt, p->pml4, va, &flags);
			if (pa == UINT64_MAX ||
			    (pg.share && (pa != m->start + pg.src +
						      (va & (PAGE_SIZE - 1)) ||
					  (flags & PTE_W) ||
					  !(flags & PTE_SHARED))) ||
			    (!pg.share && (bootmod_holds(self.bt, pa) ||
					   (flags & PTE_SHARED)))) {
				r = -1;
				break;
			}
			shared += pg.share;
			if (va == last) {
				break;
			}
		}
		if (r < 0) {
			proc_kill(p->pid, 0);
			proc_reap(&pid, &status);
			return ktest_fail(why, n, "segment %u: va 0x%lx maps pa "
					  "0x%lx flags 0x%lx", i,
					  (unsigned long)s->vaddr,
					  (unsigned long)pa, (unsigned long)flags);
		}
	}
	if (proc_kill(p->pid, 0) < 0 || proc_reap(&pid, &status) < 0) {
		return ktest_fail(why, n, "could not end it");
	}
	if (!shared) {
		return ktest_fail(why, n, "no page of hello mapped from its "
				  "module");
	}
	if (module_sum(m) != sum) {
		return ktest_fail(why, n, "module hello changed");
	}
	if (frame_free_bytes() != before) {
		return ktest_fail(why, n, "%ld bytes of frames not back",
				  (long)(before - frame_free_bytes()));
	}
	return 0;
}

/* provoked faults: each must end in a panic report, never a triple fault */
static void __attribute__((noinline)) fault_now(void)
{
	*(volatile uint64_t *)0xffffffffdead0000ull = 1;
}

static uint64_t __attribute__((noinline)) overflow(uint64_t depth)
{
	volatile uint8_t pad[512];

	pad[0] = (uint8_t)depth;
	if (depth > (1ull << 40)) { /* never: a 16 KiB stack ends far sooner */
		return pad[0];
	}
	return overflow(depth + 1) + pad[0];
}

/* quiet_pause: halt for ms milliseconds (LAPIC one-shot) */
static void quiet_pause(uint64_t ms)
{
	uint64_t end = rdtsc() + ms * self.tsc_khz;

	for (uint64_t now = rdtsc(); now < end; now = rdtsc()) {
		/* one reading: a second rdtsc() past `end` (a vCPU held up
		 * between the two on a loaded host) made end - now wrap
		 * and armed the timer for the longest the LAPIC can */
		uint64_t t = (end - now) * self.lapic_khz / self.tsc_khz + 1;

		lapic_timer_oneshot(t > 0xffffffffu ? 0xffffffffu : (uint32_t)t);
		irq_enable_and_halt();
		irq_disable();
	}
	lapic_timer_oneshot(0);
}

void ktest_run(void)
{
	char why[160];
	uint32_t flags = self.bt->flags;
	uint32_t passed = 0, failed = 0;

	if (!(flags & BOOT_F_KTEST)) {
		return;
	}
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		why[0] = 0;
		if (t->fn(why, sizeof(why)) == 0) {
			kprintf("ktest %s: PASS", t->name);
			passed++;
		} else {
			kprintf("ktest %s: FAIL: %s", t->name, why);
			failed++;
		}
	}
	kprintf("ktest: %u passed, %u failed", passed, failed);
	if (flags & (BOOT_F_KTEST_FAULT | BOOT_F_KTEST_OVERFLOW)) {
		/* let core 0 print everyone's lines first: the panic writes
		 * the UART directly and would mix with them. Core 0 has taken
		 * ours once our ring is empty (at most 10 s on a loaded
		 * host); the pause after it covers the cores it reads with
		 * ours */
		for (int i = 0; i < 100 && !console_drained(); i++) {
			quiet_pause(100);
		}
		quiet_pause(300);
	}
	if (self.id == self.ncores - 1 && (flags & BOOT_F_KTEST_FAULT)) {
		fault_now();
	}
	if (self.id == self.ncores - 1 && (flags & BOOT_F_KTEST_OVERFLOW)) {
		overflow(0);
	}
}
