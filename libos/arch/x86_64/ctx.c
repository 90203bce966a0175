// SPDX-License-Identifier: MIT
/* The first frame of a new thread's stack (layout: switch.S). */
#include <arch/ctx.h>
#include <stdint.h>

void arch_ctx_start(void);

/* the words arch_ctx_switch pops, lowest first, then its ret */
enum { R15, R14, R13, R12, RBX, RBP, RET, FRAME_WORDS };

void *arch_ctx_init(void *stack, size_t size, void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	/* after the six pops and the ret, rsp = top: 16-byte aligned, as
	 * arch_ctx_start's call wants */
	uint64_t *sp = (uint64_t *)(top - FRAME_WORDS * 8);

	for (int i = 0; i < FRAME_WORDS; i++) {
		sp[i] = 0; /* rbp 0 ends a debugger's frame walk */
	}
	sp[R12] = (uint64_t)(uintptr_t)entry;
	sp[R13] = (uint64_t)(uintptr_t)arg;
	sp[RET] = (uint64_t)(uintptr_t)arch_ctx_start;
	return sp;
}
