/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the checked number parser (libos/base/parse.c, parse.h)
 * and for libos's strtoul, strtoull and atoi over it (libos/atoi.c).
 *
 * parse.h comes from libos/include after the host's headers (-idirafter,
 * see SConscript), so <stdlib.h> here is the host's. libos's atoi.c is
 * compiled with its own <stdlib.h> and its functions renamed libos_* so
 * they do not replace the host C library's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <parse.h>

#include "abi/errors.h"

unsigned long libos_strtoul(const char *s, char **end, int base);
unsigned long long libos_strtoull(const char *s, char **end, int base);
int libos_atoi(const char *s);

#define OUT_UNTOUCHED 0x5a5a5a5a5a5a5a5aull

/* parse_u64 on s: its return, and *out (OUT_UNTOUCHED if not written) */
static int whole(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
	*out = OUT_UNTOUCHED;
	return parse_u64(s, base, max, out);
}

static void test_decimal(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(whole("0", 10, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(whole("42", 10, UINT64_MAX, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(whole("007", 10, UINT64_MAX, &v), 0);
	assert_int_equal(v, 7);
}

static void test_overflow(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(whole("18446744073709551615", 10, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(whole("18446744073709551616", 10, UINT64_MAX, &v),
			 E_RANGE);
	assert_true(v == OUT_UNTOUCHED);
	assert_int_equal(whole("99999999999999999999999", 10, UINT64_MAX, &v),
			 E_RANGE);
	assert_int_equal(whole("0xffffffffffffffff", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(whole("0x10000000000000000", 0, UINT64_MAX, &v),
			 E_RANGE);
	/* a bound of 255 */
	assert_int_equal(whole("255", 10, 255, &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(whole("256", 10, 255, &v), E_RANGE);
	assert_true(v == OUT_UNTOUCHED);
	assert_int_equal(whole("1000", 10, 255, &v), E_RANGE);
	assert_int_equal(whole("0xff", 16, 255, &v), 0);
	assert_int_equal(whole("0x100", 16, 255, &v), E_RANGE);
	/* a bound below one digit */
	assert_int_equal(whole("5", 10, 4, &v), E_RANGE);
	assert_int_equal(whole("4", 10, 4, &v), 0);
	assert_int_equal(whole("0", 10, 0, &v), 0);
	assert_int_equal(whole("1", 10, 0, &v), E_RANGE);
}

static void test_garbage(void **state)
{
	static const char *bad[] = {"", "x", "12x", " 1", "1 ", "-1", "+1",
				    "1.5", "0x", "0xg", "x1", "1_000"};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(whole(bad[i], 10, UINT64_MAX, &v), E_INVAL);
		assert_true(v == OUT_UNTOUCHED);
		assert_int_equal(whole(bad[i], 0, UINT64_MAX, &v), E_INVAL);
	}
	/* text after the digits wins over overflow in the whole form */
	assert_int_equal(whole("99999999999999999999x", 10, UINT64_MAX, &v),
			 E_INVAL);
	assert_int_equal(whole("256x", 10, 255, &v), E_INVAL);
	/* decimal has no hex digits and no 0x */
	assert_int_equal(whole("1f", 10, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(whole("0x1f", 10, UINT64_MAX, &v), E_INVAL);
	/* bad bases */
	assert_int_equal(whole("1", 1, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(whole("1", 37, UINT64_MAX, &v), E_INVAL);
}

static void test_bases(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(whole("0x1f", 16, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(whole("1f", 16, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(whole("0X1F", 16, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(whole("DeadBeef", 16, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	/* base 0: 0x means hex, anything else decimal (no octal) */
	assert_int_equal(whole("0x1f", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(whole("010", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(whole("1f", 0, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(whole("0", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	/* other bases */
	assert_int_equal(whole("101", 2, UINT64_MAX, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(whole("102", 2, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(whole("zz", 36, UINT64_MAX, &v), 0);
	assert_int_equal(v, 36 * 36 - 1);
}

static void test_len(void **state)
{
	const char text[] = {'1', '2', '3', 'x'}; /* no NUL */
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64_len(text, 3, 10, UINT64_MAX, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(parse_u64_len(text, 4, 10, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(parse_u64_len(text, 0, 10, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(parse_u64_len(text, 2, 10, 11, &v), E_RANGE);
	assert_int_equal(parse_u64_len("1\0" "2", 3, 10, UINT64_MAX, &v),
			 E_INVAL);
	/* "0x" needs a hex digit within the length */
	assert_int_equal(parse_u64_len("0x1", 2, 0, UINT64_MAX, &v), E_INVAL);
	assert_int_equal(parse_u64_len("0x1", 3, 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1);
}

static void test_prefix(void **state)
{
	const char *s = "10.0.2.15/24", *p = s;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64_prefix(&p, 10, 255, &v), 0);
	assert_int_equal(v, 10);
	assert_ptr_equal(p, s + 2);
	/* no digit: E_INVAL, the pointer stays */
	assert_int_equal(parse_u64_prefix(&p, 10, 255, &v), E_INVAL);
	assert_ptr_equal(p, s + 2);
	/* too large: E_RANGE, the pointer moves past every digit */
	s = "1234.5";
	p = s;
	v = 7;
	assert_int_equal(parse_u64_prefix(&p, 10, 255, &v), E_RANGE);
	assert_ptr_equal(p, s + 4);
	assert_int_equal(v, 7);
	/* "0x" without a hex digit: the number 0, then "x" */
	s = "0xz";
	p = s;
	assert_int_equal(parse_u64_prefix(&p, 16, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_ptr_equal(p, s + 1);
	s = "0x1fz";
	p = s;
	assert_int_equal(parse_u64_prefix(&p, 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_ptr_equal(p, s + 4);
}

static void test_strtoul(void **state)
{
	const char *s;
	char *end;

	(void)state;
	s = "  42 rest";
	assert_int_equal(libos_strtoul(s, &end, 10), 42);
	assert_ptr_equal(end, s + 4);
	assert_true(libos_strtoul("18446744073709551615", &end, 10) ==
		    UINT64_MAX);
	/* overflow: the maximum, and *end past every digit */
	s = "18446744073709551616x";
	assert_true(libos_strtoul(s, &end, 10) == UINT64_MAX);
	assert_ptr_equal(end, s + 20);
	assert_true(libos_strtoul("99999999999999999999999", NULL, 0) ==
		    UINT64_MAX);
	assert_true(libos_strtoull("0x10000000000000000", NULL, 16) ==
		    UINT64_MAX);
	/* no digits: 0 and *end at the start */
	s = "  x";
	assert_int_equal(libos_strtoul(s, &end, 10), 0);
	assert_ptr_equal(end, s);
	/* bases and signs as C has them */
	assert_int_equal(libos_strtoul("0x1f", NULL, 0), 0x1f);
	assert_int_equal(libos_strtoul("1f", NULL, 16), 0x1f);
	assert_true(libos_strtoul("-1", NULL, 10) == UINT64_MAX);
	assert_int_equal(libos_strtoul("+7", NULL, 10), 7);
}

static void test_atoi(void **state)
{
	(void)state;
	assert_int_equal(libos_atoi("42"), 42);
	assert_int_equal(libos_atoi(" -17x"), -17);
	assert_int_equal(libos_atoi("x"), 0);
	assert_int_equal(libos_atoi("2147483647"), 2147483647);
	assert_int_equal(libos_atoi("2147483648"), 2147483647);
	assert_int_equal(libos_atoi("-2147483648"), -2147483647 - 1);
	assert_int_equal(libos_atoi("-99999999999999999999"), -2147483647 - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal), cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_garbage), cmocka_unit_test(test_bases),
		cmocka_unit_test(test_len),	cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_strtoul), cmocka_unit_test(test_atoi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
