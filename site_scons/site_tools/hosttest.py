# SPDX-License-Identifier: MIT
"""Host tests, fuzz targets, system test declarations, and `scons test`.

env.HostEnv() -> environment for C programs that run on the build machine:
  the host compiler (cc=gcc|clang), -std=c11 -g -O1 -Wall -Wextra, with
  AddressSanitizer and UndefinedBehaviorSanitizer (no recovery: the first
  error ends the program), include paths #cpudriver/include #cpudriver
  #channels/include, linked with -lcmocka.
env.HostTest(name, sources, **overrides) -> build/tests/unit/<name>, a
  cmocka program; `scons test` runs it and counts every test case.
  sanitize='thread' builds it with clang and ThreadSanitizer instead of
  ASan/UBSan (they exclude each other), linked with -lpthread.
env.FuzzTarget(name, sources, corpus=dir, **overrides) -> build/tests/fuzz/
  <name>, built with clang -fsanitize=fuzzer,address,undefined; `scons test`
  runs it for fuzz_seconds, starting from a scratch copy of the seed corpus
  (under build/tests/fuzz/work/<name>/), and any crash fails the run.
env.SystemTestIso(name, iso_node) -> names an ISO that tests/system/*.test
  files boot with `iso: name`.
env.SystemTests(files) reads system test declarations (format: site_scons/
  ostest/spec.py and README.md); env.SystemTests(files, soak=True) those
  only `scons soak` runs (tests/system/soak/: long runs).

Sources may live anywhere in the tree ('#cpudriver/mb2.c'); every test gets
its own objects under build/tests/obj/<unit|fuzz>/<name>/, so the same file
can be built for the kernel, a unit test and a fuzz target side by side.

`scons test` builds everything, then runs the tests (site_scons/ostest/
runner.py) and ends with the line `N passed, N failed`; `only=NAME` runs
only the named tests. `scons soak` builds the test images and runs the
soak system tests alone, through the same runner (only= too).
"""

import atexit
import functools
import os
import subprocess
import sys

from SCons.Script import COMMAND_LINE_TARGETS, GetOption

from ostest import PLAN
from ostest import runner, selfcheck, spec

HOST_CFLAGS = ['-std=c11', '-g', '-O1', '-Wall', '-Wextra',
               '-fno-omit-frame-pointer']
HOST_SAN = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all']
FUZZ_SAN = ['-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all']
TSAN = ['-fsanitize=thread']
HOST_CPPPATH = ['#cpudriver/include', '#cpudriver', '#channels/include']
COMPILED = ('.c', '.S', '.s')


def _host_env(env):
    if env.get('OSTEST_ENV') == 'host':
        return env.Clone()
    e = env.Clone()
    cc = env.get('cc', 'gcc')
    e.Replace(CC=cc, LINK=cc,
              CCFLAGS=HOST_CFLAGS + HOST_SAN, CFLAGS=[],
              CPPPATH=list(HOST_CPPPATH),
              # Host tests build the parsers as they are, outside the kernel;
              # _DEFAULT_SOURCE gives tests the POSIX/BSD bits of libc too.
              CPPDEFINES=['HOST_TEST', '_DEFAULT_SOURCE'],
              LINKFLAGS=list(HOST_SAN), LIBS=['cmocka'], LIBPATH=[],
              PROGSUFFIX='', OBJSUFFIX='.o',
              OSTEST_ENV='host')
    return e


def _fuzz_env(env):
    e = _host_env(env)
    e.Replace(CC='clang', LINK='clang',
              CCFLAGS=HOST_CFLAGS + FUZZ_SAN, LINKFLAGS=list(FUZZ_SAN),
              LIBS=[], OSTEST_ENV='fuzz')
    e.Append(CPPDEFINES=['FUZZING'])
    return e


def _after_dirs(env):
    """The folders env's compiler searches after the system's
    (-idirafter DIR in CPPFLAGS or CCFLAGS: libos/include, whose string.h
    must not hide the host's)."""
    flags = []
    for var in ('CPPFLAGS', 'CCFLAGS'):
        flags += [str(f) for f in env.Flatten([env.get(var, [])])]
    return [flags[i + 1] for i in range(len(flags) - 1)
            if flags[i] == '-idirafter']


@functools.lru_cache(maxsize=None)
def _headers_under(folder):
    """Every .h under folder, walked once per build whatever the number
    of tests that search it."""
    out = []
    for root, _, files in os.walk(folder):
        out += [os.path.join(root, f) for f in files if f.endswith('.h')]
    return tuple(sorted(out))


def _objects(env, kind, name, sources, kw):
    """Compiles sources into build/tests/obj/<kind>/<name>/<path in tree>.o;
    anything that is not C or assembly (objects, libraries) passes through.
    SCons's scanner follows #include through CPPPATH only: a header found
    through -idirafter would never rebuild the test, so every header under
    such a folder is a dependency of every object (a change to any of them
    rebuilds these few tests, never too few)."""
    top = env.Dir('#')
    out = []
    after = [env.File(h) for d in _after_dirs(env) for h in _headers_under(d)]
    for s in env.Flatten([sources]):
        node = env.File(s) if isinstance(s, str) else s
        rel = node.srcnode().get_path(top)
        if os.path.isabs(rel) or rel.startswith('..'):
            rel = os.path.basename(rel)
        base, ext = os.path.splitext(rel)
        if ext not in COMPILED:
            out.append(node)
            continue
        obj = env.Object('#build/tests/obj/%s/%s/%s%s' % (kind, name, base,
                                                        env['OBJSUFFIX']),
                         node, **kw)
        if after:
            env.Depends(obj, after)
        out += obj
    return out


