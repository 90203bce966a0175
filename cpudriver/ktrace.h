/* SPDX-License-Identifier: MIT */
/*
 * This core's trace buffers (docs/tracing.md): one for the kernel's own
 * events, mapped at KERNEL_TRACE, and one per traced process, mapped in
 * that process at USER_TRACE_BASE, all in frames of this core's
 * partition, and none while tracing is off. The kernel keeps its own
 * record of every buffer (its frames, size, pid, name); a process's
 * buffer outlives the process until the trace is read or discarded, so
 * a short program's events are still there at `trace dump`.
 *
 * A process learns of a change by SYS_EV_TRACE and asks SYS_TRACE_SELF:
 * its buffer stays mapped until it asks (or ends), so a process that is
 * writing while tracing stops never faults.
 */
#ifndef KTRACE_H
#define KTRACE_H

#include <stdint.h>
#include <channels/trace_ring.h>
#include <abi/syscall.h>

struct proc;

/* ktrace: this core's kernel buffer while tracing kernel events, else
 * NULL; ktrace_sys: the same while tracing system calls */
extern struct trace_buf *ktrace, *ktrace_sys;

/* ktrace_pid: the running process's pid, 0 if none (for TRACE_PID) */
uint32_t ktrace_pid(void);

/* ktrace_on: discard any trace, then trace classes (TRACE_C_*) into
 * buffers of bytes each. 0, E_INVAL (no class, size out of range) or
 * E_NOMEM (the kernel buffer could not be made; tracing stays off). */
int ktrace_on(uint32_t classes, uint64_t bytes);
/* ktrace_stop: no more events; the buffers stay to be read. Returns how
 * many there are. */
int ktrace_stop(void);
/* ktrace_off: stop and discard everything */
void ktrace_off(void);
/* ktrace_self: SYS_TRACE_SELF for p */
int ktrace_self(struct proc *p, struct sys_trace_self *out);
/* ktrace_at_spawn: a new process's buffer while tracing is on (made and
 * mapped as SYS_TRACE_SELF would): its address | the classes traced
 * (TRACE_C_*, below 4 KiB), 0 while tracing is not on */
uint64_t ktrace_at_spawn(struct proc *p);
/* ktrace_chan: SYS_TRACE_CHAN for p: the frame mapped at va, if p maps
 * it as a channel frame; E_INVAL otherwise */
int64_t ktrace_chan(struct proc *p, uint64_t va);
/* ktrace_read: SYS_TRACE_READ: bytes of one stopped buffer's image into
 * user memory at dst; returns how many, or E_RANGE / E_BUSY (tracing
 * is on) / E_FAULT */
int64_t ktrace_read(struct sys_trace_read *io, uint64_t dst, uint64_t len);
/* ktrace_proc_gone: p ends; its buffer stays with the trace */
void ktrace_proc_gone(struct proc *p);

#endif
