// SPDX-License-Identifier: MIT
/*
 * Core 0's boot phase: from GRUB's hand-off to the moment core 0 enters its
 * own instance of the CPU driver.
 *
 * It runs on the image GRUB loaded, with the boot page tables of boot32.S,
 * and is the only code that reads firmware and boot-loader input: the
 * Multiboot2 information, ACPI, the manifest. It checks all of it, splits
 * RAM into partitions and writes the system boot table (struct boottab)
 * into the shared boot region, which every core then maps read-only. Any
 * bad input stops the boot here with one clear "error:" line.
 *
 * Reserved before anything is allocated: everything below 1 MiB, the
 * kernel image, the Multiboot2 information and every module.
 */
#include "kernel.h"
#include "boot.h"
#include "rights.h"
#include "bootmod.h"
#include "mb2.h"
#include "acpi.h"
#include "elf.h"
#include "manifest.h"
#include "devboot.h"
#include "partition.h"
#include "bundle.h"
#include "smp.h"
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/pit.h>
#include <arch/x86.h>
#include <channels/ring.h>
#include <drivers/uart.h>
#include <string.h>

STATIC_ASSERT(sizeof(struct boot_core) == 56, "boot table layout");
STATIC_ASSERT(sizeof(struct boot_start) == 176, "boot table layout");
STATIC_ASSERT(sizeof(struct boot_service) == 64, "boot table layout");
STATIC_ASSERT(sizeof(struct bootrec) == 88, "boot record layout");

/* A partition is 2 MiB aligned and at least 2 MiB (lending works in
 * 2 MiB pieces, frame.c) when RAM allows that for every core; otherwise
 * PART_ALIGN_SMALL-granular and at least min_partition() (docs/cpudriver.md,
 * "Partitions"). PREP_TABLES: the page tables a booter builds for an
 * instance (smp.c prepare: 12-14 today, the window's included), with
 * room; MONITOR_TABLES a program's (9 for a monitor: memlayout.h), with
 * room; MONITOR_ROOM its heap's first grows and channel frames. */
#define MIN_PARTITION (2ull << 20)
#define PREP_TABLES 20
#define MONITOR_TABLES 12
#define MONITOR_ROOM (64ull << 10)
#define LINK_BYTES (2ull << 10) /* core 0's monitor: a link a core */
#define BOOT_IDENTITY_LIMIT (4ull << 30) /* what boot32.S maps */

extern char __kimage_phys_start[], __kimage_phys_end[], __kbss_start[],
	__kbss_end[];

/* boot-phase state: lives in the GRUB-loaded image only (BOOT_PHASE) */
static BOOT_PHASE struct mb2_info mb;
static BOOT_PHASE struct acpi_info acpi;
static BOOT_PHASE struct manifest man;
static BOOT_PHASE struct mem_range ram[PART_MAX_RANGES],
	res[BOOT_MAX_MODULES + 8];
static BOOT_PHASE struct mem_range freer[PART_MAX_RANGES],
	parts[BOOT_MAX_CORES];
static BOOT_PHASE uint64_t monitor_rw; /* frames the monitor's image takes */
static BOOT_PHASE uint64_t floor_ask[BOOT_MAX_CORES], asked[BOOT_MAX_CORES];

static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= BOOT_IDENTITY_LIMIT || len > BOOT_IDENTITY_LIMIT - phys) {
		return 0;
	}
	return dmap(phys);
}

static bool app_exists(void *ctx, const char *app)
{
	const struct boottab *bt = ctx;

	return bootmod_find(bt, app) != 0 && strcmp(app, "monitor") != 0 &&
	       strcmp(app, "manifest") != 0;
}

/* take_modules: the boot table's modules from GRUB's, a bundle's
 * members (abi/bundle.h) in its place */
static void take_modules(struct boottab *bt)
{
	for (uint32_t i = 0; i < mb.n_modules; i++) {
		const struct mb2_module *m = &mb.modules[i];
		const char *name = m->cmdline ? m->cmdline : "";
		const char *why;
		uint32_t n;
		int r;

		/* the boot phase reads modules through its first 4 GiB */
		if (m->end > BOOT_IDENTITY_LIMIT) {
			boot_fail("module '%s' lies above 4 GiB", name);
		}
		if (strcmp(name, BUNDLE_MODULE) == 0) {
			r = bundle_split(dmap(m->start), m->end - m->start,
					 m->start, &bt->modules[bt->nmodules],
					 BOOT_MAX_MODULES - bt->nmodules, &n,
					 &why);
			if (r < 0) {
				boot_fail("module '%s': %s", name, why);
			}
			bt->nmodules += n;
			continue;
		}
		if (bt->nmodules >= BOOT_MAX_MODULES) {
			boot_fail("more than %u boot modules", BOOT_MAX_MODULES);
		}
		bt->modules[bt->nmodules].start = m->start;
		bt->modules[bt->nmodules].end = m->end;
		strlcpy(bt->modules[bt->nmodules].name, name, BOOT_NAME_MAX);
		bt->nmodules++;
	}
}

