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
 * result goes to f->rax. */
void syscall_dispatch(struct trap_frame *f);

/* For handlers in other files: user memory of the current process. */
#include <stddef.h>
#include <stdint.h>
int copy_in(void *dst, uint64_t uva, uint64_t len);
int copy_out(uint64_t uva, const void *src, uint64_t len);
/* copy_str: a string of len bytes (no NUL needed) into buf[size] */
int copy_str(char *buf, size_t size, uint64_t uva, uint64_t len);

#endif
