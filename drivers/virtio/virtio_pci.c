// SPDX-License-Identifier: MIT
/*
 * The VirtIO modern PCI transport and split virtqueues (drivers/virtio.h;
 * the spec's layout in virtio_reg.h).
 *
 * virtio_open takes, in order: the PCI command register (bus mastering
 * on), the BAR mappings, MSI-X table entry 0 (which the kernel programs
 * with a vector of its own: the driver never maps the table), the device
 * (reset, features); its failure path gives them back in reverse order,
 * as far as the system lets a process give them back (mappings stay
 * until it ends, when the kernel also stops bus mastering). The process
 * must be the device's driver (the monitor named it when it started it);
 * for any other the kernel refuses every step (E_PERM).
 */
#include "virtio_reg.h"
#include <drivers/virtio.h>
#include <drivers/pci.h>
#include <libos/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CC_OFF(field) offsetof(struct virtio_pci_common_cfg, field)

static inline void barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* cc_write64: a 64-bit queue address as two 32-bit writes, low half
 * first (the driver may split 64-bit fields, 4.1.3.1) */
static void cc_write64(volatile struct virtio_pci_common_cfg *c, size_t off,
		       uint64_t v)
{
	volatile uint32_t *p =
	    (volatile uint32_t *)((volatile uint8_t *)c + off);

	p[0] = (uint32_t)v;
	p[1] = (uint32_t)(v >> 32);
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

static void cfg_write(uint32_t dev, uint32_t off, uint32_t width, uint32_t val)
{
	sys_dev_cfg(dev, off, width | SYS_CFG_WRITE, val);
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
				uint32_t cap, uint32_t min,
				volatile uint8_t **maps)
{
	uint32_t bar = (uint32_t)cfg(
	    d->index, cap + offsetof(struct virtio_pci_cap, bar), 1);
	uint32_t off = (uint32_t)cfg(
	    d->index, cap + offsetof(struct virtio_pci_cap, offset), 4);
	uint32_t len = (uint32_t)cfg(
	    d->index, cap + offsetof(struct virtio_pci_cap, length), 4);
	volatile uint8_t *b;

	if (bar >= 6 || len < min || !sd->d.bar[bar].size ||
	    (uint64_t)off + len > sd->d.bar[bar].size) {
		return 0;
	}
	b = bar_va(d, bar, maps);
	return b ? b + off : 0;
}

/* take_cap: note the vendor capability at `at` if it is one we use */
static void take_cap(struct virtio_dev *d, const struct sys_dev *sd,
		     uint32_t at, volatile uint8_t **maps)
{
	long type =
	    cfg(d->index, at + offsetof(struct virtio_pci_cap, cfg_type), 1);

	if (type == VIRTIO_PCI_CAP_COMMON_CFG && !d->common) {
		d->common = (volatile struct virtio_pci_common_cfg *)region(
		    d, sd, at, sizeof(struct virtio_pci_common_cfg), maps);
	} else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !d->notify_base) {
		d->notify_base = region(d, sd, at, 2, maps);
		d->notify_mult =
		    (uint32_t)cfg(d->index,
				  at + offsetof(struct virtio_pci_notify_cap,
						notify_off_multiplier),
				  4);
	} else if (type == VIRTIO_PCI_CAP_ISR_CFG && !d->isr) {
		d->isr = region(d, sd, at, 1, maps);
	} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !d->device) {
		d->device = region(d, sd, at, 4, maps);
	}
}

static int find_caps(struct virtio_dev *d, const struct sys_dev *sd,
		     volatile uint8_t **maps)
{
	int hops = 0;
	long at;

	if (!(cfg(d->index, 0x06, 2) & 0x10)) { /* status: capability list */
		return E_UNSUPPORTED;
	}
	at = cfg(d->index, PCI_CFG_CAPS, 1);
	for (; at > 0; at = cfg(d->index, (uint32_t)at + 1, 1)) {
		if (++hops > 48 || at < 0x40 || (at & 3) ||
		    at > (long)sd->cfg_size - 16) {
			return E_FORMAT;
		}
		if (cfg(d->index, (uint32_t)at, 1) == PCI_CAP_VENDOR) {
			take_cap(d, sd, (uint32_t)at, maps);
		}
	}
	if (!d->common || !d->notify_base || !d->isr) {
		return E_UNSUPPORTED; /* legacy-only, or unmappable */
	}
	return 0;
}

/* msix_on: table entry 0 to this core, programmed by the kernel (a
 * driver never sees the MSI-X table: docs/devices.md); polling (d->irq
 * -1) if the device has no MSI-X or the kernel refuses, so it never
 * fails itself */
static void msix_on(struct virtio_dev *d, const struct sys_dev *sd)
{
	struct sys_irq irq;

	d->irq = -1;
	if (!sd->d.msix_cap || sys_dev_irq(d->index, 0, &irq) != 0) {
		return;
	}
	d->irq = (int)irq.handle;
}

