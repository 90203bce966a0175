/* SPDX-License-Identifier: MIT */
/*
 * The one checked number parser, shared by the CPU driver, the monitor,
 * libos and every program (libos/base/parse.c, built into each
 * environment's base library by env.BaseLib(); see libos/base/SConscript).
 * Every number the system reads from text - the boot manifest, program
 * arguments, shell commands, service lists - goes through it, so overflow,
 * the base and trailing text are checked in one place.
 *
 * Syntax: digits of `base` only - no sign, no spaces. base is 2..36
 * (digits 0-9, then a-z or A-Z), or 0: "0x"/"0X" then hex digits, else
 * decimal (no octal). Base 16 also takes an optional "0x"/"0X". A "0x"
 * with no hex digit after it reads as the number 0 followed by text "x".
 *
 * Errors (abi/errors.h): E_INVAL - no digit, a bad base, or (whole-text
 * forms) text after the digits; E_RANGE - the value is above max (every
 * whole-text form checks the text first: "99999999999999999999x" is
 * E_INVAL, not E_RANGE).
 * *out is written only on success. Pure functions: any context.
 */
#ifndef LIBOS_PARSE_H
#define LIBOS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* parse_u64: the whole NUL-terminated string s as a number <= max.
 * 0 and *out, or E_INVAL / E_RANGE. */
int parse_u64(const char *s, unsigned base, uint64_t max, uint64_t *out);

/* parse_u64_len: the same for exactly the n bytes at s, which need not be
 * NUL-terminated (a NUL among them is text after the digits). */
int parse_u64_len(const char *s, size_t n, unsigned base, uint64_t max,
		  uint64_t *out);

/* parse_u64_prefix: the number at the start of the NUL-terminated text
 * *sp, for parsers that read numbers inside longer text; what follows the
 * digits is the caller's to check. On success and on E_RANGE *sp is moved
 * past the digits (so a caller can skip or quote the whole number); on
 * E_INVAL it is left alone. */
int parse_u64_prefix(const char **sp, unsigned base, uint64_t max,
		     uint64_t *out);

#endif
