# SPDX-License-Identifier: MIT
"""The suites' parsers and checks against canned console text, without
QEMU: `scons test` runs parse_check() as the check `bench/parse`, so that a
parser that stops accepting the format docs/benchmarks.md gives, or starts
accepting a broken one, fails at once rather than in a long benchmark run.
Each rejection the checks in `scons test` rely on (lost messages, 0 ns, a
p99 below its median, a wrong core or message count, wrk errors, a note
about our side) has a case here that shows it rejects.
"""

import os
import re
import shutil
import tempfile

from . import icount, suites, tracing
from .guest import GuestError
from .report import Suite
from ostest import checks

OURS = '''> bench remote 10
remotebench: 10 rounds on 4 cores
bench remote spawn: cores 4 median_ns 123456 p99_ns 234567 msgs 2.00
bench remote borrow: cores 4 median_ns 1,234 p99_ns 5678.5 msgs 2
bench remote unicast:  cores 4  median_ns 9000 p99_ns 12000 msgs 6.00
bench remote tree: cores 4 median_ns 8000 p99_ns 11000 msgs 6.00
bench remote local: cores 4 median_ns 2000 p99_ns 2500 msgs 0.00
bench remote done: cores 4
> '''

LINUX = '''pingpong remote spawn cpus 4 median_ns 1577010 p99_ns 9832550
pingpong remote spawnexec cpus 4 median_ns 2577010 p99_ns 9932550
pingpong remote borrow cpus 4 median_ns 5912920 p99_ns 8379980
pingpong remote local cpus 4 median_ns 12000 p99_ns 30000
pingpong remote allcore cpus 4 median_ns 388730 p99_ns 5043250 \
tlb_ipis_per_op 3.00 reached 3
'''

CHAN = ('bench: core 1 pings a service on core 2...\n'
        'bench chan 1 -> 2: round trip median 231894 cycles (89099 ns), p99 '
        '8118240 cycles (3119247 ns); one-way 209008 messages/s (100000 of '
        '100000 arrived)\n')

WRK = '''Running 2s test @ http://127.0.0.1:40000/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   5.00ms   90.00%
    Req/Sec     3.30k   200.00     3.50k    80.00%
  Latency Distribution
     50%  900.00us
     75%    1.30ms
     90%    1.50ms
     99%    3.00ms
  6600 requests in 2.00s, 5.50MB read
Requests/sec:   3300.00
Transfer/sec:      2.75MB
'''


_Fail = checks.Fail
_want = checks.want


def _remote():
    got, bad = suites.parse_remote(OURS, 4)
    _want(not bad, 'good remote output rejected: %s' % bad)
    _want(got['borrow'] == (1234.0, 5678.5, 2.0) and
          got['tree'] == (8000.0, 11000.0, 6.0),
          'remote values misread: %s' % got)
    for old, new, why in (
            ('tree: cores 4 median_ns 8000 p99_ns 11000 msgs 6.00',
             'tree: cores 4 median_ns 8000 p99_ns 11000 msgs 4.00',
             'tree: 4 messages'),
            ('unicast:  cores 4  median_ns 9000 p99_ns 12000 msgs 6.00',
             'unicast:  cores 4  median_ns 9000 p99_ns 12000 msgs 6.01',
             'unicast: 6.01 messages'),
            ('median_ns 123456', 'median_ns 0', 'spawn: median 0 ns'),
            ('p99_ns 11000', 'p99_ns 7999', 'tree: p99 7999 ns below'),
            ('unicast:  cores 4', 'unicast:  cores 3', 'unicast says 3 '
             'cores'),
            ('p99_ns 2500 msgs 0.00', 'p99_ns 2500 msgs 2.00',
             'local: 2 inter-monitor messages')):
        _, bad = suites.parse_remote(OURS.replace(old, new), 4)
        _want(any(b.startswith(why) for b in bad),
              'remote: %r not rejected (%s)' % (new, bad))
    _, bad = suites.parse_remote(OURS, 8)
    _want(bad, 'remote output of 4 cores taken for 8')
    _, bad = suites.parse_remote(OURS.replace('msgs', 'messages'), 4)
    _want(bad and 'spawn, borrow, unicast, tree, local' in bad[-1],
          'lines without msgs taken: %s' % bad)
    failed = OURS.replace('bench remote done: cores 4',
                          'bench remote failed: no memory')
    _, bad = suites.parse_remote(failed, 4)
    _want(any('no memory' in b for b in bad), 'failure line missed')
    _, bad = suites.parse_remote('> bench remote 10\nusage: bench chan A B'
                                 '   (cores 0..3)\n> ', 4)
    _want(any('the shell said' in b for b in bad), 'shell usage missed')
    # issue 14's target 4: unicast against polling and sleeping round
    # trips, with and without the local call, and the local call alone
    # against the same budget, from one row
    got['rtt'], got['rtt_sleep'] = (700.0, 900.0, 1e6), (3500.0, 4000.0, 0)
    row = suites._remote_row(4, [got], [])
    _want(row['ours_rtt_sleep_median_ns'] == 3500.0 and
          row['ours_local_median_ns'] == 2000.0,
          'remote row: %s' % row)
    _want([x[1:] for x in suites._agree_floor(row)] ==
          [(9000.0, 4200.0), (7000.0, 4200.0), (7000.0, 10500.0),
           (2000.0, 4200.0)],
          'agreement floor: %s' % suites._agree_floor(row))
    del row['ours_local_median_ns']
    _want([x[1:] for x in suites._agree_floor(row)] ==
          [(9000.0, 4200.0), (None, 4200.0), (None, 10500.0),
           (None, 4200.0)],
          'agreement floor without local: %s' % suites._agree_floor(row))