/* msix_off: undo msix_on: the kernel masks entry 0, frees its vector and
 * switches MSI-X off (it has no other entry of ours) */
static void msix_off(struct virtio_dev *d)
{
	if (d->irq >= 0) {
		sys_dev_irq_free(d->index, 0);
	}
	d->irq = -1;
}

/* bus_on: memory decoding on, legacy INTx off; bus mastering only with
 * master (after the device was reset: a device taken over from a core
 * that was lost may still hold that core's queues) */
static int bus_on(struct virtio_dev *d, bool master)
{
	long cmd = cfg(d->index, PCI_CFG_COMMAND, 2);

	if (cmd < 0) {
		return (int)cmd;
	}
	if (!master) {
		d->cmd_saved = (uint16_t)cmd;
	}
	cfg_write(d->index, PCI_CFG_COMMAND, 2,
		  (uint32_t)cmd | PCI_CMD_MEM | PCI_CMD_INTX_OFF |
		      (master ? PCI_CMD_MASTER : 0));
	return 0;
}

/* bus_off: the command register as it was, bus mastering off: the
 * device can no longer write into our memory */
static void bus_off(struct virtio_dev *d)
{
	cfg_write(d->index, PCI_CFG_COMMAND, 2, d->cmd_saved & ~PCI_CMD_MASTER);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
	d->common->device_status = s;
}

static void virtio_fail(struct virtio_dev *d)
{
	if (d->common) {
		set_status(d, d->common->device_status | VIRTIO_STATUS_FAILED);
	}
}

/* reset: the device forgets its queues and features (3.1.1 step 1) */
static int reset(struct virtio_dev *d)
{
	volatile struct virtio_pci_common_cfg *c = d->common;

	set_status(d, 0);
	for (int i = 0; i < 1000000 && c->device_status != 0; i++) {
	}
	return c->device_status != 0 ? E_IO : 0;
}

/* negotiate: (reset done) ACKNOWLEDGE, DRIVER, features, FEATURES_OK */
static int negotiate(struct virtio_dev *d, uint64_t want)
{
	volatile struct virtio_pci_common_cfg *c = d->common;
	uint64_t offered;

	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	c->device_feature_select = 0;
	offered = c->device_feature;
	c->device_feature_select = 1;
	offered |= (uint64_t)c->device_feature << 32;
	if (!(offered & VIRTIO_F_VERSION_1)) {
		virtio_fail(d);
		return E_UNSUPPORTED;
	}
	d->features = offered & (want | VIRTIO_F_VERSION_1);
	c->driver_feature_select = 0;
	c->driver_feature = (uint32_t)d->features;
	c->driver_feature_select = 1;
	c->driver_feature = (uint32_t)(d->features >> 32);
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK);
	if (!(c->device_status & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d);
		return E_UNSUPPORTED;
	}
	c->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	return 0;
}

int virtio_open(struct virtio_dev *d, uint32_t index, uint64_t want)
{
	volatile uint8_t *maps[6] = {0};
	struct sys_dev sd;
	int r;

	memset(d, 0, sizeof(*d));
	d->index = index;
	d->irq = -1;
	if (sys_dev_info(index, &sd) < 0 || !sd.owned_here) {
		return E_PERM;
	}
	memcpy(d->name, sd.d.name, sizeof(d->name));
	d->name[sizeof(d->name) - 1] = 0;
	r = bus_on(d, false);
	if (r < 0) {
		return r;
	}
	r = find_caps(d, &sd, maps);
	if (r == 0) {
		r = reset(d);
	}
	if (r == 0) {
		r = bus_on(d, true);
	}
	if (r < 0) {
		goto fail_bus;
	}
	msix_on(d, &sd);
	r = negotiate(d, want);
	if (r < 0) {
		goto fail_msix;
	}
	return 0;

fail_msix:
	msix_off(d);
fail_bus:
	bus_off(d);
	return r;
}

void virtio_close(struct virtio_dev *d)
{
	virtio_fail(d);
	msix_off(d);
	bus_off(d);
}

