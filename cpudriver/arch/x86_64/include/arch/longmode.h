/* SPDX-License-Identifier: MIT */
/*
 * Assembly only: the step from 32-bit protected mode into long mode,
 * shared by core 0's Multiboot2 entry and the AP trampoline. Loads the
 * PML4 at `pml4` (a 32-bit physical address), enables PAE, sets EFER.LME
 * and EFER.NXE, then paging with write protection. The caller far-jumps to
 * a 64-bit code segment right after. Clobbers eax, ecx, edx.
 */
#ifndef ARCH_LONGMODE_H
#define ARCH_LONGMODE_H

#ifdef __ASSEMBLER__
.macro ENTER_LONG_MODE pml4
	mov \pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax			/* CR4.PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $0x900, %eax			/* LME | NXE */
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG | WP | PE */
	mov %eax, %cr0
.endm
#endif

#endif
