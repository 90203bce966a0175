/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the kernel's access to user memory (cpudriver/usercopy.c)
 * over real x86-64 page tables (cpudriver/arch/x86_64/paging.c).
 *
 * "Physical" addresses are host addresses: table frames are page-aligned
 * host allocations (kpt's p2v is the identity), and a user page is mapped
 * with pt_map to the host page that holds its bytes. The test's user_ptr
 * (the hook usercopy.c reaches user memory through, the identity in the
 * kernel) plays the MMU: it walks the current process's tables with
 * pt_translate, as the CPU would while the process's address space is
 * loaded. User pages live in three windows of user addresses (low: page 0
 * and 1; mid: at USER_BASE; top: the last two user pages and the page at
 * USER_TOP), each a host mapping with a PROT_NONE page on either side,
 * whose host protection follows the page-table entry: user-writable pages
 * are read-write, user read-only pages read-only, kernel-only and unmapped
 * pages PROT_NONE. So usercopy.c touching a page it should have refused
 * faults (ASan reports it) even where no assertion would notice.
 *
 * Each case checks user_range_ok first (a wrong answer fails there, before
 * any copy), then the copies: their result, the bytes copied, and that a
 * refused copy left its destination untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/errors.h"
#include "kernel.h"
#include "proc.h"
#include "usercopy.h"
#include "host_mmu.h"
#include <arch/memlayout.h>
#include <arch/paging.h>

#define P PAGE_SIZE
#define WIN_PAGES 4
#define UW (PTE_U | PTE_W)
#define KW PTE_W /* kernel-only, writable */
#define UR PTE_U /* user read-only */

struct window {
	uint64_t va; /* user address of its first page */
	unsigned npages;
	uint8_t *host;		   /* host memory of the first page */
	uint64_t flags[WIN_PAGES]; /* as mapped; 0 = not mapped */
};

enum { W_LOW, W_MID, W_TOP, NWIN };
static struct window win[NWIN] = {
    [W_LOW] = {.va = 0, .npages = 2},
    [W_MID] = {.va = USER_BASE, .npages = 4},
    [W_TOP] = {.va = USER_TOP - 2 * P, .npages = 3},
};

/* pattern: what user address va holds until something writes it */
static uint8_t pattern(uint64_t va)
{
	return (uint8_t)(va * 131 + (va >> 12) * 7 + 1);
}

static uint8_t *host_of(uint64_t va)
{
	for (int i = 0; i < NWIN; i++) {
		if (va >= win[i].va && va - win[i].va < win[i].npages * P) {
			return win[i].host + (va - win[i].va);
		}
	}
	fail_msg("%#llx: in no window", (unsigned long long)va);
	return NULL;
}

static int prot_of(uint64_t flags)
{
	if (!(flags & PTE_U)) {
		return PROT_NONE;
	}
	return flags & PTE_W ? PROT_READ | PROT_WRITE : PROT_READ;
}

/* map: page i of window w mapped with flags (PTE_U/PTE_W) */
static void map(int w, unsigned i, uint64_t flags)
{
	struct window *x = &win[w];
	uint64_t va = x->va + i * P;

	assert_true(i < x->npages);
	assert_int_equal(pt_map(&kpt, host_mmu_pml4(), va,
				(uint64_t)(uintptr_t)(x->host + i * P), P,
				flags, false),
			 0);
	x->flags[i] = flags | PTE_P;
	assert_int_equal(mprotect(x->host + i * P, P, prot_of(flags)), 0);
}

static int setup(void **state)
{
	(void)state;
	host_mmu_start(); /* every host address this core's own memory */
	for (int i = 0; i < NWIN; i++) {
		struct window *x = &win[i];
		size_t size = (x->npages + 2) * P;
		uint8_t *m = mmap(NULL, size, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(m != MAP_FAILED);
		x->host = m + P;
		memset(x->flags, 0, sizeof(x->flags));
		assert_int_equal(
		    mprotect(x->host, x->npages * P, PROT_READ | PROT_WRITE),
		    0);
		for (uint64_t o = 0; o < x->npages * P; o++) {
			x->host[o] = pattern(x->va + o);
		}
		assert_int_equal(mprotect(x->host, x->npages * P, PROT_NONE),
				 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NWIN; i++) {
		munmap(win[i].host - P, (win[i].npages + 2) * P);
	}
	host_mmu_stop();
	return 0;
}

/* expect_user: every readable page of every window holds its pattern,
 * except [va, va+len) which holds src (len 0: nothing written) */
static void expect_user(uint64_t va, const uint8_t *src, uint64_t len)
{
	for (int i = 0; i < NWIN; i++) {
		struct window *x = &win[i];

		for (uint64_t o = 0; o < x->npages * P; o++) {
			uint64_t a = x->va + o;
			uint8_t want = pattern(a);

			if (!(x->flags[o / P] & PTE_U)) {
				o += P - 1; /* not readable from here */
				continue;
			}
			if (a >= va && a - va < len) {
				want = src[a - va];
			}
			if (x->host[o] != want) {
				fail_msg("user byte %#llx is %#x, not %#x",
					 (unsigned long long)a, x->host[o],
					 want);
			}
		}
	}
}

static void expect_pristine(void)
{
	expect_user(0, NULL, 0);
}

#define BUF (5 * P)
static uint8_t buf[BUF], src[BUF];

static void fill(uint8_t *b, uint8_t v)
{
	memset(b, v, BUF);
}

static void expect_filled(const uint8_t *b, uint8_t v)
{
	for (size_t i = 0; i < BUF; i++) {
		if (b[i] != v) {
			fail_msg(
			    "buffer byte %zu is %#x, not %#x: written by a "
			    "refused copy",
			    i, b[i], v);
		}
	}
}

/* expect_range: user_range_ok(va, len, write) is want */
static void expect_range(uint64_t va, uint64_t len, bool write, bool want)
{
	if (user_range_ok(va, len, write) != want) {
		fail_msg("user_range_ok(%#llx, %#llx, %s) is %s",
			 (unsigned long long)va, (unsigned long long)len,
			 write ? "write" : "read", want ? "false" : "true");
	}
}

/* expect_ok: [va, va+len) (len <= BUF) reads as its pattern through
 * copy_in, and, if write, copy_out puts src there and nothing else (then
 * the pattern back) */
static void expect_ok(uint64_t va, uint64_t len, bool write)
{
	expect_range(va, len, false, true);
	fill(buf, 0x5a);
	assert_int_equal(copy_in(buf, va, len), 0);
	for (uint64_t i = 0; i < len; i++) {
		assert_int_equal(buf[i], pattern(va + i));
	}
	for (uint64_t i = len; i < BUF; i++) {
		assert_int_equal(buf[i], 0x5a);
	}
	if (!write) {
		return;
	}
	expect_range(va, len, true, true);
	for (uint64_t i = 0; i < len; i++) {
		src[i] = (uint8_t)~pattern(va + i);
	}
	assert_int_equal(copy_out(va, src, len), 0);
	expect_user(va, src, len);
	/* and back, for the next check */
	for (uint64_t i = 0; i < len; i++) {
		src[i] = pattern(va + i);
	}
	assert_int_equal(copy_out(va, src, len), 0);
	expect_pristine();
}

/* expect_refused: [va, va+len) is refused for writing, and for reading
 * too unless read_ok; refused copies change nothing */
static void expect_refused(uint64_t va, uint64_t len, bool read_ok)
{
	expect_range(va, len, true, false);
	if (!read_ok) {
		expect_range(va, len, false, false);
		fill(buf, 0x5a);
		assert_int_equal(copy_in(buf, va, len), E_FAULT);
		expect_filled(buf, 0x5a);
	}
	fill(src, 0xc3);
	assert_int_equal(copy_out(va, src, len), E_FAULT);
	expect_pristine();
}

static const uint64_t mid = USER_BASE;

/* host address of user address va, as a frame number would be */
static uint64_t frame_of(uint64_t va)
{
	return (uint64_t)(uintptr_t)host_of(va);
}

/* user_image_frame: a list in one writable page of the image is found,
 * its page kept; the kept page is used without a walk (shown by
 * unmapping it behind the cache's back) until another page is asked */
static void test_image_frame_kept(void **state)
{
	uint64_t page = 0, pa = 0;

	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, UW);
	assert_int_equal(user_image_frame(mid + 0x40, 64, &page, &pa),
			 frame_of(mid + 0x40));
	assert_int_equal(page, mid);
	assert_int_equal(pa, frame_of(mid));
	pt_unmap(&kpt, host_mmu_pml4(), mid, P);
	win[W_MID].flags[0] = 0;
	assert_int_equal(user_image_frame(mid + 0x80, 8, &page, &pa),
			 frame_of(mid + 0x80));
	/* another page: looked up (and kept) */
	assert_int_equal(user_image_frame(mid + P + 8, 8, &page, &pa),
			 frame_of(mid + P + 8));
	assert_int_equal(page, mid + P);
	/* back to the first, now unmapped: refused, the kept page stays */
	assert_int_equal(user_image_frame(mid + 8, 8, &page, &pa), UINT64_MAX);
	assert_int_equal(page, mid + P);
	/* nothing kept yet: an unmapped page is refused */
	page = pa = 0;
	assert_int_equal(user_image_frame(mid + 8, 8, &page, &pa), UINT64_MAX);
	assert_int_equal(page, 0);
}

/* what is not one writable, own, unshared image page is refused, and
 * nothing is kept for it */
static void test_image_frame_refused(void **state)
{
	uint64_t page = 0, pa = 0;

	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, UW);
	map(W_MID, 2, UR);
	map(W_MID, 3, KW);
	/* across two pages, even both fine */
	assert_int_equal(user_image_frame(mid + P - 8, 16, &page, &pa),
			 UINT64_MAX);
	assert_int_equal(user_image_frame(mid + 8, 0, &page, &pa), UINT64_MAX);
	assert_int_equal(user_image_frame(UINT64_MAX - 4, 8, &page, &pa),
			 UINT64_MAX);
	/* read-only, kernel-only */
	assert_int_equal(user_image_frame(mid + 2 * P, 8, &page, &pa),
			 UINT64_MAX);
	assert_int_equal(user_image_frame(mid + 3 * P, 8, &page, &pa),
			 UINT64_MAX);
	/* below the image, and the heap and above (not the image) */
	assert_int_equal(user_image_frame(P, 8, &page, &pa), UINT64_MAX);
	assert_int_equal(user_image_frame(USER_TOP - P, 8, &page, &pa),
			 UINT64_MAX);
	/* a shared frame (a channel's, a boot module's) */
	pt_unmap(&kpt, host_mmu_pml4(), mid + P, P);
	map(W_MID, 1, UW | PTE_SHARED);
	assert_int_equal(user_image_frame(mid + P, 8, &page, &pa), UINT64_MAX);
	/* memory that is not this core's */
	self.part_base = self.part_end = 0;
	assert_int_equal(user_image_frame(mid, 8, &page, &pa), UINT64_MAX);
	assert_int_equal(page, 0);
	self.part_end = UINT64_MAX;
	assert_int_equal(user_image_frame(mid, 8, &page, &pa), frame_of(mid));
}

static void test_one_page(void **state)
{
	(void)state;
	map(W_MID, 0, UW);
	expect_ok(mid + 0x10, 100, true);
	expect_ok(mid, P, true);
	expect_ok(mid + P - 1, 1, true);
}

static void test_across_mapped_pages(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		map(W_MID, i, UW);
	}
	expect_ok(mid + P - 8, 16, true);
	expect_ok(mid + 0x123, 3 * P + 7, true);
	expect_ok(mid, 4 * P, true);
}

