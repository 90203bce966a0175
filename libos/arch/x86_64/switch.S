/* SPDX-License-Identifier: MIT */
/*
 * Context switch for user-level threads (see arch/ctx.h). A switched-out
 * stack holds, from its saved rsp up: r15 r14 r13 r12 rbx rbp, then the
 * return address into whoever called arch_ctx_switch. arch_ctx_init
 * builds the same frame with arch_ctx_start as the return address and
 * entry/arg in r12/r13.
 */
	.text
	.globl arch_ctx_switch
	.type arch_ctx_switch, @function
/* void arch_ctx_switch(void **save [rdi], void *load [rsi]) */
arch_ctx_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size arch_ctx_switch, . - arch_ctx_switch

	.globl arch_ctx_start
	.type arch_ctx_start, @function
/* First code of a new context: rsp is 16-byte aligned here, so the call
 * below enters entry with the alignment the ABI promises. */
arch_ctx_start:
	movq %r13, %rdi
	callq *%r12
1:	ud2
	jmp 1b
	.size arch_ctx_start, . - arch_ctx_start

	.section .note.GNU-stack, "", @progbits
