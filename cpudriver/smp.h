/* SPDX-License-Identifier: MIT */
/*
 * Making and starting CPU driver instances.
 *
 * Boot fans out as a binary tree over core indices: core i boots cores
 * 2i+1 and 2i+2, so boot time grows with log2(cores). To boot core c, its
 * booter maps c's partition through its boot window, lays out c's page
 * tables, zeroed bss and boot record there, fills c's trampoline slot,
 * unmaps the window and sends INIT-SIPI. Nothing of c's stays reachable
 * from the booter afterwards.
 */
#ifndef SMP_H
#define SMP_H

#include <stdint.h>
#include <abi/bootrec.h>

/* smp_install_trampoline: copy the AP trampoline below 1 MiB and build its
 * temporary page tables. Core 0's boot phase, once. */
void smp_install_trampoline(void);

/* smp_bringup_start: core 0, once its timers are calibrated: the
 * bring-up tick (smp.c) runs until smp_bringup_over (core 0, once every
 * core is up or lost). */
void smp_bringup_start(uint32_t ncores);
void smp_bringup_over(void);

/* smp_enter_core0: make core 0's own instance and move into it. */
__attribute__((noreturn)) void smp_enter_core0(const struct boottab *bt);

/* smp_boot_children: boot this core's children in the boot tree and wait
 * (halted) until they have started or timed out; report cores that never
 * started (with their subtrees) to core 0. */
void smp_boot_children(void);

/* smp_boot_done: drop the trampoline mappings from this core's tables. */
void smp_boot_done(void);

/* kernel_entry: where every core's instance starts (main.c). */
__attribute__((noreturn)) void kernel_entry(struct bootrec *br);

#endif
