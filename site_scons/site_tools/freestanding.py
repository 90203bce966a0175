# SPDX-License-Identifier: MIT
"""Freestanding libraries built for the kernel and for ring-3 programs.

env.BaseLib() -> the shared freestanding library libbase.a (string, fmt and
  the number parser: libos/base/, whose SConscript lists the sources),
  compiled with env's compiler flags into build/base/<kind>/, where <kind>
  is env['OSENV'] ('kernel' for env.KernelEnv(), 'user' for
  env.UserEnv()). It is built once per kind: the CPU driver and libos both
  call it and share the one copy of their kind. Only the include path
  libos/base needs is used, so callers may add their own; a caller whose
  compiler flags differ from the first caller's of its kind is an error.
  Link it last: it depends on nothing.
env.FreestandingLib(name, sources) -> lib<name>.a of sources compiled with
  env, under <kind>/ in the calling SConscript's build folder, so that one
  component's SConscript can build the same files for both kinds
  (channels/SConscript: kenv.FreestandingLib('channels', ['ring.c'])).
"""

from SCons.Errors import UserError

BASE_SCONSCRIPT = '#libos/base/SConscript'
BASE_CPPPATH = ['#libos/include', '#cpudriver/include']

# kind -> (flags signature, library node); one SCons run, one copy a kind
_built = {}


def _kind(env):
    kind = env.get('OSENV')
    if kind not in ('kernel', 'user'):
        raise UserError('freestanding: not a KernelEnv()/UserEnv() '
                        'environment (OSENV=%r)' % (kind,))
    return kind


def _signature(env):
    return tuple(env.subst(v) for v in ('$CC', '$CCFLAGS', '$CFLAGS',
                                        '$_CPPDEFFLAGS'))


def _base_lib(env):
    kind = _kind(env)
    sig = _signature(env)
    if kind in _built:
        first, lib = _built[kind]
        if first != sig:
            raise UserError('env.BaseLib(): the %s library is built once, '
                            'and this caller compiles with other flags '
                            '(%s) than the first (%s)'
                            % (kind, ' '.join(sig), ' '.join(first)))
        return lib
    e = env.Clone()
    e.Replace(CPPPATH=list(BASE_CPPPATH))
    lib = e.SConscript(BASE_SCONSCRIPT, variant_dir='#build/base/' + kind,
                       duplicate=0, exports={'env': e})
    lib = env.Flatten([lib])[0]
    _built[kind] = (sig, lib)
    return lib


def _freestanding_lib(env, name, sources):
    kind = _kind(env)
    objs = []
    for s in env.Flatten([sources]):
        node = env.File(s)
        stem = node.srcnode().get_path(env.Dir('.').srcnode())
        objs += env.Object('%s/%s' % (kind, stem.rsplit('.', 1)[0]), node)
    return env.StaticLibrary('%s/%s' % (kind, name), objs)[0]


def generate(env):
    env.AddMethod(_base_lib, 'BaseLib')
    env.AddMethod(_freestanding_lib, 'FreestandingLib')


def exists(env):
    return True
