/* SPDX-License-Identifier: MIT */
/*
 * Entries into the CPU driver. Every path builds a struct trap_frame on
 * this core's kernel stack (arch/trap.h) and calls trap_handler(frame),
 * which returns the frame to leave with (that one, or another process's
 * in its slot: a switch). Returning: frames that came in through
 * `syscall` and still go back to a canonical user address leave with
 * sysretq; all others with iretq.
 *
 * The kernel stack is a plain global address (__kstack_top): every core
 * maps its own stack there, so no swapgs and no per-CPU pointer is needed.
 */
#include <arch/memlayout.h>

#define VEC_SYSCALL 256
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)

.macro PUSH_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

	.text
trap_common:
	PUSH_REGS
	cld
	mov %rsp, %rdi
	call trap_handler
	/* the frame to go back with: this one, or another process's slot
	 * (sched_return); interrupts stay off until iretq or sysretq, and
	 * an NMI has a stack of its own (IST), so nothing else runs on that
	 * slot as a stack */
	mov %rax, %rsp
	.globl trap_return
trap_return:
	cmpq $VEC_SYSCALL, FRAME_VECTOR(%rsp)
	jne 1f
	cmpq $GDT_UCODE, FRAME_CS(%rsp)
	jne 1f
	movabs $USER_TOP, %rax
	cmp %rax, FRAME_RIP(%rsp)
	jae 1f
	POP_REGS
	add $16, %rsp		/* vector, err */
	mov 0(%rsp), %rcx	/* rip */
	mov 16(%rsp), %r11	/* rflags */
	mov 24(%rsp), %rsp	/* user rsp; interrupts stay off until sysret */
	sysretq
1:	POP_REGS
	add $16, %rsp
	iretq

	.globl syscall_entry
syscall_entry:
	/* IF is clear (FMASK); nothing can interrupt before the switch */
	mov %rsp, syscall_user_rsp(%rip)
	movabs $__kstack_top, %rsp
	push $GDT_UDATA
	push syscall_user_rsp(%rip)
	push %r11
	push $GDT_UCODE
	push %rcx
	push $0
	push $VEC_SYSCALL
	jmp trap_common

	.globl trap_enter_user
trap_enter_user:
	/* rdi = frame to load; it may live anywhere, copy it to the top */
	movabs $__kstack_top, %rsp
	sub $(22 * 8), %rsp
	mov %rdi, %rsi
	mov %rsp, %rdi
	mov $22, %ecx
	rep movsq
	jmp trap_return

	.globl trap_enter_instance
trap_enter_instance:
	mov %rdi, %cr3
	mov %rsi, %rsp
	mov %rcx, %rdi
	xor %ebp, %ebp
	jmp *%rdx

/* Vector stubs, 16 bytes apart (trap.c computes gate addresses from that):
 * the CPU pushes an error code for 8, 10-14, 17, 21, 29, 30; for the rest we
 * push 0 so every frame has the same shape. */
	.balign 16
	.globl trap_vectors
trap_vectors:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push $0
	.endif
	push $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

	.bss
	.balign 8
syscall_user_rsp:
	.skip 8

	.section .note.GNU-stack, "", @progbits
