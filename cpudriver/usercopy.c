// SPDX-License-Identifier: MIT
/*
 * User memory of the current process (see usercopy.h). Every page of a
 * range is checked in the process's own page tables before the kernel
 * touches it through the process's mapping, so a bad pointer is an error
 * the handler returns, never a kernel fault.
 */
#include "usercopy.h"
#include "kernel.h"
#include "proc.h"
#include "frame.h"
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <string.h>

bool user_range_ok(uint64_t va, uint64_t len, bool write)
{
	struct proc *p = proc_current();
	uint64_t end = va + len, flags;

	if (len == 0) {
		return true;
	}
	if (end < va || va < PAGE_SIZE || end > USER_TOP) {
		return false;
	}
	for (uint64_t pg = va & ~(PAGE_SIZE - 1); pg < end; pg += PAGE_SIZE) {
		if (pt_translate(&kpt, p->pml4, pg, &flags) == UINT64_MAX) {
			return false;
		}
		if (!(flags & PTE_U) || (write && !(flags & PTE_W))) {
			return false;
		}
	}
	return true;
}

int copy_in(void *dst, uint64_t uva, uint64_t len)
{
	if (!user_range_ok(uva, len, false)) {
		return E_FAULT;
	}
	memcpy(dst, user_ptr(uva), len);
	return 0;
}

int copy_out(uint64_t uva, const void *src, uint64_t len)
{
	if (!user_range_ok(uva, len, true)) {
		return E_FAULT;
	}
	memcpy(user_ptr(uva), src, len);
	return 0;
}

int copy_str(char *buf, size_t size, uint64_t uva, uint64_t len)
{
	if (len >= size) {
		return E_TOOBIG;
	}
	if (copy_in(buf, uva, len)) {
		return E_FAULT;
	}
	buf[len] = 0;
	if (strlen(buf) != len) {
		return E_INVAL;
	}
	return 0;
}

uint64_t user_image_frame(uint64_t uva, uint64_t len, uint64_t *page,
			  uint64_t *pa)
{
	struct proc *p = proc_current();
	uint64_t pg = uva & ~(PAGE_SIZE - 1), flags, f;

	if (len == 0 || uva + len < uva ||
	    ((uva + len - 1) & ~(PAGE_SIZE - 1)) != pg || pg < USER_BASE ||
	    pg >= USER_HEAP_BASE) {
		return UINT64_MAX;
	}
	if (!*page || *page != pg) {
		f = pt_translate(&kpt, p->pml4, pg, &flags);
		if (f == UINT64_MAX || !(flags & PTE_U) || !(flags & PTE_W) ||
		    (flags & PTE_SHARED) || !own_mem(f, PAGE_SIZE)) {
			return UINT64_MAX;
		}
		*page = pg;
		*pa = f;
	}
	return *pa + (uva - pg);
}
