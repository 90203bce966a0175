// SPDX-License-Identifier: MIT
/*
 * The network stack: lwIP (NO_SYS) over a struct netdev, driven from the
 * libos event loop by two timers: `poll` takes received frames from the
 * device into lwIP, `tick` runs lwIP's timeouts (TCP retransmission,
 * ARP, DHCP) when they are due. lwIP runs only inside those callbacks and
 * inside calls of this process's threads (nsock_*): threads are
 * cooperative, so lwIP never runs twice at once.
 *
 * Several stacks may run in one process (host tests join two back to
 * back): lwIP's core is one, each stack is one netif, and every socket
 * is bound to its stack's netif (tcp_bind_netif), so traffic leaves by
 * the interface its socket belongs to.
 */
#include <abi/errors.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parse.h>
#include <drivers/netdev.h>
#include <libos/event.h>
#include <libos/sys.h>
#include <net/sock_backend.h>
#include <net/proto.h>
#include <net/stack.h>
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/timeouts.h"
#include "lwip/stats.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "netif/ethernet.h"
#include "nsock.h"

#define POLL_NS 1000000ull      /* device poll without an interrupt: 1 ms */
#define SAFETY_NS 100000000ull  /* with one: a look every 100 ms anyway */
#define TICK_MAX_NS 100000000ull /* lwIP timeouts at least every 100 ms */
#define RX_BUDGET 64             /* frames per poll, then others run */
#define TX_BACKLOG 256           /* frames waiting for room in the device */

struct netstack {
	struct netif netif;
	struct netdev *dev;
	struct event_timer poll, tick;
	struct event_irq irq;
	bool dhcp, told;
	uint8_t frame[NETDEV_FRAME_MAX + 64];
	/* frames the device had no room for, oldest first (ring) */
	struct {
		uint16_t len;
		uint8_t data[NETDEV_FRAME_MAX];
	} backlog[TX_BACKLOG];
	unsigned bl_head, bl_len;
};

static struct netstack *current;
/* this process's counters (all its stacks), NET_STATS order */
uint64_t netstack_stat[NET_STAT_COUNT];
#define COUNT(name) (netstack_stat[NET_STAT_##name]++)
extern const struct sock_backend sock_local_backend;

struct netif *netstack_netif(struct netstack *st)
{
	return &st->netif;
}

struct netstack *netstack_current(void)
{
	return current;
}

void netstack_select(struct netstack *st)
{
	current = st;
}

uint32_t netstack_address(const struct netstack *st)
{
	return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&st->netif)));
}

static void print_ip(const char *how, uint32_t ip, int prefix)
{
	if (prefix >= 0) {
		printf("net: %u.%u.%u.%u/%d (%s)\n", ip >> 24, (ip >> 16) & 255,
		       (ip >> 8) & 255, ip & 255, prefix, how);
	} else {
		printf("net: %u.%u.%u.%u (%s)\n", ip >> 24, (ip >> 16) & 255,
		       (ip >> 8) & 255, ip & 255, how);
	}
}

/* ------------------------------------------------------ frames in and out */

/* tx_flush: hand the device what waits in the backlog, in order, while it
 * has room; true when the backlog is empty */
static bool tx_flush(struct netstack *st)
{
	while (st->bl_len) {
		unsigned i = st->bl_head;

		int r = st->dev->tx(st->dev, st->backlog[i].data,
				    st->backlog[i].len);

		if (r == E_FULL) {
			return false;
		}
		r == 0 ? COUNT(tx_frames) : COUNT(drop_tx_device);
		/* sent, or refused for good (a bad frame): next */
		st->bl_head = (i + 1) % TX_BACKLOG;
		st->bl_len--;
	}
	return true;
}

/*
 * link_output: a frame for the device. When the device's transmit queue
 * is full the frame waits in the backlog (sent when the device frees
 * slots: its interrupt, or the next poll) instead of being dropped, which
 * would cost TCP a retransmission timeout; only a full backlog drops.
 */
static err_t link_output(struct netif *netif, struct pbuf *p)
{
	struct netstack *st = netif->state;
	unsigned tail;
	u16_t n;
	int r;

	if (p->tot_len > NETDEV_FRAME_MAX) {
		COUNT(drop_tx_too_big);
		return ERR_BUF;
	}
	if (tx_flush(st)) {
		n = pbuf_copy_partial(p, st->frame, p->tot_len, 0);
		r = st->dev->tx(st->dev, st->frame, n);
		if (r != E_FULL) {
			r == 0 ? COUNT(tx_frames) : COUNT(drop_tx_device);
			return r == 0 ? ERR_OK : ERR_IF;
		}
	}
	if (st->bl_len == TX_BACKLOG) {
		COUNT(drop_tx_backlog);
		return ERR_IF; /* dropped: TCP sends it again */
	}
	COUNT(tx_backlogged);
	tail = (st->bl_head + st->bl_len++) % TX_BACKLOG;
	st->backlog[tail].len = pbuf_copy_partial(p, st->backlog[tail].data,
						  p->tot_len, 0);
	return ERR_OK;
}

