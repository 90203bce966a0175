# SPDX-License-Identifier: MIT
"""Quiet one-line build output (`CC file.c`) unless VERBOSE=1."""


def generate(env):
    if env.get('VERBOSE'):
        return
    env.Replace(
        CCCOMSTR='CC      $SOURCE',
        SHCCCOMSTR='CC      $SOURCE',
        ASCOMSTR='AS      $SOURCE',
        ASPPCOMSTR='AS      $SOURCE',
        LINKCOMSTR='LD      $TARGET',
        SHLINKCOMSTR='LD      $TARGET',
        ARCOMSTR='AR      $TARGET',
        RANLIBCOMSTR='RANLIB  $TARGET',
    )


def exists(env):
    return True
