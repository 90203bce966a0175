// SPDX-License-Identifier: MIT
/*
 * The service loop (libos/service.h). Each client is kept with the pid
 * and rights its monitor's `bound` note vouched for, until its monitor's
 * `client_gone` note for its channel.
 */
#include <libos/bind.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <libos/sys.h>
#include <libos/timing.h>
#include <stdio.h>

/* serve: at most SERVE_BUDGET of c's messages: a client that keeps
 * writing as fast as they are read would otherwise hold the service and
 * its other clients for ever; svc_run passes again while any came. More
 * than a ring holds (30), so a full ring is still read in one call: a
 * pass costs the monitor channel's look: a budget of 16 made echosvc's
 * one-way rate 3.7% slower under icount, one of 32 1%. */
#define SERVE_BUDGET 64

static int serve(struct service *s, struct svc_client *c);

/* drop_gone: forget the clients whose channels closed; the last client
 * takes a dropped one's place. What a client sent before it went is
 * served first (a last `quit`, a `put` it did not wait for): its
 * messages are in our end of the frame until we close it. Replies to it
 * go nowhere, so they do not wait for room. */
static void drop_gone(struct service *s)
{
	void *va;
	uint32_t pid;

	/* the notes mon_accept_client_poll read in an earlier pass: no
	 * second poll of the monitor channel per pass */
	while (mon_gone_waiting() && mon_take_client_gone(&va, &pid) == 0) {
		for (int i = 0; i < s->nclients; i++) {
			if (s->clients[i].va == va &&
			    s->clients[i].pid == pid) {
				s->clients[i].b.send_wait_ns = 0;
				/* all it sent before it ended (it can write no
				 * more: a ring, under SERVE_BUDGET; a few more
				 * passes at most, should that ever change) */
				for (int k = 0; k < 4 && serve(s, &s->clients[i]) ==
							   SERVE_BUDGET;
				     k++) {
				}
				s->clients[i] = s->clients[--s->nclients];
				/* our end goes too: the frame is freed */
				sys_chan_close(va);
				break;
			}
		}
	}
}

static void accept_all(struct service *s)
{
	struct svc_client *c;
	void *va;
	uint32_t pid, rights;

	/* gone first: a client that ended frees its slot for a new one
	 * (mon.c never hands out a note for a client not yet accepted) */
	drop_gone(s);
	while (mon_accept_client_poll(&va, &pid, &rights) == 0) {
		if (s->nclients == SVC_CLIENTS) {
			drop_gone(s); /* notes the poll just read */
		}
		if (s->nclients == SVC_CLIENTS) {
			printf("%s: too many clients; 0x%x ignored\n", s->name,
			       pid);
			continue;
		}
		c = &s->clients[s->nclients++];
		bind_init(&c->b, va, 0, SYS_PID_CORE(pid), pid,
			  &bind_env_libos);
		/* a client that never reads gets E_FULL after a second */
		c->b.send_wait_ns = BIND_SECOND;
		c->pid = pid;
		c->rights = rights;
		c->va = va;
	}
	drop_gone(s); /* notes this pass's poll read */
}

static int serve(struct service *s, struct svc_client *c)
{
	static uint8_t buf[CHAN_MSG_MAX];
	uint8_t type = 0;
	int n, done = 0, r;

	while (!s->stop &&
	       (n = chan_msg_recv(&c->b.ch, &type, buf, sizeof(buf))) !=
		   E_AGAIN) {
		done++;
		r = n < 0 ? n : s->dispatch(c, type, buf, (size_t)n);
		if (r == E_NOSYS || r == E_FORMAT || n < 0) {
			printf("%s: bad message from client 0x%x: %s\n",
			       s->name, c->pid, err_msg(r));
			s->reject(c, n < 0 ? 0 : type, buf, n, r);
		}
		if (done == SERVE_BUDGET) {
			break; /* looked at only after a message: a pass
				* that finds none costs nothing more */
		}
	}
	return done;
}

/* sleep_all: mark every channel asleep (1) or awake (0); on sleep, true
 * if something arrived meanwhile */
static int sleep_all(struct service *s, int sleep)
{
	int pending = 0;

	for (int i = 0; i < s->nclients; i++) {
		if (sleep) {
			chan_sleep(&s->clients[i].b.ch);
			pending |= chan_pending(&s->clients[i].b.ch);
		} else {
			chan_wake(&s->clients[i].b.ch);
		}
	}
	if (sleep) {
		chan_sleep(mon_channel());
		pending |= chan_pending(mon_channel());
	} else {
		chan_wake(mon_channel());
	}
	return pending;
}

/* keep_polling: after a pass that found nothing, whether to look again
 * rather than halt: for SVC_POLL_NS from the first such pass, or never
 * with sleep_when_idle */
static bool keep_polling(const struct service *s, uint64_t *idle_since)
{
	/* the window in TSC ticks, read in ring 3: a pass of the loop makes
	 * no system call (the loop's latency is the polling round trip) */
	static uint64_t window;

	if (s->sleep_when_idle) {
		return false;
	}
	if (!window) {
		struct sys_info in;

		window = sys_info(&in) == 0 && in.tsc_khz
				 ? SVC_POLL_NS * in.tsc_khz / 1000000
				 : 1;
	}
	if (!*idle_since) {
		*idle_since = timing_tsc();
		return true;
	}
	return timing_tsc() - *idle_since < window;
}

int svc_run(struct service *s)
{
	uint64_t idle_since = 0;

	while (!s->stop) {
		int done = 0;

		accept_all(s);
		for (int i = 0; i < s->nclients && !s->stop; i++) {
			done += serve(s, &s->clients[i]);
		}
		/* a service that sleeps when idle halts after every pass: the
		 * pass drained every client, and sleep_all's check below finds
		 * whatever came since (a second pass would only look again) */
		if (done && !s->sleep_when_idle) {
			idle_since = 0;
			continue;
		}
		if (keep_polling(s, &idle_since)) {
			ring_relax();
			continue;
		}
		idle_since = 0;
		/* every wait has a deadline: a doorbell lost on the way (none
		 * should be) costs at most SVC_NAP_NS, not the service */
		if (!sleep_all(s, 1)) {
			sys_wait(SVC_NAP_NS);
		}
		sleep_all(s, 0);
	}
	return 0;
}
