# SPDX-License-Identifier: MIT
"""python3 -m icountprof LOG --kernel ELF [--program NAME=ELF]...
                         [--start NAME] [--per N] [--top N]
                         [--turns FROM:TO] [--turn K]
                         [--op PROGRAM:FUNCTION [--nth K] [--calls]]

Where a guest's instructions went, from a QEMU log written with
`-d in_asm,out_asm,exec,nochain -D LOG` under `-icount shift=0,sleep=off`
(docs/benchmarks.md, "Where an operation's instructions go"; `scons run
accel=icount qemu_args=...` boots so).

  --kernel ELF         the CPU driver (build/cpudriver/cpudriver.elf)
  --program NAME=ELF   a program that may run (build/monitor/monitor.elf,
                       build/apps/NAME.elf); its blocks are told from the
                       others' by their bytes (all link at one address)
  --start NAME         count from the first block of program NAME on
                       (e.g. the benchmark's program: boot left out)
  --per N              divide the totals by N (operations in the window)
  --top N              the N largest (cpu, program, function) totals
  --turns FROM:TO      list turns FROM..TO-1: a turn is one vCPU's run
                       until icount's round robin moves on
  --turn K             turn K, function by function, with running totals
  --op PROG:FN         one operation: from the Kth entry into function FN
                       of program PROG (--nth, default 2: the first may
                       be cold) to the next; its steps (a vCPU's run in
                       one image: the program's call, the kernel's switch,
                       a monitor's pass) with running totals and each
                       step's largest functions, or with --calls every
                       function in order

Exit status 0, 1 when the log holds no execution, 2 for a bad command
line.
"""

import argparse
import sys

from . import Image, attribute, read, segments, totals, turns, window


def turns_of_calls(rows):
    """rows with consecutive rows of one function merged"""
    out = []
    for cpu, prog, fn, n in rows:
        if out and out[-1][:3] == (cpu, prog, fn):
            out[-1] = (cpu, prog, fn, out[-1][3] + n)
        else:
            out.append((cpu, prog, fn, n))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog='icountprof')
    ap.add_argument('log')
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--program', action='append', default=[])
    ap.add_argument('--start')
    ap.add_argument('--per', type=float, default=1.0)
    ap.add_argument('--top', type=int, default=40)
    ap.add_argument('--turns')
    ap.add_argument('--turn', type=int)
    ap.add_argument('--op')
    ap.add_argument('--nth', type=int, default=2)
    ap.add_argument('--calls', action='store_true')
    a = ap.parse_args(argv)
    progs = []
    for spec in a.program:
        name, sep, path = spec.partition('=')
        if not sep or not name or not path:
            ap.error('--program wants NAME=ELF, not %r' % spec)
        progs.append(Image.from_elf(name, path))
    kernel = Image.from_elf('kernel', a.kernel)
    with open(a.log, 'rb') as f:
        rows = attribute(read(f), kernel, progs, a.start)
    if not rows:
        print('icountprof: %s: no block executions%s' % (
            a.log, ' of %s' % a.start if a.start else ''), file=sys.stderr)
        return 1
    unknown = sum(n for _, prog, _, n in rows if prog == '?')
    if unknown * 10 > sum(n for *_, n in rows):
        print('icountprof: %d%% of the instructions are in blocks no image '
              'given holds: was %s written by a build of these ELFs?' % (
                  unknown * 100 // sum(n for *_, n in rows), a.log),
              file=sys.stderr)
    if a.op:
        prog, sep, fn = a.op.partition(':')
        if not sep or not prog or not fn or a.nth < 1:
            ap.error('--op wants PROGRAM:FUNCTION, --nth at least 1')
        op = window(rows, prog, fn, a.nth)
        if not op:
            print('icountprof: %s: no entry %d into %s' % (a.log, a.nth,
                                                           a.op),
                  file=sys.stderr)
            return 1
        acc = 0
        if a.calls:
            for cpu, prog, fn, n in turns_of_calls(op):
                acc += n
                print('%7d %6d  cpu %-3d %-12s %s' % (acc, n, cpu, prog, fn))
            return 0
        for cpu, prog, n, fns in segments(op):
            acc += n
            top = sorted(fns.items(), key=lambda x: -x[1])[:8]
            print('%7d %6d  cpu %-3d %-12s %s' % (
                acc, n, cpu, prog, ' '.join('%s:%d' % f for f in top)))
        return 0
    t = turns(rows)
    if a.turn is not None:
        if not 0 <= a.turn < len(t):
            ap.error('--turn: %d turns' % len(t))
        cpu, n, fns = t[a.turn]
        acc = 0
        print('turn %d: cpu %d, %d instructions' % (a.turn, cpu, n))
        for prog, fn, k in fns:
            acc += k
            print('%7d %6d  %-12s %s' % (acc, k, prog, fn))
        return 0
    if a.turns:
        lo, _, hi = a.turns.partition(':')
        for i in range(int(lo or 0), min(int(hi or len(t)), len(t))):
            cpu, n, fns = t[i]
            print('%6d  cpu %-3d %8d  %s' % (i, cpu, n, ' '.join(
                fn for _, fn, _ in fns[:8])))
        return 0
    tot = totals(rows)
    per_cpu = {}
    for (cpu, _, _), n in tot.items():
        per_cpu[cpu] = per_cpu.get(cpu, 0) + n
    print('instructions%s: %s; %d turns' % (
        ' per %g' % a.per if a.per != 1 else '',
        ', '.join('cpu %d %.0f' % (c, per_cpu[c] / a.per)
                  for c in sorted(per_cpu)), len(t)))
    for (cpu, prog, fn), n in sorted(tot.items(), key=lambda x: -x[1])[:a.top]:
        print('%10.0f  cpu %-3d %-12s %s' % (n / a.per, cpu, prog, fn))
    return 0


if __name__ == '__main__':
    sys.exit(main())
