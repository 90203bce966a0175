# SPDX-License-Identifier: MIT
"""The benchmark suites. Each is a function(ctx) -> report.Suite.

A suite measures our system and its baseline in the same run, one QEMU at a
time, and records a note (never a made-up number) for whatever it could not
measure or found wrong; a note about our side is marked so (note(...,
ours=True)). The parse_* functions take console text and return what they
read and a list of problems, so that selfcheck.py can show each rejection
on canned text. check(suite) is what `scons test`'s bench/NAME checks hold
against a run: it judges our side alone, so a missing Linux baseline does
not hide a broken system.
"""

import os
import re
import shutil
import statistics
import subprocess
import time

from . import icount, linux, tracing
from .guest import Guest, GuestError
from .report import Suite

READY = r'system ready: (\d+) cores, (\d+) MiB, (\d+) ms'
PROMPT = r'^> $'
BOOT_TIMEOUT = 60            # seconds, plus 1 s per core
# chanbench's result; groups: cores A and B, median cycles, median ns, p99
# ns, one-way rate, and (optional here, so that its absence is a problem
# parse_chan names) how many of how many one-way messages arrived.
CHAN_RX = (r'bench chan (\d+) -> (\d+): round trip median (\d+) cycles '
           r'\((\d+) ns\), p99 (?:\d+ cycles )?\((\d+) ns\);\s+one-way '
           r'([\d,]+) messages/s(?: \(([\d,]+) of ([\d,]+) arrived\))?')
PINGPONG = (r'pingpong (\w+) rtt_median_ns (\d+) rtt_p99_ns (\d+) '
            r'oneway_msgs_per_s (\d+)')
# chanbench's count of what it sent and received on the bench channel
# (for tracing's comparison): not a problem.
CHAN_COUNT = r'^chanbench: channel messages sent \d+ received \d+$'
# What the shell says instead of a result: its usage, or a bench failure.
SHELL_FAIL = r'^(?:usage: bench.*|bench: (?:failed|cannot start).*)$'


def _clocked(ctx, cmd_for):
    """cmd_for, under instruction counting in bench_icount's half
    (mkbench/icount.py); the Guest's keyword arguments to match."""
    if not ctx.icount:
        return cmd_for, {}
    return (lambda cd: icount.command(cmd_for(cd)),
            {'scale': icount.TIMEOUT_SCALE})


def _os_guest(ctx, smp, name, iso=None, qenv=None, **kw):
    """Our guest; with trace=1 it has the trace device (mkbench/tracing.py).
    qenv: QEMU's environment (None: the harness's own)."""
    trace = tracing.device(ctx, name)
    cmd_for, gkw = _clocked(ctx, lambda cd: ctx.env.QemuCommand(
        iso or ctx.iso, smp=smp, serial='chardev:com1', chardev=cd,
        trace=trace, **kw))
    g = Guest(cmd_for, ctx.work, name, env=qenv, **gkw)
    g.trace_path, g.trace_off = trace, 0
    return g


def _linux_guest(ctx, smp, name, run, append='', net=None, mem=None,
                 qenv=None):
    info, initrd = ctx.linux()
    if ctx.icount:
        append = (append + ' ' + linux.ICOUNT_APPEND).strip()
    cmd_for, gkw = _clocked(ctx, lambda cd: linux.qemu_command(
        ctx.env, ctx.qemu, info, initrd, smp, cd, run, append, net, mem))
    return Guest(cmd_for, ctx.work, name, env=qenv, **gkw)


def _listenq_env(ctx, s):
    """QEMU's environment in the network suite: tests/bench/listenq.c
    preloaded (the user network's listen backlog of 1 raised, for every
    server alike); without the library, the harness's own and a note."""
    lib = ctx.isos.get('listenq')
    if not lib or not os.path.exists(lib):
        s.note('no listenq library (%s): QEMU listens for the port forward '
               'with a backlog of 1, so connections opened at once wait '
               'for 1 s steps of retransmission' % lib)
        return None
    pre = os.environ.get('LD_PRELOAD', '')
    return dict(os.environ, LD_PRELOAD=(os.path.abspath(lib) + ' ' + pre)
                .strip())


def _prompt(g):
    """Waits for the shell's prompt; it may come before `system ready`
    (already consumed) or not at all, so an empty line asks again."""
    for t in (3, 10, 20):
        try:
            return g.wait_for(PROMPT, t)
        except GuestError:
            if g.p.poll() is not None:
                raise
            g.type('')
    return g.wait_for(PROMPT, 1)


def parse_ready(text, n):
    """Our `system ready: N cores, M MiB, T ms` line of an n-core guest:
    (T, [problems])."""
    m = re.search(READY, text)
    if not m:
        return None, ['no `system ready` line']
    if int(m.group(1)) != n:
        return int(m.group(3)), ['only %s of %d cores came up'
                                 % (m.group(1), n)]
    return int(m.group(3)), []


def parse_chan(text):
    """What `bench chan A B` printed, up to the shell's next prompt:
    ((rtt median ns, p99 ns, one-way /s) or None, [problems]). A problem:
    what the shell or chanbench said instead of (or after) a result, lost
    or uncounted one-way messages, a median of 0 ns, a p99 below the
    median, a rate of 0."""
    bad = ['the shell said: ' + m.group(0)
           for m in re.finditer(SHELL_FAIL, text, re.M)]
    bad += [m.group(0) for m in re.finditer(r'^chanbench: .*$', text, re.M)
            if not re.match(CHAN_COUNT, m.group(0))]
    m = re.search(CHAN_RX, text)
    if not m:
        return None, bad + ['no `bench chan` result']
    med, p99 = int(m.group(4)), int(m.group(5))
    rate = int(m.group(6).replace(',', ''))
    if m.group(7) is None:
        bad.append('no "(N of M arrived)": lost messages would go unseen')
    else:
        got, sent = (int(x.replace(',', '')) for x in m.group(7, 8))
        if got != sent:
            bad.append('%d of %d one-way messages lost (%d arrived)'
                       % (sent - got, sent, got))
    if med <= 0:
        bad.append('round trip median %d ns' % med)
    if p99 < med:
        bad.append('p99 %d ns below the median %d ns' % (p99, med))
    if rate <= 0:
        bad.append('one-way rate %d messages/s' % rate)
    return (med, p99, rate), bad


def _bench_chan(g, a, b, mode=''):
    """Types `bench chan A B [MODE]` at the prompt, waits for its result
    (or the shell's failure) and the prompt after it (the shell prints it
    once chanbench and the service have exited: a prompt before the result
    may come from the shell's news of another exit); returns (rtt median
    ns, p99 ns, one-way /s). Raises GuestError with every problem
    parse_chan found in what came before that prompt."""
    cmd = ('bench chan %d %d %s' % (a, b, mode)).strip()
    start = g.pos
    g.type(cmd)
    g.wait_for('(?:%s)|(?:%s)' % (CHAN_RX, SHELL_FAIL), 120)
    m, _ = g.wait_for(PROMPT, 60)
    vals, bad = parse_chan(g.text[start:m.start()])
    if bad:
        raise GuestError('`%s`: %s' % (cmd, '; '.join(bad)))
    return vals


def _median(xs):
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------------ boot

# The floor (tests/bench/floor): a Multiboot2 kernel printing one line, in
# an ISO made like ours.
FLOOR = r'floor: ready'
# What core 0 prints after `system ready` once every core started its
# manifest programs (cpudriver/console.h): each phase in us.
PHASES = ('cpudriver', 'bringup', 'monitors', 'mesh', 'manifest')
PHASES_RX = (r'boot phases: cores (\d+), ' +
             ', '.join(r'%s (\d+) us' % p for p in PHASES) +
             r', total (\d+) us')
PHASES_TIMEOUT = 10          # seconds after `system ready`, plus n / 10


def parse_phases(text, n):
    """Our `boot phases: ...` line of an n-core guest: ({phase: ms,
    'total': ms} or None, [problems]). A problem: no line, another core
    count, phases that do not add up to the total (within 1 us each)."""
    m = re.search(PHASES_RX, text)
    if not m:
        return None, ['no `boot phases` line']
    us = [int(x) for x in m.groups()[1:]]
    bad = []
    if int(m.group(1)) != n:
        bad.append('boot phases of %s cores, not %d' % (m.group(1), n))
    if abs(sum(us[:-1]) - us[-1]) > len(PHASES):
        bad.append('boot phases add up to %d us, not the total %d us'
                   % (sum(us[:-1]), us[-1]))
    vals = dict(zip(PHASES + ('total', ), [u / 1000.0 for u in us]))
    return vals, bad


def _boot_ours(ctx, s, n):
    """One boot of ours with n cores: (host s, guest ms, phases or None)."""
    with _os_guest(ctx, n, 'boot-os-%d' % n) as g:
        m, t = g.wait_for(READY, BOOT_TIMEOUT + n)
        ms, bad = parse_ready(m.group(0), n)
        for why in bad:
            s.note('ours at %d cores: %s' % (n, why), ours=True)
        try:
            g.wait_for(PHASES_RX, PHASES_TIMEOUT + n / 10)
        except GuestError:
            pass
        ph, bad = parse_phases(g.text, n)
        for why in bad:
            s.note('ours at %d cores: %s' % (n, why), ours=True)
        return t, ms, ph


def _boot_floor(ctx, s, n):
    """One boot of the floor ISO with n cores: host seconds, or None."""
    iso = ctx.isos.get('floor')
    if not iso or not os.path.exists(iso):
        return None
    try:
        with _os_guest(ctx, n, 'boot-floor-%d' % n, iso=iso) as g:
            _, t = g.wait_for(FLOOR, BOOT_TIMEOUT + n)
            return t
    except GuestError as e:
        s.note('floor at %d cores: %s' % (n, e))
    return None


def _boot_plots(s):
    keys = list(s.rows[0].keys()) if s.rows else []

    def col(k):
        return keys.index(k) + 1

    line = '"@CSV@" using 1:%d with linespoints title "%s"'
    s.plots.append((
        'Boot time vs cores (QEMU start to ready, host wall clock; log '
        'scales)',
        'set xlabel "cores"\nset ylabel "seconds"\n'
        'set logscale x 2\nset logscale y\nset key inside left top\n'
        'plot ' + ', '.join(line % (col(k), t) for k, t in (
            ('os_s', 'ours'), ('floor_s', 'floor (one line)'),
            ('linux_s', 'Linux'), ('os_guest_s', 'ours, guest clock')))
        + '\n'))
    s.plots.append((
        'Boot phases vs cores (TSC stamps in the guest; log scales; dashed: '
        'linear in cores)',
        'set xlabel "cores"\nset ylabel "ms"\n'
        'set logscale x 2\nset logscale y\nset key outside right top\n'
        'plot ' + ', '.join(line % (col('phase_%s_ms' % p), p)
                            for p in PHASES + ('total', )) +
        # a line of slope 1 through the total at the first core count
        (', (x * %g) with lines dashtype 2 title "linear"\n' % (
            s.rows[0]['phase_total_ms'] / s.rows[0]['cores'])
         if s.rows and s.rows[0].get('phase_total_ms') else '\n')))


