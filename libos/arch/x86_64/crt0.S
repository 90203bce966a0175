/* SPDX-License-Identifier: MIT */
/*
 * Program entry. The CPU driver starts a process with rdi = its argument
 * string, rsi = its core, rdx = its monitor channel (or 0), rcx = its
 * trace buffer | the classes traced (or 0: docs/tracing.md), r8 = its wake
 * token (abi/syscall.h, SYS_WAKE_*); libos_start splits the arguments,
 * calls main and exits with its result.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call libos_start
1:	ud2
	jmp 1b

	.section .note.GNU-stack, "", @progbits
