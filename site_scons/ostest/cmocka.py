# SPDX-License-Identifier: MIT
"""Reading cmocka's standard output format, one result per test case.

cmocka (1.1) prints, for every case:
  [ RUN      ] name
  [  ERROR   ] --- message          (on failure, stderr)
  [   LINE   ] --- file:line: error: Failure!
  [       OK ] name  |  [  FAILED  ] name  |  [  SKIPPED ] name
and a summary ([  PASSED  ] / [  FAILED  ] N test(s), listed below:) that
we ignore: the per-case lines are the truth. A case with a RUN line and no
result line crashed the program (a sanitizer report or a signal).
"""

import re

_RESULT = re.compile(r'^\[\s*(RUN|OK|FAILED|SKIPPED|ERROR|LINE)\s*\]\s?(.*)$')
_SUMMARY = re.compile(r'^\d+ test\(s\)')


class Case:
    def __init__(self, name):
        self.name = name
        self.status = None       # 'pass', 'fail', 'skip', or None (crashed)
        self.messages = []       # cmocka's ERROR/LINE lines for this case
        self.output = []         # everything printed while it ran


def parse(text):
    """Returns a list of Case in the order they ran."""
    cases = []
    current = None
    for line in text.splitlines():
        m = _RESULT.match(line)
        if not m:
            if current is not None:
                current.output.append(line)
            continue
        tag, rest = m.group(1), m.group(2).strip()
        if tag == 'RUN':
            current = Case(rest)
            cases.append(current)
        elif tag in ('OK', 'FAILED', 'SKIPPED'):
            if _SUMMARY.match(rest) or current is None:
                continue            # summary block, not a case
            if rest != current.name:
                continue
            current.status = {'OK': 'pass', 'FAILED': 'fail',
                              'SKIPPED': 'skip'}[tag]
            current = None
        else:
            msg = rest[4:] if rest.startswith('--- ') else rest
            if current is not None:
                current.messages.append(msg)
                current.output.append(line)
            elif cases and cases[-1].status == 'fail':
                # Printed to stderr and read after the FAILED line.
                cases[-1].messages.append(msg)
    return cases
