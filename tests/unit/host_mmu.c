// SPDX-License-Identifier: MIT
/* The host's page tables and MMU for usercopy.c (see host_mmu.h). */
#include "host_mmu.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel.h"
#include "proc.h"
#include "usercopy.h"
#include <arch/memlayout.h>
#include <arch/paging.h>

#define MAX_TABLES 64

struct pt_alloc kpt;
/* this core, for usercopy.c's own_mem: host_mmu_start makes every host
 * address its own memory (a test may narrow it) */
struct self self;
static struct proc cur;
static void *tables[MAX_TABLES];
static unsigned ntables;
static uint8_t *guard;

static void fail(const char *what)
{
	fprintf(stderr, "host_mmu: %s\n", what);
	abort();
}

struct proc *proc_current(void)
{
	return &cur;
}

static uint64_t table_alloc(struct pt_alloc *a)
{
	void *t;

	(void)a;
	if (ntables == MAX_TABLES) {
		fail("too many page tables");
	}
	t = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!t) {
		fail("out of memory");
	}
	memset(t, 0, PAGE_SIZE);
	tables[ntables++] = t;
	return (uint64_t)(uintptr_t)t;
}

static void *table_p2v(struct pt_alloc *a, uint64_t phys)
{
	(void)a;
	for (unsigned i = 0; i < ntables; i++) {
		if ((uint64_t)(uintptr_t)tables[i] == phys) {
			return tables[i];
		}
	}
	fail("p2v of a frame that is not a table");
	return NULL;
}

void *user_ptr(uint64_t va)
{
	uint64_t flags, pa = pt_translate(&kpt, cur.pml4, va, &flags);

	return pa == UINT64_MAX ? guard : (void *)(uintptr_t)pa;
}

void host_mmu_start(void)
{
	memset(&self, 0, sizeof(self));
	self.part_end = UINT64_MAX;
	kpt.alloc = table_alloc;
	kpt.p2v = table_p2v;
	if (!guard) {
		guard = mmap(NULL, PAGE_SIZE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (guard == MAP_FAILED) {
			fail("no guard page");
		}
	}
	memset(&cur, 0, sizeof(cur));
	host_mmu_stop();
	cur.pml4 = table_alloc(&kpt);
}

void host_mmu_stop(void)
{
	for (unsigned i = 0; i < ntables; i++) {
		free(tables[i]);
	}
	ntables = 0;
}

uint64_t host_mmu_pml4(void)
{
	return cur.pml4;
}
