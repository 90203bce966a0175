/* SPDX-License-Identifier: MIT */
/*
 * A binding: a channel (channels/chan.h) that knows its peer. It is what
 * every program and monitor talks through:
 *
 *   - bind_send sends one message and rings the peer's core's doorbell
 *     only when the peer said it sleeps; a full ring is retried for at
 *     most send_wait_ns, then reported (E_FULL), never waited on forever.
 *   - A call (the generated P_C_call functions of an interface, or
 *     bind_call_send + bind_call_wait) sends a request with a fresh call
 *     id and waits, up to a deadline, for the reply with that id; a reply
 *     with another id is not taken for it, and a reply that comes after
 *     the deadline is dropped (counted in `late`). An interface's `error`
 *     message that carries the call's id ends the call with its err.
 *   - Messages that answer no call a thread waits for go to the binding's
 *     `other` handler (notes, requests from the peer), in arrival order.
 *
 * A binding is used by one core. Several user-level threads of a process
 * may have calls outstanding on one binding at once: whichever of them
 * reads the channel hands each reply to the call it answers.
 *
 * How a binding waits, reads the clock and rings doorbells depends on
 * where it runs: the environment (struct bind_env) says. libos gives
 * programs and monitors one that waits through the event loop (other
 * threads run meanwhile); host tests give their own.
 *
 * Usage (a program, libos's bind_env_libos):
 *   bind_init(&b, frame, 1, peer_core, peer_pid, &bind_env_libos);
 *   r = store_put_call(&b, &req, &rep, 2 * BIND_SECOND);
 *   if (r == E_TIMEOUT) ...;          (else r is the send's error, or 0)
 */
#ifndef CHANNELS_BINDING_H
#define CHANNELS_BINDING_H

#include <channels/chan.h>

#define BIND_SECOND 1000000000ull

struct binding;
struct bind_call;

/* The world a binding lives in. */
struct bind_env {
	/* now_ns: a monotonic clock */
	uint64_t (*now_ns)(void);
	/* doorbell: wake the process of core `core` whose wake token is
	 * `wake` (the peer said it sleeps, with that token) */
	void (*doorbell)(uint32_t core, uint32_t wake);
	/* pause: let ns pass (the peer's ring is full) */
	void (*pause)(uint64_t ns);
	/* wait: call c is not done yet: return when it may be (something
	 * arrived on b) or at deadline_ns, at once if that has passed
	 * (bind_call_wait reads the clock only after a wait). It must see
	 * to it that b is read (bind_poll), by this thread or another. */
	void (*wait)(struct binding *b, struct bind_call *c,
		     uint64_t deadline_ns);
	/* wake: call c, which another thread waits for, is done */
	void (*wake)(struct bind_call *c);
	/* self_core: the core we run on (may be 0: unknown); a send to a
	 * peer on our own core never spins on a full ring, since the peer
	 * cannot run until we stop */
	uint32_t (*self_core)(void);
};

/* A call in flight: on its caller's stack while it waits. */
struct bind_call {
	struct bind_call *next; /* the binding's list of waiting calls */
	uint32_t id;
	uint8_t reply_type;
	/* unmarshal the reply into rep (generated); 0 or E_FORMAT */
	int (*unmarshal)(const uint8_t *buf, size_t len, void *rep);
	void *rep;
	bool done;
	int result;   /* when done: 0, or the err of an `error` answer */
	void *waiter; /* the environment's: which thread waits */
};

/* What an interface tells a binding about its messages (generated as
 * P_bind_iface). */
struct bind_iface {
	const char *name;
	/* reply_id_of: the call id of a reply of a call; E_NOENT for
	 * other types, E_FORMAT for a body too short to hold one */
	int (*reply_id_of)(uint8_t type, const uint8_t *buf, size_t len,
			   uint32_t *id);
	/* error_of: if type is the interface's `error` message and it names
	 * a call id: that id and the error (0), else E_NOENT */
	int (*error_of)(uint8_t type, const uint8_t *buf, size_t len,
			uint32_t *id, int *err);
};

struct binding {
	struct chan ch;
	uint32_t peer_core; /* whose doorbell a send rings */
	uint32_t peer_pid;  /* the peer process (0: a monitor) */
	const struct bind_env *env;
	const struct bind_iface *iface; /* set by the first call; may be 0 */
	uint32_t call_seq;		/* the last call id used */
	uint64_t send_wait_ns;		/* how long a send waits for room */
	bool spin;			/* the peer reads on another core */
	struct bind_call *calls;	/* calls waiting for their reply */
	/* other: a message no waiting call takes (may be 0: dropped) */
	void (*other)(struct binding *b, uint8_t type, const uint8_t *buf,
		      size_t len);
	/* late: a reply to a call that gave up waiting (may be 0: dropped),
	 * for owners that must undo what the peer did for it */
	void (*late_fn)(struct binding *b, uint8_t type, const uint8_t *buf,
			size_t len);
	void *arg; /* the owner's */
	/* counters */
	uint64_t sent, doorbells, late, bad;
};

