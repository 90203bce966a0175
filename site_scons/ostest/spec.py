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
  timeout:    seconds the whole test may take, every boot together
              (default 60)
  qemu:       extra QEMU arguments, shell-quoted (may repeat)
  expect:     a console line that must appear; several expect lines must
              appear in the order written (may repeat)
  expect-any: a console line that must appear, in any order (may repeat)
  reject:     a console line that must never appear, in any boot (may
              repeat)
  exit:       QEMU must exit with this status (isa-debug-exit V gives
              V*2+1, so the kernel's fatal 0x10 gives 33). exit: 0 means
              the guest switched the machine off: a reset, which -no-reboot
              also turns into status 0 (a triple fault), fails it; the
              harness tells them apart by the reason QEMU gives on its QMP
              socket (the SHUTDOWN event: guest-shutdown, not guest-reset).
              Without exit:, QEMU must still be running when the last
              expected line arrives; the harness then stops it. Once per
              boot.
  alive:      CORE ...: the system must still be up at the end: once every
              other line of the boot has matched and every send: and host:
              line is done, the harness types `spawn hello on CORE` on the
              console (the image must run the shell, on core 0) and waits
              for `hello from core CORE (pid`, each core in turn. Until then
              reject: lines still guard the console, so a rejected line
              printed after the last expect: fails the test too. Once per
              boot; not with exit: (QEMU must keep running)
  order:      run order, lower first (default 50); slow tests use more
  alone:      yes: runs after the others, with no other QEMU beside it
              (load tests, whose clients judge a shared host's stalls as
              errors); no is the default
  send:       types TEXT and then Enter (a carriage return, \\r, as a
              terminal sends) on COM1, once every expect: line written
              above it has matched (may repeat; TEXT may be empty: Enter
              alone)
  send-raw:   the same without the carriage return (TEXT may not be empty)
  net:        PORT[/udp] ...: gives the guest a virtio-net device on QEMU's
              user network and forwards each guest PORT (TCP, or UDP with
              /udp) from a free host port on 127.0.0.1 (may repeat; the
              ports add up)
  net-device: the -device arguments of the network card, without netdev=
              (default virtio-net-pci; e.g. virtio-net-pci,disable-legacy=on)
  disk:       SIZE (512-byte multiple, K, M or G, at most 16G): a fresh
              zero-filled raw disk image, virtio-blk, the same in every boot
  disk-device: the -device arguments of the disk, without drive=
              (default virtio-blk-pci; e.g. virtio-blk-pci,disable-legacy=on)
  trace:      (no value, or yes) gives the guest the trace device (a
              virtio-console port, docs/tracing.md "Collecting") writing
              to OUT/trace.bin, which host: lines find as $TRACE; every
              boot appends to it, and each `trace dump` adds one dump
  host:       a shell command run on the host (sh -c) once every expect:
              line written above it has matched; it must exit with status 0
              (may repeat)
  reboot:     (no value) ends a boot: the QEMU above must exit by itself
              (the boot needs an exit: line), then a new QEMU boots the same
              machine with the same disk; the lines below belong to it

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

host: lines are part of the script too, in file order with send: lines:
one step at a time, each waiting for the one before it. A host: command
runs while the console is still read; the send: and host: lines below it
wait until it has exited, and so do the expect: lines below it (they may
match console lines that arrived meanwhile, in order). Its working folder
is the top of the tree; its environment has PATH, HOME, TERM and

  OUT              the test's output folder, build/tests/system/NAME/
  DISK             the disk image (with disk:), OUT/disk.img
  TRACE            the trace device's file (with trace:), OUT/trace.bin
  PORT_80          the host port that reaches guest TCP port 80 (net: 80)
  PORT_53_UDP      the same for UDP (net: 53/udp)
  BOOT             which boot is running, 1, 2, ...

Its output goes to OUT/host-LINE.log. A host: command that exits with a
status other than 0, or is still running at the timeout, fails the test;
the failure shows its last lines of output. Host commands are killed (their
whole process group) when the test ends. host: lines at the top of a boot,
above its first expect: and send:, run before that boot's QEMU starts (after
reboot:, once the previous QEMU has exited): the place to prepare or check
the disk image between boots.

Without alive:, a test passes at the moment its last line matches, so
reject: lines guard only the time before it; alive: extends them to a
command the system must still run after everything else.

A test with reboot: is two or more boots of one machine. Every boot but the
last must end by itself with its exit: status, having seen its expect:
lines and done its send: and host: lines; a failure says which boot and
which line. Example: a file written in the first boot survives a restart.

  disk:    16M
  net:     80 7/udp
  timeout: 120
  expect:  system ready
  host:    curl -sf -d hello http://127.0.0.1:$PORT_80/kv/greeting
  send:    poweroff
  exit:    0
  reboot:
  host:    test $(stat -c %s "$DISK") = 16777216
  expect:  system ready
  host:    curl -sf http://127.0.0.1:$PORT_80/kv/greeting | grep -qx hello
