# SPDX-License-Identifier: MIT
"""Runs the test plan and prints one line per test, then `N passed, N failed`.

Order: build failures (each failed build step is a failed test), host unit
tests (one result per cmocka case), site tools' Python checks, fuzz runs (a
crash is a failure), then QEMU system tests, two at a time. A failure line
gives the reason and is followed by the last lines of output, indented with
'|'.

A system test (SystemRun) boots QEMU once per boot of its .test file, in
its own folder build/tests/system/NAME/, and for each boot runs a loop that
reads the console log QEMU writes, matches it (Matcher), and does the
send: and host: steps that are due (Script): typing into the console FIFO
(Keyboard) and starting host commands (HostCommand) that it polls without
waiting for them, so the console keeps being read.
"""

import codecs
import collections
import os
import queue
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time

from . import cmocka, spec

TAIL = 20                      # output lines shown under a failure
SYSTEM_JOBS = 2                # QEMUs at once (the machines have 2 cores)
UNIT_TIMEOUT = 300             # seconds for one unit test program
POLL = 0.05                    # seconds between console reads
PACE = 0.005                   # seconds between bytes typed on the console

_ANSI = re.compile(r'\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][A-Za-z0-9]|[@-Z\\-_])')
_CTRL = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')


class Result:
    def __init__(self, name, ok, reason='', tail=(), seconds=None, note=''):
        self.name = name
        self.ok = ok
        self.reason = reason
        self.tail = list(tail)
        self.seconds = seconds
        self.note = note


def _out(line):
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
    _out(line)
    if not r.ok:
        for t in r.tail:
            _out('    | ' + t)


def _built(node):
    import SCons.Node
    return (node.get_state() in (SCons.Node.up_to_date, SCons.Node.executed)
            and os.path.exists(node.abspath))


def _rel(path, top):
    try:
        return os.path.relpath(path, top)
    except ValueError:
        return path


def _exact_filter(names, only):
    """Narrows `only` words that name a test exactly to that test alone, so
    that only=boot-1 does not also pick boot-16 and boot-128."""
    out = []
    for w in only:
        exact = [n for n in names if w in (n, n.split('/', 1)[-1])]
        out.append((w, exact))
    return out


# ---------------------------------------------------------------- unit tests

def _sanitizer_env(base):
    e = dict(base)
    e.setdefault('ASAN_OPTIONS', 'detect_leaks=1:abort_on_error=0:'
                 'strict_string_checks=1:detect_stack_use_after_return=1')
    e.setdefault('UBSAN_OPTIONS', 'print_stacktrace=1:halt_on_error=1')
    return e


_REPORT_START = re.compile(r'==\d+==ERROR|runtime error:|ERROR: libFuzzer|'
                           r'Test failed with exception')


def _excerpt(lines):
    """The part of a program's output worth showing: from the first
    sanitizer report on if there is one (its top frames say where), else
    the last lines."""
    for i, line in enumerate(lines):
        if _REPORT_START.search(line):
            return lines[i:i + TAIL]
    return lines[-TAIL:]


def _crash_reason(lines):
    for pat in (r'SUMMARY: (.*)', r'==\d+==ERROR: (.*)', r'(runtime error: .*)',
                r'ERROR: libFuzzer: (.*)', r'(Test failed with exception: .*)'):
        for line in lines:
            m = re.search(pat, line)
            if m:
                return m.group(1).strip()
    return None