def boot(ctx):
    s = Suite('boot', 'Boot time vs cores')
    s.method = ('Host wall-clock time from starting QEMU to `system ready` '
                'on our serial console, to the floor printing its line, and '
                'to the baseline\'s init printing its marker (Debian kernel '
                '%s, busybox initramfs, `quiet`), same QEMU machine, '
                'accelerator and memory; %d run(s) per point, median. The '
                'floor is a Multiboot2 kernel that writes one line to COM1 '
                '(tests/bench/floor), in an ISO made by the same BootIso as '
                'ours: QEMU, firmware and GRUB, what no kernel can go below; '
                '`vs floor` is ours / floor. `guest ms` is what our CPU '
                'driver reports itself (from its first instruction); the '
                'phases are its `boot phases` line (TSC stamps, each phase '
                'ending when the last core passed it; cpudriver/console.h); '
                '`linux guest ms` is the baseline\'s /proc/uptime when init '
                'prints its marker (10 ms steps). Under bench_icount the '
                'ratio is of these two guest clocks, not of host seconds.'
                % (ctx.linux_version(), ctx.runs))
    if ctx.trace:
        s.notes.append('trace=1: boot is not traced (nothing runs before '
                       '`system ready` to turn tracing on)')
    cores = ctx.cores
    steps = len(cores) * 3 * ctx.runs
    step = 0
    for n in cores:
        row = {'cores': n, 'os_s': None, 'floor_s': None, 'vs_floor': None,
               'os_guest_ms': None, 'os_guest_s': None}
        row.update(('phase_%s_ms' % p, None) for p in PHASES + ('total', ))
        row.update({'linux_s': None, 'ratio': None, 'linux_guest_ms': None})
        times, guest_ms, ftimes, phases = [], [], [], []
        for r in range(ctx.runs):
            step += 1
            ctx.progress('boot', step, steps, 'ours, %d cores' % n)
            try:
                t, ms, ph = _boot_ours(ctx, s, n)
                times.append(t)
                guest_ms.append(ms)
                if ph:
                    phases.append(ph)
            except GuestError as e:
                s.note('ours at %d cores: %s' % (n, e), ours=True)
            step += 1
            ctx.progress('boot', step, steps, 'floor, %d cores' % n)
            t = _boot_floor(ctx, s, n)
            if t is not None:
                ftimes.append(t)
        ltimes, lguest_ms = [], []
        for r in range(ctx.runs):
            step += 1
            ctx.progress('boot', step, steps, 'Linux, %d cores' % n)
            if not ctx.linux_ok():
                continue
            try:
                with _linux_guest(ctx, n, 'boot-linux-%d' % n, 'boot') as g:
                    m, t = g.wait_for(linux.UPTIME, BOOT_TIMEOUT + 2 * n)
                    if int(m.group(1)) != n:
                        s.note('Linux at %d cores: it saw %s CPUs'
                               % (n, m.group(1)))
                    ltimes.append(t)
                    lguest_ms.append(float(m.group(2)) * 1000)
            except GuestError as e:
                s.note('Linux at %d cores: %s' % (n, e))
        row['os_s'] = _median(times)
        row['floor_s'] = _median(ftimes)
        row['os_guest_ms'] = _median(guest_ms)
        if row['os_guest_ms'] is not None:
            row['os_guest_s'] = row['os_guest_ms'] / 1000.0
        for p in PHASES + ('total', ):
            row['phase_%s_ms' % p] = _median([ph[p] for ph in phases])
        row['linux_s'] = _median(ltimes)
        row['linux_guest_ms'] = _median(lguest_ms)
        if row['os_s'] and row['floor_s']:
            row['vs_floor'] = row['os_s'] / row['floor_s']
        if row['os_s'] and row['linux_s']:
            row['ratio'] = row['os_s'] / row['linux_s']
        s.rows.append(row)
        if ctx.icount:
            # Host seconds of one host thread repeat no better than the
            # wall clock: the guests' own (virtual) clocks instead.
            s.ratio('boot, guest clock, %d cores' % n, row['os_guest_ms'],
                    row['linux_guest_ms'], 'ms')
        else:
            s.ratio('boot vs floor, %d cores' % n, row['os_s'],
                    row['floor_s'], 's')
            s.ratio('boot, %d cores' % n, row['os_s'], row['linux_s'], 's')
        ctx.done('boot', '%d cores: ours %s s, floor %s s, Linux %s s' % (
            n, _f(row['os_s']), _f(row['floor_s']), _f(row['linux_s'])))
    # how the time in our guest grows: each core count against 8 (or the
    # smallest count above 1)
    base = [r for r in s.rows if r['cores'] == 8 and r['os_guest_ms']] or \
        [r for r in s.rows if r['cores'] > 1 and r['os_guest_ms']]
    for r in s.rows:
        if base and r['cores'] > base[0]['cores']:
            s.ratio('guest ms, %d cores / %d cores (both ours)'
                    % (r['cores'], base[0]['cores']), r['os_guest_ms'],
                    base[0]['os_guest_ms'], 'ms')
    if not ctx.linux_ok():
        s.note('no Linux baseline: ' + ctx.linux_error)
    if not ctx.isos.get('floor'):
        s.note('no floor ISO (build/bench/iso/floor.iso)')
    _boot_plots(s)
    return s


def _f(v):
    return '-' if v is None else '%.2f' % v


# -------------------------------------------------------------- channels

def channels(ctx):
    s = Suite('channels', 'Channel round trip and throughput between two '
              'cores')
    a, b = ctx.chan_pair
    smp = max(ctx.chan_smp, a + 1, b + 1)
    s.method = (
        'Ours: the shell\'s `bench chan %d %d` on a %d-core guest (chanbench:'
        ' 2,000 round trips of one-slot messages after 100 warm-up; one-way: '
        '100,000 messages), twice in the same boot: with the polling '
        'receiver (echosvc polls 200 us before it halts, so a benchmark in '
        'progress never sleeps) and with `sleep` (echosvc halts as soon as '
        'it is idle, so every request wakes it with a doorbell IPI, like '
        'Linux\'s sleeping mechanisms; chanbench itself polls for the '
        'answer in both). Linux guest (%d cores, same '
        'QEMU configuration): `pingpong` between two threads pinned to CPUs 0'
        ' and 1, %d round trips each timed with clock_gettime: the same ring '
        '(channels/ring.c, polling), pipe, eventfd and futex (sleeping). '
        'Host: the same `pingpong` binary on the build machine, threads '
        'pinned to two host cores. %d run(s), median of the medians.' % (
            a, b, smp, smp, ctx.rounds, ctx.runs) +
        ' Tracing\'s cost: in the same boot, `bench chan %d %d` (polling) '
        'with tracing off, then again after `trace on chan` (channel events '
        'into each process\'s buffer, 64K, wrapping), then `trace off`; '
        'the ratio on / off of the medians.' % (a, b))
    steps = 3 * ctx.runs
    step = 0
    ours = {'': [], 'sleep': [], 'off': [], 'on': []}
    # mode -> [(med, p99, rate)]; off/on: tracing's cost
    for r in range(ctx.runs):
        step += 1
        ctx.progress('channels', step, steps, 'ours: bench chan %d %d, '
                     'polling then sleeping' % (a, b))
        try:
            with _os_guest(ctx, smp, 'chan-os') as g:
                g.wait_for(READY, BOOT_TIMEOUT + smp)
                _prompt(g)
                for mode in ('', 'sleep'):
                    try:
                        ours[mode].append(tracing.point(
                            ctx, s, g, 'channels-%s-run%d' % (
                                mode or 'polling', r + 1),
                            lambda: _bench_chan(g, a, b, mode)))
                    except GuestError as e:
                        if g.p.poll() is not None:
                            raise
                        s.note('ours: %s' % e, ours=True)
                try:
                    off = _bench_chan(g, a, b)
                    tracing.command(g, 'trace on chan', 'trace: on ')
                    on = _bench_chan(g, a, b)
                    tracing.command(g, 'trace off', 'trace: off ')
                    ours['off'].append(off)
                    ours['on'].append(on)
                except GuestError as e:
                    if g.p.poll() is not None:
                        raise
                    s.note('ours, tracing on and off: %s' % e, ours=True)
        except GuestError as e:
            s.note('ours: %s' % e, ours=True)
    res = {}                     # (where, mode) -> [(med, p99, rate)]
    for r in range(ctx.runs):
        step += 1
        ctx.progress('channels', step, steps, 'Linux guest: pingpong')
        if ctx.linux_ok():
            try:
                with _linux_guest(ctx, smp, 'chan-linux', 'pingpong',
                                  'mkos_rounds=%d' % ctx.rounds) as g:
                    g.wait_for(linux.MARKER, BOOT_TIMEOUT + 2 * smp)
                    g.wait_for(r'mkos-linux: pingpong status (\d+)', 300)
                    for m in re.finditer(PINGPONG, g.text):
                        res.setdefault(('linux', m.group(1)), []).append(
                            tuple(int(x) for x in m.group(2, 3, 4)))
            except GuestError as e:
                s.note('Linux guest: %s' % e)
        step += 1
        ctx.progress('channels', step, steps, 'host: pingpong')
        if ctx.icount:
            if r == 0:
                s.notes.append('host threads: not measured under '
                               'bench_icount (the host runs at its own '
                               'pace, not QEMU\'s instruction count)')
            continue
        try:
            out = subprocess.run([ctx.pingpong, 'all', str(ctx.rounds * 10)],
                                 capture_output=True, text=True,
                                 timeout=120).stdout
            for m in re.finditer(PINGPONG, out):
                res.setdefault(('host', m.group(1)), []).append(
                    tuple(int(x) for x in m.group(2, 3, 4)))
        except (OSError, subprocess.TimeoutExpired) as e:
            s.note('host pingpong: %s' % e)
    if not ctx.linux_ok():
        s.note('no Linux baseline: ' + ctx.linux_error)

    def agg(runs):
        if not runs:
            return None, None, None
        return tuple(_median([x[i] for x in runs]) for i in range(3))

    o = agg(ours[''])
    z = agg(ours['sleep'])
    toff, ton = agg(ours['off']), agg(ours['on'])
    for v, label in ((o, 'channel (polling)'),
                     (z, 'channel (sleeping, doorbell)'),
                     (toff, TRACE_OFF), (ton, TRACE_ON)):
        s.rows.append({'system': 'ours', 'mechanism': label,
                       'rtt_median_ns': v[0], 'rtt_p99_ns': v[1],
                       'oneway_msgs_per_s': v[2]})
    for where in ('linux', 'host'):
        for mode, label in (('ring', 'same ring (polling)'),
                            ('pipe', 'pipe (sleeping)'),
                            ('eventfd', 'eventfd (sleeping)'),
                            ('futex', 'futex (sleeping)')):
            v = agg(res.get((where, mode)))
            s.rows.append({'system': 'Linux guest' if where == 'linux'
                           else 'host threads', 'mechanism': label,
                           'rtt_median_ns': v[0], 'rtt_p99_ns': v[1],
                           'oneway_msgs_per_s': v[2] or None})
    by = {(r['system'], r['mechanism']): r for r in s.rows}
    for sysname, mech, short in (
            ('Linux guest', 'same ring (polling)', 'Linux ring'),
            ('Linux guest', 'futex (sleeping)', 'Linux futex'),
            ('Linux guest', 'pipe (sleeping)', 'Linux pipe'),
            ('host threads', 'same ring (polling)', 'host ring')):
        base = by[(sysname, mech)]
        s.ratio('rtt median vs ' + short, o[0], base['rtt_median_ns'], 'ns')
    s.ratio('rtt p99 vs Linux ring', o[1],
            by[('Linux guest', 'same ring (polling)')]['rtt_p99_ns'], 'ns')
    s.ratio('one-way rate vs Linux ring', o[2],
            by[('Linux guest', 'same ring (polling)')]['oneway_msgs_per_s'],
            '/s')
    for mech, short in (('futex (sleeping)', 'Linux futex'),
                        ('pipe (sleeping)', 'Linux pipe')):
        s.ratio('sleeping rtt median vs ' + short, z[0],
                by[('Linux guest', mech)]['rtt_median_ns'], 'ns')
    s.ratio('rtt median, trace on chan / off (both ours)', ton[0], toff[0],
            'ns')
    s.ratio('one-way rate, trace on chan / off (both ours)', ton[2],
            toff[2], '/s')
    s.plots.append(('Round trip median (ns, log scale)',
                    'set style data histograms\nset style fill solid 0.6\n'
                    'set logscale y\nset ylabel "ns"\nset xtics rotate by -30'
                    '\nset key off\n'
                    'plot "@CSV@" using 3:xtic(stringcolumn(1)." ".'
                    'stringcolumn(2))\n'))
    ctx.done('channels', 'ours rtt median %s ns polling, %s ns sleeping'
             % (_i(o[0]), _i(z[0])))
    return s


