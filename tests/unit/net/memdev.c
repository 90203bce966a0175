// SPDX-License-Identifier: MIT
/* Memory network devices joined back to back (see memdev.h). */
#include <string.h>
#include <abi/errors.h>
#include "memdev.h"

#define QUEUE 512

struct memdev {
	struct netdev nd;
	struct memdev *peer;
	/* frames waiting for this device's rx */
	unsigned head, n;
	unsigned short len[QUEUE];
	unsigned char frame[QUEUE][NETDEV_FRAME_MAX];
};

static struct memdev devs[2];
static unsigned long frames;
static unsigned lose;
static size_t lose_min;

static int tx(struct netdev *d, const void *frame, size_t len)
{
	struct memdev *p = ((struct memdev *)d->priv)->peer;
	unsigned at;

	if (len < 14 || len > NETDEV_FRAME_MAX) {
		return E_INVAL;
	}
	if (p->n == QUEUE) {
		return E_FULL;
	}
	if (lose && len >= lose_min) {
		lose--;
		frames++;
		return 0;
	}
	at = (p->head + p->n++) % QUEUE;
	memcpy(p->frame[at], frame, len);
	p->len[at] = (unsigned short)len;
	frames++;
	return 0;
}

static int rx(struct netdev *d, void *buf, size_t cap)
{
	struct memdev *m = d->priv;
	unsigned len;

	if (!m->n) {
		return E_AGAIN;
	}
	len = m->len[m->head];
	if (len > cap) {
		len = (unsigned)cap;
	}
	memcpy(buf, m->frame[m->head], len);
	m->head = (m->head + 1) % QUEUE;
	m->n--;
	return (int)len;
}

void memdev_pair(struct netdev **a, struct netdev **b)
{
	static const unsigned char mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0};

	for (int i = 0; i < 2; i++) {
		memset(&devs[i], 0, sizeof(devs[i]));
		memcpy(devs[i].nd.mac, mac, 6);
		devs[i].nd.mac[5] = (unsigned char)(i + 1);
		devs[i].nd.tx = tx;
		devs[i].nd.rx = rx;
		devs[i].nd.irq = -1;
		devs[i].nd.priv = &devs[i];
		devs[i].peer = &devs[1 - i];
	}
	*a = &devs[0].nd;
	*b = &devs[1].nd;
}

void memdev_lose(unsigned n, size_t min)
{
	lose = n;
	lose_min = min;
}

unsigned long memdev_frames(void)
{
	return frames;
}
