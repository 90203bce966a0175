/* SPDX-License-Identifier: MIT */
/*
 * Tracing from a process (docs/tracing.md). The channel library writes
 * channel events by itself (channels/chan.h: chan_trace); a monitor adds
 * its operations with
 *   TRACE(mon_trace, TRACE_MON_BEGIN, TRACE_MON_BIND, call_id);
 * which costs one branch while tracing is off.
 */
#ifndef LIBOS_TRACE_H
#define LIBOS_TRACE_H

#include <channels/trace_ring.h>

/* mon_trace: a monitor's buffer while monitor events are traced */
extern struct trace_buf *mon_trace;

/* trace_refresh: ask the kernel how tracing stands for this process
 * (libos does it when a wait returns SYS_EV_TRACE) */
void trace_refresh(void);

/* trace_start: at start-up, what the kernel passed: the buffer's address
 * | the classes traced, 0 while tracing is not on */
void trace_start(uint64_t word);

#endif