void virtio_ready(struct virtio_dev *d)
{
	barrier();
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* DMA pages come from a malloc'd pool, aligned, never returned to the
 * heap; pages given back wait on a free list (linked through their first
 * bytes) for the next dma_page. Physical addresses are looked up per
 * page. */
#define DMA_POOL_PAGES 16

struct dma_free {
	struct dma_free *next;
};

static struct dma_free *dma_freelist;

int dma_page(void **va, uint64_t *phys)
{
	static uint8_t *pool;
	static unsigned left;
	uint8_t *page;
	long pa;

	if (!dma_freelist && !left) {
		uint8_t *m = malloc((DMA_POOL_PAGES + 1) * 4096);

		if (!m) {
			return E_NOMEM;
		}
		pool = (uint8_t *)(((uintptr_t)m + 4095) & ~(uintptr_t)4095);
		left = DMA_POOL_PAGES;
	}
	page = dma_freelist ? (uint8_t *)dma_freelist : pool;
	pa = sys_dma_addr(page);
	if (pa < 0) {
		return E_NOMEM;
	}
	if (dma_freelist) {
		dma_freelist = dma_freelist->next;
	} else {
		pool += 4096;
		left--;
	}
	memset(page, 0, 4096);
	*va = page;
	*phys = (uint64_t)pa;
	return 0;
}

void dma_page_free(void *va)
{
	struct dma_free *f = va;

	if (f) {
		f->next = dma_freelist;
		dma_freelist = f;
	}
}

/* queue_size: the device's size cut to a power of two <= max and <= 256
 * (one page per ring); 0 if none */
static uint16_t queue_size(uint16_t size, uint16_t max)
{
	if (max > 256) {
		max = 256;
	}
	while (size > max || (size & (size - 1))) {
		size = (uint16_t)(size & (size - 1) ? size & (size - 1)
						    : size >> 1);
	}
	return size;
}

/* queue_pages: the three ring pages of vq and their addresses */
static int queue_pages(struct virtq *vq, uint64_t pa[3])
{
	void *va[3] = {0};
	int r;

	r = dma_page(&va[0], &pa[0]);
	if (r < 0) {
		goto fail;
	}
	r = dma_page(&va[1], &pa[1]);
	if (r < 0) {
		goto fail_desc;
	}
	r = dma_page(&va[2], &pa[2]);
	if (r < 0) {
		goto fail_avail;
	}
	vq->desc = va[0];
	vq->avail = va[1];
	vq->used = va[2];
	return 0;

fail_avail:
	dma_page_free(va[1]);
fail_desc:
	dma_page_free(va[0]);
fail:
	return E_NOMEM;
}

int virtio_queue(struct virtio_dev *d, struct virtq *vq, uint16_t q,
		 uint16_t max)
{
	volatile struct virtio_pci_common_cfg *c = d->common;
	uint64_t pa[3];
	uint16_t size;
	int r;

	memset(vq, 0, sizeof(*vq));
	c->queue_select = q;
	size = c->queue_size;
	if (size == 0) {
		return E_NOENT;
	}
	size = queue_size(size, max);
	if (size == 0) {
		return E_NOMEM;
	}
	r = queue_pages(vq, pa);
	if (r < 0) {
		return r;
	}
	vq->token = calloc(size, sizeof(void *));
	if (!vq->token) {
		r = E_NOMEM;
		goto fail_pages;
	}
	vq->index = q;
	vq->size = size;
	for (uint16_t i = 0; i < size; i++) {
		vq->desc[i].next = (uint16_t)(i + 1);
	}
	vq->free_head = 0;
	vq->nfree = size;
	c->queue_size = size;
	c->queue_msix_vector = d->irq >= 0 ? 0 : VIRTIO_MSI_NO_VECTOR;
	if (d->irq >= 0 && c->queue_msix_vector != 0) {
		d->irq = -1; /* the device could not take the vector: poll */
	}
	cc_write64(c, CC_OFF(queue_desc), pa[0]);
	cc_write64(c, CC_OFF(queue_driver), pa[1]);
	cc_write64(c, CC_OFF(queue_device), pa[2]);
	vq->notify = (volatile uint16_t *)(d->notify_base +
					   (uint32_t)c->queue_notify_off *
					       d->notify_mult);
	c->queue_enable = 1;
	return 0;

fail_pages:
	dma_page_free((void *)vq->used);
	dma_page_free((void *)vq->avail);
	dma_page_free((void *)vq->desc);
	memset(vq, 0, sizeof(*vq));
	return r;
}

void virtq_free(struct virtq *vq)
{
	free(vq->token);
	dma_page_free((void *)vq->used);
	dma_page_free((void *)vq->avail);
	dma_page_free((void *)vq->desc);
	memset(vq, 0, sizeof(*vq));
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
		dsc->flags =
		    (uint16_t)((b[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
			       (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = dsc->next;
	}
	vq->free_head = i;
	vq->nfree = (uint16_t)(vq->nfree - n);
	vq->token[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	return 0;
}

void virtq_kick(struct virtio_dev *d, struct virtq *vq)
{
	barrier();
	vq->avail->idx = vq->avail_idx;
	barrier();
	if (!(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY)) {
		*vq->notify = vq->index;
	}
	(void)d;
}

int virtq_get(struct virtq *vq, void **token, uint32_t *len)
{
	uint16_t idx = vq->used->idx;
	volatile struct virtq_used_elem *e;
	uint32_t id, n = 0;
	uint16_t i;

	if (idx == vq->last_used) {
		return E_AGAIN;
	}
	if ((uint16_t)(idx - vq->last_used) > vq->size) {
		return E_IO;
	}
	barrier();
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	id = e->id;
	*len = e->len;
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