def run_unit(name, path, top, env):
    start = time.monotonic()
    try:
        p = subprocess.run([path], cwd=top, env=_sanitizer_env(env),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=UNIT_TIMEOUT)
        text = p.stdout.decode('utf-8', 'replace')
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b'').decode('utf-8', 'replace')
        rc = None
    except OSError as e:
        return [Result('unit/' + name, False, 'cannot run: %s' % e)]
    elapsed = time.monotonic() - start
    lines = text.splitlines()
    results = []
    for c in cmocka.parse(text):
        cname = 'unit/%s/%s' % (name, c.name)
        if c.status == 'pass':
            results.append(Result(cname, True))
        elif c.status == 'skip':
            results.append(Result(cname, True, note='skipped'))
        elif c.status == 'fail':
            reason = '; '.join(c.messages[:2]) or 'failed'
            results.append(Result(cname, False, reason, _excerpt(c.output)))
        else:
            why = _crash_reason(c.output) or (
                'timed out after %d s' % UNIT_TIMEOUT if rc is None
                else 'program ended inside this case (status %s)' % rc)
            results.append(Result(cname, False,
                                  'crashed: %s (later cases did not run)' % why,
                                  _excerpt(c.output)))
    if rc is None:
        if not any(not r.ok for r in results):
            results.append(Result('unit/' + name, False,
                                  'timed out after %d s' % UNIT_TIMEOUT,
                                  lines[-TAIL:]))
    elif rc != 0 and all(r.ok for r in results):
        why = _crash_reason(lines) or 'exit status %d' % rc
        results.append(Result('unit/' + name, False, why, _excerpt(lines),
                              seconds=elapsed))
    elif not results:
        results.append(Result('unit/' + name, False,
                              'ran no test case (no cmocka "[ RUN ]" line)',
                              lines[-TAIL:]))
    return results


# ---------------------------------------------------------------- checks

def run_check(name, fn):
    """A check a site tool does in Python; fn() returns (ok, reason)."""
    try:
        ok, reason = fn()
    except Exception as e:                 # a broken check must not pass
        return Result(name, False, 'check raised %s: %s' % (
            e.__class__.__name__, e))
    return Result(name, bool(ok), reason)


# ---------------------------------------------------------------- fuzzing

def run_fuzz(name, path, corpus, top, seconds, env):
    work = os.path.join(top, 'build', 'tests', 'fuzz', 'work', name)
    shutil.rmtree(work, ignore_errors=True)
    scratch = os.path.join(work, 'corpus')
    artifacts = os.path.join(work, 'artifacts')
    if corpus and os.path.isdir(corpus):
        shutil.copytree(corpus, scratch)
    else:
        os.makedirs(scratch)
    os.makedirs(artifacts)
    seeds = len(os.listdir(scratch))
    cmd = [path, '-max_total_time=%d' % seconds, '-timeout=10',
           '-rss_limit_mb=2048', '-print_final_stats=1',
           '-artifact_prefix=' + artifacts + '/', scratch]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=top, env=_sanitizer_env(env),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=seconds + 120)
        text = p.stdout.decode('utf-8', 'replace')
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b'').decode('utf-8', 'replace')
        rc = None
    except OSError as e:
        return Result('fuzz/' + name, False, 'cannot run: %s' % e)
    elapsed = time.monotonic() - start
    lines = text.splitlines()
    m = re.search(r'Done (\d+) runs in', text)
    runs = '%s runs' % m.group(1) if m else ''
    note = ', '.join(x for x in (runs, '%d seeds' % seeds) if x)
    if rc == 0:
        return Result('fuzz/' + name, True, seconds=elapsed, note=note)
    if rc is None:
        why = 'did not stop within %d s' % (seconds + 120)
    else:
        why = _crash_reason(lines) or 'exit status %d' % rc
    tail = _excerpt(lines)
    for a in sorted(os.listdir(artifacts)):
        tail.append('reproduce: %s %s' % (_rel(path, top),
                                          _rel(os.path.join(artifacts, a), top)))
    return Result('fuzz/' + name, False, why, tail, seconds=elapsed)


# ---------------------------------------------------------------- system tests

