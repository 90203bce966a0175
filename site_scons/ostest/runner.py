# SPDX-License-Identifier: MIT
"""Runs the test plan and prints one line per test, then `N passed, N failed`.

Order: build failures (each failed build step is a failed test), host unit
tests (one result per cmocka case), site tools' Python checks, fuzz runs (a
crash is a failure), then QEMU system tests, two at a time. A failure line gives the reason and is
followed by the last lines of output, indented with '|'.
"""

import codecs
import os
import queue
import re
import shlex
import shutil
import subprocess
import threading
import time

from . import cmocka

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
    """Keeps track of which expected lines the console has shown."""

    def __init__(self, t):
        self.t = t
        self.next = 0                      # index of the next ordered expect
        self.pos = 0                       # where it is looked for in the
                                           # line being written
        self.any_left = list(t.expect_any)
        self.rejected = None               # (pattern, line)

    def _ordered(self, line, pos):
        ex = self.t.expect
        while self.next < len(ex):
            end = ex[self.next].search(line, pos)
            if end < 0:
                break
            pos = end
            self.next += 1
        return pos

    def feed_pending(self, text):
        """Tries the ordered expects on the line being written (text
        only grows until the line is complete and goes to feed())."""
        self.pos = self._ordered(text, self.pos)

    def feed(self, line):
        self._ordered(line, self.pos)
        self.pos = 0
        self.any_left = [p for p in self.any_left if p.search(line) < 0]
        if self.rejected is None:
            for p in self.t.reject:
                if p.search(line) >= 0:
                    self.rejected = (p, line)
                    break

    def seen_all(self):
        return self.next == len(self.t.expect) and not self.any_left

    def missing(self):
        if self.next < len(self.t.expect):
            return 'never saw %s' % self.t.expect[self.next]
        if self.any_left:
            return 'never saw %s' % ', '.join(str(p) for p in self.any_left)
        return ''


class Keyboard:
    """Types a test's send: lines on COM1: QEMU reads the FIFO
    <name>.serial.in (a pipe chardev), and writes to <name>.serial.out, a
    link to /dev/null; its logfile= is the console log."""

    def __init__(self, t, outdir):
        self.sends = t.send
        self.next = 0                      # index of the next send
        self.base = os.path.join(outdir, t.name + '.serial')
        self.fifo = self.base + '.in'
        self.sink = self.base + '.out'
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

    def type_due(self, matched):
        """Types every send whose expects (the first `matched`) have
        matched; returns an error text or ''."""
        while self.next < len(self.sends) and self.sends[self.next].after <= matched:
            for b in self.sends[self.next].data:
                try:
                    os.write(self.fd, bytes([b]))
                except OSError as e:
                    return 'cannot type %s on the console: %s' % (
                        self.sends[self.next], e)
                time.sleep(PACE)
            self.next += 1
        return ''

    def done(self):
        return self.next == len(self.sends)

    def progress(self):
        if not self.next:
            return 'typed nothing yet'
        return 'typed %d of %d inputs, the last %s' % (
            self.next, len(self.sends), self.sends[self.next - 1])

    def untyped(self):
        return 'never typed %s (%s)' % (self.sends[self.next], self.progress())

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        for f in (self.fifo, self.sink):
            if os.path.lexists(f):
                os.unlink(f)


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


