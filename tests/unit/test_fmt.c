/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the small formatter (libos/base/fmt.c) against the host C
 * library's vsnprintf, for every conversion fmt.h promises.
 *
 * Every case is checked twice: the whole output in a roomy buffer, then
 * the truncated output at every buffer size from 0 to one past the full
 * length, each in a heap buffer of exactly that size, so AddressSanitizer
 * catches a single byte written past `size`. The return value must be the
 * full length every time, and the buffer NUL-terminated whenever size > 0.
 *
 * fmt.h is included by path: libos/include also holds libos's own
 * string.h and stdio.h (whose snprintf is #defined to fmt_snprintf), which
 * must not replace the host's here. Only fmt.c is compiled with
 * -Ilibos/include (see SConscript); it includes nothing they shadow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../libos/include/fmt.h"

static unsigned long checked;

static void check_sizes(const char *want, int n, const char *fmt, va_list ap)
{
	for (size_t size = 0; size <= (size_t)n + 1; size++) {
		/* malloc(0) too: ASan knows it has no byte at all */
		char *buf = malloc(size);
		size_t keep = size > (size_t)n ? (size_t)n : size - 1;
		va_list aq;
		int r;

		assert_non_null(buf);
		memset(buf, 'Z', size);
		va_copy(aq, ap);
		r = fmt_vsnprintf(buf, size, fmt, aq);
		va_end(aq);
		if (r != n) {
			free(buf);
			fail_msg("fmt \"%s\" size %zu: returned %d, want %d",
				 fmt, size, r, n);
		}
		if (size > 0 &&
		    (memcmp(buf, want, keep) != 0 || buf[keep] != 0)) {
			print_error("fmt \"%s\" size %zu: wrote \"%.*s\", "
				    "want \"%.*s\"\n",
				    fmt, size, (int)keep, buf, (int)keep, want);
			free(buf);
			fail();
		}
		free(buf);
	}
}

/* check: fmt_snprintf(fmt, ...) must agree with the host's snprintf */
static void __attribute__((format(printf, 1, 2))) check(const char *fmt, ...)
{
	char want[512], got[512];
	va_list ap, aq;
	int n, r;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(want, sizeof(want), fmt, aq);
	va_end(aq);
	assert_true(n >= 0 && n < (int)sizeof(want));

	memset(got, 'Z', sizeof(got));
	va_copy(aq, ap);
	r = fmt_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	if (r != n || memcmp(got, want, (size_t)n + 1) != 0) {
		fail_msg("fmt \"%s\": got %d \"%s\", host %d \"%s\"", fmt, r,
			 got, n, want);
	}
	/* nothing past the NUL */
	assert_int_equal(got[n + 1], 'Z');
	check_sizes(want, n, fmt, ap);
	va_end(ap);
	checked++;
}

/* expect: fmt_snprintf(fmt, ...) must give exactly want */
static void __attribute__((format(printf, 2, 3)))
expect(const char *want, const char *fmt, ...)
{
	char got[256];
	va_list ap, aq;
	int r;

	va_start(ap, fmt);
	va_copy(aq, ap);
	r = fmt_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	if (r != (int)strlen(want) || strcmp(got, want) != 0) {
		fail_msg("fmt \"%s\": got %d \"%s\", want \"%s\"", fmt, r, got,
			 want);
	}
	check_sizes(want, r, fmt, ap);
	va_end(ap);
}

static void test_plain(void **state)
{
	(void)state;
	check("hello, world");
	check("100%% sure, %%%%");
	check("a%cb", 'x');
	check("%c%c%c", 'a', 0x7f, 'z');
	check("[%5c] [%-5c] [%1c]", 'q', 'r', 's');
	/* a NUL char is output too, and counted */
	check("a%cb", 0);
}

static void test_int(void **state)
{
	(void)state;
	check("%d %d %d %d", 0, 1, -1, 42);
	check("%i %i", INT_MAX, INT_MIN);
	check("%u %u %u", 0u, 7u, UINT_MAX);
	check("%x %X %x %X", 0u, 0u, 0xdeadbeefu, 0xdeadbeefu);
	check("%x", -1);
	check("%u", -1);
	check("%08x|%-8X|%8x", 0xabcu, 0xabcu, 0xabcu);
	check("%03d|%03d|%03d", -1, -12, -123);
	check("%20d|%-20d|%020d", INT_MIN, INT_MIN, INT_MIN);
	check("%2d|%02x", 123456, 0x12345u);
}

static void test_long(void **state)
{
	(void)state;
	check("%ld %li %lu %lx %lX", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX,
	      0x1234abcdUL);
	check("%lld %lld %lld", (long long)INT64_MIN, (long long)INT64_MAX,
	      0LL);
	check("%llu %llx %llX", (unsigned long long)UINT64_MAX,
	      (unsigned long long)UINT64_MAX, 0xfedcba9876543210ull);
	check("%zu %zx %zd %zd", (size_t)SIZE_MAX, (size_t)0x1000, (ssize_t)-1,
	      (ssize_t)12);
	check("%25lld|%-25lld|%025lld", (long long)INT64_MIN,
	      (long long)INT64_MIN, (long long)INT64_MIN);
	check("%021llu|%-21llx|", (unsigned long long)UINT64_MAX,
	      (unsigned long long)UINT64_MAX);
	/* an int after a long: the arguments stay in step */
	check("%ld %d %lld %d %zu %d", -5L, 6, -7LL, 8, (size_t)9, 10);
}

static void test_str(void **state)
{
	const char *volatile null = NULL;
	char got[16];

	(void)state;
	check("%s|%s|%s", "", "a", "hello");
	check("[%10s] [%-10s] [%2s]", "abc", "abc", "abcdef");
	check("[%.0s] [%.2s] [%.10s] [%.s]", "abc", "abc", "abc", "abc");
	check("[%8.3s] [%-8.3s] [%2.5s]", "abcdef", "abcdef", "abcdef");
	/* precision stops the scan: no NUL needed past it */
	{
		const char raw[3] = {'x', 'y', 'z'};

		check("%.3s|%.2s", raw, raw);
	}
	/* glibc prints "(null)" for a NULL %s too */
	check("%s", null);
	check("[%-8s]", null);
	assert_int_equal(fmt_snprintf(got, sizeof(got), "%s", null), 6);
	assert_string_equal(got, "(null)");
}

static void test_ptr(void **state)
{
	int x;

	(void)state;
	check("%p", (void *)0x1234);
	check("%p", (void *)&x);
	check("%p", (void *)UINTPTR_MAX);
	check("%p|%p", (void *)0xffff800000000000ull, (void *)1);
	/* the width counts the "0x" */
	check("[%20p] [%-20p] [%3p]", (void *)0xabcdef, (void *)0xabcdef,
	      (void *)0xabcdef);
	/* glibc prints "(nil)" for NULL; fmt prints the number */
	expect("0x0", "%p", NULL);
	expect("  0x0|0x0  ", "%5p|%-5p", NULL, NULL);
}

/*
 * Formats the compiler rightly frowns upon, on purpose: '0' with '-' (the
 * '0' is ignored), repeated flags, an empty format, a trailing '%',
 * unknown conversions.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
static void test_odd_formats(void **state)
{
	(void)state;
	check("");
	check("%5d|%-5d|%05d|%-05d|%1d", 42, 42, 42, 42, 12345);
	check("%5d|%-5d|%05d|%-05d|%0d", -42, -42, -42, -42, -42);
	check("%00005d|%-0-0-5d|%0-5x|", 7, -7, 7u);
	/* a format that ends in '%' prints nothing for it */
	expect("abc", "abc%");
	/* unknown conversions come out as written, taking no argument */
	expect("%q|%h|%y", "%q|%h|%y");
}
#pragma GCC diagnostic pop

