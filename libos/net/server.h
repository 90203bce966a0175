/* SPDX-License-Identifier: MIT */
/*
 * The socket server's core (server.c), apart from how clients arrive and
 * leave (srvmon.c: the monitor; host tests: directly).
 */
#ifndef NET_SERVER_H
#define NET_SERVER_H

#include <stdint.h>

#define NETSRV_CLIENTS 64
/* sockets one client may hold (of the NET_SOCKS_MAX ids): beyond it,
 * listen, connect and udp_bind are answered E_TOOBIG and an accept fails
 * with E_TOOBIG (the connection is closed). With lwIP's pools
 * (libos/lwip/lwipopts.h) sized for several such clients, one client
 * cannot take every TCP PCB. */
#define NETSRV_CLIENT_SOCKS 48

/* netsrv_attach: serve a client bound on channel frame (side 0) */
int netsrv_attach(void *frame, uint32_t pid);
/* netsrv_detach: the client is gone: close its sockets, forget it */
void netsrv_detach(uint32_t pid);
/* netsrv_detach_frame: the same for the client on channel frame (its
 * monitor's client_gone: the client closed that binding or ended) */
void netsrv_detach_frame(void *frame, uint32_t pid);
/* netsrv_client_pid: pid of client slot i, 0 if the slot is free */
uint32_t netsrv_client_pid(int i);
/* netsrv_sockets: sockets open for clients (tests) */
int netsrv_sockets(void);

#endif
