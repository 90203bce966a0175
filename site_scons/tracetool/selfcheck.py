# SPDX-License-Identifier: MIT
"""The converter on canned dumps, without QEMU: `scons test` runs
convert_check() as the check `trace/convert`.

The dumps are built here byte by byte the way the C writer
(channels/trace_ring.c) lays them out, with tsc_khz 1000 so that a tick is
a microsecond. Cases: a small trace of two cores compared with its
expected JSON; a process buffer that wrapped (the oldest sends lost, so
their receives have no send: the check must say so); a receive before its
send beyond the clocks' uncertainty; a file holding several dumps (the
last by default, --dump N, damaged ones after or between); corrupt and truncated files, each
with the one-line error it must give, and every prefix and many one-byte
corruptions of a good dump (a TraceError or a trace, never a traceback);
the command line on a corrupt file.
"""

import contextlib
import io
import json
import os
import tempfile
from xml.etree import ElementTree

from . import TraceError, check, decode, to_chrome, to_svg
from .chrome import match_channels, parse_end
from .dump import BUF, CLOCK, EV, FILE
from . import __main__ as cli
from ostest import checks

KHZ = 1000

# event types (abi/trace.h)
HALT, WAKE, DB_SEND = 3, 4, 1
SEND, RECV = 16, 17
MON_BEGIN, MON_END, LEVEL = 32, 33, 34


def chan_b(seq, typ, size):
    return seq | typ << 32 | size << 40


def buf(kind, core, pid, name, size, events, lost=None):
    """One buffer after len(events) trace_put()s; events are (tsc, type,
    a, b), pid the buffer's."""
    head = len(events)
    slots = [b'\0' * EV.size] * size
    for i, (tsc, typ, a, b) in enumerate(events):
        slots[i % size] = EV.pack(tsc, typ, core, pid, a, b)
    if lost is None:
        lost = max(0, head - size)
    return BUF.pack(0x4254524b, 1, kind, core, pid, name.encode(), size,
                    head, lost, 0) + b''.join(slots)


def dump(bufs, clocks=((0, 0, 0), (1, 100, 10)), magic=b'MKTRACE1',
         version=1, nbufs=None):
    head = FILE.pack(magic, version, len(clocks), KHZ,
                     len(bufs) if nbufs is None else nbufs, 0)
    return (head + b''.join(CLOCK.pack(c, 0, off, rtt)
                            for c, off, rtt in clocks) + b''.join(bufs))


# Core 1's TSC runs 100 ticks ahead of core 0's; t0 is the monitor's
# first event (core 1 tsc 105 = 5 on core 0's clock).
BASIC = dump([
    buf(1, 0, 0, '', 8, [(10, HALT, 0, 0), (20, WAKE, 1, 0),
                         (30, DB_SEND, 1, 0)]),
    buf(2, 0, 0x1, 'client', 4, [(25, SEND, 0x5000, chan_b(1, 3, 8)),
                                 (60, RECV, 0x5001, chan_b(1, 4, 16))]),
    buf(2, 1, 0x10001, 'server', 4, [(140, RECV, 0x5000, chan_b(1, 3, 8)),
                                     (150, SEND, 0x5001, chan_b(1, 4, 16))]),
    buf(3, 1, 0x10002, 'monitor', 4, [(105, MON_BEGIN, 6, 7),
                                      (110, LEVEL, 0x5000, 2),
                                      (120, MON_END, 6, 7)]),
])


def _x(pid, tid, ts, name, chan, seq, typ, size, spid, flow):
    return {'pid': pid, 'tid': tid, 'ts': ts, 'ph': 'X', 'dur': 0.001,
            'cat': 'chan', 'name': name,
            'args': {'channel': chan, 'seq': seq, 'type': typ, 'size': size,
                     'pid': spid, 'flow': flow}}


def _flow(pid, tid, ts, ph, fid):
    return {'pid': pid, 'tid': tid, 'ts': ts, 'ph': ph, 'cat': 'chan',
            'name': 'message', 'id': fid, 'bp': 'e'}