def run_system(t, plan_env, iso, top, stop):
    """Boots one system test; returns a Result."""
    outdir = os.path.join(top, 'build', 'tests', 'system')
    os.makedirs(outdir, exist_ok=True)
    log = os.path.join(outdir, t.name + '.console')
    qlog = os.path.join(outdir, t.name + '.qemu')
    for f in (log, qlog):
        if os.path.exists(f):
            os.unlink(f)
    name = 'system/' + t.name
    kb = None
    if t.send:
        try:
            kb = Keyboard(t, outdir)
        except OSError as e:
            return Result(name, False, 'cannot make the console input: %s' % e)
        cmd = plan_env.QemuCommand(iso, smp=t.smp, mem=t.mem, machine=t.machine,
                                   serial='chardev:com1',
                                   chardev=kb.chardev(log), extra=t.qemu)
    else:
        cmd = plan_env.QemuCommand(iso, smp=t.smp, mem=t.mem, machine=t.machine,
                                   serial='file:' + log, extra=t.qemu)
    meaning = plan_env.QemuExitMeaning
    start = time.monotonic()
    try:
        with open(qlog, 'wb') as q:
            p = subprocess.Popen(_orphan_guard() + cmd, cwd=top,
                                 stdin=subprocess.DEVNULL, stdout=q,
                                 stderr=subprocess.STDOUT, env=plan_env['ENV'])
    except OSError as e:
        if kb:
            kb.close()
        return Result(name, False, 'cannot run QEMU: %s' % e)
    con = Console(log)
    m = Matcher(t)
    ok, why = None, ''
    try:
        while ok is None:
            rc = p.poll()
            for line in con.read(final=rc is not None):
                m.feed(line)
            typing_error = ''
            if kb:
                m.feed_pending(con.pending())
                if rc is None and not m.rejected and not stop.is_set():
                    typing_error = kb.type_due(m.next)
            elapsed = time.monotonic() - start
            if stop.is_set():
                ok, why = False, 'interrupted'
            elif m.rejected:
                ok, why = False, 'console printed %r (rejected: %s)' % (
                    m.rejected[1].strip(), m.rejected[0])
            elif typing_error:
                ok, why = False, typing_error
            elif rc is not None:
                ok, why = _judge_exit(t, m, rc, meaning, kb)
            elif m.seen_all() and t.exit is None and (not kb or kb.done()):
                ok = True
            elif elapsed > t.timeout:
                for line in con.read(final=True):
                    m.feed(line)
                typed = not kb or kb.done()
                if m.seen_all() and typed and t.exit is None and not m.rejected:
                    ok = True
                elif m.seen_all() and typed:
                    ok, why = False, ('timeout after %d s: every line seen, but '
                                      'QEMU did not exit with status %d (%s)'
                                      % (t.timeout, t.exit, meaning(t.exit)))
                elif m.seen_all():
                    ok, why = False, 'timeout after %d s: %s' % (
                        t.timeout, kb.untyped())
                else:
                    ok, why = False, 'timeout after %d s: %s' % (t.timeout,
                                                                 m.missing())
                    if kb:
                        why += ' (%s)' % kb.progress()
            else:
                time.sleep(POLL)
    finally:
        _stop(p)
        con.read(final=True)
        con.close()
        if kb:
            kb.close()
    elapsed = time.monotonic() - start
    tail = []
    if not ok:
        tail = con.lines[-TAIL:] or ['(nothing on the console)']
        with open(qlog, 'rb') as q:
            qtext = q.read().decode('utf-8', 'replace').splitlines()
        tail += ['qemu: ' + x for x in qtext[-5:]
                 if 'terminating on signal' not in x]
        tail.append('console log: %s' % _rel(log, top))
        by_hand = plan_env.QemuCommand(_rel(iso, top), smp=t.smp, mem=t.mem,
                                       machine=t.machine, serial='mon:stdio',
                                       extra=t.qemu)
        tail.append('run by hand: ' + ' '.join(shlex.quote(c) for c in by_hand))
        if kb:
            tail.append('and type: ' + ', '.join(str(s) for s in t.send))
    return Result(name, ok, why, tail, seconds=elapsed)


def _judge_exit(t, m, rc, meaning, kb=None):
    if t.exit is None:
        if m.seen_all() and (not kb or kb.done()):
            return True, ''
        return False, 'QEMU exited with status %d (%s); %s' % (
            rc, meaning(rc), m.missing() or kb.untyped())
    if rc != t.exit:
        return False, 'QEMU exited with status %d (%s), expected %d (%s)' % (
            rc, meaning(rc), t.exit, meaning(t.exit))
    if not m.seen_all():
        return False, 'QEMU exited with status %d as expected, but %s' % (
            rc, m.missing())
    if kb and not kb.done():
        return False, 'QEMU exited with status %d as expected, but %s' % (
            rc, kb.untyped())
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
        _out('-- %d system test(s), %d at a time, accel=%s' % (
            len(todo), SYSTEM_JOBS, self.plan.env['accel']))
        stop = threading.Event()
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
                   for _ in range(min(SYSTEM_JOBS, len(todo)))]
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
