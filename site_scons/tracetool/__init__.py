# SPDX-License-Identifier: MIT
"""tracetool: trace dumps (docs/tracing.md) to a timeline people can open.

    python3 -m tracetool IN.bin --json OUT.json --svg OUT.svg [--check]
    (with PYTHONPATH=site_scons)

Modules: dump.py reads and validates a dump file (the layouts of
cpudriver/include/abi/trace.h), chrome.py writes the Chrome Trace Event
JSON that Perfetto and chrome://tracing open and checks a converted trace
(check()), svg.py draws the timeline as an SVG picture, selfcheck.py is
the check `trace/convert` of `scons test` (canned dumps, no QEMU).

A dump comes from the machine under study, its process buffers from
programs that may write anything: every problem with the file is a
TraceError with one line naming what is wrong, never a traceback, and
events that make no sense are dropped with a warning.
"""

from .dump import TraceError, decode, read  # noqa: F401
from .chrome import check, to_chrome  # noqa: F401
from .svg import to_svg  # noqa: F401
