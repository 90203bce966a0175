# SPDX-License-Identifier: MIT
"""The interface compiler: message declarations (.if) -> C stubs.

    import ifc
    header, source = ifc.compile('channels/if/monitor.if')   # raises ifc.IfcError

The package is the compiler alone, with no SCons in it; the site tool
site_scons/site_tools/interface.py (env.Interface) drives it from the build.
One job a module: syntax.py (the language, the lexer and the parser: text
-> syntax tree), checks.py (what the tree means: names, numbers, calls,
sizes; errors at their line), cgen.py (the C back end: header and source
text, one method per generated piece). Every error is an IfcError whose
str() is `file:line: error: message`.

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

from . import cgen, checks, syntax
from .syntax import IFC_MAX_MSG, IfcError

__all__ = ['IFC_MAX_MSG', 'IfcError', 'compile', 'compile_text', 'parse']


def parse(path, text, shown=None):
    """The checked syntax tree of the interface in text; raises IfcError.
    shown is the path used in messages and comments (default: path)."""
    ifc = syntax.parse(shown or path, text)
    checks.check(ifc)
    return ifc


def compile_text(path, text, shown=None):
    """Returns (header, source) for the interface in text; raises
    IfcError. shown is the path used in messages and comments."""
    return cgen.generate(parse(path, text, shown), shown or path)


def compile(path, shown=None):
    """Returns (header, source) for the .if file at path; raises IfcError
    (also for a file that is not UTF-8) or OSError (cannot read it)."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise IfcError(shown or path, 1, 'not UTF-8 text (%s)' % e.reason)
    return compile_text(path, text, shown)
