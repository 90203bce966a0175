# SPDX-License-Identifier: MIT
"""Checks of the harness itself, run by `scons test` as Python checks.

send_check(): the system test send:/send-raw: keys, without QEMU or a
guest: parsing and escapes, prompt matching on a line still being written,
and the bytes Keyboard puts into the console FIFO, at the right moments.

spec_check(): the net:, net-device:, disk:, disk-device:, host: and reboot:
keys, and the errors for bad values.

host_check(env): the runner's host: commands, boots and disk images,
driven by a fake QEMU (a small Python program that writes a console log,
touches the disk image, answers on the QMP socket, plays a shell that
answers `spawn hello on N`, and exits or keeps running), and the net and
disk arguments the real env.QemuCommand makes; and how a test ends: exit: 0
told from a reset by QMP's shutdown reason, the alive: step, and reject:
lines before and after the last expect.
"""

import os
import shutil
import sys
import tempfile
import threading
import time

from . import checks, qemu, spec, system
from .keyboard import Keyboard


_Fail = checks.Fail
_want = checks.want


def _parse(d, text):
    path = os.path.join(d, 'x.test')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return spec.parse(path)


def _parse_error(d, text):
    try:
        _parse(d, text)
    except spec.SpecError as e:
        return str(e)
    return None


def _drain(fd):
    out = b''
    while True:
        try:
            b = os.read(fd, 4096)
        except BlockingIOError:
            return out
        if not b:
            return out
        out += b


def _spec_part(d):
    t = _parse(d, 'send-raw: early\n'
                  'expect: ready\n'
                  'expect: /^> $/\n'
                  'send: he\\x7fl\\\\p\\e[A\n'
                  'send:\n'
                  'expect: one\n'
                  'send-raw: a\\tb\\r\\n\\b\\x20\n'
                  'expect-any: whatever\n')
    got = [(s.after, s.data) for s in t.boots[0].steps]
    _want(got == [(0, b'early'), (2, b'he\x7fl\\p\x1b[A\r'), (2, b'\r'),
                  (3, b'a\tb\r\n\b ')],
          'send lines parsed as %r' % got)
    for bad, why in (('expect: a\nsend: \\q\n', 'unknown escape'),
                     ('expect: a\nsend: \\x4\n', 'two hex digits'),
                     ('expect: a\nsend-raw:\n', 'empty value')):
        e = _parse_error(d, bad)
        _want(e and why in e, '%r: wanted an error with %r, got %r' % (bad, why, e))
    return t


def _console_part(d, t):
    """Feeds a console log in pieces, as QEMU would write it, and checks
    what is typed after each piece."""
    outdir = os.path.join(d, 'out')
    os.makedirs(outdir)
    log = os.path.join(outdir, 'x.console')
    kb = Keyboard(os.path.join(outdir, 'x.serial'))
    script = system.Script(t.boots[0].steps, kb, None)
    try:
        _want(os.path.exists(kb.fifo) and os.path.islink(kb.sink),
              'no FIFO or output link in %s' % outdir)
        _want(kb.chardev(log) == 'pipe,id=com1,path=%s,logfile=%s' % (
            kb.base, log), 'chardev spec %r' % kb.chardev(log))
        reader = os.open(kb.fifo, os.O_RDONLY | os.O_NONBLOCK)
        con = qemu.Console(log)
        m = system.Matcher(t.boots[0], partial=True)
        steps = (
            # (bytes the guest writes, bytes typed after it)
            (b'', b'early'),
            (b'boot\r\nsystem rea', b''),
            (b'dy\r\n\x1b[1m>', b''),             # '>' alone is not '> '
            (b'\x1b[0', b''),                     # an escape sequence cut short
            (b'm ', b'he\x7fl\\p\x1b[A\r\r'),       # the prompt, no newline
            (b'hel\\p\r\nxx\xc3', b''),           # echo; a UTF-8 character cut short
            (b'\xa9 one', b'a\tb\r\n\b '),
        )
        with open(log, 'wb') as f:
            for i, (out, typed) in enumerate(steps):
                f.write(out)
                f.flush()
                for line in con.read():
                    m.feed(line)
                m.feed_pending(con.pending())
                err = script.step(m.next, typing=True)
                _want(not err, err)
                got = _drain(reader)
                _want(got == typed, 'step %d: typed %r, wanted %r (matched %d '
                      'expects, line so far %r)' % (i, got, typed, m.next,
                                                    con.pending()))
        _want(script.done() and m.next == len(t.boots[0].expect),
              'script not finished')
        con.read(final=True)
        con.close()
        _want(con.lines[-1] == 'xx\u00e9 one', 'last line %r' % con.lines[-1])
        os.close(reader)
    finally:
        kb.close()
    _want(not os.path.lexists(kb.fifo) and not os.path.lexists(kb.sink),
          'FIFO or output link left behind')