static void test_into_unmapped(void **state)
{
	(void)state;
	map(W_MID, 0, UW);
	expect_refused(mid + P - 8, 16, false);
	expect_refused(mid + P - 1, 2, false);
	expect_refused(mid + 0x10, P, false);
	expect_refused(mid + P, 8, false);
	/* the page before the window is unmapped too */
	expect_refused(mid - 8, 16, false);
	expect_ok(mid + P - 8, 8, true);
}

/* a hole in the middle: every page of the range is checked, not only
 * the first and the last */
static void test_hole_inside(void **state)
{
	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, UW);
	map(W_MID, 3, UW);
	expect_refused(mid, 4 * P, false);
	expect_refused(mid + 0x800, 3 * P, false);
	map(W_MID, 2, KW);
	expect_refused(mid, 4 * P, false);
	map(W_MID, 2, UR);
	expect_refused(mid, 4 * P, true);
	expect_ok(mid, 4 * P, false);
}

static void test_into_kernel_only(void **state)
{
	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, KW);
	map(W_MID, 2, UW);
	expect_refused(mid + P - 8, 16, false);
	expect_refused(mid + P, 1, false);
	expect_refused(mid + 2 * P - 8, 16, false);
	expect_refused(mid, 3 * P, false);
	/* kernel-only and read-only (no PTE_W either) */
	map(W_MID, 1, 0);
	expect_refused(mid + P + 0x40, 0x40, false);
}

