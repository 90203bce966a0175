# SPDX-License-Identifier: MIT
"""bench_icount: the deterministic mode (docs/benchmarks.md "Instruction
counting").

mode(text) reads the option: '' or 0 (wall clock only, the default), 1
(each suite twice: its wall-clock half, then its icount half) or only (the
icount half alone); anything else is a SystemExit naming the choices.

command(argv) turns a QEMU argv of env.QemuCommand (ours, or the Linux
baseline's, which is built from it) into its icount twin: TCG with one
host thread (`-accel tcg,thread=single` instead of thread=multi) and
ARGS. It raises ValueError for an argv that cannot count instructions
(KVM, or no TCG accelerator to replace).
"""

ARGS = ['-icount', 'shift=0,sleep=off']
ACCEL = 'tcg,thread=single'
# Host seconds grow under icount (one host thread runs every vCPU):
# every guest wait of the suites is this many times longer.
TIMEOUT_SCALE = 4
MODES = {'': (False, ), '0': (False, ), 'no': (False, ), 'off': (False, ),
         '1': (False, True), 'yes': (False, True), 'on': (False, True),
         'only': (True, )}


def mode(text):
    """The clocks to run each suite under, in order: (False,) wall only,
    (False, True) both, (True,) icount only."""
    v = str(text or '').strip().lower()
    if v not in MODES:
        raise SystemExit(
            'bench: bench_icount=%s: want bench_icount=1 (each suite under '
            'the wall clock, then again under QEMU\'s instruction counting), '
            'bench_icount=only (instruction counting alone) or 0 (the '
            'default: wall clock only)' % text)
    return MODES[v]


def command(argv):
    """argv with TCG single-threaded and instruction counting."""
    out = list(argv)
    if '-icount' in out:
        raise ValueError('the QEMU command already has -icount (qemu_args?)')
    try:
        i = out.index('-accel')
    except ValueError:
        raise ValueError('the QEMU command has no -accel to replace')
    if not out[i + 1].startswith('tcg'):
        raise ValueError('bench_icount needs accel=tcg: QEMU counts '
                         'instructions only under TCG, not with -accel %s'
                         % out[i + 1])
    if '-accel' in out[i + 2:]:
        raise ValueError('the QEMU command has a second -accel (qemu_args?)')
    out[i + 1] = ACCEL
    return out[:i + 2] + ARGS + out[i + 2:]


def describe():
    """The arguments as docs/benchmarks.md writes them."""
    return '-accel %s %s' % (ACCEL, ' '.join(ARGS))
