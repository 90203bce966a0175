# SPDX-License-Identifier: MIT
"""env.Interface: the interface compiler (site_scons/ifc/) in the build.

    env.Interface('monitor.if') -> [build/.../monitor_if.c]

generates monitor_if.h and monitor_if.c in the calling SConscript's build
folder (a .if outside that SConscript's folder lands there by its base
name), appends that folder to env's CPPPATH, and returns a list holding the
.c node (a list of .if files: their .c nodes), ready for a source list:

    env.UserProgram('monitor.elf', ['main.c'] + env.Interface('monitor.if'))

Objects built from another environment need the folder on their own
CPPPATH. env.HostTest()/FuzzTarget() start from a fresh host environment
unless called on one, so a test does
    h = env.HostEnv(); h.HostTest('test_x', ['test_x.c'] + h.Interface(f))
A malformed .if fails its build step with `file:line: error: message`.

env.InterfaceRejectTests(files) registers one `scons test` test per file,
`ifc/bad/<name>`: it passes when the compiler rejects the file with an
error on the line, and containing the text, that the file's own comment
`# expect-error: LINE: TEXT` names.

This file is only the SCons side (the builder, its emitter, the methods);
the language, the checks and the generated C are the package ifc's
(site_scons/ifc/__init__.py describes them).
"""

import glob
import os
import re

from SCons.Script import Action, Builder

import ifc

# What the generated files depend on besides the .if: the compiler itself.
_COMPILER = sorted(glob.glob(os.path.join(os.path.dirname(ifc.__file__),
                                          '*.py')))


def _shown(env, node):
    path = node.srcnode().abspath
    try:
        return os.path.relpath(path, env.Dir('#').abspath)
    except ValueError:
        return path


def _ifc_action(target, source, env):
    src = source[0].srcnode()
    shown = _shown(env, src)
    try:
        header, code = ifc.compile(src.abspath, shown)
    except ifc.IfcError as e:
        return str(e)              # fails the step with this as its error
    except OSError as e:
        return '%s: error: %s' % (shown, e.strerror or e)
    for node, text in ((target[0], code), (target[1], header)):
        with open(node.abspath, 'w') as f:
            f.write(text)
    return 0


def _emitter(target, source, env):
    t = target[0]
    return [t, t.dir.File(os.path.splitext(t.name)[0] + '.h')], source


def _interface(env, source):
    """env.Interface('foo.if') -> [foo_if.c]; see the module's docstring.
    A list of .if files gives the list of their .c nodes."""
    out = []
    for s in env.Flatten([source]):
        out += _interface_one(env, env.File(s) if isinstance(s, str) else s)
    return out


def _interface_one(env, src):
    here = env.Dir('.')
    here_src = here.srcnode()
    s = src.srcnode()
    if s.is_under(here_src):
        rel = s.get_path(here_src)
    else:
        rel = s.name
    out = here if here is not here_src else env.Dir('#build/ifc')
    base = os.path.splitext(rel)[0] + '_if'
    c_node = out.File(base + '.c')
    nodes = env.IfcCompile([c_node], src)
    env.Depends(nodes, [env.File(os.path.abspath(__file__))] +
                [env.File(f) for f in _COMPILER])
    env.AppendUnique(CPPPATH=[c_node.dir])
    return [nodes[0]]


def _reject_check(path, shown):
    """Runs at `scons test` time: (ok, reason) for one bad .if file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'#\s*expect-error:\s*(\d+)\s*:\s*(.*\S)', text)
    if not m:
        return False, ("%s has no '# expect-error: LINE: TEXT' comment" %
                       shown)
    line, want = int(m.group(1)), m.group(2)
    try:
        ifc.compile_text(path, text, shown)
    except ifc.IfcError as e:
        if e.line != line or want.lower() not in e.msg.lower():
            return False, ('wanted line %d with "%s"; got: %s' %
                           (line, want, e))
        return True, ''
    return False, 'accepted; wanted line %d with "%s"' % (line, want)


def _interface_reject_tests(env, files):
    from ostest import PLAN
    for f in sorted(env.Flatten([files]), key=str):
        node = (env.File(f) if isinstance(f, str) else f).srcnode()
        shown = _shown(env, node)
        name = 'ifc/bad/' + os.path.splitext(node.name)[0]
        PLAN.checks.append((name, lambda p=node.abspath, s=shown:
                            _reject_check(p, s)))


def generate(env):
    env['BUILDERS']['IfcCompile'] = Builder(
        action=Action(_ifc_action,
                      None if env.get('VERBOSE') else 'IFC     $SOURCE'),
        emitter=_emitter, src_suffix='.if', suffix='_if.c')
    env.AddMethod(_interface, 'Interface')
    env.AddMethod(_interface_reject_tests, 'InterfaceRejectTests')


def exists(env):
    return True
