/* SPDX-License-Identifier: MIT */
/*
 * Constants of the sockets protocol (channels/if/net.if) that both the
 * server and its clients must agree on: socket ids per client and the
 * flow-control windows (docs/network.md).
 */
#ifndef NET_PROTO_H
#define NET_PROTO_H

#define NET_SERVICE "net"
#define NET_SOCKS_MAX 64          /* sockets per client */
#define NET_DATA_MAX 1000         /* bytes in one data/send/datagram */
#define NET_SEND_WINDOW (16u << 10) /* bytes in flight client -> server */
#define NET_RECV_WINDOW (32u << 10) /* bytes in flight server -> client */
#define NET_UDP_WINDOW 8          /* datagrams in flight server -> client */
#define NET_ACCEPT_MAX 16         /* accept grants outstanding per listener */

#endif
