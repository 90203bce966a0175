# SPDX-License-Identifier: MIT
"""The interface language: its words and types, the lexer, the syntax tree
and the parser. parse(path, text) -> Interface, unchecked (checks.py gives
it meaning); every error is an IfcError with the file and line.
"""

import re

IFC_MAX_MSG = 1024
PREFIX_BYTES = 2          # every string/bytes/array count is a u16

# scalar type -> (C type, wire bytes)
SCALARS = {
    'u8': ('uint8_t', 1), 'u16': ('uint16_t', 2),
    'u32': ('uint32_t', 4), 'u64': ('uint64_t', 8),
    'i8': ('int8_t', 1), 'i16': ('int16_t', 2),
    'i32': ('int32_t', 4), 'i64': ('int64_t', 8),
    'bool': ('bool', 1),
}
TYPES = list(SCALARS) + ['string', 'bytes']
C_WORDS = set('''auto break case char const continue default do double else
enum extern float for goto if inline int long register restrict return short
signed sizeof static struct switch typedef union unsigned void volatile while
_Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
_Static_assert _Thread_local bool true false NULL'''.split())
NAME_RE = re.compile(r'[a-z][a-z0-9_]*\Z')
NUMBER_RE = re.compile(r'(0[xX][0-9a-fA-F]+|0|[1-9][0-9]*)\Z')


# Who may send a message (`message m = 1 from monitor {`): the receiver
# says who sent it (P_dispatch_from), and generated dispatch refuses the
# rest. The bit each has in enum ifc_sender.
SENDERS = ['program', 'monitor', 'kernel']


class IfcError(Exception):
    """A bad interface file: where and why."""

    def __init__(self, path, line, msg):
        Exception.__init__(self, msg)
        self.path = path
        self.line = line
        self.msg = msg

    def __str__(self):
        return '%s:%d: error: %s' % (self.path, self.line, self.msg)


# ------------------------------------------------------------------ lexer

_TOKEN = re.compile(r'''
    (?P<space>[ \t\r\f\v]+) | (?P<newline>\n) | (?P<comment>\#[^\n]*) |
    (?P<arrow>->) | (?P<word>[A-Za-z0-9_]+) | (?P<punct>[{}\[\]();=]) |
    (?P<bad>.)
''', re.X)


class Tok:
    def __init__(self, kind, text, line):
        self.kind = kind          # 'word', 'punct' (incl. '->') or 'eof'
        self.text = text
        self.line = line

    def show(self):
        return 'end of file' if self.kind == 'eof' else "'%s'" % self.text


def _tokenize(path, text):
    """Returns (tokens, comments): comments maps a line number to
    (text, alone), alone meaning nothing else is on that line."""
    toks, comments = [], {}
    line, line_has_code = 1, False
    for m in _TOKEN.finditer(text):
        kind, s = m.lastgroup, m.group()
        if kind == 'newline':
            line, line_has_code = line + 1, False
        elif kind == 'comment':
            comments[line] = (s[1:].strip(), not line_has_code)
        elif kind == 'bad':
            raise IfcError(path, line, 'unexpected character %r' % s)
        elif kind != 'space':
            toks.append(Tok('word' if kind == 'word' else 'punct', s, line))
            line_has_code = True
    if text.endswith('\n') and line > 1:
        line -= 1                 # end of file: on the last line there is
    toks.append(Tok('eof', '', line))
    return toks, comments


# ------------------------------------------------------------------ tree

class Field:
    def __init__(self, kind, type_, name, size, line, comment):
        self.kind = kind          # 'scalar', 'array', 'string', 'bytes'
        self.type = type_         # scalar type of a scalar or array
        self.name = name
        self.size = size          # max elements/bytes; string: incl. NUL
        self.line = line
        self.comment = comment

    def wire_max(self):
        if self.kind == 'scalar':
            return SCALARS[self.type][1]
        if self.kind == 'array':
            return PREFIX_BYTES + self.size * SCALARS[self.type][1]
        if self.kind == 'string':
            return PREFIX_BYTES + self.size - 1
        return PREFIX_BYTES + self.size

    def counter(self):
        """The struct member that holds how many are used (bytes, arrays)."""
        return {'bytes': self.name + '_len',
                'array': self.name + '_count'}.get(self.kind)