def _linux():
    got, bad = suites.parse_linux_remote(LINUX, 4)
    _want(not bad, 'good pingpong remote output rejected: %s' % bad)
    _want(got['allcore'] == (388730, 5043250, 3.0, 3),
          'allcore misread: %s' % (got.get('allcore'),))
    _want(got['spawnexec'] == (2577010, 9932550, None, None),
          'spawnexec misread: %s' % (got.get('spawnexec'),))
    _want(got['local'] == (12000, 30000, None, None),
          'local misread: %s' % (got.get('local'),))
    _, bad = suites.parse_linux_remote(LINUX.replace('reached 3',
                                                     'reached 2'), 4)
    _want(any('reached 2 of the 3' in b for b in bad),
          'a CPU not reached went unnoticed')
    _, bad = suites.parse_linux_remote('pingpong remote spawn failed: '
                                       'fork: x\n', 4)
    _want(bad == ['spawn failed: fork: x', 'no `pingpong remote OP` line '
                  'for spawnexec, borrow, local, allcore'],
          'failed pingpong remote: %s' % bad)


def _ready():
    ready = '> system ready: 2 cores, 254 MiB, 812 ms\n'
    _want(suites.parse_ready(ready, 2) == (812, []),
          'good ready line rejected: %s' % (suites.parse_ready(ready, 2),))
    _, bad = suites.parse_ready(ready.replace(' 2 cores', ' 1 cores'), 2)
    _want(bad == ['only 1 of 2 cores came up'],
          'a guest with fewer cores went unnoticed: %s' % bad)


PHASES = ('system ready: 8 cores, 2032 MiB, 97 ms\n'
          'boot phases: cores 8, cpudriver 48132 us, bringup 33504 us, '
          'monitors 343 us, mesh 232 us, manifest 714 us, total 82925 us\n')


def _phases():
    got, bad = suites.parse_phases(PHASES, 8)
    _want(not bad and got == {'cpudriver': 48.132, 'bringup': 33.504,
                              'monitors': 0.343, 'mesh': 0.232,
                              'manifest': 0.714, 'total': 82.925},
          'boot phases misread: %s %s' % (got, bad))
    for old, new, n, why in (
            ('boot phases', 'boot stages', 8, 'no `boot phases` line'),
            ('', '', 16, 'boot phases of 8 cores, not 16'),
            ('total 82925', 'total 92925', 8,
             'boot phases add up to 82925 us, not the total 92925 us')):
        _, bad = suites.parse_phases(PHASES.replace(old, new) if old
                                     else PHASES, n)
        _want(bad == [why], 'boot phases: %r not rejected (%s)' % (new, bad))
    # a run without the line is a note about our side, so bench/boot fails
    s = Suite('boot', 'boot')
    s.rows.append({'cores': 2, 'os_s': 1.0, 'phase_total_ms': None})
    _want(suites.check(s) == ['not measured: our boot phases at 2 cores'],
          'boot phases missing went unnoticed: %s' % suites.check(s))