TRACE_OFF = 'channel (polling), tracing off'
TRACE_ON = 'channel (polling), trace on chan'


# --------------------------------------------------------------- network

HTTP_SMP = 4
WRK_CONNECTIONS = 4
# The wrk points, in the order each boot runs them: connections at once.
# -c4 was the suite's first point; -c16 keeps every server busy across
# cores (issue 15: p99 at most 5x the median there, no errors).
WRK_POINTS = (4, 16)
# httpload (tests/bench/httpload.c) after wrk in the same boot: its
# connections set up one at a time before it measures (the row's
# connections column: 'set-up-16').
HOLD_CONNECTIONS = 16
HOLD_POINT = 'set-up-%d' % HOLD_CONNECTIONS
POINTS = WRK_POINTS + (HOLD_POINT,)
HTTPLOAD = (r'httpload connections \d+ seconds \S+ requests (\d+) req_per_s '
            r'(\d+) p50_ms ([\d.]+) p99_ms ([\d.]+) max_ms [\d.]+ '
            r'errors (\d+)')
# Our servers: (image, row label, the console line that says it serves).
NET_OURS = (('net-colocated', 'ours: httpd in netd (co-located)',
             r'httpd: listening on port 80'),
            ('net-remote', 'ours: httpd on core 2, netd on core 1',
             r'httpd: listening on port 80'))
# The Linux guest's servers: (mkos_run, row label, its ready line).
NET_LINUX = (('httpd', 'Linux: busybox httpd', r'mkos-linux: httpd ready'),
             ('nginx', 'Linux: nginx', r'mkos-linux: nginx ready'))
NGINX_LABEL = NET_LINUX[1][1]
# The shell's `net`: its last line, or what it says instead.
NET_DROPS = r'^net: (?:drops (\d+)|(?:no|cannot) .*)$'
_UNIT = {'us': 1e-3, 'ms': 1.0, 's': 1e3, 'm': 60e3}


def _free_port():
    import socket
    with socket.socket() as sk:
        sk.bind(('127.0.0.1', 0))
        return sk.getsockname()[1]


def _ms(text):
    m = re.match(r'([\d.]+)(us|ms|s|m)$', text)
    return float(m.group(1)) * _UNIT[m.group(2)] if m else None


def parse_wrk(out, status=0, err=''):
    """wrk --latency's output (and exit status, stderr): ({'req_per_s',
    'lat_p50_ms', 'lat_p99_ms', 'errors'}, [problems]); raises ValueError
    when there is no rate at all. A problem: socket errors (connect, read,
    write, timeout), non-2xx/3xx responses, no latency percentiles, a
    median of 0, a p99 below the median."""
    rate = re.search(r'Requests/sec:\s*([\d.]+)', out)
    if status != 0 or not rate or float(rate.group(1)) == 0:
        raise ValueError('wrk failed (status %d): %s' % (
            status, (err or out).strip()[-200:]))
    p50 = re.search(r'^\s*50%\s+(\S+)', out, re.M)
    p99 = re.search(r'^\s*99%\s+(\S+)', out, re.M)
    errs = re.search(r'Socket errors: (.*)', out)
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    res = {'req_per_s': float(rate.group(1)),
           'lat_p50_ms': _ms(p50.group(1)) if p50 else None,
           'lat_p99_ms': _ms(p99.group(1)) if p99 else None,
           'errors': ((errs.group(1).strip() if errs else '') +
                      (' non-2xx %s' % non2xx.group(1) if non2xx else ''))
           .strip() or 'none'}
    bad = []
    if errs and sum(int(x) for x in re.findall(r'\d+', errs.group(1))):
        bad.append('wrk socket errors: ' + errs.group(1).strip())
    if non2xx and int(non2xx.group(1)):
        bad.append('%s non-2xx/3xx responses' % non2xx.group(1))
    p50, p99 = res['lat_p50_ms'], res['lat_p99_ms']
    if p50 is None or p99 is None:
        bad.append('no latency percentiles in wrk\'s output')
    elif p50 <= 0:
        bad.append('latency median %s ms' % p50)
    elif p99 < p50:
        bad.append('latency p99 %s ms below the median %s ms' % (p99, p50))
    return res, bad


def parse_net(text):
    """What the shell's `net` printed: ({counter: value}, total drops) or
    raises ValueError with what the shell said instead. The total must
    be the sum of the drop_ counters."""
    m = None
    for m in re.finditer(NET_DROPS, text, re.M):
        pass
    if not m or m.group(1) is None:
        raise ValueError('`net` gave no counters: %s'
                         % (m.group(0) if m else text.strip()[-120:]))
    vals = {k: int(v) for k, v in
            re.findall(r'^\s+([a-z_]+)\s+(\d+)\s', text[:m.start()], re.M)}
    total = int(m.group(1))
    if sum(v for k, v in vals.items() if k.startswith('drop_')) != total:
        raise ValueError('`net`: drops %d is not the sum of %s'
                         % (total, vals))
    return vals, total


def _net_counters(g):
    """Types `net` at our shell's prompt: parse_net's result."""
    _prompt(g)
    start = g.pos
    g.type('net')
    g.wait_for(NET_DROPS, 30)
    return parse_net(g.text[start:g.pos])


def wrk(url, seconds, connections=WRK_CONNECTIONS):
    """Runs wrk; returns parse_wrk's (result, [problems]) or raises
    OSError/ValueError with why."""
    cmd = ['wrk', '-t%d' % (2 if connections >= 16 else 1),
           '-c%d' % connections, '-d%ds' % seconds,
           '--timeout', '5s', '--latency', url]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=seconds + 30)
    return parse_wrk(r.stdout, r.returncode, r.stderr)


def parse_httpload(out, status=0, err=''):
    """httpload's line (and exit status, stderr): parse_wrk's shape
    (result, [problems]); raises ValueError when nothing was measured."""
    m = re.search(HTTPLOAD, out)
    if status != 0 or not m or int(m.group(1)) == 0:
        raise ValueError('httpload failed (status %d): %s' % (
            status, (err or out).strip()[-200:]))
    n = int(m.group(5))
    res = {'req_per_s': float(m.group(2)), 'lat_p50_ms': float(m.group(3)),
           'lat_p99_ms': float(m.group(4)),
           'errors': '%d errors' % n if n else 'none'}
    bad = ['httpload: %d errors' % n] if n else []
    if res['lat_p99_ms'] < res['lat_p50_ms']:
        bad.append('latency p99 %s ms below the median %s ms' % (
            res['lat_p99_ms'], res['lat_p50_ms']))
    return res, bad


def httpload(path, port, seconds, connections=HOLD_CONNECTIONS):
    """Runs httpload; parse_httpload's result, or raises OSError or
    ValueError with why."""
    r = subprocess.run([path, str(port), str(seconds), str(connections)],
                       capture_output=True, text=True, timeout=seconds + 120)
    return parse_httpload(r.stdout, r.returncode, r.stderr)


def _serve(ctx, s, label, start, ready, port, ours, name=None):
    """Boots a guest with `start`, waits for `ready`, runs wrk at each of
    WRK_POINTS, then httpload (HOLD_POINT); {point: result}. ours: the server is ours (its
    problems are notes about our side), and after each point the shell's
    `net` gives the drops counted meanwhile (result 'drops', and
    'drops_what': the counters that moved)."""
    got = {}
    try:
        with start() as g:
            g.wait_for(ready, BOOT_TIMEOUT + 2 * HTTP_SMP)
            # One request first: the path works and ARP/TCP are warm.
            subprocess.run(['curl', '-s', '-o', '/dev/null', '-m', '10',
                            'http://127.0.0.1:%d/' % port], timeout=20)
            before = _net_counters(g)[0] if ours else {}
            load = ctx.isos.get('httpload')
            for c in POINTS:
                if c == HOLD_POINT and not (load and os.path.exists(load)):
                    s.note('no httpload program (%s)' % load, ours=ours)
                    continue
                res, bad = tracing.point(
                    ctx if ours else _NoTrace, s, g,
                    'network-%s-c%s' % (name, c),
                    (lambda: httpload(load, port, ctx.wrk_seconds))
                    if c == HOLD_POINT else
                    (lambda: wrk('http://127.0.0.1:%d/' % port,
                                 ctx.wrk_seconds, c)))
                for why in bad:
                    s.note('%s, -c%s: %s' % (label, c, why), ours=ours)
                if ours:
                    after = _net_counters(g)[0]
                    moved = {k: v - before.get(k, 0)
                             for k, v in after.items()
                             if k.startswith('drop_') and
                             v != before.get(k, 0)}
                    res['drops'] = sum(moved.values())
                    res['drops_what'] = ' '.join(
                        '%s=%d' % kv for kv in sorted(moved.items()))
                    res['retransmits'] = (after.get('tcp_retransmits', 0) -
                                          before.get('tcp_retransmits', 0))
                    res['chan_full'] = (after.get('chan_full', 0) -
                                        before.get('chan_full', 0))
                    res['mon_wait_max_us'] = after.get('mon_wait_max_us')
                    before = after
                got[c] = res
    except (GuestError, OSError, ValueError,
            subprocess.TimeoutExpired) as e:
        s.note('%s: %s' % (label, e), ours=ours)
    return got


