// SPDX-License-Identifier: MIT
/*
 * The checked number parser (contract in parse.h). One scanner reads the
 * digits and notes an overflow without stopping, so that the whole-text
 * forms can tell text after the digits (E_INVAL) from a value too large
 * (E_RANGE), and the prefix form can step past every digit either way.
 */
#include <parse.h>
#include <stdbool.h>

#include "abi/errors.h"

/* digit value of c, or 36 (no digit of any base) */
static unsigned digit(char c)
{
	if (c >= '0' && c <= '9') {
		return (unsigned)(c - '0');
	}
	if (c >= 'a' && c <= 'z') {
		return (unsigned)(c - 'a') + 10;
	}
	if (c >= 'A' && c <= 'Z') {
		return (unsigned)(c - 'A') + 10;
	}
	return 36;
}

/*
 * scan: the number in s[0..n) (n may be SIZE_MAX for NUL-terminated text:
 * the NUL is no digit, so the scan stops there). *used: bytes of the
 * number, prefix included. E_INVAL if there is no digit or the base is
 * bad; E_RANGE if the value is above max; else 0 and *out.
 */
static int scan(const char *s, size_t n, unsigned base, uint64_t max,
		uint64_t *out, size_t *used)
{
	uint64_t v = 0;
	bool over = false;
	size_t i = 0;
	unsigned d;

	if (base == 1 || base > 36) {
		return E_INVAL;
	}
	if ((base == 0 || base == 16) && n > 2 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') && digit(s[2]) < 16) {
		i = 2;
		base = 16;
	} else if (base == 0) {
		base = 10;
	}
	if (i >= n || digit(s[i]) >= base) {
		return E_INVAL;
	}
	for (; i < n && (d = digit(s[i])) < base; i++) {
		if (over || d > max || v > (max - d) / base) {
			over = true;
			continue;
		}
		v = v * base + d;
	}
	*used = i;
	if (over) {
		return E_RANGE;
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t v;
	size_t used;
	int r = scan(s, SIZE_MAX, base, max, &v, &used);

	if (r == E_INVAL || s[used] != '\0') {
		return E_INVAL;
	}
	if (r == 0) {
		*out = v;
	}
	return r;
}

int parse_u64_len(const char *s, size_t n, unsigned base, uint64_t max,
		  uint64_t *out)
{
	uint64_t v;
	size_t used;
	int r = scan(s, n, base, max, &v, &used);

	if (r == E_INVAL || used != n) {
		return E_INVAL;
	}
	if (r == 0) {
		*out = v;
	}
	return r;
}

int parse_u64_prefix(const char **sp, unsigned base, uint64_t max,
		     uint64_t *out)
{
	uint64_t v;
	size_t used;
	int r = scan(*sp, SIZE_MAX, base, max, &v, &used);

	if (r == E_INVAL) {
		return E_INVAL;
	}
	*sp += used;
	if (r == 0) {
		*out = v;
	}
	return r;
}
