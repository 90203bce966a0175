// SPDX-License-Identifier: MIT
/*
 * Bindings (channels/binding.h): send with the doorbell only when the
 * peer sleeps, calls matched to their replies by call id, deadlines.
 * Builds freestanding (programs, monitors) and hosted (tests).
 */
#include <channels/binding.h>
#include <abi/errors.h>
#include <string.h>

/* A full ring is tried again SPIN_TRIES times at once, then after a pause
 * that starts at PAUSE_MIN_NS and doubles up to PAUSE_MAX_NS: a peer that
 * reads on another core makes room within microseconds, and a pause lets a
 * peer that shares our core (or our host CPU) run. */
#define SPIN_TRIES 4096
#define PAUSE_MIN_NS 10000ull
#define PAUSE_MAX_NS 1000000ull

void bind_init(struct binding *b, void *frame, int side, uint32_t peer_core,
	       uint32_t peer_pid, const struct bind_env *env)
{
	chan_init(&b->ch, frame, side);
	b->peer_core = peer_core;
	b->peer_pid = peer_pid;
	b->env = env;
	b->iface = 0;
	b->call_seq = 0;
	b->send_wait_ns = 100 * PAUSE_MAX_NS; /* 100 ms */
	b->spin = !env->self_core || env->self_core() != peer_core;
	b->calls = 0;
	b->other = 0;
	b->late_fn = 0;
	b->arg = 0;
	b->sent = b->doorbells = b->late = b->bad = 0;
}

void bind_ring(struct binding *b, uint32_t wake)
{
	b->env->doorbell(b->peer_core, wake);
	b->doorbells++;
}

/* ring_peer: the doorbell, if the peer said it sleeps */
static void ring_peer(struct binding *b)
{
	uint32_t wake = chan_peer_wake(&b->ch);

	if (wake) {
		bind_ring(b, wake);
	}
}

int bind_send(struct binding *b, uint8_t type, const void *buf, size_t len)
{
	uint64_t deadline = 0, pause = PAUSE_MIN_NS;
	int r;

	/* one slot with room: straight in, the usual case */
	if ((r = bind_send_slot(b, type, buf, len)) != E_AGAIN) {
		return r;
	}
	r = chan_msg_send(&b->ch, type, buf, len);
	/* a peer that reads on another core makes room within microseconds:
	 * try again at once a while before letting time pass */
	for (unsigned spin = 0;
	     r == E_FULL && b->send_wait_ns && b->spin && spin < SPIN_TRIES;
	     spin++) {
		if (spin == 0) {
			/* it went to sleep with our ring full: wake it, then
			 * it makes room as soon as it runs */
			ring_peer(b);
		}
		ring_relax();
		r = chan_msg_send(&b->ch, type, buf, len);
	}
	while (r == E_FULL) {
		uint64_t now = b->env->now_ns();

		if (!deadline) {
			deadline = now + b->send_wait_ns;
		}
		if (now >= deadline) {
			return E_FULL;
		}
		/* the peer may be asleep with a full ring of ours to read */
		ring_peer(b);
		b->env->pause(pause);
		pause = pause * 2 > PAUSE_MAX_NS ? PAUSE_MAX_NS : pause * 2;
		r = chan_msg_send(&b->ch, type, buf, len);
	}
	if (r < 0) {
		return r;
	}
	b->sent++;
	ring_peer(b);
	return 0;
}

int bind_send_fn(void *tctx, uint8_t type, const void *buf, size_t len)
{
	return bind_send(tctx, type, buf, len);
}

uint32_t bind_next_id(struct binding *b)
{
	if (++b->call_seq == 0) {
		b->call_seq = 1;
	}
	return b->call_seq;
}

void bind_call_start(struct binding *b, struct bind_call *c,
		     const struct bind_iface *iface, uint32_t id,
		     uint8_t reply_type,
		     int (*unmarshal)(const uint8_t *, size_t, void *),
		     void *rep)
{
	b->iface = iface;
	c->id = id;
	c->reply_type = reply_type;
	c->unmarshal = unmarshal;
	c->rep = rep;
	c->done = false;
	c->result = 0;
	c->waiter = 0;
	c->next = b->calls;
	b->calls = c;
}

void bind_call_cancel(struct binding *b, struct bind_call *c)
{
	for (struct bind_call **p = &b->calls; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	c->next = 0;
}

/*
 * answer: the waiting call this message answers (0: none); *err the
 * error an `error` answer carries. *late: it answers one of our calls
 * that nobody waits for any more.
 */
static struct bind_call *answer(struct binding *b, uint8_t type,
				const uint8_t *buf, size_t len, int *err,
				bool *late)
{
	uint32_t id;
	bool is_error = false;

	*err = 0;
	*late = false;
	if (!b->iface) {
		return 0;
	}
	if (b->iface->error_of &&
	    b->iface->error_of(type, buf, len, &id, err) == 0) {
		is_error = true;
		if (*err == 0) {
			*err = E_FORMAT; /* an error that names none */
		}
	} else if (b->iface->reply_id_of(type, buf, len, &id) < 0) {
		return 0;
	}
	for (struct bind_call *c = b->calls; c; c = c->next) {
		if (c->id == id && (is_error || c->reply_type == type)) {
			return c;
		}
	}
	/* ids we gave out count up from 1 */
	*late = id != 0 && id <= b->call_seq;
	return 0;
}

/* poll_some: bind_poll with something on the ring (apart: the look at an
 * empty ring, every call's first, pays no frame and no 1 KiB buffer) */
static __attribute__((noinline)) int poll_some(struct binding *b)
{
	uint8_t buf[CHAN_MSG_MAX], type;
	struct bind_call *c;
	int n, err, done = 0;
	bool late;

	while ((n = chan_msg_recv(&b->ch, &type, buf, sizeof(buf))) !=
	       E_AGAIN) {
		done++;
		if (n < 0) {
			b->bad++;
			continue;
		}
		c = answer(b, type, buf, (size_t)n, &err, &late);
		if (c) {
			bind_call_cancel(b, c);
			c->result =
			    err ? err : c->unmarshal(buf, (size_t)n, c->rep);
			c->done = true;
			if (c->waiter && b->env->wake) {
				b->env->wake(c);
			}
			continue;
		}
		if (late) {
			b->late++;
			if (b->late_fn) {
				b->late_fn(b, type, buf, (size_t)n);
			}
			continue;
		}
		if (b->other) {
			b->other(b, type, buf, (size_t)n);
		}
	}
	return done;
}

int bind_poll(struct binding *b)
{
	return chan_pending(&b->ch) ? poll_some(b) : 0;
}

void bind_fail_all(struct binding *b, int err)
{
	while (b->calls) {
		struct bind_call *c = b->calls;

		b->calls = c->next;
		c->next = 0;
		c->result = err;
		c->done = true;
		if (c->waiter && b->env->wake) {
			b->env->wake(c);
		}
	}
}

int bind_call_wait(struct binding *b, struct bind_call *c, uint64_t deadline_ns)
{
	bind_poll(b);
	/* the clock is read after each wait, not before the first: the
	 * environment's wait returns at once for a deadline that has passed
	 * (one clock read a call less: every monitor call waits once) */
	while (!c->done) {
		b->env->wait(b, c, deadline_ns);
		if (!c->done) {
			bind_poll(b);
		}
		if (!c->done && b->env->now_ns() >= deadline_ns) {
			bind_call_cancel(b, c);
			return E_TIMEOUT;
		}
	}
	return c->result;
}
