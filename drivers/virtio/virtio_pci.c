// SPDX-License-Identifier: MIT
/*
 * The VirtIO modern PCI transport and split virtqueues (drivers/virtio.h).
 */
#include <drivers/virtio.h>
#include <drivers/pci.h>
#include <libos/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* common configuration (4.1.4.3) */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX 0x10
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_QSELECT 0x16
#define CC_QSIZE 0x18
#define CC_QMSIX 0x1a
#define CC_QENABLE 0x1c
#define CC_QNOTIFY 0x1e
#define CC_QDESC 0x20
#define CC_QDRIVER 0x28
#define CC_QDEVICE 0x30
#define CC_SIZE 0x38

#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define ST_FAILED 128u

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

#define NO_VECTOR 0xffffu

static inline void barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void w8(volatile uint8_t *b, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(b + off) = v;
}
static void w16(volatile uint8_t *b, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(b + off) = v;
}
static void w32(volatile uint8_t *b, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(b + off) = v;
}
static void w64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	w32(b, off, (uint32_t)v);
	w32(b, off + 4, (uint32_t)(v >> 32));
}
static uint8_t r8(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint8_t *)(b + off);
}
static uint16_t r16(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint16_t *)(b + off);
}
static uint32_t r32(volatile uint8_t *b, unsigned off)
{
	return *(volatile uint32_t *)(b + off);
}

int virtio_find(const char *prefix, uint32_t *index)
{
	struct sys_dev d;
	size_t n = strlen(prefix);
	int found = E_NOENT;

	for (uint32_t i = 0; sys_dev_info(i, &d) == 0; i++) {
		if (strncmp(d.d.name, prefix, n) != 0) {
			continue;
		}
		if (d.owned_here) {
			*index = i;
			return 0;
		}
		found = E_PERM;
	}
	return found;
}

static long cfg(uint32_t dev, uint32_t off, uint32_t width)
{
	return sys_dev_cfg(dev, off, width, 0);
}

/* bar_va: the BAR mapped (once per device and BAR) */
static volatile uint8_t *bar_va(struct virtio_dev *d, uint32_t bar,
				volatile uint8_t **maps)
{
	long va;

	if (bar >= 6) {
		return 0;
	}
	if (!maps[bar]) {
		va = sys_dev_map(d->index, bar);
		if (va < 0) {
			return 0;
		}
		maps[bar] = (volatile uint8_t *)(uintptr_t)va;
	}
	return maps[bar];
}

/* region: the capability at cap as a pointer into its BAR, checked to lie
 * inside the BAR and to be at least min bytes long */
static volatile uint8_t *region(struct virtio_dev *d, const struct sys_dev *sd,
				int cap, uint32_t min, volatile uint8_t **maps)
{
	uint32_t bar = (uint32_t)cfg(d->index, (uint32_t)cap + 4, 1);
	uint32_t off = (uint32_t)cfg(d->index, (uint32_t)cap + 8, 4);
	uint32_t len = (uint32_t)cfg(d->index, (uint32_t)cap + 12, 4);
	volatile uint8_t *b;

	if (bar >= 6 || len < min || !sd->d.bar[bar].size ||
	    (uint64_t)off + len > sd->d.bar[bar].size) {
		return 0;
	}
	b = bar_va(d, bar, maps);
	return b ? b + off : 0;
}

