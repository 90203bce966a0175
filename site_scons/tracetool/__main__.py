# SPDX-License-Identifier: MIT
"""python3 -m tracetool IN.bin [--json OUT.json] [--svg OUT.svg] [--check]

Converts a trace dump (docs/tracing.md); --check also checks the result
and prints the message counts. Exit status 0, or 1 with one line
`tracetool: IN.bin: what is wrong` (a bad dump, a failed check).
"""

import argparse
import json
import sys

from . import TraceError, check, read, to_chrome, to_svg


def main(argv=None):
    p = argparse.ArgumentParser(prog='tracetool',
                                description='trace dump to Perfetto JSON '
                                'and SVG (docs/tracing.md)')
    p.add_argument('dump')
    p.add_argument('--json', help='write Chrome Trace Event JSON here')
    p.add_argument('--svg', help='write an SVG timeline here')
    p.add_argument('--check', action='store_true',
                   help='check the trace (pairs, time order) and print '
                   'message counts')
    a = p.parse_args(argv)
    try:
        dump = read(a.dump)
        trace = to_chrome(dump)
        for w in dump.warnings:
            print('tracetool: %s: warning: %s' % (a.dump, w), file=sys.stderr)
        _write(a.json, json.dumps(trace, indent=0))
        _write(a.svg, to_svg(trace) if a.svg else None)
    except TraceError as e:
        print('tracetool: %s: %s' % (a.dump, e), file=sys.stderr)
        return 1
    if a.check:
        r = check(trace)
        for e in r['errors']:
            print('tracetool: %s: %s' % (a.dump, e), file=sys.stderr)
        print(json.dumps({k: v for k, v in r.items() if k != 'errors'},
                         sort_keys=True))
        return 1 if r['errors'] else 0
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