def _matcher_part():
    """Tests without send: match whole lines only, as before; expects
    held back by a host: line match lines that arrived meanwhile, in
    order."""
    b = spec.Boot(1, 0)
    b.expect = [spec.Pattern('/a$/')]
    m = system.Matcher(b)
    m.feed('ab')
    m.feed_pending('xa')
    _want(m.next == 0, 'whole-line match changed')
    m.feed('ba')
    _want(m.next == 1, 'whole-line match changed')
    b.expect = [spec.Pattern(x) for x in ('one', 'two', 'three', 'four')]
    m = system.Matcher(b)
    m.allow(1)
    for line in ('one two', 'x', 'three', 'two'):
        m.feed(line)
    _want(m.next == 1, 'matched past a host: line (%d)' % m.next)
    m.allow(4)
    _want(m.next == 3, 'held-back lines not matched in order (%d)' % m.next)
    m.feed('four')
    _want(m.seen_all(), 'did not finish')


def send_check():
    d = tempfile.mkdtemp(prefix='ostest-send-')
    try:
        t = _spec_part(d)
        _matcher_part()
        _console_part(d, t)
    except _Fail as e:
        return False, str(e)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return True, ''


# ------------------------------------------------------- net, disk, host, reboot

def _spec_new_keys(d):
    t = _parse(d, 'net: 80 53/udp\n'
                  'net: 8080/tcp\n'
                  'net-device: virtio-net-pci,disable-legacy=on\n'
                  'disk: 16M\n'
                  'disk-device: virtio-blk-pci,disable-legacy=on\n'
                  'host: prepare\n'
                  'expect: ready\n'
                  'host: curl x\n'
                  'send: poweroff\n'
                  'exit: 0\n'
                  'reboot:\n'
                  'host: between\n'
                  'send-raw: x\n'
                  'host: after a send\n'
                  'expect: again\n'
                  'exit: 3\n')
    _want(t.net == [(80, 'tcp'), (53, 'udp'), (8080, 'tcp')], 'net %r' % t.net)
    _want(t.net_device == 'virtio-net-pci,disable-legacy=on', t.net_device)
    _want(t.disk == 16 << 20, 'disk %r' % t.disk)
    _want(t.disk_device == 'virtio-blk-pci,disable-legacy=on', t.disk_device)
    _want([(b.number, b.line, b.exit, b.exit_line) for b in t.boots]
          == [(1, 0, 0, 10), (2, 11, 3, 16)],
          'boots %r' % [(b.number, b.line, b.exit) for b in t.boots])
    got = [[(type(s).__name__, s.after, s.line, getattr(s, 'early', None))
            for s in b.steps] for b in t.boots]
    _want(got == [[('Host', 0, 6, True), ('Host', 1, 8, False),
                   ('Send', 1, 9, None)],
                  [('Host', 0, 12, True), ('Send', 0, 13, None),
                   ('Host', 0, 14, False)]], 'steps %r' % got)
    _want(_parse(d, 'expect: a\n').boots[0].exit is None, 'exit default')
    _want(not _parse(d, 'expect: a\n').alone, 'alone default')
    _want(_parse(d, 'alone: yes\nexpect: a\n').alone, 'alone: yes')
    _want(not _parse(d, 'expect: a\n').trace, 'trace default')
    _want(_parse(d, 'trace:\nexpect: a\n').trace, 'trace:')
    _want(_parse(d, 'trace: yes\nexpect: a\n').trace, 'trace: yes')
    t = _parse(d, 'expect: a\nalive: 1 0\n')
    _want(t.boots[0].alive == [1, 0] and t.boots[0].alive_line == 2
          and t.has_send(), 'alive: %r' % t.boots[0].alive)