static int find_caps(struct virtio_dev *d, const struct sys_dev *sd)
{
	volatile uint8_t *maps[6] = {0};
	int hops = 0;
	long at;

	if (!(cfg(d->index, 0x06, 2) & 0x10)) {
		return E_UNSUPPORTED;
	}
	at = cfg(d->index, PCI_CFG_CAPS, 1);
	for (; at > 0; at = cfg(d->index, (uint32_t)at + 1, 1)) {
		long type;

		if (++hops > 48 || at < 0x40 || (at & 3) ||
		    at > (long)sd->cfg_size - 16) {
			return E_FORMAT;
		}
		if (cfg(d->index, (uint32_t)at, 1) != PCI_CAP_VENDOR) {
			continue;
		}
		type = cfg(d->index, (uint32_t)at + 3, 1);
		if (type == CAP_COMMON && !d->common) {
			d->common = region(d, sd, (int)at, CC_SIZE, maps);
		} else if (type == CAP_NOTIFY && !d->notify_base) {
			d->notify_base = region(d, sd, (int)at, 2, maps);
			d->notify_mult =
				(uint32_t)cfg(d->index, (uint32_t)at + 16, 4);
		} else if (type == CAP_ISR && !d->isr) {
			d->isr = region(d, sd, (int)at, 1, maps);
		} else if (type == CAP_DEVICE && !d->device) {
			d->device = region(d, sd, (int)at, 4, maps);
		}
	}
	if (!d->common || !d->notify_base || !d->isr) {
		return E_UNSUPPORTED; /* legacy-only, or unmappable */
	}
	/* MSI-X: table entry 0 to this core; polling if anything fails */
	d->irq = -1;
	if (sd->d.msix_cap) {
		uint32_t mc = sd->d.msix_cap;
		uint32_t tab = (uint32_t)cfg(d->index, mc + 4, 4);
		uint32_t bir = tab & 7, toff = tab & ~7u;
		struct sys_irq irq;

		if (bir < 6 && sd->d.bar[bir].size >= (uint64_t)toff + 16 &&
		    bar_va(d, bir, maps) &&
		    sys_dev_irq(d->index, &irq) == 0) {
			d->msix_table = (volatile uint32_t *)(bar_va(d, bir, maps) +
							      toff);
			d->msix_table[0] = (uint32_t)irq.msi_addr;
			d->msix_table[1] = (uint32_t)(irq.msi_addr >> 32);
			d->msix_table[2] = irq.msi_data;
			d->msix_table[3] = 0; /* unmasked */
			/* enable, function not masked */
			sys_dev_cfg(d->index, mc + 2, 2 | SYS_CFG_WRITE,
				    (uint32_t)((cfg(d->index, mc + 2, 2) &
						0x3fff) |
					       0x8000));
			d->irq = (int)irq.handle;
		}
	}
	return 0;
}

int virtio_open(struct virtio_dev *d, uint32_t index, uint64_t want)
{
	struct sys_dev sd;
	uint64_t offered;
	long cmd;
	int r;

	memset(d, 0, sizeof(*d));
	d->index = index;
	d->irq = -1;
	if (sys_dev_info(index, &sd) < 0 || !sd.owned_here) {
		return E_PERM;
	}
	memcpy(d->name, sd.d.name, sizeof(d->name));
	d->name[sizeof(d->name) - 1] = 0;
	/* memory decoding and bus mastering on, legacy INTx off */
	cmd = cfg(index, PCI_CFG_COMMAND, 2);
	if (cmd < 0) {
		return (int)cmd;
	}
	sys_dev_cfg(index, PCI_CFG_COMMAND, 2 | SYS_CFG_WRITE,
		    (uint32_t)cmd | PCI_CMD_MEM | PCI_CMD_MASTER |
			    PCI_CMD_INTX_OFF);
	r = find_caps(d, &sd);
	if (r < 0) {
		return r;
	}
	w8(d->common, CC_STATUS, 0); /* reset */
	for (int i = 0; i < 1000000 && r8(d->common, CC_STATUS) != 0; i++) {
	}
	if (r8(d->common, CC_STATUS) != 0) {
		return E_IO;
	}
	w8(d->common, CC_STATUS, ST_ACK);
	w8(d->common, CC_STATUS, ST_ACK | ST_DRIVER);
	w32(d->common, CC_DFSELECT, 0);
	offered = r32(d->common, CC_DF);
	w32(d->common, CC_DFSELECT, 1);
	offered |= (uint64_t)r32(d->common, CC_DF) << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_fail(d);
		return E_UNSUPPORTED;
	}
	d->features = offered & (want | VIRTIO_F_VERSION_1);
	w32(d->common, CC_GFSELECT, 0);
	w32(d->common, CC_GF, (uint32_t)d->features);
	w32(d->common, CC_GFSELECT, 1);
	w32(d->common, CC_GF, (uint32_t)(d->features >> 32));
	w8(d->common, CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(r8(d->common, CC_STATUS) & ST_FEATURES_OK)) {
		virtio_fail(d);
		return E_UNSUPPORTED;
	}
	w16(d->common, CC_MSIX, NO_VECTOR);
	return 0;
}

