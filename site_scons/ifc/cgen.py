# SPDX-License-Identifier: MIT
"""The C back end: a checked Interface -> the text of P_if.h and P_if.c.

generate(ifc, source_name) returns (header, source). Gen makes them, one
method per generated piece: the header's parts (preamble, type numbers,
one struct per message, prototypes of each group) and, in the source, one
function per method (P_M_marshal, P_M_unmarshal, P_send_M, P_dispatch,
P_msg_name, P_call_id_of, P_call_C, P_reply_C, P_C_match; and, in
cbind.py, the bindings' P_bind_iface, P_set_call_id, P_C_call and
P_C_relay). The source
methods record in Gen.helpers the static helpers (get_u16, put_u32,
str_span, ...) their code calls; helper_defs() emits just those.

To add a generated piece: a method that returns its lines (with a trailing
''), called from header() or source() in the place it belongs, and its
exported names in symbols() so that checks.py rejects an interface whose
names would collide. The text is C11 in the house style (tabs, 80
columns: _signature wraps parameter lists like clang-format).
"""

import os

from .cbind import BindGen
from .syntax import IFC_MAX_MSG, PREFIX_BYTES, SCALARS, SENDERS, Field

# A ring slot's payload (channels/ring.h, RING_PAYLOAD): a message no longer
# is marshalled straight into the slot when sent on a binding.
RING_PAYLOAD = 56