def _spec_errors(d):
    for bad, why in (
            ('net: 0\nexpect: a\n', "bad port '0'"),
            ('net: 70000\nexpect: a\n', 'bad port'),
            ('net: 80/sctp\nexpect: a\n', 'bad port'),
            ('net: http\nexpect: a\n', 'bad port'),
            ('net:\nexpect: a\n', 'empty value'),
            ('net: 80 53/udp\nnet: 80/tcp\nexpect: a\n', '80/tcp given twice'),
            ('disk: 16Q\nexpect: a\n', 'disk: expected a size'),
            ('disk: 1000\nexpect: a\n', 'multiple of 512'),
            ('disk: 0\nexpect: a\n', 'disk: expected a size'),
            ('disk: 32G\nexpect: a\n', 'at most 16G'),
            ('disk: 1M\ndisk: 2M\nexpect: a\n', 'disk: given twice'),
            ('disk: 1M\ndisk-device: virtio blk\nexpect: a\n',
             'expected a QEMU device'),
            ('disk-device: virtio-blk-pci\nexpect: a\n', 'without disk:'),
            ('net: 80\nnet-device: e1000,netdev=n1\nexpect: a\n',
             'leave out netdev='),
            ('net-device: virtio-net-pci\nexpect: a\n', 'without net:'),
            ('trace: no\nexpect: a\n', 'trace: takes no value, or yes: no'),
            ('trace:\ntrace: yes\nexpect: a\n', 'trace: given twice'),
            ('expect: a\nhost:\n', 'x.test:2: host: needs a shell command'),
            ('expect: a\nreboot:\nexpect: b\n',
             'x.test:2: reboot: boot 1 has no exit: line'),
            ('expect: a\nexit: 0\nreboot: now\nexpect: b\n',
             'reboot: takes no value'),
            ('expect: a\nexit: 0\nreboot:\n',
             'x.test:3: boot 2 (after this reboot:) needs at least one'),
            ('expect: a\nexit: 0\nreboot:\nhost: true\n', 'boot 2'),
            ('exit: 0\nexit: 1\n', 'exit: given twice'),
            ('alone: maybe\nexpect: a\n', 'alone: expected yes or no'),
            ('exit: 0\nreboot:\nexit: 1\nexit: 2\n',
             'x.test:4: exit: given twice in boot 2'),
            ('exit: 0\nreboot:\nnet: 80\nnet: 80\n', 'given twice'),
            ('exit: 0\nreboot:\nreboot:\nexit: 1', 'boot 2 has no exit:'),
            ('expect: a\nalive: 1\nexit: 0\n',
             'x.test:3: alive: (line 2) and exit: (line 3) in one boot'),
            ('expect: a\nexit: 0\nalive: 1\n', 'x.test:3: alive: (line 3)'),
            ('expect: a\nalive: one\n', "alive: bad core 'one'"),
            ('expect: a\nalive: 288\n', "alive: bad core '288'"),
            ('expect: a\nalive: 1 1\n', 'alive: core 1 given twice'),
            ('expect: a\nalive: 1\nalive: 2\n', 'alive: given twice'),
            ('expect: a\nalive:\n', 'alive: empty value')):
        e = _parse_error(d, bad)
        _want(e and why in e, '%r: wanted an error with %r, got %r'
              % (bad, why, e))
    t = _parse(d, 'exit: 0\nreboot:\nexit: 1\nreboot:\nexpect: c\n')
    _want(len(t.boots) == 3, 'three boots')


