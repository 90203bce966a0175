/* SPDX-License-Identifier: MIT */
/*
 * A block device in memory (struct blkdev): what `store ram` runs on when
 * there is no disk, to try the store and its protocol. Its contents are
 * lost when the program ends.
 */
#ifndef STORE_RAMDISK_H
#define STORE_RAMDISK_H

#include <stdint.h>
#include <drivers/blkdev.h>

/* ramdisk_open: a zeroed device of `sectors` sectors (malloc'd); 0,
 * E_RANGE for 0 sectors or more than RAMDISK_MAX, or E_NOMEM. */
#define RAMDISK_MAX (64u * 2048u) /* 64 MiB */
int ramdisk_open(uint64_t sectors, struct blkdev **out);

#endif
