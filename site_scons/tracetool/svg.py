# SPDX-License-Identifier: MIT
"""The timeline as an SVG picture, for people without a trace viewer.

to_svg(trace) takes what chrome.to_chrome() made and returns the SVG text:
a lane per core (top: core 0), time from left to right with the first and
last time stamps written under the lanes, a tick per event (coloured by
kind: kernel grey, halted time as a light bar, channel sends blue,
receives green, monitor operations orange, ring levels purple) with its
name as a tooltip, and a line per message from its send to its receive.
"""

from xml.sax.saxutils import escape

LANE = 40      # pixels per core
LEFT = 70      # room for the lane labels
WIDTH = 1000   # pixels of time
COLOURS = {'send': '#1f5fbf', 'recv': '#2a9d3a', 'monitor': '#e08a00',
           'counter': '#8e44ad', 'kernel': '#777777'}


def _kind(ev):
    if ev['ph'] == 'X':
        return ev['name']
    if ev['ph'] in ('b', 'e'):
        return 'monitor'
    if ev['ph'] == 'C':
        return 'counter'
    return 'kernel'


def to_svg(trace, window=None):
    """window: (from, to) in microseconds of the trace's time: only what
    happened then is drawn, stretched over the whole width."""
    evs = [e for e in trace['traceEvents']
           if e['ph'] not in ('M', 's', 'f')]
    cores = sorted({e['pid'] for e in trace['traceEvents']})  # core + 1
    lane = {c: i for i, c in enumerate(cores)}
    if window:
        t0, t1 = window
        evs = [e for e in evs if t0 <= e['ts'] <= t1]
        inside = lambda e: t0 <= e['ts'] <= t1
    else:
        t0, t1 = 0, max([e['ts'] for e in evs] + [0.001])
        inside = lambda e: True
    scale = WIDTH / max(t1 - t0, 0.001)

    def x(ts):
        return LEFT + (min(max(ts, t0), t1) - t0) * scale

    def y(core):
        return 20 + lane[core] * LANE + LANE / 2

    h = 20 + len(cores) * LANE + 30
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (LEFT + WIDTH + 20, h),
           '<rect width="100%" height="100%" fill="white"/>']
    for c in cores:
        out.append('<text x="4" y="%.1f">core %d</text>' % (y(c) + 4,
                                                             c - 1))
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" '
                   'stroke="#dddddd"/>' % (LEFT, LEFT + WIDTH, y(c), y(c)))
    out += _halts(trace['traceEvents'], x, y, t0, t1)
    for e in evs:
        if e['ph'] in ('B', 'E'):
            continue
        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" '
                   'stroke="%s"><title>%s</title></line>' % (
                       x(e['ts']), x(e['ts']), y(e['pid']) - 8,
                       y(e['pid']) + 8, COLOURS[_kind(e)],
                       escape('%s at %s us' % (e['name'], e['ts']))))
    out += _flows(trace['traceEvents'], x, y, inside)
    out.append('<text x="%d" y="%d">%s us</text>' % (LEFT, h - 8, t0))
    out.append('<text x="%d" y="%d" text-anchor="end">%s us</text>' % (
        LEFT + WIDTH, h - 8, t1))
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def _halts(events, x, y, t0, t1):
    out, start = [], {}
    for e in events:
        if e['ph'] == 'B':
            start[e['pid']] = e['ts']
        elif e['ph'] == 'E' and e['pid'] in start:
            t = start.pop(e['pid'])
            if e['ts'] < t0 or t > t1:
                continue
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="6" '
                       'fill="#e8e8e8"><title>halted %s..%s us</title>'
                       '</rect>' % (x(t), y(e['pid']) - 3,
                                    max(x(e['ts']) - x(t), 0.5), t, e['ts']))
    return out


def _flows(events, x, y, inside):
    ends = {}
    for e in events:
        if e['ph'] in ('s', 'f'):
            ends.setdefault(e['id'], {})[e['ph']] = e
    out = []
    for fid in sorted(ends, key=str):
        s, f = ends[fid].get('s'), ends[fid].get('f')
        if s and f and (inside(s) or inside(f)):
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                       'stroke="#1f5fbf" stroke-opacity="0.6"/>' % (
                           x(s['ts']), y(s['pid']), x(f['ts']), y(f['pid'])))
    return out
