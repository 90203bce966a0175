# SPDX-License-Identifier: MIT
"""The GRUB (Multiboot2) boot ISO.

env.BootIso(target, cpudriver, modules, MANIFEST=file, CMDLINE='') stages
  /boot/cpudriver, /boot/<name> for every (name, node) in modules,
  /boot/manifest (if MANIFEST is not None) and /boot/grub/grub.cfg
and runs grub-mkrescue. Each module's GRUB command line is its name; the CPU
driver finds the monitor, the programs and the manifest by that name. A name
may contain '/' (web pages are "www/index.html"): the file is staged in that
subfolder of /boot. Names are at most 31 bytes of [A-Za-z0-9._/-], without
empty, "." or ".." parts (the CPU driver's BOOT_NAME_MAX, and a safe GRUB
path).
A module node may be any file (tests use this for broken images). CMDLINE
is the CPU driver's command line (e.g. 'ktest', see docs/cpudriver.md).

The CPU driver and every module that is an ELF file go into the ISO
stripped (`strip --strip-all`: no symbols, no debug info): GRUB reads each
byte of the image from the emulated CD, and the debug info was about 90% of
them (8 MB of 9). Nothing in the guest reads symbols; gdb reads them from
the unstripped files in build/ (build/cpudriver/cpudriver.elf, the
programs' build/.../*.elf), whose addresses are the same. A module that is
not an ELF file, or that strip refuses (tests boot broken images), is
copied as it is.
"""

import os
import shutil
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
        for name, path in zip(names, mods):
            dst = os.path.join(boot, *name.split('/'))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            _stage(path, dst)
            lines += '\tmodule2 /boot/%s %s\n' % (name, name)
        if manifest:
            shutil.copy(manifest, os.path.join(boot, 'manifest'))
            lines += '\tmodule2 /boot/manifest manifest\n'
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


def _check_name(name):
    """Raises UserError unless name is a good GRUB module name."""
    from SCons.Errors import UserError
    parts = name.split('/')
    if (not name or len(name) > NAME_MAX or not set(name) <= NAME_CHARS or
            any(p in ('', '.', '..') for p in parts) or
            name in ('cpudriver', 'manifest') or parts[0] == 'grub'):
        raise UserError('BootIso: bad module name %r (at most %d bytes of '
                        '[A-Za-z0-9._/-], no empty, "." or ".." parts, not '
                        'a name the ISO uses itself)' % (name, NAME_MAX))


def _boot_iso(env, target, cpudriver, modules, MANIFEST=None, CMDLINE=''):
    names = [n for n, _ in modules]
    for n in names:
        _check_name(n)
    nodes = [m for _, m in modules]
    srcs = [cpudriver] + nodes + ([MANIFEST] if MANIFEST is not None else [])
    iso = env.Command(target, srcs,
                      Action(_build_iso, None if env.get('VERBOSE') else 'ISO     $TARGET'),
                      ISO_MODULE_NAMES=names, ISO_HAS_MANIFEST=MANIFEST is not None,
                      ISO_CMDLINE=CMDLINE)
    env.Depends(iso, env.Value(repr((names, CMDLINE))))
    return iso[0]


def generate(env):
    env.AddMethod(_boot_iso, 'BootIso')


def exists(env):
    return env.Detect('grub-mkrescue') and env.Detect('xorriso')
