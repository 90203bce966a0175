/* SPDX-License-Identifier: MIT */
/* Core 0's boot phase (boot.c). */
#ifndef BOOT_H
#define BOOT_H

#include <stdint.h>

/* boot_main: called by boot32.S in long mode with the Multiboot2
 * information's physical address and the TSC at entry. Never returns. */
__attribute__((noreturn)) void boot_main(uint32_t mbi, uint64_t tsc);

#endif
