# SPDX-License-Identifier: MIT
"""The system test declaration format (tests/system/*.test).

One test a file, one `key: value` a line; blank lines and lines starting
with '#' are ignored. Keys:

  name:       test name (default: the file name without .test)
  iso:        which ISO to boot, by name (default: default); tests/SConscript
              registers the names with env.SystemTestIso(name, node)
  smp:        cores (default 8)
  mem:        guest RAM (default 2G)
  machine:    q35 or pc (default q35)
  timeout:    seconds before the test fails (default 60)
  qemu:       extra QEMU arguments, shell-quoted (may repeat)
  expect:     a console line that must appear; several expect lines must
              appear in the order written (may repeat)
  expect-any: a console line that must appear, in any order (may repeat)
  reject:     a console line that must never appear (may repeat)
  exit:       QEMU must exit with this status (isa-debug-exit V gives
              V*2+1, so the kernel's fatal 0x10 gives 33). Without exit:,
              QEMU must still be running when the last expected line
              arrives; the harness then stops it.
  order:      run order, lower first (default 50); slow tests use more

A pattern is a substring of one console line, or a Python regular
expression between slashes: /system ready: \\d+ cores/. Console lines are
matched after trailing CR/LF and ANSI escape sequences are removed.
"""

import os
import re
import shlex

DEFAULTS = {'iso': 'default', 'smp': 8, 'mem': '2G', 'machine': 'q35',
            'timeout': 60, 'order': 50}
SINGLE = ('name', 'iso', 'smp', 'mem', 'machine', 'timeout', 'exit', 'order')
MULTI = ('qemu', 'expect', 'expect-any', 'reject')
MACHINES = ('q35', 'pc')


class SpecError(Exception):
    pass


class Pattern:
    """A console pattern: substring, or /regex/."""

    def __init__(self, text):
        self.text = text
        if len(text) >= 2 and text.startswith('/') and text.endswith('/'):
            try:
                self.regex = re.compile(text[1:-1])
            except re.error as e:
                raise SpecError('bad regular expression %s: %s' % (text, e))
        else:
            self.regex = None

    def search(self, line, start=0):
        """Returns the end of the first match at or after start, or -1."""
        if self.regex is not None:
            m = self.regex.search(line, start)
            return m.end() if m else -1
        i = line.find(self.text, start)
        return i + len(self.text) if i >= 0 else -1

    def __str__(self):
        return "'%s'" % self.text


class SystemTest:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.iso = DEFAULTS['iso']
        self.smp = DEFAULTS['smp']
        self.mem = DEFAULTS['mem']
        self.machine = DEFAULTS['machine']
        self.timeout = DEFAULTS['timeout']
        self.order = DEFAULTS['order']
        self.exit = None
        self.qemu = []
        self.expect = []
        self.expect_any = []
        self.reject = []


def _int(key, value, lo, hi):
    try:
        v = int(value, 0)
    except ValueError:
        raise SpecError('%s: not a number: %s' % (key, value))
    if not lo <= v <= hi:
        raise SpecError('%s: %d is outside %d..%d' % (key, v, lo, hi))
    return v


def _set(t, key, value):
    if key == 'name':
        if not re.match(r'^[A-Za-z0-9_.+-]+$', value):
            raise SpecError('name: use letters, digits and _.+- only')
        t.name = value
    elif key == 'iso':
        t.iso = value
    elif key == 'smp':
        t.smp = _int(key, value, 1, 288)
    elif key == 'mem':
        if not re.match(r'^\d+[KMGT]?$', value):
            raise SpecError('mem: expected a size like 2G or 128M: %s' % value)
        t.mem = value
    elif key == 'machine':
        if value not in MACHINES:
            raise SpecError('machine: %s is not one of %s' % (value, ', '.join(MACHINES)))
        t.machine = value
    elif key == 'timeout':
        t.timeout = _int(key, value, 1, 3600)
    elif key == 'exit':
        t.exit = _int(key, value, 0, 255)
    elif key == 'order':
        t.order = _int(key, value, 0, 1000)
    elif key == 'qemu':
        try:
            t.qemu += shlex.split(value)
        except ValueError as e:
            raise SpecError('qemu: %s' % e)
    elif key == 'expect':
        t.expect.append(Pattern(value))
    elif key == 'expect-any':
        t.expect_any.append(Pattern(value))
    elif key == 'reject':
        t.reject.append(Pattern(value))


def parse(path, shown=None):
    """Parses one .test file; raises SpecError naming file:line (with the
    file called `shown` if given)."""
    t = SystemTest(path)
    seen = set()
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        where = '%s:%d: ' % (shown or path, no)
        key, sep, value = line.partition(':')
        key = key.strip().lower()
        value = value.strip()
        if not sep or key not in SINGLE + MULTI:
            raise SpecError(where + 'expected one of %s, then ":"'
                            % ', '.join(SINGLE + MULTI))
        if key in SINGLE and key in seen:
            raise SpecError(where + '%s: given twice' % key)
        if not value:
            raise SpecError(where + '%s: empty value' % key)
        seen.add(key)
        try:
            _set(t, key, value)
        except SpecError as e:
            raise SpecError(where + str(e))
    if not t.expect and not t.expect_any and t.exit is None:
        raise SpecError((shown or path) + ': a test needs at least one expect, '
                        'expect-any or exit line')
    return t