class Console:
    """Reads the serial log QEMU writes, a line at a time."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.partial = b''
        self.lines = []

    def read(self, final=False):
        if self.f is None:
            try:
                self.f = open(self.path, 'rb')
            except FileNotFoundError:
                return []
        data = self.partial + self.f.read()
        parts = data.split(b'\n')
        self.partial = parts.pop()
        if final and self.partial:
            parts.append(self.partial)
            self.partial = b''
        new = [self._clean(p) for p in parts]
        self.lines += new
        return new

    def pending(self):
        """The line being written (after the last newline), cleaned like a
        line, but without a UTF-8 character or escape sequence that has not
        fully arrived: what it returns is always the start of the line it
        becomes."""
        dec = codecs.getincrementaldecoder('utf-8')('replace')
        s = dec.decode(self.partial, final=False).replace('\r', '')
        esc = s.rfind('\x1b')
        if esc >= 0 and not _ANSI.match(s, esc):
            s = s[:esc]
        return _CTRL.sub('', _ANSI.sub('', s))

    @staticmethod
    def _clean(raw):
        s = raw.decode('utf-8', 'replace').replace('\r', '')
        return _CTRL.sub('', _ANSI.sub('', s))

    def close(self):
        if self.f is not None:
            self.f.close()


class Matcher:
    """Keeps track of which expected lines of one boot the console has
    shown. Ordered expects match at most `limit` lines at a time (a host:
    line holds back those below it); console lines that arrive meanwhile
    wait in `backlog` and are matched, in order, once the limit rises."""

    def __init__(self, boot, reject=(), partial=False):
        self.expect = boot.expect
        self.partial = partial             # also match the line being written
        self.next = 0                      # index of the next ordered expect
        self.limit = len(self.expect)
        self.backlog = collections.deque() # lines not yet passed by expects
        self.pending = ''                  # the line being written
        self.pos = 0                       # where the next expect is looked
                                           # for in backlog[0] (or pending)
        self.any_left = list(boot.expect_any)
        self.reject = list(reject)
        self.rejected = None               # (pattern, line)

    def _advance(self):
        while self.next < self.limit:
            if self.backlog:
                end = self.expect[self.next].search(self.backlog[0], self.pos)
                if end < 0:
                    self.backlog.popleft()
                    self.pos = 0
                    continue
            elif self.partial:
                end = self.expect[self.next].search(self.pending, self.pos)
                if end < 0:
                    return
            else:
                return
            self.pos = end
            self.next += 1
        if self.next == len(self.expect):
            self.backlog.clear()           # nothing left to look for

    def allow(self, limit):
        """Lets the first `limit` ordered expects match."""
        self.limit = min(limit, len(self.expect))
        self._advance()

    def feed_pending(self, text):
        """Tries the ordered expects on the line being written (text
        only grows until the line is complete and goes to feed())."""
        self.pending = text
        self._advance()

    def feed(self, line):
        self.pending = ''
        self.backlog.append(line)
        self._advance()
        self.any_left = [p for p in self.any_left if p.search(line) < 0]
        if self.rejected is None:
            for p in self.reject:
                if p.search(line) >= 0:
                    self.rejected = (p, line)
                    break

    def seen_all(self):
        return self.next == len(self.expect) and not self.any_left

    def missing(self):
        if self.next < len(self.expect):
            p = self.expect[self.next]
            return 'never saw %s (line %d)' % (p, p.line)
        if self.any_left:
            return 'never saw %s' % ', '.join(
                '%s (line %d)' % (p, p.line) for p in self.any_left)
        return ''


class Keyboard:
    """COM1 input of a test that types: QEMU reads the FIFO <base>.in (a
    pipe chardev), and writes to <base>.out, a link to /dev/null; its
    logfile= is the console log."""

    def __init__(self, base):
        self.base = base
        self.fifo = base + '.in'
        self.sink = base + '.out'
        self.fd = None
        self.close()
        os.mkfifo(self.fifo)
        os.symlink(os.devnull, self.sink)
        # Read-write: no waiting for QEMU to open the other end, and QEMU
        # never sees end-of-file. Non-blocking: a guest that reads nothing
        # fails the test instead of hanging the harness.
        self.fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)

    def chardev(self, log):
        esc = lambda p: p.replace(',', ',,')
        return 'pipe,id=com1,path=%s,logfile=%s' % (esc(self.base), esc(log))

    def write(self, data):
        """Types bytes, paced; raises OSError when the FIFO refuses."""
        for b in data:
            os.write(self.fd, bytes([b]))
            time.sleep(PACE)

    def type(self, send):
        """Types one send: line; returns an error text or ''."""
        try:
            self.write(send.data)
        except OSError as e:
            return 'line %d: cannot type %s on the console: %s' % (
                send.line, send, e)
        return ''

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        for f in (self.fifo, self.sink):
            if os.path.lexists(f):
                os.unlink(f)


class HostCommand:
    """A running host: line: sh -c in a process group of its own (so that
    everything it starts can be killed), output to OUT/host-LINE.log."""

    def __init__(self, step, env, cwd, outdir):
        self.step = step
        self.log = os.path.join(outdir, 'host-%d.log' % step.line)
        self.started = time.monotonic()
        self.rc = None
        with open(self.log, 'wb') as f:
            self.p = subprocess.Popen(_orphan_guard() + ['sh', '-c', step.command],
                                      cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                      stdout=f, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def poll(self):
        if self.rc is None:
            self.rc = self.p.poll()
        return self.rc

    def seconds(self):
        return time.monotonic() - self.started

    def kill(self):
        """Ends the whole process group, also what the command left
        running in the background after it exited."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.p.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            if sig == signal.SIGTERM:
                try:
                    self.p.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        self.p.wait()
        self.poll()

    def status(self):
        rc = self.poll()
        if rc is None:
            return 'still running after %.1f s' % self.seconds()
        if rc < 0:
            return 'killed by signal %d' % -rc
        return 'exited with status %d' % rc

    def failure(self):
        return 'line %d: %s %s' % (self.step.line, self.step, self.status())

    def tail(self, top, n=10):
        try:
            with open(self.log, 'rb') as f:
                lines = f.read().decode('utf-8', 'replace').splitlines()
        except OSError:
            lines = []
        head = 'host output, line %d (%s):' % (self.step.line,
                                              _rel(self.log, top))
        return [head] + ['  ' + x for x in lines[-n:]] + (
            [] if lines else ['  (no output)'])


