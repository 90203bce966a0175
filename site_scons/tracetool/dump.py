# SPDX-License-Identifier: MIT
"""Reads a trace dump file: the layouts of cpudriver/include/abi/trace.h
(keep the formats below in step with it).

decode(data, which=None) -> Dump, or raises TraceError with one line
saying what is wrong (truncated, bad magic, wrong version, sizes that do
not add up). A file may hold several dumps one after another (each `trace
dump` appends one): decode() gives the last, or the which-th (1-based),
and says in a warning how many there are; split() gives them all.
Events whose content makes no sense (an unknown type, another core's
number) are dropped and listed in Dump.warnings: a program writes its own
buffer and can put anything there.
"""

import collections
import struct

VERSION = 1
FILE_MAGIC = b'MKTRACE1'
BUF_MAGIC = 0x4254524b
MAX_CORES = 1 << 16  # trace_ev.core is 16 bits

FILE = struct.Struct('<8sIIQII')      # struct trace_file
CLOCK = struct.Struct('<IIqQ')        # struct trace_clock
BUF = struct.Struct('<IHHII16sQQQQ')  # struct trace_buf
EV = struct.Struct('<QHHIQQ')         # struct trace_ev
assert (FILE.size, CLOCK.size, BUF.size, EV.size) == (32, 24, 64, 32)

KINDS = {1: 'kernel', 2: 'process', 3: 'monitor'}

# enum trace_type: number -> name
TYPES = {1: 'doorbell_send', 2: 'doorbell_take', 3: 'halt', 4: 'wake',
         5: 'switch', 6: 'syscall', 7: 'spawn', 8: 'exit', 9: 'irq',
         16: 'chan_send', 17: 'chan_recv',
         32: 'mon_begin', 33: 'mon_end', 34: 'ring_level'}
KERNEL_TYPES = {n for n in TYPES if n < 16}

# enum trace_mon_op
MON_OPS = {1: 'agree', 2: 'lend', 3: 'borrow', 4: 'move', 5: 'bind',
           6: 'spawn'}

Dump = collections.namedtuple('Dump', 'version tsc_khz clocks bufs warnings')
# clocks: {core: Clock}; bufs: [Buf]
Clock = collections.namedtuple('Clock', 'core tsc_offset rtt')
Buf = collections.namedtuple('Buf', 'index kind core pid name size head '
                             'lost events')
# events: [Ev], oldest first, only those still in the buffer
Ev = collections.namedtuple('Ev', 'tsc type core pid a b')


class TraceError(Exception):
    pass