/*
 * A TCP segment goes out (lwipopts.h's hook, with its header filled in
 * and P starting at it). Its sequence space (data, SYN, FIN) that starts
 * before the furthest end sent on this connection is a resend, whatever
 * sent it: the retransmission timer (which also winds snd_nxt back),
 * a fast retransmit, an answer to a SYN sent again. The furthest end is
 * kept in the connection's extra argument, 2^32 + end (0: nothing yet).
 */
void lwip_port_tcp_out(const struct pbuf *p, const struct tcp_hdr *hdr,
		       const struct tcp_pcb *pcb)
{
	uint8_t flags = TCPH_FLAGS(hdr);
	uint32_t seq = lwip_ntohl(hdr->seqno), len, end;
	uintptr_t last;

	if (!pcb || p->tot_len < TCPH_HDRLEN_BYTES(hdr)) {
		return;
	}
	len = p->tot_len - TCPH_HDRLEN_BYTES(hdr) + ((flags & TCP_SYN) ? 1u : 0u) +
	      ((flags & TCP_FIN) ? 1u : 0u);
	if (len == 0) {
		return; /* an ACK, a window update, a keep-alive */
	}
	end = seq + len;
	last = (uintptr_t)pcb->ext_args[0].data;
	if (last && TCP_SEQ_LT(seq, (uint32_t)last)) {
		COUNT(tcp_retransmits);
	}
	if (!last || TCP_SEQ_GT(end, (uint32_t)last)) {
		/* lwIP hands the hook a const connection: the field is ours */
		((struct tcp_pcb *)pcb)->ext_args[0].data =
		    (void *)(((uintptr_t)1 << 32) | end);
	}
}

static int poll_device(struct netstack *st)
{
	int n, got = 0;
	struct pbuf *p;

	tx_flush(st);
	while (got < RX_BUDGET &&
	       (n = st->dev->rx(st->dev, st->frame, sizeof(st->frame))) >= 0) {
		got++;
		COUNT(rx_frames);
		if (n < 14 || n > NETDEV_FRAME_MAX) {
			COUNT(drop_rx_bad);
			continue;
		}
		if (!(p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL))) {
			COUNT(drop_rx_nobuf);
			continue; /* out of buffers: drop, as a NIC would */
		}
		pbuf_take(p, st->frame, (u16_t)n);
		if (st->netif.input(p, &st->netif) != ERR_OK) {
			COUNT(drop_link);
			pbuf_free(p);
		}
	}
	return got;
}

static void on_tick(struct event_timer *t)
{
	struct netstack *st = t->arg;
	uint64_t wait = (uint64_t)sys_timeouts_sleeptime() * 1000000ull;

	sys_check_timeouts();
	wait = (uint64_t)sys_timeouts_sleeptime() * 1000000ull;
	if (wait > TICK_MAX_NS) {
		wait = TICK_MAX_NS;
	}
	if (wait < POLL_NS) {
		wait = POLL_NS;
	}
	event_timer_add(&st->tick, sys_time_ns() + wait, on_tick, st);
}

/*
 * The device is looked at when its interrupt fires (MSI-X to this core:
 * the process sleeps in SYS_WAIT until then), right away again while a
 * look finds a full budget of frames, and every SAFETY_NS regardless; a
 * device without an interrupt is polled every POLL_NS.
 */
static void on_poll(struct event_timer *t)
{
	struct netstack *st = t->arg;
	int got = poll_device(st);
	uint64_t next = st->dev->irq >= 0 ? SAFETY_NS : POLL_NS;

	event_timer_add(&st->poll, sys_time_ns() + (got == RX_BUDGET ? 0 : next),
			on_poll, st);
}

static void on_irq(struct event_irq *e)
{
	struct netstack *st = e->arg;

	if (poll_device(st) == RX_BUDGET) {
		event_timer_cancel(&st->poll);
		event_timer_add(&st->poll, sys_time_ns(), on_poll, st);
	}
}

/* netstack_stats: the counters of NET_STATS (net/proto.h) into v[0..cap):
 * ours, the driver's and lwIP's own (its stats, global to the process) */
