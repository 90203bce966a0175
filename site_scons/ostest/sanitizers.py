# SPDX-License-Identifier: MIT
"""Host programs built with the sanitizers (unit tests, fuzz targets): the
options they run with, and reading a report out of what they printed.
"""

import re
import subprocess
import time

from .result import TAIL


def run_env(base):
    e = dict(base)
    e.setdefault('ASAN_OPTIONS', 'detect_leaks=1:abort_on_error=0:'
                 'strict_string_checks=1:detect_stack_use_after_return=1')
    e.setdefault('UBSAN_OPTIONS', 'print_stacktrace=1:halt_on_error=1')
    return e


def run_captured(cmd, top, env, timeout):
    """Runs a sanitized host program with its output captured: (text,
    status or None if it did not end within timeout, seconds). Raises
    OSError if it cannot start."""
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=top, env=run_env(env),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        text, rc = p.stdout.decode('utf-8', 'replace'), p.returncode
    except subprocess.TimeoutExpired as e:
        text, rc = (e.stdout or b'').decode('utf-8', 'replace'), None
    return text, rc, time.monotonic() - start


REPORT_START = re.compile(r'==\d+==ERROR|runtime error:|ERROR: libFuzzer|'
                          r'Test failed with exception')


def excerpt(lines):
    """The part of a program's output worth showing: from the first
    sanitizer report on if there is one (its top frames say where), else
    the last lines."""
    for i, line in enumerate(lines):
        if REPORT_START.search(line):
            return lines[i:i + TAIL]
    return lines[-TAIL:]


def crash_reason(lines):
    for pat in (r'SUMMARY: (.*)', r'==\d+==ERROR: (.*)', r'(runtime error: .*)',
                r'ERROR: libFuzzer: (.*)', r'(Test failed with exception: .*)'):
        for line in lines:
            m = re.search(pat, line)
            if m:
                return m.group(1).strip()
    return None
