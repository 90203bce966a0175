/* SPDX-License-Identifier: MIT */
/*
 * The machine side of user-level threads (libos/thread.c): a thread's
 * context is its stack pointer; everything else the System V ABI asks a
 * callee to keep (rbx, rbp, r12-r15) is pushed on the thread's own stack
 * by arch_ctx_switch. Programs are built with -mgeneral-regs-only and the
 * CPU driver does not enable SSE (CR4.OSFXSR clear), so there is no x87
 * or MXCSR state to keep.
 */
#ifndef LIBOS_ARCH_CTX_H
#define LIBOS_ARCH_CTX_H

#include <stddef.h>

/* arch_ctx_init: a fresh context on the stack [stack, stack + size)
 * (16-byte aligned top is found inside) that, when first switched to,
 * calls entry(arg); entry must never return. Returns the stack pointer
 * to hand to arch_ctx_switch. */
void *arch_ctx_init(void *stack, size_t size, void (*entry)(void *), void *arg);

/* arch_ctx_switch: saves the caller's callee-saved registers on its
 * stack, stores its stack pointer in *save, and continues the context
 * whose stack pointer is load. Returns when some later arch_ctx_switch
 * loads *save again. */
void arch_ctx_switch(void **save, void *load);

#endif