int netstack_stats(uint64_t *v, int cap)
{
	uint64_t all[NET_STAT_COUNT];
	int n = cap < NET_STAT_COUNT ? cap : NET_STAT_COUNT;

	memcpy(all, netstack_stat, sizeof(all));
	for (int i = 0; i < MEMP_MAX; i++) {
		all[NET_STAT_drop_mem] +=
		    lwip_stats.memp[i] ? lwip_stats.memp[i]->err : 0;
	}
	all[NET_STAT_drop_mem] += lwip_stats.mem.err;
	if (current && current->dev) {
		all[NET_STAT_rx_ring_full] += current->dev->rx_ring_full;
		all[NET_STAT_drop_rx_device] += current->dev->rx_bad;
	}
	all[NET_STAT_drop_link] += lwip_stats.etharp.drop;
	all[NET_STAT_drop_ip] += lwip_stats.ip.drop;
	all[NET_STAT_drop_tcp] += lwip_stats.tcp.drop;
	all[NET_STAT_drop_udp] += lwip_stats.udp.drop;
	memcpy(v, all, (size_t)n * sizeof(*v));
	return n;
}

void netstack_kick(struct netstack *st)
{
	(void)st; /* lwIP transmits at once; nothing waits for a kick */
}

/* ----------------------------------------------------------- bring-up */

static void on_status(struct netif *netif)
{
	struct netstack *st = netif->state;
	uint32_t ip = netstack_address(st);

	if (st->dhcp && ip && !st->told) {
		st->told = true;
		print_ip("dhcp", ip, -1);
	}
}

static err_t netif_setup(struct netif *netif)
{
	struct netstack *st = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->output = etharp_output;
	netif->linkoutput = link_output;
	netif->mtu = NETDEV_MTU;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, st->dev->mac, ETH_HWADDR_LEN);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		       NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

/* parse_ip: "A.B.C.D" at *p (advanced); 0 or E_INVAL */
static int parse_ip(const char **p, uint32_t *ip)
{
	uint32_t v = 0;
	uint64_t part;

	for (int i = 0; i < 4; i++) {
		if (parse_u64_prefix(p, 10, 255, &part) < 0 ||
		    (i < 3 && *(*p)++ != '.')) {
			return E_INVAL;
		}
		v = v << 8 | (uint32_t)part;
	}
	*ip = v;
	return 0;
}

/* parse_prefix: "/N" at *p (advanced), 1 <= N <= 32; 0 or E_INVAL */
static int parse_prefix(const char **p, int *prefix)
{
	uint64_t n;

	(*p)++;
	if (parse_u64_prefix(p, 10, 32, &n) < 0 || n < 1) {
		return E_INVAL;
	}
	*prefix = (int)n;
	return 0;
}

/* parse_args: "ip=A.B.C.D/N gw=A.B.C.D" (either, both or none) */
static int parse_args(const char *a, uint32_t *ip, int *prefix, uint32_t *gw)
{
	*ip = *gw = 0;
	*prefix = 24;
	while (a && *a) {
		if (*a == ' ') {
			a++;
			continue;
		}
		if (strncmp(a, "ip=", 3) == 0) {
			a += 3;
			if (parse_ip(&a, ip) < 0) {
				return E_INVAL;
			}
			if (*a == '/' && parse_prefix(&a, prefix) < 0) {
				return E_INVAL;
			}
		} else if (strncmp(a, "gw=", 3) == 0) {
			a += 3;
			if (parse_ip(&a, gw) < 0) {
				return E_INVAL;
			}
		} else {
			return E_INVAL;
		}
		if (*a && *a != ' ') {
			return E_INVAL;
		}
	}
	return 0;
}

int netstack_start(struct netdev *dev, const char *args, struct netstack **out)
{
	static bool lwip_up;
	struct netstack *st;
	ip4_addr_t ip, mask, gw;
	uint32_t a, g, m;
	int prefix;

	if (!dev || parse_args(args, &a, &prefix, &g) < 0) {
		return E_INVAL;
	}
	if (!(st = calloc(1, sizeof(*st)))) {
		return E_NOMEM;
	}
	if (!lwip_up) {
		lwip_init();
		lwip_up = true;
	}
	st->dev = dev;
	st->dhcp = a == 0;
	m = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	ip4_addr_set_u32(&ip, lwip_htonl(a));
	ip4_addr_set_u32(&mask, lwip_htonl(a ? m : 0));
	ip4_addr_set_u32(&gw, lwip_htonl(g));
	if (!netif_add(&st->netif, &ip, &mask, &gw, st, netif_setup,
		       ethernet_input)) {
		free(st);
		return E_NOMEM;
	}
	netif_set_status_callback(&st->netif, on_status);
	if (!current) {
		netif_set_default(&st->netif);
		current = st;
		sock_backend_set(&sock_local_backend);
	}
	netif_set_up(&st->netif);
	netif_set_link_up(&st->netif);
	if (st->dhcp) {
		dhcp_start(&st->netif);
	} else {
		print_ip("static", a, prefix);
	}
	event_timer_add(&st->poll, sys_time_ns(), on_poll, st);
	event_timer_add(&st->tick, sys_time_ns(), on_tick, st);
	if (dev->irq >= 0) {
		event_irq_add(&st->irq, dev->irq, on_irq, st);
	}
	if (out) {
		*out = st;
	}
	return 0;
}