static void test_copy_out_read_only(void **state)
{
	(void)state;
	map(W_MID, 0, UR);
	map(W_MID, 1, UW);
	map(W_MID, 2, UR);
	expect_refused(mid + 0x10, 100, true);
	expect_ok(mid + 0x10, 100, false);
	/* writable, then read-only: nothing written to the writable part */
	expect_refused(mid + 2 * P - 8, 16, true);
	expect_refused(mid + P - 8, 16, true);
	expect_ok(mid + P - 8, 2 * P, false);
	expect_ok(mid + P + 8, 100, true);
}

static void test_wrap_around(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		map(W_MID, i, UW);
	}
	/* from a mapped page, around 2^64, to end at a small address */
	expect_refused(mid, (0 - mid) + P, false);
	expect_refused(mid + 8, UINT64_MAX, false);
	/* end exactly 2^64 (va + len == 0) */
	expect_refused(mid, 0 - mid, false);
	/* from the top of the address space over 2^64 */
	expect_refused(UINT64_MAX - 7, 16, false);
	expect_refused(0 - P, 2 * P, false);
	expect_refused(UINT64_MAX, UINT64_MAX, false);
	expect_pristine();
}

static void test_len_zero(void **state)
{
	static const uint64_t vas[] = {
	    0,		1,	   P - 1,	 mid,
	    mid + P,	USER_TOP,  USER_TOP + 5, 0x800000000000ull,
	    KERNEL_VMA, UINT64_MAX};

	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, KW);
	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
		assert_true(user_range_ok(vas[i], 0, false));
		assert_true(user_range_ok(vas[i], 0, true));
		fill(buf, 0x5a);
		assert_int_equal(copy_in(buf, vas[i], 0), 0);
		expect_filled(buf, 0x5a);
		assert_int_equal(copy_out(vas[i], src, 0), 0);
		expect_pristine();
	}
}

