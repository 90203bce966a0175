/* SPDX-License-Identifier: MIT */
/* Network devices over memory for host tests: two joined back to back
 * (what one sends, the other receives), with a bounded queue each way. */
#ifndef TEST_MEMDEV_H
#define TEST_MEMDEV_H

#include <drivers/netdev.h>

struct memdev;

/* memdev_pair: two devices joined back to back (macs ...:01 and :02) */
void memdev_pair(struct netdev **a, struct netdev **b);
/* memdev_frames: frames sent by either so far */
unsigned long memdev_frames(void);
/* memdev_lose: the next N frames of at least MIN bytes that either
 * device sends are lost (tx says it sent them; the peer never sees them) */
void memdev_lose(unsigned n, size_t min);

#endif
