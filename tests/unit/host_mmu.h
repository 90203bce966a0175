/* SPDX-License-Identifier: MIT */
/*
 * The kernel stand-ins that cpudriver/usercopy.c needs on the host, shared
 * by test_usercopy and fuzz_usercopy: `kpt` over page-aligned host
 * allocations ("physical" addresses are host addresses), one current
 * process, and user_ptr playing the MMU: it walks that process's tables
 * with pt_translate; an address without a translation gets a PROT_NONE
 * guard page, so touching it faults.
 */
#ifndef TESTS_HOST_MMU_H
#define TESTS_HOST_MMU_H

#include <stdint.h>
#include <arch/paging.h>

/* the kernel's page-table allocator, over host memory */
extern struct pt_alloc kpt;

/* host_mmu_start: a current process with empty page tables, and every
 * host address this core's own memory (kernel.h's self) (the first
 * call also makes the guard page); host_mmu_stop frees the tables */
void host_mmu_start(void);
void host_mmu_stop(void);
/* host_mmu_pml4: the current process's table root, for pt_map */
uint64_t host_mmu_pml4(void);

#endif
