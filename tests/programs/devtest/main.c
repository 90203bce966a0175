// SPDX-License-Identifier: MIT
/*
 * devtest: exercises the VirtIO drivers directly, without a network stack
 * or a store on top (system tests use it to check the drivers alone).
 *
 *   devtest net          ARP for QEMU's gateway 10.0.2.2, wait for the
 *                        reply (frames through both queues), and say how
 *                        many interrupts came (it also polls every 10 ms,
 *                        so only that count shows MSI-X works)
 *   devtest blk          write, flush and read back sectors 1..72
 *   devtest blk-put TEXT write TEXT to sector 0 (flushed)
 *   devtest blk-get      print sector 0 as text (what blk-put left)
 *   devtest steal NAME   try the device system calls on device NAME (the
 *                        kernel must refuse them off the owning core)
 *   devtest intrude NAME the same on the owning core, as a process that is
 *                        not the device's driver (refused too)
 *
 * net and blk (not blk-put, blk-get), the device's driver, also try what
 * a driver may not do once the device is open (`limits`): map the BAR
 * that holds only the MSI-X table, write the MSI-X capability, a BAR,
 * virtio's PCI configuration access window, flip the command register's
 * SERR bit; each must be refused, and the device must work afterwards.
 */
#include <drivers/blkdev.h>
#include <drivers/netdev.h>
#include <libos/sys.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_WRITE(w) ((w) | SYS_CFG_WRITE)
#define CAP_VENDOR 0x09
#define CAP_PCI_CFG 5 /* VIRTIO_PCI_CAP_PCI_CFG: a window onto the BARs */

static const uint8_t gw_ip[4] = {10, 0, 2, 2};

static const char *res(long r)
{
	return err_name(r < 0 ? (int)r : 0);
}

/* find: device name's directory index */
static int find(const char *name, uint32_t *index, struct sys_dev *d)
{
	for (uint32_t i = 0; sys_dev_info(i, d) == 0; i++) {
		if (strcmp(d->d.name, name) == 0) {
			*index = i;
			return 0;
		}
	}
	return E_NOENT;
}

/* pci_cfg_window: the offset of virtio's PCI configuration access
 * capability, 0 if none */
static uint32_t pci_cfg_window(uint32_t i)
{
	long at = sys_dev_cfg(i, 0x34, 1, 0);

	for (int hops = 0; at >= 0x40 && at < 0x100 && hops < 48; hops++) {
		if (sys_dev_cfg(i, (uint32_t)at, 1, 0) == CAP_VENDOR &&
		    sys_dev_cfg(i, (uint32_t)at + 3, 1, 0) == CAP_PCI_CFG) {
			return (uint32_t)at;
		}
		at = sys_dev_cfg(i, (uint32_t)at + 1, 1, 0);
	}
	return 0;
}

/* limits: as name's driver, what the kernel must refuse */
static void limits(const char *name)
{
	struct sys_dev d;
	uint32_t i, win;
	long table, cmd, map = E_NOENT, cap = E_NOENT, wr = E_NOENT;

	if (find(name, &i, &d) < 0 || !d.d.msix_cap) {
		printf("devtest: limits %s: no such device with MSI-X\n",
		       name);
		return;
	}
	table = sys_dev_cfg(i, d.d.msix_cap + 4, 4, 0);
	if (table >= 0) {
		map = sys_dev_map(i, (uint32_t)table & 7);
	}
	cap = sys_dev_cfg(i, d.d.msix_cap + 2, CFG_WRITE(2), 0xc000);
	win = pci_cfg_window(i);
	if (win) {
		/* window onto BAR 0 offset 0, then a write through it */
		wr = sys_dev_cfg(i, win + 4, CFG_WRITE(1), 0);
		long data = sys_dev_cfg(i, win + 16, CFG_WRITE(4), 0);
		wr = wr < 0 ? wr : data;
	}
	cmd = sys_dev_cfg(i, 0x04, 2, 0);
	if (cmd >= 0) {
		/* SERR# enable flipped: not a bit a driver may change */
		cmd = sys_dev_cfg(i, 0x04, CFG_WRITE(2), (uint32_t)cmd ^ 0x100);
	}
	printf("devtest: limits %s: msix-table map %s, msix-cap write %s, "
	       "bar write %s, pci-cfg window write %s, command SERR write "
	       "%s\n",
	       name, res(map), res(cap),
	       res(sys_dev_cfg(i, 0x10, CFG_WRITE(4), 0xffffffffu)), res(wr),
	       res(cmd));
}
static const uint8_t my_ip[4] = {10, 0, 2, 15};