def spec_check():
    d = tempfile.mkdtemp(prefix='ostest-spec-')
    try:
        _spec_new_keys(d)
        _spec_errors(d)
    except _Fail as e:
        return False, str(e)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return True, ''


# A stand-in for QEMU: argv is the console log, the disk image (or -), the
# QMP socket (or -), the console input FIFO (or -), what to do, and the
# shell's answer. What to do: `fwdfail` (fail like QEMU when a host port is
# taken), or the console text (\n escapes; '|' waits 0.2 s) then `:STATUS`
# to exit with (status 0 sends QMP's SHUTDOWN event for a power-off),
# `:reset` (exit 0 after the event of a reset: a triple fault under
# -no-reboot), `:gone` (exit 0 without an event) or `:run` to keep running;
# while it runs, every `spawn hello on N` typed on the console is echoed
# and answered with the shell's answer (\n escapes, %d: N). Like a guest, it
# writes 'booted' at the start of the disk, and prints the disk's byte 100.
# Like QEMU with -S, it starts only once the harness has negotiated QMP and
# said `cont`.
_FAKE_QEMU = r'''
import json, os, socket, sys, threading, time
log, disk, qmp, fifo, what, answer = sys.argv[1:7]
if what == 'fwdfail':
    print("qemu: -netdev user: Could not set up host forwarding rule 'x'")
    sys.exit(1)
text, _, status = what.rpartition(':')
conn = None
if qmp != '-':
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(qmp)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\r\n')
    got = b''
    for want in ('qmp_capabilities', 'cont'):
        while b'\n' not in got:
            got += conn.recv(4096)
        line, got = got.split(b'\n', 1)
        if json.loads(line)['execute'] != want:
            sys.exit(9)
        conn.sendall(b'{"event": "RESUME", "data": {}}\r\n' * (want == 'cont')
                     + b'{"return": {}}\r\n')

    def monitor(buf):
        regs = ('CPU#0\r\nRIP=ffffffff80100000 RFL=00000246 [---Z-P-] CPL=0 '
                'HLT=0\r\nCPU#1\r\nEIP=0000e05b EFL=00000002 CPL=0 HLT=1\r\n'
                'CS =f000 000f0000 0000ffff 00009b00\r\n')
        while True:
            while b'\n' not in buf:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            line, buf = buf.split(b'\n', 1)
            if json.loads(line).get('execute') == 'human-monitor-command':
                conn.sendall(json.dumps({'return': regs}).encode() + b'\r\n')
    if status == 'run':
        threading.Thread(target=monitor, args=(got,), daemon=True).start()
if disk != '-':
    with open(disk, 'r+b') as f:
        f.seek(100)
        text = 'disk byte100=%r\n' % f.read(1) + text
        f.seek(0)
        f.write(b'booted')
with open(log, 'wb') as f:
    for part in text.split('|'):
        f.write(part.replace('\\n', '\n').encode())
        f.flush()
        time.sleep(0.2)
    if status == 'run' and fifo != '-':
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        typed = b''
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                typed += os.read(fd, 100)
            except BlockingIOError:
                pass
            while b'\r' in typed:
                line, typed = typed.split(b'\r', 1)
                words = line.decode().split()
                f.write(b'> ' + line + b'\n')
                if words[:3] == ['spawn', 'hello', 'on'] and len(words) == 4:
                    f.write((answer.replace('\\n', '\n')
                             % {'n': int(words[3])}).encode())
                f.flush()
            time.sleep(0.02)
if status == 'run':
    time.sleep(60)
if conn and status in ('0', 'reset'):
    conn.sendall(json.dumps({'event': 'SHUTDOWN', 'data': {
        'guest': True, 'reason': 'guest-reset' if status == 'reset'
        else 'guest-shutdown'}}).encode() + b'\r\n')
sys.exit(0 if status in ('reset', 'gone') else int(status))
'''
HELLO = 'started hello on core %d, pid 0x2\\nhello from core %d (pid 0x2)\\n'


