// SPDX-License-Identifier: MIT
/*
 * atoi, strtoul and strtoull (lwIP's netif_find needs atoi), over the
 * shared checked parser (parse.h). There is no errno: a value too large
 * reads as the type's maximum, as the C standard has it.
 */
#include <stdlib.h>
#include <parse.h>

#include "abi/errors.h"

/* to_unsigned: strtoul's syntax (spaces, a sign, the number) at s up to
 * max; *end past the number, or s if there is none. */
static uint64_t to_unsigned(const char *s, char **end, int base, uint64_t max)
{
	const char *p = s;
	uint64_t v = 0;
	int neg = 0, r;

	while (*p == ' ' || *p == '\t') {
		p++;
	}
	if (*p == '-' || *p == '+') {
		neg = *p++ == '-';
	}
	r = base < 0 ? E_INVAL : parse_u64_prefix(&p, (unsigned)base, max, &v);
	if (end) {
		*end = (char *)(r == E_INVAL ? s : p);
	}
	if (r == E_RANGE) {
		return max;
	}
	return neg ? (0 - v) & max : v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)to_unsigned(s, end, base, (unsigned long)-1);
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	return (unsigned long long)to_unsigned(s, end, base,
					       (unsigned long long)-1);
}

int atoi(const char *s)
{
	const char *p = s;
	uint64_t v = 0;
	int neg = 0;

	while (*p == ' ' || *p == '\t') {
		p++;
	}
	if (*p == '-' || *p == '+') {
		neg = *p++ == '-';
	}
	/* 0 without digits; the nearest int when out of range */
	if (parse_u64_prefix(&p, 10, neg ? 0x80000000u : 0x7fffffffu, &v) ==
	    E_RANGE) {
		v = neg ? 0x80000000u : 0x7fffffffu;
	}
	return neg ? (int)(0 - (int64_t)v) : (int)v;
}
