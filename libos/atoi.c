// SPDX-License-Identifier: MIT
/* atoi and strtoul for decimal text (lwIP's netif_find needs atoi). */
#include <stdlib.h>

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	if (base == 0 || base == 16) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			s += 2;
			base = 16;
		} else if (base == 0) {
			base = 10;
		}
	}
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9') {
			d = *s - '0';
		} else if (*s >= 'a' && *s <= 'z') {
			d = *s - 'a' + 10;
		} else if (*s >= 'A' && *s <= 'Z') {
			d = *s - 'A' + 10;
		} else {
			break;
		}
		if (d >= base) {
			break;
		}
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end) {
		*end = (char *)s;
	}
	return v;
}

int atoi(const char *s)
{
	int neg = 0;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	if (*s == '-' || *s == '+') {
		neg = *s++ == '-';
	}
	return neg ? -(int)strtoul(s, 0, 10) : (int)strtoul(s, 0, 10);
}