class _FakeEnv:
    """What run_system needs of the SCons environment, with QEMU replaced
    by _FAKE_QEMU; `boots` says what each QEMU run does, in turn (what to
    do, or (what to do, the shell's answer))."""

    def __init__(self, real, boots):
        self.real = real
        self.boots = list(boots)
        self.calls = []                    # QemuCommand kwargs of each run
        self.env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin')}

    def __getitem__(self, key):
        return self.env

    def QemuExitMeaning(self, status):
        return self.real.QemuExitMeaning(status)

    def QemuCommand(self, iso, serial='', chardev=None, extra=(), **kw):
        if serial.startswith('file:'):
            log, fifo = serial[5:], '-'
        elif chardev and chardev.startswith('pipe,'):
            opts = dict(x.split('=', 1) for x in chardev.split(',')[1:])
            log, fifo = opts['logfile'], opts['path'] + '.in'
        else:                                       # the run-by-hand line
            return self.real.QemuCommand(iso, serial=serial, chardev=chardev,
                                         extra=extra, **kw)
        extra = list(extra)
        qmp = '-'
        if '-qmp' in extra:
            qmp = extra[extra.index('-qmp') + 1][5:].split(',')[0]
        self.calls.append(dict(kw, extra=extra))
        what = self.boots.pop(0)
        what, answer = what if isinstance(what, tuple) else (what, HELLO)
        return [sys.executable, '-c', _FAKE_QEMU, log, kw.get('disk') or '-',
                qmp, fifo, what, answer.replace('%d', '%(n)d')]


def _run(d, real, text, boots, name='x'):
    path = os.path.join(d, name + '.test')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    t = spec.parse(path)
    fake = _FakeEnv(real, boots)
    r = system.run_system(t, fake, 'x.iso', d, threading.Event())
    out = os.path.join(d, 'build', 'tests', 'system', t.name)
    return r, fake, out


def _dead(pid_file):
    """Whether the process whose pid a host command wrote has ended."""
    with open(pid_file) as f:
        pid = int(f.read())
    for _ in range(50):
        try:
            with open('/proc/%d/stat' % pid) as f:
                if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                    return True
        except OSError:
            return True
        time.sleep(0.02)
    return False


def _host_fails(d, real):
    r, _, out = _run(d, real, 'expect: ready\n'
                              'host: echo oops; echo to-stderr >&2; exit 3\n'
                              'expect: never\n', ['ready\\n:run'])
    _want(not r.ok, 'a failing host: command did not fail the test')
    _want('line 2: host: echo oops; echo to-stderr >&2; exit 3 exited with '
          'status 3' in r.reason, 'reason %r' % r.reason)
    _want('  oops' in r.tail and '  to-stderr' in r.tail and 'ready' in r.tail,
          'tail %r' % r.tail)
    with open(os.path.join(out, 'host-2.log')) as f:
        _want(f.read() == 'oops\nto-stderr\n', 'host log')
    r, _, _ = _run(d, real, 'host: false\nexpect: ready\n', [])
    _want(not r.ok and 'line 1: host: false exited with status 1 (before QEMU '
          'started)' in r.reason and '(QEMU not started)' in r.tail,
          'early host: false: %r %r' % (r.reason, r.tail))


