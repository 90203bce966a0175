/* SPDX-License-Identifier: MIT */
/*
 * The boot suite's floor (docs/benchmarks.md, "boot"): the least a
 * Multiboot2 kernel can do. GRUB enters it in 32-bit protected mode; it
 * writes one line to COM1 by polling the UART and halts. Booted from an ISO
 * made exactly as ours (env.BootIso), its time to that line is QEMU,
 * firmware and GRUB: what no kernel of ours can go below.
 */
#define MB2_MAGIC 0xe85250d6

	.section .mb2header, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	.word 0, 0
	.long 8
mb2_header_end:

	.text
	.code32
	.globl floor_entry
floor_entry:
	cli
	mov $line, %esi
next:
	mov $0x3fd, %dx		/* line status: wait for an empty holding reg */
1:	inb %dx, %al
	test $0x20, %al
	jz 1b
	movb (%esi), %al
	test %al, %al
	jz done
	mov $0x3f8, %dx
	outb %al, %dx
	inc %esi
	jmp next
done:
	hlt
	jmp done

	.section .rodata
line:
	.asciz "floor: ready\n"
