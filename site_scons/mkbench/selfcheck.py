# SPDX-License-Identifier: MIT
"""The suites' parsers against canned console text, without QEMU: `scons
test` runs parse_check() as the check `bench/parse`, so that a parser that
stops accepting the format docs/benchmarks.md gives, or starts accepting a
broken one, fails at once rather than in a long benchmark run.
"""

import re

from . import suites

OURS = '''> bench remote 10
remotebench: 10 rounds on 4 cores
bench remote spawn: cores 4 median_ns 123456 p99_ns 234567 msgs 2.00
bench remote borrow: cores 4 median_ns 1,234 p99_ns 5678.5 msgs 2
bench remote unicast:  cores 4  median_ns 9000 p99_ns 12000 msgs 6.00
bench remote tree: cores 4 median_ns 8000 p99_ns 11000 msgs 6.75
bench remote done: cores 4
> '''

LINUX = '''pingpong remote spawn cpus 4 median_ns 1577010 p99_ns 9832550
pingpong remote borrow cpus 4 median_ns 5912920 p99_ns 8379980
pingpong remote allcore cpus 4 median_ns 388730 p99_ns 5043250 \
tlb_ipis_per_op 3.00 reached 3
'''

CHAN = ('bench chan 1 -> 2: round trip median 231894 cycles (89099 ns), p99 '
        '8118240 cycles (3119247 ns); one-way 209008 messages/s (100000 of '
        '100000 arrived)')


class _Fail(Exception):
    pass


def _want(cond, what):
    if not cond:
        raise _Fail(what)


def _remote():
    got, bad = suites.parse_remote(OURS, 4)
    _want(not bad, 'good remote output rejected: %s' % bad)
    _want(got['borrow'] == (1234.0, 5678.5, 2.0) and
          got['tree'] == (8000.0, 11000.0, 6.75),
          'remote values misread: %s' % got)
    _, bad = suites.parse_remote(OURS, 8)
    _want(bad, 'remote output of 4 cores taken for 8')
    _, bad = suites.parse_remote(OURS.replace('msgs', 'messages'), 4)
    _want(bad and 'spawn, borrow, unicast, tree' in bad[-1],
          'lines without msgs taken: %s' % bad)
    failed = OURS.replace('bench remote done: cores 4',
                          'bench remote failed: no memory')
    _, bad = suites.parse_remote(failed, 4)
    _want(any('no memory' in b for b in bad), 'failure line missed')
    _, bad = suites.parse_remote('> bench remote 10\nusage: bench chan A B'
                                 '   (cores 0..3)\n> ', 4)
    _want(any('the shell said' in b for b in bad), 'shell usage missed')


def _linux():
    got, bad = suites.parse_linux_remote(LINUX, 4)
    _want(not bad, 'good pingpong remote output rejected: %s' % bad)
    _want(got['allcore'] == (388730, 5043250, 3.0, 3),
          'allcore misread: %s' % (got.get('allcore'),))
    _, bad = suites.parse_linux_remote(LINUX.replace('reached 3',
                                                     'reached 2'), 4)
    _want(any('reached 2 of the 3' in b for b in bad),
          'a CPU not reached went unnoticed')
    _, bad = suites.parse_linux_remote('pingpong remote spawn failed: '
                                       'fork: x\n', 4)
    _want(bad == ['spawn failed: fork: x', 'no `pingpong remote OP` line '
                  'for borrow, allcore'], 'failed pingpong remote: %s' % bad)


def _chan():
    m = re.search('(?:%s)|(?P<fail>%s)' % (suites.CHAN_RX, suites.SHELL_FAIL),
                  CHAN, re.M)
    _want(m and not m.group('fail') and m.group(4, 5, 6) ==
          ('89099', '3119247', '209008'), 'bench chan line misread')
    m = re.search('(?:%s)|(?P<fail>%s)' % (suites.CHAN_RX, suites.SHELL_FAIL),
                  'x\nusage: bench chan A B   (cores 0..3)\n', re.M)
    _want(m and m.group('fail'), 'bench chan usage missed')


def parse_check():
    """(ok, reason) for the ostest plan."""
    try:
        _remote()
        _linux()
        _chan()
    except _Fail as e:
        return False, str(e)
    return True, ''
