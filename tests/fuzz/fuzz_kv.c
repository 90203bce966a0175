/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the block store (apps/store/kv.c) mounting an
 * arbitrary disk image.
 *
 * The input is the image: its whole sectors (a partial last sector is
 * padded with zeros) on a memory blkdev. The target opens it and checks
 * the promises of kv.h whatever it holds: every listed key is in order,
 * reads back or is reported damaged, lengths stay in bounds, every report
 * and the summary are terminated strings. If the store is usable it then
 * writes (a put, a delete), reopens, and checks the put is there; if not,
 * it formats and checks the result is an empty, usable store.
 *
 * Seeds (corpus/kv/), made by kv.c itself on a memory disk: `empty` (8
 * sectors, just formatted), `records` (16 sectors: puts of 3, 700 and 768
 * bytes, an overwrite, an empty value, a delete), `damaged` (records with
 * one header bit flipped) and `foreign` ("EFI PART" in sector 0).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "kv.h"

#define SECT 512u
#define MAX_SECTORS 256u

struct memdev {
	struct blkdev d;
	uint8_t *img;
};

static int mem_read(struct blkdev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct memdev *m = d->priv;

	if (n < 1 || n > BLKDEV_MAX_XFER) {
		abort();
	}
	if (lba > d->sectors || n > d->sectors - lba) {
		return E_RANGE;
	}
	memcpy(buf, m->img + lba * SECT, (size_t)n * SECT);
	return 0;
}

static int mem_write(struct blkdev *d, uint64_t lba, const void *buf,
		     uint32_t n)
{
	struct memdev *m = d->priv;

	if (n < 1 || n > BLKDEV_MAX_XFER || lba > d->sectors ||
	    n > d->sectors - lba) {
		abort(); /* the store never writes outside its disk */
	}
	memcpy(m->img + lba * SECT, buf, (size_t)n * SECT);
	return 0;
}

static int mem_flush(struct blkdev *d)
{
	(void)d;
	return 0;
}

static void check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap) {
		abort();
	}
}

/* walk: lists and reads every key; returns how many */
static uint64_t walk(struct kv *kv)
{
	uint8_t key[KV_KEY_MAX], prev[KV_KEY_MAX], val[KV_VAL_MAX];
	size_t klen = 0, plen = 0, vlen, n;
	uint64_t count = 0;
	bool damaged;
	int r;

	for (r = kv_next(kv, NULL, 0, key, &klen, &vlen, &damaged); r == 0;
	     r = kv_next(kv, prev, plen, key, &klen, &vlen, &damaged)) {
		size_t m = klen < plen ? klen : plen;

		if (klen < 1 || klen > KV_KEY_MAX || vlen > KV_VAL_MAX) {
			abort();
		}
		if (count && (memcmp(prev, key, m) > 0 ||
			      (memcmp(prev, key, m) == 0 && plen >= klen))) {
			abort(); /* keys come in order */
		}
		r = kv_get(kv, key, klen, val, sizeof(val), &n);
		if (r == 0 && n != vlen) {
			abort();
		}
		if (r != 0 && r != E_CHECKSUM) {
			abort();
		}
		if (damaged && r == 0) {
			abort();
		}
		memcpy(prev, key, klen);
		plen = klen;
		count++;
	}
	if (r != E_NOENT) {
		abort();
	}
	return count;
}

static void check_reports(struct kv *kv)
{
	struct kv_stat st;
	struct kv_damage d;
	char line[256];

	kv_stat(kv, &st);
	if (st.ndamage > KV_DAMAGE_MAX || st.tail > st.log_end) {
		abort();
	}
	for (uint32_t i = 0; i < st.ndamage; i++) {
		if (kv_damage(kv, i, &d) != 0 || d.key_len > KV_KEY_MAX) {
			abort();
		}
		kv_damage_str(&d, line, sizeof(line));
		check_str(line, sizeof(line));
	}
	kv_summary(kv, line, sizeof(line));
	check_str(line, sizeof(line));
}

static void write_and_reopen(struct memdev *m, struct kv *kv)
{
	uint8_t val[8];
	size_t n;
	struct kv *again = NULL;
	int r = kv_put(kv, "fuzz", 4, "value", 5);

	if (r != 0 && r != E_FULL) {
		abort();
	}
	kv_delete(kv, "other", 5);
	if (kv_open(&m->d, &again) != 0) {
		abort();
	}
	if (r == 0 && (kv_state(again) != KV_READY ||
		       kv_get(again, "fuzz", 4, val, sizeof(val), &n) != 0 ||
		       n != 5 || memcmp(val, "value", 5) != 0)) {
		abort(); /* a committed put survives a restart */
	}
	walk(again);
	kv_close(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sectors = (size + SECT - 1) / SECT;
	struct memdev m;
	struct kv *kv = NULL;

	if (sectors > MAX_SECTORS) {
		return 0;
	}
	m.img = calloc(sectors ? sectors : 1, SECT);
	if (!m.img) {
		return 0;
	}
	memcpy(m.img, data, size);
	m.d = (struct blkdev){sectors, mem_read, mem_write, mem_flush, &m};
	if (kv_open(&m.d, &kv) != 0) {
		abort(); /* only a device error or no memory may fail it */
	}
	check_reports(kv);
	if (kv_state(kv) == KV_READY) {
		walk(kv);
		write_and_reopen(&m, kv);
	} else if (kv_put(kv, "k", 1, "v", 1) != E_PERM) {
		abort(); /* refused until formatted */
	} else if (kv_format(kv, size) == 0) {
		if (walk(kv) != 0 || kv_put(kv, "k", 1, "v", 1) != 0) {
			abort();
		}
	} else if (sectors >= KV_MIN_SECTORS) {
		abort();
	}
	kv_close(kv);
	free(m.img);
	return 0;
}
