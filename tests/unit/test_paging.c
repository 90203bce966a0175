/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the x86-64 page-table code (cpudriver/arch/x86_64/
 * paging.c), over a fake physical memory.
 *
 * The fake is an aligned host buffer of NFRAMES frames that stand for the
 * physical addresses PHYS_BASE.. ; the allocator hands them out zeroed and
 * can be told to run dry after k allocations, p2v refuses (fails the test)
 * any address that is not an allocated table frame, so a walk into a leaf
 * or a stale entry shows, and the free callback records every frame it is
 * given. Mapped (leaf) frames lie outside the fake on purpose: the code
 * must never touch them, only free them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include <arch/memlayout.h>
#include <arch/paging.h>

#define NFRAMES 64
#define PHYS_BASE 0x40000000ull /* where the fake's frames "are" */
#define MAX_FREED 1024
#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define FLAGS(e) ((e) & ~PTE_ADDR)

struct fake {
	struct pt_alloc a;
	uint8_t *mem;
	bool used[NFRAMES];
	unsigned allocs; /* successful allocations */
	int fail_after;	 /* allocations allowed, -1 for no limit */
	uint64_t freed[MAX_FREED];
	unsigned nfreed;
	unsigned long p2v_calls; /* a walk that never ends shows here */
};

static struct fake fk; /* global: the free callback has no context */

static uint64_t fake_alloc(struct pt_alloc *a)
{
	assert_ptr_equal(a, &fk.a);
	if (fk.fail_after >= 0 && fk.allocs >= (unsigned)fk.fail_after) {
		return 0;
	}
	for (unsigned i = 0; i < NFRAMES; i++) {
		if (!fk.used[i]) {
			fk.used[i] = true;
			fk.allocs++;
			memset(fk.mem + i * PAGE_SIZE, 0, PAGE_SIZE);
			return PHYS_BASE + i * PAGE_SIZE;
		}
	}
	fail_msg("fake physical memory exhausted");
	return 0;
}

static void *fake_p2v(struct pt_alloc *a, uint64_t phys)
{
	uint64_t i = (phys - PHYS_BASE) / PAGE_SIZE;

	assert_ptr_equal(a, &fk.a);
	if (++fk.p2v_calls > 10000000) {
		fail_msg("p2v called 10 million times: an endless walk?");
	}
	if (phys < PHYS_BASE || i >= NFRAMES || phys % PAGE_SIZE ||
	    !fk.used[i]) {
		fail_msg("p2v(%#llx): not an allocated table frame",
			 (unsigned long long)phys);
	}
	return fk.mem + (phys - PHYS_BASE);
}

static void fake_free(uint64_t phys)
{
	if (fk.nfreed == MAX_FREED) {
		fail_msg("too many frees");
	}
	fk.freed[fk.nfreed++] = phys;
}

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.a.alloc = fake_alloc;
	fk.a.p2v = fake_p2v;
	fk.a.ctx = &fk;
	fk.fail_after = -1;
	fk.mem = aligned_alloc(PAGE_SIZE, NFRAMES * PAGE_SIZE);
	/* garbage everywhere: only alloc's zeroing makes a table clean */
	memset(fk.mem, 0xa5, NFRAMES * PAGE_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fk.mem);
	return 0;
}

static uint64_t new_pml4(void)
{
	uint64_t p = fake_alloc(&fk.a);

	assert_int_not_equal(p, 0);
	return p;
}

static uint64_t *tab(uint64_t phys)
{
	return fake_p2v(&fk.a, phys & PTE_ADDR);
}

/* entry: the entry for va at level (3 = PML4 .. 0 = PT), walking the
 * tables; the test fails if an upper level is missing */
static uint64_t *entry(uint64_t pml4, uint64_t va, int level)
{
	uint64_t *t = tab(pml4);

	for (int l = 3; l > level; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];

		assert_true(e & PTE_P);
		assert_false(e & PTE_PS);
		t = tab(e);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

/* tr: pt_translate, with the flags (address bits dropped) in *flags */
static uint64_t tr(uint64_t pml4, uint64_t va, uint64_t *flags)
{
	uint64_t f = 0xdead, pa = pt_translate(&fk.a, pml4, va, &f);

	*flags = pa == UINT64_MAX ? 0 : FLAGS(f);
	return pa;
}

static void expect_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t f;

	assert_int_equal(tr(pml4, va, &f), pa);
	assert_int_equal(f, flags);
}

