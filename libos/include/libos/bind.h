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

/* Set by libos/mon.c once the program has a monitor (mon_init); 0
 * before. While a call waits, bind_mon_binding's channel is watched too,
 * and a call whose peer's core bind_core_lost says was declared lost ends
 * with E_LOST at once (docs/failures.md). */
extern struct binding *bind_mon_binding;
extern int (*bind_core_lost)(uint32_t core);

#endif