def read(path, which=None):
    """decode() of a file; an unreadable file is a TraceError too."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise TraceError('cannot read %s: %s' % (path, e.strerror))
    return decode(data, which)


def decode(data, which=None):
    """The dump `which` (1-based) of data holding one or more dumps one
    after another (each `trace dump` appends one to the device's file);
    the last by default. With more than one, the first warning says which
    it is and how many there are."""
    dumps, err = split(data)
    n = len(dumps) + (err is not None)
    if which is None:
        if err is not None:
            raise err
        which = n
    if not 1 <= which <= n:
        raise TraceError('no dump %d: the file holds %d dump%s' % (
            which, n, '' if n == 1 else 's'))
    if which > len(dumps):
        raise err
    d = dumps[which - 1]
    if n > 1:
        d.warnings.insert(0, 'the file holds %d dumps one after another; '
                          'this is dump %d (--dump N picks another)' % (
                              n, which))
    if err is not None:
        d.warnings.insert(1, 'dump %d not read: %s' % (n, err))
    return d


def split(data):
    """([Dump], error): every whole dump from the start of data, and the
    TraceError of the one after them that is not whole (None when data
    ends with a whole dump). A dump ends where its header and buffers say;
    what follows must be nothing or another dump, starting with MKTRACE1.
    Errors of dumps 2, 3, ... name the dump and where it starts."""
    dumps, off = [], 0
    while True:
        try:
            d, end = _decode_at(data, off)
            if end != len(data) and \
                    data[end:end + len(FILE_MAGIC)] != FILE_MAGIC:
                raise TraceError('%d bytes after the last of the %d buffers '
                                 'the header announces' % (len(data) - end,
                                                           len(d.bufs)))
        except TraceError as e:
            if dumps:
                e = TraceError('dump %d (at offset %d): %s' % (
                    len(dumps) + 1, off, e))
            return dumps, e
        dumps.append(d)
        if end == len(data):
            return dumps, None
        off = end


def _decode_at(data, start):
    """(Dump, offset after it) for the dump at data[start:]."""
    if len(data) - start < FILE.size:
        raise TraceError('truncated: a dump starts with a %d-byte header, '
                         'this one has %d bytes' % (FILE.size,
                                                    len(data) - start))
    magic, version, ncores, khz, nbufs, _ = FILE.unpack_from(data, start)
    if magic != FILE_MAGIC:
        raise TraceError('not a trace dump: magic %r, want %r' %
                         (magic, FILE_MAGIC))
    if version != VERSION:
        raise TraceError('dump version %d, this tool reads version %d' %
                         (version, VERSION))
    if not 0 < ncores <= MAX_CORES:
        raise TraceError('bad header: %d cores' % ncores)
    if khz == 0:
        raise TraceError('bad header: tsc_khz is 0')
    off = start + FILE.size
    clocks, off = _clocks(data, off, ncores)
    warnings = []
    bufs = []
    for i in range(nbufs):
        buf, off = _buf(data, off, i, ncores, warnings)
        bufs.append(buf)
    return Dump(version, khz, clocks, bufs, warnings), off


def _need(data, off, n, what):
    if len(data) - off < n:
        raise TraceError('truncated at offset %d: want %d bytes for %s, the '
                         'file has %d left' % (off, n, what,
                                               max(0, len(data) - off)))


def _clocks(data, off, ncores):
    _need(data, off, ncores * CLOCK.size, '%d clock records' % ncores)
    clocks = {}
    for _ in range(ncores):
        core, _, offset, rtt = CLOCK.unpack_from(data, off)
        off += CLOCK.size
        if core >= ncores or core in clocks:
            raise TraceError('bad clock record: core %d (%s)' % (
                core, 'seen twice' if core in clocks else
                'only %d cores' % ncores))
        clocks[core] = Clock(core, offset, rtt)
    return clocks, off


def _buf(data, off, i, ncores, warnings):
    _need(data, off, BUF.size, 'buffer %d\'s header' % i)
    (magic, version, kind, core, pid, name, size, head, lost,
     _) = BUF.unpack_from(data, off)
    name = name.split(b'\0', 1)[0].decode('utf-8', 'replace')
    what = 'buffer %d (core %d, %r)' % (i, core, name)
    if magic != BUF_MAGIC:
        raise TraceError('buffer %d at offset %d: bad magic 0x%08x' %
                         (i, off, magic))
    if version != VERSION:
        raise TraceError('%s: version %d, want %d' % (what, version, VERSION))
    if kind not in KINDS:
        raise TraceError('%s: unknown kind %d' % (what, kind))
    if core >= ncores:
        raise TraceError('%s: core %d, the dump has %d' % (what, core, ncores))
    if size == 0 and head:
        raise TraceError('%s: %d events written in 0 slots' % (what, head))
    if lost != max(0, head - size):
        raise TraceError('%s: lost %d, but %d written into %d slots' %
                         (what, lost, head, size))
    off += BUF.size
    _need(data, off, size * EV.size, '%s\'s %d events' % (what, size))
    n = min(head, size)
    events = []
    for k in range(head - n, head):
        ev = Ev(*EV.unpack_from(data, off + (k % size) * EV.size))
        bad = _bad_event(ev, core, kind)
        if bad:
            warnings.append('%s event %d: %s; dropped' % (what, k, bad))
        else:
            events.append(ev)
    off += size * EV.size
    return Buf(i, KINDS[kind], core, pid, name, size, head, lost,
               events), off


def _bad_event(ev, core, kind):
    if ev.type not in TYPES:
        return 'unknown type %d' % ev.type
    if ev.core != core:
        return 'written on core %d' % ev.core
    if (ev.type in KERNEL_TYPES) != (kind == 1):
        return '%s in a %s buffer' % (TYPES[ev.type], KINDS[kind])
    return None