/* image_frames: bytes of frames a program's image takes: writable
 * segments are copied whole; a read-only one shares its module's pages
 * but for at most its two partial edge pages (proc.c load_segment) */
static uint64_t image_frames(const struct elf_image *img)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < img->n_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t lo = s->vaddr & ~(PAGE_SIZE - 1);
		uint64_t hi = (s->vaddr + s->memsz + PAGE_SIZE - 1) &
			      ~(PAGE_SIZE - 1);

		n += s->flags & ELF_PF_W ? hi - lo : 2 * PAGE_SIZE;
	}
	return n;
}

static void check_monitor(const struct boottab *bt)
{
	const struct boot_module *m = bootmod_find(bt, "monitor");
	struct elf_image img;
	int r;

	if (!m) {
		boot_fail("no monitor module in the boot image (GRUB must load "
			  "one with the command line 'monitor')");
	}
	r = elf_parse(dmap(m->start), m->end - m->start, USER_BASE,
		      USER_HEAP_BASE, &img);
	if (r < 0) {
		boot_fail("module 'monitor' is not a valid ELF program: %s",
			  err_msg(r));
	}
	monitor_rw = image_frames(&img);
}

/* program_need: what starting app takes at least (image, stack, page
 * tables, a first heap); 0 if it is not a valid program */
static uint64_t program_need(const struct boottab *bt, const char *app)
{
	const struct boot_module *m = bootmod_find(bt, app);
	struct elf_image img;

	if (!m || elf_parse(dmap(m->start), m->end - m->start, USER_BASE,
			    USER_HEAP_BASE,
			    &img) < 0) {
		return 0;
	}
	return image_frames(&img) + USER_STACK_SIZE +
	       MONITOR_TABLES * PAGE_SIZE + MONITOR_ROOM;
}

/* min_partition: the least a core is given when partitions are small:
 * its CPU driver instance (bss, PML4, boot record, window and page
 * tables) and an idle monitor (image, stack, page tables, first heap and
 * channels), in PART_ALIGN_SMALL units */
static uint64_t min_partition(void)
{
	uint64_t kern = (uint64_t)(__kbss_end - __kbss_start) +
			(3 + PREP_TABLES) * PAGE_SIZE;
	uint64_t mon = monitor_rw + USER_STACK_SIZE +
		       MONITOR_TABLES * PAGE_SIZE + MONITOR_ROOM;

	return (kern + mon + PART_ALIGN_SMALL - 1) & ~(PART_ALIGN_SMALL - 1);
}

/* core_need: the least core c is given when partitions are small: an
 * idle core's minimum, what the manifest starts on c, and on core 0 room
 * for a link to every core (its monitor talks to all of them). A device's
 * driver (netd, store) is not counted. */
static uint64_t core_need(const struct boottab *bt, uint32_t c,
			  uint32_t ncores)
{
	uint64_t n = min_partition();

	for (uint32_t i = 0; i < man.n_starts; i++) {
		if (man.starts[i].core == c) {
			n += program_need(bt, man.starts[i].app);
		}
	}
	n += c == 0 ? ncores * LINK_BYTES : 0;
	return (n + PART_ALIGN_SMALL - 1) & ~(PART_ALIGN_SMALL - 1);
}

