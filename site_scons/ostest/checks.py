# SPDX-License-Identifier: MIT
"""What the Python checks of `scons test` share (ostest's, mkbench's and
tracetool's selfcheck): a failed expectation, and running the parts of a
check into the (ok, reason) pair the test plan wants."""


class Fail(Exception):
    pass


def want(cond, what):
    if not cond:
        raise Fail(what)


def run(*parts):
    """(True, '') if every part ran without a Fail, else (False, why)."""
    try:
        for part in parts:
            part()
    except Fail as e:
        return False, str(e)
    return True, ''