/* page 0 is never user memory, even where the tables map it */
static void test_page_zero(void **state)
{
	(void)state;
	map(W_LOW, 0, UW);
	map(W_LOW, 1, UW);
	expect_refused(0, 8, false);
	expect_refused(0, P, false);
	expect_refused(8, 8, false);
	expect_refused(P - 1, 1, false);
	expect_refused(P - 8, 16, false);
	expect_ok(P, 8, true);
	expect_ok(P, P, true);
}

/* the page at USER_TOP is never user memory, even where mapped */
static void test_user_top(void **state)
{
	(void)state;
	map(W_TOP, 0, UW);
	map(W_TOP, 1, UW);
	map(W_TOP, 2, UW);
	expect_ok(USER_TOP - 16, 16, true);
	expect_ok(USER_TOP - 1, 1, true);
	expect_ok(USER_TOP - 2 * P, 2 * P, true);
	expect_refused(USER_TOP - 16, 17, false);
	expect_refused(USER_TOP - 2 * P, 2 * P + 1, false);
	expect_refused(USER_TOP, 1, false);
	expect_refused(USER_TOP, P, false);
	expect_refused(USER_TOP + P - 1, 1, false);
}

static void test_very_large_len(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		map(W_MID, i, UW);
	}
	map(W_TOP, 0, UW);
	map(W_TOP, 1, UW);
	expect_refused(mid, 1ull << 40, false);
	expect_refused(mid, USER_TOP - mid, false);
	expect_refused(mid, USER_TOP - mid + 1, false);
	expect_refused(mid, 1ull << 63, false);
	expect_refused(mid, UINT64_MAX - mid, false);
	expect_refused(P, USER_TOP - P, false);
	expect_refused(USER_TOP - 2 * P, 1ull << 47, false);
	expect_refused(USER_TOP - 2 * P, UINT64_MAX, false);
}