static int net(void)
{
	struct netdev *nd;
	uint8_t f[NETDEV_FRAME_MAX];
	uint64_t until;
	unsigned frames = 0, irqs = 0;
	int r = netdev_open(&nd);

	if (r < 0) {
		printf("devtest: no network device: %s\n", err_msg(r));
		return 1;
	}
	printf("devtest: virtio-net %02x:%02x:%02x:%02x:%02x:%02x, %s\n",
	       nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4],
	       nd->mac[5], nd->irq >= 0 ? "MSI-X" : "polling");
	limits("virtio-net");
	memset(f, 0, 42);
	memset(f, 0xff, 6);
	memcpy(f + 6, nd->mac, 6);
	f[12] = 0x08, f[13] = 0x06;        /* ARP */
	f[14] = 0, f[15] = 1;              /* Ethernet */
	f[16] = 0x08, f[17] = 0x00;        /* IPv4 */
	f[18] = 6, f[19] = 4, f[21] = 1;   /* request */
	memcpy(f + 22, nd->mac, 6);
	memcpy(f + 28, my_ip, 4);
	memcpy(f + 38, gw_ip, 4);
	r = nd->tx(nd, f, 60);
	if (r < 0) {
		printf("devtest: transmit failed: %s\n", err_msg(r));
		return 1;
	}
	until = sys_time_ns() + 5000000000ull;
	while (sys_time_ns() < until) {
		long n = nd->rx(nd, f, sizeof(f));

		if (n == E_AGAIN) {
			uint32_t ev = (uint32_t)sys_wait(10000000);

			if (ev & SYS_EV_IRQ) {
				irqs += sys_irq_ack() != 0;
			}
			continue;
		}
		frames++;
		if (n >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
		    memcmp(f + 28, gw_ip, 4) == 0) {
			/* the reply may have been in the ring before the first
			 * wait: its interrupt (or the transmit's) is still
			 * pending then, and counted here */
			while (irqs == 0 && nd->irq >= 0 &&
			       sys_time_ns() < until) {
				uint32_t ev = (uint32_t)sys_wait(10000000);

				if (ev & SYS_EV_IRQ) {
					irqs += sys_irq_ack() != 0;
				}
			}
			printf("devtest: arp reply: 10.0.2.2 is at "
			       "%02x:%02x:%02x:%02x:%02x:%02x (%u frames, %u "
			       "interrupts)\n",
			       f[22], f[23], f[24], f[25], f[26], f[27], frames,
			       irqs);
			return 0;
		}
	}
	printf("devtest: no ARP reply in 5 s (%u frames)\n", frames);
	return 1;
}

