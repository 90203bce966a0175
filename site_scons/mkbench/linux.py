# SPDX-License-Identifier: MIT
"""The Linux baseline guest: Debian's kernel and busybox, our initramfs.

fetch(cache) resolves linux-image-amd64 to the real kernel package
(linux-image-6.1.0-N-amd64) with apt-cache, `apt-get download`s it and
busybox-static into `cache` (no root needed), and unpacks vmlinuz, the
virtio-net modules and busybox from them. It raises FetchError with the
reason when any step fails; nothing is fetched twice.

initramfs(out, cache_info, programs) writes a gzip'd newc cpio (written
here, no cpio program needed) with busybox, /init (INIT below), the virtio
network modules and the given static programs in /bin.

The guest's behaviour is chosen on the kernel command line:
  mkos_run=boot      print the marker and power off
  mkos_run=pingpong  run `pingpong all ROUNDS` (mkos_rounds=N), power off
  mkos_run=isolation pingpong ring and futex, then again with a busy
                     loop pinned to the last CPU (`quiet`/`noisy` lines)
  mkos_run=remote    run `pingpong remote ROUNDS` (mkos_rounds=N), power off;
                     its spawnexec execs /bin/pingpong again (through
                     /proc/self/exe) as the static program a forked
                     child starts on the last CPU
  mkos_run=httpd     load virtio-net, configure eth0 like QEMU's user net,
                     start busybox httpd on port 80, print `httpd ready`
CPUs the kernel left offline (maxcpus=1: ICOUNT_APPEND) are brought online
first. Every run prints MARKER (`mkos-linux: init reached, N cpus, uptime S s`)
first.
"""

import glob
import gzip
import os
import re
import shutil
import subprocess

META = 'linux-image-amd64'
BUSYBOX = 'busybox-static'
MARKER = r'mkos-linux: init reached, (\d+) cpus'
# The rest of the marker's line: the kernel's uptime when init printed it
# (the boot suite's guest clock; virtual under bench_icount).
UPTIME = MARKER + r', uptime ([\d.]+) s'
NET_MODULES = ['kernel/drivers/virtio/virtio_ring.ko',
               'kernel/drivers/virtio/virtio.ko',
               'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
               'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
               'kernel/drivers/virtio/virtio_pci.ko',
               'kernel/net/core/failover.ko',
               'kernel/drivers/net/net_failover.ko',
               'kernel/drivers/net/virtio_net.ko']

INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp /www
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
	[ "$(cat $c)" = 1 ] || echo 1 > $c
done
arg() { sed -n "s/.*$1=\([a-z0-9]*\).*/\1/p" /proc/cmdline; }
echo "mkos-linux: init reached, $(grep -c ^processor /proc/cpuinfo) cpus, uptime $(cut -d' ' -f1 /proc/uptime) s"
case "$(arg mkos_run)" in
pingpong)
	/bin/pingpong all $(arg mkos_rounds)
	echo "mkos-linux: pingpong status $?"
	;;
remote)
	/bin/pingpong remote $(arg mkos_rounds)
	echo "mkos-linux: remote status $?"
	;;
isolation)
	r=$(arg mkos_rounds)
	echo "mkos-linux: quiet"
	/bin/pingpong ring $r; /bin/pingpong futex $r
	taskset -c $(($(nproc) - 1)) sh -c 'while :; do :; done' &
	echo "mkos-linux: noisy"
	/bin/pingpong ring $r; /bin/pingpong futex $r
	kill $!
	echo "mkos-linux: isolation done"
	;;
