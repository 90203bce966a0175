/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the kernel's access to user memory (cpudriver/
 * usercopy.c) over real page tables (cpudriver/arch/x86_64/paging.c),
 * set up as in tests/unit/test_usercopy.c: "physical" addresses are host
 * addresses, the target's user_ptr walks the tables like the MMU, and the
 * host protection of each user page follows its entry (user-writable
 * pages read-write, user read-only pages read-only, the rest PROT_NONE),
 * so touching a page usercopy.c should have refused faults.
 *
 * Input: 3 bytes of page flags, 2 bits a page for the 9 pages of three
 * windows (page 0 and 1; 4 pages at USER_BASE; the last two user pages
 * and the page at USER_TOP): 0 unmapped, 1 kernel-only, 2 user read-only,
 * 3 user read-write. Then operations of 18 bytes: kind, where, and two
 * 64-bit words a and b that give the address (an offset around a window,
 * or a itself) and the length (small, b itself, ending around USER_TOP or
 * around 2^64, or 0). Each is user_range_ok for reading and writing,
 * copy_in, copy_out or copy_str.
 *
 * Checked against a model written apart from the code: a range is allowed
 * iff it is empty, or lies in [PAGE_SIZE, USER_TOP) without wrapping and
 * every page it touches is mapped user (and writable, for writes); the
 * copies return 0 and move exactly the bytes, or E_FAULT (E_TOOBIG,
 * E_INVAL for copy_str) and change nothing; user memory is compared with
 * a shadow copy after every operation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/errors.h"
#include "proc.h"
#include "usercopy.h"
#include "host_mmu.h"
#include <arch/memlayout.h>
#include <arch/paging.h>

#define P PAGE_SIZE
#define WIN_PAGES 4
#define BUF (6 * P)
#define OP_BYTES 18
#define MAX_OPS 64

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz_usercopy: %s:%d: %s\n",          \
				__FILE__, __LINE__, #c);                       \
			abort();                                               \
		}                                                              \
	} while (0)

struct window {
	uint64_t va;
	unsigned npages;
	uint8_t *host;
	uint64_t flags[WIN_PAGES];     /* 0: unmapped */
	uint8_t shadow[WIN_PAGES * P]; /* what user memory should hold */
};

enum { NWIN = 3 };
static struct window win[NWIN] = {
    {.va = 0, .npages = 2},
    {.va = USER_BASE, .npages = 4},
    {.va = USER_TOP - 2 * P, .npages = 3},
};
static uint8_t pattern[WIN_PAGES * P];
static uint8_t buf[BUF], src[BUF], fives[BUF];

