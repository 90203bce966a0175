// SPDX-License-Identifier: MIT
/*
 * The VirtIO transport and its open paths (drivers/virtio/) over a fake
 * device: the system calls a driver makes (libos/sys.h) are stand-ins
 * here, over a configuration space and one memory BAR that hold a modern
 * virtio PCI function (common, ISR, device and notify capabilities, an
 * MSI-X table). Plain memory is enough for the handshake: the device's
 * status reads back what the driver wrote, its feature word (1) offers
 * VERSION_1 in the high half, and every queue has 256 entries.
 *
 * Every fallible step the driver takes (mapping a BAR, a vector, a DMA
 * page's address, the heap) counts; the tests make step k fail for every
 * k in turn, and after each failed open check that bus mastering and
 * MSI-X are off, the heap holds nothing of the driver's, and its DMA
 * pages were given back (dma_page hands them out again).
 *
 * The heap is counted through the linker (--wrap=malloc,calloc,free) in
 * the driver's objects and this one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <drivers/blkdev.h>
#include <drivers/netdev.h>
#include <drivers/pci.h>
#include <drivers/virtio.h>
#include <libos/sys.h>

#include "../../drivers/virtio/virtio_reg.h"

#define BAR 4
#define BAR_SIZE 0x8000u
#define COMMON_AT 0x0000u
#define ISR_AT 0x1000u
#define DEVICE_AT 0x2000u
#define NOTIFY_AT 0x3000u
#define MSIX_AT 0x4000u
#define MSIX_CAP 0x84u
#define MAX_PAGES 1024

static uint8_t cfgspace[256];
static uint8_t *bar;
static const char *dev_name; /* the one device there is */

static int steps;   /* fallible steps taken */
static int fail_at; /* 0: none fails */
static long heap_live;
static void *pages[MAX_PAGES]; /* DMA pages ever handed out */
static int npages;
static int recording = 1; /* note pages in pages[] */

static int step_fails(void)
{
	return ++steps == fail_at;
}

/* ---- the heap, counted ---------------------------------------------- */

/* Every live block is also noted in blocks[]: a successful open keeps
 * its memory in the driver's static state, which the next open starts
 * afresh; noted here, that memory stays reachable for LeakSanitizer. */
#define MAX_BLOCKS 4096
static void *blocks[MAX_BLOCKS];

static void note(void *p)
{
	for (int i = 0; i < MAX_BLOCKS; i++) {
		if (!blocks[i]) {
			blocks[i] = p;
			return;
		}
	}
	fail_msg("more than %d heap blocks", MAX_BLOCKS);
}

static void forget(void *p)
{
	for (int i = 0; i < MAX_BLOCKS; i++) {
		if (blocks[i] == p) {
			blocks[i] = 0;
			return;
		}
	}
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);

/* The DMA pool (more than 16 pages) is never given back by design; its
 * pages are counted one by one instead. */
static int is_pool(size_t n)
{
	return n > 16 * 4096;
}

void *__wrap_malloc(size_t n)
{
	void *p;

	if (step_fails()) {
		return NULL;
	}
	p = __real_malloc(n);
	if (p) {
		note(p);
		heap_live += !is_pool(n);
	}
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (step_fails()) {
		return NULL;
	}
	p = __real_calloc(n, size);
	if (p) {
		note(p);
		heap_live++;
	}
	return p;
}

void __wrap_free(void *p)
{
	if (p) {
		forget(p);
		heap_live--;
	}
	__real_free(p);
}

/* ---- the system calls, over the fake device ------------------------- */

long sys_dev_info(uint32_t index, struct sys_dev *out)
{
	if (index != 0) {
		return E_NOENT;
	}
	memset(out, 0, sizeof(*out));
	strncpy(out->d.name, dev_name, sizeof(out->d.name) - 1);
	out->d.vendor = VIRTIO_PCI_VENDOR;
	out->d.msix_cap = MSIX_CAP;
	out->d.bar[BAR].base = 0xfe000000u;
	out->d.bar[BAR].size = BAR_SIZE;
	out->owned_here = 1;
	out->cfg_size = sizeof(cfgspace);
	return 0;
}