def _host_reboot(d, real):
    """Two boots on one disk, ports in the environment, a host: line
    between the boots, later expects waiting for a host: command, and a
    background process killed at the end."""
    r, fake, out = _run(d, real, (
        'net: 80 53/udp\n'
        'disk: 1M\n'
        'trace:\n'
        'expect: ready\n'
        'host: test "$TRACE" = "$OUT/trace.bin"\n'
        'host: echo $PORT_80 $PORT_53_UDP $BOOT > "$OUT/env"; sleep 0.5; '
        'touch "$OUT/slow"\n'
        'expect: /^late$/\n'
        'host: test -f "$OUT/slow"; sleep 30 & echo $! > "$OUT/bg"\n'
        'exit: 0\n'
        'reboot:\n'
        'host: head -c 6 "$DISK" | grep -q booted && test $BOOT = 2\n'
        'host: test $(stat -c %s "$DISK") = 1048576\n'
        'host: printf X | dd of="$DISK" bs=1 seek=100 conv=notrunc 2>/dev/null\n'
        'expect: disk byte100=b\'X\'\n'
        'expect: again\n'), ['ready\\nlate\\n|:0', 'again\\n:run'])
    _want(r.ok, 'reboot test failed: %s %r' % (r.reason, r.tail))
    with open(os.path.join(out, 'env')) as f:
        p80, p53, boot = f.read().split()
    fwd = fake.calls[0]['net']
    _want(fwd == [('tcp', int(p80), 80), ('udp', int(p53), 53)] and boot == '1',
          'forwards %r, environment %s %s %s' % (fwd, p80, p53, boot))
    _want(fake.calls[1]['net'] == fwd, 'ports changed across boots')
    _want(fake.calls[0]['disk'] == os.path.join(out, 'disk.img'),
          'disk %r' % fake.calls[0]['disk'])
    _want([(c['trace'], c['trace_append']) for c in fake.calls] ==
          [(os.path.join(out, 'trace.bin'), True)] * 2,
          'trace %r' % [c.get('trace') for c in fake.calls])
    _want(_dead(os.path.join(out, 'bg')), 'background host process survived')
    _want(os.path.exists(os.path.join(out, 'boot2.console')), 'boot2.console')


def _host_failures(d, real):
    r, _, _ = _run(d, real, 'expect: ready\nexit: 0\nreboot:\nexpect: x\n',
                   ['ready\\n:3'])
    _want(not r.ok and r.reason.startswith(
        'boot 1 of 2: QEMU exited with status 3') and 'expected 0' in r.reason
        and 'line 2' in r.reason, 'exit mismatch: %r' % r.reason)
    r, _, _ = _run(d, real, 'expect: ready\nexit: 0\nreboot:\nexpect: x\n',
                   ['ready\\n:0', 'y\\n:0'])
    _want(not r.ok and r.reason.startswith('boot 2 of 2: QEMU exited with '
                                           "status 0") and
          "never saw 'x' (line 4)" in r.reason, 'boot 2: %r' % r.reason)
    r, _, out = _run(d, real, 'timeout: 1\nexpect: ready\n'
                              'host: sleep 30 & echo $! > "$OUT/bg"; sleep 30\n',
                     ['ready\\n:run'])
    _want(not r.ok and r.reason.startswith('timeout after 1 s: line 3: host: ')
          and 'still running' in r.reason, 'timeout: %r' % r.reason)
    _want(_dead(os.path.join(out, 'bg')), 'host process group survived a timeout')
    r, _, out = _run(d, real, 'timeout: 1\nexpect: never\n', ['ready\\n:run'])
    where = ('vCPUs at the timeout: 1 running in the CPU driver, 1 halted below '
             '1 MiB (firmware, boot loader or trampoline); vCPU 0 at '
             '0xffffffff80100000 (build/tests/system/x/boot1.cpus)')
    _want(not r.ok and where in r.tail, 'timeout tail: %r %r' % (r.reason, r.tail))
    _want(os.path.exists(os.path.join(out, 'boot1.cpus')), 'no boot1.cpus')
    r, _, _ = _run(d, real, 'expect: ready\nexit: 0\nhost: true\n',
                   ['ready\\n:0'])
    _want(r.ok, 'host: after QEMU exited: %r' % r.reason)
    r, fake, _ = _run(d, real, 'net: 80\nexpect: ready\n',
                      ['fwdfail', 'ready\\n:run'])
    _want(r.ok and len(fake.calls) == 2 and fake.calls[0]['net'] !=
          fake.calls[1]['net'], 'no retry after a taken port: %r %r' % (
              r.reason, fake.calls))