static void expect_unmapped(uint64_t pml4, uint64_t va)
{
	uint64_t f;

	assert_int_equal(tr(pml4, va, &f), UINT64_MAX);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* freed_sorted: sorts the frames freed so far, failing on a double free */
static void freed_sorted(void)
{
	qsort(fk.freed, fk.nfreed, sizeof(uint64_t), cmp_u64);
	for (unsigned i = 1; i < fk.nfreed; i++) {
		if (fk.freed[i] == fk.freed[i - 1]) {
			fail_msg("frame %#llx freed twice",
				 (unsigned long long)fk.freed[i]);
		}
	}
}

static void test_map_4k(void **state)
{
	uint64_t pml4 = new_pml4();
	const uint64_t va = 0x400000, pa = 0x12345000;

	(void)state;
	assert_int_equal(pt_map(&fk.a, pml4, va, pa, 3 * PAGE_SIZE,
				PTE_W | PTE_U | PTE_NX, false),
			 0);
	/* PDPT, PD, PT */
	assert_int_equal(fk.allocs, 1 + 3);
	for (uint64_t i = 0; i < 3; i++) {
		expect_map(pml4, va + i * PAGE_SIZE, pa + i * PAGE_SIZE,
			   PTE_P | PTE_W | PTE_U | PTE_NX);
		expect_map(pml4, va + i * PAGE_SIZE + 0xabc,
			   pa + i * PAGE_SIZE + 0xabc,
			   PTE_P | PTE_W | PTE_U | PTE_NX);
	}
	assert_int_equal(*entry(pml4, va, 0),
			 pa | PTE_P | PTE_W | PTE_U | PTE_NX);
	/* intermediate entries: present, writable, user; the leaf decides */
	assert_int_equal(FLAGS(*entry(pml4, va, 3)), PTE_P | PTE_W | PTE_U);
	assert_int_equal(FLAGS(*entry(pml4, va, 2)), PTE_P | PTE_W | PTE_U);
	assert_int_equal(FLAGS(*entry(pml4, va, 1)), PTE_P | PTE_W | PTE_U);
	expect_unmapped(pml4, va - PAGE_SIZE);
	expect_unmapped(pml4, va + 3 * PAGE_SIZE);
	expect_unmapped(pml4, 0);
	expect_unmapped(pml4, 0x7ffffffff000);
	expect_unmapped(pml4, DMAP_BASE + va);

	/* read-only, executable, kernel-only; same PT, no new table */
	assert_int_equal(pt_map(&fk.a, pml4, va + 8 * PAGE_SIZE, 0x5000,
				PAGE_SIZE, 0, false),
			 0);
	assert_int_equal(fk.allocs, 4);
	expect_map(pml4, va + 8 * PAGE_SIZE + 1, 0x5001, PTE_P);
	/* uncached, other flags pass through */
	assert_int_equal(pt_map(&fk.a, pml4, va + 9 * PAGE_SIZE, 0xfee00000,
				PAGE_SIZE, PTE_W | PTE_PCD | PTE_PWT | PTE_G,
				false),
			 0);
	expect_map(pml4, va + 9 * PAGE_SIZE, 0xfee00000,
		   PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G);
	/* mapping again replaces the leaf */
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, 0x777000, PAGE_SIZE, PTE_U, false), 0);
	expect_map(pml4, va, 0x777000, PTE_P | PTE_U);
	/* size 0 maps nothing */
	assert_int_equal(pt_map(&fk.a, pml4, 0x40000000, 0, 0, PTE_W, true), 0);
	assert_int_equal(fk.allocs, 4);
	expect_unmapped(pml4, 0x40000000);
}

static void test_map_kernel_half(void **state)
{
	uint64_t pml4 = new_pml4(), *l4 = tab(pml4);

	(void)state;
	assert_int_equal(pt_map(&fk.a, pml4, DMAP_BASE + 0x1000, 0x1000,
				2 * PAGE_SIZE, PTE_W | PTE_NX, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, KERNEL_VMA + KERNEL_PHYS,
				KERNEL_PHYS, PAGE_SIZE, 0, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, 0xfffffffffffff000ull, 0x9000,
				PAGE_SIZE, PTE_W, false),
			 0);
	expect_map(pml4, DMAP_BASE + 0x1fff, 0x1fff, PTE_P | PTE_W | PTE_NX);
	expect_map(pml4, DMAP_BASE + 0x2000, 0x2000, PTE_P | PTE_W | PTE_NX);
	expect_map(pml4, KERNEL_VMA + KERNEL_PHYS + 0x10, KERNEL_PHYS + 0x10,
		   PTE_P);
	expect_map(pml4, 0xffffffffffffffffull, 0x9fff, PTE_P | PTE_W);
	expect_unmapped(pml4, DMAP_BASE);
	expect_unmapped(pml4, DMAP_BASE + 0x3000);
	expect_unmapped(pml4, 0x1000);
	/* PML4 entries 256 (DMAP) and 511 (kernel image, top page) */
	for (int i = 0; i < 512; i++) {
		assert_int_equal(!!(l4[i] & PTE_P), i == 256 || i == 511);
	}
	/* both 511 mappings share the PDPT: 1 + 3 + 2 (PD, PT) + 1 (PT) */
	assert_int_equal(fk.allocs, 1 + 3 + 3 + 2);
}