K = 0x7fff0000  # chrome.KERNEL_TID: core c's kernel is thread K + c
R = 0x7ffe0000  # chrome.RING_TID: core c's ring counters are thread R + c
BASIC_EVENTS = [
    {'pid': 1, 'tid': K, 'ts': 5.0, 'ph': 'B', 'name': 'halted',
     'args': {'pid': '0x0'}},
    {'pid': 1, 'tid': K, 'ts': 15.0, 'ph': 'E', 'name': 'halted',
     'args': {'events': '0x1'}},
    {'pid': 1, 'tid': K, 'ts': 25.0, 'ph': 'i', 's': 't',
     'name': 'doorbell send', 'args': {'pid': '0x0', 'core': 1}},
    _x(1, 1, 20.0, 'send', '0x5000/0', 1, 3, 8, '0x1', 1),
    _flow(1, 1, 20.0, 's', 1),
    _x(1, 1, 55.0, 'recv', '0x5000/1', 1, 4, 16, '0x1', 2),
    _flow(1, 1, 55.0, 'f', 2),
    _x(2, 0x10001, 35.0, 'recv', '0x5000/0', 1, 3, 8, '0x10001', 1),
    _flow(2, 0x10001, 35.0, 'f', 1),
    _x(2, 0x10001, 45.0, 'send', '0x5000/1', 1, 4, 16, '0x10001', 2),
    _flow(2, 0x10001, 45.0, 's', 2),
    {'pid': 2, 'tid': 0x10002, 'ts': 0.0, 'ph': 'b', 'cat': 'monitor',
     'name': 'spawn', 'id': '0x10002:7'},
    {'pid': 2, 'tid': 0x10002, 'ts': 5.0, 'ph': 'C', 'name': 'ring 0x5000/0',
     'args': {'slots': 2}},
    {'pid': 2, 'tid': 0x10002, 'ts': 15.0, 'ph': 'e', 'cat': 'monitor',
     'name': 'spawn', 'id': '0x10002:7'},
    # occupancy from the sends and receives: after each receive, nothing
    # waits (on the sending core's thread 'rings')
    {'pid': 1, 'tid': R, 'ts': 35.0, 'ph': 'C', 'name': 'ring 0x5000/0',
     'args': {'slots': 0}},
    {'pid': 2, 'tid': R + 1, 'ts': 55.0, 'ph': 'C', 'name': 'ring 0x5000/1',
     'args': {'slots': 0}},
]

BASIC_THREADS = {(1, K): 'kernel', (2, K + 1): 'kernel', (1, 1): 'client 0x1',
                 (1, R): 'rings', (2, R + 1): 'rings',
                 (2, 0x10001): 'server 0x10001',
                 (2, 0x10002): 'monitor 0x10002'}

# The client's buffer holds 4 of its 6 sends: sends 1 and 2 are lost,
# their receives stay.
WRAPPED = dump([
    buf(2, 0, 0x1, 'client', 4, [(10 * i, SEND, 0x5000, chan_b(i, 1, 4))
                                 for i in range(1, 7)]),
    buf(2, 1, 0x10001, 'server', 16,
        [(100 + 10 * i + 5, RECV, 0x5000, chan_b(i, 1, 4))
         for i in range(1, 7)]),
])

# Received at 30 on core 0's clock, sent at 40: the clocks (rtt 4 and 6,
# 5 ticks of uncertainty) cannot explain that.
EARLY = dump([
    buf(2, 0, 0x1, 'a', 4, [(40, SEND, 0x7000, chan_b(9, 1, 1))]),
    buf(2, 1, 0x10001, 'b', 4, [(130, RECV, 0x7000, chan_b(9, 1, 1))]),
], clocks=((0, 0, 4), (1, 100, 6)))

_ONE = buf(2, 0, 1, 'x', 2, [(1, SEND, 0x1000, 0)])
CORRUPT = [
    (b'', 'truncated: a dump starts with a 32-byte header, this one has '
          '0 bytes'),
    (dump([], magic=b'MKTRACE0'), "not a trace dump: magic b'MKTRACE0', "
                                  "want b'MKTRACE1'"),
    (dump([], version=2), 'dump version 2, this tool reads version 1'),
    (dump([])[:-1], 'truncated at offset 32: want 48 bytes for 2 clock '
                    'records, the file has 47 left'),
    (dump([], clocks=((0, 0, 0), (0, 0, 0))), 'bad clock record: core 0 '
                                              '(seen twice)'),
    (dump([_ONE])[:-1], "truncated at offset 144: want 64 bytes for buffer 0 "
                        "(core 0, 'x')'s 2 events, the file has 63 left"),
    (dump([_ONE], nbufs=2), "truncated at offset 208: want 64 bytes for "
                            "buffer 1's header, the file has 0 left"),
    (dump([_ONE]) + b'\0', '1 bytes after the last of the 1 buffers the '
                           'header announces'),
    (dump([b'\1' + _ONE[1:]]), 'buffer 0 at offset 80: bad magic 0x4254520'
                               '1'),
    (dump([buf(2, 5, 1, 'x', 2, [])]), "buffer 0 (core 5, 'x'): core 5, the "
                                       "dump has 2"),
    (dump([buf(2, 0, 1, 'x', 2, [(1, SEND, 0, 0)] * 3, lost=0)]),
     "buffer 0 (core 0, 'x'): lost 0, but 3 written into 2 slots"),
    (dump([buf(9, 0, 1, 'x', 2, [])]), "buffer 0 (core 0, 'x'): unknown "
                                       "kind 9"),
]


