# SPDX-License-Identifier: MIT
"""`scons bench`: benchmark suites vs a baseline (the runner: site_scons/mkbench).

env.BenchSuites(alias, iso, pingpong, isos) makes the alias (always run) that runs
the suites after building the ISO, the network suite's ISOs ({name: iso})
and the static `pingpong` program, with
these options:
  suite=boot,channels      suites to run (default: all; order is fixed)
  bench_cores=1,2,4,...    core counts of the boot suite
  bench_remote_cores=2,4,.. core counts of the remote suite
  bench_remote_rounds=N    operations of each kind per remote point
  bench_runs=N             runs per point (median)
  bench_rounds=N           round trips per pingpong mode in the Linux guest
  bench_cache=DIR          where the Debian baseline packages are kept
  bench_linux=0            leave the Linux baseline out (nothing fetched
                           or booted; the suites note it); 1: the default
  bench_wrk_seconds=N      duration of each wrk run (network suite)
  bench_icount=1           each suite again under QEMU's instruction
                           counting (-icount shift=0,sleep=off, one host
                           thread): both systems, numbers that repeat;
                           <suite>-icount.csv, rows marked [icount];
                           bench_icount=only: that half alone
                           (mkbench/icount.py)
  trace=1                  trace each point of ours: `trace on` before,
                           `trace dump` after; <point>.trace.bin and
                           <point>.trace.json next to the CSV
                           (site_scons/mkbench/tracing.py)
Results land in build/bench/ (CSV per suite, plots, report.md).

env.BenchTestChecks(iso, pingpong) adds one check per suite to `scons
test` (site_scons/ostest PLAN.checks): each suite runs once in a tiny
configuration and fails on anything wrong on our side (suites.check): any
note about our side (a run that failed, fewer cores than asked for, lost
messages, a median of 0, a p99 below its median, unicast or tree messages
other than 2(N-1), wrk errors...) and any of our measurements missing
(suites.CHECK_MISSING). The baseline's problems are shown, not judged, so
that our side is judged without the Linux download too. One more check,
`bench/parse`, runs the parsers and suites.check on canned text without
QEMU (mkbench/selfcheck.py).
"""

import os
import shutil

from SCons.Script import Action

import mkbench
from mkbench import icount, suites

DEFAULT_CORES = '1,2,4,8,16,64,128,255'
DEFAULT_REMOTE_CORES = '2,4,8,16,32,64'
DEFAULT_REMOTE_ROUNDS = '200'


def _ints(text, what):
    try:
        v = [int(x) for x in str(text).split(',') if x.strip()]
    except ValueError:
        raise SystemExit('bench: %s=%s: want numbers separated by commas'
                         % (what, text))
    return v


def _trace(env):
    v = str(env.get('trace', '') or '').strip().lower()
    return mkbench.flag(v, False, 'bench: trace=%s: want trace=1 (a trace '
                        'per point) or nothing (trace=FILE is for `scons '
                        'run`)' % v)


def _icount(env):
    """bench_icount's clocks (mkbench/icount.py), after checking that
    this QEMU configuration can count instructions."""
    clocks = icount.mode(env.get('bench_icount', ''))
    if True in clocks and env['accel'] != 'tcg':
        raise SystemExit('bench: bench_icount=%s needs accel=tcg (QEMU '
                         'counts instructions only under TCG)'
                         % env.get('bench_icount'))
    return clocks


def _path(env, node):
    node = env.Flatten([node])[0]
    return env.File(node).abspath


def _opts(env, iso, pingpong, isos):
    wanted = [x.strip() for x in env.get('suite', '').split(',') if x.strip()]
    unknown = [x for x in wanted if x not in suites.ORDER]
    if unknown:
        raise SystemExit('bench: unknown suite(s) %s (known: %s)' % (
            ', '.join(unknown), ', '.join(suites.ORDER)))
    return {
        'suites': wanted or list(suites.ORDER),
        'cores': _ints(env.get('bench_cores') or DEFAULT_CORES,
                       'bench_cores'),
        'remote_cores': _ints(env.get('bench_remote_cores') or
                              DEFAULT_REMOTE_CORES, 'bench_remote_cores'),
        'remote_rounds': max(1, _ints(env.get('bench_remote_rounds') or
                                      DEFAULT_REMOTE_ROUNDS,
                                      'bench_remote_rounds')[0]),
        'runs': max(1, _ints(env.get('bench_runs', '1'), 'bench_runs')[0]),
        'rounds': max(10, _ints(env.get('bench_rounds', '2000'),
                                'bench_rounds')[0]),
        'cache': os.path.expanduser(env.get('bench_cache') or
                                    '~/.cache/mkos/bench'),
        'wrk_seconds': max(1, _ints(env.get('bench_wrk_seconds', '10'),
                                    'bench_wrk_seconds')[0]),
        'out': env.Dir('#build/bench').abspath,
        'iso': _path(env, iso),
        'pingpong': _path(env, pingpong),
        'isos': {k: _path(env, v) for k, v in isos.items()},
        'icount': _icount(env),
        'linux': mkbench.linux_mode(env.get('bench_linux')),
    }


def _bench_suites(env, alias, iso, pingpong, isos):
    def action(target, source, env):
        opts = _opts(env, iso, pingpong, isos)
        opts['trace'] = _trace(env)
        mkbench.run(env, opts)
        return 0

    a = env.Alias(alias, [iso, pingpong] + list(isos.values()),
                  Action(action, None))
    env.AlwaysBuild(a)
    return a


def _test_check(env, name, iso, pingpong, isos):
    def check():
        opts = _opts(env, iso, pingpong, isos)
        opts.update(suites=[name], cores=[1, 2], runs=1, rounds=50,
                    chan_smp=3, quiet=True, wrk_seconds=2,
                    remote_cores=[2, 4], remote_rounds=10,
                    out=env.Dir('#build/tests/bench').abspath)
        done, _ = mkbench.run(env, opts)
        bad = ['%s: %s' % (s.label, b) for s in done for b in suites.check(s)]
        if bad:
            return False, '; '.join(bad)
        return True, '; '.join(n for s in done for n in s.notes)[:200]
    return check


def _bench_test_checks(env, iso, pingpong, isos,
                       names=('boot', 'channels', 'network', 'isolation',
                              'remote', 'failover')):
    from ostest import PLAN
    from mkbench import selfcheck
    PLAN.checks.append(('bench/parse', selfcheck.parse_check))
    for name in names:
        PLAN.checks.append(('bench/' + name,
                            _test_check(env, name, iso, pingpong, isos)))


def generate(env):
    env.AddMethod(_bench_suites, 'BenchSuites')
    env.AddMethod(_bench_test_checks, 'BenchTestChecks')


def exists(env):
    return bool(shutil.which('qemu-system-x86_64'))