static void test_map_large(void **state)
{
	uint64_t pml4 = new_pml4(), f;
	const uint64_t va = 0x80000000, pa = 0x200000000ull;

	(void)state;
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, pa, 4 * MiB, PTE_W | PTE_NX, true), 0);
	/* PDPT and PD only: two 2 MiB leaves, no PT */
	assert_int_equal(fk.allocs, 1 + 2);
	assert_int_equal(*entry(pml4, va, 1),
			 pa | PTE_P | PTE_W | PTE_NX | PTE_PS);
	assert_int_equal(*entry(pml4, va + 2 * MiB, 1),
			 (pa + 2 * MiB) | PTE_P | PTE_W | PTE_NX | PTE_PS);
	expect_map(pml4, va + 0x123456, pa + 0x123456,
		   PTE_P | PTE_W | PTE_NX | PTE_PS);
	expect_map(pml4, va + 4 * MiB - 1, pa + 4 * MiB - 1,
		   PTE_P | PTE_W | PTE_NX | PTE_PS);
	expect_unmapped(pml4, va + 4 * MiB);
	expect_unmapped(pml4, va - 1);

	/* the same with large = false: 4 KiB pages, two PTs */
	assert_int_equal(
	    pt_map(&fk.a, pml4, va + 1 * GiB, pa, 4 * MiB, PTE_W, false), 0);
	assert_int_equal(fk.allocs, 3 + 1 + 2);
	expect_map(pml4, va + 1 * GiB + 0x123456, pa + 0x123456, PTE_P | PTE_W);
	assert_false(*entry(pml4, va + 1 * GiB, 1) & PTE_PS);
	assert_int_equal(tr(pml4, va + 1 * GiB + 4 * MiB - 1, &f),
			 pa + 4 * MiB - 1);
	(void)f;
}

static void test_map_large_needs_alignment(void **state)
{
	uint64_t pml4 = new_pml4();
	uint64_t base = 4 * GiB;

	(void)state;
	/* pa off a 2 MiB boundary: all 4 KiB */
	assert_int_equal(pt_map(&fk.a, pml4, base, 0x201000, 2 * MiB, 0, true),
			 0);
	assert_false(*entry(pml4, base, 1) & PTE_PS);
	expect_map(pml4, base + 2 * MiB - 1, 0x201000 + 2 * MiB - 1, PTE_P);
	/* less than 2 MiB left: 4 KiB */
	base += 1 * GiB;
	assert_int_equal(
	    pt_map(&fk.a, pml4, base, 0x400000, 2 * MiB - PAGE_SIZE, 0, true),
	    0);
	assert_false(*entry(pml4, base, 1) & PTE_PS);
	expect_unmapped(pml4, base + 2 * MiB - PAGE_SIZE);

	/* va, pa 4 KiB past a boundary, 4 MiB + 4 KiB: 511 small pages, one
	 * large page in the middle, 2 small ones at the end */
	base += 1 * GiB;
	assert_int_equal(pt_map(&fk.a, pml4, base + PAGE_SIZE,
				0x600000 + PAGE_SIZE, 4 * MiB + PAGE_SIZE,
				PTE_W, true),
			 0);
	assert_false(*entry(pml4, base, 1) & PTE_PS);
	assert_int_equal(*entry(pml4, base + 2 * MiB, 1),
			 0x800000 | PTE_P | PTE_W | PTE_PS);
	assert_false(*entry(pml4, base + 4 * MiB, 1) & PTE_PS);
	expect_unmapped(pml4, base);
	expect_map(pml4, base + PAGE_SIZE, 0x601000, PTE_P | PTE_W);
	expect_map(pml4, base + 2 * MiB - 1, 0x7fffff, PTE_P | PTE_W);
	expect_map(pml4, base + 2 * MiB, 0x800000, PTE_P | PTE_W | PTE_PS);
	expect_map(pml4, base + 4 * MiB + PAGE_SIZE + 5, 0xa01005,
		   PTE_P | PTE_W);
	expect_unmapped(pml4, base + 4 * MiB + 2 * PAGE_SIZE);

	/* a 2 MiB slot that already has a PT stays 4 KiB */
	base += 1 * GiB;
	assert_int_equal(pt_map(&fk.a, pml4, base + 5 * PAGE_SIZE, 0x1000,
				PAGE_SIZE, 0, false),
			 0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, base, 0x1000000, 2 * MiB, PTE_W, true), 0);
	assert_false(*entry(pml4, base, 1) & PTE_PS);
	expect_map(pml4, base + 5 * PAGE_SIZE, 0x1005000, PTE_P | PTE_W);
}