_Fail = checks.Fail
_want = checks.want


def _basic():
    t = to_chrome(decode(BASIC))
    json.loads(json.dumps(t))
    evs = [e for e in t['traceEvents'] if e['ph'] != 'M']
    for i, (got, want) in enumerate(zip(evs, BASIC_EVENTS)):
        _want(got == want, 'basic: event %d is %s, want %s' % (i, got, want))
    _want(len(evs) == len(BASIC_EVENTS), 'basic: %d events, want %d' % (
        len(evs), len(BASIC_EVENTS)))
    threads = {(e['pid'], e['tid']): e['args']['name']
               for e in t['traceEvents'] if e['name'] == 'thread_name'}
    _want(threads == BASIC_THREADS, 'basic: threads %s' % threads)
    r = check(t)
    client = {'core': 0, 'pid': '0x1', 'name': 'client'}
    server = {'core': 1, 'pid': '0x10001', 'name': 'server'}
    _want(r == {'messages': 2, 'per_channel': {'0x5000/0': 1, '0x5000/1': 1},
                'per_core_pair': {'0->1': 1, '1->0': 1},
                'channels': [{'channel': '0x5000/0', 'from': client,
                              'to': server, 'messages': 1},
                             {'channel': '0x5000/1', 'from': server,
                              'to': client, 'messages': 1}],
                'errors': [], 'edges': 0},
          'basic: check says %s' % r)
    svg = to_svg(t)
    ElementTree.fromstring(svg)  # well-formed XML, or it raises
    _want(svg.count('<line x1') == 2 + 10 + 2, 'basic: the SVG has %d '
          'lines, want 2 lanes, 10 marks (2 of them ring counters) and 2 '
          'arrows' % svg.count('<line x1'))


def _wrapped():
    d = decode(WRAPPED)
    client = d.bufs[0]
    _want((client.head, client.lost, [e.b & 0xff for e in client.events]) ==
          (6, 2, [3, 4, 5, 6]), 'wrapped: client buffer %s' % (client,))
    t = to_chrome(d)
    _want(t['otherData']['lost'] == {'0:client:0x1': 2},
          'wrapped: lost %s' % t['otherData']['lost'])
    r = check(t)
    _want(r['messages'] == 4 and r['per_core_pair'] == {'0->1': 4} and
          r['edges'] == 2 and
          r['errors'] == ['buffer 0:client:0x1 lost 2 events (size buffers '
                          'for what you trace)'],
          'wrapped: check says %s' % r)
    # The edges of a trace are not losses: a send whose receiver stopped
    # tracing first (seq 6), a receive of a message sent before its sender
    # was traced (seq 1). A message missing inside the stretch the other
    # side traced is an error: receive 3 and send 4 of ring 0x6000/0.
    gaps = to_chrome(decode(dump([
        buf(2, 0, 0x1, 'client', 16,
            [(10 * i, SEND, 0x6000, chan_b(i, 1, 4)) for i in (2, 4, 5, 6)]),
        buf(2, 1, 0x10001, 'server', 16,
            [(100 + 10 * i, RECV, 0x6000, chan_b(i, 1, 4))
             for i in (1, 2, 3, 5)]),
    ])))
    r = check(gaps)
    _want(r['messages'] == 2 and r['edges'] == 2 and
          r['errors'] == ['channel 0x6000/0 seq 3: 0 send(s), 1 receive(s)',
                          'channel 0x6000/0 seq 4: 1 send(s), 0 receive(s)'],
          'edges and gaps: check says %s' % r)


