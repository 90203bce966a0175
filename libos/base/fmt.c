// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf for the kernel and programs: integers, strings,
 * pointers. Output past `size` is counted, not written.
 */
#include <fmt.h>
#include <parse.h>
#include <stdint.h>
#include <stdbool.h>

#include "abi/errors.h"

#define FMT_NUM_MAX 0x7fffffff /* widths and precisions fit an int */

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size) {
		o->buf[o->len] = c;
	}
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left) {
		while (fill-- > 0) {
			put(o, pad);
		}
	}
	for (size_t i = 0; i < n; i++) {
		put(o, s[i]);
	}
	if (left) {
		while (fill-- > 0) {
			put(o, ' ');
		}
	}
}

/* put_num: v in base, after prefix ("-", "0x" or ""), all within width;
 * zero padding goes between the prefix and the digits */
static void put_num(struct out *o, uint64_t v, const char *prefix,
		    unsigned base, bool upper, int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, np = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[np]) {
		np++;
	}
	if (pad == '0' && width > 0) {
		for (size_t i = 0; i < np; i++) {
			put(o, prefix[i]);
			width--;
		}
	} else {
		while (np > 0) {
			tmp[sizeof(tmp) - 1 - n++] = prefix[--np];
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, n, width, left, pad);
}

static uint64_t arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 2) {
		return va_arg(*ap, unsigned long long);
	}
	if (lng == 1) {
		return va_arg(*ap, unsigned long);
	}
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int lng)
{
	if (lng >= 2) {
		return va_arg(*ap, long long);
	}
	if (lng == 1) {
		return va_arg(*ap, long);
	}
	return va_arg(*ap, int);
}

/* A width or precision at *f (advanced): 0 if there are no digits, at
 * most FMT_NUM_MAX. */
static int conv_num(const char **f)
{
	uint64_t v = 0;

	if (parse_u64_prefix(f, 10, FMT_NUM_MAX, &v) == E_RANGE) {
		return FMT_NUM_MAX;
	}
	return (int)v;
}

static const char *conv(struct out *o, const char *f, va_list *ap)
{
	bool left = false;
	char pad = ' ';
	int width = 0, prec = -1, lng = 0;

	for (;; f++) {
		if (*f == '-') {
			left = true;
		} else if (*f == '0') {
			pad = '0';
		} else {
			break;
		}
	}
	width = conv_num(&f);
	if (*f == '.') {
		f++;
		prec = conv_num(&f);
	}
	while (*f == 'l' || *f == 'z') {
		lng += *f == 'z' ? 2 : 1;
		f++;
	}
	switch (*f) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, lng);
		uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		put_num(o, u, v < 0 ? "-" : "", 10, false, width, left, pad);
		break;
	}
	case 'u':
		put_num(o, arg_unsigned(ap, lng), "", 10, false, width, left,
			pad);
		break;
	case 'x':
	case 'X':
		put_num(o, arg_unsigned(ap, lng), "", 16, *f == 'X', width,
			left, pad);
		break;
	case 'p':
		/* the width counts the "0x", as in C */
		put_num(o, (uintptr_t)va_arg(*ap, void *), "0x", 16, false,
			width, left, pad);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);
		size_t n = 0;
		if (!s) {
			s = "(null)";
		}
		while ((prec < 0 || (int)n < prec) && s[n]) {
			n++;
		}
		put_padded(o, s, n, width, left, ' ');
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);
		put_padded(o, &c, 1, width, left, ' ');
		break;
	}
	case '%':
		put(o, '%');
		break;
	case 0:
		return f;
	default:
		put(o, '%');
		put(o, *f);
		break;
	}
	return f + 1;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = conv(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size) {
		buf[o.len < size ? o.len : size - 1] = 0;
	}
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
