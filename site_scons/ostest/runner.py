# SPDX-License-Identifier: MIT
"""Runs the test plan and prints one line per test, then `N passed, N failed`.

Order: build failures (each failed build step is a failed test), host unit
tests (one result per cmocka case), site tools' Python checks, fuzz runs (a
crash is a failure), then QEMU system tests, two at a time. `scons soak`
runs only the soak system tests (tests/system/soak/), the same way. A failure line
gives the reason and is followed by the last lines of output, indented with
'|' (result.py). `only=` picks the tests that run.

This module is the order and the selection; each kind runs in its own:
unit.py (cmocka programs), fuzz.py (libFuzzer targets), system.py (QEMU
system tests, over qemu.py's QEMU harness and keyboard.py's serial
keyboard).
"""

import os
import re
import threading

from .fuzz import run_fuzz
from .result import Result, report
from .result import out as _out
from .system import run_pool
from .unit import run_unit

SYSTEM_JOBS = 2                # QEMUs at once (the machines have 2 cores)


def _built(node):
    import SCons.Node
    return (node.get_state() in (SCons.Node.up_to_date, SCons.Node.executed)
            and os.path.exists(node.abspath))


def _exact_filter(names, only):
    """Narrows `only` words that name a test exactly to that test alone, so
    that only=boot-1 does not also pick boot-16 and boot-128."""
    out = []
    for w in only:
        exact = [n for n in names if w in (n, n.split('/', 1)[-1])]
        out.append((w, exact))
    return out


def run_check(name, fn):
    """A check a site tool does in Python; fn() returns (ok, reason)."""
    try:
        ok, reason = fn()
    except Exception as e:                 # a broken check must not pass
        return Result(name, False, 'check raised %s: %s' % (
            e.__class__.__name__, e))
    return Result(name, bool(ok), reason)


def _build_failures():
    from SCons.Script import GetBuildFailures
    out = []
    for bf in GetBuildFailures():
        node = str(bf.node) if bf.node is not None else '?'
        if not node.startswith('build/'):
            node = 'build/' + node
        msg = bf.errstr or 'failed'
        if re.match(r'^Error -?\d+$', msg):
            msg = 'build step failed (%s; its output is above)' % msg
        cmd = bf.command
        if isinstance(cmd, (list, tuple)):
            cmd = ' '.join(str(c) for c in cmd)
        out.append(Result(node, False, msg,
                          ['command: ' + cmd] if isinstance(cmd, str) and cmd else []))
    return out


class Run:
    def __init__(self, plan, only, test=True, soak=False):
        self.plan = plan
        self.only = [w.strip() for w in (only or '').split(',') if w.strip()]
        self.results = []
        self.test = test                   # `scons test`: everything in it
        self.soak = soak                   # `scons soak`: its system tests
        self.systems = (list(plan.system) if test else []) + (
            list(plan.soak) if soak else [])

    def add(self, r):
        self.results.append(r)
        report(r)

    def wanted(self, names):
        """Returns the subset of names that only= selects."""
        if not self.only:
            return set(names)
        picked = set()
        for word, exact in _exact_filter(names, self.only):
            picked |= set(exact) if exact else {n for n in names if word in n}
        return picked

    def case_words(self, unit):
        """only=unit/test_x/case (or test_x/case) picks one cmocka case:
        the program runs whole, only that case is reported."""
        out = {}
        for w in self.only:
            for n, _ in unit:
                for pre in ('unit/%s/' % n, '%s/' % n):
                    if w.startswith(pre) and len(w) > len(pre):
                        out.setdefault(n, set()).add('unit/%s/%s' % (n, w[len(pre):]))
        return out

    def go(self):
        plan = self.plan
        env = plan.env
        top = env.Dir('#').abspath
        base = dict(env['ENV'])

        for r in _build_failures():
            self.add(r)

        unit = plan.unit if self.test else []
        checks = plan.checks if self.test else []
        fuzz = plan.fuzz if self.test else []
        names = (['unit/' + n for n, _ in unit] +
                 [n for n, _ in checks] +
                 ['fuzz/' + n for n, _, _ in fuzz] +
                 ['system/' + _sys_name(t) for t in self.systems])
        wanted = self.wanted(names)
        cases = self.case_words(unit)
        if self.only and not wanted and not cases:
            self.add(Result('only=' + ','.join(self.only), False,
                            'no test has that name; names: ' + ' '.join(names)))

        for n, node in unit:
            bid = 'unit/' + n
            if bid not in wanted and n not in cases:
                continue
            if not _built(node):
                self.add(Result(bid, False, 'not built (see the build errors above)'))
                continue
            got = set()
            for r in run_unit(n, node.abspath, top, base):
                if bid in wanted or r.name == bid or r.name in cases[n]:
                    self.add(r)
                    got.add(r.name)
            for c in sorted(cases.get(n, set()) - got):
                if bid not in wanted:
                    self.add(Result(c, False, 'no such case in %s' % bid))

        for n, fn in checks:
            if n in wanted:
                self.add(run_check(n, fn))

        secs = _int(env.get('fuzz_seconds', '5'), 5)
        for n, node, corpus in fuzz:
            if 'fuzz/' + n not in wanted:
                continue
            if not _built(node):
                self.add(Result('fuzz/' + n, False, 'not built (see the build errors above)'))
                continue
            self.add(run_fuzz(n, node.abspath, corpus, top, secs, base))

        self.system(top, wanted)

    def system(self, top, wanted):
        todo = []
        seen = set()
        for t in self.systems:
            name = 'system/' + _sys_name(t)
            if name not in wanted:
                continue
            if isinstance(t, tuple):
                self.add(Result(name, False, t[1]))
                continue
            if name in seen:
                self.add(Result(name, False, '%s: a test with this name exists already' % t.path))
                continue
            seen.add(name)
            node = self.plan.isos.get(t.iso)
            if node is None:
                self.add(Result(name, False, 'no ISO named %r (known: %s)' % (
                    t.iso, ', '.join(sorted(self.plan.isos)))))
            elif not _built(node):
                self.add(Result(name, False, 'ISO %s not built (see the build errors above)' % node))
            else:
                todo.append((t, node.abspath))
        if not todo:
            return
        todo.sort(key=lambda x: (x[0].order, x[0].name))
        alone = [x for x in todo if x[0].alone]
        todo = [x for x in todo if not x[0].alone]
        _out('-- %d system test(s), %d at a time, accel=%s%s' % (
            len(todo) + len(alone), SYSTEM_JOBS, self.plan.env['accel'],
            '; then %d alone' % len(alone) if alone else ''))
        stop = threading.Event()
        run_pool(todo, SYSTEM_JOBS, self.plan.env, top, stop, self.add)
        run_pool(alone, 1, self.plan.env, top, stop, self.add)

    def summary(self):
        passed = sum(1 for r in self.results if r.ok)
        failed = len(self.results) - passed
        _out('%d passed, %d failed' % (passed, failed))
        return 1 if failed or not self.results else 0


def _sys_name(t):
    if isinstance(t, tuple):
        return os.path.splitext(os.path.basename(t[0]))[0]
    return t.name


def _int(v, default):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def run(plan, only='', test=True, soak=False):
    """Runs everything `scons test` runs (test), the soak system tests
    (soak), or both; returns the exit status for the process."""
    r = Run(plan, only, test, soak)
    try:
        r.go()
    except KeyboardInterrupt:
        _out('interrupted')
        r.summary()
        return 130
    except Exception as e:                 # a harness bug must not pass
        import traceback
        traceback.print_exc()
        r.add(Result('harness', False, 'internal error: %s' % e))
    return r.summary()
