/* SPDX-License-Identifier: MIT */
/*
 * The console: the serial port is a device owned by core 0. Other cores'
 * kernels and programs send their lines to core 0 over a per-core console
 * channel (one ring in a frame of the shared boot region). Core 0 prints
 * each line whole, so lines never interleave. A full ring drops the line
 * and counts it; core 0 reports the count. Nothing here ever waits.
 *
 * The same channel carries "monitor up" notices; when every core's monitor
 * is up, core 0 prints the one `system ready` line.
 *
 * Boot phase stamps: each core takes the TSC at five points of its boot
 * (enum boot_stamp) and sends them to core 0 with its "monitor up" and
 * "manifest done" notices. Once every core has run its part of the manifest,
 * core 0 prints, after `system ready`, one line (docs/cpudriver.md):
 *   boot phases: cores N, cpudriver A us, bringup B us, monitors C us,
 *   mesh D us, manifest E us, total F us
 * each phase ending when the last core passed its point: cpudriver, core
 * 0's boot phase (GRUB's hand-off to its own instance); bringup, until
 * every core's driver booted its children; monitors, until every monitor
 * runs; mesh, until every monitor joined the mesh (reported up); manifest,
 * until every monitor started its manifest programs. They add up to total.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <abi/syscall.h>

#define CONSOLE_LINE_MAX 224 /* 4 slots */

/* console_init: attach to this core's channel(s); after frame_init. */
void console_init(void);

/* console_line: print (core 0) or send one line of n bytes (no newline).
 * 0, or E_FULL when the console ring was full and the line was dropped
 * (and counted). */
int console_line(const char *s, size_t n);

/* console_drained: core 0 has taken every line this core sent (always
 * true on core 0). */
bool console_drained(void);

/* console_monitor_up: this core's monitor is running. */
void console_monitor_up(void);

enum boot_stamp {
	BOOT_ST_ENTRY,    /* the core entered its CPU driver instance */
	BOOT_ST_DRIVER,   /* its children booted, about to start the monitor */
	BOOT_ST_MONITOR,  /* the monitor's first system call */
	BOOT_ST_UP,       /* the monitor joined the mesh (console_monitor_up) */
	BOOT_ST_MANIFEST, /* after UP, the monitor read past its last manifest
			     entry (start_manifest_programs is done) */
	BOOT_ST_N
};

/* console_stamp: takes this core's TSC for stamp s (the first time only);
 * BOOT_ST_MANIFEST also tells core 0. */
void console_stamp(enum boot_stamp s);

/* console_cores_lost: cores [first..] in `ids` never started (told by their
 * booter); core 0 stops waiting for them. */
void console_cores_lost(const uint32_t *ids, uint32_t n);

/* A heartbeat this core's driver sends core 0 for its sleeping monitor
 * (proc.c, SYS_WAIT_BEAT): the core's load, as sys_beat has it. */
struct cons_beat {
	uint16_t runnable, live;
	uint32_t last_pid;
	uint32_t free_mib;
};

/* console_beat: sends b on this core's console ring (cores other than 0;
 * no doorbell: core 0 reads it when its monitor asks, SYS_BEATS). 0, or
 * E_FULL with the ring full (nothing sent). */
int console_beat(const struct cons_beat *b);

/* console_beats: core 0: the latest heartbeat of every core, indexed by
 * core (after reading every console ring); NULL on other cores */
const struct sys_beat *console_beats(void);

/* console_doorbell: a console doorbell IPI arrived (core 0). */
void console_doorbell(void);

/* console_input_init: route the UART's interrupt to core 0 (core 0). */
void console_input_init(void);

/* console_input_irq: VEC_UART arrived: buffer what was typed and wake
 * waiting processes (SYS_EV_CONSOLE). */
void console_input_irq(void);

/* console_raw: bytes straight to the UART (core 0: a shell's prompt and
 * echo), remembered as the interactive line (see console.c). */
void console_raw(const char *s, size_t n);

/* console_up_deadline: core 0, until `system ready`: when it gives up on
 * the cores that have not come up (console.c; 0 on other cores and once
 * ready). console_up_give_up: that time has come; the missing are
 * reported lost and `system ready` follows. */
extern uint64_t console_up_deadline;
void console_up_give_up(void);

/* console_ready: the `system ready` line has been printed (core 0). */
bool console_ready(void);

/* console_read: up to n buffered input bytes into buf; returns the count. */
size_t console_read(char *buf, size_t n);

/* console_idle: called by the idle loop before halting. Returns true if
 * work came in and the core must not halt. console_woken: after the halt. */
bool console_idle(void);
void console_woken(void);

#endif
