# SPDX-License-Identifier: MIT
"""`scons bench ... trace=1`: a trace per measured point (docs/tracing.md).

With ctx.trace, each guest of ours boots with the trace device (QEMU
writes it to <work>/<guest>.trace.bin), and point() wraps a measurement:
`trace on` before it, `trace dump` after it (the shell's last line
`trace: dumped ...`; a line `trace dump: WHY` fails the point), then the
bytes the device got since the previous dump go next to the CSV as
<out>/<point>.trace.bin, converted to <out>/<point>.trace.json (tracetool;
a dump that does not convert is a note about our side, problems
tracetool's check finds are a note).

command() is the one place that types a trace command and reads its
answer; the channels suite uses it for `trace on chan` / `trace off`
around the round trip it measures with tracing on.
"""

import json
import os

from .guest import GuestError

# The shell's answer to a trace command: `trace: ...` when it worked,
# `trace on: ...`, `trace dump: ...` and the like when not, or no such
# command at all.
ANSWER = (r'^(?:trace(?: on| off| dump)?: .*|unknown command .*|'
          r'usage: trace.*)$')
PROMPT = r'^> $'
# What a traced point turns on: the default classes, with buffers big
# enough that a point's events rarely wrap (a wrapped buffer loses its
# oldest sends, whose receives the check then reports).
TRACE_ON = 'trace on kernel,chan,monitor 1M'
TIMEOUT = 60             # seconds for `trace on` and `trace off`
DUMP_TIMEOUT = 180       # for `trace dump` (megabytes through virtio)


def device(ctx, guest):
    """The trace device's file for our guest named `guest`, or None
    without trace=1 (an old file is removed: QEMU makes it anew)."""
    if not ctx.trace:
        return None
    path = os.path.join(ctx.work, guest + '.trace.bin')
    if os.path.lexists(path):
        os.unlink(path)
    return path


def command(g, cmd, ok, timeout=TIMEOUT):
    """Types `cmd` at the shell's prompt, waits for its answer and the
    prompt after it; returns the answer line. Raises GuestError naming the
    command when the answer does not start with `ok`."""
    g.type(cmd)
    m, _ = g.wait_for(ANSWER, timeout)
    line = m.group(0)
    if not line.startswith(ok):
        raise GuestError('`%s`: %s' % (cmd, line))
    g.wait_for(PROMPT, 30)
    return line


def point(ctx, s, g, name, measure):
    """measure() between `trace on` and `trace dump` with trace=1 (then
    the point's trace is collected as <out>/<name>.trace.bin and .json);
    just measure() without. Returns what measure() returns; GuestError
    when tracing fails, so that the point fails with the reason."""
    if not ctx.trace:
        return measure()
    command(g, TRACE_ON, 'trace: on ')
    v = measure()
    command(g, 'trace dump', 'trace: dumped ', DUMP_TIMEOUT)
    collect(ctx, s, g, name)
    return v


def collect(ctx, s, g, name):
    """What the device got since the last collect() to <out>/<name>.trace.bin,
    converted to .trace.json; problems are notes about our side."""
    path = getattr(g, 'trace_path', None)
    if not path:
        s.note('trace of %s: the guest has no trace device' % name,
               ours=True)
        return
    try:
        with open(path, 'rb') as f:
            f.seek(g.trace_off)
            data = f.read()
    except OSError as e:
        s.note('trace of %s: cannot read %s: %s' % (name, path, e.strerror),
               ours=True)
        return
    g.trace_off += len(data)
    out = os.path.join(ctx.out, name + '.trace.bin')
    with open(out, 'wb') as f:
        f.write(data)
    from tracetool import TraceError, check, decode, to_chrome
    try:
        trace = to_chrome(decode(data))
    except TraceError as e:
        s.note('trace of %s (%s): %s' % (name, out, e), ours=True)
        return
    with open(os.path.join(ctx.out, name + '.trace.json'), 'w') as f:
        json.dump(trace, f)
    errors = check(trace)['errors']
    if errors:
        # diagnostics of the trace (a wrapped buffer gives some), not a
        # failed measurement
        s.note('trace of %s: tracetool --check finds %d problem(s), the '
               'first: %s' % (name, len(errors), errors[0]))
