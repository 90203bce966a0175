/* SPDX-License-Identifier: MIT */
/*
 * What every part of the CPU driver sees of its own core.
 *
 * There is no per-CPU array and no GS-indexed data: every core runs its own
 * instance of the driver whose bss lives in that core's partition, so a
 * plain global such as `self` is this core's and no other core can reach
 * it. Nothing here needs a lock.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <abi/bootrec.h>
#include <abi/errors.h>

struct self {
	uint32_t id;      /* core index, 0..ncores-1 */
	uint32_t apic_id;
	uint32_t ncores;
	uint32_t booter;
	const struct boottab *bt; /* read-only, through DMAP */
	uint64_t part_base;       /* this core's partition */
	uint64_t part_end;
	uint64_t slice_base;      /* its boot slice (0, 0: none) */
	uint64_t slice_end;
	uint64_t kern_phys;       /* physical address of this instance's bss */
	uint64_t pml4;            /* kernel page tables (physical) */
	uint64_t *window_pt;      /* the boot window's page table (DMAP) */
	uint64_t tsc_khz;
	uint64_t lapic_khz;
	uint64_t tsc_start;       /* TSC when this core entered its driver */
};

extern struct self self;

/* in_range: [pa, pa + size) is a non-empty piece of [base, end) */
static inline bool in_range(uint64_t pa, uint64_t size, uint64_t base,
			    uint64_t end)
{
	return size && pa + size > pa && pa >= base && pa + size <= end;
}

/*
 * A core's own memory is its partition and its boot slice (a small piece
 * of the shared boot region that holds its first frames: the CPU driver
 * instance and its monitor's first pages, packed beside the other cores'
 * so that a boot touches few 2 MiB pages; docs/cpudriver.md,
 * "Partitions"). core_mem: [pa, pa + size) lies in core b's own memory;
 * own_mem: in this core's. Memory borrowed from another core is not own
 * memory (frame_adopted says so).
 */
static inline bool core_mem(const struct boot_core *b, uint64_t pa,
			    uint64_t size)
{
	return in_range(pa, size, b->part_base, b->part_end) ||
	       in_range(pa, size, b->slice_base, b->slice_end);
}

static inline bool own_mem(uint64_t pa, uint64_t size)
{
	return in_range(pa, size, self.part_base, self.part_end) ||
	       in_range(pa, size, self.slice_base, self.slice_end);
}

#define STATIC_ASSERT(c, m) _Static_assert(c, m)

/* BOOT_PHASE: state only core 0's boot phase uses (boot.c, devboot.c):
 * it lives in the GRUB-loaded image (kernel.ld's .bootphase), outside the
 * bss every instance copies, so no core pays for it. Zero at start (GRUB
 * zeroes it); never touched once core 0 runs its own instance. */
#define BOOT_PHASE __attribute__((section(".bss.bootphase")))

#ifdef DEBUG
#define ASSERT(c)                                                             \
	do {                                                                  \
		if (!(c)) {                                                   \
			panic("assertion failed: %s at %s:%d", #c, __FILE__,  \
			      __LINE__);                                      \
		}                                                             \
	} while (0)
#else
#define ASSERT(c)                                                             \
	do {                                                                  \
	} while (0)
#endif

/* kprintf: one log line from this core's kernel, prefixed "core N: ".
 * On core 0 it goes to the UART; elsewhere into the console channel (a full
 * channel drops the line and counts it). Any context. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* kputs_raw: one line exactly as given (no prefix), same route. */
void kputs_raw(const char *s);

/* panic: report on the UART directly (the one allowed exception to console
 * ownership) and stop this core. Never returns. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt,
							    ...);

/* boot_fail: a fatal error in the boot input (manifest, modules, RAM):
 * prints "error: ..." and "system halted", exits QEMU through
 * isa-debug-exit if present, else stops. Core 0's boot phase only. */
__attribute__((noreturn, format(printf, 1, 2))) void boot_fail(const char *fmt,
								...);

/* dmap: the kernel address of physical address phys in this core's direct
 * map (valid only for what this core maps: its partition, boot data, its
 * channel frames). */
static inline void *dmap(uint64_t phys)
{
	return (void *)(phys + 0xffff800000000000ull);
}

/* tsc_to_ns / ns_to_tsc: with this core's calibrated TSC. */
uint64_t tsc_to_ns(uint64_t tsc);
uint64_t ns_to_tsc(uint64_t ns);

#endif
