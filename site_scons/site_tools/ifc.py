# SPDX-License-Identifier: MIT
"""The interface compiler: message declarations (.if) -> C stubs.

    env.Interface('monitor.if') -> [build/.../monitor_if.c]

generates monitor_if.h and monitor_if.c in the calling SConscript's build
folder (a .if outside that SConscript's folder lands there by its base
name), appends that folder to env's CPPPATH, and returns a list holding the
.c node (a list of .if files: their .c nodes), ready for a source list:

    env.UserProgram('monitor.elf', ['main.c'] + env.Interface('monitor.if'))

Objects built from another environment need the folder on their own
CPPPATH. env.HostTest()/FuzzTarget() start from a fresh host environment
unless called on one, so a test does
    h = env.HostEnv(); h.HostTest('test_x', ['test_x.c'] + h.Interface(f))
A malformed .if fails its build step with `file:line: error: message`.

env.InterfaceRejectTests(files) registers one `scons test` test per file,
`ifc/bad/<name>`: it passes when the compiler rejects the file with an
error on the line, and containing the text, that the file's own comment
`# expect-error: LINE: TEXT` names.

The language (docs/interfaces.md has the full description):

    # comment to the end of the line
    interface monitor              # once, first; prefixes every C name
    message spawn_req = 1 {        # type number 1..255, unique
        u32 core;                  # u8 u16 u32 u64 i8 i16 i32 i64 bool
        string app[32];            # C string, at most 31 bytes + NUL
        bytes blob[200];           # opaque bytes, at most 200
        u64 list[8];               # up to 8 scalars
    }
    message spawn_reply = 2 { i32 err; u32 pid; }
    call spawn(spawn_req) -> spawn_reply

Names are lower-case C identifiers ([a-z][a-z0-9_]*). A message may be
empty. Messages named by a `call` get a first field `uint32_t call_id`.
`bytes d[N]` adds a member `uint16_t d_len`, an array `T a[N]` a member
`uint16_t a_count` (how many are used), just before it.
Comment lines right above a message or call, and a comment after a field
on its line, are copied into the generated header.

Wire format of a message body (the type number travels beside it, in the
transport's header): the fields in declaration order (call_id first),
packed, little-endian, no padding. bool is one byte, 0 or 1. string, bytes
and arrays are a u16 count (bytes or elements) followed by that many
bytes/elements; a string carries no NUL and may hold none. The body is
exactly as long as its fields: trailing bytes are an error. No message
may exceed IFC_MAX_MSG (1024) bytes marshalled; the compiler checks each
message's worst case.

Generated C, for interface P and message M (call C: request Q, reply R):
    struct P_M; enum P_msg_type { P_MSG_M = n }; P_M_MAX_SIZE, P_MAX_SIZE
    int P_M_marshal(const struct P_M *, uint8_t *buf, size_t cap)
    int P_M_unmarshal(const uint8_t *buf, size_t len, struct P_M *)
    int P_send_M(ifc_send_fn *send, void *tctx, const struct P_M *)
    struct P_handlers { int (*M)(void *ctx, const struct P_M *); }
    int P_dispatch(const struct P_handlers *, void *ctx, uint8_t type,
                   const uint8_t *buf, size_t len)
    const char *P_msg_name(uint8_t type)
    uint32_t P_next_call_id(uint32_t *seq)          (if there are calls)
    int P_call_id_of(uint8_t type, buf, len, uint32_t *call_id)
    int P_call_C(send, tctx, uint32_t *seq, struct P_Q *req)
    int P_reply_C(send, tctx, const struct P_Q *req, struct P_R *reply)
    int P_C_match(const struct P_Q *req, uint8_t type, buf, len,
                  struct P_R *reply)
The header documents each contract. The code is freestanding C11: it
includes only <stdint.h> <stddef.h> <stdbool.h> <string.h> (memcpy,
memset) and "abi/errors.h".
"""

import os
import re

from SCons.Script import Action, Builder

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


class IfcError(Exception):
    """A bad interface file: where and why."""

    def __init__(self, path, line, msg):
        Exception.__init__(self, msg)
        self.path = path
        self.line = line
        self.msg = msg

    def __str__(self):
        return '%s:%d: error: %s' % (self.path, self.line, self.msg)


# ------------------------------------------------------------------ parsing

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
        self.expect('{', "after 'message %s = %d'" % (name.text, number))
        m = Message(name.text, number, t.line, self.doc_above(t.line) or
                    self.doc_after(t.line))
        while self.peek().text != '}' or self.peek().kind != 'punct':
            if self.peek().kind == 'eof':
                self.error(self.peek().line, "message '%s' (line %d) has no "
                           "closing '}'" % (m.name, m.line))
            m.fields.append(self.field(m))
        self.next()
        return m

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


# ------------------------------------------------------------------ checking

def _check(ifc):
    """Meaning: unique names and numbers, calls resolve, sizes fit, no two
    generated C names collide."""
    def err(line, msg):
        raise IfcError(ifc.path, line, msg)

    if not ifc.messages:
        err(ifc.line, "interface '%s' declares no message" % ifc.name)
    by_name, by_number = {}, {}
    for m in ifc.messages:
        if m.name in by_name:
            err(m.line, "message '%s' is declared twice (first on line %d)"
                % (m.name, by_name[m.name].line))
        if m.number in by_number:
            o = by_number[m.number]
            err(m.line, "duplicate type number %d: message '%s' has it "
                "already (line %d)" % (m.number, o.name, o.line))
        by_name[m.name] = m
        by_number[m.number] = m
        members = {}
        for f in m.fields:
            for member in (f.name, f.counter()):
                if member is None:
                    continue
                if member in members:
                    err(f.line, "field '%s' of message '%s': struct member "
                        "'%s' exists already (line %d)" %
                        (f.name, m.name, member, members[member]))
                members[member] = f.line
    calls = {}
    for c in ifc.calls:
        if c.name in calls:
            err(c.line, "call '%s' is declared twice (first on line %d)" %
                (c.name, calls[c.name].line))
        calls[c.name] = c
        for role in ('req', 'rep'):
            mname = getattr(c, role)
            if mname not in by_name:
                err(c.line, "call '%s': unknown message '%s'" % (c.name,
                                                                 mname))
            setattr(c, role, by_name[mname])
        if c.req is c.rep:
            err(c.line, "call '%s': request and reply are the same message"
                " '%s'" % (c.name, c.req.name))
        c.req.has_call_id = c.rep.has_call_id = True
    for m in ifc.messages:
        for f in m.fields:
            if m.has_call_id and f.name == 'call_id':
                err(f.line, "field 'call_id' of message '%s': that name is "
                    "the call id every message of a call carries" % m.name)
        size = m.wire_max()
        if size > IFC_MAX_MSG:
            err(m.line, "message '%s' can be %d bytes marshalled; the limit "
                "is %d (IFC_MAX_MSG)" % (m.name, size, IFC_MAX_MSG))
    _check_symbols(ifc, err)


