# SPDX-License-Identifier: MIT
"""Chrome Trace Event JSON from a Dump, and the check of a converted trace.

to_chrome(dump) -> dict (json.dump it), the JSON Object Format that
Perfetto (ui.perfetto.dev) and chrome://tracing open:
  - a process per core (pid = core + 1: Perfetto treats pid 0 as Linux's
    idle task), with a thread "kernel" (tid KERNEL_TID + core) and a
    thread per traced process or monitor (tid = its pid);
  - kernel events as instants, a halt up to the next wake-up as a slice
    "halted" (B/E);
  - a channel send or receive as a 1 ns slice (X) with a flow arrow (s/f,
    the same id, "bp": "e") from each send to the receive of the same
    (frame, ring, sequence number); the slice's args name the channel,
    the sequence number, the message's type and size and the flow id;
  - a monitor operation as an async slice (b/e) from MON_BEGIN to
    MON_END, id = monitor pid:call id;
  - ring occupancy as a counter (C) per channel ring.
Time stamps are microseconds since the first event, on core 0's clock:
(tsc - the core's tsc_offset) * 1000 / tsc_khz. Events are written buffer
by buffer in the order they were recorded, so each track's time stamps are
in file order. otherData keeps what the check needs: tsc_khz, each core's
clock record, the events each buffer lost.

check(trace) (a dict or JSON text) -> {'messages', 'per_channel',
'per_core_pair', 'channels', 'errors'}: channels lists, per channel ring
and pair of processes, the messages and the two ends ({'core', 'pid',
'name'} of the sender 'from' and the receiver 'to'), which
match_channels() searches by name and core; errors is empty when the JSON is a trace
object, every send has exactly one receive and the other way round (same
type and size, one flow between them), time stamps never go back on a
track, and every receive is at or after its send within the two cores'
clock uncertainty (half the round trip of each core's measurement).
"""

import json

from .dump import MON_OPS

# Perfetto treats pid and tid 0 as Linux's idle task: core c is process
# c + 1, and its kernel is thread KERNEL_TID + c, which is no process's
# pid (pids are core << 16 | n and there are at most 256 cores).
KERNEL_TID = 0x7fff0000


def json_pid(core):
    return core + 1


def core_of(pid):
    return pid - 1 if isinstance(pid, int) else pid
KERNEL_NAMES = {1: 'doorbell send', 2: 'doorbell take', 3: 'halt',
                4: 'wake', 5: 'switch', 6: 'syscall', 7: 'spawn', 8: 'exit',
                9: 'irq'}
FLOW_CAT = 'chan'


def _chan(a):
    return '0x%x/%d' % (a & ~0xfff, a & 1)


def _chan_key(ev):
    # (frame, ring, sequence number) names one message in one direction
    return (ev.a & ~0xfff, ev.a & 1, ev.b & 0xffffffff)


class _Clock:
    def __init__(self, dump):
        self.khz = dump.tsc_khz
        self.off = {c: k.tsc_offset for c, k in dump.clocks.items()}
        ts = [e.tsc - self.off[b.core] for b in dump.bufs for e in b.events]
        self.t0 = min(ts) if ts else 0

    def us(self, core, tsc):
        return round((tsc - self.off[core] - self.t0) * 1000 / self.khz, 3)


def _pairs(dump):
    """{key: flow id} for the messages with exactly one send and one
    receive, ids from 1 in the order of the sends."""
    sends, recvs = {}, {}
    for b in dump.bufs:
        for e in b.events:
            if e.type == 16:
                sends[_chan_key(e)] = sends.get(_chan_key(e), 0) + 1
            elif e.type == 17:
                recvs[_chan_key(e)] = recvs.get(_chan_key(e), 0) + 1
    ids = {}
    for k in sends:
        if sends[k] == 1 and recvs.get(k) == 1:
            ids[k] = len(ids) + 1
    return ids


def _meta(dump):
    out = []
    for c in sorted(dump.clocks):
        p, k = json_pid(c), KERNEL_TID + c
        out.append({'ph': 'M', 'name': 'process_name', 'pid': p, 'tid': k,
                    'args': {'name': 'core %d' % c}})
        out.append({'ph': 'M', 'name': 'process_sort_index', 'pid': p,
                    'tid': k, 'args': {'sort_index': c}})
        out.append({'ph': 'M', 'name': 'thread_name', 'pid': p,
                    'tid': k, 'args': {'name': 'kernel'}})
    for b in dump.bufs:
        if b.kind != 'kernel':
            out.append({'ph': 'M', 'name': 'thread_name',
                        'pid': json_pid(b.core),
                        'tid': b.pid, 'args': {
                            'name': '%s 0x%x' % (b.name or b.kind, b.pid)}})
    return out