def symbols(ifc):
    """Every name the generated code exports, with the line that makes it."""
    p, P = ifc.name, ifc.name.upper()
    out = [('struct %s_handlers' % p, ifc.line), (p + '_dispatch', ifc.line),
           (p + '_dispatch_from', ifc.line), (p + '_may_send', ifc.line),
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
    if ifc.calls:
        out += [(p + '_bind_iface', ifc.line), (p + '_set_call_id', ifc.line)]
    for c in ifc.calls:
        out += [('%s_call_%s' % (p, c.name), c.line),
                ('%s_reply_%s' % (p, c.name), c.line),
                ('%s_%s_match' % (p, c.name), c.line),
                ('%s_%s_call' % (p, c.name), c.line),
                ('%s_%s_relay' % (p, c.name), c.line)]
    return out


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
        o = self.banner()
        o += self.type_numbers()
        for m in self.ifc.messages:
            o += self.struct(m)
        o += self.message_protos()
        o += self.dispatch_protos()
        if self.ifc.calls:
            o += self.call_common_protos()
            for c in self.ifc.calls:
                o += self.call_protos(c)
            o += self.bind_protos()
        o += ['#endif', '']
        return '\n'.join(o)

    def banner(self):
        """The header's first lines: what it is, the include guard, the
        includes and what every interface's header shares."""
        p, P = self.p, self.P
        return ['/* SPDX-License-Identifier: MIT */',
             '/*',
             ' * Generated by site_scons/ifc/cgen.py from %s;' % self.src,
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
             '/* Who sent a message, as its receiver knows it (P_dispatch_from).'
             ' */',
             'enum ifc_sender {'] + [
                 '\tIFC_FROM_%s = %d,' % (n.upper(), 1 << i)
                 for i, n in enumerate(SENDERS)] + [
             '};',
             '#endif', '']

    def type_numbers(self):
        """The enum of type numbers and the marshalled size limits."""
        p, P = self.p, self.P
        o = ['/* Type numbers: the transport carries one beside each body. */',
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
        return o

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
             ' * leaving *m zeroed. On success every byte of *m is written:',
             ' * the fields, and zero in the unused tails of strings, bytes',
             ' * and arrays and in the padding; nothing of *m\'s old bytes',
             ' * remains.',
             ' * %s_send_<msg>: marshals *m on the stack and passes it to'
             % p,
             ' * send; returns what send returns, or the marshal error',
             ' * without calling send. With send == bind_send_fn (tctx a',
             ' * struct binding *) a message that fits one ring slot is',
             ' * marshalled straight into the slot instead (bind_reserve,',
             ' * bind_commit: no copy), when the ring has room.',
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
             ' * only during the call (it must not write to it: the',
             ' * dispatcher keeps it for the next message of its type);',
             ' * what it returns, %s_dispatch returns.' % p, ' */',
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
        o += ['', '/*',
              ' * %s_dispatch_from: %s_dispatch for a message from sender'
              % (p, p),
              ' * (an IFC_FROM_* bit): E_PERM, and no handler runs, when the',
              ' * .if file says `from ...` for its type and sender is not',
              ' * among them. %s_may_send: that check alone (0 or E_PERM).'
              % p, ' */']
        o += _signature('int', '%s_dispatch_from' % p,
                        ['const struct %s_handlers *h' % p, 'void *ctx',
                         'unsigned sender', 'uint8_t type',
                         'const uint8_t *buf', 'size_t len'], ';')
        o += _signature('int', '%s_may_send' % p,
                        ['unsigned sender', 'uint8_t type'], ';')
        o += ['', '/* %s_msg_name: the name of the message of this type, as'
              % p, ' * in the .if file; NULL for an unknown type. */']
        o += _signature('const char *', '%s_msg_name' % p, ['uint8_t type'],
                        ';')
        o.append('')
        return o

    def call_common_protos(self):
        """P_next_call_id (inline) and P_call_id_of: for every call."""
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
        return o

    def call_protos(self, c):
        """The contract and prototypes of one call's functions."""
        p = self.p
        q, r = self.sname(c.req), self.sname(c.rep)
        o = ['/*']
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
                body += self.call_fn(c)
                body += self.reply_fn(c)
                body += self.match_fn(c)
            body += self.bind_defs()
        o = ['/* SPDX-License-Identifier: MIT */',
             '/*',
             ' * Generated by site_scons/ifc/cgen.py from %s;' % self.src,
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

    def layout(self, m):
        """The C members of struct P_M in order, as (name, size, align)
        (x86-64 and host ABI: a scalar's alignment is its size)."""
        out = []
        if m.has_call_id:
            out.append(('call_id', 4, 4))
        if not m.fields and not m.has_call_id:
            out.append(('_unused', 1, 1))
        for f in m.fields:
            if f.kind == 'scalar':
                k = SCALARS[f.type][1]
                out.append((f.name, k, k))
            elif f.kind == 'string':
                out.append((f.name, f.size, 1))
            elif f.kind == 'bytes':
                out += [(f.counter(), 2, 2), (f.name, f.size, 1)]
            else:
                k = SCALARS[f.type][1]
                out += [(f.counter(), 2, 2), (f.name, f.size * k, k)]
        return out

    def offsets(self, m):
        """The layout with offsets: [(name, offset, size)], and the
        struct's size."""
        out, off, align = [], 0, 1
        for name, size, al in self.layout(m):
            off = (off + al - 1) // al * al
            out.append((name, off, size))
            off, align = off + size, max(align, al)
        return out, (off + align - 1) // align * align

    def gaps(self, m):
        """The padding of struct P_M: [(offset, length, member before)];
        layout_check() holds the compiler to it."""
        lay, total = self.offsets(m)
        ends = [(o + n, name) for name, o, n in lay]
        starts = [o for _, o, _ in lay[1:]] + [total]
        return [(end, start - end, name)
                for (end, name), start in zip(ends, starts) if start > end]

    def layout_check(self, m):
        """The offset of every member and the size of struct P_M, as the
        padding that unmarshal zeroes assumes them."""
        s = self.sname(m)
        lay, total = self.offsets(m)
        parts = ['sizeof(%s) == %d' % (s, total)]
        parts += ['offsetof(%s, %s) == %d' % (s, name, off)
                  for name, off, _ in lay]
        o = ['/* the layout whose padding %s_%s_unmarshal zeroes */' % (
            self.p, m.name), '_Static_assert(' + parts[0] + ' &&']
        o += ['\t       %s &&' % x for x in parts[1:]]
        o[-1] = o[-1][:-3] + ','
        return o + ['\t       "%s: the padding cgen.py zeroes");' % s, '']

    def pad_zero(self, m):
        """Statements that zero the padding of *m (a constant size each:
        inlined, whatever -fno-builtin says)."""
        return ['__builtin_memset((uint8_t *)m + %d, 0, %d); /* after %s */'
                % g for g in self.gaps(m)]

    def unmarshal(self, m):
        o = self.layout_check(m) if self.gaps(m) else []
        o += _signature('int', '%s_%s_unmarshal' % (self.p, m.name),
                        ['const uint8_t *buf', 'size_t len',
                         '%s *m' % self.sname(m)], '')
        return o + self.unmarshal_body(m, False)

    def has_tails(self, m):
        return any(f.kind != 'scalar' for f in m.fields)

    def unmarshal_kept(self, m):
        """M_unmarshal_kept: P_M_unmarshal into a struct whose bytes past
        each length are zero already (P_dispatch's kept): it zeroes only
        what the last message used past the new lengths."""
        o = ['/*',
             ' * %s_unmarshal_kept: %s_%s_unmarshal into *m, which holds a'
             % (m.name, self.p, m.name),
             ' * message this function or memset left (every byte past each',
             ' * length is zero): zeroes only the bytes the old message used',
             ' * past the new lengths. The same checks; *m all zero on',
             ' * error.',
             ' */']
        o += _signature('static int', '%s_unmarshal_kept' % m.name,
                        ['const uint8_t *buf', 'size_t len',
                         '%s *m' % self.sname(m)], '')
        return o + self.unmarshal_body(m, True)

    def unmarshal_body(self, m, kept):
        fields = self.members(m)
        o = ['{']
        if not fields:
            o += ['\t(void)buf;', '\tm->_unused = 0;',
                  '\treturn len == 0 ? 0 : E_FORMAT;', '}', '']
            return o
        o.append('\tsize_t off = 0;')
        if any(f.kind != 'scalar' for f in fields):
            o.append('\tsize_t n;')
        if kept and any(f.kind != 'scalar' for f in fields):
            o.append('\tsize_t old;')
        if any(f.kind == 'array' for f in fields):
            o.append('\tsize_t i;')
        o.append('')
        i = 0
        while i < len(fields):
            f = fields[i]
            if f.kind != 'scalar':
                o += ['\t' + s for s in self.get_var(f, kept)]
                i += 1
                continue
            run = []
            while i < len(fields) and fields[i].kind == 'scalar':
                run.append(fields[i])
                i += 1
            o += ['\t' + s for s in self.get_run(run)]
        o += ['\tif (off != len) {', '\t\tgoto bad;', '\t}']
        o += ['\t' + s for s in self.pad_zero(m)]
        o += ['\treturn 0;',
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

    def tail(self, f, kept):
        """Zero what of f's array the message does not use: all of it
        past n, or (kept) only up to what the last message used, old."""
        if f.kind == 'array':
            dst = '&m->%s[n]' % f.name
            whole = '(%d - n) * sizeof(m->%s[0])' % (f.size, f.name)
            part = '(old - n) * sizeof(m->%s[0])' % f.name
        else:
            dst = 'm->%s + n' % f.name
            whole = 'sizeof(m->%s) - n' % f.name
            part = 'old - n'
        if not kept:
            return ['memset(%s, 0, %s);' % (dst, whole)]
        return ['if (old > n) {', '\tmemset(%s, 0, %s);' % (dst, part), '}']

    def old_len(self, f):
        """(kept) what of f the last message used: its length, at most
        the array's (kept is ours, but a bound costs nothing)."""
        if f.kind == 'string':
            self.helpers.add('str_span')
            return ['old = str_span(m->%s, sizeof(m->%s));' % (f.name,
                                                               f.name)]
        return ['old = m->%s > %d ? %d : m->%s;' % (
            f.counter(), f.size, f.size, f.counter())]

    def get_var(self, f, kept=False):
        self.helpers.add('get_u16')
        o = ['if (len - off < 2) {', '\tgoto bad;', '}',
             'n = get_u16(buf + off);', 'off += 2;']
        if kept:
            o += self.old_len(f)
        if f.kind == 'string':
            self.helpers.add('str_span')
            o += ['if (n >= sizeof(m->%s) || len - off < n ||' % f.name,
                  '    str_span((const char *)buf + off, n) != n) {',
                  '\tgoto bad;', '}',
                  'memcpy(m->%s, buf + off, n);' % f.name]
            o += self.tail(f, kept)
            o.append('off += n;')
        elif f.kind == 'bytes':
            o += ['if (n > %d || len - off < n) {' % f.size, '\tgoto bad;',
                  '}', 'memcpy(m->%s, buf + off, n);' % f.name]
            o += self.tail(f, kept)
            o += ['m->%s = (uint16_t)n;' % f.counter(), 'off += n;']
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
            o += self.tail(f, kept)
        return o

    # send, dispatch, names

    def send(self, m):
        o = _signature('int', '%s_send_%s' % (self.p, m.name),
                       self.send_params() + ['const %s *m' % self.sname(m)],
                       '')
        marshal = '%s_%s_marshal' % (self.p, m.name)
        # An empty message still passes a valid, initialised buffer.
        o += ['{', ('\tuint8_t buf[%d];' % m.wire_max() if m.wire_max()
                    else '\tuint8_t buf[1] = {0};')]
        if not self.ifc.calls:
            # no binding (channels/binding.h) to send on
            o += ['\tint n = %s(m, buf, sizeof(buf));' % marshal, '']
        else:
            # A binding with room: marshal straight into its ring slot
            # (bind_reserve; no copy), when the message fits one.
            fits = m.wire_max() <= RING_PAYLOAD
            o += ['\tuint8_t *slot;', '\tint n;', '',
                  '\t/* a binding with room: marshal straight into its '
                  'ring slot */',
                  '\tif (send == bind_send_fn &&',
                  '\t    (slot = bind_reserve(tctx)) != NULL) {',
                  '\t\tn = %s(m, slot, RING_PAYLOAD);' % marshal,
                  '\t\tif (n >= 0) {',
                  '\t\t\treturn bind_commit(tctx, %s, (size_t)n);'
                  % self.tname(m),
                  '\t\t}']
            if fits:
                o += ['\t\treturn n;', '\t}']
            else:
                o += ['\t\tif (n != E_TOOBIG) {', '\t\t\treturn n;',
                      '\t\t}',
                      '\t\t/* longer than a slot: fragments, from buf */',
                      '\t}']
            o += ['\tn = %s(m, buf, sizeof(buf));' % marshal]
        o += ['\tif (n < 0) {', '\t\treturn n;', '\t}',
              '\treturn send(tctx, %s, buf, (size_t)n);' % self.tname(m),
              '}', '']
        return o

    def kept_defs(self):
        """P_dispatch's kept message and the functions that lend it."""
        var = [m for m in self.ifc.messages if self.has_tails(m)]
        o = ['/*',
             ' * kept: the last message with strings, bytes or arrays that',
             ' * %s_dispatch unmarshalled (of type kept_type; 0: none), kept'
             % self.p,
             ' * for the next one: every byte of it past each length is zero,',
             ' * so the next message of that type zeroes only what the last',
             ' * one used past the new lengths, not the whole struct.',
             ' * kept_busy: a handler has it; a dispatch meanwhile (nested,',
             ' * or another thread\'s) unmarshals on its stack.',
             ' */',
             'static union {']
        o += ['\t%s %s;' % (self.sname(m), m.name) for m in var]
        o += ['} kept;', 'static uint8_t kept_type;', 'static int kept_busy;',
              '',
              '/* kept_take: kept, ready for a message of type (size bytes),'
              ' or NULL */',
              'static void *kept_take(uint8_t type, size_t size)', '{',
              '\tif (__atomic_exchange_n(&kept_busy, 1, __ATOMIC_ACQUIRE)) {',
              '\t\treturn NULL;', '\t}',
              '\tif (kept_type != type) {',
              '\t\t/* another type\'s bytes: zero, as unmarshal did */',
              '\t\tmemset(&kept, 0, size);', '\t\tkept_type = type;', '\t}',
              '\treturn &kept;', '}', '',
              'static void kept_give(void)', '{',
              '\t__atomic_store_n(&kept_busy, 0, __ATOMIC_RELEASE);', '}', '']
        for m in var:
            o += self.unmarshal_kept(m)
        return o

    def dispatch_case(self, m):
        p, n = self.p, m.name
        o = ['\tcase %s:' % self.tname(m),
             '\t\tif (h->%s == NULL) {' % n, '\t\t\treturn E_NOSYS;', '\t\t}']
        if self.has_tails(m):
            o += ['\t\tk = kept_take(type, sizeof(%s));' % self.sname(m),
                  '\t\tif (k != NULL) {',
                  '\t\t\terr = %s_unmarshal_kept(buf, len, k);' % n,
                  '\t\t\tif (err == 0) {',
                  '\t\t\t\terr = h->%s(ctx, k);' % n, '\t\t\t}',
                  '\t\t\tkept_give();', '\t\t\treturn err;', '\t\t}']
        o += ['\t\t' + s for s in _signature(
            'err =', '%s_%s_unmarshal' % (p, n), ['buf', 'len', '&u.%s' % n],
            ';')]
        o += ['\t\tif (err < 0) {', '\t\t\treturn err;', '\t\t}',
              '\t\treturn h->%s(ctx, &u.%s);' % (n, n)]
        return o

    def dispatch(self):
        p = self.p
        var = any(self.has_tails(m) for m in self.ifc.messages)
        o = self.kept_defs() if var else []
        o += _signature('int', '%s_dispatch' % p,
                        ['const struct %s_handlers *h' % p, 'void *ctx',
                         'uint8_t type', 'const uint8_t *buf', 'size_t len'],
                        '')
        o += ['{',
              '\t/* One message at a time: share the space. */',
              '\tunion {']
        o += ['\t\t%s %s;' % (self.sname(m), m.name)
              for m in self.ifc.messages]
        o += ['\t} u;']
        if var:
            o.append('\tvoid *k;')
        o += ['\tint err;', '',
              '\tif (h == NULL) {', '\t\treturn E_NOSYS;', '\t}',
              '\tswitch (type) {']
        for m in self.ifc.messages:
            o += self.dispatch_case(m)
        o += ['\tdefault:', '\t\treturn E_NOSYS;', '\t}', '}', '']
        o += self.dispatch_from()
        return o

    def dispatch_from(self):
        """P_may_send and P_dispatch_from: who may send each message."""
        p = self.p
        o = _signature('int', '%s_may_send' % p,
                       ['unsigned sender', 'uint8_t type'], '')
        if not any(m.senders for m in self.ifc.messages):
            o += ['{', '\t(void)sender;', '\t(void)type;',
                  '\treturn 0; /* anyone may send anything */', '}', '']
        else:
            o += self.may_send_body()
        o += _signature('int', '%s_dispatch_from' % p,
                        ['const struct %s_handlers *h' % p, 'void *ctx',
                         'unsigned sender', 'uint8_t type',
                         'const uint8_t *buf', 'size_t len'], '')
        o += ['{', '\tif (%s_may_send(sender, type) < 0) {' % p,
              '\t\treturn E_PERM;', '\t}',
              '\treturn %s_dispatch(h, ctx, type, buf, len);' % p, '}', '']
        return o

    def may_send_body(self):
        o = ['{', '\tunsigned may;', '', '\tswitch (type) {']
        for m in self.ifc.messages:
            if m.senders:
                o += ['\tcase %s:' % self.tname(m),
                      '\t\tmay = %s;' % ' | '.join(
                          'IFC_FROM_%s' % n.upper() for n in m.senders),
                      '\t\tbreak;']
        o += ['\tdefault:', '\t\treturn 0; /* anyone */', '\t}',
              '\treturn (sender & may) ? 0 : E_PERM;', '}', '']
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

    # calls

    def call_fn(self, c):
        """P_call_C: the client sends a request with a fresh call id."""
        p = self.p
        o = _signature('int', '%s_call_%s' % (p, c.name),
                       self.send_params() + ['uint32_t *seq',
                                             '%s *req' % self.sname(c.req)],
                       '')
        o += ['{', '\treq->call_id = %s_next_call_id(seq);' % p,
              '\treturn %s_send_%s(send, tctx, req);' % (p, c.req.name),
              '}', '']
        return o

    def reply_fn(self, c):
        """P_reply_C: the server answers with the request's call id."""
        p = self.p
        o = _signature('int', '%s_reply_%s' % (p, c.name),
                       self.send_params() + [
                           'const %s *req' % self.sname(c.req),
                           '%s *reply' % self.sname(c.rep)], '')
        o += ['{', '\treply->call_id = req->call_id;',
              '\treturn %s_send_%s(send, tctx, reply);' % (p, c.rep.name),
              '}', '']
        return o

    def match_fn(self, c):
        """P_C_match: is this message the reply to that request?"""
        p = self.p
        self.helpers.add('get_u32')
        o = _signature('int', '%s_%s_match' % (p, c.name),
                       ['const %s *req' % self.sname(c.req), 'uint8_t type',
                        'const uint8_t *buf', 'size_t len',
                        '%s *reply' % self.sname(c.rep)], '')
        o += ['{', '\tif (type != %s) {' % self.tname(c.rep),
              '\t\treturn E_NOENT;', '\t}',
              '\tif (len < 4) {', '\t\treturn E_FORMAT;', '\t}',
              '\tif (get_u32(buf) != req->call_id) {',
              '\t\treturn E_NOENT;', '\t}',
              '\treturn %s_%s_unmarshal(buf, len, reply);' % (p, c.rep.name),
              '}', '']
        return o


def generate(ifc, source_name):
    """(header, source) of a checked interface; source_name is the .if
    file's path as the generated comments show it."""
    g = Gen(ifc, source_name)
    src = g.source()           # first: it records the helpers it uses
    return g.header(), src
