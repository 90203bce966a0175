/* SPDX-License-Identifier: MIT */
/*
 * The string and memory functions of the small libc (libos/base/string.c),
 * shared by the CPU driver and ring-3 programs: env.BaseLib() builds them
 * once for each.
 */
#ifndef LIBOS_STRING_H
#define LIBOS_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* strlcpy: copies at most size-1 bytes, always NUL-terminates when size > 0;
 * returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
