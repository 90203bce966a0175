# SPDX-License-Identifier: MIT
"""python3 -m tracetool IN.bin [--dump N] [--json OUT.json] [--svg OUT.svg]
                        [--check] [--expect-channel FROM:TO=N]...
                        [--expect-pair A:B[=N]]...

Converts a trace dump (docs/tracing.md): the last dump of the file, or
dump N (1-based) with --dump N; a file holding several says so in a
warning. --check also checks the result and prints check()'s counts as
one JSON line on stdout. The --expect options (they imply --check) compare
counts with what a test knows:

  --expect-channel FROM:TO=N   the messages sent by processes matching
                               FROM to processes matching TO add up to N;
                               FROM and TO are NAME (the buffer's name, the
                               program's), @CORE or NAME@CORE, e.g.
                               chanbench@1:echosvc@2=2301
  --expect-pair A:B[=N]        at least one message (or exactly N) went
                               from a process on core A to one on core B

Exit status 0, or 1 with lines `tracetool: IN.bin: what is wrong` (a bad
dump, a failed check or expectation), 2 for a bad command line.
"""

import argparse
import json
import sys

from . import TraceError, check, read, to_chrome, to_svg
from .chrome import match_channels, parse_end


def _channel_arg(text):
    spec, eq, n = text.rpartition('=')
    frm, colon, to = spec.partition(':')
    try:
        if not eq or not colon:
            raise ValueError('want FROM:TO=N')
        return (text, parse_end(frm), parse_end(to), int(n))
    except ValueError as e:
        raise argparse.ArgumentTypeError('%r: %s (FROM and TO are NAME, '
                                         '@CORE or NAME@CORE, N a count)'
                                         % (text, e))


def _pair_arg(text):
    spec, eq, n = text.partition('=')
    a, colon, b = spec.partition(':')
    try:
        if not colon:
            raise ValueError('no colon')
        return (text, int(a), int(b), int(n) if eq else None)
    except ValueError:
        raise argparse.ArgumentTypeError('%r: want A:B or A:B=N, cores and '
                                         'a count as numbers' % text)


def expectations(result, channels=(), pairs=()):
    """The failed expectations, one line each; channels as _channel_arg
    gives, pairs as _pair_arg."""
    bad = []
    for text, frm, to, n in channels:
        got = match_channels(result, frm, to)
        total = sum(c['messages'] for c in got)
        if total != n:
            bad.append('expect-channel %s: %d message(s)%s' % (
                text, total, ' on ' + ', '.join(
                    '%s %s %s->%s %s: %d' % (
                        c['channel'], c['from']['name'], c['from']['pid'],
                        c['to']['name'], c['to']['pid'], c['messages'])
                    for c in got) if got else ': no channel matches'))
    for text, a, b, n in pairs:
        got = result['per_core_pair'].get('%d->%d' % (a, b), 0)
        if (n is None and got == 0) or (n is not None and got != n):
            bad.append('expect-pair %s: %d message(s) from core %d to core %d'
                       % (text, got, a, b))
    return bad


def main(argv=None):
    def _window_arg(text):
        lo, sep, hi = text.partition(':')
        try:
            lo, hi = float(lo), float(hi)
        except ValueError:
            raise argparse.ArgumentTypeError('want FROM:TO in microseconds, '
                                             'got %r' % text)
        if not sep or hi <= lo:
            raise argparse.ArgumentTypeError('want FROM:TO with FROM < TO, '
                                             'got %r' % text)
        return lo, hi

    p = argparse.ArgumentParser(prog='tracetool',
                                description='trace dump to Perfetto JSON '
                                'and SVG (docs/tracing.md)')
    p.add_argument('dump')
    p.add_argument('--dump', type=int, dest='which', metavar='N',
                   help='convert dump N (1-based) of a file holding several '
                   '(default: the last)')
    p.add_argument('--json', help='write Chrome Trace Event JSON here')
    p.add_argument('--svg', help='write an SVG timeline here')
    p.add_argument('--window', type=_window_arg, metavar='FROM:TO',
                   help='the SVG shows only FROM..TO microseconds of the '
                   'trace (time as in the JSON)')
    p.add_argument('--check', action='store_true',
                   help='check the trace (pairs, time order) and print '
                   'message counts')
    p.add_argument('--expect-channel', type=_channel_arg, action='append',
                   default=[], metavar='FROM:TO=N',
                   help='messages from FROM to TO (NAME, @CORE or '
                   'NAME@CORE) add up to N; implies --check')
    p.add_argument('--expect-pair', type=_pair_arg, action='append',
                   default=[], metavar='A:B[=N]',
                   help='a message (exactly N) went from core A to core B; '
                   'implies --check')
    a = p.parse_args(argv)
    try:
        dump = read(a.dump, a.which)
        trace = to_chrome(dump)
        for w in dump.warnings:
            print('tracetool: %s: warning: %s' % (a.dump, w), file=sys.stderr)
        _write(a.json, json.dumps(trace, indent=0))
        _write(a.svg, to_svg(trace, a.window) if a.svg else None)
    except TraceError as e:
        print('tracetool: %s: %s' % (a.dump, e), file=sys.stderr)
        return 1
    if a.check or a.expect_channel or a.expect_pair:
        r = check(trace)
        bad = r['errors'] + expectations(r, a.expect_channel, a.expect_pair)
        for e in bad:
            print('tracetool: %s: %s' % (a.dump, e), file=sys.stderr)
        print(json.dumps({k: v for k, v in r.items() if k != 'errors'},
                         sort_keys=True))
        return 1 if bad else 0
    return 0


def _write(path, text):
    if not path:
        return
    try:
        with open(path, 'w') as f:
            f.write(text)
    except OSError as e:
        raise TraceError('cannot write %s: %s' % (path, e.strerror))


if __name__ == '__main__':
    sys.exit(main())