class Message:
    def __init__(self, name, number, line, comment):
        self.name = name
        self.number = number
        self.line = line
        self.comment = comment
        self.fields = []
        self.has_call_id = False
        self.senders = []         # `from ...`: who may send it; []: anyone

    def wire_max(self):
        return (4 if self.has_call_id else 0) + sum(f.wire_max()
                                                    for f in self.fields)


class Call:
    def __init__(self, name, req, rep, line, comment):
        self.name = name
        self.req = req            # message names until resolved, then Message
        self.rep = rep
        self.line = line
        self.comment = comment


class Interface:
    def __init__(self, path):
        self.path = path
        self.name = None
        self.line = 0
        self.messages = []
        self.calls = []


# ------------------------------------------------------------------ parser

class Parser:
    def __init__(self, path, text):
        self.path = path
        self.toks, self.comments = _tokenize(path, text)
        self.pos = 0

    def error(self, line, msg):
        raise IfcError(self.path, line, msg)

    def peek(self):
        return self.toks[self.pos]

    def next(self):
        t = self.toks[self.pos]
        if t.kind != 'eof':
            self.pos += 1
        return t

    def expect(self, text, after):
        prev = self.toks[self.pos - 1] if self.pos else None
        t = self.next()
        if t.text != text or t.kind == 'eof':
            # A missing ';' belongs to the line it is missing from.
            line = prev.line if prev and prev.line < t.line else t.line
            self.error(line, "expected '%s' %s, found %s" % (text, after,
                                                             t.show()))
        return t

    def name(self, what, after):
        t = self.next()
        if t.kind != 'word':
            self.error(t.line, 'expected %s %s, found %s' % (what, after,
                                                             t.show()))
        if not NAME_RE.match(t.text):
            self.error(t.line, "bad %s '%s': names are lower-case C "
                       "identifiers ([a-z][a-z0-9_]*)" % (what, t.text))
        if t.text in C_WORDS:
            self.error(t.line, "'%s' is a C keyword, not a %s name" %
                       (t.text, what.split()[0]))
        return t

    def number(self, what, after):
        t = self.next()
        if t.kind != 'word' or not t.text[0].isdigit():
            self.error(t.line, 'expected %s %s, found %s' % (what, after,
                                                             t.show()))
        if not NUMBER_RE.match(t.text):
            self.error(t.line, "bad number '%s'" % t.text)
        return int(t.text, 0), t

    def doc_above(self, line):
        """The block of comment-only lines right above `line`."""
        out = []
        line -= 1
        while line in self.comments and self.comments[line][1]:
            out.insert(0, self.comments[line][0])
            line -= 1
        return ' '.join(s for s in out if s)

    def doc_after(self, line):
        c = self.comments.get(line)
        return c[0] if c and not c[1] else ''

    def parse(self):
        ifc = Interface(self.path)
        t = self.peek()
        if t.text != 'interface':
            self.error(t.line, "expected 'interface NAME' first, found %s" %
                       t.show())
        while True:
            self.skip_semicolons()
            t = self.peek()
            if t.kind == 'eof':
                break
            if t.text == 'interface':
                self.interface(ifc)
            elif t.text == 'message':
                ifc.messages.append(self.message())
            elif t.text == 'call':
                ifc.calls.append(self.call())
            else:
                self.error(t.line, "expected 'message' or 'call', found %s" %
                           t.show())
        return ifc

    def skip_semicolons(self):
        while self.peek().text == ';' and self.peek().kind == 'punct':
            self.next()

    def interface(self, ifc):
        t = self.next()
        if ifc.name is not None:
            self.error(t.line, 'a second interface in one file (the first, '
                       "'%s', is on line %d)" % (ifc.name, ifc.line))
        ifc.name = self.name('interface name', "after 'interface'").text
        ifc.line = t.line

    def message(self):
        t = self.next()
        name = self.name('message name', "after 'message'")
        self.expect('=', "and a type number after message '%s'" % name.text)
        number, nt = self.number('a type number',
                                 "after 'message %s ='" % name.text)
        if not 1 <= number <= 255:
            self.error(nt.line, "type number %d of message '%s' is out of "
                       "range 1..255" % (number, name.text))
        senders = self.senders(name.text)
        self.expect('{', "after 'message %s = %d'" % (name.text, number))
        m = Message(name.text, number, t.line, self.doc_above(t.line) or
                    self.doc_after(t.line))
        m.senders = senders
        while self.peek().text != '}' or self.peek().kind != 'punct':
            if self.peek().kind == 'eof':
                self.error(self.peek().line, "message '%s' (line %d) has no "
                           "closing '}'" % (m.name, m.line))
            m.fields.append(self.field(m))
        self.next()
        return m

    def senders(self, msg):
        """An optional `from SENDER...` after a message's type number."""
        if self.peek().kind != 'word' or self.peek().text != 'from':
            return []
        self.next()
        out = []
        while self.peek().kind == 'word':
            t = self.next()
            if t.text not in SENDERS:
                self.error(t.line, "unknown sender '%s' of message '%s' "
                           "(senders: %s)" % (t.text, msg, ' '.join(SENDERS)))
            if t.text in out:
                self.error(t.line, "sender '%s' named twice for message "
                           "'%s'" % (t.text, msg))
            out.append(t.text)
        if not out:
            self.error(self.peek().line, "expected a sender after 'from' in "
                       "message '%s', found %s" % (msg, self.peek().show()))
        return out

    def field(self, m):
        t = self.next()
        if t.kind != 'word':
            self.error(t.line, "expected a field type in message '%s', "
                       "found %s" % (m.name, t.show()))
        if t.text not in TYPES:
            self.error(t.line, "unknown type '%s' (types: %s)" %
                       (t.text, ' '.join(TYPES)))
        name = self.name('field name', "after type '%s'" % t.text)
        size = None
        if self.peek().text == '[':
            self.next()
            size, st = self.number('a maximum count',
                                   "in '%s[...]'" % name.text)
            if size < 1:
                self.error(st.line, "field '%s' has maximum size 0" %
                           name.text)
            self.expect(']', "after '%s[%d'" % (name.text, size))
        elif t.text in ('string', 'bytes'):
            self.error(name.line, "%s field '%s' needs a maximum size: "
                       "%s %s[N];" % (t.text, name.text, t.text, name.text))
        self.expect(';', "after field '%s'" % name.text)
        if t.text in ('string', 'bytes'):
            kind, type_ = t.text, None
        else:
            kind, type_ = ('scalar' if size is None else 'array'), t.text
        return Field(kind, type_, name.text, size, t.line,
                     self.doc_after(t.line))

    def call(self):
        t = self.next()
        name = self.name('call name', "after 'call'")
        self.expect('(', "after 'call %s'" % name.text)
        req = self.name('request message name', "in 'call %s('" % name.text)
        self.expect(')', "after 'call %s(%s'" % (name.text, req.text))
        self.expect('->', "and a reply message after 'call %s(%s)'" %
                    (name.text, req.text))
        rep = self.name('reply message name', "after '->'")
        return Call(name.text, req.text, rep.text, t.line,
                    self.doc_above(t.line) or self.doc_after(t.line))


def parse(path, text):
    """The syntax tree of the interface in text (path: the name errors
    and comments show); raises IfcError."""
    return Parser(path, text).parse()
