/* SPDX-License-Identifier: MIT */
/*
 * The boot manifest: a plain-text GRUB module that says how many cores to
 * boot, how to split memory, which programs start where and which core
 * owns which device.
 *
 * Grammar (one directive a line; '#' starts a comment to the end of the
 * line; blank lines are ignored; tokens are separated by spaces or tabs;
 * a CR before the LF is ignored; outside comments only printable ASCII):
 *
 *   cores N                      boot N cores (1..255); at most once;
 *                                default: all the firmware reports
 *   mem CORE SIZE                partition size of CORE: decimal bytes or
 *                                with a K, M or G suffix (any case), > 0;
 *                                at most once per core; cores without a
 *                                `mem` line share the rest equally
 *   start APP on CORE [ARGS...]  start boot-image program APP on CORE;
 *                                ARGS is the rest of the line, trimmed
 *   device NAME CORE [ARGS...]   device NAME is owned by CORE; ARGS go
 *                                to the driver its monitor starts
 *                                (`nodriver`: start none); at most once
 *                                per name
 *   rights APP RIGHT...          the programs this manifest starts as APP
 *                                hold RIGHT: `admin` (kill anything, move
 *                                devices, format the store, no spawn
 *                                quota) or `console` (console input,
 *                                poweroff); at most once per APP
 *   service NAME APP             service NAME may be exported only by
 *                                program APP; at most once per NAME
 *   lost-after MS|off            a core silent for MS milliseconds
 *                                (100..600000) is declared lost; off: no
 *                                core ever is; default 2000; at most
 *                                once (docs/failures.md)
 *
 * Usage: manifest_parse() on the module's bytes checks the syntax alone;
 * manifest_check() then checks the result against the machine (cores that
 * exist, programs in the boot image). Both explain a failure in one
 * sentence naming the manifest line, for the boot console.
 *
 * Pure code: no global state, callable on any core.
 */
#ifndef CPUDRIVER_MANIFEST_H
#define CPUDRIVER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_MAX_CORES 255
#define MANIFEST_MAX_STARTS 64
#define MANIFEST_MAX_DEVICES 16
#define MANIFEST_NAME_MAX 32 /* bytes with the NUL: names <= 31 chars */
#define MANIFEST_ARGS_MAX 128
#define MANIFEST_MAX_RIGHTS 16
#define MANIFEST_MAX_SERVICES 16
#define MANIFEST_RIGHT_ADMIN 0x1u   /* = SYS_RIGHT_ADMIN */
#define MANIFEST_RIGHT_CONSOLE 0x2u /* = SYS_RIGHT_CONSOLE */
#define MANIFEST_LOST_AFTER_DEFAULT 2000 /* ms */
#define MANIFEST_LOST_AFTER_MIN 100
#define MANIFEST_LOST_AFTER_MAX 600000

struct manifest_start {
	char app[MANIFEST_NAME_MAX]; /* NUL-terminated, non-empty */
	uint32_t core;
	char args[MANIFEST_ARGS_MAX]; /* NUL-terminated, maybe empty */
	uint32_t line;		      /* manifest line, 1-based */
	uint32_t rights; /* MANIFEST_RIGHT_* of APP's `rights` line */
};

struct manifest_rights {
	char app[MANIFEST_NAME_MAX];
	uint32_t rights; /* MANIFEST_RIGHT_*, not 0 */
	uint32_t line;
};

struct manifest_service {
	char name[MANIFEST_NAME_MAX];
	char app[MANIFEST_NAME_MAX];
	uint32_t line;
};

struct manifest_device {
	char name[MANIFEST_NAME_MAX]; /* NUL-terminated, non-empty */
	uint32_t core;
	char args[MANIFEST_ARGS_MAX]; /* for its driver; maybe empty */
	uint32_t line;
};

/* `fallback NAME CORE`: where device NAME goes when its core is lost
 * (docs/failures.md, "Recovery") */
struct manifest_fallback {
	char name[MANIFEST_NAME_MAX];
	uint32_t core;
	uint32_t line;
};

struct manifest {
	uint32_t cores;			       /* 0 = all that exist */
	uint32_t cores_line;		       /* line of `cores`, 0 if none */
	uint64_t mem[MANIFEST_MAX_CORES];      /* bytes; 0 = equal share */
	uint32_t mem_line[MANIFEST_MAX_CORES]; /* 0 where mem[] is 0 */
	uint32_t n_starts;
	struct manifest_start starts[MANIFEST_MAX_STARTS]; /* file order */
	uint32_t n_devices;
	struct manifest_device devices[MANIFEST_MAX_DEVICES]; /* file order */
	uint32_t n_rights;
	struct manifest_rights rights[MANIFEST_MAX_RIGHTS];
	uint32_t n_services;
	struct manifest_service services[MANIFEST_MAX_SERVICES];
	uint32_t trace_classes; /* `trace`: TRACE_C_* from boot on, 0 none */
	uint64_t trace_bytes;	/* per buffer */
	uint32_t trace_line;
	uint32_t lost_after_ms;	  /* `lost-after`: ms, 0: off */
	uint32_t lost_after_line; /* 0: no such line (the default) */
	uint32_t n_fallbacks;
	struct manifest_fallback fallbacks[MANIFEST_MAX_DEVICES];
};

struct manifest_error {
	uint32_t line; /* 1-based, 0 if not tied to a line */
	char msg[128]; /* one sentence, e.g. "line 3: unknown directive 'x'" */
};

/*
 * manifest_parse: parse `len` bytes of manifest text at `text` (need not be
 * NUL-terminated; text may be NULL if len is 0) into *out.
 *
 * Returns 0, or a negative error with *err filled (if err is not NULL):
 *   E_INVAL    out NULL, or text NULL with len > 0
 *   E_FORMAT   a NUL byte, a control or non-ASCII byte outside a comment,
 *                an unknown directive, wrong arguments, a malformed
 *                number or size, a repeated `cores`, `mem` for one core or
 *                `device` name
 *   E_RANGE    cores outside 1..255, a core number above 254, a size of 0
 *                or one that does not fit in 64 bits
 *   E_TOOBIG   a name over 31 or arguments over 127 characters, more than
 *                MANIFEST_MAX_STARTS starts or MANIFEST_MAX_DEVICES devices
 * *out is unspecified after an error. On success err->line is 0 and
 * err->msg is "".
 *
 * Context: any; reads only [text, text + len).
 */
int manifest_parse(const char *text, size_t len, struct manifest *out,
		   struct manifest_error *err);

/*
 * manifest_check: check a parsed manifest against the machine.
 *
 * cores_present is the number of cores the firmware reported (> 0). The
 * effective core count is m->cores, or cores_present if m->cores is 0.
 * app_exists(ctx, name) says whether the boot image holds program `name`;
 * if app_exists is NULL, program names are not checked.
 *
 * Returns 0, or a negative error with *err filled (if err is not NULL):
 *   E_INVAL    m NULL, cores_present 0, or *m not as manifest_parse
 *                leaves it (counts too large, strings not terminated)
 *   E_RANGE    m->cores > cores_present, or a `mem`, `start` or `device`
 *                core >= the effective core count
 *   E_NOENT    a `start` names a program app_exists does not know
 * Problems are reported in this order: core count, mem, starts, devices.
 *
 * Context: any; calls app_exists.
 */
int manifest_check(const struct manifest *m, uint32_t cores_present,
		   bool (*app_exists)(void *ctx, const char *app), void *ctx,
		   struct manifest_error *err);

#endif