static void read_manifest(struct boottab *bt, uint32_t found)
{
	const struct boot_module *m = bootmod_find(bt, "manifest");
	struct manifest_error err;

	memset(&man, 0, sizeof(man));
	if ((m && manifest_parse(dmap(m->start), m->end - m->start, &man,
				 &err) < 0) ||
	    manifest_check(&man, found, app_exists, bt, &err) < 0) {
		/* messages read "line N: ..." or are a whole sentence */
		boot_fail("%s%s",
			  strncmp(err.msg, "line ", 5) == 0 ? "manifest " : "",
			  err.msg);
	}
	for (uint32_t i = 0; i < man.n_starts && i < BOOT_MAX_STARTS; i++) {
		struct boot_start *s = &bt->starts[bt->nstarts++];

		s->core = man.starts[i].core;
		s->line = man.starts[i].line;
		strlcpy(s->app, man.starts[i].app, BOOT_NAME_MAX);
		strlcpy(s->args, man.starts[i].args, BOOT_ARGS_MAX);
		s->rights = man.starts[i].rights;
	}
	for (uint32_t i = 0; i < man.n_services && i < BOOT_MAX_SERVICES;
	     i++) {
		struct boot_service *s = &bt->services[bt->nservices++];

		strlcpy(s->name, man.services[i].name, BOOT_NAME_MAX);
		strlcpy(s->app, man.services[i].app, BOOT_NAME_MAX);
	}
	bt->trace_classes = man.trace_classes;
	bt->trace_bytes = man.trace_bytes;
	bt->lost_after_ms = !man.lost_after_line ? MANIFEST_LOST_AFTER_DEFAULT
			    : man.lost_after_ms;
}

/* rdrand64: a random word from the CPU, if it has RDRAND and it answers */
static bool rdrand64(uint64_t *out)
{
	uint32_t r[4];
	uint8_t ok = 0;

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 30))) {
		return false;
	}
	for (int tries = 0; tries < 10 && !ok; tries++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
	}
	return ok;
}

/* make_seal_key: the key every kernel seals rights with (rights.h): from
 * RDRAND when the CPU has it, else from TSC readings around the boot's
 * slow steps, hashed (weaker: docs/authority.md says what it guards) */
static void make_seal_key(struct boottab *bt)
{
	uint64_t mix[6] = {bt->tsc_entry, rdtsc(), bt->tsc_khz, bt->lapic_khz,
			   bt->bootinfo_base, bt->ram_bytes};

	for (int i = 0; i < 2; i++) {
		uint64_t w;

		if (!rdrand64(&w)) {
			mix[1] ^= rdtsc();
			w = rights_siphash(mix[0], (uint64_t)i, mix, sizeof(mix));
		}
		bt->seal_key[i] = w;
	}
}

/* order_cores: the boot processor is core 0, then the MADT's order. */
static uint32_t order_cores(struct boottab *bt, uint32_t bsp)
{
	uint32_t n = 1;

	bt->cores[0].apic_id = bsp;
	for (uint32_t i = 0; i < acpi.n_cpus && n < BOOT_MAX_CORES; i++) {
		uint32_t id = acpi.cpus[i].apic_id;
		if (id == bsp) {
			continue;
		}
		if (id >= 255) {
			kprintf("skipping CPU with APIC id %u: this driver "
				"starts xAPIC ids below 255 only", id);
			continue;
		}
		bt->cores[n++].apic_id = id;
	}
	return n;
}

static unsigned reserve(uint64_t mbi, uint32_t mbi_size)
{
	unsigned n = 0;

	res[n++] = (struct mem_range){0, 1ull << 20};
	res[n++] = (struct mem_range){(uint64_t)__kimage_phys_start,
				      (uint64_t)__kimage_phys_end};
	res[n++] = (struct mem_range){mbi, mbi + mbi_size};
	for (uint32_t i = 0; i < mb.n_modules; i++) {
		res[n++] = (struct mem_range){mb.modules[i].start,
					      mb.modules[i].end};
	}
	return n;
}

static unsigned usable_ram(void)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < mb.n_mmap && n < PART_MAX_RANGES; i++) {
		if (mb.mmap[i].type == 1 && mb.mmap[i].len) {
			ram[n++] = (struct mem_range){
				mb.mmap[i].base, mb.mmap[i].base + mb.mmap[i].len};
		}
	}
	return n;
}

/* carve: takes `size` bytes for the shared boot region out of the first
 * free range that holds them. */
static uint64_t carve(unsigned nfree, uint64_t size)
{
	for (unsigned i = 0; i < nfree; i++) {
		if (freer[i].end - freer[i].base >= size) {
			uint64_t b = freer[i].base;
			freer[i].base += size;
			return b;
		}
	}
	return 0;
}

/* Boot slices, when partitions are 2 MiB ones: each core's first frames
 * (its instance, its monitor's first pages: 252 KiB idle,
 * docs/cpudriver.md "Footprint") come from its slice, min_partition()
 * bytes (what an idle core needs, with room: 384 KiB today), and the
 * slices lie side by side in the shared boot region, five to a 2 MiB
 * page. A host that backs guest RAM with 2 MiB pages zeroes one such page
 * at the first touch of each: with the first frames at the start of each
 * partition a boot touched one 2 MiB page per core, on each level of the
 * boot tree's critical path (docs/benchmarks.md, "Boot slices"). Small
 * partitions (PART_ALIGN_SMALL-granular) lie side by side already and
 * have no slice.
 *
 * slices_at: where the boot slices start in the shared region: after
 * the boot table and the console and link frames, PART_ALIGN_SMALL
 * aligned */
