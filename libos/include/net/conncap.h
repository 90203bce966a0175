/* SPDX-License-Identifier: MIT */
/*
 * A server's capped table of connections, each served by its own
 * user-level thread (threads are cooperative: no lock). At most `cap`
 * run at once. One more takes the slot of the connection whose `since`
 * is oldest (what `since` means is the server's: the last byte came, a
 * request began): that one is marked evicted and its waiting socket call
 * ends at once (sock_deadline in the past); its thread sees `evicted`,
 * closes its socket and ends. Connections evicted whose threads have not
 * ended yet count against the cap, so a flood of new connections cannot
 * pile up threads: when `cap` of them are still ending, a new one is
 * refused.
 *
 * A server embeds struct conncap_conn in its connection, puts it in the
 * slot conncap_take gave, and calls conncap_end when the connection's
 * thread ends (apps/echod, apps/httpd; tests/unit/test_conncap.c).
 */
#ifndef NET_CONNCAP_H
#define NET_CONNCAP_H

#include <stdbool.h>
#include <stdint.h>

struct conncap_conn {
	int s;		/* the connection's socket */
	bool evicted;	/* let go to make room: end at once */
	uint64_t since; /* the oldest is let go first */
};

struct conncap {
	struct conncap_conn **slots; /* cap of them; NULL: free */
	unsigned cap;
	unsigned ending; /* evicted, their threads not ended yet */
};

/* conncap_take: a slot for a new connection: a free one, else the one
 * of the connection it evicts; -1 when cap evicted connections are still
 * ending (the new one should be refused) */
int conncap_take(struct conncap *t);

/* conncap_end: c's thread ends (its socket closed): c leaves the table,
 * or, evicted, stops counting as ending */
void conncap_end(struct conncap *t, struct conncap_conn *c);

#endif
