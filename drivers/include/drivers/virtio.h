/* SPDX-License-Identifier: MIT */
/*
 * VirtIO 1.x over the modern PCI transport, for ring-3 drivers on the core
 * that owns the device (VirtIO 1.2 spec, 4.1 "Virtio Over PCI Bus"; 2.7
 * "Split Virtqueues").
 *
 * virtio_open finds the vendor capabilities (common, notify, ISR and
 * device configuration), maps their BARs, resets the device and
 * negotiates features (VIRTIO_F_VERSION_1 is required: a legacy-only
 * device is refused). Queues live in DMA memory of the caller (heap pages
 * whose physical addresses SYS_DMA_ADDR gives); a descriptor buffer never
 * crosses a page. With MSI-X, every queue signals table entry 0, which is
 * routed to this core (SYS_DEV_IRQ); without it the driver polls.
 *
 * Everything the device writes (used ring entries, lengths, config) is
 * checked before use: a bad index or length is a device error, never a
 * wild access.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq {
	uint16_t index; /* queue number */
	uint16_t size;  /* entries, a power of two */
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
	volatile uint8_t *used;   /* flags, idx, ring[size] of {id, len} */
	uint16_t free_head;       /* free descriptor chain (through next) */
	uint16_t nfree;
	uint16_t last_used;       /* used entries consumed so far */
	uint16_t avail_idx;       /* our copy of avail->idx */
	volatile uint16_t *notify; /* where to write the queue number */
	void **token;             /* per head descriptor: caller's cookie */
};

struct virtio_dev {
	uint32_t index; /* device directory index */
	char name[16];
	volatile uint8_t *common;
	volatile uint8_t *isr;
	volatile uint8_t *device; /* device-specific configuration */
	volatile uint8_t *notify_base;
	uint32_t notify_mult;
	uint64_t features; /* negotiated */
	int irq;           /* handle for event_irq_add, -1: none (poll) */
	volatile uint32_t *msix_table; /* mapped MSI-X table, 0 if none */
};

/* virtio_find: the directory index of the first device whose name starts
 * with prefix and that this core owns; E_NOENT if none exists, E_PERM
 * if one exists but another core owns it. */
int virtio_find(const char *prefix, uint32_t *index);

/* virtio_open: reset the device, negotiate want & offered (VERSION_1
 * added and required), leave it at FEATURES_OK. 0 or E_*. */
int virtio_open(struct virtio_dev *d, uint32_t index, uint64_t want);

/* virtio_queue: set up queue q with at most max entries. */
int virtio_queue(struct virtio_dev *d, struct virtq *vq, uint16_t q,
		 uint16_t max);

/* virtio_ready: DRIVER_OK; the device runs from now on. */
void virtio_ready(struct virtio_dev *d);

/* virtio_fail: tell the device the driver gave up (FAILED). */
void virtio_fail(struct virtio_dev *d);

/* virtq_add: a chain of n buffers (physical address, length, device
 * writes it?) with cookie token; E_FULL without enough descriptors.
 * Not visible to the device until virtq_kick. */
struct virtq_buf {
	uint64_t phys;
	uint32_t len;
	bool device_writes;
};
int virtq_add(struct virtq *vq, const struct virtq_buf *b, unsigned n,
	      void *token);

/* virtq_kick: publish added chains and notify the device if it wants. */
void virtq_kick(struct virtio_dev *d, struct virtq *vq);

/* virtq_get: the next completed chain: its token and the length the
 * device wrote; E_AGAIN if none, E_IO if the device returned a bad
 * entry (the queue is then unusable). */
int virtq_get(struct virtq *vq, void **token, uint32_t *len);

/* dma_page: a zeroed 4 KiB page of this process's memory and its physical
 * address; 0 on success, E_NOMEM. Pages are never given back. */
int dma_page(void **va, uint64_t *phys);

#endif