static void test_map_over_large(void **state)
{
	uint64_t pml4 = new_pml4();

	(void)state;
	assert_int_equal(
	    pt_map(&fk.a, pml4, 0x200000, 0x200000, 2 * MiB, PTE_W, true), 0);
	/* a 4 KiB page inside a 2 MiB one is refused; the large page stays
	 * (the code says E_NOMEM, though no memory ran out) */
	assert_true(pt_map(&fk.a, pml4, 0x201000, 0x5000, PAGE_SIZE, 0, false) <
		    0);
	expect_map(pml4, 0x201000, 0x201000, PTE_P | PTE_W | PTE_PS);
}

static void test_unmap(void **state)
{
	uint64_t pml4 = new_pml4();
	unsigned allocs;

	(void)state;
	assert_int_equal(pt_map(&fk.a, pml4, 0x400000, 0x1000000, 4 * PAGE_SIZE,
				PTE_W | PTE_U, false),
			 0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, 0x40000000, 0x40000000, 4 * MiB, PTE_W, true),
	    0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, 5 * GiB, 0x3000000, PAGE_SIZE, PTE_U, false),
	    0);
	assert_int_equal(pt_map(&fk.a, pml4, 512 * GiB, 0x2000000,
				3 * PAGE_SIZE, PTE_U, false),
			 0);
	allocs = fk.allocs;

	/* one 4 KiB page in the middle */
	pt_unmap(&fk.a, pml4, 0x401000, PAGE_SIZE);
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_W | PTE_U);
	expect_unmapped(pml4, 0x401000);
	expect_map(pml4, 0x402000, 0x1002000, PTE_P | PTE_W | PTE_U);
	assert_int_equal(*entry(pml4, 0x401000, 0), 0);

	/* 4 KiB inside a 2 MiB page removes the whole 2 MiB page only */
	pt_unmap(&fk.a, pml4, 0x40000000 + 2 * MiB + 0x5000, PAGE_SIZE);
	expect_map(pml4, 0x40000000 + 2 * MiB - 1, 0x40000000 + 2 * MiB - 1,
		   PTE_P | PTE_W | PTE_PS);
	expect_unmapped(pml4, 0x40000000 + 2 * MiB);
	expect_unmapped(pml4, 0x40000000 + 4 * MiB - 1);
	assert_int_equal(*entry(pml4, 0x40000000 + 2 * MiB, 1), 0);

	/* a range over holes at every level, from 2 MiB to 512 GiB + 8 KiB */
	pt_unmap(&fk.a, pml4, 2 * MiB, 512 * GiB + 2 * PAGE_SIZE - 2 * MiB);
	expect_unmapped(pml4, 0x400000);
	expect_unmapped(pml4, 0x403000);
	expect_unmapped(pml4, 0x40000000);
	expect_unmapped(pml4, 5 * GiB);
	expect_unmapped(pml4, 512 * GiB);
	expect_unmapped(pml4, 512 * GiB + PAGE_SIZE);
	/* the range ends where it says */
	expect_map(pml4, 512 * GiB + 2 * PAGE_SIZE, 0x2002000, PTE_P | PTE_U);
	/* tables are kept, none made */
	assert_int_equal(fk.allocs, allocs);
	assert_int_equal(fk.nfreed, 0);
	assert_true(*entry(pml4, 0x400000, 1) & PTE_P);

	/* nothing mapped: no harm */
	pt_unmap(&fk.a, pml4, 0x1000, 0);
	pt_unmap(&fk.a, pml4, 0x100000000000ull, 4 * GiB);
}

static void test_unmap_top_of_space(void **state)
{
	uint64_t pml4 = new_pml4();
	const uint64_t top = 0xfffffffffffff000ull;

	(void)state;
	assert_int_equal(
	    pt_map(&fk.a, pml4, 0x400000, 0x1000000, PAGE_SIZE, PTE_U, false),
	    0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, DMAP_BASE, 0, 2 * MiB, PTE_W, true), 0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, KERNEL_VMA, 0, PAGE_SIZE, 0, false), 0);

	/* holes in the last GiB (no PD there) and in the last 2 MiB of the
	 * one before: skipping them must not send the walk round to 0 */
	pt_unmap(&fk.a, pml4, KERNEL_VMA + 1 * GiB - PAGE_SIZE, 2 * PAGE_SIZE);
	pt_unmap(&fk.a, pml4, top - 4 * MiB, 4 * MiB);
	pt_unmap(&fk.a, pml4, WINDOW_BASE, PAGE_SIZE);
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_U);
	expect_map(pml4, DMAP_BASE + 5, 5, PTE_P | PTE_W | PTE_PS);
	expect_map(pml4, KERNEL_VMA, 0, PTE_P);

	/* the last page of the address space: va + size wraps to 0 */
	assert_int_equal(
	    pt_map(&fk.a, pml4, top, 0x3000, PAGE_SIZE, PTE_W, false), 0);
	expect_map(pml4, top + 0xfff, 0x3fff, PTE_P | PTE_W);
	pt_unmap(&fk.a, pml4, top, PAGE_SIZE);
	expect_unmapped(pml4, top);
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_U);
	expect_map(pml4, KERNEL_VMA, 0, PTE_P);
}

