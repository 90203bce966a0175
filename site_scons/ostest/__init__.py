# SPDX-License-Identifier: MIT
"""The test plan that `scons test` runs.

While the SConscripts are read, the site tool hosttest.py records here what
there is to test: host unit test programs (env.HostTest), fuzz targets
(env.FuzzTarget), ISO images for system tests (env.SystemTestIso), the
system test declarations (env.SystemTests, files in tests/system/; with
soak=True those of tests/system/soak/, which only `scons soak` runs) and
checks that a site tool does in Python (e.g. env.InterfaceRejectTests: the
interface compiler must reject each bad .if file).

The tests run after SCons has finished building (and written its .sconsign),
from an exit handler: that way a build error in one component does not hide
the results of tests that do not depend on it (the build keeps going past
errors when `test` is asked for), the last line printed is always the
`N passed, N failed` summary, and the exit status is the tests' verdict.
runner.py orders and selects (only=) the tests and prints the results
(result.py: one line each, then the summary); each kind has its own
runner: unit.py (cmocka programs; cmocka.py reads their output), fuzz.py
(libFuzzer targets; sanitizers.py reads the reports of both) and
system.py (QEMU boots; spec.py reads the .test files). qemu.py is the
QEMU process harness (console log, ports, stopping) and keyboard.py the
serial keyboard, which the benchmarks (site_scons/mkbench) use too.
selfcheck.py checks the harness itself (the checks ostest/send,
ostest/spec, ostest/host).
"""


class Plan:
    def __init__(self):
        self.env = None          # the top-level environment (options)
        self.unit = []           # (name, program node)
        self.fuzz = []           # (name, program node, seed corpus dir or None)
        self.isos = {}           # ISO name -> node
        self.system = []         # spec.SystemTest, or (path, error text)
        self.soak = []           # the same for `scons soak` (tests/system/soak/)
        self.checks = []         # (name, function() -> (ok, reason))
        self.armed = False       # exit handler registered
        self.alias = None        # the `test` alias node
        self.soak_alias = None   # the `soak` alias node


PLAN = Plan()
