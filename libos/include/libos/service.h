/* SPDX-License-Identifier: MIT */
/*
 * A named service's loop, for programs that serve an interface over
 * bound channels and do nothing else (echosvc, store): accept every
 * client the monitor binds (up to SVC_CLIENTS at once: a client that
 * closes its binding or ends is dropped when the monitor says so, its
 * `client_gone` note, and its slot serves the next), hand each message to the
 * service's dispatcher, answer what the dispatcher rejects, poll for a
 * while when idle (SVC_POLL_NS), then halt until a doorbell. A service
 * that sets sleep_when_idle halts as soon as it has nothing to do, so
 * every message after a quiet spell wakes it with a doorbell (what the
 * channels benchmark's sleeping mode measures).
 *
 * The stubs' transport is svc_send, with the client (struct svc_client *)
 * as its context: handlers pass their ctx on to the reply stubs, and learn
 * who asks from it (svc_client_pid, svc_client_rights): a privileged
 * request is refused unless svc_client_rights(ctx) holds the right.
 *
 * Usage:
 *   static int dispatch(struct svc_client *c, uint8_t type,
 *                       const void *buf, size_t n)
 *   { return foo_dispatch(&handlers, c, type, buf, n); }
 *   static void reject(struct svc_client *c, uint8_t type,
 *                      const void *buf, int n, int err)
 *   { struct foo_error e = {type, err}; foo_send_error(svc_send, c, &e); }
 *   static struct service svc = {.name = "foo", .dispatch = dispatch,
 *                                .reject = reject};
 *   mon_export("foo");  ...  svc_run(&svc);
 */
#ifndef LIBOS_SERVICE_H
#define LIBOS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <channels/binding.h>

#define SVC_CLIENTS 16
#define SVC_POLL_NS 200000ull /* polling before sleeping: 200 us */
#define SVC_NAP_NS 100000000ull /* the longest sleep without a doorbell */

/* A bound client. pid and rights are what the client's monitor vouched
 * for when it bound (the monitor's `bound` note, monitor.if): a handler
 * decides what the client may do from them, never from the client's
 * messages. Set by the loop, read by handlers. */
struct svc_client {
	struct binding b;
	uint32_t pid;	 /* the client process */
	uint32_t rights; /* SYS_RIGHT_* it holds (abi/syscall.h) */
	void *va;	 /* the channel (the `bound` note's va) */
};

struct service {
	const char *name; /* for messages: "NAME: bad message ..." */
	/* dispatch: one message from c; E_NOSYS or E_FORMAT make the
	 * loop log it and call reject */
	int (*dispatch)(struct svc_client *c, uint8_t type, const void *buf,
			size_t n);
	/* reject: answer a message that could not be handled (n < 0: it
	 * could not even be received whole; type is then 0) */
	void (*reject)(struct svc_client *c, uint8_t type, const void *buf,
		       int n, int err);
	bool stop; /* set by a handler: svc_run returns */
	/* set before svc_run: halt at once when idle, no SVC_POLL_NS window */
	bool sleep_when_idle;
	/* the loop's */
	struct svc_client clients[SVC_CLIENTS];
	int nclients;
};

/* svc_send: the stubs' transport; tctx is a struct svc_client *. Waits
 * (1 ms at a time) while the client's ring is full, at most 1 s: a client
 * that never reads gets E_FULL. It is bind_send_fn, since a client begins
 * with its binding: a reply that fits a ring slot is marshalled straight
 * into it (channels/binding.h, bind_reserve). */
#define svc_send bind_send_fn
_Static_assert(offsetof(struct svc_client, b) == 0,
	       "svc_send's tctx, a client, is its binding");

/* svc_run: serve until a handler sets s->stop; returns 0 then */
int svc_run(struct service *s);

/* svc_client_pid, svc_client_rights: who sent the message a handler is
 * handling, and the SYS_RIGHT_* it holds; ctx is the handler's ctx (the
 * struct svc_client * the dispatcher passed on). */
static inline uint32_t svc_client_pid(const void *ctx)
{
	return ((const struct svc_client *)ctx)->pid;
}

static inline uint32_t svc_client_rights(const void *ctx)
{
	return ((const struct svc_client *)ctx)->rights;
}

#endif