static void test_translate_upper_levels(void **state)
{
	uint64_t pml4 = new_pml4(), *e;

	(void)state;
	assert_int_equal(pt_map(&fk.a, pml4, 0x400000, 0x1000000, PAGE_SIZE,
				PTE_W | PTE_U, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, 0x40000000, 0x40000000, 2 * MiB,
				PTE_W | PTE_U | PTE_NX, true),
			 0);
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_W | PTE_U);

	/* PML4 entry without U: not user-accessible, whatever the leaf */
	e = entry(pml4, 0x400000, 3);
	*e &= ~PTE_U;
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_W);
	expect_map(pml4, 0x40000000, 0x40000000,
		   PTE_P | PTE_W | PTE_NX | PTE_PS);
	*e |= PTE_U;
	/* PDPT entry without W: read-only */
	e = entry(pml4, 0x400000, 2);
	*e &= ~PTE_W;
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_U);
	*e |= PTE_W;
	/* PD entry without both */
	e = entry(pml4, 0x400000, 1);
	*e &= ~(PTE_W | PTE_U);
	expect_map(pml4, 0x400000, 0x1000000, PTE_P);
	*e |= PTE_W | PTE_U;
	expect_map(pml4, 0x400000, 0x1000000, PTE_P | PTE_W | PTE_U);
	/* an upper level cannot add what the leaf lacks */
	assert_int_equal(
	    pt_map(&fk.a, pml4, 0x401000, 0x1001000, PAGE_SIZE, PTE_NX, false),
	    0);
	expect_map(pml4, 0x401000, 0x1001000, PTE_P | PTE_NX);
	/* and for the 2 MiB page: its PDPT entry without U */
	e = entry(pml4, 0x40000000, 2);
	*e &= ~PTE_U;
	expect_map(pml4, 0x40000000 + 77, 0x40000000 + 77,
		   PTE_P | PTE_W | PTE_NX | PTE_PS);
	/* a 1 GiB page (made by hand) at PDPT level */
	*entry(pml4, 2 * GiB, 2) = 3 * GiB | PTE_P | PTE_U | PTE_PS;
	expect_map(pml4, 2 * GiB + 0x12345678, 3 * GiB + 0x12345678,
		   PTE_P | PTE_U | PTE_PS);
}

static void test_nomem(void **state)
{
	uint64_t pml4 = new_pml4(), *l4 = tab(pml4);
	const uint64_t va = 1 * GiB - PAGE_SIZE; /* crosses a 1 GiB line */

	(void)state;
	/* no frame at all: nothing changes */
	fk.fail_after = 1;
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, 0x5000, 2 * PAGE_SIZE, PTE_W, false),
	    E_NOMEM);
	for (int i = 0; i < 512; i++) {
		assert_int_equal(l4[i], 0);
	}

	/* the first page needs PDPT, PD, PT; the second a new PD and PT:
	 * the last allocation fails */
	fk.fail_after = 1 + 4;
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, 0x5000, 2 * PAGE_SIZE, PTE_W, false),
	    E_NOMEM);
	assert_int_equal(fk.allocs, 5);
	expect_map(pml4, va, 0x5000, PTE_P | PTE_W);
	expect_unmapped(pml4, va + PAGE_SIZE);
	/* the tables made stay */
	assert_true(*entry(pml4, va + PAGE_SIZE, 1) == 0);

	/* more memory: the same call finishes the job with one more PT */
	fk.fail_after = -1;
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, 0x5000, 2 * PAGE_SIZE, PTE_W, false), 0);
	assert_int_equal(fk.allocs, 6);
	expect_map(pml4, va, 0x5000, PTE_P | PTE_W);
	expect_map(pml4, va + PAGE_SIZE, 0x6000, PTE_P | PTE_W);

	/* large pages: running out at the PD */
	fk.fail_after = (int)fk.allocs + 1;
	assert_int_equal(
	    pt_map(&fk.a, pml4, 1024 * GiB, 0, 4 * MiB, PTE_W, true),
	    E_NOMEM);
	expect_unmapped(pml4, 1024 * GiB);
	expect_map(pml4, va, 0x5000, PTE_P | PTE_W);
	fk.fail_after = -1;

	/* and every frame made (but the PML4) is freed once */
	pt_free_user(&fk.a, pml4, fake_free);
	assert_int_equal(fk.nfreed, (fk.allocs - 1) + 2);
	freed_sorted();
	assert_int_equal(fk.freed[0], 0x5000);
	assert_int_equal(fk.freed[1], 0x6000);
	for (unsigned i = 1; i < fk.allocs; i++) {
		assert_int_equal(fk.freed[i + 1], PHYS_BASE + i * PAGE_SIZE);
	}
}

