# SPDX-License-Identifier: MIT
"""python3 -m icountprof LOG --kernel ELF [--program NAME=ELF]...
                         [--start NAME] [--per N] [--top N]
                         [--turns FROM:TO] [--turn K]

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

Exit status 0, 1 when the log holds no execution, 2 for a bad command
line.
"""

import argparse
import sys

from . import Image, attribute, read, totals, turns


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
