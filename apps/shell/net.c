// SPDX-License-Identifier: MIT
/*
 * The shell's `net`: asks the network service "net" (netd) for its
 * counters over the sockets protocol's `stats` call (channels/if/net.if)
 * and prints one line per counter, `name value  what`, then a last line
 * `net: drops N` with the sum of every drop_ counter. The binding is made
 * on first use and kept; a service that does not answer in time is
 * reported and bound again on the next `net` (after a restart of netd,
 * maybe on another core, the old binding fails and a new one is made).
 */
#include <stdio.h>
#include <string.h>
#include <libos/bind.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <net/proto.h>
#include <net_if.h>
#include "shell.h"

#define NET_TIMEOUT_NS (5 * BIND_SECOND)

static const struct {
	const char *name, *what;
} stats[] = {
#define NET_STAT_ROW(name, what) {#name, what},
	NET_STATS(NET_STAT_ROW)
#undef NET_STAT_ROW
};

static struct svc_link net = {
	.service = NET_SERVICE,
	.driver = "netd drives the network device",
};

void cmd_net(int argc, char **argv)
{
	static struct net_stats_reply rep;
	struct net_stats_req req = {0};
	uint64_t drops = 0;
	int r;

	(void)argv;
	if (argc != 1) {
		out("usage: net\n");
		return;
	}
	if (link_bind(&net, "net") < 0) {
		return;
	}
	r = net_stats_call(&net.b, &req, &rep, NET_TIMEOUT_NS);
	if (r < 0 || rep.err < 0) {
		say("net: no counters from the network service: %s\n",
		    err_msg(r < 0 ? r : rep.err));
		/* bound again next time (netd may have restarted) */
		link_drop(&net);
		return;
	}
	for (unsigned i = 0; i < rep.v_count && i < NET_STAT_COUNT; i++) {
		say("  %-16s %12lu  %s\n", stats[i].name,
		    (unsigned long)rep.v[i], stats[i].what);
		if (strncmp(stats[i].name, "drop_", 5) == 0) {
			drops += rep.v[i];
		}
	}
	say("net: drops %lu\n", (unsigned long)drops);
}