static void init_once(void)
{
	static bool done;

	if (done) {
		return;
	}
	done = true;
	for (int i = 0; i < NWIN; i++) {
		uint8_t *m = mmap(NULL, (win[i].npages + 2) * P, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(m != MAP_FAILED);
		win[i].host = m + P;
	}
	for (size_t i = 0; i < sizeof(pattern); i++) {
		pattern[i] = (uint8_t)(i * 131 + (i >> 12) * 7 + 1);
	}
	memset(fives, 0x5a, BUF);
}

static const uint64_t page_flags[4] = {0, PTE_W, PTE_U, PTE_U | PTE_W};

static int prot_of(uint64_t flags)
{
	if (!(flags & PTE_U)) {
		return PROT_NONE;
	}
	return flags & PTE_W ? PROT_READ | PROT_WRITE : PROT_READ;
}

static void map_all(const uint8_t *fl)
{
	unsigned k = 0;

	host_mmu_start();
	for (int i = 0; i < NWIN; i++) {
		struct window *w = &win[i];

		CHECK(mprotect(w->host, w->npages * P,
			       PROT_READ | PROT_WRITE) == 0);
		memcpy(w->host, pattern, w->npages * P);
		memcpy(w->shadow, pattern, w->npages * P);
		for (unsigned j = 0; j < w->npages; j++, k++) {
			unsigned c = (fl[k / 4] >> (2 * (k % 4))) & 3;

			w->flags[j] = 0;
			if (c) {
				CHECK(pt_map(&kpt, host_mmu_pml4(), w->va + j * P,
					     (uint64_t)(uintptr_t)(w->host +
								   j * P),
					     P, page_flags[c], false) == 0);
				w->flags[j] = page_flags[c] | PTE_P;
			}
			CHECK(mprotect(w->host + j * P, P,
				       prot_of(w->flags[j])) == 0);
		}
	}
}

/* find: the window page holding va, or NULL (*off its offset) */
static struct window *find(uint64_t va, uint64_t *off)
{
	for (int i = 0; i < NWIN; i++) {
		if (va >= win[i].va && va - win[i].va < win[i].npages * P) {
			*off = va - win[i].va;
			return &win[i];
		}
	}
	return NULL;
}

/* allowed: the model */
static bool allowed(uint64_t va, uint64_t len, bool write)
{
	uint64_t need = write ? PTE_U | PTE_W : PTE_U, off;
	struct window *w;

	if (len == 0) {
		return true;
	}
	if (va < P || va >= USER_TOP || len > USER_TOP - va) {
		return false;
	}
	for (uint64_t n = 0; n < len + (va % P); n += P) {
		w = find(va - va % P + n, &off);
		if (!w || (w->flags[off / P] & need) != need) {
			return false;
		}
	}
	return true;
}

/* shadow: the shadow bytes of an allowed range (inside one window) */
static uint8_t *shadow(uint64_t va, uint64_t len)
{
	uint64_t off;
	struct window *w = find(va, &off);

	CHECK(w && len <= w->npages * P - off);
	return w->shadow + off;
}

static void check_memory(void)
{
	for (int i = 0; i < NWIN; i++) {
		for (unsigned j = 0; j < win[i].npages; j++) {
			if (win[i].flags[j] & PTE_U) {
				CHECK(memcmp(win[i].host + j * P,
					     win[i].shadow + j * P, P) == 0);
			}
		}
	}
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void op_copy_str(uint64_t va, uint64_t len, size_t size)
{
	char *b = (char *)buf;
	int want;

	memset(buf, 0x5a, size + 1);
	if (len >= size) {
		want = E_TOOBIG;
	} else if (!allowed(va, len, false)) {
		want = E_FAULT;
	} else if (len && memchr(shadow(va, len), 0, len)) {
		want = E_INVAL;
	} else {
		want = 0;
	}
	CHECK(copy_str(b, size, va, len) == want);
	if (want == 0) {
		CHECK(len == 0 || memcmp(b, shadow(va, len), len) == 0);
		CHECK(b[len] == 0);
	}
	if (want == E_TOOBIG || want == E_FAULT) {
		CHECK(memcmp(buf, fives, size + 1) == 0);
	}
}

static void op(const uint8_t *d)
{
	unsigned kind = d[0], where = d[1];
	uint64_t a = u64(d + 2), b = u64(d + 10), va, len;
	bool ok_r, ok_w;

	if (where % 4 < NWIN) {
		struct window *w = &win[where % 4];

		va = w->va - P + a % ((w->npages + 2) * P);
	} else {
		va = a;
	}
	switch (kind & 7) {
	case 4:
		len = b;
		break;
	case 5: /* ending around USER_TOP */
		len = USER_TOP - va + b % 5 - 2;
		break;
	case 6: /* ending around 2^64 */
		len = 0 - va + b % 5 - 2;
		break;
	case 7:
		len = 0;
		break;
	default:
		len = b % (BUF - P);
	}
	ok_r = allowed(va, len, false);
	ok_w = allowed(va, len, true);
	CHECK(user_range_ok(va, len, false) == ok_r);
	CHECK(user_range_ok(va, len, true) == ok_w);
	switch ((kind >> 3) & 3) {
	case 0:
		memset(buf, 0x5a, BUF);
		CHECK(copy_in(buf, va, len) == (ok_r ? 0 : E_FAULT));
		if (ok_r) {
			CHECK(len == 0 ||
			      memcmp(buf, shadow(va, len), len) == 0);
			CHECK(memcmp(buf + len, fives, BUF - len) == 0);
		} else {
			CHECK(memcmp(buf, fives, BUF) == 0);
		}
		break;
	case 1:
		for (size_t i = 0; i < BUF && i < len; i++) {
			src[i] = (uint8_t)(i ^ b ^ kind);
		}
		CHECK(copy_out(va, src, len) == (ok_w ? 0 : E_FAULT));
		if (ok_w && len) {
			memcpy(shadow(va, len), src, len);
		}
		break;
	default:
		op_copy_str(va, len, (size_t)(b >> 56) % 64);
	}
	check_memory();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned n = 0;

	if (size < 3) {
		return 0;
	}
	init_once();
	map_all(data);
	for (size_t o = 3; o + OP_BYTES <= size && n < MAX_OPS;
	     o += OP_BYTES, n++) {
		op(data + o);
	}
	host_mmu_stop();
	return 0;
}
