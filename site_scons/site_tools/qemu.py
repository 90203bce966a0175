# SPDX-License-Identifier: MIT
"""Booting the ISO in QEMU: `scons run`, `scons debug`, and the test harness.

env.QemuCommand(iso, smp=, mem=, machine=, serial=, chardev=, extra=, gdb=,
net=, net_device=, disk=, disk_device=, trace=, trace_append=) is the ONE place that makes a QEMU
command line; `scons run`, `scons debug` and the system tests
(site_scons/ostest) all call it, so what a test boots is what a person
boots. Unset arguments come from the options smp, mem, machine; accel and
qemu_args always come from the options (qemu_args last, so it can override
anything).

net=[(proto, host_port, guest_port), ...] adds a network card on QEMU's
user network (netdev id net0) forwarding each host port on 127.0.0.1 only
to the guest port; net_device= replaces its -device arguments (default
virtio-net-pci; the netdev= is added). disk=PATH attaches a raw image as
drive disk0 (default device virtio-blk-pci; disk_device= replaces it, the
drive= is added). trace=PATH adds the trace device (docs/tracing.md
"Collecting"): a virtio-console port whose bytes QEMU writes to PATH,
truncated when QEMU starts unless trace_append=True.

env.QemuRun(alias, iso, kernel): boots with the serial console (multiplexed
with the QEMU monitor) on this terminal; Ctrl-A X quits. Unless the options
say otherwise it has a virtio-net card with host 127.0.0.1:<port> (default
8080) forwarded to guest TCP port 80 (net=off: no card) and the persistent
virtio-blk disk build/disk.img, 64 MiB, made zero-filled when missing and
kept across runs (disk=PATH: another image; disk=off: none); trace=FILE adds
the trace device writing to FILE (`trace dump` in the shell fills it).
env.QemuDebug(alias, iso, kernel): the same, halted at the first instruction
with a gdb stub on :1234; prints the gdb command that loads the symbols.
Both take preload=NODE: a shared library QEMU runs with (LD_PRELOAD) when
it has the network card: SConstruct gives tests/bench/listenq.c, so the
user network listens for the port forward with a backlog of 128 instead of
libslirp's 1, as in the network benchmark (wrk's 16 connections opened at
once then get answers, not 1 s steps of SYN retransmission).

QEMU's exit status tells how the guest ended: -device isa-debug-exit makes a
guest write of V to port 0xf4 exit with (V << 1) | 1, so the kernel's fatal
error code 0x10 gives 33; -no-reboot turns a triple fault into exit 0.
"""

import os
import shlex
import socket
import subprocess

from SCons.Script import Action

QEMU = 'qemu-system-x86_64'
DEBUG_EXIT_PORT = 0xf4
NET_DEVICE = 'virtio-net-pci'
DISK_DEVICE = 'virtio-blk-pci'
RUN_GUEST_PORT = 80                    # what `scons run` forwards to
RUN_DISK_SIZE = 64 << 20               # a new build/disk.img


def net_args(forwards, device=None):
    """-netdev/-device for a card on the user network; forwards is
    [(proto, host_port, guest_port)], host side bound to 127.0.0.1."""
    fwd = ''.join(',hostfwd=%s:127.0.0.1:%d-:%d' % (proto, host, guest)
                  for proto, host, guest in forwards)
    return ['-netdev', 'user,id=net0' + fwd,
            '-device', '%s,netdev=net0' % (device or NET_DEVICE)]


def disk_args(path, device=None):
    """-drive/-device for a raw disk image."""
    return ['-drive', 'file=%s,format=raw,if=none,id=disk0'
            % str(path).replace(',', ',,'),
            '-device', '%s,drive=disk0' % (device or DISK_DEVICE)]


def trace_args(path, append=False):
    """The trace device (docs/tracing.md "Collecting"): port 0 of a
    virtio-serial bus, a console QEMU writes to the file at path (no
    multiport: the guest's driver sends on the port's one transmit
    queue). append keeps what the file holds (a test's earlier boots)."""
    return ['-device', 'virtio-serial-pci,id=tracebus',
            '-chardev', 'file,id=trace0,path=%s%s' % (
                str(path).replace(',', ',,'), ',append=on' if append else ''),
            '-device', 'virtconsole,chardev=trace0,bus=tracebus.0']


def _qemu_command(env, iso, smp=None, mem=None, machine=None,
                  serial='stdio', chardev=None, extra=(), gdb=False,
                  net=None, net_device=None, disk=None, disk_device=None,
                  trace=None, trace_append=False):
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
    elif env['accel'] == 'icount':
        # one host thread runs the vCPUs in turn, a guest instruction is
        # a virtual ns: a run repeats exactly (docs/benchmarks.md)
        cmd += ['-accel', 'tcg,thread=single', '-icount', 'shift=0,sleep=off']
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
    if net is not None:
        cmd += net_args(net, net_device)
    if disk is not None:
        cmd += disk_args(disk, disk_device)
    if trace is not None:
        cmd += trace_args(trace, trace_append)
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


