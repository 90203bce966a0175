# SPDX-License-Identifier: MIT
"""`scons bench`: benchmark suites against a baseline measured in the same run.

run(env, opts) runs the suites named in opts['suites'] in the fixed order of
suites.ORDER, one QEMU at a time, shows progress on stdout, writes
<out>/<suite>.csv, the plots and <out>/report.md, and prints the machine
record and a summary table of ratios (ours / baseline). A suite that cannot
run (no baseline, no ISO, not written yet) is reported with its reason; no
suite is a pass/fail test, but run() returns the list of suites so that
`scons test` can check that each produced what it should.

Modules: guest.py (a QEMU driven over its serial port), linux.py (the
Debian baseline guest), machine.py, report.py, suites.py, tracing.py
(trace=1: a trace of each point), selfcheck.py (the parsers on canned
text).
"""

import os
import sys
import time

from . import icount, linux, machine, report, suites, tracing
from .linux import FetchError

QEMU = 'qemu-system-x86_64'
# the page every web server of the network suite serves at / (ours, and
# busybox httpd and nginx in the Linux guest)
PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                    'apps', 'httpd', 'www', 'index.html')


def flag(text, default, refusal):
    """An on/off option's value: default when empty, True for 1, yes, on,
    False for 0, no, off; anything else ends SCons with refusal."""
    v = str(text if text is not None else '').strip().lower()
    if v == '':
        return default
    if v in ('1', 'yes', 'on'):
        return True
    if v in ('0', 'no', 'off'):
        return False
    raise SystemExit(refusal)


def linux_mode(text):
    """bench_linux's value: True (the default: boot the Linux baseline) or
    False (0, no, off: leave it out)."""
    return flag(text, True, 'bench: bench_linux=%s: want bench_linux=0 '
                '(leave the Linux baseline out) or 1 (the default)' % text)


class Ctx:
    def __init__(self, env, opts):
        self.env = env
        self.qemu = QEMU
        self.out = opts['out']
        self.work = os.path.join(self.out, 'work')
        self.iso = opts['iso']
        self.pingpong = opts['pingpong']
        self.cache = opts['cache']
        self.cores = opts['cores']
        self.runs = opts.get('runs', 1)
        self.rounds = opts.get('rounds', 2000)
        self.chan_pair = opts.get('chan_pair', (1, 2))
        self.chan_smp = opts.get('chan_smp', 4)
        self.quiet = opts.get('quiet', False)
        self.isos = opts.get('isos', {})
        self.wrk_seconds = opts.get('wrk_seconds', 10)
        self.remote_cores = opts.get('remote_cores', [2, 4, 8, 16, 32, 64])
        self.remote_rounds = opts.get('remote_rounds', 200)
        self.trace = opts.get('trace', False)   # trace=1: mkbench/tracing.py
        # bench_icount: the clocks each suite runs under, in order (False:
        # wall, True: instruction counting; mkbench/icount.py), and the
        # one of the half running now.
        self.clocks = opts.get('icount', (False, ))
        self.icount = False
        self._linux = None
        # bench_linux=0: no Linux baseline is fetched or booted; the suites
        # note why, as for a failed fetch
        self.linux_error = ('' if opts.get('linux', True) else
                            'left out (bench_linux=0)')
        self.nginx = None        # linux.fetch_nginx's, when it worked
        self.nginx_error = ''
        self.tty = sys.stdout.isatty() and not self.quiet
        os.makedirs(self.work, exist_ok=True)

    def _fetch(self):
        if self._linux is not None or self.linux_error:
            return
        try:
            info = linux.fetch(self.cache, log=self.say)
            try:
                self.nginx = linux.fetch_nginx(self.cache, log=self.say)
            except (FetchError, OSError) as e:
                self.nginx_error = 'fetching nginx into %s failed: %s' % (
                    self.cache, e)
                self.say('bench: ' + self.nginx_error)
            initrd = linux.initramfs(os.path.join(self.work, 'initrd.gz'),
                                     info, {'pingpong': self.pingpong},
                                     page=PAGE, nginx=self.nginx)
            self._linux = (info, initrd)
        except (FetchError, OSError) as e:
            self.linux_error = ('fetching the Debian baseline into %s failed:'
                                ' %s' % (self.cache, e))
            self.say('bench: ' + self.linux_error)

    def linux_ok(self):
        self._fetch()
        return self._linux is not None

    def linux(self):
        self._fetch()
        return self._linux

    def linux_version(self):
        return self._linux[0]['version'] if self.linux_ok() else '(none)'

    def say(self, text):
        if not self.quiet:
            if self.tty:
                sys.stdout.write('\r\033[K')
            print(text, flush=True)

    def progress(self, suite, i, n, what):
        if self.quiet:
            return
        line = '[bench %s %d/%d] %s' % (suite, i, n, what)
        if self.tty:
            sys.stdout.write('\r\033[K' + line)
            sys.stdout.flush()
        else:
            print(line, flush=True)

    def done(self, suite, text):
        self.say('  %s: %s' % (suite, text))


ICOUNT_METHOD = (
    ' [icount] Both systems ran under QEMU\'s instruction counting (%s): '
    'one host thread runs every vCPU in turn and the guest clock advances '
    'one ns per instruction executed, so a run repeats exactly; times here '
    'are instructions and scheduling turns, not cache or host effects '
    '(docs/benchmarks.md, "Instruction counting").' % icount.describe())


def run(env, opts):
    """Runs the suites; returns (list of report.Suite, report path)."""
    ctx = Ctx(env, opts)
    mach = machine.record(env, QEMU)
    mach['clock'] = ', then '.join(
        'instruction counting (%s)' % icount.describe() if c else
        'host wall clock' for c in ctx.clocks)
    if not ctx.quiet:
        print('bench: ' + ', '.join('%s %s' % kv for kv in mach.items()),
              flush=True)
    done, plots = [], {}
    for name, clock in [(n, c) for n in suites.ORDER for c in ctx.clocks]:
        if name not in opts['suites']:
            continue
        ctx.icount = clock
        t0 = time.monotonic()
        fn = suites.SUITES.get(name)
        if fn is None:
            s = report.Suite(name, name)
            s.note('suite %s is not written yet' % name, status='skipped')
        elif not os.path.exists(ctx.iso):
            s = report.Suite(name, name)
            s.note('no ISO at %s' % ctx.iso, status='skipped')
        else:
            s = fn(ctx)
            if ctx.trace and name != 'boot':
                s.method += (
                    ' trace=1: each point of ours ran traced (`%s` before '
                    'it, `trace dump` after it), which costs time: compare '
                    'these numbers with traced runs only. Each point\'s '
                    'trace is next to the CSV: <point>.trace.bin (the dump) '
                    'and <point>.trace.json (Perfetto; docs/tracing.md).'
                    % tracing.TRACE_ON)
        if clock:
            s.clock = 'icount'
            s.method += ICOUNT_METHOD
        csv_path = report.write_csv(ctx.out, s)
        plots[s.file] = report.plot(ctx.out, s, csv_path)
        s.seconds = time.monotonic() - t0
        ctx.say('bench %s: %s in %.0f s, %s' % (s.label, s.status, s.seconds,
                                                 csv_path))
        done.append(s)
    path = report.write_report(ctx.out, mach, done, plots)
    if not ctx.quiet:
        print('\n'.join(['', 'bench summary (ours / baseline; see %s):'
                         % path] + report.summary_lines(done)), flush=True)
    return done, path