class Script:
    """The send: and host: lines of one boot, one step at a time in file
    order; a step waits for the expects written above it and for the step
    before it (a host: command until it has exited)."""

    def __init__(self, steps, kb, spawn):
        self.steps = list(steps)
        self.next = 0
        self.kb = kb
        self.spawn = spawn                 # Host -> HostCommand
        self.running = None                # HostCommand of steps[next]
        self.typed = 0

    def limit(self, n):
        """How many of the n ordered expects may match now: none below a
        host: line that has not finished."""
        for s in self.steps[self.next:]:
            if isinstance(s, spec.Host):
                return s.after
        return n

    def step(self, matched, typing):
        """Does every step that is due; returns a failure text or ''.
        typing: QEMU runs, so send: lines can be typed."""
        while self.next < len(self.steps):
            s = self.steps[self.next]
            if self.running:
                rc = self.running.poll()
                if rc is None:
                    return ''
                if rc != 0:
                    return self.running.failure()
                self.running = None
                self.next += 1
            elif s.after > matched:
                return ''
            elif isinstance(s, spec.Send):
                if not typing:
                    return ''
                err = self.kb.type(s)
                if err:
                    return err
                self.typed += 1
                self.next += 1
            else:
                self.running = self.spawn(s)
        return ''

    def done(self):
        return self.next == len(self.steps)

    def busy(self):
        return self.running is not None

    def progress(self):
        sends = [s for s in self.steps if isinstance(s, spec.Send)]
        if not sends:
            return ''
        if not self.typed:
            return 'typed nothing yet'
        return 'typed %d of %d inputs, the last %s' % (
            self.typed, len(sends), sends[self.typed - 1])

    def undone(self):
        s = self.steps[self.next]
        if self.running:
            return self.running.failure()
        if isinstance(s, spec.Send):
            return 'never typed %s (line %d; %s)' % (s, s.line, self.progress())
        return 'never ran %s (line %d)' % (s, s.line)


def _stop(p):
    if p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def _orphan_guard():
    """QEMU stays in our process group (Ctrl-C reaches it too); setpriv
    --pdeathsig also kills it if this process dies without cleaning up
    (a CI time limit, a SIGKILL)."""
    if shutil.which('setpriv'):
        return ['setpriv', '--pdeathsig', 'KILL', '--']
    return []


# Host ports for net: forwards. Chosen below Linux's ephemeral range
# (32768..60999), so the kernel does not hand them out to outgoing
# connections meanwhile; _PORTS keeps the two tests that run at once apart;
# another program may still take one between the probe and QEMU's bind,
# and then QEMU fails to start and the boot is retried with new ports.
PORT_RANGE = (20000, 32767)
PORT_TRIES = 3
_PORTS = set()
_PORTS_LOCK = threading.Lock()
_FWD_FAILED = 'Could not set up host forwarding rule'