/* put: s (n bytes, NULs allowed) at user address va, through the host */
static void put(uint64_t va, const char *s, size_t n)
{
	memcpy(host_of(va), s, n);
}

static void test_copy_str(void **state)
{
	char b[8];
	const uint64_t va = mid + 0x100;

	(void)state;
	map(W_MID, 0, UW);
	map(W_MID, 1, UW);
	put(va, "abcdefghij", 10);

	/* exactly size-1 bytes: fits, NUL-terminated */
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(copy_str(b, sizeof(b), va, 7), 0);
	assert_memory_equal(b, "abcdefg", 8);
	/* fewer, and none */
	assert_int_equal(copy_str(b, sizeof(b), va, 3), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(copy_str(b, sizeof(b), va, 0), 0);
	assert_string_equal(b, "");

	/* len >= size: too big, nothing copied */
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(copy_str(b, sizeof(b), va, 8), E_TOOBIG);
	assert_int_equal(copy_str(b, sizeof(b), va, 9), E_TOOBIG);
	assert_int_equal(copy_str(b, sizeof(b), va, UINT64_MAX), E_TOOBIG);
	assert_int_equal(copy_str(b, sizeof(b), va, 1ull << 32), E_TOOBIG);
	for (size_t i = 0; i < sizeof(b); i++) {
		assert_int_equal((uint8_t)b[i], 0x5a);
	}

	/* an embedded NUL: first, middle, last byte */
	put(va, "ab\0de", 5);
	assert_int_equal(copy_str(b, sizeof(b), va, 5), E_INVAL);
	put(va, "\0bcd", 4);
	assert_int_equal(copy_str(b, sizeof(b), va, 4), E_INVAL);
	put(va, "abc\0", 4);
	assert_int_equal(copy_str(b, sizeof(b), va, 4), E_INVAL);
	/* the NUL just past the string does not count */
	assert_int_equal(copy_str(b, sizeof(b), va, 3), 0);
	assert_string_equal(b, "abc");

	/* across a page boundary, and into an unmapped page */
	put(mid + P - 3, "xyzuvw", 6);
	assert_int_equal(copy_str(b, sizeof(b), mid + P - 3, 6), 0);
	assert_string_equal(b, "xyzuvw");
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(copy_str(b, sizeof(b), mid + 2 * P - 3, 6), E_FAULT);
	assert_int_equal(copy_str(b, sizeof(b), 0, 6), E_FAULT);
	assert_int_equal(copy_str(b, sizeof(b), UINT64_MAX - 2, 6), E_FAULT);
	for (size_t i = 0; i < sizeof(b); i++) {
		assert_int_equal((uint8_t)b[i], 0x5a);
	}
	/* a size of 0 holds nothing, not even the NUL */
	assert_int_equal(copy_str(b, 0, va, 0), E_TOOBIG);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_one_page),	      T(test_across_mapped_pages),
	    T(test_into_unmapped),    T(test_hole_inside),
	    T(test_into_kernel_only), T(test_copy_out_read_only),
	    T(test_wrap_around),      T(test_len_zero),
	    T(test_page_zero),	      T(test_user_top),
	    T(test_very_large_len),   T(test_copy_str),
	    T(test_image_frame_kept), T(test_image_frame_refused),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