def _console(out):
    with open(os.path.join(out, 'boot1.console'), encoding='utf-8') as f:
        return f.read()


def _end_poweroff(d, real):
    """exit: 0 passes on a power-off only: QMP's shutdown reason tells it
    from a reset (a triple fault), which -no-reboot also ends with 0."""
    r, fake, _ = _run(d, real, 'expect: ready\nexit: 0\n', ['ready\\n:0'])
    _want(r.ok, 'power-off: %r' % r.reason)
    x = fake.calls[0]['extra']
    _want('-S' in x and '-qmp' in x and x[x.index('-qmp') + 1].endswith(
        ',server=on,wait=off'), 'QMP arguments %r' % x)
    r, _, _ = _run(d, real, 'expect: ready\nexit: 0\n', ['ready\\n:reset'])
    _want(not r.ok and r.reason.startswith('QEMU exited with status 0 '
                                           '(guest-reset: the guest reset')
          and 'expected 0 (a power-off' in r.reason and 'line 2' in r.reason,
          'a reset passed for a power-off: %r' % r.reason)
    r, _, _ = _run(d, real, 'expect: ready\nexit: 0\n', ['ready\\n:gone'])
    _want(not r.ok and 'gave no reason' in r.reason,
          'exit 0 without a reason: %r' % r.reason)
    r, _, _ = _run(d, real, 'expect: ready\n', ['ready\\n|:reset'])
    _want(r.ok, 'a test without exit: judged the exit: %r' % r.reason)
    r, _, _ = _run(d, real, 'expect: ready\nexpect: more\n',
                   ['ready\\n:reset'])
    _want(not r.ok and 'status 0 (guest-reset' in r.reason,
          'early reset: %r' % r.reason)


def _end_alive(d, real):
    """alive: types `spawn hello on N` after everything else and waits for
    hello from core N; QEMU must keep running till then."""
    r, _, out = _run(d, real, 'expect: ready\nalive: 1 3\n', ['ready\\n:run'])
    _want(r.ok, 'alive: %r %r' % (r.reason, r.tail))
    got = _console(out)
    _want(got.endswith('ready\n> spawn hello on 1\nstarted hello on core 1, '
                       'pid 0x2\nhello from core 1 (pid 0x2)\n'
                       '> spawn hello on 3\nstarted hello on core 3, pid 0x2\n'
                       'hello from core 3 (pid 0x2)\n'),
          'alive typed or waited wrong: %r' % got)
    # it waits for expect-any and the script too
    r, _, out = _run(d, real, 'expect-any: ready\nsend: x\nalive: 2\n',
                     ['booting|ready\\n:run'])
    _want(r.ok and '> x\nbooting' not in _console(out) and _console(out)
          .index('ready') < _console(out).index('> spawn hello on 2'),
          'alive before the rest: %r %r' % (r.reason, _console(out)))
    # a shell that hangs, or answers from another core
    for answer in ('', 'hello from core 10 (pid 0x2)\\n'):
        r, _, _ = _run(d, real, 'timeout: 2\nexpect: ready\nalive: 1\n',
                       [('ready\\n:run', answer)])
        _want(not r.ok and r.reason == "timeout after 2 s: line 3: alive: "
              "typed 'spawn hello on 1', never saw 'hello from core 1 (pid'",
              'alive with no answer (%r): %r' % (answer, r.reason))
        _want("and type: 'spawn hello on 1\\r'" in r.tail, 'tail %r' % r.tail)
    r, _, _ = _run(d, real, 'expect: ready\nalive: 1\n', ['ready\\n:0'])
    _want(not r.ok and r.reason.startswith('QEMU exited with status 0 '
                                           '(guest-shutdown')
          and "; line 2: alive: " in r.reason,
          'QEMU gone before alive: %r' % r.reason)


