// SPDX-License-Identifier: MIT
/*
 * ramdisk.h: sectors in one calloc'd block; reads and writes check the
 * range like a device would (E_RANGE), flush has nothing to do.
 */
#include <stdlib.h>
#include <string.h>
#include "abi/errors.h"
#include "ramdisk.h"

static int in_range(const struct blkdev *d, uint64_t lba, uint32_t n)
{
	return n >= 1 && n <= BLKDEV_MAX_XFER && lba <= d->sectors &&
	       n <= d->sectors - lba;
}

static int ram_read(struct blkdev *d, uint64_t lba, void *buf, uint32_t n)
{
	if (!in_range(d, lba, n)) {
		return E_RANGE;
	}
	memcpy(buf, (uint8_t *)d->priv + lba * BLKDEV_SECTOR,
	       (size_t)n * BLKDEV_SECTOR);
	return 0;
}

static int ram_write(struct blkdev *d, uint64_t lba, const void *buf,
		     uint32_t n)
{
	if (!in_range(d, lba, n)) {
		return E_RANGE;
	}
	memcpy((uint8_t *)d->priv + lba * BLKDEV_SECTOR, buf,
	       (size_t)n * BLKDEV_SECTOR);
	return 0;
}

static int ram_flush(struct blkdev *d)
{
	(void)d;
	return 0;
}

int ramdisk_open(uint64_t sectors, struct blkdev **out)
{
	struct blkdev *d;

	if (sectors == 0 || sectors > RAMDISK_MAX) {
		return E_RANGE;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		return E_NOMEM;
	}
	d->priv = calloc(sectors, BLKDEV_SECTOR);
	if (!d->priv) {
		free(d);
		return E_NOMEM;
	}
	d->sectors = sectors;
	d->read = ram_read;
	d->write = ram_write;
	d->flush = ram_flush;
	*out = d;
	return 0;
}
