# SPDX-License-Identifier: MIT
"""Tracing on the host (docs/tracing.md): the converter's check.

The converter itself is the package site_scons/tracetool (python3 -m
tracetool with PYTHONPATH=site_scons). This tool registers its self-check
`trace/convert` (canned dumps to expected JSON and expected errors,
tracetool/selfcheck.py) with `scons test`, and the instruction profiler's
`trace/icountprof` (site_scons/icountprof: where a guest's instructions
went under icount, from QEMU's exec log; icountprof/selfcheck.py). Collecting a trace from QEMU
(`scons run trace=FILE`) is not built yet.
"""

from ostest import PLAN


def generate(env):
    from tracetool import selfcheck
    from icountprof import selfcheck as profcheck
    if not any(n == 'trace/convert' for n, _ in PLAN.checks):
        PLAN.checks.append(('trace/convert', selfcheck.convert_check))
        PLAN.checks.append(('trace/icountprof', profcheck.profile_check))


def exists(env):
    return True
