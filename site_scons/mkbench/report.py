# SPDX-License-Identifier: MIT
"""CSV files, gnuplot plots and build/bench/report.md.

Each suite returns a Suite: its rows (a list of dicts with the same keys,
written to <out>/<name>.csv), its summary ratios (lines of the table printed
at the end), notes (what could not be measured and why) and plots. A plot is
gnuplot script text with @OUT@ for the image path; it is rendered to
<out>/<name>-<n>.png (pngcairo, else png) or .svg when no PNG terminal
exists. No gnuplot at all: the report says so and keeps the tables.
"""

import csv
import os
import shutil
import subprocess


class Suite:
    def __init__(self, name, title):
        self.name = name
        self.title = title
        self.rows = []
        self.ratios = []        # (what, ours, baseline, unit, ratio)
        self.notes = []         # text: what is missing and why
        self.ours_notes = []    # the notes about our side (`scons test`
                                # fails on any; see suites.check)
        self.plots = []         # (title, gnuplot script with @OUT@ @CSV@)
        self.status = 'ok'      # ok | partial | skipped
        self.method = ''        # one paragraph: how it was measured
        self.clock = 'wall'     # wall | icount (bench_icount's half)

    @property
    def file(self):
        """The base name of its CSV and plots: <name>-icount for the
        icount half, so that both halves land side by side."""
        return self.name + ('-icount' if self.clock == 'icount' else '')

    @property
    def label(self):
        """Its name in the summary table: `channels [icount]`."""
        return self.name + (' [icount]' if self.clock == 'icount' else '')

    def note(self, text, status='partial', ours=False):
        """Records what could not be measured or looks wrong; ours: it is
        about our system, not the baseline."""
        self.notes.append(text)
        if ours:
            self.ours_notes.append(text)
        if self.status != 'skipped':
            self.status = status

    def ratio(self, what, ours, base, unit):
        r = (ours / base) if ours is not None and base else None
        self.ratios.append((what, ours, base, unit, r))


def write_csv(out, suite):
    path = os.path.join(out, suite.file + '.csv')
    keys = []
    for row in suite.rows:
        for k in row:
            if k not in keys:
                keys.append(k)
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=keys or ['empty'])
        w.writeheader()
        for row in suite.rows:
            w.writerow(row)
    return path


def _terminal():
    gp = shutil.which('gnuplot')
    if not gp:
        return None, None
    terms = subprocess.run([gp, '-e', 'set terminal'], capture_output=True,
                           text=True).stdout + \
        subprocess.run([gp, '-e', 'set terminal'], capture_output=True,
                       text=True).stderr
    for t, ext in (('pngcairo', 'png'), ('png', 'png'), ('svg', 'svg')):
        if any(l.split()[:1] == [t] for l in terms.splitlines()):
            return t, ext
    return None, None


def plot(out, suite, csv_path):
    """Renders the suite's plots; returns [(title, file name or None, why)]."""
    term, ext = _terminal()
    done = []
    for i, (title, script) in enumerate(suite.plots):
        if not term:
            done.append((title, None, 'gnuplot not installed (package '
                         'gnuplot-nox, site_scons/install.sh)'))
            continue
        name = '%s-%d.%s' % (suite.file, i + 1, ext)
        text = ('set terminal %s size 800,500\nset output "%s"\n'
                'set datafile separator ","\nset key autotitle columnhead\n'
                'set title "%s"\nset grid\n' % (
                    term, os.path.join(out, name), title) +
                script.replace('@CSV@', csv_path))
        r = subprocess.run(['gnuplot'], input=text, capture_output=True,
                           text=True)
        if r.returncode != 0:
            done.append((title, None, 'gnuplot failed: ' +
                         r.stderr.strip()[-200:]))
        else:
            done.append((title, name, ''))
    return done


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, float):
        if v >= 100:
            return '{:,.0f}'.format(v)
        return '%.3g' % v
    return str(v)


def table(rows, keys):
    lines = ['| ' + ' | '.join(keys) + ' |',
             '|' + '---|' * len(keys)]
    for r in rows:
        lines.append('| ' + ' | '.join(fmt(r.get(k)) for k in keys) + ' |')
    return lines


def summary_lines(suites):
    """The ratio table (plain text) printed at the end of `scons bench`."""
    rows = [('suite', 'measure', 'ours', 'baseline', 'ours/baseline')]
    for s in suites:
        if not s.ratios:
            rows.append((s.label, '(%s: %s)' % (s.status, (s.notes or ['no '
                         'ratio'])[0][:60]), '', '', ''))
        for what, ours, base, unit, r in s.ratios:
            rows.append((s.label, what, '%s %s' % (fmt(ours), unit),
                         '%s %s' % (fmt(base), unit),
                         '%.2fx' % r if r is not None else '-'))
    w = [max(len(r[i]) for r in rows) for i in range(5)]
    return ['  '.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
            for r in rows]


def write_report(out, machine, suites, plots):
    lines = ['# Benchmark report', '',
             'Made by `scons bench`. Every ratio is ours / baseline in the '
             'same run: for times, above 1 means we are slower; for rates '
             '(marked "/s"), above 1 means we are faster. TCG timings measure '
             "QEMU's emulation as much as either system; see "
             'docs/benchmarks.md. Rows and sections marked [icount] '
             '(bench_icount) ran under QEMU\'s instruction counting: their '
             'ns are instructions, they repeat exactly, and their data is '
             'in <suite>-icount.csv.', '', '## Machine', '']
    lines += ['| | |', '|---|---|']
    lines += ['| %s | %s |' % (k, v) for k, v in machine.items()]
    lines += ['', '## Summary', '', '```'] + summary_lines(suites) + ['```']
    for s in suites:
        lines += ['', '## %s%s (%s)' % (
            s.title, ' [icount]' if s.clock == 'icount' else '', s.status),
            '']
        if s.method:
            lines += [s.method, '']
        for n in s.notes:
            lines.append('- ' + n)
        if s.notes:
            lines.append('')
        if s.rows:
            keys = list(s.rows[0].keys())
            lines += table(s.rows, keys) + ['']
            lines.append('Data: [%s.csv](%s.csv)' % (s.file, s.file))
            lines.append('')
        for title, name, why in plots.get(s.file, []):
            if name:
                lines.append('![%s](%s)' % (title, name))
            else:
                lines.append('(plot "%s" not drawn: %s)' % (title, why))
            lines.append('')
    path = os.path.join(out, 'report.md')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path
