// SPDX-License-Identifier: MIT
/*
 * virtio-blk (VirtIO 1.2, 5.2) behind struct blkdev. One request at a
 * time: a header descriptor, one descriptor per data page, a status byte;
 * the caller waits (SYS_WAIT, woken by the device's interrupt, or a 1 ms
 * poll without one) until the device returns it. Data goes through DMA
 * pages of our own, so callers may pass any buffer.
 */
#include <drivers/blkdev.h>
#include <drivers/virtio.h>
#include <libos/sys.h>
#include <stdio.h>
#include <string.h>

#define F_FLUSH (1ull << 9)
#define T_IN 0u
#define T_OUT 1u
#define T_FLUSH 4u
#define S_OK 0u
#define PAGES (BLKDEV_MAX_XFER * BLKDEV_SECTOR / 4096u)

struct vblk {
	struct blkdev bd;
	struct virtio_dev dev;
	struct virtq q;
	uint8_t *hdr; /* header (16 bytes) at 0, status at 64 */
	uint64_t hdr_pa;
	uint8_t *data[PAGES];
	uint64_t data_pa[PAGES];
	bool broken;
};

/* request: one request of type t; count sectors through the data pages */
static int request(struct vblk *v, uint32_t t, uint64_t lba, uint32_t count)
{
	struct virtq_buf b[PAGES + 2];
	uint32_t bytes = count * BLKDEV_SECTOR, n = 0, len;
	volatile uint8_t *status = v->hdr + 64;
	void *tok;
	int r;

	if (v->broken) {
		return E_IO;
	}
	memset(v->hdr, 0, 16);
	memcpy(v->hdr, &t, 4);
	memcpy(v->hdr + 8, &lba, 8);
	*status = 0xff;
	b[n++] = (struct virtq_buf){v->hdr_pa, 16, false};
	for (uint32_t p = 0; p * 4096 < bytes; p++) {
		uint32_t l = bytes - p * 4096 > 4096 ? 4096 : bytes - p * 4096;

		b[n++] = (struct virtq_buf){v->data_pa[p], l, t == T_IN};
	}
	b[n++] = (struct virtq_buf){v->hdr_pa + 64, 1, true};
	r = virtq_add(&v->q, b, n, v);
	if (r < 0) {
		return E_IO;
	}
	virtq_kick(&v->dev, &v->q);
	while ((r = virtq_get(&v->q, &tok, &len)) == E_AGAIN) {
		sys_wait(v->dev.irq >= 0 ? 100000000ull : 1000000ull);
		if (v->dev.irq >= 0) {
			sys_irq_ack();
		}
	}
	if (r < 0 || tok != v) {
		v->broken = true;
		printf("%s: device returned a bad entry; stopped\n", v->dev.name);
		return E_IO;
	}
	return *status == S_OK ? 0 : E_IO;
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

static int vblk_read(struct blkdev *bd, uint64_t lba, void *buf,
		     uint32_t count)
{
	struct vblk *v = bd->priv;
	int r = check(v, lba, count);

	if (r == 0) {
		r = request(v, T_IN, lba, count);
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
	return r ? r : request(v, T_OUT, lba, count);
}

static int vblk_flush(struct blkdev *bd)
{
	struct vblk *v = bd->priv;

	/* without VIRTIO_BLK_F_FLUSH the device has no volatile cache:
	 * completed writes are stable already */
	if (!(v->dev.features & F_FLUSH)) {
		return 0;
	}
	return request(v, T_FLUSH, 0, 0);
}

int blkdev_open(struct blkdev **out)
{
	static struct vblk v;
	uint32_t idx;
	void *va;
	int r = virtio_find("virtio-blk", &idx);

	if (r < 0) {
		return r;
	}
	memset(&v, 0, sizeof(v));
	r = virtio_open(&v.dev, idx, F_FLUSH);
	if (r == 0) {
		r = virtio_queue(&v.dev, &v.q, 0, 64);
	}
	if (r == 0 && v.q.size < PAGES + 2) {
		r = E_UNSUPPORTED;
	}
	if (r == 0) {
		r = dma_page(&va, &v.hdr_pa);
		v.hdr = va;
	}
	for (unsigned p = 0; r == 0 && p < PAGES; p++) {
		r = dma_page(&va, &v.data_pa[p]);
		v.data[p] = va;
	}
	if (r == 0 && !v.dev.device) {
		r = E_UNSUPPORTED;
	}
	if (r < 0) {
		virtio_fail(&v.dev);
		return r;
	}
	/* capacity: le64 at offset 0 of the device configuration */
	v.bd.sectors = (uint64_t)*(volatile uint32_t *)v.dev.device |
		       (uint64_t)*(volatile uint32_t *)(v.dev.device + 4) << 32;
	virtio_ready(&v.dev);
	v.bd.read = vblk_read;
	v.bd.write = vblk_write;
	v.bd.flush = vblk_flush;
	v.bd.priv = &v;
	*out = &v.bd;
	return 0;
}