static void test_free_user(void **state)
{
	uint64_t pml4 = new_pml4(), *l4 = tab(pml4);
	uint64_t upper[256], kernel_tables[NFRAMES], want[64];
	bool was_used[NFRAMES];
	unsigned nkernel = 0, nwant = 0;

	(void)state;
	/* kernel half first: DMAP with a large page and small ones, the
	 * image, the window */
	assert_int_equal(
	    pt_map(&fk.a, pml4, DMAP_BASE, 0, 4 * MiB, PTE_W, true), 0);
	assert_int_equal(pt_map(&fk.a, pml4, DMAP_BASE + 0x10000000, 0x10000000,
				3 * PAGE_SIZE, PTE_W, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, KERNEL_VMA + KERNEL_PHYS,
				KERNEL_PHYS, 2 * PAGE_SIZE, 0, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, WINDOW_BASE, 0x80000000, PAGE_SIZE,
				PTE_W, false),
			 0);
	memcpy(was_used, fk.used, sizeof(was_used));
	for (unsigned i = 0; i < NFRAMES; i++) {
		if (fk.used[i]) {
			kernel_tables[nkernel++] = PHYS_BASE + i * PAGE_SIZE;
		}
	}

	/* user half: small pages in three PML4 slots, a large page */
	assert_int_equal(pt_map(&fk.a, pml4, USER_BASE, 0x20000000,
				3 * PAGE_SIZE, PTE_U | PTE_W, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, USER_BASE + 1 * GiB, 0x20100000,
				PAGE_SIZE, PTE_U, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, USER_STACK_TOP - 2 * PAGE_SIZE,
				0x20200000, 2 * PAGE_SIZE, PTE_U | PTE_W,
				false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, USER_TOP - PAGE_SIZE, 0x20300000,
				PAGE_SIZE, PTE_U, false),
			 0);
	assert_int_equal(
	    pt_map(&fk.a, pml4, 600 * GiB, 0x20400000, 2 * MiB, PTE_U, true),
	    0);
	memcpy(upper, l4 + 256, sizeof(upper));

	/* expected: every table made for the user half, each 4 KiB frame */
	for (unsigned i = 0; i < NFRAMES; i++) {
		if (fk.used[i] && !was_used[i]) {
			want[nwant++] = PHYS_BASE + i * PAGE_SIZE;
		}
	}
	/* PDPT, PD, PT for 0x400000; PD, PT at 1 GiB; PDPT, PD, PT for the
	 * stack; PD, PT for the top page (same PDPT); PDPT, PD at 600 GiB */
	assert_int_equal(nwant, 3 + 2 + 3 + 2 + 2);
	for (uint64_t i = 0; i < 3; i++) {
		want[nwant++] = 0x20000000 + i * PAGE_SIZE;
	}
	want[nwant++] = 0x20100000;
	want[nwant++] = 0x20200000;
	want[nwant++] = 0x20201000;
	want[nwant++] = 0x20300000;

	pt_free_user(&fk.a, pml4, fake_free);

	assert_int_equal(fk.nfreed, nwant);
	freed_sorted();
	qsort(want, nwant, sizeof(uint64_t), cmp_u64);
	assert_memory_equal(fk.freed, want, nwant * sizeof(uint64_t));
	for (unsigned i = 0; i < nkernel; i++) {
		for (unsigned k = 0; k < fk.nfreed; k++) {
			assert_int_not_equal(fk.freed[k], kernel_tables[i]);
		}
	}
	/* the user half is empty, the kernel half as it was */
	for (int i = 0; i < 256; i++) {
		assert_int_equal(l4[i], 0);
	}
	assert_memory_equal(l4 + 256, upper, sizeof(upper));
	expect_unmapped(pml4, USER_BASE);
	expect_unmapped(pml4, USER_TOP - PAGE_SIZE);
	expect_map(pml4, DMAP_BASE + 3 * MiB, 3 * MiB, PTE_P | PTE_W | PTE_PS);
	expect_map(pml4, DMAP_BASE + 0x10002000, 0x10002000, PTE_P | PTE_W);
	expect_map(pml4, KERNEL_VMA + KERNEL_PHYS + PAGE_SIZE,
		   KERNEL_PHYS + PAGE_SIZE, PTE_P);
	expect_map(pml4, WINDOW_BASE, 0x80000000, PTE_P | PTE_W);

	/* again: nothing left to free */
	fk.nfreed = 0;
	pt_free_user(&fk.a, pml4, fake_free);
	assert_int_equal(fk.nfreed, 0);
}