def _kernel_event(e, base, halted):
    """The JSON events of one kernel event; halted: [bool] of the core."""
    name = KERNEL_NAMES[e.type]
    args = {'pid': '0x%x' % e.pid}
    if e.type == 3 and not halted[0]:
        halted[0] = True
        return [dict(base, ph='B', name='halted', args=args)]
    if e.type == 4 and halted[0]:
        halted[0] = False
        return [dict(base, ph='E', name='halted',
                     args={'events': '0x%x' % e.a})]
    if e.type in (1, 2):
        args['core'] = -1 if e.a == 0xffffffff else e.a
    elif e.type == 4:
        args['events'] = '0x%x' % e.a
    elif e.type == 5:
        args.update({'from': '0x%x' % e.a, 'to': '0x%x' % e.b})
    elif e.type == 6:
        res = e.b - (1 << 64) if e.b >= 1 << 63 else e.b
        args.update({'number': e.a, 'result': res})
    elif e.type == 7:
        args['new'] = '0x%x' % e.a
    elif e.type == 8:
        args.update({'exited': '0x%x' % e.a, 'status': e.b})
    elif e.type == 9:
        args['vector'] = e.a
    return [dict(base, ph='i', s='t', name=name, args=args)]


def _user_event(e, base, ids):
    if e.type in (16, 17):
        send = e.type == 16
        args = {'channel': _chan(e.a), 'seq': e.b & 0xffffffff,
                'type': (e.b >> 32) & 0xff, 'size': (e.b >> 40) & 0xffff,
                'pid': '0x%x' % e.pid}
        out = [dict(base, ph='X', dur=0.001, cat=FLOW_CAT,
                    name='send' if send else 'recv', args=args)]
        fid = ids.get(_chan_key(e))
        if fid is not None:
            args['flow'] = fid
            out.append(dict(base, ph='s' if send else 'f', cat=FLOW_CAT,
                            name='message', id=fid, bp='e'))
        return out
    if e.type in (32, 33):
        op = MON_OPS.get(e.a, 'op %d' % e.a)
        return [dict(base, ph='b' if e.type == 32 else 'e', cat='monitor',
                     name=op, id='0x%x:%d' % (e.pid, e.b))]
    return [dict(base, ph='C', name='ring %s' % _chan(e.a),
                 args={'slots': e.b})]


RING_TID = 0x7ffe0000  # core c's derived ring counters: thread RING_TID + c


def _ring_counters(dump, clock):
    """Ring occupancy derived from the sends and receives, which carry
    each ring's sequence numbers: after each event of ring R, the last
    sequence number sent minus the last received (slots in use, never
    below 0), a counter 'ring 0xFRAME/RING' on the sending core's thread
    'rings', for the rings whose two ends were traced. The channel library
    writes no occupancy events of its own (it would cost every send)."""
    per = {}
    for b in dump.bufs:
        if b.kind == 'kernel':
            continue
        for e in b.events:
            if e.type in (16, 17):
                ring = e.a & ~0xffe
                per.setdefault(ring, []).append(
                    (clock.us(b.core, e.tsc), e.type, e.b & 0xffffffff,
                     b.core))
    by_core = {}
    for ring in sorted(per):
        evs = per[ring]
        if {k for _, k, _, _ in evs} != {16, 17}:
            continue  # one end not traced: nothing to subtract
        core = min(c for _, k, _, c in evs if k == 16)
        sent = got = None
        for ts, kind, seq, _ in sorted(evs):
            if kind == 16:
                sent = seq
            else:
                got = seq
            if sent is None or got is None:
                continue
            by_core.setdefault(core, []).append(
                (ts, ring, max(0, sent - got)))
    out = []
    for core in sorted(by_core):
        out.append({'ph': 'M', 'name': 'thread_name', 'pid': json_pid(core),
                    'tid': RING_TID + core, 'args': {'name': 'rings'}})
        for ts, ring, level in sorted(by_core[core]):
            out.append({'pid': json_pid(core), 'tid': RING_TID + core,
                        'ts': ts, 'ph': 'C', 'name': 'ring %s' % _chan(ring),
                        'args': {'slots': level}})
    return out