void virtio_ready(struct virtio_dev *d)
{
	barrier();
	w8(d->common, CC_STATUS,
	   ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
	if (d->common) {
		w8(d->common, CC_STATUS, r8(d->common, CC_STATUS) | ST_FAILED);
	}
}

/* dma pages come from a malloc'd pool, aligned; physical addresses are
 * looked up per page */
int dma_page(void **va, uint64_t *phys)
{
	static uint8_t *pool;
	static unsigned left;
	long pa;

	if (!left) {
		uint8_t *m = malloc(17 * 4096);

		if (!m) {
			return E_NOMEM;
		}
		pool = (uint8_t *)(((uintptr_t)m + 4095) & ~(uintptr_t)4095);
		left = 16;
	}
	pa = sys_dma_addr(pool);
	if (pa < 0) {
		return E_NOMEM;
	}
	memset(pool, 0, 4096);
	*va = pool;
	*phys = (uint64_t)pa;
	pool += 4096;
	left--;
	return 0;
}

int virtio_queue(struct virtio_dev *d, struct virtq *vq, uint16_t q,
		 uint16_t max)
{
	void *desc, *avail, *used;
	uint64_t pdesc, pavail, pused;
	uint16_t size;

	memset(vq, 0, sizeof(*vq));
	w16(d->common, CC_QSELECT, q);
	size = r16(d->common, CC_QSIZE);
	if (size == 0) {
		return E_NOENT;
	}
	/* a power of two that fits one page per ring: <= 256 */
	if (max > 256) {
		max = 256;
	}
	while (size > max || (size & (size - 1))) {
		size = (uint16_t)(size & (size - 1) ? size & (size - 1)
						     : size >> 1);
	}
	if (size == 0 || dma_page(&desc, &pdesc) || dma_page(&avail, &pavail) ||
	    dma_page(&used, &pused)) {
		return E_NOMEM;
	}
	vq->token = calloc(size, sizeof(void *));
	if (!vq->token) {
		return E_NOMEM;
	}
	vq->index = q;
	vq->size = size;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	for (uint16_t i = 0; i < size; i++) {
		vq->desc[i].next = (uint16_t)(i + 1);
	}
	vq->free_head = 0;
	vq->nfree = size;
	w16(d->common, CC_QSIZE, size);
	w16(d->common, CC_QMSIX, d->irq >= 0 ? 0 : NO_VECTOR);
	if (d->irq >= 0 && r16(d->common, CC_QMSIX) != 0) {
		d->irq = -1; /* the device could not take the vector: poll */
	}
	w64(d->common, CC_QDESC, pdesc);
	w64(d->common, CC_QDRIVER, pavail);
	w64(d->common, CC_QDEVICE, pused);
	vq->notify = (volatile uint16_t *)(d->notify_base +
					   (uint32_t)r16(d->common, CC_QNOTIFY) *
						   d->notify_mult);
	w16(d->common, CC_QENABLE, 1);
	return 0;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *b, unsigned n,
	      void *token)
{
	uint16_t head, i;

	if (n == 0 || n > vq->nfree) {
		return E_FULL;
	}
	head = i = vq->free_head;
	for (unsigned k = 0; k < n; k++) {
		volatile struct virtq_desc *dsc = &vq->desc[i];

		dsc->addr = b[k].phys;
		dsc->len = b[k].len;
		dsc->flags = (uint16_t)((b[k].device_writes ? VIRTQ_DESC_F_WRITE
							    : 0) |
					(k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = dsc->next;
	}
	vq->free_head = i;
	vq->nfree = (uint16_t)(vq->nfree - n);
	vq->token[head] = token;
	/* avail ring: flags at [0], idx at [1], ring from [2] */
	vq->avail[2 + (vq->avail_idx & (vq->size - 1))] = head;
	vq->avail_idx++;
	return 0;
}

void virtq_kick(struct virtio_dev *d, struct virtq *vq)
{
	barrier();
	vq->avail[1] = vq->avail_idx;
	barrier();
	/* used->flags bit 0: the device asks not to be notified */
	if (!(*(volatile uint16_t *)vq->used & 1)) {
		*vq->notify = vq->index;
	}
	(void)d;
}

int virtq_get(struct virtq *vq, void **token, uint32_t *len)
{
	uint16_t idx = *(volatile uint16_t *)(vq->used + 2);
	uint32_t id, n = 0;
	uint16_t i;
	volatile uint8_t *e;

	if (idx == vq->last_used) {
		return E_AGAIN;
	}
	if ((uint16_t)(idx - vq->last_used) > vq->size) {
		return E_IO;
	}
	barrier();
	e = vq->used + 4 + 8 * (vq->last_used & (vq->size - 1));
	id = *(volatile uint32_t *)e;
	*len = *(volatile uint32_t *)(e + 4);
	if (id >= vq->size || !vq->token[id]) {
		return E_IO;
	}
	*token = vq->token[id];
	vq->token[id] = 0;
	/* the chain's descriptors go back on the free list */
	i = (uint16_t)id;
	for (;;) {
		n++;
		if (!(vq->desc[i].flags & VIRTQ_DESC_F_NEXT) || n >= vq->size) {
			break;
		}
		i = vq->desc[i].next;
		if (i >= vq->size) {
			return E_IO;
		}
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->nfree = (uint16_t)(vq->nfree + n);
	vq->last_used++;
	return 0;
}
