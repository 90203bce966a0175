# SPDX-License-Identifier: MIT
"""The GRUB (Multiboot2) boot ISO.

env.BootIso(target, cpudriver, modules, MANIFEST=file, CMDLINE='',
            BUNDLE=True) stages
  /boot/cpudriver, /boot/bundle (every (name, node) in modules, then the
  manifest as "manifest" if MANIFEST is not None) and /boot/grub/grub.cfg
and runs grub-mkrescue. GRUB loads the bundle as one module named "bundle"
(layout: cpudriver/include/abi/bundle.h); the CPU driver takes each member
as a module of that name, and finds the monitor, the programs and the
manifest by it. One file instead of one per module: GRUB's open and read of
a file from the emulated CD costs about a millisecond each under TCG
(docs/benchmarks.md, "Boot: one file for the modules, ..."). With BUNDLE=False each
module is its own file /boot/<name> and GRUB module, its command line its
name (the CPU driver reads both forms; tests boot both). A name may contain
'/' (web pages are "www/index.html"). Names are at most 31 bytes of
[A-Za-z0-9._/-], without empty, "." or ".." parts (the CPU driver's
BOOT_NAME_MAX, and a safe GRUB path), and not "bundle" when bundled.
A module node may be any file (tests use this for broken images). CMDLINE
is the CPU driver's command line (e.g. 'ktest', see docs/cpudriver.md).

The CPU driver and every module that is an ELF file go into the ISO
(or the bundle) stripped (`strip --strip-all`: no symbols, no debug info): GRUB reads each
byte of the image from the emulated CD, and the debug info was about 90% of
them (8 MB of 9). Nothing in the guest reads symbols; gdb reads them from
the unstripped files in build/ (build/cpudriver/cpudriver.elf, the
programs' build/.../*.elf), whose addresses are the same. A module that is
not an ELF file, or that strip refuses (tests boot broken images), is
copied as it is.
"""

import os
import shutil
import struct
import subprocess
import tempfile

from SCons.Script import Action, Builder

GRUB_CFG = '''set timeout=0
set default=0
menuentry "multikernel" {
	multiboot2 /boot/cpudriver%s
%s	boot
}
'''


STRIP = 'strip'


def _stage(src, dst):
    """Copies src to dst, stripped of symbols and debug info if it is an
    ELF file that strip accepts; else byte for byte."""
    with open(src, 'rb') as f:
        elf = f.read(4) == b'\x7fELF'
    if elf and shutil.which(STRIP):
        r = subprocess.run([STRIP, '--strip-all', '-o', dst, src],
                           capture_output=True)
        if r.returncode == 0:
            return
    shutil.copy(src, dst)


BUNDLE_MAGIC = b'MKBUNDL1'
BUNDLE_ALIGN = 4096
BUNDLE_NAME = 'bundle'


def bundle_bytes(members):
    """The bundle (cpudriver/include/abi/bundle.h) of members, a list of
    (name, bytes): the header, the entry table, then each member at the
    next multiple of BUNDLE_ALIGN, the gaps zero."""
    table_end = 16 + 48 * len(members)
    head = BUNDLE_MAGIC + struct.pack('<II', len(members), 0)
    entries = b''
    body = b''
    off = table_end
    for name, data in members:
        off = (off + BUNDLE_ALIGN - 1) // BUNDLE_ALIGN * BUNDLE_ALIGN
        entries += struct.pack('<32sQQ', name.encode(), off, len(data))
        body += b'\0' * (off - table_end - len(body)) + data
        off += len(data)
    return head + entries + body


def _build_iso(target, source, env):
    names = env['ISO_MODULE_NAMES']
    kernel = str(source[0])
    mods = [str(s) for s in source[1:1 + len(names)]]
    manifest = str(source[1 + len(names)]) if env.get('ISO_HAS_MANIFEST') else None
    stage = tempfile.mkdtemp(prefix='iso-', dir=os.path.dirname(str(target[0])) or '.')
    try:
        boot = os.path.join(stage, 'boot')
        os.makedirs(os.path.join(boot, 'grub'))
        _stage(kernel, os.path.join(boot, 'cpudriver'))
        lines = ''
        members = []
        for name, path in zip(names, mods):
            if env['ISO_BUNDLE']:
                tmp = os.path.join(stage, 'member')
                _stage(path, tmp)
                with open(tmp, 'rb') as f:
                    members.append((name, f.read()))
                os.remove(tmp)
                continue
            dst = os.path.join(boot, *name.split('/'))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            _stage(path, dst)
            lines += '\tmodule2 /boot/%s %s\n' % (name, name)
        if manifest and env['ISO_BUNDLE']:
            with open(manifest, 'rb') as f:
                members.append(('manifest', f.read()))
        elif manifest:
            shutil.copy(manifest, os.path.join(boot, 'manifest'))
            lines += '\tmodule2 /boot/manifest manifest\n'
        if members:
            with open(os.path.join(boot, BUNDLE_NAME), 'wb') as f:
                f.write(bundle_bytes(members))
            lines += '\tmodule2 /boot/%s %s\n' % (BUNDLE_NAME, BUNDLE_NAME)
        with open(os.path.join(boot, 'grub', 'grub.cfg'), 'w') as f:
            cmd = env.get('ISO_CMDLINE', '')
            f.write(GRUB_CFG % ((' ' + cmd) if cmd else '', lines))
        r = subprocess.run(['grub-mkrescue', '-o', str(target[0]), stage],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            return 1
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return 0


NAME_MAX = 31
NAME_CHARS = set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
                 '0123456789._-/')


def _check_name(name, bundle):
    """Raises UserError unless name is a good GRUB module name."""
    from SCons.Errors import UserError
    parts = name.split('/')
    if (not name or len(name) > NAME_MAX or not set(name) <= NAME_CHARS or
            any(p in ('', '.', '..') for p in parts) or
            name in ('cpudriver', 'manifest') or parts[0] == 'grub' or
            (bundle and name == BUNDLE_NAME)):
        raise UserError('BootIso: bad module name %r (at most %d bytes of '
                        '[A-Za-z0-9._/-], no empty, "." or ".." parts, not '
                        'a name the ISO uses itself)' % (name, NAME_MAX))


def _boot_iso(env, target, cpudriver, modules, MANIFEST=None, CMDLINE='',
              BUNDLE=True):
    names = [n for n, _ in modules]
    for n in names:
        _check_name(n, BUNDLE)
    nodes = [m for _, m in modules]
    srcs = [cpudriver] + nodes + ([MANIFEST] if MANIFEST is not None else [])
    iso = env.Command(target, srcs,
                      Action(_build_iso, None if env.get('VERBOSE') else 'ISO     $TARGET'),
                      ISO_MODULE_NAMES=names, ISO_HAS_MANIFEST=MANIFEST is not None,
                      ISO_CMDLINE=CMDLINE, ISO_BUNDLE=bool(BUNDLE))
    env.Depends(iso, env.Value(repr((names, CMDLINE, bool(BUNDLE)))))
    return iso[0]


def generate(env):
    env.AddMethod(_boot_iso, 'BootIso')


def exists(env):
    return env.Detect('grub-mkrescue') and env.Detect('xorriso')
