/* SPDX-License-Identifier: MIT */
/*
 * printf for ring-3 programs. Output is line-buffered per process and each
 * complete line goes to the console as one SYS_LOG, so lines from
 * different cores never interleave mid-line.
 */
#ifndef LIBOS_STDIO_H
#define LIBOS_STDIO_H

#include <fmt.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
/* fflush_stdout: send a pending partial line. */
void fflush_stdout(void);

#define snprintf fmt_snprintf
#define vsnprintf fmt_vsnprintf

#endif
