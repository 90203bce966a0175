/* SPDX-License-Identifier: MIT */
/* Forced into every host-built libos object (-include): what libos's own
 * stdlib.h declares beyond the host's. */
#ifndef TEST_HOST_LIBOS_H
#define TEST_HOST_LIBOS_H
__attribute__((noreturn)) void libos_fatal(const char *what);
void fflush_stdout(void);
/* libos's string.h has strlcpy; the host's (glibc before 2.38) may not */
#include <stddef.h>
size_t strlcpy(char *dst, const char *src, size_t cap);
#endif
