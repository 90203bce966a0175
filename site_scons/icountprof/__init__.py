# SPDX-License-Identifier: MIT
"""Instruction profiles of a guest under instruction counting
(docs/benchmarks.md, "Where an operation's instructions go").

QEMU, run with `-d in_asm,out_asm,exec,nochain` (and -D FILE; -dfilter
keeps the log to the code of interest), writes every translated block's
guest instructions (IN:), where its host code starts (OUT:), and a line
for every block it executes (`Trace CPU: HOSTPTR [cs/pc/flags/cflags]`;
nochain makes that every execution). Under `-icount shift=0` one host
thread runs the vCPUs in turn and every guest instruction is a virtual ns,
so the sum of what every vCPU executed is the time an operation took.

read(lines) turns such a log into executions in order: (cpu, pc, number
of instructions, the block's first instruction's bytes). attribute() names
each after the program and function it belongs to: kernel addresses by
the kernel image alone, user ones (every program is linked at the same
address) by comparing the block's first bytes with each program's text.
"""

import bisect
import re
import subprocess

KERNEL_BASE = 0xffff800000000000

_INSN = re.compile(r'^0x([0-9a-f]+):  (.*)$')
_BYTE = re.compile(r'^[0-9a-f]{2}$')
_HOST = re.compile(r'^(0x[0-9a-f]+):')
_TRACE = re.compile(r'^Trace (\d+): (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/')


class Block:
    __slots__ = ('pc', 'insns', 'first')

    def __init__(self, pc, insns, first):
        self.pc, self.insns, self.first = pc, insns, first


def read(lines):
    """Yields (cpu, Block) for every block execution of a QEMU log, in
    the order QEMU ran them. A host pointer names the block translated
    last at it (QEMU reuses its code buffer after a flush); an execution
    of a block whose translation the log does not hold is skipped."""
    blocks = {}
    insns = None      # the IN: block being read: [(addr, bytes, is_insn)]
    want_host = False
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode('utf-8', 'replace')
        if line.startswith('Trace '):
            m = _TRACE.match(line)
            if m:
                b = blocks.get(int(m.group(2), 16))
                if b is not None:
                    yield int(m.group(1)), b
            continue
        if line.startswith('IN:'):
            insns, want_host = [], False
            continue
        if insns is not None and not want_host:
            m = _INSN.match(line)
            if m:
                # bytes, then the mnemonic; a long instruction's bytes
                # wrap onto a line of their own, without one
                tok = m.group(2).split()
                k = 0
                while k < len(tok) and _BYTE.match(tok[k]):
                    k += 1
                insns.append((int(m.group(1), 16),
                              bytes.fromhex(''.join(tok[:k])), k < len(tok)))
            elif line.startswith('OUT:'):
                want_host = True
            continue
        if want_host:
            m = _HOST.match(line)
            if m:
                starts = [a for a, _, real in insns if real]
                pc = starts[0] if starts else 0
                first = b''.join(bs for a, bs, _ in insns
                                 if a >= pc and a < pc + 16)
                blocks[int(m.group(1), 16)] = Block(pc, len(starts),
                                                    first[:8])
                insns, want_host = None, False


class Image:
    """A program's (or the kernel's) functions and executable bytes."""

    def __init__(self, name, funcs, segments):
        self.name = name
        self.funcs = sorted(funcs)          # [(address, name)]
        self.segments = segments            # [(address, bytes)]
        self._addrs = [a for a, _ in self.funcs]

    @classmethod
    def from_elf(cls, name, path):
        nm = subprocess.run(['nm', '-n', '--defined-only', path],
                            capture_output=True, text=True, check=True)
        funcs = []
        for line in nm.stdout.splitlines():
            f = line.split()
            if len(f) >= 3 and f[1] in 'tTwW':
                funcs.append((int(f[0], 16), f[2]))
        with open(path, 'rb') as fh:
            data = fh.read()
        ph = subprocess.run(['readelf', '-lW', path], capture_output=True,
                            text=True, check=True)
        segs = []
        for line in ph.stdout.splitlines():
            f = line.split()
            if f and f[0] == 'LOAD' and 'E' in ''.join(f[6:-1]):
                off, va, size = int(f[1], 16), int(f[2], 16), int(f[4], 16)
                segs.append((va, data[off:off + size]))
        return cls(name, funcs, segs)

    def has(self, pc, first):
        for base, data in self.segments:
            if base <= pc and pc + len(first) <= base + len(data):
                return data[pc - base:pc - base + len(first)] == first
        return False

    def symbol(self, pc):
        i = bisect.bisect_right(self._addrs, pc) - 1
        return self.funcs[i][1] if i >= 0 else '?'


def owner(block, kernel, programs):
    """The image a block belongs to: the kernel for kernel addresses, the
    one program whose text holds its first bytes, else None (several or
    none)."""
    if block.pc >= KERNEL_BASE:
        return kernel
    hits = [p for p in programs if p.has(block.pc, block.first)]
    return hits[0] if len(hits) == 1 else None


def attribute(executions, kernel, programs, start=None):
    """[(cpu, program name, function, instructions)] in execution order,
    from the first execution of a block of program `start` on (None: from
    the first)."""
    out, seen = [], {}
    started = start is None
    for cpu, b in executions:
        key = id(b)
        if key not in seen:
            img = owner(b, kernel, programs)
            seen[key] = (img.name if img else '?',
                         img.symbol(b.pc) if img else '0x%x' % b.pc)
        prog, fn = seen[key]
        if not started:
            if prog != start:
                continue
            started = True
        out.append((cpu, prog, fn, b.insns))
    return out


def totals(rows):
    """{(cpu, program, function): instructions}"""
    t = {}
    for cpu, prog, fn, n in rows:
        t[(cpu, prog, fn)] = t.get((cpu, prog, fn), 0) + n
    return t


def turns(rows):
    """The vCPUs' turns: [(cpu, instructions, [(program, function,
    instructions)] merged where consecutive)]."""
    out = []
    for cpu, prog, fn, n in rows:
        if not out or out[-1][0] != cpu:
            out.append([cpu, 0, []])
        t = out[-1]
        t[1] += n
        if t[2] and t[2][-1][:2] == (prog, fn):
            t[2][-1] = (prog, fn, t[2][-1][2] + n)
        else:
            t[2].append((prog, fn, n))
    return [tuple(t) for t in out]


def window(rows, prog, fn, nth):
    """The rows of one operation: from the nth (1-based) entry into
    function fn of program prog (a row of it after a row of another
    function) up to the next entry, not included; [] if there are not
    that many."""
    out, seen, prev = [], 0, None
    for row in rows:
        here = (row[1], row[2])
        if here == (prog, fn) and prev != here:
            seen += 1
            if seen > nth:
                break
        prev = here
        if seen == nth:
            out.append(row)
    return out


def segments(rows):
    """Consecutive rows of one vCPU and one image merged:
    [(cpu, program, instructions, {function: instructions})], in order:
    an operation's steps (a program's call, the kernel's switch, a
    monitor's pass, another core's turn)."""
    out = []
    for cpu, prog, fn, n in rows:
        if not out or out[-1][:2] != (cpu, prog):
            out.append((cpu, prog, 0, {}))
        c, p, total, fns = out[-1]
        fns[fn] = fns.get(fn, 0) + n
        out[-1] = (c, p, total + n, fns)
    return out

