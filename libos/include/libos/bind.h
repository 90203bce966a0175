/* SPDX-License-Identifier: MIT */
/*
 * The environment of the bindings of programs and monitors (libos/bind.c,
 * channels/binding.h): SYS_TIME_NS is the clock, SYS_DOORBELL the
 * doorbell, and a call waits through the event loop.
 */
#ifndef LIBOS_BIND_H
#define LIBOS_BIND_H

#include <channels/binding.h>

extern const struct bind_env bind_env_libos;

#endif
