# SPDX-License-Identifier: MIT
"""Checks of the harness itself, run by `scons test` as Python checks.

send_check(): the system test send:/send-raw: keys, without QEMU or a
guest: parsing and escapes, prompt matching on a line still being written,
and the bytes Keyboard puts into the console FIFO, at the right moments.
"""

import os
import shutil
import tempfile

from . import runner, spec


class _Fail(Exception):
    pass


def _want(cond, what):
    if not cond:
        raise _Fail(what)


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
    got = [(s.after, s.data) for s in t.send]
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
    kb = runner.Keyboard(t, outdir)
    try:
        _want(os.path.exists(kb.fifo) and os.path.islink(kb.sink),
              'no FIFO or output link in %s' % outdir)
        _want(kb.chardev(log) == 'pipe,id=com1,path=%s,logfile=%s' % (
            kb.base, log), 'chardev spec %r' % kb.chardev(log))
        reader = os.open(kb.fifo, os.O_RDONLY | os.O_NONBLOCK)
        con = runner.Console(log)
        m = runner.Matcher(t)
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
                err = kb.type_due(m.next)
                _want(not err, err)
                got = _drain(reader)
                _want(got == typed, 'step %d: typed %r, wanted %r (matched %d '
                      'expects, line so far %r)' % (i, got, typed, m.next,
                                                    con.pending()))
        _want(kb.done() and m.next == len(t.expect), 'script not finished')
        con.read(final=True)
        con.close()
        _want(con.lines[-1] == 'xx\u00e9 one', 'last line %r' % con.lines[-1])
        os.close(reader)
    finally:
        kb.close()
    _want(not os.path.lexists(kb.fifo) and not os.path.lexists(kb.sink),
          'FIFO or output link left behind')


def _matcher_part():
    """Tests without send: match whole lines only, as before."""
    t = spec.SystemTest('x')
    t.expect = [spec.Pattern('/a$/')]
    m = runner.Matcher(t)
    m.feed('ab')
    _want(m.next == 0, 'whole-line match changed')
    m.feed('ba')
    _want(m.next == 1, 'whole-line match changed')


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