"""

import os
import re
import shlex

DEFAULTS = {'iso': 'default', 'smp': 8, 'mem': '2G', 'machine': 'q35',
            'timeout': 60, 'order': 50}
SINGLE = ('name', 'iso', 'smp', 'mem', 'machine', 'timeout', 'order', 'alone',
          'net-device', 'disk', 'disk-device', 'trace')
PER_BOOT = ('exit', 'alive')         # once per boot
MULTI = ('qemu', 'expect', 'expect-any', 'reject', 'send', 'send-raw',
         'host', 'net', 'reboot')
KEYS = SINGLE + PER_BOOT + MULTI
MACHINES = ('q35', 'pc')
ESCAPES = {'r': b'\r', 'n': b'\n', 't': b'\t', 'b': b'\b', 'e': b'\x1b',
           '\\': b'\\'}
SIZE_UNITS = {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
DISK_MAX = 16 << 30
SECTOR = 512


class SpecError(Exception):
    pass


class Pattern:
    """A console pattern: substring, or /regex/."""

    def __init__(self, text, line=0):
        self.text = text
        self.line = line          # in the .test file, for messages
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

    def __init__(self, data, after, text, line=0):
        self.data = data          # bytes
        self.after = after        # expect: lines of its boot written above it
        self.text = text          # as written in the file, for messages
        self.line = line

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


class Host:
    """A shell command to run on the host once `after` expect: lines have
    matched; `early`: before the boot's QEMU starts."""

    def __init__(self, command, after, line, early):
        self.command = command
        self.after = after
        self.line = line
        self.early = early

    def __str__(self):
        return 'host: %s' % self.command


class Boot:
    """One QEMU run of a test: what it must show, do and end with."""

    def __init__(self, number, line):
        self.number = number      # 1, 2, ...
        self.line = line          # of its reboot: line (0 for the first)
        self.exit = None          # status QEMU must exit with, or None
        self.exit_line = 0
        self.expect = []          # Pattern, ordered
        self.expect_any = []      # Pattern
        self.steps = []           # Send and Host, in file order
        self.alive = []           # cores to spawn hello on at the end
        self.alive_line = 0

    @property
    def sends(self):
        return [s for s in self.steps if isinstance(s, Send)]


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
        self.alone = False
        self.qemu = []
        self.reject = []          # Pattern, for every boot
        self.net = None           # [(guest port, 'tcp' or 'udp')] with net:
        self.net_device = None
        self.disk = None          # bytes, with disk:
        self.disk_device = None
        self.trace = False        # with trace:
        self.boots = [Boot(1, 0)]

    @property
    def boot(self):
        """The boot the lines being read belong to."""
        return self.boots[-1]

    def has_send(self):
        """Whether the harness types on the console (send: or alive:)."""
        return any(b.sends or b.alive for b in self.boots)


def _int(key, value, lo, hi):
    try:
        v = int(value, 0)
    except ValueError:
        raise SpecError('%s: not a number: %s' % (key, value))
    if not lo <= v <= hi:
        raise SpecError('%s: %d is outside %d..%d' % (key, v, lo, hi))
    return v


def parse_size(text):
    """Bytes for a disk: size (512-byte multiple, K/M/G suffix)."""
    m = re.match(r'^(\d+)([KMG]?)$', text)
    v = int(m.group(1)) * SIZE_UNITS[m.group(2)] if m else 0
    if not m or not 0 < v <= DISK_MAX or v % SECTOR:
        raise SpecError('disk: expected a size like 16M or 1G, a multiple of '
                        '512 bytes, at most 16G: %s' % text)
    return v


def parse_ports(text):
    """[(port, 'tcp' or 'udp')] for a net: value."""
    out = []
    for word in text.split():
        m = re.match(r'^(\d{1,5})(?:/(tcp|udp))?$', word)
        if not m or not 1 <= int(m.group(1)) <= 65535:
            raise SpecError('net: bad port %r (want PORT or PORT/udp, PORT in '
                            '1..65535)' % word)
        out.append((int(m.group(1)), m.group(2) or 'tcp'))
    return out


def alive_send(core):
    """The input alive: types for one core, and what it must print."""
    return ('spawn hello on %d' % core,
            Pattern('hello from core %d (pid' % core))


