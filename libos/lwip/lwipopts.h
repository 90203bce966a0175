/* SPDX-License-Identifier: MIT */
/*
 * lwIP's configuration for our stack (libos/net): no operating system
 * (NO_SYS: one thread of one process drives lwIP from the event loop, see
 * libos/net/stack.c), none of lwIP's own socket or netconn APIs (we have
 * libos/include/net/sock.h), IPv4 with ARP, ICMP, DHCP, TCP and UDP.
 *
 * Memory: lwIP allocates from its own static heap (MEM_SIZE) and pools,
 * so a flood of packets or connections cannot take the process's malloc
 * heap. The pools are sized so that our servers' own caps bind first:
 * netd gives one client at most NETSRV_CLIENT_SOCKS (48) sockets
 * (libos/net/server.h), and httpd and echod serve at most 32 connections
 * each with a backlog of 16; 256 TCP PCBs hold the co-located httpd, an
 * httpd and an echod over channels at their caps, netd's lingering
 * closes (64) and more, and lwIP reuses TIME_WAIT PCBs when it runs out.
 * The TCP window is 32 segments (about 46 KiB), with window
 * scaling off so a window needs no option: enough for about 40 MB/s at
 * 1 ms round trip.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_DHCP 1
/* No ARP probe of the offered address before taking it: lwIP's check
 * waits for no answer twice, 500 ms each, so netd came up a second
 * after the server's ACK, at boot and after a restart on another core
 * (docs/failures.md, "Recovery"). The address comes from QEMU's DHCP
 * server, the only other host on its network, and a restarted netd is
 * offered the same address it had: there is nobody to collide with. */
#define DHCP_DOES_ARP_CHECK 0
/* Every frame sent to an address still being resolved waits for the
 * answer. lwIP's default keeps only the last one per address and frees
 * the others without counting them: connections opened at once before
 * the gateway's address was known lost all SYN-ACKs but one and waited
 * 1-3 s for lwIP to send them again (tests/system/net-burst.test). No limit per address
 * (ARP_QUEUE_LEN 0: lwIP would not count that limit's drops either):
 * the pool MEMP_NUM_ARP_QUEUE bounds the waiting frames, and a frame it
 * has no room for counts in the pool's error count (`net`: drop_mem). */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_SINGLE_NETIF 0
/* lwIP's own counters (drops, allocation failures, retransmissions):
 * netstack_stats reads them for the shell's `net` */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS 1
#define LWIP_CHECKSUM_ON_COPY 1

/* memory */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (512 * 1024)
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 32
#define MEMP_NUM_TCP_PCB 256
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_ARP_QUEUE 256
#define PBUF_POOL_SIZE 256
#define PBUF_POOL_BUFSIZE 1536

/* TCP */
#define TCP_MSS 1460
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)
#define TCP_QUEUE_OOSEQ 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1 /* listen again on a port whose connections linger */
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_WND_SCALE 0

/* addresses from the arch port */
#define LWIP_RAND() ((u32_t)lwip_port_rand())

/* Every TCP segment sent again, counted as it goes out (`net`:
 * tcp_retransmits): lwIP's own count (mib2.tcpretranssegs) misses those
 * its retransmission timer sends, the usual kind. The hook runs for
 * every TCP header lwIP fills in; libos/net/stack.c keeps in the
 * connection's one extra argument the end of the furthest sequence
 * number sent, and a segment that starts before it is a resend. */
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts)                       \
	(lwip_port_tcp_out((p), (hdr), (pcb)), (opts))

#endif
