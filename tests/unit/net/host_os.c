// SPDX-License-Identifier: MIT
/*
 * What libos's threads, event loop and the network code ask of the CPU
 * driver, for host tests: a clock, a wait that sleeps (at most 1 ms, so
 * the tests' timers run), no doorbells. The stand-in monitor is
 * host_mon.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libos/sys.h>

uint64_t sys_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

long sys_wait(uint64_t timeout_ns)
{
	struct timespec ts = {0, 1000000};

	if (timeout_ns && timeout_ns < 1000000) {
		ts.tv_nsec = (long)timeout_ns;
	}
	nanosleep(&ts, NULL);
	return 0;
}

long sys_irq_ack(void)
{
	return 0; /* memory devices have no interrupts (irq -1) */
}

long sys_doorbell(uint32_t core, uint32_t wake)
{
	(void)core;
	(void)wake;
	return 0;
}

/* a channel the host test closes stays in memory: the test frees it */
long sys_chan_close(void *va)
{
	(void)va;
	return 0;
}

long sys_info(struct sys_info *out)
{
	memset(out, 0, sizeof(*out));
	return 0;
}

long sys_console_read(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 0;
}

void sys_exit(long status)
{
	exit((int)status);
}

void fflush_stdout(void)
{
	fflush(stdout);
}

void libos_fatal(const char *what)
{
	fprintf(stderr, "fatal: %s\n", what);
	abort();
}

size_t strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);

	if (cap) {
		size_t k = n < cap - 1 ? n : cap - 1;

		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}
