# SPDX-License-Identifier: MIT
"""The benchmark suites. Each is a function(ctx) -> report.Suite.

A suite measures our system and its baseline in the same run, one QEMU at a
time, and records a note (never a made-up number) for whatever it could not
measure.
"""

import re
import statistics
import subprocess

from . import linux
from .guest import Guest, GuestError
from .report import Suite

READY = r'system ready: (\d+) cores, (\d+) MiB, (\d+) ms'
PROMPT = r'^> $'
BOOT_TIMEOUT = 60            # seconds, plus 1 s per core
CHAN_RX = (r'bench chan (\d+) -> (\d+): round trip median (\d+) cycles '
           r'\((\d+) ns\), p99 (?:\d+ cycles )?\((\d+) ns\);\s+one-way '
           r'([\d,]+) messages/s')
PINGPONG = (r'pingpong (\w+) rtt_median_ns (\d+) rtt_p99_ns (\d+) '
            r'oneway_msgs_per_s (\d+)')


def _os_guest(ctx, smp, name, iso=None, **kw):
    return Guest(lambda cd: ctx.env.QemuCommand(
        iso or ctx.iso, smp=smp, serial='chardev:com1', chardev=cd, **kw),
        ctx.work, name)


def _linux_guest(ctx, smp, name, run, append='', net=None):
    info, initrd = ctx.linux()
    return Guest(lambda cd: linux.qemu_command(
        ctx.env, ctx.qemu, info, initrd, smp, cd, run, append, net),
        ctx.work, name)


def _median(xs):
    return statistics.median(xs) if xs else None


# ------------------------------------------------------------------ boot

def boot(ctx):
    s = Suite('boot', 'Boot time vs cores')
    s.method = ('Host wall-clock time from starting QEMU to `system ready` '
                'on our serial console, and to the baseline\'s init printing '
                'its marker (Debian kernel %s, busybox initramfs, `quiet`), '
                'same QEMU machine, accelerator and memory; %d run(s) per '
                'point, median. `guest ms` is what our CPU driver reports '
                'itself.' % (ctx.linux_version(), ctx.runs))
    cores = ctx.cores
    steps = len(cores) * 2 * ctx.runs
    step = 0
    os_t, lx_t = {}, {}
    for n in cores:
        row = {'cores': n, 'os_s': None, 'os_guest_ms': None,
               'linux_s': None, 'ratio': None}
        times, guest_ms = [], []
        for r in range(ctx.runs):
            step += 1
            ctx.progress('boot', step, steps, 'ours, %d cores' % n)
            try:
                with _os_guest(ctx, n, 'boot-os-%d' % n) as g:
                    m, t = g.wait_for(READY, BOOT_TIMEOUT + n)
                    if int(m.group(1)) != n:
                        s.note('ours at %d cores: only %s cores came up'
                               % (n, m.group(1)))
                    times.append(t)
                    guest_ms.append(int(m.group(3)))
            except GuestError as e:
                s.note('ours at %d cores: %s' % (n, e))
        ltimes = []
        for r in range(ctx.runs):
            step += 1
            ctx.progress('boot', step, steps, 'Linux, %d cores' % n)
            if not ctx.linux_ok():
                continue
            try:
                with _linux_guest(ctx, n, 'boot-linux-%d' % n, 'boot') as g:
                    m, t = g.wait_for(linux.MARKER, BOOT_TIMEOUT + 2 * n)
                    if int(m.group(1)) != n:
                        s.note('Linux at %d cores: it saw %s CPUs'
                               % (n, m.group(1)))
                    ltimes.append(t)
            except GuestError as e:
                s.note('Linux at %d cores: %s' % (n, e))
        row['os_s'] = _median(times)
        row['os_guest_ms'] = _median(guest_ms)
        row['linux_s'] = _median(ltimes)
        if row['os_s'] and row['linux_s']:
            row['ratio'] = row['os_s'] / row['linux_s']
        s.rows.append(row)
        s.ratio('boot, %d cores' % n, row['os_s'], row['linux_s'], 's')
        ctx.done('boot', '%d cores: ours %s s, Linux %s s' % (
            n, _f(row['os_s']), _f(row['linux_s'])))
    if not ctx.linux_ok():
        s.note('no Linux baseline: ' + ctx.linux_error)
    s.plots.append(('Boot time vs cores (QEMU start to ready, host wall '
                    'clock)',
                    'set xlabel "cores"\nset ylabel "seconds"\n'
                    'set logscale x 2\nset yrange [0:*]\n'
                    'plot "@CSV@" using 1:2 with linespoints title "ours", '
                    '"@CSV@" using 1:4 with linespoints title "Linux"\n'))
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
        ' 2,000 round trips of one-slot messages after 100 warm-up, polling '
        'receiver; one-way: 100,000 messages). Linux guest (%d cores, same '
        'QEMU configuration): `pingpong` between two threads pinned to CPUs 0'
        ' and 1, %d round trips each timed with clock_gettime: the same ring '
        '(channels/ring.c, polling), pipe, eventfd and futex (sleeping). '
        'Host: the same `pingpong` binary on the build machine, threads '
        'pinned to two host cores. %d run(s), median of the medians.' % (
            a, b, smp, smp, ctx.rounds, ctx.runs))
    steps = 3 * ctx.runs
    step = 0
    ours = []
    for r in range(ctx.runs):
        step += 1
        ctx.progress('channels', step, steps, 'ours: bench chan %d %d' % (a, b))
        try:
            with _os_guest(ctx, smp, 'chan-os') as g:
                g.wait_for(READY, BOOT_TIMEOUT + smp)
                g.wait_for(PROMPT, 30)
                g.type('bench chan %d %d' % (a, b))
                m, _ = g.wait_for(CHAN_RX, 120)
                ours.append((int(m.group(4)), int(m.group(5)),
                             int(m.group(6).replace(',', ''))))
        except GuestError as e:
            s.note('ours: %s' % e)
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

    o = agg(ours)
    s.rows.append({'system': 'ours', 'mechanism': 'channel (polling)',
                   'rtt_median_ns': o[0], 'rtt_p99_ns': o[1],
                   'oneway_msgs_per_s': o[2]})
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
    s.note('our sleeping receiver is not measured: chanbench and echosvc '
           'only poll (echosvc sleeps after 200 us idle, which a benchmark '
           'in progress never reaches)', status=s.status)
    s.plots.append(('Round trip median (ns, log scale)',
                    'set style data histograms\nset style fill solid 0.6\n'
                    'set logscale y\nset ylabel "ns"\nset xtics rotate by -30'
                    '\nset key off\n'
                    'plot "@CSV@" using 3:xtic(stringcolumn(1)." ".'
                    'stringcolumn(2))\n'))
    ctx.done('channels', 'ours rtt median %s ns' % (o[0],))
    return s


SUITES = {'boot': boot, 'channels': channels}
ORDER = ['boot', 'channels', 'network', 'isolation', 'remote']
