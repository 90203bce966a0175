// SPDX-License-Identifier: MIT
/*
 * traced: the trace sink, virtio-console's driver program (docs/tracing.md,
 * docs/devices.md). Its monitor starts it on the core that owns the device
 * (core 0 unless the manifest says otherwise). It opens the device without
 * VIRTIO_CONSOLE_F_MULTIPORT, so the device has one port, port 0, whose
 * output is queue 1 (transmitq; QEMU writes it to the chardev, a host
 * file), and serves "trace" (channels/if/trace.if) to the shell's
 * `trace dump` and any other client holding the admin right (the
 * binding's word, svc_client_rights); others get E_PERM and a log line.
 *
 * Output goes through a ring of SLOTS buffers of SLOT_BYTES each, SLOTS /
 * (4096 / SLOT_BYTES) DMA pages: a write copies its bytes into a free
 * buffer and hands it to the device at once (one descriptor; the reply
 * says queued, not yet on the host). A write that finds no free buffer
 * takes back the ones the device has used, waiting for them at most
 * WAIT_NS; sync waits, with the same deadline, until the device has used
 * every buffer. A device that keeps its buffers past the deadline gives
 * E_TIMEOUT (and further calls give it at once until the device returns
 * one); one that returns a bad used entry stops traced's use of it for
 * good (E_IO). Nothing is freed by hand: the pages are the process's, and
 * when traced ends (the device moves, a kill) the kernel takes them back
 * after it switched bus mastering off.
 */
#include <stdio.h>
#include <string.h>
#include <drivers/virtio.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <libos/sys.h>
#include <trace_if.h>

#define TX_QUEUE 1	      /* port 0's transmitq */
#define SLOT_BYTES 1024u      /* one write_req's data fits */
#define SLOTS 64u	      /* at most; fewer if the queue is smaller */
#define WAIT_NS 1000000000ull /* 1 s for the device to use a buffer */
#define POLL_NS 1000000ull    /* 1 ms between looks without an interrupt */

_Static_assert(sizeof(((struct trace_write_req *)0)->data) <= SLOT_BYTES,
	       "a write fits one buffer");
_Static_assert(4096 % SLOT_BYTES == 0 && SLOTS % (4096 / SLOT_BYTES) == 0,
	       "buffers tile whole pages");

struct slot {
	uint8_t *va;
	uint64_t pa;
};

static struct {
	struct virtio_dev dev;
	struct virtq tx;
	struct slot slot[SLOTS];
	struct slot *free[SLOTS]; /* stack of free buffers */
	unsigned nslots, nfree;
	uint64_t bytes;	  /* queued since traced started */
	bool stuck;	  /* the last wait timed out */
	bool broken;	  /* a bad used entry: device unusable */
	uint32_t refused; /* last pid refused (log once per pid) */
} t;

/* reclaim: take back every buffer the device has used; E_IO if it
 * returned a bad entry */
static int reclaim(void)
{
	void *tok;
	uint32_t len;
	int r;

	while ((r = virtq_get(&t.tx, &tok, &len)) == 0) {
		t.free[t.nfree++] = tok;
		t.stuck = false;
	}
	if (r != E_AGAIN) {
		t.broken = true;
		printf("traced: %s returned a bad used entry; stopped\n",
		       t.dev.name);
		return E_IO;
	}
	return 0;
}

/* wait_until: take back used buffers until want are free (SLOTS: all),
 * waiting at most WAIT_NS; E_TIMEOUT (E_IO) on a stuck (broken) device */
static int wait_until(unsigned want)
{
	uint64_t end = sys_time_ns() + WAIT_NS;
	int r;

	if (t.broken) {
		return E_IO;
	}
	for (;;) {
		r = reclaim();
		if (r < 0) {
			return r;
		}
		if (t.nfree >= want) {
			return 0;
		}
		if (t.stuck || sys_time_ns() >= end) {
			break;
		}
		sys_wait(POLL_NS);
		if (t.dev.irq >= 0) {
			sys_irq_ack();
		}
	}
	if (!t.stuck) {
		printf("traced: %s holds %u of %u buffers for more than %lu "
		       "ms: stuck?\n",
		       t.dev.name, t.nslots - t.nfree, t.nslots,
		       (unsigned long)(WAIT_NS / 1000000));
	}
	t.stuck = true;
	return E_TIMEOUT;
}

/* admin: whether the asking client may use the device; logs a refusal
 * (once per pid in a row, so a client cannot flood the console) */
static bool admin(void *ctx, const char *what)
{
	uint32_t pid = svc_client_pid(ctx);

	if (svc_client_rights(ctx) & SYS_RIGHT_ADMIN) {
		return true;
	}
	if (pid != t.refused) {
		printf("traced: refused %s from 0x%x: needs the admin right\n",
		       what, pid);
		t.refused = pid;
	}
	return false;
}