def _chan():
    got, bad = suites.parse_chan(CHAN)
    _want(not bad and got == (89099, 3119247, 209008),
          'bench chan line misread: %s %s' % (got, bad))
    for old, new, why in (
            ('(100000 of 100000', '(99900 of 100000',
             '100 of 100000 one-way messages lost'),
            (' (100000 of 100000 arrived)', '', 'no "(N of M arrived)"'),
            ('(89099 ns)', '(0 ns)', 'round trip median 0 ns'),
            ('(3119247 ns)', '(89098 ns)', 'p99 89098 ns below the median'),
            ('arrived)\n', 'arrived)\nbench: failed (status 1)\n',
             'the shell said: bench: failed (status 1)'),
            ('arrived)\n', 'arrived)\nchanbench: 1 of 100000 one-way '
             'messages lost\n', 'chanbench: 1 of 100000'),
            ('bench chan 1 -> 2', 'usage: bench chan A B   (cores 0..3)\n',
             'the shell said: usage')):
        _, bad = suites.parse_chan(CHAN.replace(old, new))
        _want(any(b.startswith(why) for b in bad),
              'bench chan: %r not rejected (%s)' % (new, bad))
    # chanbench's count for tracing is not a problem
    count = CHAN + 'chanbench: channel messages sent 4002 received 2001\n'
    _want(suites.parse_chan(count) == (got, []),
          'the count line rejected: %s' % (suites.parse_chan(count),))


def _httpload():
    line = ('httpload connections 16 seconds 10 requests 71614 req_per_s '
            '7161 p50_ms 2.369 p99_ms 5.157 max_ms 151.304 errors 0\n')
    got, bad = suites.parse_httpload(line)
    _want(got == {'req_per_s': 7161.0, 'lat_p50_ms': 2.369,
                  'lat_p99_ms': 5.157, 'errors': 'none'} and not bad,
          'good httpload output misread: %s %s' % (got, bad))
    _, bad = suites.parse_httpload(line.replace('errors 0', 'errors 3'))
    _want(bad == ['httpload: 3 errors'], 'httpload errors not seen')
    for text, status in ((line, 1), ('httpload: connect: refused', 1),
                         (line.replace('requests 71614', 'requests 0'), 0)):
        try:
            suites.parse_httpload(text, status)
            _want(False, 'httpload: %r (status %d) taken' % (text, status))
        except ValueError:
            pass


def _wrk():
    got, bad = suites.parse_wrk(WRK)
    _want(not bad and got == {'req_per_s': 3300.0, 'lat_p50_ms': 0.9,
                              'lat_p99_ms': 3.0, 'errors': 'none'},
          'good wrk output misread: %s %s' % (got, bad))
    errs = '  Socket errors: connect 0, read 2, write 0, timeout 1\n'
    for text, why in (
            (WRK.replace('Requests/sec', errs + 'Requests/sec'),
             'wrk socket errors: connect 0, read 2, write 0, timeout 1'),
            (WRK.replace('Requests/sec', '  Non-2xx or 3xx responses: 5\n'
                         'Requests/sec'), '5 non-2xx/3xx responses'),
            (WRK.replace('99%    3.00ms', '99%  800.00us'),
             'latency p99 0.8 ms below the median 0.9 ms'),
            (WRK.replace('50%  900.00us', '50%    0.00us'),
             'latency median 0.0 ms'),
            (WRK.replace('99%', '98%'), 'no latency percentiles')):
        _, bad = suites.parse_wrk(text)
        _want(any(b.startswith(why) for b in bad),
              'wrk: %r not rejected (%s)' % (why, bad))
    try:
        suites.parse_wrk(WRK.replace('3300.00', '0.00'))
        _want(False, 'wrk: 0 requests/s taken')
    except ValueError:
        pass
    # the shell's `net`: counters, and a total that must be their sum
    net = ('> net\n  rx_frames   120  frames received\n'
           '  drop_rx_nobuf   2  received frames with no pbuf\n'
           '  drop_tcp   1  TCP segments dropped\nnet: drops 3\n')
    _want(suites.parse_net(net) == ({'rx_frames': 120, 'drop_rx_nobuf': 2,
                                     'drop_tcp': 1}, 3),
          '`net` misread: %s' % (suites.parse_net(net),))
    for text in (net.replace('drops 3', 'drops 2'),
                 '> net\nnet: no network service is running\n'):
        try:
            suites.parse_net(text)
            _want(False, '`net`: %r taken' % text)
        except ValueError:
            pass


