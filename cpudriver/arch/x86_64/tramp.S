/* SPDX-License-Identifier: MIT */
/*
 * AP trampoline. The booting core copies the bytes between tramp_start and
 * tramp_end to TRAMP_CODE (below 1 MiB) and sends INIT-SIPI-SIPI with
 * vector TRAMP_CODE >> 12. The new core starts here in real mode, goes
 * through 32-bit protected mode to long mode on the temporary identity
 * tables at TRAMP_PML4, reads its APIC id (CPUID.1:EBX[31:24]), finds its
 * slot at TRAMP_SLOTS + id * TSLOT_SIZE, marks it started, loads its own
 * page tables and stack from the slot and jumps to the slot's entry with
 * the slot's argument (its boot record) in rdi. Several cores may run
 * this at once: nothing here is written except the core's own slot.
 */
#include <arch/memlayout.h>
#include <arch/longmode.h>

#define T(x) (TRAMP_CODE + ((x) - tramp_start))
/* real mode: an offset in the code's own segment (CS = TRAMP_CODE >> 4) */
#define R(x) ((x) - tramp_start)

	.section .rodata
	.globl tramp_start, tramp_end
	.balign 16
	.code16
tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl R(tramp_gdtr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $T(tramp32)

	.code32
tramp32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	ENTER_LONG_MODE $TRAMP_PML4
	ljmp $0x18, $T(tramp64)

	.code64
tramp64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $1, %eax
	cpuid
	shr $24, %ebx
	shl $6, %ebx			/* TSLOT_SIZE */
	add $TRAMP_SLOTS, %rbx
	movq $1, TSLOT_STARTED(%rbx)
	mov TSLOT_CR3(%rbx), %rax
	mov TSLOT_STACK(%rbx), %rsp
	mov TSLOT_ARG(%rbx), %rdi
	mov TSLOT_ENTRY(%rbx), %rcx
	mov %rax, %cr3			/* the new tables map this page too */
	xor %ebp, %ebp
	jmp *%rcx

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 code, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10 data */
	.quad 0x00af9a000000ffff	/* 0x18 code, 64-bit */
tramp_gdt_end:
tramp_gdtr:
	.word tramp_gdt_end - tramp_gdt - 1
	.long T(tramp_gdt)
tramp_end:

	.section .note.GNU-stack, "", @progbits
