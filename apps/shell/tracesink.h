/* SPDX-License-Identifier: MIT */
/*
 * The shell's client of the trace sink (apps/traced, channels/if/trace.if):
 * `trace dump` streams its dump file through it to the trace device.
 *
 *   trace_sink_open();              bind to "trace"
 *   trace_sink_write(p, n); ...     any n: sent as writes of <= 1000 bytes
 *   trace_sink_sync(&bytes);        every byte reached the device
 *   trace_sink_close();
 *
 * Each returns 0 or E_*: E_NOENT from open when no "trace" service runs
 * (no trace device, or traced not started), E_PERM when the shell lacks
 * the admin right, E_TIMEOUT when traced or the device does not answer in
 * time (TRACE_SINK_TIMEOUT_NS a call), E_IO when traced gave the device
 * up; write and sync without a binding (never opened, or closed after a
 * timeout) give E_NOENT. The functions print nothing: the caller words
 * the error.
 */
#ifndef SHELL_TRACESINK_H
#define SHELL_TRACESINK_H

#include <stddef.h>
#include <stdint.h>

/* a call's deadline: above traced's own wait for the device (1 s) */
#define TRACE_SINK_TIMEOUT_NS 5000000000ull

int trace_sink_open(void);
int trace_sink_write(const void *p, size_t n);
/* *bytes: the total traced has written to the device since it started
 * (every client's) */
int trace_sink_sync(uint64_t *bytes);
void trace_sink_close(void);

#endif
