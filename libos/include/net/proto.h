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

/*
 * The counters netd keeps and answers the `stats` call with (the shell's
 * `net`), in this order: X(name, what). Those whose name starts with
 * `drop_` count packets (or connections) thrown away; the rest count
 * traffic, for scale. A reply's `v[i]` is counter i; a server that knows
 * fewer sends fewer (v_count), a client shows what it knows.
 */
#define NET_STATS(X)                                                           \
	X(rx_frames, "frames received from the device")                        \
	X(tx_frames, "frames handed to the device")                            \
	X(tx_backlogged, "frames that waited in the transmit backlog")         \
	X(rx_ring_full, "times the receive ring was found full (overrun)")     \
	X(tcp_retransmits, "TCP segments sent again")                          \
	X(chan_full, "times a client's channel was full (output held)")        \
	X(mon_wait_max_us, "longest liveness pass (us; it waits for no monitor)")  \
	X(drop_rx_bad, "received frames too short or too long")               \
	X(drop_rx_nobuf, "received frames with no pbuf (pool exhausted)")      \
	X(drop_rx_device, "bad receive entries from the device")               \
	X(drop_tx_backlog, "frames dropped: transmit backlog full")            \
	X(drop_tx_device, "frames the device refused")                         \
	X(drop_tx_too_big, "frames longer than the device takes")              \
	X(drop_link, "frames lwIP's Ethernet/ARP layer dropped")               \
	X(drop_ip, "IP packets dropped (bad header, checksum, not ours)")      \
	X(drop_tcp, "TCP segments dropped (bad, no connection)")               \
	X(drop_udp, "UDP datagrams dropped by lwIP (bad, no socket)")          \
	X(drop_udp_queue, "UDP datagrams dropped: socket queue full")          \
	X(drop_accept, "connections refused: listener backlog full")           \
	X(drop_mem, "lwIP allocations that failed (heap or pools)")

#define NET_STAT_ENUM(name, what) NET_STAT_##name,
enum { NET_STATS(NET_STAT_ENUM) NET_STAT_COUNT };
#undef NET_STAT_ENUM
#define NET_STATS_MAX 32 /* the reply's room (net.if) */

#endif
