// SPDX-License-Identifier: MIT
/*
 * A process's side of tracing (docs/tracing.md). While tracing is on the
 * kernel maps the process's buffer and passes it at start-up
 * (trace_start); a change later is SYS_EV_TRACE, after which
 * trace_refresh asks again. Both point the channel library, and a
 * monitor's own events, at the buffer or at nothing.
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

/* point: the channel library and the monitor's events at buf, as far
 * as classes say */
static void point(struct trace_buf *buf, uint32_t classes)
{
	chan_trace_frame = frame_of;
	chan_trace = classes & TRACE_C_CHAN ? buf : NULL;
	mon_trace = classes & TRACE_C_MONITOR ? buf : NULL;
}

void trace_start(uint64_t word)
{
	point((struct trace_buf *)(uintptr_t)(word & ~0xfffull),
	      (uint32_t)(word & 0xfff));
}

void trace_refresh(void)
{
	struct sys_trace_self s;

	/* the kernel unmaps a buffer of a trace that ended during this
	 * call: nothing of this process writes meanwhile */
	if (sys_call(SYS_TRACE, SYS_TRACE_SELF, (long)&s, 0, 0) < 0) {
		s.va = 0;
		s.classes = 0;
	}
	point(s.va ? (struct trace_buf *)s.va : NULL, s.classes);
}