def _isolation(ours=True, linux=True):
    s = Suite('isolation', '')
    if ours:
        s.rows.append({'system': 'ours', 'service': 'channel (polling)',
                       'quiet_median_ns': 900, 'quiet_p99_ns': 2000,
                       'noisy_median_ns': 1000, 'noisy_p99_ns': 9000})
    if linux:
        s.rows.append({'system': 'Linux guest', 'service': 'futex',
                       'quiet_median_ns': 90, 'quiet_p99_ns': 200,
                       'noisy_median_ns': 100, 'noisy_p99_ns': 900})
    else:
        s.note('no Linux baseline: fetching failed')
    return s


def _check():
    """suites.check: our side alone decides."""
    _want(suites.check(_isolation()) == [], 'a good isolation run failed: '
          '%s' % suites.check(_isolation()))
    _want(suites.check(_isolation(linux=False)) == [],
          'isolation needs the Linux baseline to pass: %s'
          % suites.check(_isolation(linux=False)))
    _want(suites.check(_isolation(ours=False)),
          'isolation passed without our measurement')
    s = _isolation()
    s.note('ours: `bench chan 1 2`: 1 of 100000 one-way messages lost',
           ours=True)
    _want(suites.check(s) == [s.notes[-1]],
          'a note about our side passed: %s' % suites.check(s))
    s = Suite('channels', '')
    s.rows = [{'system': 'ours', 'mechanism': 'channel (polling)',
               'rtt_median_ns': 1, 'rtt_p99_ns': 2, 'oneway_msgs_per_s': 3},
              {'system': 'ours', 'mechanism': 'channel (sleeping, doorbell)',
               'rtt_median_ns': None, 'rtt_p99_ns': None,
               'oneway_msgs_per_s': None}] + [
              {'system': 'ours', 'mechanism': m, 'rtt_median_ns': 1,
               'rtt_p99_ns': 2, 'oneway_msgs_per_s': 3}
              for m in (suites.TRACE_OFF, suites.TRACE_ON)]
    _want(suites.check(s) == ['not measured: ours channel (sleeping, '
                              'doorbell)'],
          'channels passed without the sleeping run: %s' % suites.check(s))
    s.rows = s.rows[:3]
    _want(suites.check(s) == ['not measured: ours channel (sleeping, '
                              'doorbell), ours ' + suites.TRACE_ON],
          'channels passed without tracing on: %s' % suites.check(s))
    s = Suite('network', '')
    s.rows = [{'server': suites.NET_OURS[0][1], 'connections': c,
               'req_per_s': 10.0} for c in suites.POINTS]
    _want(suites.check(s) == ['not measured: ' + ', '.join(
        '%s, -c%s' % (suites.NET_OURS[1][1], c) for c in suites.POINTS)],
          'network passed with a server down: %s' % suites.check(s))
    s.rows = s.rows[:1]
    _want(suites.check(s) == ['not measured: ' + ', '.join(
        ['%s, -c%s' % (suites.NET_OURS[0][1], c)
         for c in suites.POINTS[1:]] + [
            '%s, -c%s' % (suites.NET_OURS[1][1], c)
            for c in suites.POINTS])],
          'network passed without its -c16 and set-up points: %s'
          % suites.check(s))