static int blk(int argc, char **argv)
{
	static uint8_t a[BLKDEV_MAX_XFER * BLKDEV_SECTOR];
	static uint8_t b[BLKDEV_MAX_XFER * BLKDEV_SECTOR];
	struct blkdev *bd;
	int r = blkdev_open(&bd);

	if (r < 0) {
		printf("devtest: no block device: %s\n", err_msg(r));
		return 1;
	}
	printf("devtest: virtio-blk %lu sectors\n", (unsigned long)bd->sectors);
	if (strcmp(argv[1], "blk") == 0) {
		limits("virtio-blk");
	}
	if (strcmp(argv[1], "blk-put") == 0) {
		memset(a, 0, BLKDEV_SECTOR);
		if (argc > 2) {
			strlcpy((char *)a, argv[2], BLKDEV_SECTOR);
		}
		r = bd->write(bd, 0, a, 1);
		r = r ?: bd->flush(bd);
		printf("devtest: blk-put: %s\n", r ? err_msg(r) : "ok");
		return r != 0;
	}
	if (strcmp(argv[1], "blk-get") == 0) {
		r = bd->read(bd, 0, a, 1);
		a[BLKDEV_SECTOR - 1] = 0;
		printf("devtest: blk-get: %s '%s'\n", r ? err_msg(r) : "ok",
		       r ? "" : (char *)a);
		return r != 0;
	}
	for (size_t i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7 + (i >> 9));
	}
	r = bd->write(bd, 1, a, BLKDEV_MAX_XFER);
	r = r ?: bd->write(bd, 1 + BLKDEV_MAX_XFER, a, 8);
	r = r ?: bd->flush(bd);
	r = r ?: bd->read(bd, 1, b, BLKDEV_MAX_XFER);
	if (r == 0 && memcmp(a, b, sizeof(a)) != 0) {
		printf("devtest: blk: read back differs\n");
		return 1;
	}
	r = r ?: bd->read(bd, 1 + BLKDEV_MAX_XFER, b, 8);
	if (r == 0 && memcmp(a, b, 8 * BLKDEV_SECTOR) != 0) {
		printf("devtest: blk: read back differs\n");
		return 1;
	}
	if (r == 0 && bd->read(bd, bd->sectors, b, 1) != E_RANGE) {
		printf("devtest: blk: a read past the end was not refused\n");
		return 1;
	}
	printf("devtest: blk: %s\n", r ? err_msg(r) : "72 sectors written, "
						      "flushed and read back");
	return r != 0;
}

static int steal(const char *name)
{
	struct sys_dev d;
	struct sys_irq irq;
	uint32_t i;

	if (find(name, &i, &d) < 0) {
		printf("devtest: steal: no device %s\n", name);
		return 1;
	}
	/* each call's error, or E_OK when the kernel let it through */
	long map = sys_dev_map(i, 0), cfg = sys_dev_cfg(i, 0, 4, 0),
	     irqr = sys_dev_irq(i, 0, &irq);

	printf("devtest: steal %s: owned here %u, map %s, cfg %s, irq %s\n",
	       name, d.owned_here, res(map), res(cfg), res(irqr));
	return 0;
}

/* intrude: on the owning core, not the driver: every call refused */
static int intrude(const char *name)
{
	struct sys_dev d;
	struct sys_irq irq;
	long map = E_NOENT;
	uint32_t i;

	if (find(name, &i, &d) < 0) {
		printf("devtest: intrude: no device %s\n", name);
		return 1;
	}
	for (uint32_t b = 0; b < 6 && map == E_NOENT; b++) {
		if (d.d.bar[b].size && !(d.d.bar[b].flags & 1)) {
			map = sys_dev_map(i, b);
		}
	}
	long rd = sys_dev_cfg(i, 0, 4, 0),
	     wr = sys_dev_cfg(i, 0x04, CFG_WRITE(2), d.command | 0x4u),
	     irqr = sys_dev_irq(i, 0, &irq), fr = sys_dev_irq_free(i, 0);

	printf("devtest: intrude %s: owned here %u, driver 0x%x, map %s, "
	       "cfg-read %s, cfg-write %s, irq %s, irq-free %s\n",
	       name, d.owned_here, d.driver, res(map), res(rd), res(wr),
	       res(irqr), res(fr));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "steal") == 0) {
		return steal(argv[2]);
	}
	if (argc > 2 && strcmp(argv[1], "intrude") == 0) {
		return intrude(argv[2]);
	}
	if (argc > 1 && strcmp(argv[1], "net") == 0) {
		return net();
	}
	if (argc > 1 && strncmp(argv[1], "blk", 3) == 0) {
		return blk(argc, argv);
	}
	printf("usage: devtest net | blk | blk-put TEXT | blk-get | steal "
	       "NAME | intrude NAME\n");
	return 2;
}
