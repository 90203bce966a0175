// SPDX-License-Identifier: MIT
/* A server's capped table of connections (net/conncap.h). */
#include <stddef.h>
#include <net/conncap.h>
#include <net/sock.h>

/* evict: the slot of the connection with the oldest since, let go; -1
 * when too many still end or no slot is taken */
static int evict(struct conncap *t)
{
	int v = -1;

	if (t->ending >= t->cap) {
		return -1;
	}
	for (unsigned i = 0; i < t->cap; i++) {
		if (t->slots[i] &&
		    (v < 0 || t->slots[i]->since < t->slots[v]->since)) {
			v = (int)i;
		}
	}
	if (v >= 0) {
		/* its waiting call ends now */
		t->slots[v]->evicted = true;
		sock_deadline(t->slots[v]->s, 1);
		t->slots[v] = NULL;
		t->ending++;
	}
	return v;
}

int conncap_take(struct conncap *t)
{
	for (unsigned i = 0; i < t->cap; i++) {
		if (!t->slots[i]) {
			return (int)i;
		}
	}
	return evict(t);
}

void conncap_end(struct conncap *t, struct conncap_conn *c)
{
	if (c->evicted) {
		if (t->ending > 0) {
			t->ending--;
		}
		return;
	}
	for (unsigned i = 0; i < t->cap; i++) {
		if (t->slots[i] == c) {
			t->slots[i] = NULL;
		}
	}
}
