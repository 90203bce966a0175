#define LIBOS_BIND_H
#ifndef LIBOS_BIND_H
/* SPDX-License-Identifier: MIT */
/* The bindings environment of programs and monitors (libos/bind.c):
 * calls wait through the event loop. */
#include <channels/binding.h>

extern const struct bind_env bind_env_libos;

#endif