/* every flag, width and length modifier against every integer conversion */
static void test_combinations(void **state)
{
	static const char *const flags[] = {"", "-", "0", "-0"};
	static const char *const widths[] = {"", "1", "2", "7", "21", "30"};
	static const char *const lens[] = {"", "l", "ll", "z"};
	static const char convs[] = "diuxX";
	static const long long vals[] = {
	    0,	      1,	 -1,	    9,	       10,	     -10,
	    127,      -128,	 255,	    65535,     INT_MAX,	     INT_MIN,
	    UINT_MAX, LLONG_MAX, LLONG_MIN, 1LL << 32, -(1LL << 32), 0x7f00ff,
	};
	char fmt[32];
	unsigned long before = checked;

	(void)state;
	for (size_t f = 0; f < 4; f++) {
		for (size_t w = 0; w < 6; w++) {
			for (size_t l = 0; l < 4; l++) {
				for (size_t c = 0; c < 5; c++) {
					snprintf(fmt, sizeof(fmt),
						 "<%%%s%s%s%c>", flags[f],
						 widths[w], lens[l], convs[c]);
					for (size_t v = 0;
					     v < sizeof(vals) / sizeof(vals[0]);
					     v++) {
						long long x = vals[v];

						/* the length decides the
						 * argument's type */
						switch (l) {
						case 0:
							check(fmt, (int)x);
							break;
						case 1:
							check(fmt, (long)x);
							break;
						case 2:
							check(fmt, x);
							break;
						default:
							check(fmt, (size_t)x);
						}
					}
				}
			}
		}
	}
	assert_int_equal(checked - before, 4 * 6 * 4 * 5 * 18);
}

static void test_truncation_edges(void **state)
{
	char buf[8];

	(void)state;
	/* size 0 with no buffer at all: only counting */
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	/* size 1: just the NUL */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'Z');
	/* exactly fits: length size - 1 */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 8, "%07d", 42), 7);
	assert_string_equal(buf, "0000042");
	/* one too long */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 8, "%08d", -42), 8);
	assert_string_equal(buf, "-000004");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_str),
	    cmocka_unit_test(test_ptr),
	    cmocka_unit_test(test_odd_formats),
	    cmocka_unit_test(test_combinations),
	    cmocka_unit_test(test_truncation_edges),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