def _spread(vals):
    vals = [v for v in vals if v is not None]
    return '%.4g-%.4g' % (min(vals), max(vals)) if vals else ''


def _net_rows(label, results):
    """One row per point of one server from its runs' results
    (medians; the spread of req/s and p99 over the runs; drops summed)."""
    rows = []
    for c in POINTS:
        runs = [r[c] for r in results if c in r]
        row = {'server': label, 'connections': c, 'req_per_s': None,
               'lat_p50_ms': None, 'lat_p99_ms': None, 'errors': None,
               'runs': len(runs), 'req_per_s_range': '',
               'lat_p99_ms_range': '', 'drops': None, 'drops_what': '',
               'retransmits': None, 'chan_full': None,
               'mon_wait_max_us': None}
        if runs:
            for k in ('req_per_s', 'lat_p50_ms', 'lat_p99_ms'):
                row[k] = _median([r[k] for r in runs if r[k] is not None])
            row['req_per_s_range'] = _spread([r['req_per_s'] for r in runs])
            row['lat_p99_ms_range'] = _spread([r['lat_p99_ms']
                                               for r in runs])
            row['errors'] = '; '.join(sorted(set(r['errors'] for r in runs)))
            if any('drops' in r for r in runs):
                row['drops'] = sum(r.get('drops', 0) for r in runs)
                row['drops_what'] = ' '.join(r['drops_what'] for r in runs
                                             if r.get('drops_what'))
                row['retransmits'] = sum(r.get('retransmits', 0)
                                         for r in runs)
                row['chan_full'] = sum(r.get('chan_full', 0) for r in runs)
                row['mon_wait_max_us'] = max(r.get('mon_wait_max_us') or 0
                                             for r in runs)
        rows.append(row)
    return rows


def network(ctx):
    s = Suite('network', 'HTTP requests/s and latency (wrk)')
    s.method = (
        'wrk --latency -d%ds against GET / through QEMU\'s user network '
        '(host port forwarded to guest port 80), %d-core guests, at %s '
        'connections (-t1, and -t2 from 16 on), one boot per server and '
        'run, %d run(s): medians, with the spread over runs. '
        'Ours: netd on core 1 driving virtio-net, with httpd co-located in '
        'netd (httpd=80) and, separately, httpd on core 2 over netd\'s '
        'sockets; after each point the shell\'s `net` gives the drops '
        'netd counted meanwhile (column drops, summed over runs), its TCP '
        'retransmissions, the times a client\'s channel was full '
        '(chan_full) and the longest wait of netd\'s loop on a monitor '
        '(mon_wait_max_us, since boot). '
        'Baselines in the Linux guest (Debian\'s kernel, virtio-net '
        'modules from the same package): busybox httpd (forks a process '
        'per request) and Debian\'s nginx as in Unikraft\'s evaluation '
        '(one worker, no master process, no access log, keep-alive, open '
        'file cache; mkbench/linux.py NGINX_CONF). Every server sends the '
        'same page (apps/httpd/www/index.html, 703 bytes). wrk runs on '
        'the same 2 host cores as QEMU. Then, in the same boot, httpload '
        '(tests/bench/httpload.c; connections %s): %d keep-alive '
        'connections set up one at a time, each answering a first request '
        'before the next opens, then one request in flight on each for '
        'the same time, timed from write to the answer\'s last byte: '
        'wrk opens its connections at once. QEMU runs with '
        'tests/bench/listenq.c preloaded: its user network listens for '
        'the port forward with a backlog of 1, which made most of 16 '
        'connections opened at once wait for 1 s steps of SYN '
        'retransmission; the library raises it to 128 for every server '
        'alike.' % (
            ctx.wrk_seconds, HTTP_SMP,
            ', '.join('%d' % c for c in WRK_POINTS), ctx.runs,
            HOLD_POINT, HOLD_CONNECTIONS))
    if ctx.icount:
        s.note('skipped under bench_icount: wrk runs on the host and times '
               'with the host\'s clock while the guest\'s clock counts '
               'instructions, so requests/s and latency would mix two '
               'clocks; see the wall-clock half', status='skipped')
        return s
    have_wrk = bool(shutil.which('wrk')) and bool(shutil.which('curl'))
    if not have_wrk:
        s.note('wrk or curl not installed (site_scons/install.sh)',
               status='skipped')
        return s
    qenv = _listenq_env(ctx, s)
    plan = []
    for name, label, ready in NET_OURS:
        iso = ctx.isos.get(name)
        if not iso or not os.path.exists(iso):
            s.note('%s: no image %s' % (label, iso), ours=True)
            continue
        plan.append((label, iso, None, ready))
    for run, label, ready in NET_LINUX:
        plan.append((label, None, run, ready))
    results = {label: [] for label, _, _, _ in plan}
    steps = len(plan) * ctx.runs
    for r in range(ctx.runs):
        for i, (label, iso, run, ready) in enumerate(plan):
            ctx.progress('network', r * len(plan) + i + 1, steps, label)
            port = _free_port()
            net = [('tcp', port, 80)]
            if iso:
                start = lambda: _os_guest(ctx, HTTP_SMP, 'net-os', iso=iso,
                                          net=net, qenv=qenv)
            elif not ctx.linux_ok():
                if r == 0:
                    s.note('no Linux baseline: ' + ctx.linux_error)
                continue
            elif run == 'nginx' and not ctx.nginx:
                if r == 0:
                    s.note('no nginx baseline: ' + ctx.nginx_error)
                continue
            else:
                start = lambda: _linux_guest(ctx, HTTP_SMP, 'net-linux',
                                             run, net=net, qenv=qenv)
            got = _serve(ctx, s, label, start, ready, port, ours=bool(iso),
                         name=os.path.basename(iso or 'linux-' + run)
                         .split('.')[0])
            results[label].append(got)
            ctx.done('network', '%s: %s' % (label, ', '.join(
                '-c%s %s req/s' % (c, got[c]['req_per_s'])
                for c in POINTS if c in got)))
    rows = []
    for label, _, _, _ in plan:
        rows += _net_rows(label, results[label])
    s.rows = rows
    for row in rows:
        if row['drops']:
            s.note('%s, -c%s: netd counted %d drops (%s)' % (
                row['server'], row['connections'], row['drops'],
                row['drops_what']))

    def at(label, c):
        for row in rows:
            if row['server'] == label and row['connections'] == c:
                return row
        return {}
    for _, label, _ in NET_OURS:
        short = 'co-located' if 'co-located' in label else 'remote'
        for c in WRK_POINTS:
            ours, base = at(label, c), at(NGINX_LABEL, c)
            s.ratio('req/s, %s, -c%d, vs nginx' % (short, c),
                    ours.get('req_per_s'), base.get('req_per_s'), '/s')
            s.ratio('p99 latency, %s, -c%d, vs nginx' % (short, c),
                    ours.get('lat_p99_ms'), base.get('lat_p99_ms'), 'ms')
        ours = at(label, WRK_POINTS[-1])
        s.ratio('p99 / median, %s, -c%d (ours)' % (short, WRK_POINTS[-1]),
                ours.get('lat_p99_ms'), ours.get('lat_p50_ms'), 'ms')
        ours, base = at(label, HOLD_POINT), at(NGINX_LABEL, HOLD_POINT)
        s.ratio('p99 / median, %s, %s (ours)' % (short, HOLD_POINT),
                ours.get('lat_p99_ms'), ours.get('lat_p50_ms'), 'ms')
        s.ratio('req/s, %s, %s, vs nginx' % (short, HOLD_POINT),
                ours.get('req_per_s'), base.get('req_per_s'), '/s')
    for c in WRK_POINTS:
        s.ratio('req/s, nginx vs busybox httpd, -c%d' % c,
                at(NGINX_LABEL, c).get('req_per_s'),
                at(NET_LINUX[0][1], c).get('req_per_s'), '/s')
    s.plots.append(('HTTP requests per second (wrk, -c%d)' % WRK_POINTS[-1],
                    'set style data histograms\nset style fill solid 0.6\n'
                    'set ylabel "requests/s"\nset key off\nset yrange [0:*]\n'
                    'plot "< grep \',%d,\' @CSV@" using 3:xtic(1)\n'
                    % WRK_POINTS[-1]))
    return s


class _NoTrace:
    trace = False


# ------------------------------------------------------------- isolation

ISO_SMP = 4