def _run_trace(env):
    """The trace file of `scons run` (the option trace=FILE), or None,
    after saying so; raises UserError when it cannot be written."""
    trace = env.get('trace', '')
    if not trace:
        return None
    path = os.path.join(env.Dir('#').abspath, trace)
    if os.path.isdir(path):
        raise UserError('trace=%s is a folder; want a file' % trace)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    print('scons run: trace device writes to %s, emptied now (virtio-console; '
          'type `trace on`, then `trace dump`; each dump is appended; '
          'convert: PYTHONPATH=site_scons python3 -m tracetool %s --json '
          'trace.json; docs/tracing.md)' % (trace, trace), flush=True)
    return path


def _run_devices(env):
    """The net= and disk= arguments of `scons run` from the options, after
    printing what they give; raises UserError when they cannot work."""
    net = None
    if env.get('net', 'on') != 'off':
        try:
            port = int(env.get('port', 8080))
        except ValueError:
            port = 0
        if not 1 <= port <= 65535:
            raise UserError('port=%s: want a port number 1..65535'
                            % env.get('port'))
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', port))
        except OSError as e:
            raise UserError('127.0.0.1:%d is taken (%s); pick another with '
                            'port=N, or net=off' % (port, e.strerror))
        finally:
            s.close()
        net = [('tcp', port, RUN_GUEST_PORT)]
        print('scons run: http://127.0.0.1:%d/ reaches guest port %d '
              '(virtio-net; port=N to change, net=off for none)'
              % (port, RUN_GUEST_PORT), flush=True)
    disk = env.get('disk', 'build/disk.img')
    if disk == 'off':
        return net, None
    path = env.File('#' + disk).abspath if not os.path.isabs(disk) else disk
    made = not os.path.exists(path)
    if made:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.truncate(RUN_DISK_SIZE)          # sparse: reads as zeros
    elif not os.path.isfile(path):
        raise UserError('disk=%s is not a file' % disk)
    print('scons run: disk %s, %d MiB%s (virtio-blk; disk=PATH for another, '
          'disk=off for none)' % (disk, os.path.getsize(path) >> 20,
                                  ', new and zero-filled' if made else
                                  ', kept from earlier runs'), flush=True)
    return net, path


class UserError(Exception):
    pass


def run_environ(base, preload):
    """QEMU's environment for `scons run`: base (a dict) with preload (a
    path, or None) put first in LD_PRELOAD."""
    out = dict(base)
    if preload:
        old = out.get('LD_PRELOAD')
        out['LD_PRELOAD'] = preload + (':' + old if old else '')
    return out


def _run_qemu(env, iso, kernel, gdb, preload=None):
    try:
        net, disk = _run_devices(env)
        trace = _run_trace(env)
    except (UserError, OSError) as e:
        print('scons run: %s' % e)
        return 1
    if not net or (preload and not os.path.exists(preload)):
        preload = None
    if preload:
        print('scons run: QEMU listens for the forward with a backlog of 128 '
              '(%s preloaded; libslirp\'s own is 1)'
              % os.path.relpath(preload), flush=True)
    cmd = _qemu_command(env, iso, serial='mon:stdio', gdb=gdb, net=net,
                        disk=disk, trace=trace)
    if env.get('VERBOSE'):
        print(' '.join(shlex.quote(c) for c in cmd))
    print('qemu: serial console on this terminal; press Ctrl-A then X to quit '
          '(Ctrl-A C: QEMU monitor)', flush=True)
    if gdb:
        print('qemu: halted at the first instruction; in another terminal run:\n'
              "  gdb %s -ex 'target remote :1234'" % kernel, flush=True)
    try:
        status = subprocess.call(cmd, env=run_environ(env['ENV'], preload))
    except OSError as e:
        print('qemu: cannot run %s: %s (run site_scons/install.sh)' % (QEMU, e))
        return 1
    except KeyboardInterrupt:
        return 0
    if status != 0:
        print('qemu: exit status %d: %s' % (status, exit_meaning(status)))
    return status


def _qemu_alias(env, alias, iso, kernel, gdb, preload=None):
    iso_path = env.File(iso).path if not isinstance(iso, (list, tuple)) \
        else env.File(iso[0]).path
    k = kernel[0] if isinstance(kernel, (list, tuple)) else kernel
    kernel_path = env.File(k).path
    lib = env.Flatten([preload])[0] if preload else None
    lib_path = env.File(lib).abspath if lib else None

    def action(target, source, env):
        return _run_qemu(env, iso_path, kernel_path, gdb, lib_path)

    a = env.Alias(alias, [iso, kernel] + ([lib] if lib else []),
                  Action(action, None))
    env.AlwaysBuild(a)
    return a


def _qemu_run(env, alias, iso, kernel, preload=None):
    return _qemu_alias(env, alias, iso, kernel, gdb=False, preload=preload)


def _qemu_debug(env, alias, iso, kernel, preload=None):
    return _qemu_alias(env, alias, iso, kernel, gdb=True, preload=preload)


def generate(env):
    env.AddMethod(_qemu_command, 'QemuCommand')
    env.AddMethod(_qemu_run, 'QemuRun')
    env.AddMethod(_qemu_debug, 'QemuDebug')
    env.AddMethod(lambda env, status: exit_meaning(status), 'QemuExitMeaning')
    env.AddMethod(lambda env, base, preload: run_environ(base, preload),
                  'QemuRunEnviron')


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