def _free_port(proto):
    kind = socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM
    with _PORTS_LOCK:
        for _ in range(200):
            port = random.randint(*PORT_RANGE)
            if port in _PORTS:
                continue
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            finally:
                s.close()
            _PORTS.add(port)
            return port
    raise OSError('no free %s port on 127.0.0.1 in %d..%d' % (
        proto, PORT_RANGE[0], PORT_RANGE[1]))


def _release_ports(ports):
    with _PORTS_LOCK:
        _PORTS.difference_update(ports.values())


def port_variable(port, proto):
    """PORT_80 for TCP port 80, PORT_53_UDP for UDP port 53."""
    return 'PORT_%d%s' % (port, '_UDP' if proto == 'udp' else '')


class SystemRun:
    """One system test: its boots one after the other, on one disk image,
    with host: commands between and during them."""

    def __init__(self, t, plan_env, iso, top, stop):
        self.t = t
        self.env = plan_env
        self.iso = iso
        self.top = top
        self.stop = stop
        self.name = 'system/' + t.name
        self.outdir = os.path.join(top, 'build', 'tests', 'system', t.name)
        self.disk = os.path.join(self.outdir, 'disk.img') if t.disk else None
        self.ports = {}                    # (guest port, proto) -> host port
        self.hosts = []                    # every HostCommand started
        self.start = time.monotonic()
        self.deadline = self.start + t.timeout
        self.boot = None                   # the spec.Boot running
        self.con = None                    # its Console
        self.log = self.qlog = None        # its console and QEMU logs
        self.failed_host = None

    # ---- set-up

    def _prepare(self):
        # The folder holds only what this harness writes for this test.
        shutil.rmtree(self.outdir, ignore_errors=True)
        os.makedirs(self.outdir)
        if self.disk:
            with open(self.disk, 'wb') as f:
                f.truncate(self.t.disk)    # sparse: reads as zeros

    def _pick_ports(self):
        _release_ports(self.ports)
        self.ports = {}
        for guest, proto in self.t.net or ():
            self.ports[(guest, proto)] = _free_port(proto)

    def _forwards(self):
        if self.t.net is None:
            return None
        return [(proto, self.ports[(guest, proto)], guest)
                for guest, proto in self.t.net]

    def host_env(self):
        e = dict(self.env['ENV'])
        e['OUT'] = self.outdir
        e['BOOT'] = str(self.boot.number)
        if self.disk:
            e['DISK'] = self.disk
        for (guest, proto), port in self.ports.items():
            e[port_variable(guest, proto)] = str(port)
        return e

    def _spawn(self, step):
        h = HostCommand(step, self.host_env(), self.top, self.outdir)
        self.hosts.append(h)
        return h

    def _qemu(self, kb, serial_log):
        t = self.t
        kw = dict(smp=t.smp, mem=t.mem, machine=t.machine, extra=t.qemu,
                  net=self._forwards(), net_device=t.net_device,
                  disk=self.disk, disk_device=t.disk_device)
        if kb:
            return self.env.QemuCommand(self.iso, serial='chardev:com1',
                                        chardev=kb.chardev(serial_log), **kw)
        return self.env.QemuCommand(self.iso, serial='file:' + serial_log, **kw)

    # ---- running

    def run(self):
        """Returns the test's Result."""
        try:
            self._prepare()
            self._pick_ports()
        except OSError as e:
            return Result(self.name, False, 'cannot set up: %s' % e)
        try:
            for b in self.t.boots:
                self.boot = b
                ok, why = self._run_boot(b)
                if not ok:
                    return self._failure(why)
            return Result(self.name, True, seconds=self._elapsed())
        finally:
            for h in self.hosts:
                h.kill()
            _release_ports(self.ports)

    def _elapsed(self):
        return time.monotonic() - self.start

    def _run_boot(self, b):
        for s in b.steps:
            if isinstance(s, spec.Host) and s.early:
                ok, why = self._run_alone(s)
                if not ok:
                    return ok, why
        for attempt in range(PORT_TRIES):
            ok, why, retry = self._run_qemu(b)
            if not retry:
                return ok, why
            self._pick_ports()
        return False, 'QEMU could not forward the net: ports in %d tries' % (
            PORT_TRIES)

    def _run_alone(self, step):
        """Runs a host: line before the boot's QEMU starts."""
        h = self._spawn(step)
        while h.poll() is None:
            if self.stop.is_set():
                return False, 'interrupted'
            if time.monotonic() > self.deadline:
                self.failed_host = h
                return False, 'timeout after %d s: %s (before QEMU started)' % (
                    self.t.timeout, h.failure())
            time.sleep(POLL)
        if h.poll() != 0:
            self.failed_host = h
            return False, h.failure() + ' (before QEMU started)'
        return True, ''

    def _run_qemu(self, b):
        """Boots QEMU once; returns (ok, reason, retry with other ports)."""
        n = b.number
        self.log = os.path.join(self.outdir, 'boot%d.console' % n)
        self.qlog = os.path.join(self.outdir, 'boot%d.qemu' % n)
        for f in (self.log, self.qlog):
            if os.path.exists(f):
                os.unlink(f)
        kb = None
        if self.t.has_send():
            try:
                kb = Keyboard(os.path.join(self.outdir, 'boot%d.serial' % n))
            except OSError as e:
                return False, 'cannot make the console input: %s' % e, False
        cmd = self._qemu(kb, self.log)
        try:
            with open(self.qlog, 'wb') as q:
                p = subprocess.Popen(_orphan_guard() + cmd, cwd=self.top,
                                     stdin=subprocess.DEVNULL, stdout=q,
                                     stderr=subprocess.STDOUT,
                                     env=self.env['ENV'])
        except OSError as e:
            if kb:
                kb.close()
            return False, 'cannot run QEMU: %s' % e, False
        self.con = Console(self.log)
        steps = [s for s in b.steps if not (isinstance(s, spec.Host) and s.early)]
        script = Script(steps, kb, self._spawn)
        m = Matcher(b, self.t.reject, partial=kb is not None)
        try:
            ok, why = self._watch(p, m, script)
        finally:
            _stop(p)
            self.con.read(final=True)
            self.con.close()
            if kb:
                kb.close()
        if (p.returncode not in (None, 0) and not self.con.lines
                and _FWD_FAILED in self._qemu_output()
                and not self.stop.is_set()):
            return False, why, True
        return ok, why, False

    def _watch(self, p, m, script):
        """Reads the console and does the script until the boot is judged."""
        b = self.boot
        meaning = self.env.QemuExitMeaning
        while True:
            rc = p.poll()
            for line in self.con.read(final=rc is not None):
                m.feed(line)
            if m.partial:
                m.feed_pending(self.con.pending())
            m.allow(script.limit(len(b.expect)))
            err = ''
            while not err and not m.rejected and not self.stop.is_set():
                # A finished host: line lets expects below it match, and
                # they may let the next steps go.
                matched = m.next
                err = script.step(matched, typing=rc is None)
                m.allow(script.limit(len(b.expect)))
                if m.next == matched:
                    break
            if self.stop.is_set():
                return False, 'interrupted'
            if m.rejected:
                return False, 'console printed %r (rejected: %s, line %d)' % (
                    m.rejected[1].strip(), m.rejected[0], m.rejected[0].line)
            if err:
                self.failed_host = script.running
                return False, err
            if rc is not None and not script.busy():
                return _judge_exit(b, m, script, rc, meaning)
            if (rc is None and m.seen_all() and b.exit is None
                    and script.done()):
                return True, ''
            if time.monotonic() > self.deadline:
                return self._timeout(m, script)
            time.sleep(POLL)

    def _timeout(self, m, script):
        b = self.boot
        for line in self.con.read(final=True):
            m.feed(line)
        head = 'timeout after %d s: ' % self.t.timeout
        if script.busy():
            self.failed_host = script.running
            return False, head + script.running.failure()
        if m.seen_all() and script.done():
            if b.exit is None:
                return True, ''
            return False, head + ('every line seen, but QEMU did not exit with '
                                  'status %d (%s; line %d)' % (
                                      b.exit, self.env.QemuExitMeaning(b.exit),
                                      b.exit_line))
        if m.seen_all():
            return False, head + script.undone()
        why = head + m.missing()
        if script.progress():
            why += ' (%s)' % script.progress()
        return False, why

    # ---- reporting

    def _qemu_output(self):
        try:
            with open(self.qlog, 'rb') as q:
                return q.read().decode('utf-8', 'replace')
        except (OSError, TypeError):
            return ''

    def _failure(self, why):
        t, top = self.t, self.top
        if len(t.boots) > 1:
            why = 'boot %d of %d: %s' % (self.boot.number, len(t.boots), why)
        tail = []
        if self.failed_host:
            tail += self.failed_host.tail(top)
        if self.con is not None:
            tail += self.con.lines[-TAIL:] or ['(nothing on the console)']
            tail += ['qemu: ' + x for x in self._qemu_output().splitlines()[-5:]
                     if 'terminating on signal' not in x]
            tail.append('console log: %s' % _rel(self.log, top))
        else:
            tail.append('(QEMU not started)')
        by_hand = self.env.QemuCommand(
            _rel(self.iso, top), smp=t.smp, mem=t.mem, machine=t.machine,
            serial='mon:stdio', extra=t.qemu, net=self._forwards(),
            net_device=t.net_device,
            disk=_rel(self.disk, top) if self.disk else None,
            disk_device=t.disk_device)
        tail.append('run by hand: ' + ' '.join(shlex.quote(c) for c in by_hand))
        sends = self.boot.sends
        if sends:
            tail.append('and type: ' + ', '.join(str(s) for s in sends))
        return Result(self.name, False, why, tail, seconds=self._elapsed())


