// SPDX-License-Identifier: MIT
/*
 * virtio-net (VirtIO 1.2, 5.1) behind struct netdev: queue 0 receives,
 * queue 1 transmits. Every buffer is half a DMA page (2 KiB: the 12-byte
 * header and a full Ethernet frame); receive buffers are all posted at
 * start and re-posted as frames are taken. No offloads are negotiated.
 */
#include "virtio_reg.h"
#include <drivers/netdev.h>
#include <drivers/virtio.h>
#include <libos/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR ((uint32_t)sizeof(struct virtio_net_hdr))
#define BUF 2048u
#define QMAX 256

struct vbuf {
	uint8_t *va;
	uint64_t pa;
	struct vbuf *next; /* free transmit buffers */
};

struct vnet {
	struct netdev nd;
	struct virtio_dev dev;
	struct virtq rxq, txq;
	struct vbuf *rxbufs, *txbufs, *txfree;
	bool broken;
};

/* free_bufs: give back the DMA pages of b[0..n) (two buffers a page) */
static void free_bufs(struct vbuf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i += 2) {
		dma_page_free(b[i].va);
		b[i].va = 0;
	}
}

/* alloc_bufs: n buffers, two a DMA page; on failure it holds nothing */
static int alloc_bufs(struct vbuf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i += 2) {
		void *va;
		uint64_t pa;

		if (dma_page(&va, &pa)) {
			free_bufs(b, i);
			return E_NOMEM;
		}
		b[i].va = va;
		b[i].pa = pa;
		if (i + 1 < n) {
			b[i + 1].va = (uint8_t *)va + BUF;
			b[i + 1].pa = pa + BUF;
		}
	}
	return 0;
}

static int post_rx(struct vnet *v, struct vbuf *b)
{
	struct virtq_buf vb = {b->pa, BUF, true};

	return virtq_add(&v->rxq, &vb, 1, b);
}

/* reclaim: transmit buffers the device is done with */
static void reclaim(struct vnet *v)
{
	void *tok;
	uint32_t len;
	int r;

	while ((r = virtq_get(&v->txq, &tok, &len)) == 0) {
		struct vbuf *b = tok;

		b->next = v->txfree;
		v->txfree = b;
	}
	if (r == E_IO && !v->broken) {
		v->broken = true;
		printf("%s: device returned a bad transmit entry; stopped\n",
		       v->dev.name);
	}
}

static int vnet_tx(struct netdev *nd, const void *frame, size_t len)
{
	struct vnet *v = nd->priv;
	struct vbuf *b;
	struct virtq_buf vb;

	if (len < 14 || len > NETDEV_FRAME_MAX) {
		return E_INVAL;
	}
	if (v->broken) {
		return E_IO;
	}
	if (!v->txfree) {
		reclaim(v);
	}
	b = v->txfree;
	if (!b) {
		return E_FULL;
	}
	v->txfree = b->next;
	memset(b->va, 0, HDR);
	memcpy(b->va + HDR, frame, len);
	vb.phys = b->pa;
	vb.len = (uint32_t)(HDR + len);
	vb.device_writes = false;
	if (virtq_add(&v->txq, &vb, 1, b) < 0) {
		b->next = v->txfree;
		v->txfree = b;
		return E_FULL;
	}
	virtq_kick(&v->dev, &v->txq);
	return 0;
}