def isolation(ctx):
    s = Suite('isolation', 'Request/reply p99 with and without a noisy '
              'neighbour')
    last = ISO_SMP - 1
    s.method = (
        'Request/reply service: ours, `bench chan 1 2` (chanbench pinging '
        'echosvc, polling) on a %d-core guest; Linux, `pingpong ring` '
        '(same ring, polling) and `pingpong futex` (sleeping) between '
        'CPUs 0 and 1 of a %d-core guest, %d round trips. Noisy neighbour: '
        'a CPU-bound loop on the last core (ours: `spawn spin on %d 2000 '
        'noise quiet`; Linux: a shell busy loop under `taskset -c %d`). '
        'Under TCG every vCPU is a host thread on the same 2 host cores, so '
        'the neighbour steals host time from both systems alike: this '
        'measures QEMU scheduling as much as isolation.' % (
            ISO_SMP, ISO_SMP, ctx.rounds, last, last))
    rows = []
    ctx.progress('isolation', 1, 2, 'ours: quiet, then with spin on core %d'
                 % last)
    try:
        with _os_guest(ctx, ISO_SMP, 'iso-os') as g:
            g.wait_for(READY, BOOT_TIMEOUT + ISO_SMP)
            _prompt(g)
            q = tracing.point(ctx, s, g, 'isolation-quiet',
                              lambda: _bench_chan(g, 1, 2))[:2]
            g.type('spawn spin on %d 2000 noise quiet' % last)
            g.wait_for(r'started spin on core %d' % last, 30)
            _prompt(g)
            n = tracing.point(ctx, s, g, 'isolation-noisy',
                              lambda: _bench_chan(g, 1, 2))[:2]
            rows.append({'system': 'ours', 'service': 'channel (polling)',
                         'quiet_median_ns': q[0], 'quiet_p99_ns': q[1],
                         'noisy_median_ns': n[0], 'noisy_p99_ns': n[1]})
    except GuestError as e:
        s.note('ours: %s' % e, ours=True)
    ctx.progress('isolation', 2, 2, 'Linux: quiet, then with a busy loop')
    if ctx.linux_ok():
        try:
            with _linux_guest(ctx, ISO_SMP, 'iso-linux', 'isolation',
                              'mkos_rounds=%d' % ctx.rounds) as g:
                g.wait_for(linux.MARKER, BOOT_TIMEOUT + 2 * ISO_SMP)
                g.wait_for(r'mkos-linux: isolation done', 300)
                quiet, noisy = g.text.split('mkos-linux: noisy', 1)
                for mode, label in (('ring', 'same ring (polling)'),
                                    ('futex', 'futex (sleeping)')):
                    q = re.search(PINGPONG.replace(r'(\w+)', mode), quiet)
                    n = re.search(PINGPONG.replace(r'(\w+)', mode), noisy)
                    if not q or not n:
                        s.note('Linux %s: no result' % mode)
                        continue
                    rows.append({'system': 'Linux guest', 'service': label,
                                 'quiet_median_ns': int(q.group(1)),
                                 'quiet_p99_ns': int(q.group(2)),
                                 'noisy_median_ns': int(n.group(1)),
                                 'noisy_p99_ns': int(n.group(2))})
        except (GuestError, ValueError) as e:
            s.note('Linux guest: %s' % e)
    else:
        s.note('no Linux baseline: ' + ctx.linux_error)
    for r in rows:
        r['p99_noisy_over_quiet'] = (r['noisy_p99_ns'] / r['quiet_p99_ns']
                                     if r['quiet_p99_ns'] else None)
    s.rows = rows
    ours = next((r for r in rows if r['system'] == 'ours'), {})
    if ctx.icount:
        s.notes.append(
            'under bench_icount the noisy figures are QEMU\'s round-robin '
            'quantum, not isolation: the one host thread runs the '
            'neighbour, which never halts, for a whole quantum (about 8 ms '
            'of virtual time) at each turn, so both systems\' noisy '
            'medians are about one quantum; only the quiet figures are '
            'compared here')
    for r in rows:
        if r['system'] == 'ours':
            continue
        short = 'Linux ' + ('ring' if 'ring' in r['service'] else 'futex')
        if ctx.icount:
            s.ratio('quiet median vs ' + short, ours.get('quiet_median_ns'),
                    r['quiet_median_ns'], 'ns')
            s.ratio('quiet p99 vs ' + short, ours.get('quiet_p99_ns'),
                    r['quiet_p99_ns'], 'ns')
            continue
        s.ratio('noisy p99 vs ' + short, ours.get('noisy_p99_ns'),
                r['noisy_p99_ns'], 'ns')
        s.ratio('p99 growth (noisy/quiet) vs ' + short,
                ours.get('p99_noisy_over_quiet'),
                r['p99_noisy_over_quiet'], 'x')
    s.plots.append(('p99 round trip, quiet and noisy (ns, log scale)',
                    'set style data histograms\nset style fill solid 0.6\n'
                    'set logscale y\nset ylabel "ns"\n'
                    'plot "@CSV@" using 4:xtic(stringcolumn(1)." ".'
                    'stringcolumn(2)) title "quiet", "" using 6 title '
                    '"noisy"\n'))
    return s


# ---------------------------------------------------------------- remote

# Our side: the shell's `bench remote ROUNDS` (remotebench on core 0), one
# line per operation, then `bench remote done: cores N` or `bench remote
# failed: WHY`. Tolerant: optional colons, any blanks within the line,
# numbers with thousands commas and decimals.
_NUM = r'([\d,]+(?:\.\d+)?)'
REMOTE_RX = (r'bench remote (\w+):?[ \t]+cores[ \t]+(\d+)[ \t]+median_ns[ \t]+'
             + _NUM + r'[ \t]+p99_ns[ \t]+' + _NUM + r'[ \t]+msgs[ \t]+' + _NUM)
REMOTE_END = (r'bench remote (?:done:?[ \t]+cores[ \t]+(?P<done>\d+)|'
              r'failed:?[ \t]*(?P<why>.*))|(?P<fail>%s)' % SHELL_FAIL)
# The Linux side: `pingpong remote ROUNDS` (tests/bench/pingpong.c).
LINUX_REMOTE_RX = (r'pingpong remote (\w+) cpus (\d+) median_ns (\d+) '
                   r'p99_ns (\d+)(?: tlb_ipis_per_op ([\d.]+) reached '
                   r'(\d+))?')
LINUX_REMOTE_FAIL = r'pingpong remote (\w+) failed: (.*)'
REMOTE_OPS = ('spawn', 'borrow', 'unicast', 'tree', 'local')
LINUX_OPS = ('spawn', 'spawnexec', 'borrow', 'local', 'allcore')
REMOTE_BIG = 32              # from this many cores on, at least 4 GiB
REMOTE_RTT_ROUNDS = 200      # `bench chan 0 1 [sleep] N` after `bench remote`
# (below RIGHTS_BELL_BURST, 256: the sleeping one is never throttled)
REMOTE_BIG_MIB = 4096


def _num(text):
    return float(text.replace(',', ''))


def _mib(text):
    """QEMU's -m value in MiB (a plain number is MiB), or None."""
    m = re.match(r'(\d+)\s*([MmGg]?)', str(text))
    if not m:
        return None
    return int(m.group(1)) * (1024 if m.group(2).lower() == 'g' else 1)


def _remote_mem(ctx, n):
    """-m for an n-core guest: the option, but at least 4 GiB from 32 cores
    on (each core's partition must hold what a borrow takes)."""
    have = _mib(ctx.env['mem'])
    if n < REMOTE_BIG or (have and have >= REMOTE_BIG_MIB):
        return None
    return '%dM' % REMOTE_BIG_MIB


def parse_remote(text, n):
    """Our `bench remote` output for an n-core guest: ({op: (median ns,
    p99 ns, msgs)}, [problems]). A problem besides a missing or failed
    operation: a line of another core count, a median of 0, a p99 below
    the median, unicast or tree taking other than 2(n-1) messages (down
    to each other core and back up)."""
    got, bad = {}, []
    for m in re.finditer(REMOTE_RX, text):
        op, cores = m.group(1), int(m.group(2))
        if op not in REMOTE_OPS:
            bad.append('unknown operation %r' % op)
            continue
        if cores != n:
            bad.append('%s says %d cores' % (op, cores))
            continue
        med, p99, msgs = got[op] = tuple(_num(x) for x in m.group(3, 4, 5))
        if med <= 0:
            bad.append('%s: median %g ns' % (op, med))
        if p99 < med:
            bad.append('%s: p99 %g ns below the median %g ns'
                       % (op, p99, med))
        if op in ('unicast', 'tree') and msgs != 2 * (n - 1):
            bad.append('%s: %g messages an operation, not 2(%d-1) = %d'
                       % (op, msgs, n, 2 * (n - 1)))
        if op == 'local' and msgs != 0:
            bad.append('local: %g inter-monitor messages, not 0' % msgs)
    end = re.search(REMOTE_END, text, re.M)
    if end and end.group('why') is not None:
        bad.append('bench remote failed: ' + end.group('why').strip())
    elif end and end.group('fail'):
        bad.append('the shell said: ' + end.group('fail'))
    elif not end:
        bad.append('no `bench remote done` line')
    lost = [op for op in REMOTE_OPS if op not in got]
    if lost:
        bad.append('no `bench remote OP` line for %s' % ', '.join(lost))
    return got, bad


def parse_linux_remote(text, n):
    """`pingpong remote` output: ({op: (median, p99, ipis, reached)},
    [problems])."""
    got, bad = {}, []
    for m in re.finditer(LINUX_REMOTE_RX, text):
        if int(m.group(2)) != n:
            bad.append('%s ran on %s CPUs' % (m.group(1), m.group(2)))
            continue
        got[m.group(1)] = (int(m.group(3)), int(m.group(4)),
                           float(m.group(5)) if m.group(5) else None,
                           int(m.group(6)) if m.group(6) else None)
    for m in re.finditer(LINUX_REMOTE_FAIL, text):
        bad.append('%s failed: %s' % (m.group(1), m.group(2).strip()))
    lost = [op for op in LINUX_OPS
            if op not in got and not any(b.startswith(op) for b in bad)]
    if lost:
        bad.append('no `pingpong remote OP` line for %s' % ', '.join(lost))
    if 'allcore' in got:
        reached = got['allcore'][3]
        if reached is None:
            bad.append('allcore: no TLB line in /proc/interrupts, so '
                       'whether every CPU was reached is unknown')
        elif reached < n - 1:
            bad.append('allcore reached %d of the %d other CPUs every '
                       'round' % (reached, n - 1))
    return got, bad


def _remote_ours(ctx, s, n, run=1):
    """One boot with n cores; {op: (median, p99, msgs)}."""
    timeout = 120 + 0.05 * n * ctx.remote_rounds
    with _os_guest(ctx, n, 'remote-os-%d' % n,
                   mem=_remote_mem(ctx, n)) as g:
        m, _ = g.wait_for(READY, BOOT_TIMEOUT + n)
        for why in parse_ready(m.group(0), n)[1]:
            s.note('ours at %d cores: %s' % (n, why), ours=True)
        _prompt(g)

        def measure():
            start = g.pos
            g.type('bench remote %d' % ctx.remote_rounds)
            g.wait_for(REMOTE_END, timeout)
            text = g.text[start:g.pos]
            if ctx.trace:
                _prompt(g)
            return text
        text = tracing.point(ctx, s, g, 'remote-%dcores-run%d' % (n, run),
                             measure)
        got, bad = parse_remote(text, n)
        # the unit borrow is judged in (issue 14: <= 12): a polling
        # channel round trip between the same cores (remotebench on 0
        # borrows from 1 first), in the same boot; and the same with the
        # receiver asleep, what an agreement's leaf is (idle cores halt)
        _prompt(g)
        for key, mode in (('rtt', ''), ('rtt_sleep', 'sleep ')):
            try:
                got[key] = _remote_rtt(g, mode)
            except GuestError as e:
                if g.p.poll() is not None:
                    raise
                bad.append('bench chan 0 1 %s: %s' % (mode, e))
    for b in bad:
        s.note('ours at %d cores: %s' % (n, b), ours=True)
    return got


def _remote_rtt(g, mode=''):
    """`bench chan 0 1 [sleep ]REMOTE_RTT_ROUNDS` at the prompt: (rtt
    median ns, p99 ns, one-way /s). As _bench_chan, but the prompt after
    it is asked for again (_prompt) when a program's line (the default
    manifest's httpd) lands on the prompt's line. mode 'sleep ': the
    receiver halts between messages (woken by its doorbell)."""
    start = g.pos
    g.type('bench chan 0 1 %s%d' % (mode, REMOTE_RTT_ROUNDS))
    g.wait_for('(?:%s)|(?:%s)' % (CHAN_RX, SHELL_FAIL), 120)
    m, _ = _prompt(g)
    vals, bad = parse_chan(g.text[start:m.start()])
    if bad:
        raise GuestError('; '.join(bad))
    return vals


