// SPDX-License-Identifier: MIT
/*
 * String and memory functions, shared by the kernel and the programs
 * (no SSE in either). memcpy, memmove and memset move 8 bytes a step
 * (rep movsq / stosq, then the last 0-7 bytes one at a time): under QEMU's
 * TCG every iteration of a rep prefix is a step of its own, so byte steps
 * cost eight times as many (issue 14). A backward overlapping memmove
 * steps down with the direction flag set and clears it again.
 */
#include <string.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n >> 3, r = n & 7;

	__asm__ volatile("rep movsq\n\t"
			 "mov %3, %%rcx\n\t"
			 "rep movsb"
			 : "+D"(d), "+S"(src), "+c"(q)
			 : "r"(r)
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0) {
		return dst;
	}
	if (d < s || d >= s + n) {
		return memcpy(dst, src, n);
	}
	/* d overlaps the end of s: copy from the last byte down, the tail
	 * byte-wise first, then whole words */
	{
		size_t q = n >> 3, r = n & 7;
		unsigned char *dl = d + n - 1;
		const unsigned char *sl = s + n - 1;

		__asm__ volatile("std\n\t"
				 "rep movsb\n\t"
				 "sub $7, %%rdi\n\t"
				 "sub $7, %%rsi\n\t"
				 "mov %3, %%rcx\n\t"
				 "rep movsq\n\t"
				 "cld"
				 : "+D"(dl), "+S"(sl), "+c"(r)
				 : "r"(q)
				 : "memory", "cc");
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t q = n >> 3, r = n & 7;
	uint64_t v = (uint64_t)(unsigned char)c * 0x0101010101010101ull;

	__asm__ volatile("rep stosq\n\t"
			 "mov %3, %%rcx\n\t"
			 "rep stosb"
			 : "+D"(d), "+c"(q), "+a"(v)
			 : "r"(r)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			return x[i] < y[i] ? -1 : 1;
		}
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n]) {
		n++;
	}
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n]) {
		n++;
	}
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i]) {
			return (unsigned char)a[i] - (unsigned char)b[i];
		}
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c) {
			return (char *)s;
		}
		if (!*s) {
			return NULL;
		}
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memmove(dst, src, k);
		dst[k] = 0;
	}
	return n;
}
