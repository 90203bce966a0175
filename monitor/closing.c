// SPDX-License-Identifier: MIT
/*
 * Closing channels across cores (docs/monitor.md, "Channel frames"): when
 * a process here stops mapping a channel frame of another core (it closed
 * it or ended), our kernel queues the close with its seal and wakes us
 * (SYS_EV_CLOSED); we pass it to the frame's core, whose kernel frees the
 * frame once its own end is closed too. Core 0 relays, as for link_offer.
 * A close of a lost core's frame goes nowhere (docs/failures.md): the
 * frame stays with that core's partition.
 */
#include "monitor.h"
#include <stdio.h>

/* the close taken from the kernel that waits for room in its link (a
 * burst of closes is delayed, never dropped: the kernel keeps the rest) */
static struct sys_chan_closed held;
bool closes_held; /* monitor.h */

int closes_drain(void)
{
	int done = 0;

	for (;;) {
		struct monitor_chan_closed m;
		int to;

		if (!closes_held && sys_chan_closed(&held) != 0) {
			return done;
		}
		closes_held = true;
		to = relay_target(held.core);
		if (to >= 0 && !link_has_room(to)) {
			return done; /* again on the next pass */
		}
		m = (struct monitor_chan_closed){held.core, me.core_id,
						 held.phys, held.seal.seq,
						 held.seal.mac};
		closes_held = false;
		done++;
		if (health_lost(held.core)) {
			/* its frame is in a lost core's partition: nobody
			 * frees it, and nobody need be told */
			continue;
		}
		if (to < 0 || monitor_send_chan_closed(send_on, ROUTE(to), &m) < 0) {
			printf("monitor %u: cannot tell core %u that frame "
			       "0x%lx closed: it stays allocated\n",
			       me.core_id, held.core, (unsigned long)held.phys);
		}
	}
}

int on_chan_closed(void *vctx, const struct monitor_chan_closed *m)
{
	struct sys_seal seal = {m->seal_seq, m->seal_mac};
	long r;

	(void)vctx;
	if (m->owner != me.core_id) {
		/* core 0 passes it on */
		int to = me.core_id == 0 ? relay_target(m->owner) : -1;

		return to < 0 ? 0
			      : monitor_send_chan_closed(send_on, ROUTE(to), m);
	}
	r = sys_chan_release(m->phys, m->closer, &seal);
	if (r < 0) {
		printf("monitor %u: refused a close of frame 0x%lx from core "
		       "%u: %s\n",
		       me.core_id, (unsigned long)m->phys, m->closer,
		       err_msg((int)r));
	}
	return 0;
}
