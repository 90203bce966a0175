/* SPDX-License-Identifier: MIT */
/*
 * System calls (numbers and argument meanings in abi/syscall.h). Each
 * handler first decodes and checks everything the program passed - every
 * pointer against the caller's own page tables - and only then acts.
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <arch/trap.h>

/* syscall_dispatch: handle the system call in frame f (from ring 3); the
 * result goes to f->rax. The one switch from number to handler: handlers
 * in other files (dev.h, bootmod.h) take the raw arguments and decode
 * them themselves. User memory: usercopy.h. */
void syscall_dispatch(struct trap_frame *f);

#endif
