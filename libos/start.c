// SPDX-License-Identifier: MIT
/*
 * C start-up: attach the monitor channel (if the monitor gave one), split
 * the argument string the CPU driver passed into argv (space separated),
 * run main, flush, exit with main's result.
 */
#include <libos/sys.h>
#include <stdio.h>
#include <libos/mon.h>
#include <libos/trace.h>
#include <channels/chan.h>

#define ARGV_MAX 16

int main(int argc, char **argv);

static char args_copy[SYS_ARGS_MAX];

__attribute__((noreturn)) void libos_start(const char *args, long core,
					   void *monitor_chan, uint64_t trace,
					   uint64_t wake);

void libos_start(const char *args, long core, void *monitor_chan,
		 uint64_t trace, uint64_t wake)
{
	char *argv[ARGV_MAX + 1];
	int argc = 0;
	size_t i = 0;
	char *p;

	(void)core;
	/* our wake token: what our channels' asleep flags say, so that a
	 * doorbell for us wakes only us */
	chan_wake_token = (uint32_t)wake;
	trace_start(trace);
	mon_init(monitor_chan);
	for (; args[i] && i < sizeof(args_copy) - 1; i++) {
		args_copy[i] = args[i];
	}
	args_copy[i] = 0;
	argv[argc++] = "prog";
	for (p = args_copy; *p && argc < ARGV_MAX;) {
		while (*p == ' ') {
			*p++ = 0;
		}
		if (!*p) {
			break;
		}
		argv[argc++] = p;
		while (*p && *p != ' ') {
			p++;
		}
	}
	argv[argc] = 0;
	int r = main(argc, argv);
	fflush_stdout();
	sys_exit(r);
}