def run_system(t, plan_env, iso, top, stop):
    """Boots one system test (every boot of it); returns a Result."""
    return SystemRun(t, plan_env, iso, top, stop).run()


def _judge_exit(b, m, script, rc, meaning):
    """The verdict on a boot whose QEMU has exited (status rc)."""
    def left():
        return m.missing() or (script.undone() if not script.done() else '')
    if b.exit is None:
        if m.seen_all() and script.done():
            return True, ''
        return False, 'QEMU exited with status %d (%s); %s' % (
            rc, meaning(rc), left())
    if rc != b.exit:
        return False, 'QEMU exited with status %d (%s), expected %d (%s; line %d)' % (
            rc, meaning(rc), b.exit, meaning(b.exit), b.exit_line)
    if left():
        return False, 'QEMU exited with status %d as expected, but %s' % (
            rc, left())
    return True, ''


# ---------------------------------------------------------------- the run

def _build_failures():
    from SCons.Script import GetBuildFailures
    out = []
    for bf in GetBuildFailures():
        node = str(bf.node) if bf.node is not None else '?'
        if not node.startswith('build/'):
            node = 'build/' + node
        msg = bf.errstr or 'failed'
        if re.match(r'^Error -?\d+$', msg):
            msg = 'build step failed (%s; its output is above)' % msg
        cmd = bf.command
        if isinstance(cmd, (list, tuple)):
            cmd = ' '.join(str(c) for c in cmd)
        out.append(Result(node, False, msg,
                          ['command: ' + cmd] if isinstance(cmd, str) and cmd else []))
    return out


