/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and core 0's 32-bit entry.
 *
 * GRUB jumps here in 32-bit protected mode, paging off, with the Multiboot2
 * magic in eax and the information's physical address in ebx. We take the
 * TSC first (the ready line counts from here), check the magic and long
 * mode, build boot page tables - identity and DMAP_BASE aliases of the first
 * 4 GiB, KERNEL_VMA alias of the first 1 GiB, all 2 MiB pages - enter long
 * mode and call boot_main(mbi, tsc) at its high address. These tables and
 * this stack are used only until core 0 moves into its own partition.
 */
#include <arch/memlayout.h>
#include <arch/longmode.h>

#define MB2_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289

	.section .mb2header, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	/* module alignment tag: modules start on page boundaries */
	.word 6, 0
	.long 8
	/* end tag */
	.word 0, 0
	.long 8
mb2_header_end:

	.section .boot, "awx"
	.code32
	.globl mb2_entry
mb2_entry:
	cli
	cld
	mov %eax, %esi
	mov %ebx, %edi
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4
	mov %edi, boot_mbi
	mov $boot_stack_top, %esp

	mov $msg_magic, %ebx
	cmp $MB2_BOOT_MAGIC, %esi
	jne fail32

	mov $msg_lm, %ebx
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb fail32
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz fail32

	/* zero the table pages */
	mov $boot_tables, %edi
	mov $(7 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl

	/* 4 PDs of 2 MiB pages covering 0..4 GiB */
	mov $boot_pd, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, (%edi, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax
	mov %eax, 4(%edi, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	mov $boot_pdpt_low, %edi
	mov $(boot_pd + 0x0003), %eax
	mov %eax, 0(%edi)
	add $4096, %eax
	mov %eax, 8(%edi)
	add $4096, %eax
	mov %eax, 16(%edi)
	add $4096, %eax
	mov %eax, 24(%edi)

	mov $(boot_pd + 0x0003), %eax
	mov %eax, boot_pdpt_high + 510 * 8

	mov $(boot_pdpt_low + 0x0003), %eax
	mov %eax, boot_pml4
	mov %eax, boot_pml4 + 256 * 8
	mov $(boot_pdpt_high + 0x0003), %eax
	mov %eax, boot_pml4 + 511 * 8

	ENTER_LONG_MODE $boot_pml4

	lgdt boot_gdtr
	ljmp $GDT_KCODE, $entry64

fail32:
	/* print the message at ebx on COM1, then stop */
	mov $0x3f8, %dx
2:	movb (%ebx), %al
	test %al, %al
	jz 3f
	outb %al, %dx
	inc %ebx
	jmp 2b
3:	cli
	hlt
	jmp 3b

	.code64
entry64:
	mov $GDT_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $KERNEL_VMA, %rax
	add %rax, %rsp
	mov boot_mbi, %edi
	mov boot_tsc, %rsi
	movabs $boot_main, %rax
	call *%rax
4:	cli
	hlt
	jmp 4b

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
boot_gdt_end:
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

msg_magic:
	.asciz "error: not started by a Multiboot2 loader\r\n"
msg_lm:
	.asciz "error: this CPU has no long mode (x86-64)\r\n"

	.section .bootbss, "aw", @nobits
	.balign 4096
boot_tables:
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4 * 4096
boot_stack:
	.skip 16384
boot_stack_top:
	.globl boot_tsc
boot_tsc:
	.skip 8
boot_mbi:
	.skip 8

	.section .note.GNU-stack, "", @progbits