class _Shell:
    """A guest for tracing.point(): answers each command typed with the
    text `answers` gives (a function of the command), appending dump
    bytes to its trace device on `trace dump`."""

    def __init__(self, trace_path, answers, dumps=()):
        self.text, self.pos = '> ', 0
        self.trace_path, self.trace_off = trace_path, 0
        self.answers, self.dumps = answers, list(dumps)
        self.typed = []

    def type(self, line):
        self.typed.append(line)
        if line == 'trace dump' and self.dumps:
            with open(self.trace_path, 'ab') as f:
                f.write(self.dumps.pop(0))
        self.text += line + '\n' + self.answers(line) + '\n> '

    def wait_for(self, pattern, timeout):
        m = re.compile(pattern, re.M).search(self.text, self.pos)
        if not m:
            raise GuestError('no %r' % pattern)
        self.pos = m.end()
        return m, 0.0


def _ok(line):
    return {tracing.TRACE_ON: 'trace: on kernel,chan,monitor 1M per buffer '
            'on 4 cores', 'trace dump': 'trace: dumped 976 bytes, 4 '
            'buffers from 2 cores, 0 events lost'}.get(line, 'result')


class _Ctx:
    def __init__(self, out, trace=True):
        self.out, self.work, self.trace = out, out, trace


def _tracing():
    """trace=1's points on a stand-in shell: the dumps of each point
    land next to the CSV, converted; a failed dump fails the point."""
    from tracetool import selfcheck as canned
    d = tempfile.mkdtemp(prefix='mkbench-trace-')
    try:
        ctx = _Ctx(d)
        dev = tracing.device(ctx, 'g')
        _want(dev == os.path.join(d, 'g.trace.bin') and
              tracing.device(_Ctx(d, False), 'g') is None, 'device %r' % dev)
        g = _Shell(dev, _ok, [canned.BASIC, canned.EARLY])
        s = Suite('remote', '')
        v = tracing.point(ctx, s, g, 'p1', lambda: g.type('bench') or 7)
        _want(v == 7 and g.typed == [tracing.TRACE_ON, 'bench',
                                     'trace dump'],
              'point: %r typed %r' % (v, g.typed))
        tracing.point(ctx, s, g, 'p2', lambda: None)
        for name, data in (('p1', canned.BASIC), ('p2', canned.EARLY)):
            with open(os.path.join(d, name + '.trace.bin'), 'rb') as f:
                _want(f.read() == data, '%s.trace.bin is not its dump'
                      % name)
            _want(os.path.exists(os.path.join(d, name + '.trace.json')),
                  'no %s.trace.json' % name)
        # p2's receive comes before its send: a note, not a failed point
        _want(len(s.notes) == 1 and not s.ours_notes and
              s.notes[0].startswith('trace of p2: tracetool --check finds '
                                    '1 problem(s), the first: channel '
                                    '0x7000/0 seq 9: received'),
              'notes %r' % s.notes)
        g = _Shell(tracing.device(ctx, 'g'), _ok, [b'MKTRACE1 but short'])
        tracing.point(ctx, s, g, 'p3', lambda: None)
        _want(s.ours_notes == ['trace of p3 (%s): truncated: a dump starts '
                               'with a 32-byte header, this one has 18 '
                               'bytes' % os.path.join(d, 'p3.trace.bin')],
              'a bad dump: %r' % s.ours_notes)
        _want(tracing.point(_Ctx(d, False), s, g, 'p4', lambda: 5) == 5 and
              g.typed == [tracing.TRACE_ON, 'trace dump'],
              'untraced point typed %r' % g.typed)
        for answer, want in (
                ('trace dump: no trace device (QEMU needs trace=FILE: '
                 'docs/tracing.md)', '`trace dump`: trace dump: no trace '
                 'device'),
                ('unknown command \'trace\' (try help)',
                 '`%s`: unknown command' % tracing.TRACE_ON)):
            g = _Shell(tracing.device(ctx, 'g'), lambda line, a=answer: a if line.startswith(
                'trace') and not (line == tracing.TRACE_ON and
                                  'dump' in a) else _ok(line))
            try:
                tracing.point(ctx, s, g, 'p5', lambda: None)
                raise _Fail('tracing: %r did not fail the point' % answer)
            except GuestError as e:
                _want(str(e).startswith(want), 'tracing: %r gave %s'
                      % (answer, e))
    finally:
        shutil.rmtree(d, ignore_errors=True)