def to_chrome(dump):
    clock = _Clock(dump)
    ids = _pairs(dump)
    events = _meta(dump)
    halted = {c: [False] for c in dump.clocks}
    for b in dump.bufs:
        tid = KERNEL_TID + b.core if b.kind == 'kernel' else b.pid
        for e in b.events:
            base = {'pid': json_pid(b.core), 'tid': tid,
                    'ts': clock.us(b.core, e.tsc)}
            if b.kind == 'kernel':
                events += _kernel_event(e, base, halted[b.core])
            else:
                events += _user_event(e, base, ids)
    events += _ring_counters(dump, clock)
    other = {'format': 'mktrace %d' % dump.version,
             'tsc_khz': dump.tsc_khz,
             'clocks': {str(c): {'tsc_offset': k.tsc_offset, 'rtt': k.rtt}
                        for c, k in sorted(dump.clocks.items())},
             'lost': {'%d:%s:0x%x' % (b.core, b.name or b.kind, b.pid): b.lost
                      for b in dump.bufs if b.lost},
             'warnings': list(dump.warnings)}
    return {'traceEvents': events, 'displayTimeUnit': 'ns',
            'otherData': other}


# ----------------------------------------------------------------- check

def _load(trace, errors):
    if isinstance(trace, (str, bytes)):
        try:
            trace = json.loads(trace)
        except ValueError as e:
            errors.append('not JSON: %s' % e)
            return None
    if not isinstance(trace, dict) or not isinstance(
            trace.get('traceEvents'), list):
        errors.append('not a trace: no traceEvents list')
        return None
    return trace


def _slack_us(trace, a, b):
    other = trace.get('otherData', {})
    try:
        khz = other['tsc_khz']
        rtt = [other['clocks'][str(core_of(p))]['rtt'] for p in (a, b)]
        return (rtt[0] + rtt[1]) / 2 * 1000 / khz
    except (KeyError, TypeError, ZeroDivisionError):
        return 0.0


def _scan(events, errors):
    """Time order per track; the send/recv slices and flow ends by key."""
    last = {}
    names = {}
    msgs = {'send': {}, 'recv': {}}
    flows = {}
    for i, ev in enumerate(events):
        if not isinstance(ev, dict) or 'ph' not in ev:
            errors.append('event %d: not an event' % i)
            continue
        if ev['ph'] == 'M':
            if ev.get('name') == 'thread_name' and isinstance(
                    ev.get('args'), dict):
                names[(ev.get('pid'), ev.get('tid'))] = str(
                    ev['args'].get('name', '')).rsplit(' 0x', 1)[0]
            continue
        track = (ev.get('pid'), ev.get('tid'))
        ts = ev.get('ts')
        if not isinstance(ts, (int, float)):
            errors.append('event %d: no time stamp' % i)
            continue
        if ts < last.get(track, ts):
            errors.append('event %d: core %s thread %s goes back in time '
                          '(%s us after %s us)' % (i, track[0], track[1],
                                                   ts, last[track]))
        last[track] = ts
        if (ev['ph'] == 'X' and ev.get('cat') == FLOW_CAT and
                ev.get('name') in msgs and isinstance(ev.get('args'), dict)):
            a = ev['args']
            key = (a.get('channel'), a.get('seq'))
            msgs[ev['name']].setdefault(key, []).append(ev)
        elif ev['ph'] in ('s', 'f') and ev.get('cat') == FLOW_CAT:
            flows.setdefault(ev.get('id'), []).append(ev)
    return msgs, flows, names


def _flow_ok(flows, s, r):
    fid = s['args'].get('flow')
    if fid is None or r['args'].get('flow') != fid:
        return 'no flow from the send to the receive'
    ends = flows.get(fid, [])
    phs = sorted(e['ph'] for e in ends)
    if phs != ['f', 's']:
        return 'flow %s has ends %s, want one s and one f' % (fid, phs)
    for e in ends:
        at = s if e['ph'] == 's' else r
        if [e.get(k) for k in ('pid', 'tid', 'ts')] != [
                at.get(k) for k in ('pid', 'tid', 'ts')]:
            return 'flow %s: its %s end is not at the %s' % (
                fid, e['ph'], 'send' if at is s else 'receive')
    return None


