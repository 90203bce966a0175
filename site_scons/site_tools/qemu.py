# SPDX-License-Identifier: MIT
"""Booting the ISO in QEMU: `scons run`, `scons debug`, and the test harness.

env.QemuCommand(iso, smp=, mem=, machine=, serial=, chardev=, extra=, gdb=)
is the ONE place that makes a QEMU command line; `scons run`, `scons debug`
and the system tests (site_scons/ostest) all call it, so what a test boots is
what a person boots. Unset arguments come from the options smp, mem,
machine; accel and qemu_args always come from the options (qemu_args last,
so it can override anything).

env.QemuRun(alias, iso, kernel): boots with the serial console (multiplexed
with the QEMU monitor) on this terminal; Ctrl-A X quits.
env.QemuDebug(alias, iso, kernel): the same, halted at the first instruction
with a gdb stub on :1234; prints the gdb command that loads the symbols.

QEMU's exit status tells how the guest ended: -device isa-debug-exit makes a
guest write of V to port 0xf4 exit with (V << 1) | 1, so the kernel's fatal
error code 0x10 gives 33; -no-reboot turns a triple fault into exit 0.
"""

import shlex
import subprocess

from SCons.Script import Action

QEMU = 'qemu-system-x86_64'
DEBUG_EXIT_PORT = 0xf4


def _qemu_command(env, iso, smp=None, mem=None, machine=None,
                  serial='stdio', chardev=None, extra=(), gdb=False):
    """Returns the QEMU argv (a list of strings) that boots `iso`.

    serial is a QEMU character device spec for COM1: 'mon:stdio' for a
    person at a terminal, 'file:PATH' for the test harness, or
    'chardev:ID' for a character device that chardev (a -chardev spec with
    id=ID) defines: the harness's 'pipe,id=com1,path=...,logfile=...' when a
    test types on the console.
    """
    cmd = [QEMU, '-M', str(machine or env['machine'])]
    if env['accel'] == 'kvm':
        cmd += ['-accel', 'kvm', '-cpu', 'host']
    else:
        cmd += ['-accel', 'tcg,thread=multi']
    cmd += ['-smp', str(smp or env['smp']),
            '-m', str(mem or env['mem']),
            '-cdrom', str(iso)]
    if chardev:
        cmd += ['-chardev', chardev]
    cmd += ['-serial', serial,
            '-display', 'none',
            '-no-reboot',
            '-device', 'isa-debug-exit,iobase=0x%x,iosize=0x04' % DEBUG_EXIT_PORT]
    if not serial.startswith('mon:'):
        # Nobody reads a monitor here; keep it off the default virtual
        # console so the only character device QEMU opens is COM1.
        cmd += ['-monitor', 'none']
    if gdb:
        cmd += ['-s', '-S']
    cmd += list(extra)
    cmd += shlex.split(env.get('qemu_args', '') or '')
    return cmd


def exit_meaning(status):
    """env.QemuExitMeaning(status): says in words what a QEMU exit status means for this system."""
    if status is None:
        return 'still running'
    if status < 0:
        return 'QEMU killed by signal %d' % -status
    if status == 0:
        return 'guest reset or powered off: a triple fault under -no-reboot?'
    if status == 33:
        return 'kernel fatal error (0x10 written to isa-debug-exit)'
    if status & 1 and status > 1:
        return 'guest wrote 0x%x to isa-debug-exit' % (status >> 1)
    return 'QEMU failed to start or crashed'


def _run_qemu(env, iso, kernel, gdb):
    cmd = _qemu_command(env, iso, serial='mon:stdio', gdb=gdb)
    if env.get('VERBOSE'):
        print(' '.join(shlex.quote(c) for c in cmd))
    print('qemu: serial console on this terminal; press Ctrl-A then X to quit '
          '(Ctrl-A C: QEMU monitor)', flush=True)
    if gdb:
        print('qemu: halted at the first instruction; in another terminal run:\n'
              "  gdb %s -ex 'target remote :1234'" % kernel, flush=True)
    try:
        status = subprocess.call(cmd, env=env['ENV'])
    except OSError as e:
        print('qemu: cannot run %s: %s (run site_scons/install.sh)' % (QEMU, e))
        return 1
    except KeyboardInterrupt:
        return 0
    if status != 0:
        print('qemu: exit status %d: %s' % (status, exit_meaning(status)))
    return status


def _qemu_alias(env, alias, iso, kernel, gdb):
    iso_path = env.File(iso).path if not isinstance(iso, (list, tuple)) \
        else env.File(iso[0]).path
    k = kernel[0] if isinstance(kernel, (list, tuple)) else kernel
    kernel_path = env.File(k).path

    def action(target, source, env):
        return _run_qemu(env, iso_path, kernel_path, gdb)

    a = env.Alias(alias, [iso, kernel],
                  Action(action, None))
    env.AlwaysBuild(a)
    return a


def _qemu_run(env, alias, iso, kernel):
    return _qemu_alias(env, alias, iso, kernel, gdb=False)


def _qemu_debug(env, alias, iso, kernel):
    return _qemu_alias(env, alias, iso, kernel, gdb=True)


def generate(env):
    env.AddMethod(_qemu_command, 'QemuCommand')
    env.AddMethod(_qemu_run, 'QemuRun')
    env.AddMethod(_qemu_debug, 'QemuDebug')
    env.AddMethod(lambda env, status: exit_meaning(status), 'QemuExitMeaning')


def exists(env):
    if not env.Detect(QEMU):
        return False
    try:
        out = subprocess.run([QEMU, '--version'], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    # -accel tcg,thread=multi and isa-debug-exit need QEMU 4 or later.
    try:
        major = int(out.split('version', 1)[1].split()[0].split('.')[0])
    except (IndexError, ValueError):
        return True
    return major >= 4