def _tsan_env(env):
    # Always clang, like the fuzz targets: gcc expands a memcpy of bounded
    # size inline after its TSan pass, so TSan never sees those accesses
    # (a ring made to race on its payload went unreported under gcc 12).
    e = _host_env(env)
    e.Replace(CC='clang', LINK='clang',
              CCFLAGS=HOST_CFLAGS + TSAN, LINKFLAGS=list(TSAN))
    e.Append(LIBS=['pthread'])
    return e


def _host_test(env, name, sources, sanitize=None, **kw):
    if sanitize not in (None, 'thread'):
        raise ValueError('HostTest %s: sanitize=%r (only None or '
                         "'thread')" % (name, sanitize))
    h = _tsan_env(env) if sanitize == 'thread' else _host_env(env)
    prog = h.Program('#build/tests/unit/' + name,
                     _objects(h, 'unit', name, sources, kw), **kw)
    PLAN.unit.append((name, prog[0]))
    h.Alias('test', prog)
    return prog


def _fuzz_target(env, name, sources, corpus=None, **kw):
    f = _fuzz_env(env)
    prog = f.Program('#build/tests/fuzz/' + name,
                     _objects(f, 'fuzz', name, sources, kw), **kw)
    seeds = env.Dir(corpus).srcnode().abspath if corpus else None
    PLAN.fuzz.append((name, prog[0], seeds))
    f.Alias('test', prog)
    return prog


def _system_test_iso(env, name, iso):
    node = env.arg2nodes(iso)[0]
    PLAN.isos[name] = node
    env.Alias('test', node)
    env.Alias('soak', node)
    return node


def _system_tests(env, files, soak=False):
    """Reads system test declarations (file nodes or paths): for `scons
    test` (tests/system/*.test), or with soak=True for `scons soak`."""
    into = PLAN.soak if soak else PLAN.system
    for f in sorted(env.Flatten([files]), key=str):
        node = env.File(f) if isinstance(f, str) else f
        path = node.srcnode().abspath
        try:
            into.append(spec.parse(path, node.srcnode().path))
        except (spec.SpecError, OSError, UnicodeDecodeError) as e:
            into.append((path, str(e)))


# ------------------------------------------------------------- `scons test`

def _keep_going():
    """`scons test` builds past errors (like -k) so that one broken
    component fails its own tests only. SetOption() cannot set keep_going,
    so this sets it where SCons keeps SConscript-set options; if a future
    SCons moves it, the build merely stops at the first error."""
    try:
        from SCons.Script import Main
        Main.OptionsParser.values.__SConscript_settings__['keep_going'] = True
    except Exception:
        pass


def _at_exit():
    """Runs after SCons has built and saved its state; os._exit so that the
    tests' verdict is the exit status and the summary the last line."""
    import SCons.Node
    status = 1
    test = 'test' in COMMAND_LINE_TARGETS
    soak = 'soak' in COMMAND_LINE_TARGETS
    aliases = ([PLAN.alias] if test else []) + ([PLAN.soak_alias] if soak else [])
    try:
        if any(a.get_state() in (SCons.Node.no_state, SCons.Node.pending,
                                 SCons.Node.executing) for a in aliases):
            print('FAIL build: the build did not run to the end '
                  '(error or interrupt above); no test was run', flush=True)
            print('0 passed, 1 failed', flush=True)
        else:
            status = runner.run(PLAN, PLAN.env.get('only', ''), test=test,
                                soak=soak)
    except KeyboardInterrupt:
        status = 130
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _arm(env):
    if PLAN.armed:
        return
    PLAN.armed = True
    PLAN.env = env
    # The harness's own checks: typing on the console, the .test keys,
    # host: commands and boots, and how a test ends (with a fake QEMU).
    PLAN.checks.append(('ostest/send', selfcheck.send_check))
    PLAN.checks.append(('ostest/spec', selfcheck.spec_check))
    PLAN.checks.append(('ostest/host', lambda: selfcheck.host_check(env)))
    PLAN.checks.append(('ostest/end', lambda: selfcheck.end_check(env)))
    # `test` depends on everything in the tree, and on each test artefact.
    t = env.Alias('test', env.Dir('#'))
    env.AlwaysBuild(t)
    PLAN.alias = t[0]
    # `soak` depends on the test images (SystemTestIso adds each).
    s = env.Alias('soak', [])
    env.AlwaysBuild(s)
    PLAN.soak_alias = s[0]
    if ('test' not in COMMAND_LINE_TARGETS and
            'soak' not in COMMAND_LINE_TARGETS):
        return
    for opt in ('clean', 'help', 'no_exec', 'question'):
        if GetOption(opt):
            return
    _keep_going()
    atexit.register(_at_exit)


def generate(env):
    env.AddMethod(_host_env, 'HostEnv')
    env.AddMethod(_host_test, 'HostTest')
    env.AddMethod(_fuzz_target, 'FuzzTarget')
    env.AddMethod(_system_test_iso, 'SystemTestIso')
    env.AddMethod(_system_tests, 'SystemTests')
    _arm(env)


def _runs(cmd):
    try:
        return subprocess.run(cmd, capture_output=True).returncode == 0
    except OSError:
        return False


def exists(env):
    cc = env.get('cc', 'gcc')
    if not (env.Detect(cc) and env.Detect('clang')):
        return False
    return (os.path.exists('/usr/include/cmocka.h') or
            _runs(['pkg-config', '--exists', 'cmocka']))
