/* SPDX-License-Identifier: MIT */
/* What the shell's command files share (main.c has the loop). */
#ifndef SHELL_H
#define SHELL_H

#include <stddef.h>
#include <stdint.h>

/* out / say: text to the console */
void out(const char *s);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* parse_u32: decimal (parse.h); -1 if s is not a number or >= 2^32 */
int parse_u32(const char *s, uint32_t *v);

/* the line being run, as typed (main.c) */
extern const char *raw_line;
/* write_all: n bytes to the console (main.c) */
void write_all(const char *s, size_t n);

/* link.c: a binding to a service the shell calls, made on first use */
#include <libos/bind.h>
struct svc_link {
	const char *service; /* its name */
	const char *driver;  /* who serves it, for "no service" */
	struct binding b;
	int bound;
	void *va; /* the channel, closed when dropped */
};
/* link_bind: bound already, or binds now; 0, or an error it reported
 * (as "CMD: ...") */
int link_bind(struct svc_link *l, const char *cmd);
/* link_drop: a call gave up on the service: close the binding; the next
 * link_bind binds again */
void link_drop(struct svc_link *l);

/* devices.c */
void cmd_devices(int argc, char **argv);
void cmd_move(int argc, char **argv);

/* net.c: the network service's counters */
void cmd_net(int argc, char **argv);

/* fail.c: `fail`, and the line `cores` and `ps` show for a lost core */
void cmd_fail(int argc, char **argv);
void health_line(uint32_t core);

/* trace.c */
void cmd_trace(int argc, char **argv);

/* store.c: the block store's commands */
void cmd_put(int argc, char **argv);
void cmd_get(int argc, char **argv);
void cmd_del(int argc, char **argv);
void cmd_list(int argc, char **argv);
void cmd_store(int argc, char **argv);

#endif
