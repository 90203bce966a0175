/* SPDX-License-Identifier: MIT */
/*
 * The VirtIO 1.x layout: what the specification fixes and the device
 * reads or writes (VirtIO 1.2, sections named at each block). Only spec
 * facts live here; the driver's own state is in <drivers/virtio.h>
 * (OpenBSD's virtioreg.h / virtiovar.h split).
 *
 * Every multi-byte field is little-endian (the spec's le16/le32/le64),
 * which is this machine's order, so fields are plain integers. Every
 * struct is packed and its size and field offsets are checked below: the
 * device reads these bytes, so the compiler may not move them.
 */
#ifndef DRIVERS_VIRTIO_REG_H
#define DRIVERS_VIRTIO_REG_H

#include <stddef.h>
#include <stdint.h>

#ifndef STATIC_ASSERT
#define STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- Device status (2.1) ---------------------------------------------- */

#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* ---- Reserved feature bits (6) ---------------------------------------- */

#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)
#define VIRTIO_F_RING_PACKED (1ull << 34)

/* ---- PCI transport (4.1) ---------------------------------------------- */

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_MODERN 0x1040 /* + device type (5) */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* cfg_type of a vendor capability (4.1.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* A vendor-specific capability in configuration space (4.1.4): where one
 * structure lies in which BAR. */
struct virtio_pci_cap {
	uint8_t cap_vndr; /* PCI_CAP_VENDOR */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type; /* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset; /* inside the BAR */
	uint32_t length;
} __attribute__((packed));

/* The notification capability adds the multiplier (4.1.4.4): queue q is
 * notified at offset + queue_notify_off(q) * notify_off_multiplier. */
struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;
} __attribute__((packed));

/* Common configuration (4.1.4.3). The queue_* fields after queue_select
 * are those of the selected queue. The driver writes the *_select fields,
 * driver_feature, device_status, the vectors, queue_size, queue_enable and
 * the queue addresses; the device everything else. 1.2 adds fields after
 * queue_device that this driver does not use. */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature; /* 32 bits of the offer, as selected */
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status; /* VIRTIO_STATUS_*; writing 0 resets */
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;   /* physical address of the descriptors */
	uint64_t queue_driver; /* ... of the available ring */
	uint64_t queue_device; /* ... of the used ring */
} __attribute__((packed));

/* "no vector" for config_msix_vector and queue_msix_vector (4.1.5.1.2) */
#define VIRTIO_MSI_NO_VECTOR 0xffffu

/* ISR status (4.1.4.5): one byte, cleared by reading it */
#define VIRTIO_ISR_QUEUE 1u
#define VIRTIO_ISR_CONFIG 2u

/* ---- Split virtqueues (2.7) ------------------------------------------- */

/* Alignment of the three parts (2.7.1) */
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4

#define VIRTQ_DESC_F_NEXT 1u	 /* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE 2u	 /* device writes (else reads) the buffer */
#define VIRTQ_DESC_F_INDIRECT 4u /* the buffer is a descriptor table */

/* A descriptor (2.7.5): written by the driver only. */
struct virtq_desc {
	uint64_t addr; /* physical */
	uint32_t len;
	uint16_t flags; /* VIRTQ_DESC_F_* */
	uint16_t next;
} __attribute__((packed));

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* The available ring (2.7.6): written by the driver only. ring[] has
 * queue_size entries, followed by used_event (with VIRTIO_F_EVENT_IDX). */
struct virtq_avail {
	uint16_t flags;	 /* VIRTQ_AVAIL_F_* */
	uint16_t idx;	 /* where the driver puts the next entry (mod 2^16) */
	uint16_t ring[]; /* heads of descriptor chains */
} __attribute__((packed));

/* A used entry (2.7.8): written by the device. */
struct virtq_used_elem {
	uint32_t id;  /* head of the chain the device is done with */
	uint32_t len; /* bytes it wrote into the chain */
} __attribute__((packed));

#define VIRTQ_USED_F_NO_NOTIFY 1u

/* The used ring (2.7.8): written by the device only. ring[] has
 * queue_size entries, followed by avail_event (with VIRTIO_F_EVENT_IDX). */
struct virtq_used {
	uint16_t flags; /* VIRTQ_USED_F_* */
	uint16_t idx;	/* where the device puts the next entry (mod 2^16) */
	struct virtq_used_elem ring[];
} __attribute__((packed));

/* ---- Network device (5.1) --------------------------------------------- */

#define VIRTIO_NET_F_CSUM (1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_F_CTRL_VQ (1ull << 17)
#define VIRTIO_NET_F_MQ (1ull << 22)

#define VIRTIO_NET_RXQ 0 /* queue numbers of the first pair (5.1.2) */
#define VIRTIO_NET_TXQ 1

/* Device configuration (5.1.4): written by the device. Fields after mac
 * exist only with their feature bit. */
struct virtio_net_config {
	uint8_t mac[6]; /* VIRTIO_NET_F_MAC */
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
	uint32_t speed;
	uint8_t duplex;
	uint8_t rss_max_key_size;
	uint16_t rss_max_indirection_table_length;
	uint32_t supported_hash_types;
} __attribute__((packed));

/* The header before every frame (5.1.6); with VIRTIO_F_VERSION_1 it
 * always holds num_buffers. Zero: no offload. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

/* ---- Block device (5.2) ----------------------------------------------- */

#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_GEOMETRY (1ull << 4)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_F_TOPOLOGY (1ull << 10)
#define VIRTIO_BLK_F_CONFIG_WCE (1ull << 11)
#define VIRTIO_BLK_F_MQ (1ull << 12)
#define VIRTIO_BLK_F_DISCARD (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

