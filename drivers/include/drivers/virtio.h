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
 * crosses a page. With MSI-X, every queue signals table entry 0, which the
 * kernel programs with a vector of this core (SYS_DEV_IRQ: a driver never
 * maps the MSI-X table); without it the driver polls. Only the device's
 * driver process (the one its monitor started for it) may do any of this:
 * the kernel refuses every other process (docs/devices.md).
 *
 * Everything the device writes (used ring entries, lengths, config) is
 * checked before use: a bad index or length is a device error, never a
 * wild access.
 *
 * Usage (a device driver's open):
 *   virtio_find(prefix, &index);
 *   virtio_open(&d, index, features);   on failure it has undone itself
 *   virtio_queue(&d, &vq, n, max);      per queue; undo with virtq_free
 *   dma_page(&va, &pa);                 buffers; undo with dma_page_free
 *   virtio_ready(&d);                   the device runs from now on
 * A failure before virtio_ready unwinds in reverse order: dma_page_free,
 * virtq_free, then virtio_close (FAILED, MSI-X off, bus mastering off).
 * The spec's layout (rings, configuration structures, feature bits) is
 * in drivers/virtio/virtio_reg.h.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

/* The spec's layout: drivers/virtio/virtio_reg.h */
struct virtio_pci_common_cfg;
struct virtq_desc;
struct virtq_avail;
struct virtq_used;

/* A split virtqueue. Set by virtio_queue; the rings are in DMA pages of
 * the process, each of the three in its own page. */
struct virtq {
	uint16_t index;			    /* queue number */
	uint16_t size;			    /* entries, a power of two */
	volatile struct virtq_desc *desc;   /* driver writes */
	volatile struct virtq_avail *avail; /* driver writes */
	volatile struct virtq_used *used;   /* device writes */
	uint16_t free_head; /* free descriptor chain (through next) */
	uint16_t nfree;
	uint16_t last_used;	   /* used entries consumed so far */
	uint16_t avail_idx;	   /* our copy of avail->idx */
	volatile uint16_t *notify; /* where to write the queue number */
	void **token;		   /* per head descriptor: caller's cookie */
};

/* A device as virtio_open leaves it. The pointers point into the
 * device's BARs (mapped uncached, for the life of the process). */
struct virtio_dev {
	uint32_t index; /* device directory index */
	char name[16];
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *isr;
	volatile uint8_t *device; /* device-specific configuration */
	volatile uint8_t *notify_base;
	uint32_t notify_mult;
	uint64_t features; /* negotiated */
	int irq; /* handle for event_irq_add (MSI-X entry 0, which the
		    kernel programmed), -1: none (poll) */
	uint16_t cmd_saved; /* PCI command register before virtio_open */
};

/* virtio_find: the directory index of the first device whose name starts
 * with prefix and that this core owns; E_NOENT if none exists, E_PERM
 * if one exists but another core owns it. */
int virtio_find(const char *prefix, uint32_t *index);

/* virtio_open: switch memory decoding and bus mastering on, find and map
 * the capabilities, route MSI-X table entry 0 to this core (if it can),
 * reset the device, negotiate want & offered (VERSION_1 added and
 * required), leave it at FEATURES_OK. 0 or E_* (E_PERM: the caller is
 * not the device's driver); on failure bus mastering and MSI-X are off
 * again. The BAR mappings stay with the process until it ends (there is
 * no system call to give them back). */
int virtio_open(struct virtio_dev *d, uint32_t index, uint64_t want);

/* virtio_close: undo virtio_open of a device that never reached
 * virtio_ready: tell it the driver gave up (FAILED), switch MSI-X and bus
 * mastering off. Free its queues first (virtq_free). */
void virtio_close(struct virtio_dev *d);

/* virtio_queue: set up queue q with at most max entries (its rings in
 * three DMA pages, a token array on the heap). 0 or E_*; on failure it
 * holds nothing. */
int virtio_queue(struct virtio_dev *d, struct virtq *vq, uint16_t q,
		 uint16_t max);

/* virtq_free: give back what virtio_queue took. Only before virtio_ready
 * (the device does not touch a queue before DRIVER_OK, 2.1). */
void virtq_free(struct virtq *vq);

/* virtio_ready: DRIVER_OK; the device runs from now on. */
void virtio_ready(struct virtio_dev *d);

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
 * address; 0 on success, E_NOMEM. */
int dma_page(void **va, uint64_t *phys);

/* dma_page_free: give back a page from dma_page (NULL: nothing) that no
 * device uses any more; the next dma_page may return it. */
void dma_page_free(void *va);

#endif