long sys_dev_cfg(uint32_t index, uint32_t off, uint32_t op, uint32_t val)
{
	uint32_t width = op & 0xff, v = 0;

	assert_int_equal(index, 0);
	assert_true(off + width <= sizeof(cfgspace));
	if (op & SYS_CFG_WRITE) {
		/* the kernel's allowlist: the command register only */
		assert_true(off >= PCI_CFG_COMMAND &&
			    off + width <= PCI_CFG_COMMAND + 2);
		memcpy(cfgspace + off, &val, width);
		return 0;
	}
	memcpy(&v, cfgspace + off, width);
	return v;
}

long sys_dev_map(uint32_t index, uint32_t b)
{
	assert_int_equal(index, 0);
	if (step_fails()) {
		return E_NOMEM;
	}
	return b == BAR ? (long)(uintptr_t)bar : E_NOENT;
}

/* the kernel programs the entry and enables MSI-X (the table itself is
 * not modelled: the driver never sees it) */
long sys_dev_irq(uint32_t index, uint32_t entry, struct sys_irq *out)
{
	assert_int_equal(index, 0);
	assert_int_equal(entry, 0);
	if (step_fails()) {
		return E_FULL;
	}
	memset(out, 0, sizeof(*out));
	out->msi_addr = 0xfee00000u;
	out->msi_data = 0x50;
	cfgspace[MSIX_CAP + 3] |= 0x80;
	return 0;
}

long sys_dev_irq_free(uint32_t index, uint32_t entry)
{
	assert_int_equal(index, 0);
	assert_int_equal(entry, 0);
	cfgspace[MSIX_CAP + 3] &= (uint8_t)~0x80;
	return 0;
}

long sys_dma_addr(const void *va)
{
	int i;

	if (step_fails()) {
		return E_FAULT;
	}
	for (i = 0; i < npages && pages[i] != va; i++) {
	}
	if (recording && i == npages) {
		assert_true(npages < MAX_PAGES);
		pages[npages++] = (void *)va;
	}
	return (long)(uintptr_t)va; /* identity: "physical" = virtual */
}

/* the clock: it moves only when the driver waits, by what it waits for
 * (a device that never answers costs the test no time) */
static uint64_t fake_now;
static int fake_waits; /* this run's waits: a test of a wait that never
			* ends fails instead of hanging */

uint64_t sys_time_ns(void)
{
	return fake_now;
}

long sys_wait(uint64_t timeout_ns)
{
	fake_now += timeout_ns ? timeout_ns : 1000000ull;
	if (++fake_waits > 100000) { /* the driver's wait has no end */
		fail_msg("the driver waited 100,000 times");
	}
	return 0;
}

long sys_irq_ack(void)
{
	return 0;
}

/* ---- the fake device -------------------------------------------------- */

static void put_cap(uint32_t at, uint32_t next, uint8_t type, uint32_t off,
		    uint32_t len)
{
	struct virtio_pci_cap c = {
	    .cap_vndr = PCI_CAP_VENDOR,
	    .cap_next = (uint8_t)next,
	    .cap_len = sizeof(c),
	    .cfg_type = type,
	    .bar = BAR,
	    .offset = off,
	    .length = len,
	};

	memcpy(cfgspace + at, &c, sizeof(c));
}

static void device_reset(const char *name)
{
	volatile struct virtio_pci_common_cfg *cc;
	uint32_t mult = 4, table = MSIX_AT | BAR;

	dev_name = name;
	memset(cfgspace, 0, sizeof(cfgspace));
	memset(bar, 0, BAR_SIZE);
	cfgspace[0x06] = 0x10; /* status: capability list */
	cfgspace[PCI_CFG_CAPS] = 0x40;
	put_cap(0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_AT, 0x38);
	put_cap(0x50, 0x60, VIRTIO_PCI_CAP_ISR_CFG, ISR_AT, 4);
	put_cap(0x60, 0x70, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_AT, 0x100);
	put_cap(0x70, MSIX_CAP, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_AT, 0x1000);
	cfgspace[0x70 + 2] = sizeof(struct virtio_pci_notify_cap);
	memcpy(cfgspace + 0x70 + 16, &mult, 4);
	cfgspace[MSIX_CAP] = PCI_CAP_MSIX;
	cfgspace[MSIX_CAP + 2] = 7; /* 8 entries, disabled */
	memcpy(cfgspace + MSIX_CAP + 4, &table, 4);
	cc = (volatile struct virtio_pci_common_cfg *)(bar + COMMON_AT);
	cc->device_feature = 1; /* both halves: VERSION_1 is bit 32 */
	cc->queue_size = 256;
	/* virtio-blk's capacity: 2048 sectors */
	bar[DEVICE_AT + 1] = 0x08;
	steps = 0;
}

