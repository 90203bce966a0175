# SPDX-License-Identifier: MIT
"""Freestanding x86-64 toolchain for the CPU driver and ring-3 programs.

env.KernelEnv() -> environment for the CPU driver (mcmodel=kernel, no red
zone, no SSE, no libc). env.UserEnv() -> environment for monitor and apps
(static, non-PIC, linked with libos; every function and object in a
section of its own and the linker dropping the ones nothing reaches, so
the modules GRUB reads from the emulated CD at every boot are about half
the size). env['OSENV'] names the kind,
'kernel' or 'user' (freestanding.py builds per kind). Both use gcc by default or clang with
cc=clang; both compile with -nostdinc plus the compiler's own freestanding
headers and libos/include (our string.h etc.).
"""

import subprocess

from SCons.Script import Exit


def _compiler_include(cc):
    try:
        out = subprocess.run([cc, '-print-file-name=include'], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return out


def _common(env):
    cc = env['cc']
    e = env.Clone()
    e['CC'] = cc
    e['AS'] = cc
    e['LINK'] = 'ld.lld' if cc == 'clang' else 'ld'
    inc = _compiler_include(cc)
    if not inc:
        print('error: cannot run %s (run site_scons/install.sh)' % cc)
        Exit(2)
    opt = ['-O1', '-DDEBUG=1'] if env['debug'] else ['-O2']
    e.Replace(CCFLAGS=['-std=c11', '-g', '-Wall', '-Wextra', '-Werror=implicit-function-declaration',
                       '-ffreestanding', '-fno-builtin', '-nostdinc', '-isystem', inc,
                       '-fno-pic', '-fno-pie', '-fno-stack-protector',
                       '-fno-asynchronous-unwind-tables', '-fomit-frame-pointer',
                       '-m64', '-march=x86-64'] + opt,
              ASFLAGS=['-g', '-m64', '-fno-pic', '-fno-pie'],
              CPPPATH=['#cpudriver/include', '#libos/include', '#channels/include',
                       '#drivers/include'],
              LINKFLAGS=['-nostdlib', '-static', '--build-id=none', '-z', 'max-page-size=4096'],
              LIBS=[], LIBPATH=[])
    if cc == 'clang':
        e.Append(CCFLAGS=['--target=x86_64-unknown-none-elf'],
                 ASFLAGS=['--target=x86_64-unknown-none-elf'])
    e['ASPPCOM'] = '$CC $ASFLAGS $_CPPDEFFLAGS $_CPPINCFLAGS -c -o $TARGET $SOURCES'
    e['ASCOM'] = e['ASPPCOM']
    e['LINKCOM'] = '$LINK $LINKFLAGS -o $TARGET $SOURCES $_LIBDIRFLAGS $_LIBFLAGS'
    e['PROGSUFFIX'] = '.elf'
    return e


def _kernel_env(env):
    e = _common(env)
    e.Append(CCFLAGS=['-mcmodel=kernel', '-mno-red-zone', '-mgeneral-regs-only',
                      '-mno-mmx', '-mno-sse', '-mno-sse2'],
             CPPDEFINES=['KERNEL'],
             CPPPATH=['#cpudriver', '#cpudriver/arch/x86_64'])
    e['OSENV'] = 'kernel'  # the kind env.BaseLib() and friends build for
    return e


def _user_env(env):
    e = _common(env)
    e.Append(CCFLAGS=['-mno-red-zone', '-mgeneral-regs-only',
                      '-ffunction-sections', '-fdata-sections'],
             LINKFLAGS=['--gc-sections'],
             CPPDEFINES=['USERLAND'])
    e['OSENV'] = 'user'
    return e


def generate(env):
    env.AddMethod(_kernel_env, 'KernelEnv')
    env.AddMethod(_user_env, 'UserEnv')


def exists(env):
    return env.Detect(env.get('cc', 'gcc'))
