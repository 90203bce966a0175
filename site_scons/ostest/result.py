# SPDX-License-Identifier: MIT
"""One test's result and how it is printed: a PASS/FAIL line, and under a
failure the last lines of output, indented with '|'. The runners of each
kind (unit.py, fuzz.py, system.py) return Results; runner.py prints them.
"""

import os

TAIL = 20                      # output lines shown under a failure


class Result:
    def __init__(self, name, ok, reason='', tail=(), seconds=None, note=''):
        self.name = name
        self.ok = ok
        self.reason = reason
        self.tail = list(tail)
        self.seconds = seconds
        self.note = note


def out(line):
    print(line, flush=True)


def report(r):
    info = []
    if r.seconds is not None:
        info.append('%.1f s' % r.seconds)
    if r.note:
        info.append(r.note)
    line = '%s %s' % ('PASS' if r.ok else 'FAIL', r.name)
    if info:
        line += ' (%s)' % ', '.join(info)
    if not r.ok and r.reason:
        line += ': ' + ' '.join(r.reason.split())
    out(line)
    if not r.ok:
        for t in r.tail:
            out('    | ' + t)


def rel(path, top):
    try:
        return os.path.relpath(path, top)
    except ValueError:
        return path
