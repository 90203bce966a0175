// SPDX-License-Identifier: MIT
/*
 * The shell's bindings to services it calls (store, net): made on first
 * use, dropped when a call gave up on the service (its slot in the
 * service comes back) and made again on the next use, which finds the
 * service where it runs now (after a restart, maybe on another core).
 */
#include <libos/mon.h>
#include <libos/sys.h>
#include "shell.h"

int link_bind(struct svc_link *l, const char *cmd)
{
	uint32_t pid;
	void *va;
	int r;

	if (l->bound) {
		return 0;
	}
	r = mon_bind(l->service, &va, &pid);
	if (r == E_NOENT) {
		say("%s: no %s service is running (%s)\n", cmd, l->service,
		    l->driver);
		return r;
	}
	if (r < 0) {
		say("%s: cannot reach the %s service: %s\n", cmd, l->service,
		    err_msg(r));
		return r;
	}
	bind_init(&l->b, va, 1, SYS_PID_CORE(pid), pid, &bind_env_libos);
	l->bound = 1;
	l->va = va;
	return 0;
}

void link_drop(struct svc_link *l)
{
	if (l->bound) {
		mon_close(l->va);
		l->bound = 0;
	}
}
