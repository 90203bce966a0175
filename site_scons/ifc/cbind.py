# SPDX-License-Identifier: MIT
"""The C back end's part for bindings (channels/binding.h, relay.h): for an
interface with calls, P_bind_iface (which messages are replies, and the
`error` answer if it names a call), P_set_call_id (a relay passes a reply
back with the asker's call id), and per call P_C_call (the client's call
with a deadline) and P_C_relay (the monitor's forward-and-remember).
BindGen is mixed into cgen.Gen, whose sname/tname/helpers it uses.
"""

from .syntax import SCALARS


def _signature(*args):
    from .cgen import _signature as sig
    return sig(*args)

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