def _symbols(ifc):
    """Every name the generated code exports, with the line that makes it."""
    p, P = ifc.name, ifc.name.upper()
    out = [('struct %s_handlers' % p, ifc.line), (p + '_dispatch', ifc.line),
           (p + '_msg_name', ifc.line), ('enum %s_msg_type' % p, ifc.line),
           (P + '_MAX_SIZE', ifc.line)]
    if ifc.calls:
        out += [(p + '_next_call_id', ifc.line), (p + '_call_id_of', ifc.line)]
    for m in ifc.messages:
        n, N = m.name, m.name.upper()
        out += [('struct %s_%s' % (p, n), m.line),
                ('%s_MSG_%s' % (P, N), m.line),
                ('%s_%s_MAX_SIZE' % (P, N), m.line),
                ('%s_%s_marshal' % (p, n), m.line),
                ('%s_%s_unmarshal' % (p, n), m.line),
                ('%s_send_%s' % (p, n), m.line)]
    for c in ifc.calls:
        out += [('%s_call_%s' % (p, c.name), c.line),
                ('%s_reply_%s' % (p, c.name), c.line),
                ('%s_%s_match' % (p, c.name), c.line)]
    return out


def _check_symbols(ifc, err):
    seen = {}
    for sym, line in _symbols(ifc):
        if sym in seen:
            err(line, "generated name '%s' is made twice (also by line %d);"
                " rename one of them" % (sym, seen[sym]))
        seen[sym] = line


def parse(path, text, shown=None):
    """Parses and checks an interface; raises IfcError."""
    ifc = Parser(shown or path, text).parse()
    _check(ifc)
    return ifc


# ------------------------------------------------------------------ C output

def _comment(text):
    return text.replace('*/', '* /')


def _wrap(words, width=76):
    lines, cur = [], ''
    for w in words.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + ' ' + w) if cur else w
    if cur:
        lines.append(cur)
    return lines


def _block_comment(text, indent=''):
    lines = _wrap(_comment(text), 76 - len(indent.expandtabs()))
    if len(lines) == 1 and len(indent.expandtabs()) + len(lines[0]) < 74:
        return ['%s/* %s */' % (indent, lines[0])]
    return ([indent + '/*'] + ['%s * %s' % (indent, l) for l in lines] +
            [indent + ' */'])


