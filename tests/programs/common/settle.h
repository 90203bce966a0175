// SPDX-License-Identifier: MIT
/* What the reclamation tests (cycles, bindcycle, sysfuzz) compare. */
#ifndef TESTS_PROGRAMS_SETTLE_H
#define TESTS_PROGRAMS_SETTLE_H

#include <stdint.h>

/*
 * A core's free memory in KiB once what is in flight has arrived: a
 * closed channel's frame comes back to its core a moment after the close
 * returns (that core's kernel waits for the sealed close from the other
 * end), an exited child's pages when its monitor has reaped it. The value
 * is taken when five reads 10 ms apart agree (at most 5 s); 0 if CORE does
 * not answer.
 */
uint64_t settled_free_kib(uint32_t core);

#endif
