/* SPDX-License-Identifier: MIT */
/* Forced into every host-built libos object (-include): what libos's own
 * stdlib.h declares beyond the host's. */
#ifndef TEST_HOST_LIBOS_H
#define TEST_HOST_LIBOS_H
__attribute__((noreturn)) void libos_fatal(const char *what);
void fflush_stdout(void);
#endif
