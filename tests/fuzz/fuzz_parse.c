/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the checked number parser (libos/base/parse.c).
 *
 * Input: a base byte (taken modulo 38, so the bad bases 1, 37 come up),
 * eight bytes of max (little-endian; its top byte's low bits also shrink
 * it, so small bounds come up often), then the text. The three forms
 * (whole string, exact length, prefix) are checked against a slow
 * reference that reads every digit into 128 bits, and against each other.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <parse.h>

#include "abi/errors.h"

static unsigned digit(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 10u;
	}
	if (c >= 'A' && c <= 'Z') {
		return c - 'A' + 10u;
	}
	return 99;
}

/* the reference: rc, the value and the bytes of the number in s[0..n) */
static int ref(const char *s, size_t n, unsigned base, uint64_t max,
	       uint64_t *out, size_t *used)
{
	unsigned __int128 v = 0;
	bool over = false;
	size_t i = 0;

	if (base == 1 || base > 36) {
		return E_INVAL;
	}
	if ((base == 0 || base == 16) && n >= 3 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') && digit((unsigned char)s[2]) < 16) {
		base = 16;
		i = 2;
	} else if (base == 0) {
		base = 10;
	}
	if (i >= n || digit((unsigned char)s[i]) >= base) {
		return E_INVAL;
	}
	for (; i < n && digit((unsigned char)s[i]) < base; i++) {
		v = v * base + digit((unsigned char)s[i]);
		if (v > max) {
			over = true;
			v = (unsigned __int128)max + 1; /* saturate */
		}
	}
	*used = i;
	*out = (uint64_t)v;
	return over ? E_RANGE : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned base;
	uint64_t max = 0, v, rv;
	size_t n, used;
	char *s;
	const char *p;
	int r, want;

	if (size < 9) {
		return 0;
	}
	base = data[0] % 38;
	memcpy(&max, data + 1, 8);
	max >>= (data[8] & 0x3f);
	n = size - 9;
	s = malloc(n + 1);
	memcpy(s, data + 9, n);
	s[n] = '\0';

	/* exact length: the whole span must be the number */
	want = ref(s, n, base, max, &rv, &used);
	if (want != E_INVAL && used != n) {
		want = E_INVAL;
	}
	v = 7;
	r = parse_u64_len(s, n, base, max, &v);
	if (r != want || (r == 0 && v != rv) || (r != 0 && v != 7) ||
	    (r == 0 && v > max)) {
		abort();
	}
	/* whole string: the same up to the first NUL */
	n = strlen(s);
	want = ref(s, n, base, max, &rv, &used);
	if (want != E_INVAL && used != n) {
		want = E_INVAL;
	}
	r = parse_u64(s, base, max, &v);
	if (r != want || (r == 0 && v != rv)) {
		abort();
	}
	/* prefix: the number at the start, the pointer past its digits */
	want = ref(s, n, base, max, &rv, &used);
	p = s;
	r = parse_u64_prefix(&p, base, max, &v);
	if (r != want || (r == 0 && v != rv) ||
	    p != (r == E_INVAL ? s : s + used)) {
		abort();
	}
	free(s);
	return 0;
}