/* bind_init: attach side (0 or 1) of the channel in frame (zeroed by its
 * maker) to a peer on peer_core. send_wait_ns starts at 100 ms. */
void bind_init(struct binding *b, void *frame, int side, uint32_t peer_core,
	       uint32_t peer_pid, const struct bind_env *env);

/* bind_send: one message; rings the doorbell if the peer sleeps. 0,
 * E_TOOBIG, or E_FULL when the ring stayed full for send_wait_ns (0: at
 * once, for senders that must never wait, such as event callbacks). */
int bind_send(struct binding *b, uint8_t type, const void *buf, size_t len);

/* bind_send_fn: bind_send as the generated stubs' transport (tctx is the
 * binding). A stub given this transport marshals a message that fits one
 * slot straight into the ring (bind_reserve, bind_commit). */
int bind_send_fn(void *tctx, uint8_t type, const void *buf, size_t len);

/* bind_reserve / bind_commit: bind_send of a one-slot message in two
 * steps, with no copy: bind_reserve gives the next slot's payload
 * (RING_PAYLOAD bytes to write the message into), or NULL when the ring is
 * full (then use bind_send, which waits for room as it says);
 * bind_commit sends len bytes of it as a message of type and rings the
 * doorbell if the peer sleeps: 0, or E_TOOBIG (len > RING_PAYLOAD; nothing
 * sent). Nothing else may be sent on b between the two; a reservation not
 * committed sends nothing. Inline: the send of every polling round trip. */
static inline uint8_t *bind_reserve(struct binding *b)
{
	return chan_msg_reserve(&b->ch);
}

/* bind_ring: the doorbell, for a peer that said it sleeps with wake */
void bind_ring(struct binding *b, uint32_t wake);

static inline int bind_commit(struct binding *b, uint8_t type, size_t len)
{
	uint32_t wake;
	int r = chan_msg_commit(&b->ch, type, len);

	if (r < 0) {
		return r;
	}
	b->sent++;
	wake = ring_tx_wake_token_inline(&b->ch.tx);
	if (__builtin_expect(wake != 0, 0)) {
		bind_ring(b, wake);
	}
	return 0;
}

/* bind_send_slot: bind_send's usual case, inline and never waiting: a
 * one-slot message into a slot with room. 0 (or bind_commit's error), or
 * E_AGAIN when it does not fit one slot or the ring is full (then
 * bind_send, or a queue of the caller's). */
static inline int bind_send_slot(struct binding *b, uint8_t type,
				 const void *buf, size_t len)
{
	uint8_t *slot;

	if (len > RING_PAYLOAD || (slot = bind_reserve(b)) == NULL) {
		return E_AGAIN;
	}
	if (len) { /* (NULL, 0) is a valid empty message */
		__builtin_memcpy(slot, buf, len);
	}
	return bind_commit(b, type, len);
}

/* bind_next_id: a fresh call id (never 0). */
uint32_t bind_next_id(struct binding *b);

/* bind_call_start: c waits for the reply of type reply_type with call id
 * id from now on; the request is sent after this (so a quick reply is
 * never missed). */
void bind_call_start(struct binding *b, struct bind_call *c,
		     const struct bind_iface *iface, uint32_t id,
		     uint8_t reply_type,
		     int (*unmarshal)(const uint8_t *, size_t, void *),
		     void *rep);

/* bind_call_wait: wait until c is answered or deadline_ns passes; c is
 * no longer waiting afterwards. 0 (the reply is in c->rep), the err of
 * an `error` answer, E_FORMAT (a malformed reply), or E_TIMEOUT. */
int bind_call_wait(struct binding *b, struct bind_call *c,
		   uint64_t deadline_ns);

/* bind_call_cancel: c stops waiting (its reply, if it comes, is late). */
void bind_call_cancel(struct binding *b, struct bind_call *c);

/* bind_fail_all: every waiting call ends with err (the peer is gone). */
void bind_fail_all(struct binding *b, int err);

/* bind_poll: read every complete message: replies go to their calls,
 * the rest to b->other. Never waits. Returns how many were read. */
int bind_poll(struct binding *b);

#endif