httpd)
	for pass in 1 2 3; do
		for m in /lib/modules/*.ko; do insmod $m 2>/dev/null; done
	done
	ls /sys/class/net
	ifconfig lo 127.0.0.1 up
	ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
	route add default gw 10.0.2.2
	echo "hello from the Linux baseline" > /www/index.html
	httpd -p 80 -h /www
	echo "mkos-linux: httpd ready"
	while true; do sleep 3600; done
	;;
esac
echo "mkos-linux: done"
poweroff -f
'''


# Under bench_icount (QEMU 7.2, one TCG thread), this kernel hangs bringing
# up its secondary CPUs at boot (the boot CPU in the scheduler, the others
# spinning in cpu_init's wait for it), but brings them up fine from init
# through sysfs: so it boots on one and INIT onlines the rest.
ICOUNT_APPEND = 'maxcpus=1'


class FetchError(Exception):
    pass


def _run(cmd, cwd=None):
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except OSError as e:
        raise FetchError('%s: %s' % (cmd[0], e))
    if r.returncode != 0:
        raise FetchError('`%s` failed (status %d): %s' % (
            ' '.join(cmd), r.returncode,
            (r.stderr or r.stdout).strip().splitlines()[-1:] or ''))
    return r.stdout


def kernel_package():
    """linux-image-amd64's real kernel package name, from apt-cache."""
    out = _run(['apt-cache', 'depends', META])
    m = re.search(r'Depends:\s*(linux-image-\S+-amd64)', out)
    if not m:
        raise FetchError('apt-cache depends %s names no linux-image-*-amd64'
                         % META)
    return m.group(1)


def _deb(cache, package):
    hits = sorted(glob.glob(os.path.join(cache, package + '_*.deb')))
    if hits:
        return hits[-1]
    _run(['apt-get', 'download', package], cwd=cache)
    hits = sorted(glob.glob(os.path.join(cache, package + '_*.deb')))
    if not hits:
        raise FetchError('apt-get download %s left no .deb in %s'
                         % (package, cache))
    return hits[-1]


def _unpack(deb, dest, members):
    """Unpacks the tar members (./-relative wildcards) of a .deb."""
    os.makedirs(dest, exist_ok=True)
    cmd = 'd="$1"; shift; dpkg-deb --fsys-tarfile "$0" | tar -x -C "$d" --wildcards "$@"'
    _run(['sh', '-c', cmd, deb, dest] + members)


def fetch(cache, log=print):
    """Returns {'kernel', 'version', 'busybox', 'modules', 'packages'}."""
    os.makedirs(cache, exist_ok=True)
    pkg = kernel_package()
    kdeb = _deb(cache, pkg)
    bdeb = _deb(cache, BUSYBOX)
    tree = os.path.join(cache, 'tree-' + os.path.basename(kdeb)[:-4])
    if not glob.glob(os.path.join(tree, 'boot', 'vmlinuz-*')):
        log('bench: unpacking %s' % os.path.basename(kdeb))
        shutil.rmtree(tree, ignore_errors=True)
        _unpack(kdeb, tree, ['./boot/vmlinuz-*'] +
                ['./lib/modules/*/' + m for m in NET_MODULES])
    btree = os.path.join(cache, 'tree-' + os.path.basename(bdeb)[:-4])
    if not os.path.exists(os.path.join(btree, 'bin', 'busybox')):
        shutil.rmtree(btree, ignore_errors=True)
        _unpack(bdeb, btree, ['./bin/busybox'])
    vml = glob.glob(os.path.join(tree, 'boot', 'vmlinuz-*'))
    if not vml:
        raise FetchError('%s holds no boot/vmlinuz-*' % kdeb)
    version = os.path.basename(vml[0])[len('vmlinuz-'):]
    mods = []
    for m in NET_MODULES:
        hit = glob.glob(os.path.join(tree, 'lib', 'modules', '*', m))
        if hit:
            mods.append(hit[0])
    return {'kernel': vml[0], 'version': version,
            'busybox': os.path.join(btree, 'bin', 'busybox'),
            'modules': mods,
            'packages': [os.path.basename(kdeb), os.path.basename(bdeb)]}


# ---------------------------------------------------------------- cpio

def _cpio_entry(out, ino, name, mode, data=b'', rdev=(0, 0)):
    hdr = '070701' + ''.join('%08x' % v for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name) + 1, 0))
    buf = hdr.encode() + name.encode() + b'\0'
    buf += b'\0' * (-len(buf) % 4)
    buf += data + b'\0' * (-len(data) % 4)
    out.write(buf)


def initramfs(out, info, programs):
    """Writes the initramfs `out`; programs: {name in /bin: host path}."""
    files = [('init', 0o100755, INIT.encode()),
             ('bin/busybox', 0o100755, open(info['busybox'], 'rb').read())]
    for name, path in sorted(programs.items()):
        files.append(('bin/' + name, 0o100755, open(path, 'rb').read()))
    for m in info['modules']:
        files.append(('lib/modules/%02d-%s' % (len(files),
                                               os.path.basename(m)),
                      0o100644, open(m, 'rb').read()))
    # Modules load in /lib/modules/*.ko glob order: number them in
    # dependency order (NET_MODULES' order).
    dirs = ['bin', 'dev', 'lib', 'lib/modules', 'proc', 'sys', 'tmp']
    os.makedirs(os.path.dirname(out) or '.', exist_ok=True)
    with gzip.open(out + '.tmp', 'wb', compresslevel=6) as f:
        ino = 1
        for d in dirs:
            _cpio_entry(f, ino, d, 0o40755)
            ino += 1
        # The kernel opens /dev/console for init before devtmpfs exists.
        _cpio_entry(f, ino, 'dev/console', 0o20600, rdev=(5, 1))
        ino += 1
        for name, mode, data in files:
            _cpio_entry(f, ino, name, mode, data)
            ino += 1
        _cpio_entry(f, 0, 'TRAILER!!!', 0)
    os.replace(out + '.tmp', out)
    return out


def qemu_command(env, qemu, info, initrd, smp, chardev, run='boot',
                 extra_append='', net=None, mem=None):
    """The QEMU argv booting the baseline with the same machine, accelerator,
    memory (mem=, else the option) and qemu_args as env.QemuCommand gives
    our ISO."""
    iso_cmd = env.QemuCommand('/dev/null', smp=smp, mem=mem,
                              serial='chardev:com1', chardev=chardev, net=net)
    i = iso_cmd.index('-cdrom')
    append = 'console=ttyS0 quiet panic=-1 mkos_run=%s %s' % (run,
                                                              extra_append)
    return (iso_cmd[:i] + ['-kernel', info['kernel'], '-initrd', initrd,
                           '-append', append.strip()] + iso_cmd[i + 2:])
