# SPDX-License-Identifier: MIT
"""Host unit tests: runs one cmocka program (built with the sanitizers) and
gives one Result per test case it reports (cmocka.py reads its output), or
one for the program when it crashed, timed out or ran no case.
"""


from . import cmocka
from .result import TAIL, Result
from .sanitizers import crash_reason, excerpt, run_captured

UNIT_TIMEOUT = 300             # seconds for one unit test program


def run_unit(name, path, top, env):
    try:
        text, rc, elapsed = run_captured([path], top, env, UNIT_TIMEOUT)
    except OSError as e:
        return [Result('unit/' + name, False, 'cannot run: %s' % e)]
    lines = text.splitlines()
    results = []
    for c in cmocka.parse(text):
        cname = 'unit/%s/%s' % (name, c.name)
        if c.status == 'pass':
            results.append(Result(cname, True))
        elif c.status == 'skip':
            results.append(Result(cname, True, note='skipped'))
        elif c.status == 'fail':
            reason = '; '.join(c.messages[:2]) or 'failed'
            results.append(Result(cname, False, reason, excerpt(c.output)))
        else:
            why = crash_reason(c.output) or (
                'timed out after %d s' % UNIT_TIMEOUT if rc is None
                else 'program ended inside this case (status %s)' % rc)
            results.append(Result(cname, False,
                                  'crashed: %s (later cases did not run)' % why,
                                  excerpt(c.output)))
    if rc is None:
        if not any(not r.ok for r in results):
            results.append(Result('unit/' + name, False,
                                  'timed out after %d s' % UNIT_TIMEOUT,
                                  lines[-TAIL:]))
    elif rc != 0 and all(r.ok for r in results):
        why = crash_reason(lines) or 'exit status %d' % rc
        results.append(Result('unit/' + name, False, why, excerpt(lines),
                              seconds=elapsed))
    elif not results:
        results.append(Result('unit/' + name, False,
                              'ran no test case (no cmocka "[ RUN ]" line)',
                              lines[-TAIL:]))
    return results