def _remote_linux(ctx, s, n):
    """One Linux boot with n CPUs; {op: (median, p99, ipis, reached)}."""
    timeout = 120 + 0.1 * n * ctx.remote_rounds
    with _linux_guest(ctx, n, 'remote-linux-%d' % n, 'remote',
                      'mkos_rounds=%d' % ctx.remote_rounds,
                      mem=_remote_mem(ctx, n)) as g:
        g.wait_for(linux.MARKER, BOOT_TIMEOUT + 2 * n)
        start = g.pos
        g.wait_for(r'mkos-linux: remote status (\d+)', timeout)
        got, bad = parse_linux_remote(g.text[start:g.pos], n)
    for b in bad:
        s.note('Linux at %d CPUs: %s' % (n, b))
    return got


def _remote_row(n, ours, lx):
    """The CSV row of n cores from the runs' results (medians of runs)."""
    row = {'cores': n}
    for op in REMOTE_OPS:
        vals = [r[op] for r in ours if op in r]
        for i, k in enumerate(('median_ns', 'p99_ns', 'msgs')):
            row['ours_%s_%s' % (op, k)] = _median([v[i] for v in vals])
    row['ours_rtt_median_ns'] = _median([r['rtt'][0] for r in ours
                                         if 'rtt' in r])
    row['ours_rtt_sleep_median_ns'] = _median(
        [r['rtt_sleep'][0] for r in ours if 'rtt_sleep' in r])
    # borrow in polling round trips, each run against its own rtt
    row['ours_borrow_rtts'] = _median([r['borrow'][0] / r['rtt'][0]
                                       for r in ours if 'borrow' in r and
                                       'rtt' in r and r['rtt'][0] > 0])
    for op in LINUX_OPS:
        vals = [r[op] for r in lx if op in r]
        keys = ('median_ns', 'p99_ns') + (('tlb_ipis_per_op', 'reached')
                                          if op == 'allcore' else ())
        for i, k in enumerate(keys):
            row['linux_%s_%s' % (op, k)] = _median(
                [v[i] for v in vals if v[i] is not None])
    return row


def _remote_ratios(s):
    """ours / Linux at the largest core count where both were measured;
    tree / unicast likewise."""
    def last(a, b):
        both = [r for r in s.rows if r.get(a) is not None and
                r.get(b) is not None]
        return both[-1] if both else (s.rows[-1] if s.rows else {})

    for what, a, b in (
            ('spawn median vs Linux fork + exec', 'ours_spawn_median_ns',
             'linux_spawnexec_median_ns'),
            ('spawn median vs Linux fork', 'ours_spawn_median_ns',
             'linux_spawn_median_ns'),
            ('borrow 2 MiB median', 'ours_borrow_median_ns',
             'linux_borrow_median_ns'),
            ('local call median vs Linux same-CPU process round trip',
             'ours_local_median_ns', 'linux_local_median_ns'),
            ('unicast median vs Linux all-core', 'ours_unicast_median_ns',
             'linux_allcore_median_ns'),
            ('tree median vs Linux all-core', 'ours_tree_median_ns',
             'linux_allcore_median_ns'),
            ('tree / unicast median (both ours)', 'ours_tree_median_ns',
             'ours_unicast_median_ns')):
        r = last(a, b)
        s.ratio('%s, %s cores' % (what, r.get('cores', '-')), r.get(a),
                r.get(b), 'ns')
    # issue 14's target 3: a borrow <= 12 polling round trips (ours)
    for r in s.rows:
        s.ratio('borrow 2 MiB / polling rtt 0-1 (both ours, target <= 12), '
                '%s cores' % r['cores'], r.get('ours_borrow_median_ns'),
                r.get('ours_rtt_median_ns'), 'ns')
    # issue 14's target 4, and its floor (docs/benchmarks.md "Agreement:
    # the floor"): unicast against its 2(N-1) messages as polling round
    # trips (target <= 1.5); without the asker's two hand-offs with its
    # own monitor (the local call); and against N-1 round trips to a
    # receiver that sleeps, which is what every leaf is
    for r in s.rows:
        for what, ours, base in _agree_floor(r):
            s.ratio('%s, %s cores' % (what, r['cores']), ours, base, 'ns')


def _agree_floor(r):
    """[(what, ours, base)] for issue 14's target 4 at one row; None
    where a value is missing."""
    n, uni = r['cores'], r.get('ours_unicast_median_ns')
    loc, rtt = r.get('ours_local_median_ns'), r.get('ours_rtt_median_ns')
    srtt = r.get('ours_rtt_sleep_median_ns')
    net = uni - loc if uni is not None and loc is not None else None

    def times(k, v):
        return k * v if v is not None else None
    return [
        ('unicast / 2(N-1) polling rtts (target <= 1.5)', uni,
         times(2 * (n - 1), rtt)),
        ('unicast minus local call / 2(N-1) polling rtts', net,
         times(2 * (n - 1), rtt)),
        ('unicast minus local call / (N-1) sleeping rtts', net,
         times(n - 1, srtt)),
        ('local call alone / 2(N-1) polling rtts', loc,
         times(2 * (n - 1), rtt))]


def _remote_plots(s):
    keys = list(s.rows[0].keys()) if s.rows else []

    def col(k):
        return keys.index(k) + 1

    # One colour per operation: ours solid, Linux dashed.
    color = {'spawn': 1, 'borrow': 2, 'unicast': 3, 'tree': 4, 'allcore': 7,
             'spawnexec': 5, 'local': 6}
    line = ('"@CSV@" using 1:%d with linespoints linecolor %d dashtype %d '
            'title "%s"')
    lines = [line % (col('ours_%s_median_ns' % op), color[op], 1,
                     'ours ' + op) for op in REMOTE_OPS]
    lines += [line % (col('linux_%s_median_ns' % op), color[op], 2,
                      'Linux ' + op) for op in LINUX_OPS]
    s.plots.append(('Remote operations: median time vs cores (log scale)',
                    'set xlabel "cores"\nset ylabel "ns"\n'
                    'set logscale x 2\nset logscale y\n'
                    'set key outside right top\n'
                    'plot ' + ', '.join(lines) + '\n'))
    lines = [line % (col('ours_%s_msgs' % op), color[op], 1, 'ours ' + op)
             for op in ('unicast', 'tree')]
    lines.append(line % (col('linux_allcore_tlb_ipis_per_op'),
                         color['allcore'], 2,
                         'Linux all-core (TLB IPIs)'))
    s.plots.append(('Messages per all-core operation vs cores',
                    'set xlabel "cores"\nset ylabel "messages per operation"'
                    '\nset logscale x 2\nset yrange [0:*]\n'
                    'set key inside left top\n'
                    'plot ' + ', '.join(lines) + '\n'))


def remote(ctx):
    s = Suite('remote', 'Remote spawn, memory borrow and all-core operations '
              'vs cores')
    s.method = (
        'Ours: the shell\'s `bench remote %d` (remotebench on core 0) on a '
        'guest of N cores, each operation %d times, median and p99, and how '
        'many inter-monitor messages one takes: spawn (start a program on '
        'core N-1 and get its reply), borrow (2 MiB from another core\'s '
        'partition), unicast (an operation every core acknowledges, sent by '
        'core 0 to each core), tree (the same through a 4-ary tree of '
        'monitors) and local (an empty call to remotebench\'s own monitor on '
        'core 0: the two same-core hand-offs the others start and end with). '
        'Linux: `pingpong remote %d` (tests/bench/pingpong.c) in '
        'the baseline guest with the same N and memory, main thread on CPU 0: '
        'spawn = fork a child that pins itself to the last CPU and writes '
        'to a pipe, until the parent reads it (no exec; reaped untimed); '
        'spawnexec = the same, but the pinned child execs a static program '
        '(pingpong itself, `pingpong execnop FD`, whose main writes the '
        'byte): fork + exec + start-up, the counterpart of our spawn; '
        'borrow = mmap 2 MiB anonymous with MAP_POPULATE, then munmap; '
        'local = a request and its reply between two processes on CPU 0 '
        '(a forked child and the main thread sleep in FUTEX_WAIT in turn on '
        'two words of a shared mapping: two switches between address '
        'spaces, the counterpart of our local call); '
        'all-core = munmap of a 2 MiB-aligned region whose page table is '
        'freed, which makes Linux send a TLB shootdown IPI to every CPU '
        'that has the address space loaded, idle ones included, and wait '
        'for each: one helper thread pinned to each other CPU sleeps in '
        'FUTEX_WAIT and is woken (untimed) before each round so its CPU '
        'has the address space loaded; no vCPU spins. membarrier and '
        'mprotect were not used: Linux skips idle CPUs for both, so they '
        'would not reach every CPU without spinning threads. The Linux '
        'message count is the TLB shootdown interrupts all CPUs took per '
        'operation (/proc/interrupts); the suite notes any CPU not reached '
        'every round. Guests of %d cores or more get at least %d MiB. %d '
        'run(s) per point, median of the medians. In the same boot after '
        '`bench remote`, ours also runs `bench chan 0 1 %d` (a polling '
        'channel round trip between cores 0 and 1, where the borrow goes): '
        'borrow / polling rtt is the borrow in round trips; then `bench '
        'chan 0 1 sleep %d` (the receiver halts between messages, as an '
        'agreement\'s leaf does; its %d round trips stay within a program\'s '
        'burst of 256 doorbells, so it is the wake\'s cost, not the kernel\'s '
        'refill of one doorbell per 4 us): unicast, with and without the local call, '
        'is given against its 2(N-1) messages as polling round trips '
        '(issue 14: <= 1.5) and against N-1 sleeping round trips; the local '
        'call alone, which every operation contains, is given against the '
        'same polling round trips.' % (
            ctx.remote_rounds, ctx.remote_rounds, ctx.remote_rounds,
            REMOTE_BIG, REMOTE_BIG_MIB, ctx.runs, REMOTE_RTT_ROUNDS,
            REMOTE_RTT_ROUNDS, REMOTE_RTT_ROUNDS))
    cores = ctx.remote_cores
    steps = len(cores) * 2 * ctx.runs
    step = 0
    for n in cores:
        ours, lx = [], []
        for r in range(ctx.runs):
            step += 1
            ctx.progress('remote', step, steps, 'ours, %d cores: bench '
                         'remote %d' % (n, ctx.remote_rounds))
            try:
                ours.append(_remote_ours(ctx, s, n, r + 1))
            except GuestError as e:
                s.note('ours at %d cores: %s' % (n, e), ours=True)
        for r in range(ctx.runs):
            step += 1
            ctx.progress('remote', step, steps, 'Linux, %d cores: pingpong '
                         'remote %d' % (n, ctx.remote_rounds))
            if not ctx.linux_ok():
                continue
            try:
                lx.append(_remote_linux(ctx, s, n))
            except GuestError as e:
                s.note('Linux at %d CPUs: %s' % (n, e))
        row = _remote_row(n, ours, lx)
        s.rows.append(row)
        ctx.done('remote', '%d cores: ours spawn %s unicast %s tree %s ns; '
                 'Linux fork %s fork+exec %s all-core %s ns' % (
                     n, _i(row['ours_spawn_median_ns']),
                     _i(row['ours_unicast_median_ns']),
                     _i(row['ours_tree_median_ns']),
                     _i(row['linux_spawn_median_ns']),
                     _i(row['linux_spawnexec_median_ns']),
                     _i(row['linux_allcore_median_ns'])))
    if not ctx.linux_ok():
        s.note('no Linux baseline: ' + ctx.linux_error)
    _remote_ratios(s)
    _remote_plots(s)
    return s


