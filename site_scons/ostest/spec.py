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
  send:       types TEXT and then Enter (a carriage return, \\r, as a
              terminal sends) on COM1, once every expect: line written
              above it has matched (may repeat; TEXT may be empty: Enter
              alone)
  send-raw:   the same without the carriage return (TEXT may not be empty)

A pattern is a substring of one console line, or a Python regular
expression between slashes: /system ready: \\d+ cores/. Console lines are
matched after CR, ANSI escape sequences and other control characters but
tab (backspace and DEL too: they are not applied) are removed.

send: lines make the file a script, read top to bottom: expect, send,
expect, send... Each send: waits for the expect: lines above it (not for
expect-any:, which have no order); a send: above every expect: is typed at
once. Several send: lines in a row are typed one after the other. Bytes go
out 5 ms apart. TEXT is trimmed; these escapes are understood: \\r \\n \\t
\\b (backspace, 0x08) \\e (escape, 0x1b) \\xHH (any byte; \\x7f is DEL, what
the backspace key sends; \\x20 a space to keep at either end) and \\\\. Other
characters are sent as UTF-8.

In a test with send: lines, expect: patterns are also tried on the line
being written (what has arrived after the last newline), so a prompt the
guest prints without a newline matches as soon as it arrives; a regular
expression's $ then matches the end of what has arrived so far. Matching
goes on after the matched text on the same line, so after `expect: > ` and
`send: help`, `expect: help` matches the echo. Without exit:, such a test
passes once every line has matched and every input has been typed; typed
input whose effect no expect: checks is not waited for.
"""

import os
import re
import shlex

DEFAULTS = {'iso': 'default', 'smp': 8, 'mem': '2G', 'machine': 'q35',
            'timeout': 60, 'order': 50}
SINGLE = ('name', 'iso', 'smp', 'mem', 'machine', 'timeout', 'exit', 'order')
MULTI = ('qemu', 'expect', 'expect-any', 'reject', 'send', 'send-raw')
MACHINES = ('q35', 'pc')
ESCAPES = {'r': b'\r', 'n': b'\n', 't': b'\t', 'b': b'\b', 'e': b'\x1b',
           '\\': b'\\'}


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


class Send:
    """Input to type on COM1 once `after` expect: lines have matched."""

    def __init__(self, data, after, text):
        self.data = data          # bytes
        self.after = after        # expect: lines written above it
        self.text = text          # as written in the file, for messages

    def __str__(self):
        return "'%s'" % self.text


def unescape(text):
    """The bytes a send: value stands for (escapes: see above)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != '\\':
            out += c.encode('utf-8')
            i += 1
            continue
        e = text[i + 1:i + 2]
        if e in ESCAPES:
            out += ESCAPES[e]
            i += 2
        elif e == 'x' and re.match(r'^[0-9A-Fa-f]{2}$', text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif e == 'x':
            raise SpecError('\\x needs two hex digits: %s' % text[i:i + 4])
        else:
            raise SpecError('unknown escape \\%s (known: \\r \\n \\t \\b '
                            '\\e \\xHH \\\\)' % e)
    return bytes(out)


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
        self.send = []            # Send, in file order


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
    elif key in ('send', 'send-raw'):
        data = unescape(value) + (b'\r' if key == 'send' else b'')
        t.send.append(Send(data, len(t.expect),
                           value + ('\\r' if key == 'send' else '')))


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
        if not value and key != 'send':
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
