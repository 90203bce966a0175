/* SPDX-License-Identifier: MIT */
/*
 * The network stack: lwIP over a struct netdev, driven by the libos event
 * loop (libos/event.h), in the process that owns the device (netd, or any
 * program in co-located mode). Link with the netstack library
 * (libos['net'] in SConscript).
 *
 * Usage (co-located: this process uses sock.h directly):
 *   struct netdev *d;
 *   netdev_open(&d);
 *   netstack_start(d, "", 0);            (DHCP; or "ip=10.0.2.15/24 gw=10.0.2.2")
 *   s = sock_tcp_listen(80, 8); ...      (blocks only the calling thread)
 *
 * Usage (serving other programs, what netd does):
 *   netstack_start(d, args, 0);
 *   netsrv_start();                      (exports "net")
 *   event_run();
 */
#ifndef NET_STACK_H
#define NET_STACK_H

#include <stdint.h>

struct netdev;
struct netstack;

/* netstack_start: brings up an interface over dev: static address when
 * args holds "ip=A.B.C.D/N [gw=A.B.C.D]", else DHCP (prints "net: A.B.C.D
 * (dhcp)" when it has an address; a static one prints "(static)" at
 * once). The first stack started becomes the one sock.h uses in this
 * process (sock_* then never use the "net" service). *out (if not NULL)
 * gets the stack. 0, E_INVAL for bad args, E_NOMEM. Call from a
 * thread, not from an event callback. */
int netstack_start(struct netdev *dev, const char *args, struct netstack **out);

/* netstack_select: new sockets (listen, connect, udp_bind) of this
 * process are made on st from now on (tests run two stacks in one
 * process; lwIP's core is shared, each stack is one interface). */
void netstack_select(struct netstack *st);

/* netstack_address: st's IPv4 address, 0 until it has one. */
uint32_t netstack_address(const struct netstack *st);

/* netsrv_start: export the service "net" and serve the sockets protocol
 * (channels/if/net.if) to any number of clients on any core, from the event
 * loop: new clients are accepted as they bind; a client that exits has
 * its sockets closed. Needs a stack (netstack_start). 0, or mon_export's
 * error (E_INVAL: the name is taken). */
int netsrv_start(void);

/* netsrv_stop: stop watching the monitor channel and the clients'
 * liveness (the event loop forgets both; open questions are dropped).
 * The clients stay attached. */
void netsrv_stop(void);

/* netstack_stats: this process's network counters, NET_STATS order
 * (net/proto.h: frames, retransmissions and every drop of the driver,
 * the stack and the sockets), into v[0..cap); returns how many. */
int netstack_stats(uint64_t *v, int cap);

#endif
