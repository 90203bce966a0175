# SPDX-License-Identifier: MIT
"""What the numbers were measured on: recorded in every report."""

import datetime
import os
import platform
import subprocess


def _cmd(argv, cwd=None):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              cwd=cwd).stdout.strip()
    except OSError:
        return ''


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def record(env, qemu):
    """A dict of the machine, QEMU and configuration (ordered for print)."""
    ver = _cmd([qemu, '--version']).splitlines()
    top = env.Dir('#').abspath
    return {
        'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        'cpu': cpu_model(),
        'host cores': str(os.cpu_count()),
        'host load (1 min)': '%.2f' % os.getloadavg()[0],
        'host kernel': platform.release(),
        'qemu': ver[0] if ver else 'not found',
        'accelerator': env['accel'],
        'machine': env['machine'],
        'guest memory': env['mem'],
        'commit': _cmd(['git', 'rev-parse', '--short', 'HEAD'], cwd=top)
        or 'unknown',
    }
