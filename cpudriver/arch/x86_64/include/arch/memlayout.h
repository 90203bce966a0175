/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 virtual and low physical memory layout of the CPU driver.
 *
 * Every core maps the same kernel addresses to its own copy:
 *   KERNEL_VMA + phys  the kernel image: text and rodata shared read-only
 *                      (as GRUB loaded them), bss per core in its partition
 *   DMAP_BASE + phys   this core's partition (RW), the boot data (RO), its
 *                      channel frames and its LAPIC; nothing else
 *   WINDOW_BASE        a temporary 2 MiB-page window a core uses to write
 *                      another core's boot structures before booting it
 * Low physical memory holds the AP trampoline (code, temporary page tables,
 * one slot per APIC id) while cores boot.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#define KERNEL_VMA 0xffffffff80000000ull
#define KERNEL_PHYS 0x100000ull
#define DMAP_BASE 0xffff800000000000ull
#define WINDOW_BASE 0xffffff0000000000ull
#define WINDOW_SIZE (64ull << 20)

#define USER_BASE 0x400000ull
#define USER_TOP 0x00007ffffffff000ull
#define USER_STACK_TOP 0x00007fff00000000ull
#define USER_STACK_SIZE (64ull << 10)

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)
#define PART_ALIGN LARGE_PAGE_SIZE

/* AP trampoline, below 1 MiB. SIPI vector = TRAMP_CODE >> 12. */
#define TRAMP_CODE 0x8000ull
#define TRAMP_PML4 0x9000ull
#define TRAMP_PDPT 0xa000ull
#define TRAMP_PD 0xb000ull
#define TRAMP_SLOTS 0xc000ull /* 256 slots of 64 bytes: 4 pages */
#define TRAMP_END 0x10000ull

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