static bool fake_free_table(uint64_t phys)
{
	fake_free(phys);
	return true;
}

/* pt_prune: only tables that map nothing go, lowest level first; a
 * neighbour in the same table keeps it */
static void test_prune(void **state)
{
	uint64_t pml4 = new_pml4(), *l4 = tab(pml4);
	unsigned before = fk.nfreed;

	(void)state;
	/* two pages 2 MiB apart (two PTs, one PD, one PDPT) */
	assert_int_equal(pt_map(&fk.a, pml4, USER_BASE, 0x20000000,
				PAGE_SIZE, PTE_U | PTE_W, false),
			 0);
	assert_int_equal(pt_map(&fk.a, pml4, USER_BASE + 2 * MiB, 0x20001000,
				PAGE_SIZE, PTE_U | PTE_W, false),
			 0);
	/* still mapped: nothing goes */
	pt_prune(&fk.a, pml4, USER_BASE, fake_free_table);
	assert_int_equal(fk.nfreed, before);
	/* the first page gone: its PT goes, the PD stays (the other PT) */
	pt_unmap(&fk.a, pml4, USER_BASE, PAGE_SIZE);
	pt_prune(&fk.a, pml4, USER_BASE, fake_free_table);
	assert_int_equal(fk.nfreed, before + 1);
	expect_map(pml4, USER_BASE + 2 * MiB, 0x20001000,
		   PTE_P | PTE_U | PTE_W);
	/* pruning where nothing is left of the path does nothing more */
	pt_prune(&fk.a, pml4, USER_BASE, fake_free_table);
	assert_int_equal(fk.nfreed, before + 1);
	/* the second gone: its PT, the PD and the PDPT go, not the PML4 */
	pt_unmap(&fk.a, pml4, USER_BASE + 2 * MiB, PAGE_SIZE);
	pt_prune(&fk.a, pml4, USER_BASE + 2 * MiB, fake_free_table);
	assert_int_equal(fk.nfreed, before + 4);
	assert_int_equal(l4[(USER_BASE >> 39) & 511], 0);
	/* a large page keeps its PD */
	assert_int_equal(pt_map(&fk.a, pml4, USER_BASE, 0x20200000, 2 * MiB,
				PTE_U, true),
			 0);
	pt_prune(&fk.a, pml4, USER_BASE, fake_free_table);
	assert_int_equal(fk.nfreed, before + 4);
	expect_map(pml4, USER_BASE + PAGE_SIZE, 0x20201000, PTE_P | PTE_U | PTE_PS);
}

static void map_4k(uint64_t pml4, uint64_t va, uint64_t pa)
{
	assert_int_equal(
	    pt_map(&fk.a, pml4, va, pa, PAGE_SIZE, PTE_U | PTE_W, false), 0);
}

/* pt_prune looks for a present entry outwards from the one cleared: one
 * at the far end of the table, either way, still keeps the table */
static void test_prune_far(void **state)
{
	/* the first address of a PD's range (1 GiB aligned) */
	uint64_t at = (USER_BASE + GiB - 1) & ~(uint64_t)(GiB - 1);
	uint64_t pml4 = new_pml4(), last = at + 511 * PAGE_SIZE;
	uint64_t far_pd = at + 511 * 2 * MiB;
	unsigned before = fk.nfreed;

	(void)state;
	/* one PT: entries 0 and 511; each in turn goes, the other stays */
	map_4k(pml4, at, 0x20000000);
	map_4k(pml4, last, 0x20001000);
	pt_unmap(&fk.a, pml4, last, PAGE_SIZE);
	pt_prune(&fk.a, pml4, last, fake_free_table);
	assert_int_equal(fk.nfreed, before);
	expect_map(pml4, at, 0x20000000, PTE_P | PTE_U | PTE_W);
	map_4k(pml4, last, 0x20001000);
	pt_unmap(&fk.a, pml4, at, PAGE_SIZE);
	pt_prune(&fk.a, pml4, at, fake_free_table);
	assert_int_equal(fk.nfreed, before);
	expect_map(pml4, last, 0x20001000, PTE_P | PTE_U | PTE_W);
	/* one PD: its PT (entry 0) and a large page at entry 511 */
	assert_int_equal(pt_map(&fk.a, pml4, far_pd, 0x40000000, 2 * MiB,
				PTE_U, true),
			 0);
	pt_unmap(&fk.a, pml4, last, PAGE_SIZE);
	pt_prune(&fk.a, pml4, last, fake_free_table);
	assert_int_equal(fk.nfreed, before + 1); /* the PT only */
	expect_map(pml4, far_pd, 0x40000000, PTE_P | PTE_U | PTE_PS);
	/* the large page gone too: the PD and the PDPT go */
	pt_unmap(&fk.a, pml4, far_pd, 2 * MiB);
	pt_prune(&fk.a, pml4, far_pd, fake_free_table);
	assert_int_equal(fk.nfreed, before + 3);
	expect_unmapped(pml4, far_pd);
}

