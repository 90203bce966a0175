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
  mkos_run=nginx     the same network, then Debian's nginx (NGINX_CONF:
                     one worker, no master process, no access log,
                     keep-alive, open file cache) on port 80, print
                     `nginx ready`
Both web servers serve /www/index.html: the page given to initramfs
(ours, apps/httpd/www/index.html), so all servers send the same bytes.

nginx (fetch_nginx) is Debian's package `nginx`, fetched like the kernel,
with the shared libraries it needs (its ELF NEEDED entries, followed
recursively, found in the packages it depends on) copied into the
initramfs under /lib/x86_64-linux-gnu, and the dynamic loader at its
ELF interpreter path.
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
httpd|nginx)
	for pass in 1 2 3; do
		for m in /lib/modules/*.ko; do insmod $m 2>/dev/null; done
	done
	ls /sys/class/net
	ifconfig lo 127.0.0.1 up
	ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
	route add default gw 10.0.2.2
	[ -s /www/index.html ] ||
		echo "hello from the Linux baseline" > /www/index.html
	if [ "$(arg mkos_run)" = nginx ]; then
		mkdir -p /var/lib/nginx /var/log/nginx /run
		if [ -x /usr/sbin/nginx ]; then
			/usr/sbin/nginx -c /etc/nginx/bench.conf &
			sleep 1
			nginx_pid=$!
			kill -0 $nginx_pid 2>/dev/null &&
				echo "mkos-linux: nginx ready" ||
				echo "mkos-linux: nginx failed"
		else
			echo "mkos-linux: nginx failed: not in the initramfs"
		fi
	else
		httpd -p 80 -h /www
		echo "mkos-linux: httpd ready"
	fi
	while true; do sleep 3600; done
	;;
esac
echo "mkos-linux: done"
poweroff -f
'''


# nginx as in Unikraft's evaluation (EuroSys 2021): one worker process and
# no master, no access log, keep-alive connections, an open file cache; our
# page at / from /www. Errors go to the console.
NGINX_CONF = r'''worker_processes 1;
master_process off;
daemon off;
user root root;
pid /run/nginx.pid;
error_log stderr warn;
events {
	worker_connections 1024;
}
http {
	default_type text/html;
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	open_file_cache max=1000 inactive=60s;
	open_file_cache_valid 60s;
	open_file_cache_min_uses 1;
	open_file_cache_errors on;
	server {
		listen 80;
		root /www;
		index index.html;
	}
}
'''
NGINX = 'nginx'
NGINX_NOT_LIBS = ('nginx-common', 'iproute2')
NGINX_LIBDIR = 'lib/x86_64-linux-gnu'


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


def _needed(path):
    """An ELF file's NEEDED entries and its interpreter (or None)."""
    out = _run(['readelf', '-d', '-l', '-W', path])
    interp = re.search(r'Requesting program interpreter: (\S+)\]', out)
    return (re.findall(r'\(NEEDED\).*\[(\S+)\]', out),
            interp.group(1) if interp else None)


def fetch_nginx(cache, log=print):
    """Debian's nginx and the shared libraries it needs, from the packages
    it depends on: {'nginx': path, 'libs': {soname: path}, 'interp':
    (path in the guest, host path), 'packages': [...]}. Raises FetchError."""
    os.makedirs(cache, exist_ok=True)
    deps = re.findall(r'Depends:\s*(\S+)', _run(['apt-cache', 'depends',
                                                   NGINX]))
    # the libraries: every dependency but nginx-common (configuration
    # only) and iproute2 (a tool of its init scripts)
    pkgs = [NGINX] + sorted(set(d for d in deps if d not in NGINX_NOT_LIBS
                                and not d.startswith('<')) | {'libc6'})
    debs = [_deb(cache, p) for p in pkgs]
    tree = os.path.join(cache, 'tree-nginx-' + '-'.join(
        os.path.basename(d)[:-4] for d in debs[:1]))
    stamp = os.path.join(tree, '.unpacked')
    if not os.path.exists(stamp):
        log('bench: unpacking %s and %d library packages'
            % (os.path.basename(debs[0]), len(debs) - 1))
        shutil.rmtree(tree, ignore_errors=True)
        _unpack(debs[0], tree, ['./usr/sbin/nginx'])
        for d in debs[1:]:
            # a package holds its libraries in one of these
            for where in ('./lib/x86_64-linux-gnu/*',
                          './usr/lib/x86_64-linux-gnu/*', './lib64/*'):
                try:
                    _unpack(d, tree, [where])
                except FetchError:
                    pass
        open(stamp, 'w').close()
    nginx = os.path.join(tree, 'usr', 'sbin', 'nginx')
    if not os.path.exists(nginx):
        raise FetchError('%s holds no usr/sbin/nginx' % debs[0])
    dirs = [os.path.join(tree, d) for d in ('lib/x86_64-linux-gnu',
                                            'usr/lib/x86_64-linux-gnu')]
    libs, todo, interp = {}, [nginx], None
    while todo:
        needed, ip = _needed(todo.pop())
        interp = interp or ip
        for so in needed:
            if so in libs:
                continue
            hit = [os.path.join(d, so) for d in dirs
                   if os.path.exists(os.path.join(d, so))]
            if not hit:
                raise FetchError('no %s in the packages %s' % (
                    so, ', '.join(pkgs[1:])))
            libs[so] = hit[0]
            todo.append(hit[0])
    if not interp:
        raise FetchError('nginx names no ELF interpreter')
    host_interp = [os.path.join(d, os.path.basename(interp)) for d in dirs
                   if os.path.exists(os.path.join(d, os.path.basename(
                       interp)))]
    if not host_interp:
        raise FetchError('no %s in libc6' % os.path.basename(interp))
    return {'nginx': nginx, 'libs': libs,
            'interp': (interp.lstrip('/'), host_interp[0]),
            'packages': [os.path.basename(d) for d in debs]}


# ---------------------------------------------------------------- cpio

def _cpio_entry(out, ino, name, mode, data=b'', rdev=(0, 0)):
    hdr = '070701' + ''.join('%08x' % v for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name) + 1, 0))
    buf = hdr.encode() + name.encode() + b'\0'
    buf += b'\0' * (-len(buf) % 4)
    buf += data + b'\0' * (-len(data) % 4)
    out.write(buf)


def initramfs(out, info, programs, page=None, nginx=None):
    """Writes the initramfs `out`; programs: {name in /bin: host path};
    page: the host path of the web servers' /www/index.html; nginx:
    fetch_nginx's result (nginx, its libraries, its configuration)."""
    def read(path):
        with open(path, 'rb') as f:
            return f.read()
    files = [('init', 0o100755, INIT.encode()),
             ('bin/busybox', 0o100755, read(info['busybox']))]
    for name, path in sorted(programs.items()):
        files.append(('bin/' + name, 0o100755, read(path)))
    dirs = ['bin', 'dev', 'lib', 'lib/modules', 'proc', 'sys', 'tmp', 'www']
    if page:
        files.append(('www/index.html', 0o100644, read(page)))
    if nginx:
        dirs += ['etc', 'etc/nginx', 'usr', 'usr/sbin', 'run', 'var',
                 'var/lib', 'var/log', NGINX_LIBDIR]
        files.append(('usr/sbin/nginx', 0o100755, read(nginx['nginx'])))
        files.append(('etc/nginx/bench.conf', 0o100644, NGINX_CONF.encode()))
        files.append(('etc/passwd', 0o100644,
                      b'root:x:0:0:root:/:/bin/sh\n'))
        files.append(('etc/group', 0o100644, b'root:x:0:\n'))
        for so, path in sorted(nginx['libs'].items()):
            files.append((NGINX_LIBDIR + '/' + so, 0o100755, read(path)))
        guest, host = nginx['interp']
        parts = guest.split('/')
        for i in range(1, len(parts)):
            if '/'.join(parts[:i]) not in dirs:
                dirs.append('/'.join(parts[:i]))
        if guest != NGINX_LIBDIR + '/' + os.path.basename(host):
            files.append((guest, 0o100755, read(host)))
    for m in info['modules']:
        files.append(('lib/modules/%02d-%s' % (len(files),
                                               os.path.basename(m)),
                      0o100644, open(m, 'rb').read()))
    # Modules load in /lib/modules/*.ko glob order: number them in
    # dependency order (NET_MODULES' order).
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