# -------------------------------------------------------------- failover

# docs/failures.md ("Detection", "Fencing", "Recovery"): a core fails on
# purpose (the shell's `fail CORE KIND`), core 0 declares it lost, fences
# it and starts its devices' drivers on live cores. The image:
# tests/bench/manifests/failover.manifest.
FAIL_SMP = 8
FAIL_KINDS = ('panic', 'hang', 'monitor')
# role: (core, what is timed); netd falls back to core 4 (the manifest),
# the store to core 3 (the lowest live core but 0 once 1 is lost)
FAIL_ROLES = (('net', 1), ('store', 2), ('idle', 7))
FAIL_DEADLINE_MS = 2000      # the manifest's lost-after
FAIL_GOAL = 1.25             # issue 16: service back within 1.25x deadline
FAIL_KEYS = 400              # kvfill's puts, 20 ms apart, over the failure
FAIL_POLL = 0.05             # seconds between curls
FAIL_TIMEOUT = 60            # seconds for one failure to be dealt with
FAIL_PORTS = (80, 8080)      # httpd on core 0; httpd co-located in netd
FAIL_DEVICE = {'net': 'virtio-net', 'store': 'virtio-blk'}
FAIL_REJECT = (r'^.*(?:process fault|killed:|lwip: assertion|'
               r'not committed|PANIC core (?!%(core)d\b)\d+).*$')


def parse_failover(text, role, core, kind):
    """The console text of one failure, from the shell's `fail` to the
    service back: ({'detect_ms': the shell's `declared lost X ms after it
    failed` (guest clock), 'silent_ms': core 0's `no sign of life for X
    ms`, 'new_core': where the device's driver started, 'kvfill_ms':
    kvfill's `store answers again after X ms`}, [problems]). A problem:
    no `fails now` line, no declaration (or the shell's word that it did
    not come), no fence, no recovery of the role's device, another core
    lost, a panic elsewhere, a process fault, a key not committed or not
    read back."""
    got, bad = {}, []
    if not re.search(r'^fail: core %d fails now \(%s\)$' % (core, kind),
                     text, re.M):
        bad.append('no `fail: core %d fails now (%s)`' % (core, kind))
    m = re.search(r'^fail: core %d declared lost (\d+) ms after it failed$'
                  % core, text, re.M)
    if m:
        got['detect_ms'] = int(m.group(1))
    else:
        m = re.search(r'^fail: core %d (?:was not|failed;|: ).*$' % core,
                      text, re.M)
        bad.append('core %d not declared lost%s' % (
            core, ': ' + m.group(0) if m else ''))
    m = re.search(r'^monitor 0: core %d lost: no sign of life for (\d+) ms'
                  % core, text, re.M)
    if m:
        got['silent_ms'] = int(m.group(1))
    for m in re.finditer(r'^monitor 0: core (\d+) lost:', text, re.M):
        if int(m.group(1)) != core:
            bad.append('core %s was declared lost too' % m.group(1))
    if not re.search(r'^monitor 0: core %d fenced: stopped' % core, text,
                     re.M):
        bad.append('core %d not fenced' % core)
    dev = FAIL_DEVICE.get(role)
    if dev:
        m = re.search(r'^monitor 0: %s recovered on core (\d+), driver pid'
                      % dev, text, re.M)
        if m and int(m.group(1)) not in (core, 0):
            got['new_core'] = int(m.group(1))
        else:
            bad.append('%s not recovered%s' % (
                dev, ' (on core %s)' % m.group(1) if m else ''))
    if role == 'store':
        m = re.search(r'^kvfill: store answers again after (\d+) ms$', text,
                      re.M)
        if m:
            got['kvfill_ms'] = int(m.group(1))
        else:
            bad.append('kvfill never waited for the store')
        if not re.search(r'^kvfill: (\d+) of \1 keys read back intact$',
                         text, re.M):
            bad.append('kvfill: not every key read back intact')
    for m in re.finditer(FAIL_REJECT % {'core': core}, text, re.M):
        bad.append(m.group(0).strip())
    return got, bad


class _Stamped:
    """Guest g's console, each line with the host time (seconds since QEMU
    started) at which it was first read; polled every guest.POLL."""

    def __init__(self, g):
        self.g, self.done, self.lines = g, 0, []

    def poll(self):
        self.g._read()
        end = self.g.text.rfind('\n') + 1
        if end > self.done:
            now = self.g.elapsed()
            for line in self.g.text[self.done:end].splitlines():
                # the shell redraws its input line around what programs
                # print: `> spawn wa\x1b[Knet: ...`
                self.lines.append((now, line.split('\x1b[K')[-1]))
            self.done = end
        if self.g.p.poll() is not None:
            raise GuestError('QEMU exited (status %s); last output: %s'
                             % (self.g.p.returncode, self.g.tail()))

    def wait(self, pattern, timeout, since=0.0):
        """Polls until a line matching pattern is read at or after since;
        its host time. Raises GuestError on timeout."""
        deadline = time.monotonic() + timeout * self.g.scale
        while True:
            self.poll()
            t = self.find(pattern, since)
            if t is not None:
                return t
            if time.monotonic() > deadline:
                raise GuestError('no %r within %d s; last output: %s'
                                 % (pattern, timeout, self.g.tail()))
            time.sleep(0.02)

    def find(self, pattern, since=0.0):
        """The host time of the first line matching pattern read at or
        after since, or None."""
        rx = re.compile(pattern)
        for t, line in self.lines:
            if t >= since and rx.search(line):
                return t
        return None


class _Curl:
    """Starts a curl at the URL every FAIL_POLL seconds (each may take up
    to 3 s: a request the guest does not answer hangs); first_ok() is the
    host time (since QEMU started) at which the first curl started at or
    after `since` answered 200, or None."""

    def __init__(self, g, url, since):
        self.g, self.url, self.since = g, url, since
        self.running, self.ok, self.last = [], None, None

    def tick(self):
        now = self.g.elapsed()
        still = []
        for started, p in self.running:
            if p.poll() is None:
                still.append((started, p))
                continue
            code = p.stdout.read().strip()
            p.stdout.close()
            if code == b'200' and started >= self.since and (
                    self.ok is None or now < self.ok):
                self.ok = now
        self.running = still
        if self.ok is None and (self.last is None or
                                now - self.last >= FAIL_POLL):
            self.last = now
            self.running.append((now, subprocess.Popen(
                ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}',
                 '-m', '3', self.url], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)))

    def stop(self):
        for _, p in self.running:
            p.kill()
            p.wait()
            p.stdout.close()
        self.running = []


def _http_ok(port, timeout=30):
    """Waits until GET / on the forwarded port answers 200."""
    for _ in range(int(timeout)):
        r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w',
                            '%{http_code}', '-m', '1',
                            'http://127.0.0.1:%d/' % port],
                           capture_output=True, text=True)
        if r.stdout.strip() == '200':
            return True
    return False


def _fail_one(g, st, role, core, kind, ports):
    """Makes core fail with kind and waits till its role's service is
    back (ports: {guest port: host port}); (row, [problems])."""
    st.poll()
    start, t0 = len(st.lines), g.elapsed()
    g.type('fail %d %s' % (core, kind))
    curls = []
    t_fail = t_fence = None
    deadline = g.elapsed() + FAIL_TIMEOUT
    want = [r'^fail: core %d (?:declared lost|was not|failed;|: )' % core]
    if role == 'net':
        want.append(r'^net: 10\.0\.2\.15 ')
    elif role == 'store':
        want.append(r'^kvfill: (?:\d+ of \d+ keys read back|k\d+ not '
                    r'committed|usage)')
    while True:
        st.poll()
        if t_fail is None:
            t_fail = st.find(r'^fail: core %d fails now' % core, t0)
        if t_fail is not None and t_fence is None:
            t_fence = st.find(r'^monitor 0: core %d fenced' % core, t_fail)
            # before the fence the old driver may still answer (a monitor
            # that exited leaves its CPU driver and programs running): only
            # a curl started after the fence line counts
            if t_fence is not None and role == 'net':
                curls = [_Curl(g, 'http://127.0.0.1:%d/' % ports[p],
                               t_fence) for p in FAIL_PORTS]
        for c in curls:
            c.tick()
        text_done = all(st.find(w, t_fail or 0) is not None for w in want)
        if (t_fail is not None and text_done and
                all(c.ok is not None for c in curls)):
            break
        if g.elapsed() > deadline:
            for c in curls:
                c.stop()
            raise GuestError('fail %d %s: not over within %d s; last output:'
                             ' %s' % (core, kind, FAIL_TIMEOUT, g.tail()))
        time.sleep(0.01)
    for c in curls:
        c.stop()
    text = '\n'.join(l for _, l in st.lines[start:])
    got, bad = parse_failover(text, role, core, kind)
    row = {'role': role, 'kind': kind, 'core': core,
           'detect_ms': got.get('detect_ms'),
           'silent_ms': got.get('silent_ms'),
           'detect_host_ms': None, 'restored_ms': None,
           'new_core': got.get('new_core'),
           'kvfill_ms': got.get('kvfill_ms')}
    t = st.find(r'^fail: core %d declared lost' % core, t_fail)
    if t is not None:
        row['detect_host_ms'] = round((t - t_fail) * 1000)
    dev = FAIL_DEVICE.get(role)
    t = dev and st.find(r'^monitor 0: %s recovered on core' % dev, t_fail)
    row['driver_ms'] = round((t - t_fail) * 1000) if t else None
    if role == 'net':
        for c, p in zip(curls, FAIL_PORTS):
            row['http_%d_ms' % p] = round((c.ok - t_fail) * 1000)
        row['restored_ms'] = max(row['http_%d_ms' % p] for p in FAIL_PORTS)
    elif role == 'store':
        t = st.find(r'^kvfill: store answers again', t_fail)
        if t is not None:
            row['restored_ms'] = round((t - t_fail) * 1000)
    return row, bad