def _end_reject(d, real):
    """reject: fails a test whether its line comes before the last
    expect, right after it, or (with alive:) while the harness checks
    that the system is still up."""
    for console, answer, alive in (
            ('core 1: PANIC x\\nready\\n:run', HELLO, ''),
            ('ready\\ncore 1: PANIC x\\n:run', HELLO, ''),
            ('ready\\n:run', 'core 1: PANIC x\\n' + HELLO, 'alive: 1\n'),
            ('ready\\n|core 1: PANIC x\\n|:run', HELLO, 'alive: 1\n')):
        r, _, _ = _run(d, real, 'expect: ready\n%sreject: /(?i)\\bpanic\\b/\n'
                       % alive, [(console, answer)])
        _want(not r.ok and r.reason == "console printed 'core 1: PANIC x' "
              "(rejected: '/(?i)\\bpanic\\b/', line %d)" % (3 if alive else 2),
              'rejected line missed (%r, %r): %r' % (console, answer, r.reason))


def end_check(env):
    d = tempfile.mkdtemp(prefix='ostest-end-')
    try:
        _end_poweroff(d, env)
        _end_alive(d, env)
        _end_reject(d, env)
    except _Fail as e:
        return False, str(e)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return True, ''


def _qemu_args(real):
    cmd = real.QemuCommand('x.iso', serial='file:x', net=[
        ('tcp', 20000, 80), ('udp', 20001, 53)],
        net_device='virtio-net-pci,disable-legacy=on', disk='/a,b.img')
    want = ['-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:20000-:80,'
            'hostfwd=udp:127.0.0.1:20001-:53',
            '-device', 'virtio-net-pci,disable-legacy=on,netdev=net0',
            '-drive', 'file=/a,,b.img,format=raw,if=none,id=disk0',
            '-device', 'virtio-blk-pci,drive=disk0']
    got = ' '.join(cmd)
    _want(' '.join(want) in got, 'QEMU command %s' % got)
    got = ' '.join(real.QemuCommand('x.iso', serial='file:x'))
    _want('-netdev' not in got and '-drive' not in got and
          'virtio-serial' not in got, 'extra devices: %s' % got)
    want = ('-device virtio-serial-pci,id=tracebus -chardev file,id=trace0,'
            'path=/t,,1.bin%s -device virtconsole,chardev=trace0,'
            'bus=tracebus.0')
    got = ' '.join(real.QemuCommand('x.iso', serial='file:x',
                                    trace='/t,1.bin'))
    _want(want % '' in got, 'trace device: %s' % got)
    got = ' '.join(real.QemuCommand('x.iso', serial='file:x',
                                    trace='/t,1.bin', trace_append=True))
    _want(want % ',append=on' in got, 'trace device, appending: %s' % got)
    # accel=icount: one thread, instruction counting, nothing else's
    # accelerator line
    env = real.Clone(accel='icount')
    got = ' '.join(env.QemuCommand('x.iso', serial='file:x'))
    _want('-accel tcg,thread=single -icount shift=0,sleep=off' in got and
          'thread=multi' not in got and 'kvm' not in got,
          'accel=icount: %s' % got)


def _run_environ(real):
    run_environ = real.QemuRunEnviron
    base = {'PATH': '/bin'}
    got = run_environ(base, '/b/liblistenq.so')
    _want(got == {'PATH': '/bin', 'LD_PRELOAD': '/b/liblistenq.so'} and
          base == {'PATH': '/bin'}, 'run environment: %s' % got)
    got = run_environ({'LD_PRELOAD': '/x.so'}, '/b/l.so')['LD_PRELOAD']
    _want(got == '/b/l.so:/x.so', 'run environment, preload kept: %s' % got)
    _want(run_environ(base, None) == base, 'run environment without one')


def host_check(env):
    d = tempfile.mkdtemp(prefix='ostest-host-')
    try:
        _qemu_args(env)
        _run_environ(env)
        _host_fails(d, env)
        _host_reboot(d, env)
        _host_failures(d, env)
    except _Fail as e:
        return False, str(e)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return True, ''
