/* SPDX-License-Identifier: MIT */
/* What the shell's command files share (main.c has the loop). */
#ifndef SHELL_H
#define SHELL_H

#include <stdint.h>

/* out / say: text to the console */
void out(const char *s);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* parse_u32: decimal (parse.h); -1 if s is not a number or >= 2^32 */
int parse_u32(const char *s, uint32_t *v);

/* devices.c */
void cmd_devices(int argc, char **argv);
void cmd_move(int argc, char **argv);

#endif
