/* SPDX-License-Identifier: MIT */
/*
 * Traps: the register frame every entry into the CPU driver builds on the
 * core's kernel stack (exceptions, interrupts and `syscall` alike), and the
 * per-core GDT, TSS and IDT.
 *
 * The kernel runs with interrupts off; it enables them only to halt. So a
 * trap taken in kernel mode can only interrupt the idle loop (or be a bug).
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Vector number recorded in frames built by the syscall entry. */
#define VEC_SYSCALL 256

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss; /* as pushed by the CPU */
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "frame layout is asm's");

/* trap_init: load this core's GDT, TSS (kernel stack, IST for #DF/NMI/#MC),
 * IDT and the syscall MSRs. */
void trap_init(void);

/* trap_handler: called from entry.S with the frame; returns the frame to
 * leave the trap with (f, or the next process's own after a switch). */
struct trap_frame *trap_handler(struct trap_frame *f);

/* trap_enter_user: load frame f onto the kernel stack and return to ring 3
 * with it. Never returns. */
__attribute__((noreturn)) void trap_enter_user(const struct trap_frame *f);

/* trap_enter_instance: switch to page tables cr3, stack sp and jump to
 * entry(arg). Used by core 0 to move into its own instance. */
__attribute__((noreturn)) void trap_enter_instance(uint64_t cr3, uint64_t sp,
						   uint64_t entry,
						   uint64_t arg);

/* trap_vector_name: "#PF page fault" etc. for vectors < 32. */
const char *trap_vector_name(uint64_t vector);

extern char __kstack_top[], __kist_top[];

#endif