def check(trace):
    errors = []
    out = {'messages': 0, 'per_channel': {}, 'per_core_pair': {},
           'channels': [], 'errors': errors}
    trace = _load(trace, errors)
    if trace is None:
        return out
    msgs, flows, names = _scan(trace['traceEvents'], errors)
    lost = (trace.get('otherData') or {}).get('lost') or {}
    for b in sorted(lost):
        errors.append('buffer %s lost %s events (size buffers for what you '
                      'trace)' % (b, lost[b]))
    sent, got = _seq_ranges(msgs)
    ends = {}
    out['edges'] = 0
    for key in sorted(set(msgs['send']) | set(msgs['recv']), key=str):
        ss, rs = msgs['send'].get(key, []), msgs['recv'].get(key, [])
        what = 'channel %s seq %s' % key
        if len(ss) + len(rs) == 1 and not _inside(
                key, got if ss else sent):
            # sent while its receiver was not traced yet or no more (or
            # still in the ring when tracing stopped), or received of a
            # sender not traced then: an edge of the trace, not a loss
            out['edges'] += 1
            continue
        if len(ss) != 1 or len(rs) != 1:
            errors.append('%s: %d send(s), %d receive(s)' % (
                what, len(ss), len(rs)))
            continue
        s, r = ss[0], rs[0]
        if (s['args'].get('type'), s['args'].get('size')) != (
                r['args'].get('type'), r['args'].get('size')):
            errors.append('%s: sent as type %s size %s, received as type %s '
                          'size %s' % (what, s['args'].get('type'),
                                       s['args'].get('size'),
                                       r['args'].get('type'),
                                       r['args'].get('size')))
        bad = _flow_ok(flows, s, r)
        if bad:
            errors.append('%s: %s' % (what, bad))
        slack = _slack_us(trace, s['pid'], r['pid'])
        if r['ts'] < s['ts'] - slack:
            errors.append('%s: received at %s us on core %s, before its send '
                          'at %s us on core %s (clocks known to %.3f us)' % (
                              what, r['ts'], core_of(r['pid']), s['ts'],
                              core_of(s['pid']),
                              slack))
        out['messages'] += 1
        pc = out['per_channel']
        pc[key[0]] = pc.get(key[0], 0) + 1
        pair = '%s->%s' % (core_of(s['pid']), core_of(r['pid']))
        out['per_core_pair'][pair] = out['per_core_pair'].get(pair, 0) + 1
        k = (key[0], _end(s, names), _end(r, names))
        ends[k] = ends.get(k, 0) + 1
    out['channels'] = [{'channel': c, 'from': dict(f), 'to': dict(t),
                        'messages': n}
                       for (c, f, t), n in sorted(ends.items(), key=str)]
    return out


def _seq_ranges(msgs):
    """Per ring, the lowest and highest sequence number traced on each
    side: ({ring: (lo, hi)} of sends, the same of receives)."""
    out = ({}, {})
    for side, table in enumerate((msgs['send'], msgs['recv'])):
        for (ring, seq) in table:
            lo, hi = out[side].get(ring, (seq, seq))
            out[side][ring] = (min(lo, seq), max(hi, seq))
    return out


def _inside(key, ranges):
    """True if key's sequence number lies within what the other side of
    its ring traced: a message missing there was lost, not cut off. A
    ring is FIFO and each side traces one unbroken stretch of it."""
    ring, seq = key
    lo, hi = ranges.get(ring, (1, 0))
    return lo <= seq <= hi


def _end(ev, names):
    track = (ev.get('pid'), ev.get('tid'))
    return (('core', core_of(ev.get('pid'))), ('pid', ev['args'].get('pid')),
            ('name', names.get(track, '')))


def parse_end(text):
    """NAME, @CORE or NAME@CORE -> (name or None, core or None); raises
    ValueError."""
    name, at, core = text.partition('@')
    if not name and not at:
        raise ValueError('empty')
    try:
        c = int(core) if at else None
    except ValueError:
        raise ValueError('core %r is not a number' % core)
    if at and not name and c is None:
        raise ValueError('empty')
    return name or None, c


def _matches(end, want):
    name, core = want
    return ((name is None or end['name'] == name) and
            (core is None or end['core'] == core))


def match_channels(result, sender, receiver):
    """The entries of check()'s 'channels' whose sender matches `sender`
    and receiver `receiver`, each (name or None, core or None) as
    parse_end() gives."""
    return [c for c in result['channels']
            if _matches(c['from'], sender) and _matches(c['to'], receiver)]