static int queue_write(const uint8_t *data, size_t n)
{
	struct virtq_buf b;
	struct slot *s;
	int r;

	if (n == 0) {
		return 0;
	}
	r = wait_until(1);
	if (r < 0) {
		return r;
	}
	s = t.free[--t.nfree];
	memcpy(s->va, data, n);
	b = (struct virtq_buf){s->pa, (uint32_t)n, false};
	if (virtq_add(&t.tx, &b, 1, s) < 0) {
		t.free[t.nfree++] = s; /* cannot happen: a descriptor a slot */
		return E_FULL;
	}
	virtq_kick(&t.dev, &t.tx);
	t.bytes += n;
	return 0;
}

static int on_write(void *ctx, const struct trace_write_req *m)
{
	struct trace_write_reply rep = {0};

	rep.err =
	    admin(ctx, "write") ? queue_write(m->data, m->data_len) : E_PERM;
	return trace_reply_write(svc_send, ctx, m, &rep);
}

static int on_sync(void *ctx, const struct trace_sync_req *m)
{
	struct trace_sync_reply rep = {0};

	if (admin(ctx, "sync")) {
		rep.err = wait_until(t.nslots);
		rep.bytes = t.bytes;
	} else {
		rep.err = E_PERM;
	}
	return trace_reply_sync(svc_send, ctx, m, &rep);
}

static const struct trace_handlers handlers = {
    .write_req = on_write,
    .sync_req = on_sync,
};

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n)
{
	return trace_dispatch(&handlers, c, type, buf, n);
}

static void reject(struct svc_client *c, uint8_t type, const void *buf, int n,
		   int err)
{
	struct trace_error e = {type, 0, err};

	if (n >= 0) {
		trace_call_id_of(type, buf, (size_t)n, &e.call_id);
	}
	trace_send_error(svc_send, c, &e);
}

/* sleep_when_idle: every doorbell of core 0 wakes every process there;
 * a bulk sink that then polled 200 us each time would cost the core that
 * runs the shell and the console for nothing while no one traces */
static struct service svc = {.name = "trace",
			     .dispatch = dispatch,
			     .reject = reject,
			     .sleep_when_idle = true};

/* find_mine: the virtio-console this process is the driver of (its
 * monitor named it: with two consoles on one core, each traced drives its
 * own), else the first one this core owns (virtio_find: E_NOENT, E_PERM) */
static int find_mine(uint32_t *index)
{
	struct sys_info in;
	struct sys_dev d;

	if (sys_info(&in) == 0) {
		for (uint32_t i = 0; sys_dev_info(i, &d) == 0; i++) {
			if (strncmp(d.d.name, "virtio-console", 14) == 0 &&
			    d.owned_here && d.driver == in.pid) {
				*index = i;
				return 0;
			}
		}
	}
	return virtio_find("virtio-console", index);
}

/* open_device: the console this core owns, its transmitq and buffers;
 * on failure everything is undone (virtio.h's order) */
static int open_device(void)
{
	const unsigned per_page = 4096 / SLOT_BYTES;
	uint32_t idx;
	unsigned p = 0;
	void *va;
	uint64_t pa;
	void *pages[SLOTS];
	int r = find_mine(&idx);

	if (r < 0) {
		return r;
	}
	r = virtio_open(&t.dev, idx, 0); /* no MULTIPORT: port 0 alone */
	if (r < 0) {
		return r;
	}
	r = virtio_queue(&t.dev, &t.tx, TX_QUEUE, SLOTS);
	if (r < 0) {
		goto fail_open;
	}
	t.nslots = t.tx.size < SLOTS ? t.tx.size : SLOTS;
	for (unsigned i = 0; i < t.nslots; i++) {
		if (i % per_page == 0) {
			r = dma_page(&va, &pa);
			if (r < 0) {
				goto fail_pages;
			}
			pages[p++] = va;
		}
		t.slot[i].va = (uint8_t *)va + (i % per_page) * SLOT_BYTES;
		t.slot[i].pa = pa + (i % per_page) * SLOT_BYTES;
		t.free[t.nfree++] = &t.slot[i];
	}
	virtio_ready(&t.dev);
	return 0;

	/* the device is not at DRIVER_OK: it touches neither queue nor
	 * pages (2.1) */
fail_pages:
	while (p-- > 0) {
		dma_page_free(pages[p]);
	}
	virtq_free(&t.tx);
fail_open:
	virtio_close(&t.dev);
	memset(&t, 0, sizeof(t));
	return r;
}

int main(int argc, char **argv)
{
	int r;

	(void)argv;
	if (argc != 1) {
		printf("usage: traced   (its monitor starts it for "
		       "virtio-console)\n");
		return 2;
	}
	r = open_device();
	if (r < 0) {
		printf("traced: no trace device: %s\n", err_msg(r));
		return 1;
	}
	r = mon_export("trace");
	if (r < 0) {
		/* e.g. a second console: one traced serves "trace" */
		printf("traced: %s: cannot export 'trace': %s\n", t.dev.name,
		       err_msg(r));
		return 1;
	}
	printf("traced: serving \"trace\" (%s, %u buffers of %u bytes)\n",
	       t.dev.name, t.nslots, SLOT_BYTES);
	return svc_run(&svc);
}