def _early():
    r = check(to_chrome(decode(EARLY)))
    _want(r['errors'] == ['channel 0x7000/0 seq 9: received at 0.0 us on '
                          'core 1, before its send at 10.0 us on core 0 '
                          '(clocks known to 5.000 us)'],
          'early: check says %s' % r['errors'])
    # the same within the uncertainty passes
    ok = dump([buf(2, 0, 0x1, 'a', 4, [(40, SEND, 0x7000, chan_b(9, 1, 1))]),
               buf(2, 1, 0x10001, 'b', 4,
                   [(130, RECV, 0x7000, chan_b(9, 1, 1))])],
              clocks=((0, 0, 10), (1, 100, 40)))
    r = check(to_chrome(decode(ok)))
    _want(r['errors'] == [], 'early within rtt: %s' % r['errors'])
    r = check('{"traceEvents": 3}')
    _want(r['errors'] == ['not a trace: no traceEvents list'],
          'not a trace: %s' % r['errors'])
    _want(check('{')['errors'][0].startswith('not JSON: '), 'not JSON')


def _corrupt():
    for data, want in CORRUPT:
        try:
            decode(data)
        except TraceError as e:
            _want(str(e) == want, 'corrupt: error %r, want %r' % (str(e),
                                                                   want))
            continue
        raise _Fail('corrupt: no error, want %r' % want)
    for n in range(len(BASIC)):
        try:
            decode(BASIC[:n])
            raise _Fail('a dump cut to %d bytes was read' % n)
        except TraceError:
            pass
    for i in range(len(BASIC)):
        for v in (0x00, 0x07, 0xff):
            data = BASIC[:i] + bytes([v]) + BASIC[i + 1:]
            try:
                t = to_chrome(decode(data))
            except TraceError:
                continue
            check(t)
            to_svg(t)


def _several():
    """A file holding several dumps (each `trace dump` appends one)."""
    second = dump([buf(2, 0, 0x1, 'a', 4, [(40, SEND, 0x7000,
                                            chan_b(9, 1, 1))]),
                   buf(2, 1, 0x10001, 'b', 4, [(150, RECV, 0x7000,
                                                chan_b(9, 1, 1))])])
    three = BASIC + second + BASIC
    for which, want in ((None, BASIC), (3, BASIC), (1, BASIC), (2, second)):
        d = decode(three, which)
        one = decode(want)
        _want(d.bufs == one.bufs and d.clocks == one.clocks,
              'several: dump %s is not the one it should be' % which)
        _want(d.warnings[0] == 'the file holds 3 dumps one after another; '
              'this is dump %d (--dump N picks another)' % (which or 3),
              'several: warning %r' % d.warnings[:1])
    _want(decode(BASIC).warnings == [], 'one dump: warnings %s' %
          decode(BASIC).warnings)
    _want(decode(BASIC, 1).bufs == decode(BASIC).bufs, 'one dump, --dump 1')
    errors = [
        (three, 4, 'no dump 4: the file holds 3 dumps'),
        (three, 0, 'no dump 0: the file holds 3 dumps'),
        (BASIC, 2, 'no dump 2: the file holds 1 dump'),
        # garbage after a dump that is not a new dump: the old errors
        (BASIC + second + b'xyz', None,
         'dump 2 (at offset %d): 3 bytes after the last of the 2 buffers '
         'the header announces' % len(BASIC)),
        (BASIC + b'MKTRACE1', None, 'dump 2 (at offset %d): truncated: a '
         'dump starts with a 32-byte header, this one has 8 bytes'
         % len(BASIC)),
        (BASIC + second[:-1], None, 'dump 2 (at offset %d): truncated at '
         'offset %d: want 128 bytes for buffer 1 (core 1, \'b\')\'s 4 '
         'events, the file has 127 left' % (len(BASIC), len(BASIC) +
                                            len(second) - 128)),
        (BASIC + b'MKTRACE0' + second[8:], None, '%d bytes after the last '
         'of the 4 buffers the header announces' % len(second)),
        # a damaged last dump, asked for by number
        (BASIC + second[:-1], 2, 'dump 2 (at offset %d): truncated at '
         'offset %d: want 128 bytes for buffer 1 (core 1, \'b\')\'s 4 '
         'events, the file has 127 left' % (len(BASIC), len(BASIC) +
                                            len(second) - 128)),
    ]
    for data, which, want in errors:
        try:
            decode(data, which)
        except TraceError as e:
            _want(str(e) == want, 'several: error %r, want %r' % (str(e),
                                                                   want))
            continue
        raise _Fail('several: no error, want %r' % want)
    # the whole dumps before a damaged one can still be picked
    d = decode(BASIC + second + b'\0', 1)
    _want(d.warnings[:2] == [
        'the file holds 2 dumps one after another; this is dump 1 (--dump '
        'N picks another)',
        'dump 2 not read: dump 2 (at offset %d): 1 bytes after the last of '
        'the 2 buffers the header announces' % len(BASIC)],
        'several: damaged second dump: %s' % d.warnings)
    # every cut of a two-dump file: an error line or a trace
    two = BASIC + second
    for n in range(len(two)):
        try:
            to_chrome(decode(two[:n]))
        except TraceError:
            pass
    # the bench channel's count: by name and core, both directions
    r = check(to_chrome(decode(BASIC)))
    _want(r['channels'] and match_channels(r, ('client', 0), ('server', 1))
          == [r['channels'][0]] and
          match_channels(r, (None, 1), (None, 0)) == [r['channels'][1]] and
          match_channels(r, ('server', None), ('server', None)) == [],
          'several: match_channels on %s' % r['channels'])
    for text, want in (('client', ('client', None)), ('@3', (None, 3)),
                       ('x@12', ('x', 12))):
        _want(parse_end(text) == want, 'parse_end(%r)' % text)
    for text in ('', '@', 'a@b'):
        try:
            parse_end(text)
            raise _Fail('parse_end(%r) accepted' % text)
        except ValueError:
            pass


