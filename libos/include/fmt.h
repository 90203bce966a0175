/* SPDX-License-Identifier: MIT */
/*
 * Bounded formatting, shared by the CPU driver and libos. Supports
 * %d %i %u %x %X %p %s %c %% with flags '-', '0', width, precision for
 * %s, and the length modifiers l, ll, z. No floating point.
 */
#ifndef LIBOS_FMT_H
#define LIBOS_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* fmt_vsnprintf: like vsnprintf: writes at most size bytes including the
 * NUL, returns the length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
