// SPDX-License-Identifier: MIT
/*
 * A process's side of tracing (docs/tracing.md): the kernel maps the
 * process's buffer while tracing is on and says so with SYS_EV_TRACE;
 * trace_refresh asks again (at start-up and after every wait that
 * reports it) and points the channel library, and a monitor's own
 * events, at the buffer or at nothing.
 */
#include <libos/sys.h>
#include <libos/trace.h>
#include <channels/chan.h>

struct trace_buf *mon_trace;

static uint64_t frame_of(const void *va)
{
	long r = sys_call(SYS_TRACE, SYS_TRACE_CHAN, (long)va, 0, 0);

	return r > 0 ? (uint64_t)r : 0;
}

void trace_refresh(void)
{
	struct sys_trace_self s;
	struct trace_buf *buf;

	/* the kernel unmaps a buffer of a trace that ended during this
	 * call: nothing of this process writes meanwhile */
	if (sys_call(SYS_TRACE, SYS_TRACE_SELF, (long)&s, 0, 0) < 0) {
		s.va = 0;
	}
	buf = s.va ? (struct trace_buf *)s.va : NULL;
	chan_trace_frame = frame_of;
	chan_trace = s.classes & TRACE_C_CHAN ? buf : NULL;
	mon_trace = s.classes & TRACE_C_MONITOR ? buf : NULL;
}
