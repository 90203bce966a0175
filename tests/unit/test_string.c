// SPDX-License-Identifier: MIT
/*
 * The shared memcpy, memmove and memset (libos/base/string.c), which move
 * 8 bytes a step and the rest byte-wise: every length 0..80 at every
 * source and destination alignment 0..15, against plain byte loops, with
 * guard bytes around the destination; memmove both ways over overlaps
 * of every distance. The object is built with the functions renamed
 * os_* so that the host's C library keeps its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

void *os_memcpy(void *dst, const void *src, size_t n);
void *os_memmove(void *dst, const void *src, size_t n);
void *os_memset(void *dst, int c, size_t n);

#define ROOM 128

static void fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		b[i] = (unsigned char)(seed * 131 + i * 7 + 1);
	}
}

static void test_memcpy(void **state)
{
	unsigned char src[ROOM], dst[ROOM], want[ROOM];

	(void)state;
	for (size_t sa = 0; sa < 16; sa++) {
		for (size_t da = 0; da < 16; da++) {
			for (size_t n = 0; n <= 80; n++) {
				fill(src, ROOM, (unsigned)(sa + n));
				fill(dst, ROOM, 99);
				fill(want, ROOM, 99);
				for (size_t i = 0; i < n; i++) {
					want[da + i] = src[sa + i];
				}
				assert_ptr_equal(os_memcpy(dst + da, src + sa, n),
						 dst + da);
				assert_memory_equal(dst, want, ROOM);
			}
		}
	}
}

static void test_memset(void **state)
{
	unsigned char dst[ROOM], want[ROOM];

	(void)state;
	for (size_t da = 0; da < 16; da++) {
		for (size_t n = 0; n <= 80; n++) {
			int c = (int)(0x1a5 + n); /* only the low byte counts */

			fill(dst, ROOM, 7);
			fill(want, ROOM, 7);
			for (size_t i = 0; i < n; i++) {
				want[da + i] = (unsigned char)c;
			}
			assert_ptr_equal(os_memset(dst + da, c, n), dst + da);
			assert_memory_equal(dst, want, ROOM);
		}
	}
}

static void test_memmove_overlaps(void **state)
{
	unsigned char buf[ROOM], want[ROOM], tmp[ROOM];

	(void)state;
	for (size_t from = 0; from < 24; from++) {
		for (size_t to = 0; to < 24; to++) {
			for (size_t n = 0; n <= 80; n++) {
				fill(buf, ROOM, (unsigned)(from * 3 + to));
				fill(want, ROOM, (unsigned)(from * 3 + to));
				for (size_t i = 0; i < n; i++) {
					tmp[i] = want[from + i];
				}
				for (size_t i = 0; i < n; i++) {
					want[to + i] = tmp[i];
				}
				assert_ptr_equal(
				    os_memmove(buf + to, buf + from, n), buf + to);
				assert_memory_equal(buf, want, ROOM);
			}
		}
	}
}

/* the direction flag is clear again after a backward move (the ABI
 * requires it; a string instruction after it would run backwards) */
static void test_direction_flag_cleared(void **state)
{
	unsigned char buf[64];
	uint64_t flags;

	(void)state;
	fill(buf, sizeof(buf), 3);
	os_memmove(buf + 9, buf, 40);
	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	assert_int_equal(flags & 0x400, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memcpy),
	    cmocka_unit_test(test_memset),
	    cmocka_unit_test(test_memmove_overlaps),
	    cmocka_unit_test(test_direction_flag_cleared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
