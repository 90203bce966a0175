# SPDX-License-Identifier: MIT
"""Meaning of a parsed interface: unique names and numbers, calls resolve
to messages (which then carry a call id), sizes fit IFC_MAX_MSG, no two
generated C names collide. check(ifc) resolves each call's req and rep to
their Message and marks them has_call_id; it raises IfcError at the line
that is wrong.
"""

from . import cgen
from .syntax import IFC_MAX_MSG, IfcError


def check(ifc):
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


def _check_symbols(ifc, err):
    seen = {}
    for sym, line in cgen.symbols(ifc):
        if sym in seen:
            err(line, "generated name '%s' is made twice (also by line %d);"
                " rename one of them" % (sym, seen[sym]))
        seen[sym] = line

