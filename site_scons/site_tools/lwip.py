# SPDX-License-Identifier: MIT
"""lwIP 2.1.3, used as a library (never copied into the tree).

env.LwipTree() -> the top folder of an lwIP 2.1.3 tree (a str), or None
  with env['LWIP_ERROR'] saying why and what to do.
env.LwipCppPath() -> [lwIP's include folder] (empty without a tree), for
  sources that include lwIP headers but are not in LwipLibrary's `port`.
env.LwipLibrary(target, port=[...], **overrides) -> a static library of
  the lwIP files the network stack needs (core, IPv4 with ARP, ICMP,
  DHCP, TCP, UDP, netif/ethernet) plus the `port` sources (sys_now and
  friends: lwIP calls them, so they go into the same archive), compiled
  with env's compiler and flags; env's CPPPATH must name the folder of
  lwipopts.h and arch/cc.h. Works for the ring-3 environment (uenv) and for
  host tests (henv). Without an lwIP tree the library's build step fails
  with the reason, and only what needs lwIP fails to build.

Where the sources come from, first hit wins:
  1. the option lwip=PATH: an lwIP tree (a folder holding src/core/tcp.c)
     or a tarball of one (.tar.gz, .tar.xz, ...; extracted into the cache);
  2. the cache: $XDG_CACHE_HOME/mkos/lwip (default ~/.cache/mkos/lwip);
  3. Debian's source package lwip 2.1.3+dfsg1-2, fetched once into the
     cache with `apt-get source --download-only`, as any user: a private
     apt configuration (sources list, lists, cache folders in the cache)
     whose deb-src entries reuse the URIs, suites and components of this
     machine's own apt sources (/etc/apt/sources.list, sources.list.d/*.list
     and *.sources). No host name is written anywhere in the tree. The
     orig tarball must have the sha256 below, else the tool refuses it; it
     is unpacked with tar (no dpkg-source).
"""

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import tarfile
import tempfile

LWIP_VERSION = '2.1.3'
DEB_SOURCE = 'lwip'
DEB_VERSION = '2.1.3+dfsg1-2'
ORIG_NAME = 'lwip_2.1.3+dfsg1.orig.tar.xz'
ORIG_SHA256 = '0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24'

# what the stack uses, relative to src/
LWIP_FILES = [
    'core/init.c', 'core/def.c', 'core/inet_chksum.c', 'core/ip.c',
    'core/mem.c', 'core/memp.c', 'core/netif.c', 'core/pbuf.c',
    'core/stats.c', 'core/sys.c', 'core/tcp.c', 'core/tcp_in.c',
    'core/tcp_out.c', 'core/timeouts.c', 'core/udp.c',
    'core/ipv4/dhcp.c', 'core/ipv4/etharp.c', 'core/ipv4/icmp.c',
    'core/ipv4/ip4.c', 'core/ipv4/ip4_addr.c', 'core/ipv4/ip4_frag.c',
    'netif/ethernet.c',
]

HINT = ('give a local lwIP %s tree or tarball with the option lwip=PATH '
        '(e.g. scons lwip=~/lwip-%s.tar.gz), or make Debian\'s source '
        'package "%s" (%s) reachable: a deb or deb-src line for a Debian '
        'mirror in /etc/apt/sources.list[.d], and apt-get and xz-utils '
        'installed (bash site_scons/install.sh)'
        % (LWIP_VERSION, LWIP_VERSION, DEB_SOURCE, DEB_VERSION))


class FetchError(Exception):
    pass


def _cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'mkos', 'lwip')


def _is_tree(path):
    return os.path.isfile(os.path.join(path, 'src', 'core', 'tcp.c')) and \
        os.path.isfile(os.path.join(path, 'src', 'include', 'lwip', 'init.h'))


def _find_tree(top):
    """The folder under top (top itself or one level down) that holds an
    lwIP tree, or None."""
    if _is_tree(top):
        return top
    for d in sorted(glob.glob(os.path.join(top, '*'))):
        if os.path.isdir(d) and _is_tree(d):
            return d
    return None


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 16), b''):
            h.update(block)
    return h.hexdigest()