def _failover_boot(ctx, s, b, run):
    """One boot: the net core, the store core and an idle core fail in
    turn, with kinds FAIL_KINDS rotated by b (3 boots: each kind once in
    each role). [row]."""
    ports = {p: _free_port() for p in FAIL_PORTS}
    net = [('tcp', ports[p], p) for p in FAIL_PORTS]
    disk = os.path.join(ctx.work, 'failover-disk.img')
    with open(disk, 'wb') as f:
        f.truncate(4 << 20)
    rows = []
    with _os_guest(ctx, FAIL_SMP, 'failover-os-run%d-boot%d' % (run + 1,
                                                                b + 1),
                   iso=ctx.isos.get('failover'), net=net, disk=disk) as g:
        st = _Stamped(g)
        m, _ = g.wait_for(READY, BOOT_TIMEOUT + FAIL_SMP)
        for why in parse_ready(m.group(0), FAIL_SMP)[1]:
            s.note('failover: %s' % why, ours=True)
        _prompt(g)
        g.type('spawn waitsvc store 2')
        st.wait(r'waitsvc: store@2/0x2[0-9a-f]{4} is up$', 60)
        g.type('store format')
        st.wait(r'^store: formatted, every key is gone$', 30)
        st.wait(r'^net: 10\.0\.2\.15 ', 60)
        for p in FAIL_PORTS:
            if not _http_ok(ports[p]):
                raise GuestError('port %d never answered 200 before the '
                                 'failures' % p)
        for i, (role, core) in enumerate(FAIL_ROLES):
            kind = FAIL_KINDS[(b + i) % len(FAIL_KINDS)]
            ctx.progress('failover', run * 3 + b + 1, 3 * ctx.runs,
                         'fail %d %s (%s)' % (core, kind, role))
            if role == 'store':
                since = g.elapsed()
                g.type('spawn kvfill on 5 put 0 %d 20' % FAIL_KEYS)
                st.wait(r'^kvfill: put k0 \(1 of %d\)$' % FAIL_KEYS, 30,
                        since)
            row, bad = _fail_one(g, st, role, core, kind, ports)
            row['run'] = run + 1
            rows.append(row)
            for why in bad:
                s.note('failover, %s core %d, %s: %s' % (role, core, kind,
                                                         why), ours=True)
    return rows


def _fail_ratio(v):
    return None if v is None else round(v / FAIL_DEADLINE_MS, 3)


def failover(ctx):
    s = Suite('failover', 'Failover: detection and service restored after '
              'a core fails')
    s.method = (
        'An %d-core guest (tests/bench/manifests/failover.manifest: '
        'virtio-net on core 1 with a co-located httpd on port 8080, netd\'s '
        'fallback core 4; the store on virtio-blk on core 2; an httpd on '
        'core 0 on port 80; deadline %d ms). In one boot the shell\'s `fail '
        'CORE KIND` makes the net core (1), then the store core (2), then '
        'an idle core (7) fail, the kinds (%s) rotated from boot to boot: 3 '
        'boots give each kind once in each role, %d run(s) of 3 boots; '
        'medians over runs. detect: the shell\'s `fail: core N declared '
        'lost X ms after it failed` (guest clock; the shell asks core 0 '
        'every 50 ms). restored, net: host clock from the moment the `fail: '
        'core N fails now` line is read on the console to the first HTTP 200 '
        'from curl on the host, on port 80 and on port 8080, the later of '
        'the two; a curl starts every 50 ms, and only one started after '
        'the `core N fenced` line counts (before the fence a monitor that '
        'exited leaves the old netd serving). restored, store: host clock '
        'from the same line to kvfill\'s `store answers again` (kvfill on '
        'core 5 puts a key every 20 ms and retries one that fails every '
        '100 ms, binding anew; its own figure, from its first failed put, '
        'is kvfill_ms; a put in flight when the store\'s core stops waits '
        'out kvfill\'s 2 s call timeout before it is retried). driver: '
        'host clock from the same line to core 0\'s '
        '`DEVICE recovered on core M` (the driver started on its new '
        'core). Idle: detection only. Ratios are to the detection '
        'deadline; the goal (issue 16) is service back within %.2fx.' % (
            FAIL_SMP, FAIL_DEADLINE_MS, ', '.join(FAIL_KINDS), ctx.runs,
            FAIL_GOAL))
    if ctx.icount:
        s.note('skipped under bench_icount: the service is timed by curl '
               'on the host clock while the guest\'s clock counts '
               'instructions; see the wall-clock half', status='skipped')
        return s
    iso = ctx.isos.get('failover')
    if not iso or not os.path.exists(iso):
        s.note('no image %s' % iso, status='skipped')
        return s
    if not shutil.which('curl'):
        s.note('curl not installed (site_scons/install.sh)',
               status='skipped')
        return s
    runs = []
    for run in range(ctx.runs):
        for b in range(len(FAIL_KINDS)):
            try:
                runs += _failover_boot(ctx, s, b, run)
            except (GuestError, OSError) as e:
                s.note('failover, run %d boot %d: %s' % (run + 1, b + 1, e),
                       ours=True)
    for kind in FAIL_KINDS:
        for role, core in FAIL_ROLES:
            got = [r for r in runs if r['role'] == role and
                   r['kind'] == kind]
            row = {'kind': kind, 'role': role, 'core': core,
                   'runs': len(got)}
            for k in ('detect_ms', 'detect_host_ms', 'driver_ms',
                      'restored_ms', 'http_80_ms', 'http_8080_ms',
                      'kvfill_ms', 'silent_ms'):
                row[k] = _median([r[k] for r in got
                                  if r.get(k) is not None])
            row['detect_x'] = _fail_ratio(row['detect_ms'])
            row['driver_x'] = _fail_ratio(row['driver_ms'])
            row['restored_x'] = _fail_ratio(row['restored_ms'])
            row['restored_range_ms'] = _spread([r['restored_ms'] for r in got
                                                if r.get('restored_ms')
                                                is not None])
            row['new_core'] = ' '.join(sorted(set(
                str(r['new_core']) for r in got if r.get('new_core'))))
            s.rows.append(row)
            s.ratio('detection, %s, %s core' % (kind, role),
                    row['detect_ms'], FAIL_DEADLINE_MS, 'ms')
            if role != 'idle':
                s.ratio('restored, %s, %s core (goal <= %.2fx)' % (
                    kind, role, FAIL_GOAL), row['restored_ms'],
                    FAIL_DEADLINE_MS, 'ms')
            ctx.done('failover', '%s %s: detected %s ms, restored %s ms' % (
                kind, role, _i(row['detect_ms']), _i(row['restored_ms'])))
    _failover_plots(s)
    return s


def _failover_plots(s):
    """One bar chart per kind: detection and restored, as multiples of
    the deadline, per role, with the goal as a line."""
    keys = list(s.rows[0].keys()) if s.rows else []
    if not keys:
        return
    col = {k: keys.index(k) + 1 for k in keys}
    for kind in FAIL_KINDS:
        s.plots.append((
            'Failover, %s: time / detection deadline (%d ms)' % (
                kind, FAIL_DEADLINE_MS),
            'set style data histograms\nset style histogram clustered\n'
            'set style fill solid 0.6\nset ylabel "x deadline"\n'
            'set yrange [0:*]\nset key outside bottom center horizontal\n'
            'plot "< grep -E \'^(kind|%s),\' @CSV@" using %d:xtic(%d) title '
            '"detected", "" using %d title "driver restarted", "" using '
            '%d title "service restored", %.2f with lines dashtype 2 '
            'title "goal (%.2fx)"\n' % (
                kind, col['detect_x'], col['role'], col['driver_x'],
                col['restored_x'], FAIL_GOAL, FAIL_GOAL)))


def failover_missing(s):
    """Detection of every kind in every role, and the service restored
    for the net and store roles."""
    miss = []
    for r in s.rows:
        if r.get('detect_ms') is None:
            miss.append('detection, %s, %s core' % (r['kind'], r['role']))
        if r['role'] != 'idle' and r.get('restored_ms') is None:
            miss.append('restored, %s, %s core' % (r['kind'], r['role']))
    return miss or ([] if s.rows else ['every failure'])


def _i(v):
    return '-' if v is None else '%.0f' % v


def remote_missing(s):
    """Each of our operations at each core count."""
    return ['ours %s at %d cores' % (op, r['cores']) for r in s.rows
            for op in REMOTE_OPS if r.get('ours_%s_median_ns' % op) is None]


def boot_missing(s):
    """Our boot time and boot phases at each core count."""
    return ['ours at %s cores' % r['cores'] for r in s.rows
            if r.get('os_s') is None] + \
        ['our boot phases at %s cores' % r['cores'] for r in s.rows
         if r.get('phase_total_ms') is None]


def channels_missing(s):
    """Our polling and sleeping rows, every value."""
    have = [r['mechanism'] for r in s.rows if r['system'] == 'ours' and
            None not in (r['rtt_median_ns'], r['rtt_p99_ns'],
                         r['oneway_msgs_per_s'])]
    return ['ours ' + m for m in ('channel (polling)',
                                  'channel (sleeping, doorbell)',
                                  TRACE_OFF, TRACE_ON)
            if m not in have]


def network_missing(s):
    """A result from each of our servers at each point (wrk's and
    httpload's)."""
    have = [(r['server'], r.get('connections')) for r in s.rows
            if r.get('req_per_s')]
    return ['%s, -c%s' % (label, c) for _, label, _ in NET_OURS
            for c in POINTS if (label, c) not in have]


def isolation_missing(s):
    """Our quiet and noisy measurement (whatever the baseline did)."""
    keys = ('quiet_median_ns', 'quiet_p99_ns', 'noisy_median_ns',
            'noisy_p99_ns')
    if any(r['system'] == 'ours' and all(r.get(k) for k in keys)
           for r in s.rows):
        return []
    return ['ours: quiet and noisy round trips']


def check(s):
    """What `scons test`'s check bench/NAME finds wrong with a run of suite
    s (empty: it passes). It judges our side alone, whatever the baseline
    did: a skipped suite, any note about our side (a parser's problem, a
    run that failed, a guest with fewer cores), and anything of ours
    CHECK_MISSING says was not measured."""
    if s.status == 'skipped' and not (s.clock == 'icount' and
                                      s.name in ICOUNT_SKIPS):
        return ['skipped: ' + '; '.join(s.notes)]
    if s.status == 'skipped':
        return []
    missing = CHECK_MISSING[s.name](s)
    return list(s.ours_notes) + (['not measured: ' + ', '.join(missing)]
                                 if missing else [])


# The suites with no icount half (it says why in a note).
ICOUNT_SKIPS = ('network', 'failover')
SUITES = {'boot': boot, 'channels': channels, 'network': network,
          'isolation': isolation, 'remote': remote,
          'failover': failover}
ORDER = ['boot', 'channels', 'network', 'isolation', 'remote', 'failover']
# What each suite's check in `scons test` requires of our side: a
# function(suite) -> list of what is missing (empty: fine).
CHECK_MISSING = {'boot': boot_missing, 'channels': channels_missing,
                 'network': network_missing, 'isolation': isolation_missing,
                 'remote': remote_missing, 'failover': failover_missing}