def parse_cores(text):
    """[core, ...] for an alive: value."""
    out = []
    for word in text.split():
        if not re.match(r'^\d{1,3}$', word) or int(word) > 287:
            raise SpecError('alive: bad core %r (want core numbers 0..287, '
                            'space-separated)' % word)
        if int(word) in out:
            raise SpecError('alive: core %s given twice' % word)
        out.append(int(word))
    return out


def _device(key, value, own):
    if not re.match(r'^[A-Za-z0-9_.-]+(,\S*)?$', value):
        raise SpecError('%s: expected a QEMU device and its options, like '
                        'virtio-net-pci,disable-legacy=on: %s' % (key, value))
    if re.search(r'(^|,)%s=' % own, value):
        raise SpecError('%s: leave out %s=, the harness sets it' % (key, own))
    return value


def _not_both(b):
    if b.alive and b.exit is not None:
        raise SpecError('alive: (line %d) and exit: (line %d) in one boot: '
                        'alive: types on a machine that keeps running'
                        % (b.alive_line, b.exit_line))


def _step_is_early(boot):
    """A host: line is early while its boot has no expect: nor send: yet."""
    return not boot.expect and all(isinstance(s, Host) and s.early
                                   for s in boot.steps)


def _set(t, key, value, no):
    b = t.boot
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
        b.exit = _int(key, value, 0, 255)
        b.exit_line = no
        _not_both(b)
    elif key == 'alive':
        b.alive = parse_cores(value)
        b.alive_line = no
        _not_both(b)
    elif key == 'order':
        t.order = _int(key, value, 0, 1000)
    elif key == 'alone':
        if value not in ('yes', 'no'):
            raise SpecError('alone: expected yes or no: %s' % value)
        t.alone = value == 'yes'
    elif key == 'qemu':
        try:
            t.qemu += shlex.split(value)
        except ValueError as e:
            raise SpecError('qemu: %s' % e)
    elif key == 'expect':
        b.expect.append(Pattern(value, no))
    elif key == 'expect-any':
        b.expect_any.append(Pattern(value, no))
    elif key == 'reject':
        t.reject.append(Pattern(value, no))
    elif key in ('send', 'send-raw'):
        data = unescape(value) + (b'\r' if key == 'send' else b'')
        b.steps.append(Send(data, len(b.expect),
                            value + ('\\r' if key == 'send' else ''), no))
    elif key == 'host':
        b.steps.append(Host(value, len(b.expect), no, _step_is_early(b)))
    elif key == 'net':
        ports = (t.net or []) + parse_ports(value)
        dup = [p for i, p in enumerate(ports) if p in ports[:i]]
        if dup:
            raise SpecError('net: %d/%s given twice' % dup[0])
        t.net = ports
    elif key == 'net-device':
        t.net_device = _device(key, value, 'netdev')
    elif key == 'disk':
        t.disk = parse_size(value)
    elif key == 'disk-device':
        t.disk_device = _device(key, value, 'drive')
    elif key == 'trace':
        if value not in ('', 'yes'):
            raise SpecError('trace: takes no value, or yes: %s' % value)
        t.trace = True
    elif key == 'reboot':
        if b.exit is None:
            raise SpecError('reboot: boot %d has no exit: line; its QEMU must '
                            'end by itself before the next boot' % b.number)
        t.boots.append(Boot(b.number + 1, no))


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
        if not sep or key not in KEYS:
            raise SpecError(where + 'expected one of %s, then ":"'
                            % ', '.join(KEYS))
        once = key if key in SINGLE else (key, t.boot.number)
        if key in SINGLE + PER_BOOT and once in seen:
            raise SpecError(where + '%s: given twice%s' % (
                key, ' in boot %d' % t.boot.number if key in PER_BOOT
                and len(t.boots) > 1 else ''))
        if key == 'reboot' and value:
            raise SpecError(where + 'reboot: takes no value')
        if key == 'host' and not value:
            raise SpecError(where + 'host: needs a shell command')
        if not value and key not in ('send', 'reboot', 'trace'):
            raise SpecError(where + '%s: empty value' % key)
        seen.add(once)
        try:
            _set(t, key, value, no)
        except SpecError as e:
            raise SpecError(where + str(e))
    _check(t, shown or path)
    return t


def _check(t, where):
    b = t.boot
    if not b.expect and not b.expect_any and b.exit is None:
        if len(t.boots) == 1:
            raise SpecError(where + ': a test needs at least one expect, '
                            'expect-any or exit line')
        raise SpecError('%s:%d: boot %d (after this reboot:) needs at least '
                        'one expect, expect-any or exit line'
                        % (where, b.line, b.number))
    if t.net_device and t.net is None:
        raise SpecError(where + ': net-device: without net:')
    if t.disk_device and t.disk is None:
        raise SpecError(where + ': disk-device: without disk:')