def _extract(tarball, into):
    """Unpacks tarball into a fresh folder `into` (atomically: a partial
    extraction never looks like a tree) and returns the lwIP tree in it."""
    tmp = into + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        subprocess.run(['tar', '-xf', tarball, '-C', tmp], check=True,
                       capture_output=True, text=True)
    except FileNotFoundError:
        raise FetchError('tar is not installed')
    except subprocess.CalledProcessError as e:
        raise FetchError('cannot unpack %s: %s' % (tarball, e.stderr.strip()))
    if not _find_tree(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError('%s holds no lwIP tree (no src/core/tcp.c)' % tarball)
    shutil.rmtree(into, ignore_errors=True)
    os.rename(tmp, into)
    return _find_tree(into)


# ------------------------------------------------- the machine's apt sources

def _parse_list(text):
    """One-line format: `deb [opts] URI SUITE COMP...`; yields
    (options, uri, suite, components)."""
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] not in ('deb', 'deb-src'):
            continue
        words = words[1:]
        opts = ''
        if words and words[0].startswith('['):
            opt = []
            while words:
                w = words.pop(0)
                opt.append(w)
                if w.endswith(']'):
                    break
            opts = ' '.join(opt)
        if len(words) >= 2:
            yield opts, words[0], [words[1]], words[2:]


def _parse_deb822(text):
    """deb822 stanzas; yields (options, uri, suites, components) per URI."""
    for stanza in text.split('\n\n'):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith('#') or not line.strip():
                continue
            if line[0] in ' \t' and key:
                fields[key] += ' ' + line.strip()
                continue
            if ':' in line:
                key, val = line.split(':', 1)
                key = key.strip().lower()
                fields[key] = val.strip()
        if fields.get('enabled', 'yes').lower() == 'no':
            continue
        if 'deb' not in fields.get('types', '').split() and \
                'deb-src' not in fields.get('types', '').split():
            continue
        opts = ''
        if 'signed-by' in fields and not fields['signed-by'].startswith('-'):
            opts = '[signed-by=%s]' % fields['signed-by'].split()[0]
        for uri in fields.get('uris', '').split():
            yield (opts, uri, fields.get('suites', '').split(),
                   fields.get('components', '').split())


def _machine_sources():
    out = []
    files = ['/etc/apt/sources.list'] + \
        sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
    for path in files:
        try:
            with open(path) as f:
                out += list(_parse_list(f.read()))
        except OSError:
            pass
    for path in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
        try:
            with open(path) as f:
                out += list(_parse_deb822(f.read()))
        except OSError:
            pass
    return out


def _deb_src_lines():
    lines = []
    for opts, uri, suites, comps in _machine_sources():
        if not comps:
            continue
        for suite in suites:
            line = ' '.join(w for w in ('deb-src', opts, uri, suite) if w)
            line += ' ' + ' '.join(comps)
            if line not in lines:
                lines.append(line)
    return lines


def _apt(args, cwd, private):
    opts = ['-o', 'Dir::Etc::SourceList=' + os.path.join(private, 'sources.list'),
            '-o', 'Dir::Etc::SourceParts=' + os.path.join(private, 'parts'),
            '-o', 'Dir::State::Lists=' + os.path.join(private, 'lists'),
            '-o', 'Dir::Cache=' + os.path.join(private, 'cache'),
            '-q']
    if os.geteuid() == 0:
        # apt drops to its _apt user for downloads, who cannot write into
        # root's cache: stay who we are
        opts += ['-o', 'APT::Sandbox::User=' + pwd.getpwuid(0).pw_name]
    try:
        r = subprocess.run(['apt-get'] + opts + args, cwd=cwd,
                           capture_output=True, text=True)
    except FileNotFoundError:
        raise FetchError('apt-get is not installed')
    if r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-3:]
        raise FetchError('apt-get %s failed: %s' % (args[0], ' / '.join(tail)))