static uint16_t pci_command(void)
{
	return (uint16_t)(cfgspace[PCI_CFG_COMMAND] |
			  cfgspace[PCI_CFG_COMMAND + 1] << 8);
}

static uint16_t msix_control(void)
{
	return (uint16_t)(cfgspace[MSIX_CAP + 2] | cfgspace[MSIX_CAP + 3] << 8);
}

static int setup(void **state)
{
	(void)state;
	if (!bar && posix_memalign((void **)&bar, 4096, BAR_SIZE) != 0) {
		return -1;
	}
	heap_live = 0;
	npages = 0;
	fail_at = 0;
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

typedef int (*open_fn)(void);

static int open_net(void)
{
	struct netdev *nd;

	return netdev_open(&nd);
}

static int open_blk(void)
{
	struct blkdev *bd;

	return blkdev_open(&bd);
}

/* pages_given_back: the DMA pages the last round took are on the free
 * list: the next dma_page calls hand out exactly those again */
static void pages_given_back(void)
{
	void *again[MAX_PAGES];
	int n = npages;

	recording = 0;
	fail_at = 0;
	for (int i = 0; i < n; i++) {
		uint64_t pa;
		int j;

		assert_int_equal(dma_page(&again[i], &pa), 0);
		for (j = 0; j < n && pages[j] != again[i]; j++) {
		}
		assert_true(j < n);
	}
	for (int i = 0; i < n; i++) {
		dma_page_free(again[i]);
	}
	recording = 1;
}

/* fail_each_step: make each fallible step of open fail in turn, until a
 * round takes every step without reaching the failing one. Each failed
 * open leaves bus mastering and MSI-X off and gives back its heap blocks
 * and DMA pages. A step with a fallback (the MSI-X vector: the driver
 * polls) lets the open succeed; that round keeps what it took. */
static void fail_each_step(const char *name, open_fn open)
{
	int failures = 0, r;

	for (int k = 1;; k++) {
		device_reset(name);
		fail_at = k;
		heap_live = 0;
		npages = 0;
		r = open();
		if (steps < k) {
			assert_int_equal(r, 0);
			break;
		}
		if (r == 0) {
			continue;
		}
		failures++;
		assert_true(r < 0);
		assert_int_equal(pci_command() & PCI_CMD_MASTER, 0);
		assert_int_equal(msix_control() & 0x8000, 0);
		assert_int_equal(heap_live, 0);
		pages_given_back();
	}
	assert_true(failures > 3);
	assert_true(pci_command() & PCI_CMD_MASTER);
	assert_true(bar[COMMON_AT + 0x14] & VIRTIO_STATUS_DRIVER_OK);
}

static void test_net_open_unwinds(void **state)
{
	(void)state;
	fail_each_step("virtio-net", open_net);
}

static void test_blk_open_unwinds(void **state)
{
	(void)state;
	fail_each_step("virtio-blk", open_blk);
}

/* a disk that takes a request and never completes it: the read gives
 * up with E_IO (a device error, blkdev.h) after 10 s by the driver's
 * clock, not never; the device is stopped, and the next request fails
 * at once with E_IO */
static void test_blk_request_deadline(void **state)
{
	struct blkdev *bd;
	static uint8_t buf[512];
	uint64_t t0;

	(void)state;
	device_reset("virtio-blk");
	assert_int_equal(blkdev_open(&bd), 0);
	assert_int_equal(bd->sectors, 2048);
	t0 = fake_now;
	assert_int_equal(bd->read(bd, 0, buf, 1), E_IO);
	assert_true(fake_now - t0 >= 10000000000ull);
	assert_true(fake_now - t0 < 11000000000ull);
	t0 = fake_now;
	assert_int_equal(bd->read(bd, 1, buf, 1), E_IO);
	assert_int_equal(fake_now, t0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_net_open_unwinds, setup),
	    cmocka_unit_test_setup(test_blk_open_unwinds, setup),
	    cmocka_unit_test_setup(test_blk_request_deadline, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