class Run:
    def __init__(self, plan, only):
        self.plan = plan
        self.only = [w.strip() for w in (only or '').split(',') if w.strip()]
        self.results = []

    def add(self, r):
        self.results.append(r)
        report(r)

    def wanted(self, names):
        """Returns the subset of names that only= selects."""
        if not self.only:
            return set(names)
        picked = set()
        for word, exact in _exact_filter(names, self.only):
            picked |= set(exact) if exact else {n for n in names if word in n}
        return picked

    def case_words(self, unit):
        """only=unit/test_x/case (or test_x/case) picks one cmocka case:
        the program runs whole, only that case is reported."""
        out = {}
        for w in self.only:
            for n, _ in unit:
                for pre in ('unit/%s/' % n, '%s/' % n):
                    if w.startswith(pre) and len(w) > len(pre):
                        out.setdefault(n, set()).add('unit/%s/%s' % (n, w[len(pre):]))
        return out

    def go(self):
        plan = self.plan
        env = plan.env
        top = env.Dir('#').abspath
        base = dict(env['ENV'])

        for r in _build_failures():
            self.add(r)

        names = (['unit/' + n for n, _ in plan.unit] +
                 [n for n, _ in plan.checks] +
                 ['fuzz/' + n for n, _, _ in plan.fuzz] +
                 ['system/' + _sys_name(t) for t in plan.system])
        wanted = self.wanted(names)
        cases = self.case_words(plan.unit)
        if self.only and not wanted and not cases:
            self.add(Result('only=' + ','.join(self.only), False,
                            'no test has that name; names: ' + ' '.join(names)))

        for n, node in plan.unit:
            bid = 'unit/' + n
            if bid not in wanted and n not in cases:
                continue
            if not _built(node):
                self.add(Result(bid, False, 'not built (see the build errors above)'))
                continue
            got = set()
            for r in run_unit(n, node.abspath, top, base):
                if bid in wanted or r.name == bid or r.name in cases[n]:
                    self.add(r)
                    got.add(r.name)
            for c in sorted(cases.get(n, set()) - got):
                if bid not in wanted:
                    self.add(Result(c, False, 'no such case in %s' % bid))

        for n, fn in plan.checks:
            if n in wanted:
                self.add(run_check(n, fn))

        secs = _int(env.get('fuzz_seconds', '5'), 5)
        for n, node, corpus in plan.fuzz:
            if 'fuzz/' + n not in wanted:
                continue
            if not _built(node):
                self.add(Result('fuzz/' + n, False, 'not built (see the build errors above)'))
                continue
            self.add(run_fuzz(n, node.abspath, corpus, top, secs, base))

        self.system(top, wanted)

    def system(self, top, wanted):
        todo = []
        seen = set()
        for t in self.plan.system:
            name = 'system/' + _sys_name(t)
            if name not in wanted:
                continue
            if isinstance(t, tuple):
                self.add(Result(name, False, t[1]))
                continue
            if name in seen:
                self.add(Result(name, False, '%s: a test with this name exists already' % t.path))
                continue
            seen.add(name)
            node = self.plan.isos.get(t.iso)
            if node is None:
                self.add(Result(name, False, 'no ISO named %r (known: %s)' % (
                    t.iso, ', '.join(sorted(self.plan.isos)))))
            elif not _built(node):
                self.add(Result(name, False, 'ISO %s not built (see the build errors above)' % node))
            else:
                todo.append((t, node.abspath))
        if not todo:
            return
        todo.sort(key=lambda x: (x[0].order, x[0].name))
        alone = [x for x in todo if x[0].alone]
        todo = [x for x in todo if not x[0].alone]
        _out('-- %d system test(s), %d at a time, accel=%s%s' % (
            len(todo) + len(alone), SYSTEM_JOBS, self.plan.env['accel'],
            '; then %d alone' % len(alone) if alone else ''))
        stop = threading.Event()
        self._pool(todo, SYSTEM_JOBS, top, stop)
        self._pool(alone, 1, top, stop)

    def _pool(self, todo, jobs, top, stop):
        """Runs the system tests in todo, `jobs` at a time."""
        if not todo:
            return
        work = queue.Queue()
        done = queue.Queue()
        for item in todo:
            work.put(item)

        # Plain threads: this runs from an exit handler, where
        # concurrent.futures refuses new work.
        def worker():
            while True:
                try:
                    t, iso = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put(run_system(t, self.plan.env, iso, top, stop))
                except Exception as e:          # a harness bug fails the test
                    done.put(Result('system/' + t.name, False,
                                    'harness error: %r' % e))

        threads = [threading.Thread(target=worker, daemon=True)
                   for _ in range(min(jobs, len(todo)))]
        for th in threads:
            th.start()
        try:
            for _ in todo:
                while True:
                    try:
                        self.add(done.get(timeout=0.5))
                        break
                    except queue.Empty:
                        continue
        except KeyboardInterrupt:
            stop.set()
            for th in threads:
                th.join()
            raise
        for th in threads:
            th.join()

    def summary(self):
        passed = sum(1 for r in self.results if r.ok)
        failed = len(self.results) - passed
        _out('%d passed, %d failed' % (passed, failed))
        return 1 if failed or not self.results else 0


def _sys_name(t):
    if isinstance(t, tuple):
        return os.path.splitext(os.path.basename(t[0]))[0]
    return t.name


def _int(v, default):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def run(plan, only=''):
    """Runs everything; returns the exit status for the process."""
    r = Run(plan, only)
    try:
        r.go()
    except KeyboardInterrupt:
        _out('interrupted')
        r.summary()
        return 130
    except Exception as e:                 # a harness bug must not pass
        import traceback
        traceback.print_exc()
        r.add(Result('harness', False, 'internal error: %s' % e))
    return r.summary()