/* scan_slow: what pt_scan answers, by pt_translate page by page */
static uint64_t scan_slow(uint64_t pml4, uint64_t lo, uint64_t hi,
			  bool want_present, uint64_t phys, uint64_t flags)
{
	for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
		uint64_t f, pa = tr(pml4, va, &f);
		bool large = pa != UINT64_MAX && (f & PTE_PS);

		if (!want_present && pa == UINT64_MAX) {
			return va;
		}
		if (want_present && !large && pa == phys &&
		    (f & flags) == flags) {
			return va;
		}
	}
	return hi;
}

static void test_scan(void **state)
{
	uint64_t pml4 = new_pml4();
	const uint64_t base = USER_BASE, hi = USER_BASE + 8 * MiB;

	(void)state;
	/* nothing mapped: the first page is free, nothing matches */
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, false, 0, 0), base);
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, true, 0x20000000,
				 PTE_SHARED),
			 hi);
	/* 600 pages from base (across a page-table border), one marked */
	for (uint64_t i = 0; i < 600; i++) {
		assert_int_equal(pt_map(&fk.a, pml4, base + i * PAGE_SIZE,
					0x20000000 + i * PAGE_SIZE, PAGE_SIZE,
					PTE_U | (i == 555 ? PTE_SHARED : 0),
					false),
				 0);
	}
	/* a 2 MiB page further up: neither free nor a 4 KiB match */
	assert_int_equal(pt_map(&fk.a, pml4, base + 4 * MiB, 0x30000000,
				2 * MiB, PTE_U, true),
			 0);
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, false, 0, 0),
			 base + 600 * PAGE_SIZE);
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, true,
				 0x20000000 + 555 * PAGE_SIZE, PTE_SHARED),
			 base + 555 * PAGE_SIZE);
	/* the right frame without the flag, or not page-aligned: no match */
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, true,
				 0x20000000 + 554 * PAGE_SIZE, PTE_SHARED),
			 hi);
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, true,
				 0x20000000 + 555 * PAGE_SIZE + 8, PTE_SHARED),
			 hi);
	/* a hole: found from below it, not from above it */
	pt_unmap(&fk.a, pml4, base + 100 * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(pt_scan(&fk.a, pml4, base, hi, false, 0, 0),
			 base + 100 * PAGE_SIZE);
	assert_int_equal(pt_scan(&fk.a, pml4, base + 101 * PAGE_SIZE, hi,
				 false, 0, 0),
			 base + 600 * PAGE_SIZE);
	/* inside the large page nothing is free; past it, all is */
	assert_int_equal(pt_scan(&fk.a, pml4, base + 4 * MiB, hi, false, 0, 0),
			 base + 6 * MiB);
	/* every start agrees with the page-by-page walk */
	for (uint64_t lo = base; lo < hi; lo += 37 * PAGE_SIZE) {
		assert_int_equal(pt_scan(&fk.a, pml4, lo, hi, false, 0, 0),
				 scan_slow(pml4, lo, hi, false, 0, 0));
		assert_int_equal(
		    pt_scan(&fk.a, pml4, lo, hi, true,
			    0x20000000 + 555 * PAGE_SIZE, PTE_SHARED),
		    scan_slow(pml4, lo, hi, true, 0x20000000 + 555 * PAGE_SIZE,
			      PTE_SHARED));
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_map_4k),
	    T(test_map_kernel_half),
	    T(test_map_large),
	    T(test_map_large_needs_alignment),
	    T(test_map_over_large),
	    T(test_unmap),
	    T(test_unmap_top_of_space),
	    T(test_translate_upper_levels),
	    T(test_nomem),
	    T(test_free_user),
	    T(test_prune),
	    T(test_prune_far),
	    T(test_scan),
	};
#undef T

	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