def _fetch_debian(cache):
    """Downloads the orig tarball of Debian's lwip source package into
    cache/download and returns its path (sha256 checked)."""
    lines = _deb_src_lines()
    if not lines:
        raise FetchError('this machine has no apt sources to take a Debian '
                         'mirror from')
    private = os.path.join(cache, 'apt')
    for d in ('parts', 'lists/partial', 'cache/archives/partial'):
        os.makedirs(os.path.join(private, d), exist_ok=True)
    with open(os.path.join(private, 'sources.list'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    dl = tempfile.mkdtemp(prefix='download.', dir=cache)
    try:
        _apt(['update'], dl, private)
        _apt(['source', '--download-only', '%s=%s' % (DEB_SOURCE, DEB_VERSION)],
             dl, private)
        got = os.path.join(dl, ORIG_NAME)
        if not os.path.isfile(got):
            raise FetchError('apt-get source gave no %s' % ORIG_NAME)
        _check_sha(got)
        final = os.path.join(cache, ORIG_NAME)
        os.replace(got, final)
        return final
    finally:
        shutil.rmtree(dl, ignore_errors=True)


def _check_sha(path):
    got = _sha256(path)
    if got != ORIG_SHA256:
        raise FetchError('%s has sha256 %s, not the expected %s: refusing it '
                         '(delete it and build again, or give lwip=PATH)'
                         % (path, got, ORIG_SHA256))


def _tree_from_cache_or_debian():
    cache = _cache_dir()
    tree = _find_tree(os.path.join(cache, 'src')) if \
        os.path.isdir(os.path.join(cache, 'src')) else None
    if tree:
        return tree
    os.makedirs(cache, exist_ok=True)
    tarball = os.path.join(cache, ORIG_NAME)
    if os.path.isfile(tarball):
        _check_sha(tarball)
    else:
        print('LWIP    fetching Debian source package %s %s into %s'
              % (DEB_SOURCE, DEB_VERSION, cache), flush=True)
        tarball = _fetch_debian(cache)
    return _extract(tarball, os.path.join(cache, 'src'))


def _tree_from_option(path):
    path = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(path):
        tree = _find_tree(path)
        if not tree:
            raise FetchError('lwip=%s holds no lwIP tree (no src/core/tcp.c)'
                             % path)
        return tree
    if not os.path.isfile(path):
        raise FetchError('lwip=%s: no such file or folder' % path)
    # a tarball: unpack it once per content into the cache
    into = os.path.join(_cache_dir(), 'local-' + _sha256(path)[:16])
    tree = _find_tree(into) if os.path.isdir(into) else None
    if tree:
        return tree
    os.makedirs(_cache_dir(), exist_ok=True)
    return _extract(path, into)


_FOUND = {}  # lwip option -> (tree or None, error): fetch once per run


def _lwip_tree(env):
    key = env.get('lwip', '')
    if key in _FOUND:
        env['LWIP_ERROR'] = _FOUND[key][1]
        return _FOUND[key][0]
    tree = None
    try:
        if env.get('lwip'):
            tree = _tree_from_option(env['lwip'])
        else:
            tree = _tree_from_cache_or_debian()
        env['LWIP_ERROR'] = ''
    except (FetchError, OSError) as e:
        env['LWIP_ERROR'] = 'error: lwIP %s: %s; %s' % (LWIP_VERSION, e, HINT)
        print(env['LWIP_ERROR'], flush=True)
    _FOUND[key] = (tree, env['LWIP_ERROR'])
    return tree


def _fail(target, source, env):
    print(env['LWIP_ERROR'])
    return 1


def _lwip_library(env, target, port=(), **kw):
    tree = env.LwipTree()
    if not tree:
        return env.Command(env.File(target + '.a'), [],
                           env.Action(_fail, 'LWIP    missing'))
    e = env.Clone()
    src = os.path.join(tree, 'src')
    e.Append(CPPPATH=[os.path.join(src, 'include')])
    # lwIP's own code is not ours to lint: keep its warnings quiet
    e.Append(CCFLAGS=['-w'])
    lib_dir = env.Dir(target).dir
    objs = []
    for f in LWIP_FILES:
        obj = lib_dir.File('lwip-obj/%s/%s%s' % (
            os.path.basename(target), os.path.splitext(f)[0], e['OBJSUFFIX']))
        objs += e.Object(obj, env.File(os.path.join(src, f)), **kw)
    pe = env.Clone()
    pe.Append(CPPPATH=[os.path.join(src, 'include')])
    for p in env.Flatten([port]):
        node = env.File(p) if isinstance(p, str) else p
        name = os.path.splitext(node.name)[0]
        objs += pe.Object(lib_dir.File('lwip-obj/%s/port/%s%s' % (
            os.path.basename(target), name, e['OBJSUFFIX'])), node, **kw)
    return e.StaticLibrary(target, objs)


def _tree_method(env):
    return _lwip_tree(env)


def _cpppath(env):
    tree = env.LwipTree()
    return [os.path.join(tree, 'src', 'include')] if tree else []


def generate(env):
    env.SetDefault(LWIP_ERROR='')
    env.AddMethod(_tree_method, 'LwipTree')
    env.AddMethod(_lwip_library, 'LwipLibrary')
    env.AddMethod(_cpppath, 'LwipCppPath')


def exists(env):
    return env.Detect('tar') and (env.Detect('apt-get') or env.get('lwip'))