def _signature(ret, name, params, end):
    """`ret name(params)end`, wrapped at 80 columns like clang-format
    (continuations aligned after the parenthesis with tabs then spaces)."""
    head = '%s %s(' % (ret, name) if not ret.endswith('*') else \
        '%s%s(' % (ret, name)
    col = len(head.expandtabs())
    pad = '\t' * (col // 8) + ' ' * (col % 8)
    lines, cur = [], head
    for i, p in enumerate(params):
        piece = p + (', ' if i + 1 < len(params) else ')' + end)
        if cur not in (head, pad) and \
                len(cur.expandtabs()) + len(piece.rstrip()) > 80:
            lines.append(cur.rstrip())
            cur = pad
        cur += piece
    lines.append(cur)
    return lines


def _times(expr, k):
    return expr if k == 1 else '%s * %d' % (expr, k)


# ---- bindings: client calls with deadlines, monitor relays (channels/)

class BindGen:
    """What the generated code adds for channels/binding.h and relay.h:
    P_bind_iface, P_set_call_id, and per call P_C_call (client: send and
    wait with a deadline) and P_C_relay (monitor: forward and remember).
    Mixed into Gen; uses its sname/tname/helpers."""

    def error_msg(self):
        """The interface's `error` message if it names a call (a u32
        call_id and an i32 err, after fixed-size fields only): (message,
        wire offset of call_id); else None."""
        for m in self.ifc.messages:
            if m.name != 'error' or m.has_call_id:
                continue
            names = {f.name: f for f in m.fields}
            cid, err = names.get('call_id'), names.get('err')
            if not (cid and err and cid.kind == 'scalar' and
                    cid.type == 'u32' and err.kind == 'scalar' and
                    err.type == 'i32'):
                return None
            off = 0
            for f in m.fields:
                if f is cid:
                    return m, off
                if f.kind != 'scalar':
                    return None
                off += SCALARS[f.type][1]
        return None

    def bind_protos(self):
        p = self.p
        o = ['/*',
             ' * Bindings (channels/binding.h, channels/relay.h).',
             ' * %s_bind_iface: which messages are replies, and the' % p,
             ' * interface\'s `error` answer if it names a call.',
             ' * %s_set_call_id: rewrite the call id of a reply (or of an'
             % p,
             ' * `error` answer) in its body; 0, E_NOENT (no call id),',
             ' * E_FORMAT (too short).',
             ' */',
             'struct relay_table;',
             'extern const struct bind_iface %s_bind_iface;' % p]
        o += _signature('int', '%s_set_call_id' % p,
                        ['uint8_t type', 'uint8_t *buf', 'size_t len',
                         'uint32_t call_id'], ';')
        o.append('')
        for c in self.ifc.calls:
            q, r = self.sname(c.req), self.sname(c.rep)
            o += ['/*',
                  ' * %s_%s_call (client): gives req a fresh call id, sends'
                  % (p, c.name),
                  ' * it on b and waits up to timeout_ns for its reply into',
                  ' * *reply (other threads run meanwhile). Returns 0 (the',
                  ' * reply is in *reply), E_TIMEOUT, E_FORMAT (a malformed',
                  ' * reply), the err of an `error` answer, or the send\'s.',
                  ' * %s_%s_relay (monitor): forwards req, which came on'
                  % (p, c.name),
                  ' * route from, on route to (send, tctx) with a fresh call',
                  ' * id, remembered in t with kind; 0, or why not (then',
                  ' * nothing is remembered and the caller answers req).',
                  ' */']
            o += _signature('int', '%s_%s_call' % (p, c.name),
                            ['struct binding *b', '%s *req' % q,
                             '%s *reply' % r, 'uint64_t timeout_ns'], ';')
            o += _signature('int', '%s_%s_relay' % (p, c.name),
                            ['struct relay_table *t', 'ifc_send_fn *send',
                             'void *tctx', 'int to', 'int from',
                             'const %s *req' % q, 'int kind'], ';')
            o.append('')
        return o

    def bind_defs(self):
        p = self.p
        self.helpers.update(['get_u32', 'put_u32'])
        replies = []
        for c in self.ifc.calls:
            if c.rep not in replies:
                replies.append(c.rep)
        o = ['/* reply_id_of: the call id of a reply (bind_iface) */',
             'static int reply_id_of(uint8_t type, const uint8_t *buf, '
             'size_t len,', '\t\t       uint32_t *id)', '{',
             '\tswitch (type) {']
        o += ['\tcase %s:' % self.tname(m) for m in replies]
        o += ['\t\tbreak;', '\tdefault:', '\t\treturn E_NOENT;', '\t}',
              '\tif (len < 4) {', '\t\treturn E_FORMAT;', '\t}',
              '\t*id = get_u32(buf);', '\treturn 0;', '}', '']
        em = self.error_msg()
        if em:
            m, _ = em
            o += ['/* error_of: an `error` answer\'s call id and err '
                  '(bind_iface) */',
                  'static int error_of(uint8_t type, const uint8_t *buf, '
                  'size_t len,', '\t\t    uint32_t *id, int *err)', '{',
                  '\t%s e;' % self.sname(m), '',
                  '\tif (type != %s ||' % self.tname(m),
                  '\t    %s_%s_unmarshal(buf, len, &e) < 0) {' % (p, m.name),
                  '\t\treturn E_NOENT;', '\t}',
                  '\t*id = e.call_id;', '\t*err = e.err;', '\treturn 0;',
                  '}', '']
        o += ['const struct bind_iface %s_bind_iface = {"%s", reply_id_of,'
              % (p, p), '\t\t\t\t\t%s};' % ('error_of' if em else '0'), '']
        o += _signature('int', '%s_set_call_id' % p,
                        ['uint8_t type', 'uint8_t *buf', 'size_t len',
                         'uint32_t call_id'], '')
        o += ['{', '\tsize_t at = 0;', '', '\tswitch (type) {']
        o += ['\tcase %s:' % self.tname(m) for m in self.ifc.messages
              if m.has_call_id]
        o += ['\t\tbreak;']
        if em:
            o += ['\tcase %s:' % self.tname(em[0]),
                  '\t\tat = %d;' % em[1], '\t\tbreak;']
        o += ['\tdefault:', '\t\treturn E_NOENT;', '\t}',
              '\tif (len < at + 4) {', '\t\treturn E_FORMAT;', '\t}',
              '\tput_u32(buf + at, call_id);', '\treturn 0;', '}', '']
        for c in self.ifc.calls:
            o += self.bind_call_fns(c)
        return o

    def bind_call_fns(self, c):
        p = self.p
        q, r = self.sname(c.req), self.sname(c.rep)
        un = '%s_%s_unmarshal_any' % (c.name, c.rep.name)
        o = ['static int %s(const uint8_t *buf, size_t len, void *m)' % un,
             '{',
             '\treturn %s_%s_unmarshal(buf, len, m);' % (p, c.rep.name),
             '}', '']
        o += _signature('int', '%s_%s_call' % (p, c.name),
                        ['struct binding *b', '%s *req' % q, '%s *reply' % r,
                         'uint64_t timeout_ns'], '')
        o += ['{', '\tstruct bind_call c;', '\tint r;', '',
              '\treq->call_id = bind_next_id(b);',
              '\tbind_call_start(b, &c, &%s_bind_iface, req->call_id,' % p,
              '\t\t\t%s, %s, reply);' % (self.tname(c.rep), un),
              '\tr = %s_send_%s(bind_send_fn, b, req);' % (p, c.req.name),
              '\tif (r < 0) {', '\t\tbind_call_cancel(b, &c);',
              '\t\treturn r;', '\t}',
              '\treturn bind_call_wait(b, &c, b->env->now_ns() + timeout_ns);',
              '}', '']
        o += _signature('int', '%s_%s_relay' % (p, c.name),
                        ['struct relay_table *t', 'ifc_send_fn *send',
                         'void *tctx', 'int to', 'int from',
                         'const %s *req' % q, 'int kind'], '')
        o += ['{', '\t%s fwd = *req;' % q, '\tint r;', '',
              '\tfwd.call_id = relay_next_id(t);',
              '\tr = relay_add(t, fwd.call_id, to, from, req->call_id,',
              '\t\t      %s, %s, kind);' % (self.tname(c.req),
                                             self.tname(c.rep)),
              '\tif (r < 0) {', '\t\treturn r;', '\t}',
              '\tr = %s_send_%s(send, tctx, &fwd);' % (p, c.req.name),
              '\tif (r < 0) {', '\t\trelay_drop(t, fwd.call_id);', '\t}',
              '\treturn r;', '}', '']
        return o


class Gen(BindGen):
    """Builds the header and the source of one checked interface."""

    def __init__(self, ifc, source_name):
        self.ifc = ifc
        self.p = ifc.name
        self.P = ifc.name.upper()
        self.src = source_name
        self.helpers = set()      # static helpers the .c uses

    def sname(self, m):
        return 'struct %s_%s' % (self.p, m.name)

    def tname(self, m):
        return '%s_MSG_%s' % (self.P, m.name.upper())

    def send_params(self):
        return ['ifc_send_fn *send', 'void *tctx']

    # ---- header

    def header(self):
        p, P = self.p, self.P
        o = ['/* SPDX-License-Identifier: MIT */',
             '/*',
             ' * Generated by site_scons/site_tools/ifc.py from %s;' % self.src,
             ' * edit that file, not this one. The language, the wire format',
             ' * and this API are described in docs/interfaces.md.',
             ' *',
             ' * Usage: the sender fills a struct and calls',
             ' * %s_send_<msg>() (or %s_<msg>_marshal() into a buffer of its'
             % (p, p),
             ' * own); the receiver hands each (type, body) it gets to',
             ' * %s_dispatch(), which checks the body whole before it calls'
             % p,
             ' * the handler. Functions return 0 or a length on success, a',
             ' * negative E_* on failure.',
             ' */',
             '#ifndef %s_IF_H' % P, '#define %s_IF_H' % P, '',
             '#include <stdbool.h>', '#include <stddef.h>',
             '#include <stdint.h>', '', '#include "abi/errors.h"', ''] + (
                 ['#include <channels/binding.h>', '']
                 if self.ifc.calls else []) + [
             '#ifndef IFC_COMMON_DEFINED', '#define IFC_COMMON_DEFINED',
             '/* No marshalled message of any interface is longer. */',
             '#define IFC_MAX_MSG %d' % IFC_MAX_MSG,
             '/*',
             ' * A transport: sends one whole message body of len bytes with'
             ' its',
             ' * type number; returns >= 0 or a negative E_*.',
             ' */',
             'typedef int ifc_send_fn(void *tctx, uint8_t type, '
             'const void *buf,',
             '\t\t\tsize_t len);',
             '#endif', '']
        o += ['/* Type numbers: the transport carries one beside each body. */',
              'enum %s_msg_type {' % p]
        o += ['\t%s = %d,' % (self.tname(m), m.number)
              for m in self.ifc.messages]
        o += ['};', '',
              '/* Largest marshalled size of each message, and of any. */',
              'enum {']
        o += ['\t%s_%s_MAX_SIZE = %d,' % (P, m.name.upper(), m.wire_max())
              for m in self.ifc.messages]
        o += ['\t%s_MAX_SIZE = %d,' % (P, max(m.wire_max()
                                              for m in self.ifc.messages)),
              '};', '']
        for m in self.ifc.messages:
            o += self.struct(m)
        o += self.message_protos()
        o += self.dispatch_protos()
        if self.ifc.calls:
            o += self.call_protos()
            o += self.bind_protos()
        o += ['#endif', '']
        return '\n'.join(o)

    def struct(self, m):
        o = _block_comment(m.comment) if m.comment else []
        o.append('%s {' % self.sname(m))
        if m.has_call_id:
            o.append('\tuint32_t call_id; /* pairs a reply with its request */')
        if not m.fields and not m.has_call_id:
            o.append('\tuint8_t _unused; /* C has no empty struct; not on '
                     'the wire */')
        for f in m.fields:
            o += self.member(f)
        o += ['};', '']
        return o

    def member(self, f):
        if f.kind == 'scalar':
            decls = [('%s %s;' % (SCALARS[f.type][0], f.name), f.comment)]
        elif f.kind == 'string':
            note = 'NUL-terminated, at most %d bytes' % (f.size - 1)
            decls = [('char %s[%d];' % (f.name, f.size), f.comment or note)]
        elif f.kind == 'bytes':
            decls = [('uint16_t %s;' % f.counter(),
                      'bytes used in %s, at most %d' % (f.name, f.size)),
                     ('uint8_t %s[%d];' % (f.name, f.size), f.comment)]
        else:
            decls = [('uint16_t %s;' % f.counter(),
                      'elements used in %s, at most %d' % (f.name, f.size)),
                     ('%s %s[%d];' % (SCALARS[f.type][0], f.name, f.size),
                      f.comment)]
        o = []
        for d, c in decls:
            line = '\t' + d
            if c:
                cm = ' /* %s */' % _comment(c)
                if len((line + cm).expandtabs()) <= 80:
                    line += cm
                else:
                    o += _block_comment(c, '\t')
            o.append(line)
        return o

    def message_protos(self):
        p = self.p
        o = ['/*',
             ' * <msg>_marshal: writes *m into buf (cap bytes) in the wire',
             ' * format; returns the length (0..<MSG>_MAX_SIZE), E_INVAL',
             ' * if a string is not NUL-terminated within its array or a',
             ' * count is over its maximum, E_TOOBIG if cap is too small.',
             ' * <msg>_unmarshal: reads exactly len bytes from buf into *m;',
             ' * returns 0, or E_FORMAT (truncated, trailing bytes, a count',
             ' * over its maximum, a NUL inside a string, a bool not 0 or 1),',
             ' * leaving *m zeroed. Unused array tails are zeroed too.',
             ' * %s_send_<msg>: marshals *m on the stack and passes it to'
             % p,
             ' * send; returns what send returns, or the marshal error',
             ' * without calling send.',
             ' * All are pure: any context, any core.',
             ' */']
        for m in self.ifc.messages:
            s = self.sname(m)
            o += _signature('int', '%s_%s_marshal' % (p, m.name),
                            ['const %s *m' % s, 'uint8_t *buf', 'size_t cap'],
                            ';')
            o += _signature('int', '%s_%s_unmarshal' % (p, m.name),
                            ['const uint8_t *buf', 'size_t len', '%s *m' % s],
                            ';')
            o += _signature('int', '%s_send_%s' % (p, m.name),
                            self.send_params() + ['const %s *m' % s], ';')
            o.append('')
        return o

    def dispatch_protos(self):
        p = self.p
        o = ['/*',
             ' * A receiver\'s handlers, one per message (NULL: not handled).',
             ' * A handler gets a checked, unmarshalled message that lives',
             ' * only during the call; what it returns, %s_dispatch returns.'
             % p, ' */',
             'struct %s_handlers {' % p]
        for m in self.ifc.messages:
            o += _signature('\tint', '(*%s)' % m.name,
                            ['void *ctx', 'const %s *m' % self.sname(m)],
                            ';')
        o += ['};', '',
              '/*',
              ' * %s_dispatch: unmarshals the body buf[0..len) of a message'
              % p,
              ' * of this type and calls its handler with ctx. Returns the',
              ' * handler\'s result; E_NOSYS for an unknown type or a NULL',
              ' * handler (h may be NULL), E_FORMAT for a malformed body',
              ' * (the handler is not called).',
              ' */']
        o += _signature('int', '%s_dispatch' % p,
                        ['const struct %s_handlers *h' % p, 'void *ctx',
                         'uint8_t type', 'const uint8_t *buf', 'size_t len'],
                        ';')
        o += ['', '/* %s_msg_name: the name of the message of this type, as'
              % p, ' * in the .if file; NULL for an unknown type. */']
        o += _signature('const char *', '%s_msg_name' % p, ['uint8_t type'],
                        ';')
        o.append('')
        return o

    def call_protos(self):
        p = self.p
        o = ['/*',
             ' * Calls: the request and the reply of a call carry a call_id,',
             ' * so a client with several requests out can pair each reply',
             ' * with its request. Call ids are never 0.',
             ' *',
             ' * %s_next_call_id: the next call id from the client\'s' % p,
             ' * counter *seq (start it at 0).',
             ' */',
             'static inline uint32_t %s_next_call_id(uint32_t *seq)' % p,
             '{',
             '\tif (++*seq == 0) {',
             '\t\t++*seq;',
             '\t}',
             '\treturn *seq;',
             '}',
             '',
             '/*',
             ' * %s_call_id_of: the call id in the body of a message of type'
             % p,
             ' * type, without checking the rest (for an error reply to a',
             ' * malformed request). Returns 0, E_NOENT if that type has no',
             ' * call id (or is unknown), E_FORMAT if len < 4.',
             ' */']
        o += _signature('int', '%s_call_id_of' % p,
                        ['uint8_t type', 'const uint8_t *buf', 'size_t len',
                         'uint32_t *call_id'], ';')
        o.append('')
        for c in self.ifc.calls:
            q, r = self.sname(c.req), self.sname(c.rep)
            o += ['/*']
            o += [' * ' + l for l in _wrap(_comment('call %s(%s) -> %s.%s' % (
                c.name, c.req.name, c.rep.name,
                (' ' + c.comment) if c.comment else '')), 73)]
            o += [' * %s_call_%s (client): gives req a fresh call id from *seq'
                  % (p, c.name),
                  ' * and sends it; returns what %s_send_%s returns.' % (
                      p, c.req.name),
                  ' * %s_reply_%s (server): copies req\'s call id into reply'
                  % (p, c.name),
                  ' * and sends it; returns what %s_send_%s returns.' % (
                      p, c.rep.name),
                  ' * %s_%s_match (client): is (type, buf, len) the reply to'
                  % (p, c.name),
                  ' * req? 0: yes, unmarshalled into *reply; E_NOENT: another',
                  ' * message (type or call id differs; *reply untouched);',
                  ' * E_FORMAT: req\'s reply, but malformed.',
                  ' */']
            o += _signature('int', '%s_call_%s' % (p, c.name),
                            self.send_params() + ['uint32_t *seq',
                                                  '%s *req' % q], ';')
            o += _signature('int', '%s_reply_%s' % (p, c.name),
                            self.send_params() + ['const %s *req' % q,
                                                  '%s *reply' % r], ';')
            o += _signature('int', '%s_%s_match' % (p, c.name),
                            ['const %s *req' % q, 'uint8_t type',
                             'const uint8_t *buf', 'size_t len',
                             '%s *reply' % r], ';')
            o.append('')
        return o

    # ---- source

    def source(self):
        body = []
        for m in self.ifc.messages:
            body += self.marshal(m)
            body += self.unmarshal(m)
            body += self.send(m)
        body += self.dispatch()
        body += self.msg_name()
        if self.ifc.calls:
            body += self.call_id_of()
            for c in self.ifc.calls:
                body += self.call_fns(c)
            body += self.bind_defs()
        o = ['/* SPDX-License-Identifier: MIT */',
             '/*',
             ' * Generated by site_scons/site_tools/ifc.py from %s;' % self.src,
             ' * edit that file, not this one. Marshalling, unmarshalling and',
             ' * dispatch of interface %s (wire format: docs/interfaces.md).'
             % self.p,
             ' * Unmarshalling trusts nothing in the body: every length is',
             ' * checked against both its maximum and the bytes left.',
             ' */',
             '#include <string.h>', ''] + (
                 ['#include <channels/relay.h>', '']
                 if self.ifc.calls else []) + [
             '#include "%s_if.h"' % os.path.splitext(
                 os.path.basename(self.src))[0], '']
        o += self.helper_defs()
        o += body
        while o and o[-1] == '':
            o.pop()
        return '\n'.join(o) + '\n'

    def helper_defs(self):
        need = set(self.helpers)
        if 'get_u64' in need:
            need.add('get_u32')
        if 'put_u64' in need:
            need.add('put_u32')
        defs = [
            ('put_u16', ['static void put_u16(uint8_t *p, uint16_t v)', '{',
                         '\tp[0] = (uint8_t)v;', '\tp[1] = (uint8_t)(v >> 8);',
                         '}']),
            ('put_u32', ['static void put_u32(uint8_t *p, uint32_t v)', '{',
                         '\tput_u16(p, (uint16_t)v);',
                         '\tput_u16(p + 2, (uint16_t)(v >> 16));', '}']),
            ('put_u64', ['static void put_u64(uint8_t *p, uint64_t v)', '{',
                         '\tput_u32(p, (uint32_t)v);',
                         '\tput_u32(p + 4, (uint32_t)(v >> 32));', '}']),
            ('get_u16', ['static uint16_t get_u16(const uint8_t *p)', '{',
                         '\treturn (uint16_t)(p[0] | (uint16_t)(p[1] << 8));',
                         '}']),
            ('get_u32', ['static uint32_t get_u32(const uint8_t *p)', '{',
                         '\treturn (uint32_t)get_u16(p) |',
                         '\t       (uint32_t)get_u16(p + 2) << 16;', '}']),
            ('get_u64', ['static uint64_t get_u64(const uint8_t *p)', '{',
                         '\treturn (uint64_t)get_u32(p) |',
                         '\t       (uint64_t)get_u32(p + 4) << 32;', '}']),
            ('str_span', [
                '/* Bytes before the first NUL in s[0..max), or max. */',
                'static size_t str_span(const char *s, size_t max)', '{',
                '\tsize_t n = 0;', '',
                "\twhile (n < max && s[n] != '\\0') {", '\t\tn++;', '\t}',
                '\treturn n;', '}']),
        ]
        if 'put_u32' in need:
            need.add('put_u16')
        if 'get_u32' in need:
            need.add('get_u16')
        o = ['/* Little-endian, any alignment. */'] if need - {'str_span'} \
            else []
        for name, lines in defs:
            if name in need:
                o += lines + ['']
        return o

    def members(self, m):
        """The fields on the wire: the call id first, if any."""
        out = []
        if m.has_call_id:
            out.append(Field('scalar', 'u32', 'call_id', None, m.line, ''))
        return out + m.fields

    # marshal

    def put_scalar(self, type_, expr, at):
        size = SCALARS[type_][1]
        if type_ == 'bool':
            return 'buf[%s] = %s ? 1 : 0;' % (at, expr)
        if size == 1:
            return 'buf[%s] = (uint8_t)%s;' % (at, expr)
        self.helpers.add('put_u%d' % (size * 8))
        if type_.startswith('i'):
            expr = '(uint%d_t)%s' % (size * 8, expr)
        return 'put_u%d(buf + %s, %s);' % (size * 8, at, expr)

    def marshal(self, m):
        fields = self.members(m)
        o = _signature('int', '%s_%s_marshal' % (self.p, m.name),
                       ['const %s *m' % self.sname(m), 'uint8_t *buf',
                        'size_t cap'], '')
        o.append('{')
        if not fields:
            o += ['\t(void)m;', '\t(void)buf;', '\t(void)cap;', '\treturn 0;',
                  '}', '']
            return o
        strings = [f for f in fields if f.kind == 'string']
        fixed = sum(f.wire_max() if f.kind == 'scalar' else PREFIX_BYTES
                    for f in fields)
        arrays = [f for f in fields if f.kind == 'array']
        for f in strings:
            self.helpers.add('str_span')
            o.append('\tsize_t %s_len = str_span(m->%s, sizeof(m->%s));' %
                     (f.name, f.name, f.name))
        o.append('\tsize_t n = %d;' % fixed)
        o.append('\tsize_t off = 0;')
        if arrays:
            o.append('\tsize_t i;')
        o.append('')
        var = [f for f in fields if f.kind != 'scalar']
        for f in var:
            if f.kind == 'string':
                cond = '%s_len == sizeof(m->%s)' % (f.name, f.name)
            else:
                cond = 'm->%s > %d' % (f.counter(), f.size)
            o += ['\tif (%s) {' % cond, '\t\treturn E_INVAL;', '\t}']
        for f in var:
            if f.kind == 'string':
                o.append('\tn += %s_len;' % f.name)
            elif f.kind == 'bytes':
                o.append('\tn += m->%s;' % f.counter())
            else:
                o.append('\tn += %s;' % _times('(size_t)m->' + f.counter(),
                                               SCALARS[f.type][1]))
        o += ['\tif (n > cap) {', '\t\treturn E_TOOBIG;', '\t}']
        for f in fields:
            o += ['\t' + s for s in self.put_field(f)]
        o += ['\treturn (int)n;', '}', '']
        return o

    def put_field(self, f):
        if f.kind == 'scalar':
            size = SCALARS[f.type][1]
            return [self.put_scalar(f.type, 'm->' + f.name, 'off'),
                    'off += %d;' % size]
        self.helpers.add('put_u16')
        if f.kind in ('string', 'bytes'):
            n = ('%s_len' % f.name if f.kind == 'string'
                 else 'm->' + f.counter())
            return ['put_u16(buf + off, (uint16_t)%s);' % n, 'off += 2;',
                    'memcpy(buf + off, m->%s, %s);' % (f.name, n),
                    'off += %s;' % n]
        size = SCALARS[f.type][1]
        return ['put_u16(buf + off, m->%s);' % f.counter(), 'off += 2;',
                'for (i = 0; i < m->%s; i++) {' % f.counter(),
                '\t' + self.put_scalar(f.type, 'm->%s[i]' % f.name, 'off'),
                '\toff += %d;' % size, '}']

    # unmarshal

    def get_scalar(self, type_, at):
        size = SCALARS[type_][1]
        if size == 1:
            raw = 'buf[%s]' % at
        else:
            self.helpers.add('get_u%d' % (size * 8))
            raw = 'get_u%d(buf + %s)' % (size * 8, at)
        if type_.startswith('i'):
            return '(int%d_t)%s' % (size * 8, raw)
        return raw

    def get_value(self, type_, lhs, at):
        if type_ == 'bool':
            return ['if (buf[%s] > 1) {' % at, '\tgoto bad;', '}',
                    '%s = buf[%s] == 1;' % (lhs, at)]
        return ['%s = %s;' % (lhs, self.get_scalar(type_, at))]

    def unmarshal(self, m):
        fields = self.members(m)
        o = _signature('int', '%s_%s_unmarshal' % (self.p, m.name),
                       ['const uint8_t *buf', 'size_t len',
                        '%s *m' % self.sname(m)], '')
        o.append('{')
        if not fields:
            o += ['\t(void)buf;', '\tmemset(m, 0, sizeof(*m));',
                  '\treturn len == 0 ? 0 : E_FORMAT;', '}', '']
            return o
        o.append('\tsize_t off = 0;')
        if any(f.kind != 'scalar' for f in fields):
            o.append('\tsize_t n;')
        if any(f.kind == 'array' for f in fields):
            o.append('\tsize_t i;')
        o += ['', '\tmemset(m, 0, sizeof(*m));']
        i = 0
        while i < len(fields):
            f = fields[i]
            if f.kind != 'scalar':
                o += ['\t' + s for s in self.get_var(f)]
                i += 1
                continue
            run = []
            while i < len(fields) and fields[i].kind == 'scalar':
                run.append(fields[i])
                i += 1
            o += ['\t' + s for s in self.get_run(run)]
        o += ['\tif (off != len) {', '\t\tgoto bad;', '\t}', '\treturn 0;',
              'bad:', '\tmemset(m, 0, sizeof(*m));', '\treturn E_FORMAT;',
              '}', '']
        return o

    def get_run(self, run):
        """A run of scalars: one length check, then each at its offset."""
        total = sum(SCALARS[f.type][1] for f in run)
        o = ['if (len - off < %d) {' % total, '\tgoto bad;', '}']
        at = 0
        for f in run:
            o += self.get_value(f.type, 'm->' + f.name,
                                'off + %d' % at if at else 'off')
            at += SCALARS[f.type][1]
        o.append('off += %d;' % total)
        return o

    def get_var(self, f):
        self.helpers.add('get_u16')
        o = ['if (len - off < 2) {', '\tgoto bad;', '}',
             'n = get_u16(buf + off);', 'off += 2;']
        if f.kind == 'string':
            self.helpers.add('str_span')
            o += ['if (n >= sizeof(m->%s) || len - off < n ||' % f.name,
                  '    str_span((const char *)buf + off, n) != n) {',
                  '\tgoto bad;', '}',
                  'memcpy(m->%s, buf + off, n);' % f.name, 'off += n;']
        elif f.kind == 'bytes':
            o += ['if (n > %d || len - off < n) {' % f.size, '\tgoto bad;',
                  '}', 'memcpy(m->%s, buf + off, n);' % f.name,
                  'm->%s = (uint16_t)n;' % f.counter(), 'off += n;']
        else:
            size = SCALARS[f.type][1]
            o += ['if (n > %d || len - off < %s) {' % (f.size,
                                                      _times('n', size)),
                  '\tgoto bad;', '}',
                  'm->%s = (uint16_t)n;' % f.counter(),
                  'for (i = 0; i < n; i++) {']
            o += ['\t' + s for s in self.get_value(
                f.type, 'm->%s[i]' % f.name, 'off')]
            o += ['\toff += %d;' % size, '}']
        return o

    # send, dispatch, names

    def send(self, m):
        o = _signature('int', '%s_send_%s' % (self.p, m.name),
                       self.send_params() + ['const %s *m' % self.sname(m)],
                       '')
        o += ['{',
              # An empty message still passes a valid, initialised buffer.
              ('\tuint8_t buf[%d];' % m.wire_max() if m.wire_max()
               else '\tuint8_t buf[1] = {0};'),
              '\tint n = %s_%s_marshal(m, buf, sizeof(buf));' % (self.p,
                                                               m.name),
              '', '\tif (n < 0) {', '\t\treturn n;', '\t}',
              '\treturn send(tctx, %s, buf, (size_t)n);' % self.tname(m),
              '}', '']
        return o

    def dispatch(self):
        p = self.p
        o = _signature('int', '%s_dispatch' % p,
                       ['const struct %s_handlers *h' % p, 'void *ctx',
                        'uint8_t type', 'const uint8_t *buf', 'size_t len'],
                       '')
        o += ['{',
              '\t/* One message at a time: share the space. */',
              '\tunion {']
        o += ['\t\t%s %s;' % (self.sname(m), m.name)
              for m in self.ifc.messages]
        o += ['\t} u;', '\tint err;', '',
              '\tif (h == NULL) {', '\t\treturn E_NOSYS;', '\t}',
              '\tswitch (type) {']
        for m in self.ifc.messages:
            o += ['\tcase %s:' % self.tname(m),
                  '\t\tif (h->%s == NULL) {' % m.name,
                  '\t\t\treturn E_NOSYS;', '\t\t}']
            o += ['\t\t' + s for s in _signature(
                'err =', '%s_%s_unmarshal' % (p, m.name),
                ['buf', 'len', '&u.%s' % m.name], ';')]
            o += ['\t\tif (err < 0) {', '\t\t\treturn err;', '\t\t}',
                  '\t\treturn h->%s(ctx, &u.%s);' % (m.name, m.name)]
        o += ['\tdefault:', '\t\treturn E_NOSYS;', '\t}', '}', '']
        return o

    def msg_name(self):
        o = ['const char *%s_msg_name(uint8_t type)' % self.p, '{',
             '\tswitch (type) {']
        for m in self.ifc.messages:
            o += ['\tcase %s:' % self.tname(m),
                  '\t\treturn "%s";' % m.name]
        o += ['\tdefault:', '\t\treturn NULL;', '\t}', '}', '']
        return o

    def call_id_of(self):
        self.helpers.add('get_u32')
        o = _signature('int', '%s_call_id_of' % self.p,
                       ['uint8_t type', 'const uint8_t *buf', 'size_t len',
                        'uint32_t *call_id'], '')
        o += ['{', '\tswitch (type) {']
        o += ['\tcase %s:' % self.tname(m) for m in self.ifc.messages
              if m.has_call_id]
        o += ['\t\tbreak;', '\tdefault:', '\t\treturn E_NOENT;', '\t}',
              '\tif (len < 4) {', '\t\treturn E_FORMAT;', '\t}',
              '\t*call_id = get_u32(buf);', '\treturn 0;', '}', '']
        return o

    def call_fns(self, c):
        p = self.p
        q, r = self.sname(c.req), self.sname(c.rep)
        o = _signature('int', '%s_call_%s' % (p, c.name),
                       self.send_params() + ['uint32_t *seq', '%s *req' % q],
                       '')
        o += ['{', '\treq->call_id = %s_next_call_id(seq);' % p,
              '\treturn %s_send_%s(send, tctx, req);' % (p, c.req.name),
              '}', '']
        o += _signature('int', '%s_reply_%s' % (p, c.name),
                        self.send_params() + ['const %s *req' % q,
                                              '%s *reply' % r], '')
        o += ['{', '\treply->call_id = req->call_id;',
              '\treturn %s_send_%s(send, tctx, reply);' % (p, c.rep.name),
              '}', '']
        o += _signature('int', '%s_%s_match' % (p, c.name),
                        ['const %s *req' % q, 'uint8_t type',
                         'const uint8_t *buf', 'size_t len',
                         '%s *reply' % r], '')
        o += ['{', '\tif (type != %s) {' % self.tname(c.rep),
              '\t\treturn E_NOENT;', '\t}',
              '\tif (len < 4) {', '\t\treturn E_FORMAT;', '\t}',
              '\tif (get_u32(buf) != req->call_id) {',
              '\t\treturn E_NOENT;', '\t}',
              '\treturn %s_%s_unmarshal(buf, len, reply);' % (p, c.rep.name),
              '}', '']
        return o


def compile_text(path, text, shown=None):
    """Returns (header, source) for the interface in text; raises
    IfcError. shown is the path used in messages and comments."""
    ifc = parse(path, text, shown)
    g = Gen(ifc, shown or path)
    src = g.source()           # first: it records the helpers it uses
    return g.header(), src


def compile_file(path, shown=None):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise IfcError(shown or path, 1, 'not UTF-8 text (%s)' % e.reason)
    return compile_text(path, text, shown)


# ------------------------------------------------------------------ SCons

def _shown(env, node):
    path = node.srcnode().abspath
    try:
        return os.path.relpath(path, env.Dir('#').abspath)
    except ValueError:
        return path


def _ifc_action(target, source, env):
    src = source[0].srcnode()
    shown = _shown(env, src)
    try:
        header, code = compile_file(src.abspath, shown)
    except IfcError as e:
        return str(e)              # fails the step with this as its error
    except OSError as e:
        return '%s: error: %s' % (shown, e.strerror or e)
    for node, text in ((target[0], code), (target[1], header)):
        with open(node.abspath, 'w') as f:
            f.write(text)
    return 0


def _emitter(target, source, env):
    t = target[0]
    return [t, t.dir.File(os.path.splitext(t.name)[0] + '.h')], source


def _interface(env, source):
    """env.Interface('foo.if') -> [foo_if.c]; see the module's docstring.
    A list of .if files gives the list of their .c nodes."""
    out = []
    for s in env.Flatten([source]):
        out += _interface_one(env, env.File(s) if isinstance(s, str) else s)
    return out


def _interface_one(env, src):
    here = env.Dir('.')
    here_src = here.srcnode()
    s = src.srcnode()
    if s.is_under(here_src):
        rel = s.get_path(here_src)
    else:
        rel = s.name
    out = here if here is not here_src else env.Dir('#build/ifc')
    base = os.path.splitext(rel)[0] + '_if'
    c_node = out.File(base + '.c')
    nodes = env.IfcCompile([c_node], src)
    env.Depends(nodes, env.File(os.path.abspath(__file__)))
    env.AppendUnique(CPPPATH=[c_node.dir])
    return [nodes[0]]


def _reject_check(path, shown):
    """Runs at `scons test` time: (ok, reason) for one bad .if file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'#\s*expect-error:\s*(\d+)\s*:\s*(.*\S)', text)
    if not m:
        return False, ("%s has no '# expect-error: LINE: TEXT' comment" %
                       shown)
    line, want = int(m.group(1)), m.group(2)
    try:
        compile_text(path, text, shown)
    except IfcError as e:
        if e.line != line or want.lower() not in e.msg.lower():
            return False, ('wanted line %d with "%s"; got: %s' %
                           (line, want, e))
        return True, ''
    return False, 'accepted; wanted line %d with "%s"' % (line, want)


def _interface_reject_tests(env, files):
    from ostest import PLAN
    for f in sorted(env.Flatten([files]), key=str):
        node = (env.File(f) if isinstance(f, str) else f).srcnode()
        shown = _shown(env, node)
        name = 'ifc/bad/' + os.path.splitext(node.name)[0]
        PLAN.checks.append((name, lambda p=node.abspath, s=shown:
                            _reject_check(p, s)))


def generate(env):
    env['BUILDERS']['IfcCompile'] = Builder(
        action=Action(_ifc_action,
                      None if env.get('VERBOSE') else 'IFC     $SOURCE'),
        emitter=_emitter, src_suffix='.if', suffix='_if.c')
    env.AddMethod(_interface, 'Interface')
    env.AddMethod(_interface_reject_tests, 'InterfaceRejectTests')


def exists(env):
    return True
