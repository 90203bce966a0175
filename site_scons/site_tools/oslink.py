# SPDX-License-Identifier: MIT
"""Linking the CPU driver and ring-3 programs.

kenv.CpuDriver(target, sources) links the Multiboot2 kernel with
cpudriver/arch/x86_64/kernel.ld and emits target.map and target.sym (nm).
uenv.UserProgram(target, sources, LIBOS=libos) links a static ring-3 ELF at
the user base with libos/arch/x86_64/user.ld, libos's start-up object first
and LIBOS['lib'] (a library or a list of them) last, as one link group.
"""

import os

from SCons.Script import Action, Builder


def _map_emitter(target, source, env):
    base = os.path.splitext(str(target[0]))[0]
    target.append(env.File(base + '.map'))
    return target, source


def _objects(env, sources):
    """Compiles what is source; passes objects and libraries through."""
    objs = []
    for s in env.Flatten(sources):
        if str(s).endswith(('.o', '.a')):
            objs.append(s)
        else:
            objs += env.Object(s)
    return objs


def _cpudriver(env, target, sources):
    objs = _objects(env, sources)
    ld = env.File('#cpudriver/arch/x86_64/kernel.ld')
    elf = env.KernelLink(target, objs, LDSCRIPT=ld)
    env.Depends(elf, ld)
    sym = env.Command(os.path.splitext(str(elf[0]))[0] + '.sym', elf[0],
                      Action('nm -n $SOURCE > $TARGET',
                             None if env.get('VERBOSE') else 'NM      $TARGET'))
    env.Depends(sym, elf)
    return elf[0]


def _user_program(env, target, sources, LIBOS=None):
    objs = _objects(env, sources)
    ld = env.File('#libos/arch/x86_64/user.ld')
    srcs = []
    lib = []
    if LIBOS is not None:
        srcs = [LIBOS['crt0']]
        lib = env.Flatten([LIBOS['lib']])
    # libos's libraries in one group: the linker goes round them until
    # nothing more resolves, so a library may use one listed before it
    # (channels calling back into libos's system-call stubs)
    elf = env.UserLink(target, srcs + objs, LDSCRIPT=ld, OSLIBS=lib)
    env.Depends(elf, [ld] + lib)
    return elf[0]


def generate(env):
    com = '$LINK $LINKFLAGS -T $LDSCRIPT -Map=${TARGETS[1]} -o ${TARGETS[0]} $SOURCES'
    env['BUILDERS']['KernelLink'] = Builder(
        action=Action(com, None if env.get('VERBOSE') else 'LD      $TARGET'),
        emitter=_map_emitter, suffix='.elf')
    ucom = com + ' --start-group $OSLIBS --end-group'
    env['BUILDERS']['UserLink'] = Builder(
        action=Action(ucom, None if env.get('VERBOSE') else 'LD      $TARGET'),
        emitter=_map_emitter, suffix='.elf')
    env.AddMethod(_cpudriver, 'CpuDriver')
    env.AddMethod(_user_program, 'UserProgram')


def exists(env):
    return env.Detect('ld') or env.Detect('ld.lld')