# What the console shows of the store's core hanging while kvfill puts
# keys (tests/system/failover.test; docs/failures.md, "Recovery").
FAILOVER = '''fail: core 2 fails now (hang)
kvfill: k37: no answer (connection closed); trying again
monitor 0: core 2 silent for 2001 ms (deadline 2000 ms): asking the other monitors
monitor 0: core 2 lost: no sign of life for 2503 ms (deadline 2000 ms); 7 monitors agree
monitor 0: core 2 fenced: stopped (INIT IPI), 1 of its devices quiesced
monitor 0: virtio-blk: its core 2 is lost; starting its driver on core 3
monitor 0: virtio-blk recovered on core 3, driver pid 0x30004
fail: core 2 declared lost 2951 ms after it failed
kvfill: store answers again after 3120 ms
kvfill: 400 keys committed (k0..k399)
kvfill: 400 of 400 keys read back intact
'''


def _failover():
    got, bad = suites.parse_failover(FAILOVER, 'store', 2, 'hang')
    _want(not bad, 'good failover output rejected: %s' % bad)
    _want(got == {'detect_ms': 2951, 'silent_ms': 2503, 'new_core': 3,
                  'kvfill_ms': 3120}, 'failover values misread: %s' % got)
    for old, new, why in (
            ('(hang)', '(panic)', 'fails now'),
            ('declared lost 2951 ms after it failed',
             'was not declared lost within 5000 ms', 'not declared lost'),
            ('virtio-blk recovered on core 3', 'virtio-blk recovered on '
             'core 2', 'not recovered'),
            ('monitor 0: virtio-blk recovered', 'monitor 0: virtio-net '
             'recovered', 'not recovered'),
            ('fenced: stopped', 'fenced? no', 'not fenced'),
            ('kvfill: store answers again after 3120 ms\n', '',
             'never waited'),
            ('400 of 400 keys', '399 of 400 keys', 'read back intact'),
            ('kvfill: 400 keys committed', 'kvfill: k38 not committed: '
             'timed out; giving up\nkvfill: 400 keys committed',
             'not committed'),
            ('fail: core 2 declared', 'monitor 0: core 5 lost: no sign of '
             'life for 2500 ms\nfail: core 2 declared', 'core 5 was '
             'declared lost'),
            ('fail: core 2 declared', 'PANIC core 4: page fault\nfail: '
             'core 2 declared', 'PANIC core 4')):
        _, bad = suites.parse_failover(FAILOVER.replace(old, new), 'store',
                                       2, 'hang')
        _want(any(why in b for b in bad), 'failover: %r -> %r not rejected '
              '(%s)' % (old, new, bad))
    # the failed core's own panic is what it was asked to do
    _, bad = suites.parse_failover(FAILOVER.replace(
        '(hang)', '(panic)\nPANIC core 2: fail: panic on purpose'), 'store',
        2, 'panic')
    _want(not bad, 'the failing core\'s own panic rejected: %s' % bad)
    _, bad = suites.parse_failover(FAILOVER, 'net', 2, 'hang')
    _want(any('virtio-net not recovered' in b for b in bad),
          'the net role took a store recovery: %s' % bad)
    # a run missing a figure fails its check; an idle core needs no
    # restoration
    s = Suite('failover', '')
    s.rows = [{'kind': 'hang', 'role': 'idle', 'detect_ms': 2900,
               'restored_ms': None},
              {'kind': 'hang', 'role': 'net', 'detect_ms': 2900,
               'restored_ms': 3400}]
    _want(suites.check(s) == [], 'a good failover run failed: %s'
          % suites.check(s))
    s.rows[1]['restored_ms'] = None
    _want(suites.check(s) == ['not measured: restored, hang, net core'],
          'a failover run without restoration passed: %s' % suites.check(s))
    s.rows = []
    _want(suites.check(s) != [], 'a failover run with no rows passed')


DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                   'docs', 'benchmarks.md')
TCG = ['qemu-system-x86_64', '-M', 'q35', '-accel', 'tcg,thread=multi',
       '-smp', '4', '-m', '2G', '-cdrom', 'os.iso']


def _icount():
    """bench_icount: its values, a wrong one refused with the choices,
    and the QEMU arguments of the mode the ones docs/benchmarks.md
    gives."""
    for text, want in (('', (False, )), ('0', (False, )), (None, (False, )),
                       ('1', (False, True)), (' ON ', (False, True)),
                       ('only', (True, ))):
        _want(icount.mode(text) == want, 'bench_icount=%r read as %r'
              % (text, icount.mode(text)))
    for text in ('2', 'icount', 'true1', '-1'):
        try:
            icount.mode(text)
            raise _Fail('bench_icount=%s taken' % text)
        except SystemExit as e:
            _want(str(e).startswith('bench: bench_icount=%s: want '
                                    'bench_icount=1' % text),
                  'bench_icount=%s refused unclearly: %s' % (text, e))
    cmd = icount.command(TCG)
    _want(cmd == TCG[:3] + ['-accel', 'tcg,thread=single', '-icount',
                            'shift=0,sleep=off'] + TCG[5:],
          'icount argv: %s' % cmd)
    _want(' '.join(cmd[3:7]) == icount.describe(),
          'describe() %r is not the argv %r' % (icount.describe(), cmd[3:7]))
    with open(DOC) as f:
        doc = f.read()
    _want('`%s`' % icount.describe() in doc,
          'docs/benchmarks.md does not give the mode\'s arguments `%s`'
          % icount.describe())
    for bad, why in ((TCG[:3] + ['-accel', 'kvm'] + TCG[5:], 'needs '
                      'accel=tcg'),
                     (TCG + ['-icount', 'shift=1'], 'already has -icount'),
                     (TCG + ['-accel', 'tcg'], 'a second -accel'),
                     (TCG[:3] + TCG[5:], 'no -accel')):
        try:
            icount.command(bad)
            raise _Fail('icount argv %s taken' % bad)
        except ValueError as e:
            _want(why in str(e), 'icount argv %s: %s' % (bad, e))
    # A suite with no icount half (the network's) passes its check in
    # that half, and only there.
    s = Suite('network', '')
    s.note('skipped under bench_icount', status='skipped')
    _want(suites.check(s) == ['skipped: skipped under bench_icount'],
          'a skipped wall-clock network suite passed')
    s.clock = 'icount'
    _want(suites.check(s) == [], 'the network suite\'s icount half failed: '
          '%s' % suites.check(s))


def _linux_mode():
    """bench_linux: its values, a wrong one refused, and a context with
    the baseline left out that neither fetches nor boots it."""
    import mkbench

    def mode(text):
        try:
            return mkbench.linux_mode(text)
        except SystemExit as e:   # SCons's way to refuse an option
            return str(e)
    for text, want in (('', True), (None, True), ('1', True), (' ON ', True),
                       ('0', False), ('no', False), ('off', False)):
        _want(mode(text) is want, 'bench_linux=%r read as %r'
              % (text, mode(text)))
    for text in ('2', 'linux', '-1'):
        got = mode(text)
        _want(isinstance(got, str) and
              got.startswith('bench: bench_linux=%s: want' % text),
              'bench_linux=%s: %r' % (text, got))
    d = tempfile.mkdtemp(prefix='mkbench-linux-')
    try:
        ctx = mkbench.Ctx(None, {'out': d, 'iso': '', 'pingpong': '',
                                 'cache': os.path.join(d, 'no-cache'),
                                 'cores': [1], 'linux': False})
        _want(not ctx.linux_ok() and ctx.linux_error ==
              'left out (bench_linux=0)', 'left out: %r' % ctx.linux_error)
        _want(not os.path.exists(os.path.join(d, 'no-cache')),
              'bench_linux=0 fetched the baseline')
    finally:
        shutil.rmtree(d, ignore_errors=True)


def parse_check():
    """(ok, reason) for the ostest plan."""
    return checks.run(_remote, _linux, _ready, _phases, _chan, _wrk,
                      _httpload, _check,
                      _tracing, _icount, _failover, _linux_mode)
