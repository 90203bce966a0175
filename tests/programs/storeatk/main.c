// SPDX-License-Identifier: MIT
/*
 * storeatk: a program without the admin right tries to wipe the block
 * store. It binds to "store" twice - once honestly, once with a bind_req
 * of its own that claims every right and another client's pid (its
 * monitor must overwrite both) - and asks each binding for `format`,
 * which the store must refuse (E_PERM, "store: refused format from PID:
 * needs the admin right", PID its real pid). Then it asks the status, to
 * show the store still answers. It puts nothing: every key the shell put
 * must still be there afterwards (tests/system/store-perm.test).
 *   storeatk: honest bind: format refused: not permitted
 *   storeatk: forged bind: format refused: not permitted
 *   storeatk: store still answers: 3 keys
 */
#include <stdio.h>
#include <string.h>
#include <channels/binding.h>
#include <libos/bind.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <monitor_if.h>
#include <store_if.h>

#define CALL_NS (5 * BIND_SECOND)
#define FORGED_PID 0x42u /* a pid nobody has: it must never show up */

/* forged_bind: bind to "store" with a request that lies about who asks */
static int forged_bind(struct binding *b)
{
	struct monitor_bind_req q;
	struct monitor_bind_reply r;
	int err;

	memset(&q, 0, sizeof(q));
	strlcpy(q.name, "store", sizeof(q.name));
	q.client_core = 0;
	q.client_pid = FORGED_PID;
	q.client_rights = SYS_RIGHTS_ALL;
	err = monitor_bind_call(mon_binding(), &q, &r, MON_CALL_NS);
	if (err == 0) {
		err = r.err;
	}
	if (err < 0) {
		return err;
	}
	bind_init(b, (void *)r.va, 1, SYS_PID_CORE(r.server_pid), r.server_pid,
		  &bind_env_libos);
	return 0;
}

/* try_format: ask b's store to format; 1 if it did (the attack worked) */
static int try_format(struct binding *b, const char *how)
{
	struct store_format_req q = {0};
	struct store_format_reply r;
	int err = store_format_call(b, &q, &r, CALL_NS);

	if (err == 0) {
		err = r.err;
	}
	if (err == 0) {
		printf("storeatk: %s bind: format ALLOWED\n", how);
		return 1;
	}
	printf("storeatk: %s bind: format refused: %s\n", how, err_msg(err));
	return 0;
}

int main(void)
{
	static struct store_status_reply st;
	struct store_status_req sq = {0};
	struct binding honest, forged;
	int err, won = 0;

	err = mon_connect("store", 2 * BIND_SECOND, &honest);
	if (err < 0) {
		printf("storeatk: cannot bind to store: %s\n", err_msg(err));
		return 1;
	}
	won += try_format(&honest, "honest");
	err = forged_bind(&forged);
	if (err < 0) {
		printf("storeatk: forged bind failed: %s\n", err_msg(err));
	} else {
		won += try_format(&forged, "forged");
	}
	err = store_status_call(&honest, &sq, &st, CALL_NS);
	if (err == 0) {
		err = st.err;
	}
	if (err < 0) {
		printf("storeatk: no status from the store: %s\n",
		       err_msg(err));
		return 1;
	}
	printf("storeatk: store still answers: %lu keys\n",
	       (unsigned long)st.keys);
	return won ? 3 : 0;
}
