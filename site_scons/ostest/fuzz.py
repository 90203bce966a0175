# SPDX-License-Identifier: MIT
"""Fuzz runs: one libFuzzer target for a number of seconds, from a copy of
its seed corpus in build/tests/fuzz/work/NAME/; a crash (or a target that
does not stop) fails it, with the command that reproduces the crash.
"""

import os
import re
import shutil

from .result import Result, rel
from .sanitizers import crash_reason, excerpt, run_captured


def run_fuzz(name, path, corpus, top, seconds, env):
    work = os.path.join(top, 'build', 'tests', 'fuzz', 'work', name)
    shutil.rmtree(work, ignore_errors=True)
    scratch = os.path.join(work, 'corpus')
    artifacts = os.path.join(work, 'artifacts')
    if corpus and os.path.isdir(corpus):
        shutil.copytree(corpus, scratch)
    else:
        os.makedirs(scratch)
    os.makedirs(artifacts)
    seeds = len(os.listdir(scratch))
    cmd = [path, '-max_total_time=%d' % seconds, '-timeout=10',
           '-rss_limit_mb=2048', '-print_final_stats=1',
           '-artifact_prefix=' + artifacts + '/', scratch]
    try:
        text, rc, elapsed = run_captured(cmd, top, env, seconds + 120)
    except OSError as e:
        return Result('fuzz/' + name, False, 'cannot run: %s' % e)
    lines = text.splitlines()
    m = re.search(r'Done (\d+) runs in', text)
    runs = '%s runs' % m.group(1) if m else ''
    note = ', '.join(x for x in (runs, '%d seeds' % seeds) if x)
    if rc == 0:
        return Result('fuzz/' + name, True, seconds=elapsed, note=note)
    if rc is None:
        why = 'did not stop within %d s' % (seconds + 120)
    else:
        why = crash_reason(lines) or 'exit status %d' % rc
    tail = excerpt(lines)
    for a in sorted(os.listdir(artifacts)):
        tail.append('reproduce: %s %s' % (rel(path, top),
                                          rel(os.path.join(artifacts, a), top)))
    return Result('fuzz/' + name, False, why, tail, seconds=elapsed)
