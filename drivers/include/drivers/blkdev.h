/* SPDX-License-Identifier: MIT */
/*
 * A block device as the block store sees it: 512-byte sectors, blocking
 * calls (they wait for the device in the calling thread).
 *
 * drivers/virtio/virtio_blk.c implements it over virtio-blk; host tests
 * implement it over memory or a file.
 */
#ifndef DRIVERS_BLKDEV_H
#define DRIVERS_BLKDEV_H

#include <stddef.h>
#include <stdint.h>

#define BLKDEV_SECTOR 512u
#define BLKDEV_MAX_XFER 64u /* sectors in one read or write at most */

struct blkdev {
	uint64_t sectors; /* capacity */
	/* read/write: count (1..BLKDEV_MAX_XFER) sectors at lba; 0, or
	 * E_RANGE past the end, E_IO when the device reports an error or
	 * does not answer in time (virtio-blk: 10 s) */
	int (*read)(struct blkdev *d, uint64_t lba, void *buf, uint32_t count);
	int (*write)(struct blkdev *d, uint64_t lba, const void *buf,
		     uint32_t count);
	/* flush: everything written so far is on stable storage; 0 or
	 * E_IO */
	int (*flush)(struct blkdev *d);
	void *priv; /* the driver's */
};

/* blkdev_open: finds and starts the block device this core owns (the
 * first virtio-blk in the device directory owned by this core); E_NOENT
 * if there is none, E_PERM if another core owns it. Implemented by
 * drivers/virtio. */
int blkdev_open(struct blkdev **out);

#endif
