# SPDX-License-Identifier: MIT
"""The instruction profiler on a canned QEMU log, without QEMU: `scons
test` runs profile_check() as the check `trace/icountprof`.

The log has the shapes QEMU 7.2 writes with -d in_asm,out_asm,exec,nochain:
an instruction whose bytes wrap onto a second line (one instruction, not
two), two programs' blocks at the same user address (told apart by their
bytes), a kernel block, a host pointer reused for a new block after a
flush, an execution of a block the log never translated (skipped), and
two vCPUs taking turns.
"""

from . import Block, Image, attribute, owner, read, segments, turns, window
from ostest import checks

_want = checks.want


def _tb(pc_lines, host):
    return ['----------------', 'IN: '] + pc_lines + [
        '', 'OUT: [size=64]',
        '  -- guest addr 0x%016x + tb prologue' % 0x1000,
        '%s:  8b 5d f0                 movl     -0x10(%%rbp), %%ebx' % host,
        '']


A_CODE = ['0x0000000000401000:  55                       pushq    %rbp',
          '0x0000000000401001:  48 89 e5                 movq     %rsp, %rbp',
          '0x0000000000401004:  48 b8 00 00 00 00 00 00  movabsq  $0, %rax',
          '0x000000000040100c:  00 00',
          '0x000000000040100e:  c3                       retq     ']
B_CODE = ['0x0000000000401000:  90                       nop      ',
          '0x0000000000401001:  c3                       retq     ']
B_LATER = ['0x0000000000401010:  31 c0                    xorl     %eax, %eax',
           '0x0000000000401012:  c3                       retq     ']
K_CODE = ['0xffffffff80101000:  fb                       sti      ']


def _trace(cpu, host, pc):
    return 'Trace %d: %s [0000000000000000/%016x/0000c0b3/ff020200] ' % (
        cpu, host, pc)


LOG = (_tb(A_CODE, '0x7f0000000100') + _tb(B_CODE, '0x7f0000000200') +
       _tb(K_CODE, '0x7f0000000300') + [
           _trace(0, '0x7f0000000100', 0x401000),
           _trace(0, '0x7f0000000100', 0x401000),
           _trace(1, '0x7f0000000300', 0xffffffff80101000),
           _trace(1, '0x7f0000000999', 0x401000),   # never translated
           _trace(0, '0x7f0000000200', 0x401000)] +
       _tb(B_LATER, '0x7f0000000100') + [             # reused pointer
           _trace(0, '0x7f0000000100', 0x401010)])

PROG_A = Image('a', [(0x401000, 'fa')],
               [(0x401000, bytes.fromhex('554889e548b80000000000000000c3'))])
PROG_B = Image('b', [(0x401000, 'fb'), (0x401010, 'gb')],
               [(0x401000, bytes.fromhex('90c3' + '00' * 14 + '31c0c3'))])
KERNEL = Image('kernel', [(0xffffffff80101000, 'kf')],
               [(0xffffffff80101000, bytes.fromhex('fb'))])


def _canned():
    ex = list(read(LOG))
    got = [(cpu, '%x' % b.pc, b.insns) for cpu, b in ex]
    _want(got == [(0, '401000', 4), (0, '401000', 4),
                  (1, 'ffffffff80101000', 1), (0, '401000', 2),
                  (0, '401010', 2)], 'executions: %s' % got)
    rows = attribute(ex, KERNEL, [PROG_A, PROG_B])
    _want(rows == [(0, 'a', 'fa', 4), (0, 'a', 'fa', 4),
                   (1, 'kernel', 'kf', 1), (0, 'b', 'fb', 2),
                   (0, 'b', 'gb', 2)], 'attributed: %s' % rows)
    _want(attribute(ex, KERNEL, [PROG_A, PROG_B], start='b') ==
          rows[3:], 'start at b: %s' % attribute(ex, KERNEL,
                                                 [PROG_A, PROG_B], 'b'))
    t = turns(rows)
    _want(t == [(0, 8, [('a', 'fa', 8)]), (1, 1, [('kernel', 'kf', 1)]),
                (0, 4, [('b', 'fb', 2), ('b', 'gb', 2)])],
          'turns: %s' % t)
    # one operation: from the 2nd entry into b's fb to the next (none:
    # to the end); an entry is a row after another function's
    ops = [(0, 'b', 'fb', 2), (1, 'kernel', 'kf', 1), (1, 'kernel', 'kf', 3),
           (0, 'b', 'fb', 1), (0, 'b', 'fb', 1), (0, 'b', 'gb', 2),
           (0, 'b', 'fb', 5), (1, 'a', 'fa', 7)]
    _want(window(ops, 'b', 'fb', 2) == ops[3:6], 'window 2: %s' %
          window(ops, 'b', 'fb', 2))
    _want(window(ops, 'b', 'fb', 3) == ops[6:], 'window 3: %s' %
          window(ops, 'b', 'fb', 3))
    _want(window(ops, 'b', 'fb', 4) == [], 'window 4: %s' %
          window(ops, 'b', 'fb', 4))
    seg = segments(ops[:6])
    _want(seg == [(0, 'b', 2, {'fb': 2}), (1, 'kernel', 4, {'kf': 4}),
                  (0, 'b', 4, {'fb': 2, 'gb': 2})], 'segments: %s' % seg)
    # the same bytes in two programs: neither is named
    twin = Image('twin', [(0x401000, 'ft')], PROG_B.segments)
    _want(owner(Block(0x401000, 2, bytes.fromhex('90c3')), KERNEL,
                [PROG_B, twin]) is None, 'an ambiguous block was named')
    _want(attribute(ex[3:4], KERNEL, [PROG_B, twin]) ==
          [(0, '?', '0x401000', 2)], 'ambiguous: %s' %
          attribute(ex[3:4], KERNEL, [PROG_B, twin]))


def profile_check():
    """(ok, reason) for the ostest plan."""
    return checks.run(_canned)
