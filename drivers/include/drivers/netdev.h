/* SPDX-License-Identifier: MIT */
/*
 * A network device as the network stack sees it: Ethernet frames in and
 * out, no interrupts in the interface (the caller polls after every wake
 * of its process; a driver with an interrupt makes SYS_WAIT return).
 *
 * drivers/virtio/virtio_net.c implements it over virtio-net; host tests
 * implement it over memory (two stacks joined back to back).
 */
#ifndef DRIVERS_NETDEV_H
#define DRIVERS_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#define NETDEV_MTU 1500
#define NETDEV_FRAME_MAX 1514 /* Ethernet header + MTU, no FCS */

struct netdev {
	uint8_t mac[6];
	/* tx: queues one frame (14..NETDEV_FRAME_MAX bytes); 0, E_FULL
	 * when the device has no room now (retry later), E_INVAL */
	int (*tx)(struct netdev *d, const void *frame, size_t len);
	/* rx: copies the next received frame into buf (cap >=
	 * NETDEV_FRAME_MAX); returns its length, or E_AGAIN if none */
	int (*rx)(struct netdev *d, void *buf, size_t cap);
	/* irq: the interrupt handle to watch with event_irq_add
	 * (libos/event.h): it fires when frames arrived or transmit slots
	 * freed; -1 when the device has none (then poll, e.g. every ms) */
	int irq;
	void *priv; /* the driver's */
	/* counters the driver keeps (the shell's `net` shows them) */
	uint64_t rx_ring_full; /* times every receive buffer was found
				* used: the device had none left (overrun) */
	uint64_t rx_bad;       /* bad receive entries (wrong length) */
};

/* netdev_open: finds and starts the network device this core owns (the
 * first virtio-net in the device directory owned by this core); E_NOENT
 * if there is none, E_PERM if another core owns it. Implemented by
 * drivers/virtio. */
int netdev_open(struct netdev **out);

#endif
