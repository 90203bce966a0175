/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 virtual and low physical memory layout of the CPU driver.
 *
 * Every core maps the same kernel addresses to its own copy:
 *   KERNEL_VMA + phys  the kernel image: text and rodata shared read-only
 *                      (as GRUB loaded them), bss per core in its partition
 *   DMAP_BASE + phys   this core's partition (RW), the boot data (RO), its
 *                      channel frames and its LAPIC; nothing else
 *   WINDOW_BASE        a temporary 4 KiB-page window (2 MiB) a core uses
 *                      to write another core's boot structures before
 *                      booting it
 * Low physical memory holds the AP trampoline (code, temporary page tables,
 * one slot per APIC id) while cores boot.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

/* constants usable from C and assembly alike */
#ifdef __ASSEMBLER__
#define ULL(x) x
#else
#define ULL(x) x##ull
#endif

#define KERNEL_VMA ULL(0xffffffff80000000)
#define KERNEL_PHYS ULL(0x100000)
#define DMAP_BASE ULL(0xffff800000000000)
#define WINDOW_BASE ULL(0xffffff0000000000)
#define WINDOW_SIZE (ULL(2) << 20) /* one page table */

#define USER_BASE ULL(0x400000)
#define USER_TOP ULL(0x00007ffffffff000)
/* A program's image, heap, channel frames and stack lie in the first 512
 * GiB (PML4 slot 0), its stack and channels in one GiB: a small program
 * needs 9 page tables, not 12 (docs/cpudriver.md, "Memory layout") */
#define USER_STACK_TOP ULL(0x0000008000000000)
/* A program's stack: 16 KiB, mapped and zeroed at spawn (no growth). The
 * deepest measured (every page's accessed bit, over the system tests of
 * netd with lwIP under wrk load, httpd, store, sysfuzz, the shell) was
 * 8 KiB for a monitor and 4 KiB for every program; an overflow hits the
 * unmapped guard page below and kills the program. */
#define USER_STACK_SIZE (ULL(16) << 10)
#define USER_HEAP_BASE ULL(0x0000004000000000) /* SYS_MEM_MAP; images
						   lie below it */
#define USER_HEAP_MAX (ULL(64) << 30)
#define USER_CHAN_BASE ULL(0x0000007fc0000000) /* channel frames */
#define USER_CHAN_MAX 4096                       /* frames a process maps */
#define USER_DEV_BASE ULL(0x00007f0000000000)  /* device registers */
#define USER_DEV_MAX (ULL(4) << 30)
#define USER_MOD_BASE ULL(0x00007e0000000000)  /* boot modules, read-only */
#define USER_MOD_MAX (ULL(64) << 30)
#define USER_TRACE_BASE ULL(0x00007d0000000000) /* its trace buffer */
#define KERNEL_TRACE ULL(0xffffffffa0000000) /* this core's kernel trace
					      buffer, while tracing */
#define KERNEL_DEVCFG ULL(0xffffffffc0000000) /* owned devices' ECAM pages: in
					       the kernel image's PML4 slot, which
					       every address space shares */

#define PAGE_SIZE ULL(4096)
#define LARGE_PAGE_SIZE (ULL(2) << 20)
/* partitions: 2 MiB aligned and at least 2 MiB when RAM allows, else
 * PART_ALIGN_SMALL-granular (boot.c, docs/cpudriver.md) */
#define PART_ALIGN LARGE_PAGE_SIZE
#define PART_ALIGN_SMALL (ULL(64) << 10)

/* AP trampoline, below 1 MiB. SIPI vector = TRAMP_CODE >> 12. Not at
 * 0x8000-0x10000, where GRUB ran its own code: under QEMU's TCG, the first
 * write to a page that held translated code costs time in proportion to the
 * vCPUs (1.7 s for these 8 pages at 255 cores, docs/benchmarks.md). */
#define TRAMP_CODE ULL(0x70000)
#define TRAMP_PML4 ULL(0x71000)
#define TRAMP_PDPT ULL(0x72000)
#define TRAMP_PD ULL(0x73000)
#define TRAMP_SLOTS ULL(0x74000) /* 256 slots of 64 bytes: 4 pages */
#define TRAMP_END ULL(0x78000)

/* One slot per APIC id; written by the booter, read by the trampoline. */
#define TSLOT_CR3 0
#define TSLOT_STACK 8
#define TSLOT_ARG 16
#define TSLOT_ENTRY 24
#define TSLOT_STARTED 32
#define TSLOT_SIZE 64

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x1b
#define GDT_UCODE 0x23
#define GDT_TSS 0x28

#endif