static int vnet_rx(struct netdev *nd, void *buf, size_t cap)
{
	struct vnet *v = nd->priv;
	void *tok;
	uint32_t len;
	int r;

	if (v->broken) {
		return E_AGAIN;
	}
	reclaim(v);
	/* at most a ring's worth of entries a call: a device that keeps
	 * returning bad ones must not hold the caller here */
	for (unsigned tries = 0; tries < v->rxq.size; tries++) {
		struct vbuf *b;
		size_t n;

		/* every buffer used and none taken back yet: the device had
		 * nowhere to put a frame (it held or dropped it) */
		if ((uint16_t)(v->rxq.used->idx - v->rxq.last_used) ==
		    v->rxq.size) {
			nd->rx_ring_full++;
		}
		r = virtq_get(&v->rxq, &tok, &len);
		if (r == E_AGAIN) {
			return E_AGAIN;
		}
		if (r < 0) {
			v->broken = true;
			printf("%s: device returned a bad receive entry; "
			       "stopped\n",
			       v->dev.name);
			return E_AGAIN;
		}
		b = tok;
		/* a frame the device claims is longer than the buffer, or
		 * shorter than a header, is dropped */
		n = len > HDR && len <= BUF ? len - HDR : 0;
		if (n > cap) {
			n = 0;
		}
		if (n < 14) {
			nd->rx_bad++;
		}
		if (n) {
			memcpy(buf, b->va + HDR, n);
		}
		post_rx(v, b);
		virtq_kick(&v->dev, &v->rxq);
		if (n >= 14) {
			return (int)n;
		}
	}
	return E_AGAIN;
}

/* vnet_start: buffers on their lists, receive buffers posted, the MAC,
 * the device running; cannot fail */
static void vnet_start(struct vnet *v, uint32_t idx)
{
	volatile struct virtio_net_config *nc =
	    (volatile struct virtio_net_config *)v->dev.device;

	for (unsigned i = 0; i < v->txq.size; i++) {
		v->txbufs[i].next = v->txfree;
		v->txfree = &v->txbufs[i];
	}
	for (unsigned i = 0; i < v->rxq.size; i++) {
		post_rx(v, &v->rxbufs[i]);
	}
	if ((v->dev.features & VIRTIO_NET_F_MAC) && nc) {
		for (int i = 0; i < 6; i++) {
			v->nd.mac[i] = nc->mac[i];
		}
	} else {
		/* locally administered, from the directory index */
		static const uint8_t mac[6] = {0x02, 0x00, 0x00,
					       0x00, 0x00, 0x01};
		memcpy(v->nd.mac, mac, 6);
		v->nd.mac[5] = (uint8_t)(idx + 1);
	}
	virtio_ready(&v->dev);
	virtq_kick(&v->dev, &v->rxq);
	v->nd.tx = vnet_tx;
	v->nd.rx = vnet_rx;
	v->nd.irq = v->dev.irq;
	v->nd.priv = v;
}

int netdev_open(struct netdev **out)
{
	static struct vnet v;
	uint32_t idx;
	int r = virtio_find("virtio-net", &idx);

	if (r < 0) {
		return r;
	}
	memset(&v, 0, sizeof(v));
	r = virtio_open(&v.dev, idx, VIRTIO_NET_F_MAC);
	if (r < 0) {
		return r;
	}
	r = virtio_queue(&v.dev, &v.rxq, VIRTIO_NET_RXQ, QMAX);
	if (r < 0) {
		goto fail_open;
	}
	r = virtio_queue(&v.dev, &v.txq, VIRTIO_NET_TXQ, QMAX);
	if (r < 0) {
		goto fail_rxq;
	}
	r = E_NOMEM;
	v.rxbufs = calloc(v.rxq.size, sizeof(struct vbuf));
	if (!v.rxbufs) {
		goto fail_txq;
	}
	v.txbufs = calloc(v.txq.size, sizeof(struct vbuf));
	if (!v.txbufs) {
		goto fail_rxbufs;
	}
	r = alloc_bufs(v.rxbufs, v.rxq.size);
	if (r < 0) {
		goto fail_txbufs;
	}
	r = alloc_bufs(v.txbufs, v.txq.size);
	if (r < 0) {
		goto fail_rxpages;
	}
	vnet_start(&v, idx);
	*out = &v.nd;
	return 0;

	/* the device is not at DRIVER_OK: it does not touch the queues or
	 * buffers (2.1), so they may go before it is told (virtio_close) */
fail_rxpages:
	free_bufs(v.rxbufs, v.rxq.size);
fail_txbufs:
	free(v.txbufs);
fail_rxbufs:
	free(v.rxbufs);
fail_txq:
	virtq_free(&v.txq);
fail_rxq:
	virtq_free(&v.rxq);
fail_open:
	virtio_close(&v.dev);
	memset(&v, 0, sizeof(v));
	return r;
}