static uint64_t slices_at(uint32_t ncores)
{
	uint64_t tab = (sizeof(struct boottab) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	return (tab + 2 * ncores * PAGE_SIZE + PART_ALIGN_SMALL - 1) &
	       ~(PART_ALIGN_SMALL - 1);
}

/* try_split: the shared region (at *base, *shared bytes: with a boot
 * slice of `slice` bytes a core, 0 for none) and the partitions, every
 * piece `align` aligned and each partition at least min_size; *total gets
 * the usable bytes */
static int try_split(uint32_t ncores, uint64_t mbi, uint32_t mbi_size,
		     uint64_t align, uint64_t min_size, const uint64_t *asked,
		     uint64_t slice, uint64_t *base, uint64_t *shared,
		     uint64_t *total)
{
	uint64_t tab = (sizeof(struct boottab) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	unsigned nram = usable_ram(), nres = reserve(mbi, mbi_size);
	int nfree;

	*shared = slice ? slices_at(ncores) + ncores * slice
			: tab + 2 * ncores * PAGE_SIZE;
	*shared = (*shared + align - 1) & ~(align - 1);
	nfree = part_free_ranges(ram, nram, res, nres, 1ull << 20, align,
				 freer, PART_MAX_RANGES);
	*total = nfree > 0 ? part_total(freer, (unsigned)nfree) : 0;
	*base = nfree > 0 ? carve((unsigned)nfree, *shared) : 0;
	return *base ? part_split(freer, (unsigned)nfree, ncores, asked,
				  align, min_size, parts)
		     : E_NOMEM;
}

/* split_memory: cuts the partitions and moves the boot table from the
 * staging copy into the shared boot region; returns the table's new
 * place, where the rest of the boot phase must write */
static struct boottab *split_memory(struct boottab *bt, uint32_t ncores,
				    uint64_t mbi, uint32_t mbi_size)
{
	uint64_t tab = (sizeof(struct boottab) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t base, total, shared, min = min_partition(), need = 0;
	uint64_t slice = min; /* holds the instance its booter lays out */
	bool raise = false;
	int r;

	r = try_split(ncores, mbi, mbi_size, PART_ALIGN, MIN_PARTITION,
		      man.mem, slice, &base, &shared, &total);
	if (r == E_NOMEM) {
		/* not 2 MiB each: small partitions (they lend nothing); a core
		 * whose equal share is less than it needs asks for that */
		for (uint32_t c = 0; c < ncores; c++) {
			asked[c] = man.mem[c];
			floor_ask[c] = man.mem[c] ? man.mem[c]
						  : core_need(bt, c, ncores);
			need += (floor_ask[c] + PART_ALIGN_SMALL - 1) &
				~(PART_ALIGN_SMALL - 1);
		}
		slice = 0;
		r = try_split(ncores, mbi, mbi_size, PART_ALIGN_SMALL, min,
			      man.mem, 0, &base, &shared, &total);
		/* a raised core takes from the equal shares: look again */
		for (int round = 0; r == 0 && round < 4; round++) {
			raise = false;
			for (uint32_t c = 0; c < ncores; c++) {
				if (parts[c].end - parts[c].base < floor_ask[c]) {
					asked[c] = floor_ask[c];
					raise = true;
				}
			}
			if (!raise) {
				break;
			}
			r = try_split(ncores, mbi, mbi_size, PART_ALIGN_SMALL,
				      min, asked, 0, &base, &shared, &total);
		}
	}
	if (r == E_NOMEM) {
		need = (need ? need : ncores * min) + shared;

		boot_fail("too little RAM: %u cores need at least %lu MiB "
			  "(%lu KiB each plus %lu KiB shared), but only %lu MiB "
			  "is usable",
			  ncores, (unsigned long)((need + (1 << 20) - 1) >> 20),
			  (unsigned long)(min >> 10),
			  (unsigned long)(shared >> 10),
			  (unsigned long)(total >> 20));
	}
	if (r < 0) {
		boot_fail("cannot split memory: %s", err_msg(r));
	}
	/* the boot table must be writable now: it lies below 4 GiB */
	if (base + shared > BOOT_IDENTITY_LIMIT) {
		boot_fail("no room for the boot table below 4 GiB");
	}
	memcpy(dmap(base), bt, sizeof(*bt));
	bt = dmap(base);
	bt->shared_base = base;
	bt->shared_end = base + shared;
	for (uint32_t c = 0; c < ncores; c++) {
		bt->cores[c].part_base = parts[c].base;
		bt->cores[c].part_end = parts[c].end;
		bt->cores[c].console_frame = base + tab + c * PAGE_SIZE;
		bt->cores[c].monlink_frame =
			base + tab + (ncores + c) * PAGE_SIZE;
		if (slice) {
			bt->cores[c].slice_base =
			    base + slices_at(ncores) + c * slice;
			bt->cores[c].slice_end =
			    bt->cores[c].slice_base + slice;
		}
		ring_frame_init(dmap(bt->cores[c].console_frame));
		memset(dmap(bt->cores[c].monlink_frame), 0, PAGE_SIZE);
		bt->ram_bytes += parts[c].end - parts[c].base + slice;
	}
	self.bt = bt;
	return bt;
}

/* cmdline_flags: BOOT_F_* for the words of the CPU driver's command line */
static uint32_t cmdline_flags(const char *c)
{
	static const struct {
		const char *word;
		uint32_t flag;
	} words[] = {
		{"ktest", BOOT_F_KTEST},
		{"ktest=fault", BOOT_F_KTEST | BOOT_F_KTEST_FAULT},
		{"ktest=overflow", BOOT_F_KTEST | BOOT_F_KTEST_OVERFLOW},
	};
	uint32_t flags = 0;

	while (c && *c) {
		size_t n = 0;

		while (*c == ' ') {
			c++;
		}
		while (c[n] && c[n] != ' ') {
			n++;
		}
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			if (strlen(words[i].word) == n &&
			    strncmp(words[i].word, c, n) == 0) {
				flags |= words[i].flag;
			}
		}
		c += n;
	}
	return flags;
}

static BOOT_PHASE struct boottab staging;

void boot_main(uint32_t mbi, uint64_t tsc)
{
	struct boottab *bt = &staging;
	uint32_t total, found, ncores;
	int r;

	uart_init();
	self.id = 0;
	memcpy(&total, dmap(mbi), 4);
	r = mb2_parse(dmap(mbi), total < (1u << 20) ? total : (1u << 20), &mb);
	if (r < 0) {
		boot_fail("bad Multiboot2 information: %s", err_msg(r));
	}
	memset(bt, 0, sizeof(*bt));
	bt->magic = BOOTTAB_MAGIC;
	bt->tsc_entry = tsc;
	bt->bootinfo_base = mbi;
	bt->bootinfo_end = mbi + total;
	bt->kimage_phys = (uint64_t)__kimage_phys_start;
	bt->flags = cmdline_flags(mb.cmdline);
	take_modules(bt);
	check_monitor(bt);
	if (!mb.rsdp) {
		boot_fail("the boot loader passed no ACPI RSDP");
	}
	r = acpi_parse(mb.rsdp, mb.rsdp_len, acpi_map, 0, &acpi);
	if (r < 0) {
		boot_fail("cannot read the ACPI tables: %s", err_msg(r));
	}
	bt->lapic_phys = acpi.lapic_base ? acpi.lapic_base : 0xfee00000ull;
	bt->ioapic_phys = acpi.ioapic_base & ~(PAGE_SIZE - 1);
	bt->ioapic_gsi_base = acpi.ioapic_gsi_base;
	bt->uart_gsi = acpi.isa[4].gsi;
	bt->uart_gsi_flags = acpi.isa[4].flags;
	bt->pm1a_cnt = acpi.pm1a_cnt;
	lapic_set_base(dmap(bt->lapic_phys));
	lapic_init();
	/* the calibration's 5 ms run while the work below is done: it
	 * uses no timer (self.tsc_khz is 0 until the rates are in) */
	pit_calibrate_start();
	found = order_cores(bt, lapic_id());
	read_manifest(bt, found);
	ncores = man.cores ? man.cores : found;
	bt->ncores = ncores;
	bt->ncores_found = found;
	dev_enumerate(bt, &acpi, &man, ncores);
	bt = split_memory(bt, ncores, mbi, total);
	if (pit_calibrate_finish(&bt->tsc_khz, &bt->lapic_khz) < 0) {
		kprintf("PIT did not count: timer rates are guesses");
	}
	self.tsc_khz = bt->tsc_khz;
	smp_bringup_start(ncores);
	make_seal_key(bt);
	smp_install_trampoline();
	smp_enter_core0(self.bt);
}