#define VIRTIO_BLK_SECTOR 512u /* capacity and sector are in these */

/* Device configuration (5.2.4): written by the device. Fields after
 * capacity exist only with their feature bit; 1.2 adds more after
 * write_zeroes_may_unmap. */
struct virtio_blk_config {
	uint64_t capacity; /* in VIRTIO_BLK_SECTOR units */
	uint32_t size_max;
	uint32_t seg_max;
	struct {
		uint16_t cylinders;
		uint8_t heads;
		uint8_t sectors;
	} __attribute__((packed)) geometry;
	uint32_t blk_size;
	struct {
		uint8_t physical_block_exp;
		uint8_t alignment_offset;
		uint16_t min_io_size;
		uint32_t opt_io_size;
	} __attribute__((packed)) topology;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u

/* A request (5.2.6): this header (device reads it), the data buffers,
 * then one status byte the device writes. */
struct virtio_blk_req_hdr {
	uint32_t type; /* VIRTIO_BLK_T_* */
	uint32_t reserved;
	uint64_t sector;
} __attribute__((packed));

#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

/* ---- Layout checks ---------------------------------------------------- */

STATIC_ASSERT(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
STATIC_ASSERT(offsetof(struct virtio_pci_cap, cfg_type) == 3, "cfg_type");
STATIC_ASSERT(offsetof(struct virtio_pci_cap, bar) == 4, "cap bar");
STATIC_ASSERT(offsetof(struct virtio_pci_cap, offset) == 8, "cap offset");
STATIC_ASSERT(offsetof(struct virtio_pci_cap, length) == 12, "cap length");
STATIC_ASSERT(sizeof(struct virtio_pci_notify_cap) == 20, "notify cap");
STATIC_ASSERT(offsetof(struct virtio_pci_notify_cap, notify_off_multiplier) ==
		  16,
	      "notify_off_multiplier");

STATIC_ASSERT(sizeof(struct virtio_pci_common_cfg) == 0x38, "common cfg");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, device_feature) == 0x04,
	      "device_feature");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, driver_feature_select) ==
		  0x08,
	      "driver_feature_select");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, driver_feature) == 0x0c,
	      "driver_feature");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, config_msix_vector) ==
		  0x10,
	      "config_msix_vector");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, num_queues) == 0x12,
	      "num_queues");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14,
	      "device_status");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, config_generation) == 0x15,
	      "config_generation");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16,
	      "queue_select");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_size) == 0x18,
	      "queue_size");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_msix_vector) == 0x1a,
	      "queue_msix_vector");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_enable) == 0x1c,
	      "queue_enable");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e,
	      "queue_notify_off");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20,
	      "queue_desc");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_driver) == 0x28,
	      "queue_driver");
STATIC_ASSERT(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30,
	      "queue_device");

STATIC_ASSERT(sizeof(struct virtq_desc) == 16, "virtq_desc");
STATIC_ASSERT(offsetof(struct virtq_desc, len) == 8, "desc len");
STATIC_ASSERT(offsetof(struct virtq_desc, flags) == 12, "desc flags");
STATIC_ASSERT(offsetof(struct virtq_desc, next) == 14, "desc next");
STATIC_ASSERT(sizeof(struct virtq_avail) == 4, "virtq_avail");
STATIC_ASSERT(offsetof(struct virtq_avail, idx) == 2, "avail idx");
STATIC_ASSERT(offsetof(struct virtq_avail, ring) == 4, "avail ring");
STATIC_ASSERT(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");
STATIC_ASSERT(offsetof(struct virtq_used_elem, len) == 4, "used len");
STATIC_ASSERT(sizeof(struct virtq_used) == 4, "virtq_used");
STATIC_ASSERT(offsetof(struct virtq_used, idx) == 2, "used idx");
STATIC_ASSERT(offsetof(struct virtq_used, ring) == 4, "used ring");

STATIC_ASSERT(sizeof(struct virtio_net_config) == 24, "virtio_net_config");
STATIC_ASSERT(offsetof(struct virtio_net_config, status) == 6, "net status");
STATIC_ASSERT(offsetof(struct virtio_net_config, mtu) == 10, "net mtu");
STATIC_ASSERT(offsetof(struct virtio_net_config, speed) == 12, "net speed");
STATIC_ASSERT(offsetof(struct virtio_net_config, supported_hash_types) == 20,
	      "net hash types");
STATIC_ASSERT(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");
STATIC_ASSERT(offsetof(struct virtio_net_hdr, num_buffers) == 10,
	      "num_buffers");

STATIC_ASSERT(sizeof(struct virtio_blk_config) == 60, "virtio_blk_config");
STATIC_ASSERT(offsetof(struct virtio_blk_config, size_max) == 8, "size_max");
STATIC_ASSERT(offsetof(struct virtio_blk_config, geometry) == 16, "geometry");
STATIC_ASSERT(offsetof(struct virtio_blk_config, blk_size) == 20, "blk_size");
STATIC_ASSERT(offsetof(struct virtio_blk_config, topology) == 24, "topology");
STATIC_ASSERT(offsetof(struct virtio_blk_config, writeback) == 32, "writeback");
STATIC_ASSERT(offsetof(struct virtio_blk_config, num_queues) == 34,
	      "blk num_queues");
STATIC_ASSERT(offsetof(struct virtio_blk_config, max_discard_sectors) == 36,
	      "max_discard_sectors");
STATIC_ASSERT(offsetof(struct virtio_blk_config, write_zeroes_may_unmap) == 56,
	      "write_zeroes_may_unmap");
STATIC_ASSERT(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req_hdr");
STATIC_ASSERT(offsetof(struct virtio_blk_req_hdr, sector) == 8, "sector");

#endif
