// SPDX-License-Identifier: MIT
/*
 * A stand-in for drivers/virtio's blkdev_open until the virtio-blk driver
 * is linked into `store`: a weak definition that finds no device, so the
 * program links and says "store: no block device: no such entry". The
 * driver's strong definition replaces it when its object is linked in
 * directly (an archive member is not pulled in for a symbol this weak one
 * already defines: link the driver as objects, or drop this file).
 */
#include <stddef.h>
#include <drivers/blkdev.h>
#include "abi/errors.h"

__attribute__((weak)) int blkdev_open(struct blkdev **out)
{
	*out = NULL;
	return ERR_NOENT;
}