def _cli():
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.bin')
        with open(bad, 'wb') as f:
            f.write(BASIC[:40])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = cli.main([bad, '--json', os.path.join(tmp, 'x.json')])
        _want(rc == 1 and err.getvalue() == 'tracetool: %s: truncated at '
              'offset 32: want 48 bytes for 2 clock records, the file has 8 '
              'left\n' % bad, 'cli: %d %r' % (rc, err.getvalue()))
        good = os.path.join(tmp, 'good.bin')
        with open(good, 'wb') as f:
            f.write(BASIC)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = cli.main([good, '--json', os.path.join(tmp, 'g.json'),
                           '--svg', os.path.join(tmp, 'g.svg'), '--check'])
        _want(rc == 0 and json.loads(out.getvalue())['messages'] == 2,
              'cli: good dump: %d %r' % (rc, out.getvalue()))
        with open(os.path.join(tmp, 'g.json')) as f:
            _want(check(f.read())['errors'] == [], 'cli: written JSON')
        many = os.path.join(tmp, 'many.bin')
        with open(many, 'wb') as f:
            f.write(BASIC[:-1] + b'\0' + BASIC)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main([many, '--expect-channel', 'client@0:server@1=1',
                           '--expect-channel', 'server:client=1',
                           '--expect-pair', '0:1', '--expect-pair', '1:0=1',
                           '--expect-pair', '1:1=0'])
        _want(rc == 0 and err.getvalue() == 'tracetool: %s: warning: the '
              'file holds 2 dumps one after another; this is dump 2 (--dump '
              'N picks another)\n' % many,
              'cli: expectations met: %d %r' % (rc, err.getvalue()))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main([many, '--dump', '1',
                           '--expect-channel', 'client@0:server@1=2',
                           '--expect-channel', '@1:@1=1',
                           '--expect-pair', '0:2', '--expect-pair', '0:1=3'])
        lines = err.getvalue().splitlines()
        _want(rc == 1 and lines[1:] == [
            'tracetool: %s: expect-channel client@0:server@1=2: 1 '
            'message(s) on 0x5000/0 client 0x1->server 0x10001: 1' % many,
            'tracetool: %s: expect-channel @1:@1=1: 0 message(s): no '
            'channel matches' % many,
            'tracetool: %s: expect-pair 0:2: 0 message(s) from core 0 to '
            'core 2' % many,
            'tracetool: %s: expect-pair 0:1=3: 1 message(s) from core 0 to '
            'core 1' % many], 'cli: expectations failed: %d %r' % (
                rc, err.getvalue()))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                cli.main([many, '--expect-channel', 'client=3'])
                rc = 0
            except SystemExit as e:
                rc = e.code
        _want(rc == 2 and "'client=3': want FROM:TO=N" in err.getvalue(),
              'cli: bad --expect-channel: %d %r' % (rc, err.getvalue()))


def convert_check():
    """(ok, reason) for the ostest plan."""
    return checks.run(_basic, _wrapped, _early, _corrupt, _several, _cli)

