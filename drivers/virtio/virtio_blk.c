// SPDX-License-Identifier: MIT
/*
 * virtio-blk (VirtIO 1.2, 5.2) behind struct blkdev. One request at a
 * time: a header descriptor, one descriptor per data page, a status byte;
 * the caller waits (SYS_WAIT, woken by the device's interrupt, or a 1 ms
 * poll without one) until the device returns it. Data goes through DMA
 * pages of our own, so callers may pass any buffer.
 */
#include "virtio_reg.h"
#include <drivers/blkdev.h>
#include <drivers/virtio.h>
#include <libos/sys.h>
#include <stdio.h>
#include <string.h>

#define STATUS_AT 64 /* the status byte's offset in the header page */
#define PAGES (BLKDEV_MAX_XFER * BLKDEV_SECTOR / 4096u)

struct vblk {
	struct blkdev bd;
	struct virtio_dev dev;
	struct virtq q;
	uint8_t *hdr; /* virtio_blk_req_hdr at 0, status at STATUS_AT */
	uint64_t hdr_pa;
	uint8_t *data[PAGES];
	uint64_t data_pa[PAGES];
	bool broken;
};

/* a request the device has not completed by then is given up on (QEMU
 * completes one in milliseconds; a loaded host, in well under a second) */
#define REQUEST_NS 10000000000ull

/* request: one request of type t; count sectors through the data pages */
static int request(struct vblk *v, uint32_t t, uint64_t lba, uint32_t count)
{
	struct virtq_buf b[PAGES + 2];
	uint32_t bytes = count * BLKDEV_SECTOR, n = 0, len;
	volatile uint8_t *status = v->hdr + STATUS_AT;
	struct virtio_blk_req_hdr *h = (struct virtio_blk_req_hdr *)v->hdr;
	void *tok;
	uint64_t deadline;
	int r;

	if (v->broken) {
		return E_IO;
	}
	h->type = t;
	h->reserved = 0;
	h->sector = lba;
	*status = 0xff;
	b[n++] = (struct virtq_buf){v->hdr_pa, sizeof(*h), false};
	for (uint32_t p = 0; p * 4096 < bytes; p++) {
		uint32_t l = bytes - p * 4096 > 4096 ? 4096 : bytes - p * 4096;

		b[n++] =
		    (struct virtq_buf){v->data_pa[p], l, t == VIRTIO_BLK_T_IN};
	}
	b[n++] = (struct virtq_buf){v->hdr_pa + STATUS_AT, 1, true};
	r = virtq_add(&v->q, b, n, v);
	if (r < 0) {
		return E_IO;
	}
	virtq_kick(&v->dev, &v->q);
	deadline = sys_time_ns() + REQUEST_NS;
	while ((r = virtq_get(&v->q, &tok, &len)) == E_AGAIN) {
		if (sys_time_ns() >= deadline) {
			/* the device may still write the request's pages:
			 * they stay its own, and no request follows; the
			 * caller sees a device error (blkdev.h) */
			v->broken = true;
			printf("%s: a request did not complete in %llu s; "
			       "stopped\n",
			       v->dev.name, REQUEST_NS / 1000000000ull);
			return E_IO;
		}
		sys_wait(v->dev.irq >= 0 ? 100000000ull : 1000000ull);
		if (v->dev.irq >= 0) {
			sys_irq_ack();
		}
	}
	if (r < 0 || tok != v) {
		v->broken = true;
		printf("%s: device returned a bad entry; stopped\n",
		       v->dev.name);
		return E_IO;
	}
	return *status == VIRTIO_BLK_S_OK ? 0 : E_IO;
}

static int check(struct vblk *v, uint64_t lba, uint32_t count)
{
	if (count == 0 || count > BLKDEV_MAX_XFER) {
		return E_INVAL;
	}
	if (lba >= v->bd.sectors || count > v->bd.sectors - lba) {
		return E_RANGE;
	}
	return 0;
}

static int vblk_read(struct blkdev *bd, uint64_t lba, void *buf, uint32_t count)
{
	struct vblk *v = bd->priv;
	int r = check(v, lba, count);

	if (r == 0) {
		r = request(v, VIRTIO_BLK_T_IN, lba, count);
	}
	for (uint32_t p = 0; r == 0 && p * 4096 < count * BLKDEV_SECTOR; p++) {
		uint32_t left = count * BLKDEV_SECTOR - p * 4096;

		memcpy((uint8_t *)buf + p * 4096, v->data[p],
		       left > 4096 ? 4096 : left);
	}
	return r;
}

static int vblk_write(struct blkdev *bd, uint64_t lba, const void *buf,
		      uint32_t count)
{
	struct vblk *v = bd->priv;
	int r = check(v, lba, count);

	for (uint32_t p = 0; r == 0 && p * 4096 < count * BLKDEV_SECTOR; p++) {
		uint32_t left = count * BLKDEV_SECTOR - p * 4096;

		memcpy(v->data[p], (const uint8_t *)buf + p * 4096,
		       left > 4096 ? 4096 : left);
	}
	return r ? r : request(v, VIRTIO_BLK_T_OUT, lba, count);
}

static int vblk_flush(struct blkdev *bd)
{
	struct vblk *v = bd->priv;

	/* without VIRTIO_BLK_F_FLUSH the device has no volatile cache:
	 * completed writes are stable already */
	if (!(v->dev.features & VIRTIO_BLK_F_FLUSH)) {
		return 0;
	}
	return request(v, VIRTIO_BLK_T_FLUSH, 0, 0);
}

/* capacity: the device's le64, read as two 32-bit halves (4.1.3.1) */
static uint64_t capacity(struct vblk *v)
{
	volatile uint32_t *c =
	    (volatile uint32_t *)(v->dev.device +
				  offsetof(struct virtio_blk_config, capacity));

	return (uint64_t)c[0] | (uint64_t)c[1] << 32;
}

int blkdev_open(struct blkdev **out)
{
	static struct vblk v;
	uint32_t idx;
	unsigned p;
	void *va;
	int r = virtio_find("virtio-blk", &idx);

	if (r < 0) {
		return r;
	}
	memset(&v, 0, sizeof(v));
	r = virtio_open(&v.dev, idx, VIRTIO_BLK_F_FLUSH);
	if (r < 0) {
		return r;
	}
	r = virtio_queue(&v.dev, &v.q, 0, 64);
	if (r < 0) {
		goto fail_open;
	}
	if (v.q.size < PAGES + 2) {
		r = E_UNSUPPORTED;
		goto fail_queue;
	}
	r = dma_page(&va, &v.hdr_pa);
	if (r < 0) {
		goto fail_queue;
	}
	v.hdr = va;
	for (p = 0; p < PAGES; p++) {
		r = dma_page(&va, &v.data_pa[p]);
		if (r < 0) {
			goto fail_data;
		}
		v.data[p] = va;
	}
	if (!v.dev.device) {
		r = E_UNSUPPORTED;
		goto fail_data;
	}
	v.bd.sectors = capacity(&v);
	virtio_ready(&v.dev);
	v.bd.read = vblk_read;
	v.bd.write = vblk_write;
	v.bd.flush = vblk_flush;
	v.bd.priv = &v;
	*out = &v.bd;
	return 0;

	/* the device is not at DRIVER_OK: it does not touch the queue or
	 * the pages (2.1), so they may go before it is told (virtio_close) */
fail_data:
	while (p-- > 0) {
		dma_page_free(v.data[p]);
	}
	dma_page_free(v.hdr);
fail_queue:
	virtq_free(&v.q);
fail_open:
	virtio_close(&v.dev);
	memset(&v, 0, sizeof(v));
	return r;
}
