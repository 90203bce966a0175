// SPDX-License-Identifier: MIT
/*
 * The block store's log (apps/store/kv.c) over a memory-backed blkdev
 * that can fail reads, writes and flushes on demand: format, put, get,
 * delete, list; reopening (a restart) keeps everything; every single byte
 * flipped in the image is reported while every other record stays
 * readable; foreign, blank, corrupt and too-new formats are refused until
 * formatted; torn last writes; a full disk; limits; device errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "abi/errors.h"
#include "crc32c.h"
#include "kv.h"

#define SECT 512u

struct memdev {
	struct blkdev d;
	uint8_t *img;
	int fail_read, fail_write, fail_flush; /* error to return, or 0 */
	unsigned writes, flushes;
};

static int mem_read(struct blkdev *d, uint64_t lba, void *buf, uint32_t n)
{
	struct memdev *m = d->priv;

	assert_true(n >= 1 && n <= BLKDEV_MAX_XFER);
	if (m->fail_read) {
		return m->fail_read;
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

	assert_true(n >= 1 && n <= BLKDEV_MAX_XFER);
	if (m->fail_write) {
		return m->fail_write;
	}
	if (lba > d->sectors || n > d->sectors - lba) {
		return E_RANGE;
	}
	memcpy(m->img + lba * SECT, buf, (size_t)n * SECT);
	m->writes++;
	return 0;
}

static int mem_flush(struct blkdev *d)
{
	struct memdev *m = d->priv;

	m->flushes++;
	return m->fail_flush;
}

static struct memdev *mem_new(uint64_t sectors)
{
	struct memdev *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->img = calloc(sectors ? sectors : 1, SECT);
	assert_non_null(m->img);
	m->d = (struct blkdev){sectors, mem_read, mem_write, mem_flush, m};
	return m;
}

static void mem_free(struct memdev *m)
{
	free(m->img);
	free(m);
}

static struct kv *open_ok(struct memdev *m)
{
	struct kv *kv = NULL;

	assert_int_equal(kv_open(&m->d, &kv), 0);
	assert_non_null(kv);
	return kv;
}

static struct kv *fresh(struct memdev *m)
{
	struct kv *kv = open_ok(m);

	assert_int_equal(kv_format(kv, 42), 0);
	assert_int_equal(kv_state(kv), KV_READY);
	return kv;
}

static int put_s(struct kv *kv, const char *k, const char *v)
{
	return kv_put(kv, k, strlen(k), v, strlen(v));
}

/* expect_val: key k holds exactly v */
static void expect_val(struct kv *kv, const char *k, const void *v, size_t vlen)
{
	uint8_t buf[KV_VAL_MAX];
	size_t n = 9999;

	assert_int_equal(kv_get(kv, k, strlen(k), buf, sizeof(buf), &n), 0);
	assert_int_equal(n, vlen);
	assert_memory_equal(buf, v, vlen);
}

static void expect_s(struct kv *kv, const char *k, const char *v)
{
	expect_val(kv, k, v, strlen(v));
}

static int get_err(struct kv *kv, const char *k)
{
	uint8_t buf[KV_VAL_MAX];
	size_t n;

	return kv_get(kv, k, strlen(k), buf, sizeof(buf), &n);
}

static void fill(uint8_t *v, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		v[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
	}
}

static void test_crc32c(void **state)
{
	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	assert_int_equal(crc32c(0, "", 0), 0);
}

static void test_format_put_get_list(void **state)
{
	struct memdev *m = mem_new(256);
	struct kv *kv = open_ok(m);
	uint8_t key[KV_KEY_MAX];
	size_t klen, vlen;
	bool dmg;
	const char *want[] = {"a", "ab", "b", "zz"};
	int i = 0;

	(void)state;
	assert_int_equal(kv_state(kv), KV_BLANK);
	assert_int_equal(put_s(kv, "a", "1"), E_PERM);
	assert_int_equal(get_err(kv, "a"), E_PERM);
	assert_int_equal(kv_format(kv, 1), 0);
	assert_int_equal(kv_state(kv), KV_READY);
	assert_int_equal(put_s(kv, "b", "two"), 0);
	assert_int_equal(put_s(kv, "a", "one"), 0);
	assert_int_equal(put_s(kv, "zz", ""), 0);
	assert_int_equal(put_s(kv, "ab", "x"), 0);
	assert_int_equal(put_s(kv, "ab", "three"), 0);
	assert_int_equal(put_s(kv, "gone", "soon"), 0);
	assert_int_equal(kv_delete(kv, "gone", 4), 0);
	assert_int_equal(kv_delete(kv, "gone", 4), E_NOENT);
	assert_int_equal(get_err(kv, "gone"), E_NOENT);
	expect_s(kv, "a", "one");
	expect_s(kv, "ab", "three");
	expect_s(kv, "b", "two");
	expect_s(kv, "zz", "");
	/* every commit flushed: the format wrote 3 times (the log's first
	 * sector, the copies at 0-1 and at the end) and flushed once */
	assert_int_equal(m->flushes, 1 + 7);
	assert_int_equal(m->writes, 3 + 7);
	for (int r = kv_next(kv, NULL, 0, key, &klen, &vlen, &dmg); r == 0;
	     r = kv_next(kv, key, klen, key, &klen, &vlen, &dmg)) {
		assert_true(i < 4);
		assert_int_equal(klen, strlen(want[i]));
		assert_memory_equal(key, want[i], klen);
		assert_false(dmg);
		i++;
	}
	assert_int_equal(i, 4);
	/* after a key that is not there */
	assert_int_equal(kv_next(kv, "aa", 2, key, &klen, &vlen, &dmg), 0);
	assert_memory_equal(key, "ab", 2);
	assert_int_equal(vlen, 5);
	kv_close(kv);
	mem_free(m);
}

static void test_reopen_keeps_everything(void **state)
{
	struct memdev *m = mem_new(512);
	struct kv *kv = fresh(m);
	uint8_t v[KV_VAL_MAX];
	struct kv_stat st;
	char k[16];

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		snprintf(k, sizeof(k), "key%u", i);
		fill(v, (i * 37) % (KV_VAL_MAX + 1), i);
		assert_int_equal(
		    kv_put(kv, k, strlen(k), v, (i * 37) % (KV_VAL_MAX + 1)),
		    0);
	}
	assert_int_equal(kv_delete(kv, "key3", 4), 0);
	assert_int_equal(put_s(kv, "key5", "again"), 0);
	kv_close(kv);

	for (int round = 0; round < 2; round++) {
		kv = open_ok(m);
		kv_stat(kv, &st);
		assert_int_equal(st.state, KV_READY);
		assert_int_equal(st.records, 42 + round);
		assert_int_equal(st.keys, 39 + round);
		assert_int_equal(st.damaged, 0);
		assert_false(st.torn);
		for (unsigned i = 0; i < 40; i++) {
			snprintf(k, sizeof(k), "key%u", i);
			if (i == 3) {
				assert_int_equal(get_err(kv, k), E_NOENT);
			} else if (i == 5) {
				expect_s(kv, k, "again");
			} else {
				fill(v, (i * 37) % (KV_VAL_MAX + 1), i);
				expect_val(kv, k, v,
					   (i * 37) % (KV_VAL_MAX + 1));
			}
		}
		if (round == 0) {
			assert_int_equal(put_s(kv, "later", "added"), 0);
		} else {
			expect_s(kv, "later", "added");
		}
		kv_close(kv);
	}
	mem_free(m);
}

/* a store of six records, the third with a two-sector value: sectors
 * 2,3,4-5,6,7,8; tail 9 */
static const char *six_keys[] = {"k1", "k2", "k3", "k4", "k5", "k6"};

static size_t six_len(int i)
{
	return i == 2 ? 700 : 10 + (size_t)i * 50;
}

static void make_six(struct memdev *m)
{
	struct kv *kv = fresh(m);
	uint8_t v[KV_VAL_MAX];

	for (int i = 0; i < 6; i++) {
		fill(v, six_len(i), (unsigned)i);
		assert_int_equal(kv_put(kv, six_keys[i], 2, v, six_len(i)), 0);
	}
	kv_close(kv);
}

/* check_six2: every key but lost1 and lost2 (-1: none) reads back */
static void check_six2(struct kv *kv, int lost1, int lost2)
{
	uint8_t v[KV_VAL_MAX];

	for (int i = 0; i < 6; i++) {
		if (i == lost1 || i == lost2) {
			continue;
		}
		fill(v, six_len(i), (unsigned)i);
		expect_val(kv, six_keys[i], v, six_len(i));
	}
}

static void check_six(struct kv *kv, int lost)
{
	check_six2(kv, lost, -1);
}

static void test_corrupt_value_reported(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv_damage d;
	struct kv_stat st;
	struct kv *kv;
	char line[200], sum[300];

	(void)state;
	make_six(m);
	m->img[5 * SECT + 100] ^= 0x01; /* record 3's second sector */
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.damaged, 1);
	assert_false(st.torn);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	assert_int_equal(d.kind, KV_DMG_CHECKSUM);
	assert_int_equal(d.first_rec, 3);
	assert_int_equal(d.sector, 4);
	kv_damage_str(&d, line, sizeof(line));
	assert_string_equal(
	    line, "record 3 at sector 4: checksum mismatch (key 'k3')");
	kv_summary(kv, sum, sizeof(sum));
	assert_non_null(strstr(sum, "1 corrupt record (record 3 at sector 4"));
	assert_int_equal(get_err(kv, "k3"), E_CHECKSUM);
	check_six(kv, 2);
	/* writing the key again heals it; the damage stays on disk */
	assert_int_equal(put_s(kv, "k3", "new"), 0);
	expect_s(kv, "k3", "new");
	kv_close(kv);
	kv = open_ok(m);
	expect_s(kv, "k3", "new");
	check_six(kv, 2);
	kv_stat(kv, &st);
	assert_int_equal(st.damaged, 1);
	kv_close(kv);
	mem_free(m);
}

static void test_corrupt_header_resync(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv_damage d;
	struct kv_stat st;
	struct kv *kv;
	char line[200];

	(void)state;
	make_six(m);
	m->img[4 * SECT + 20] ^= 0x80; /* record 3's header */
	m->img[7 * SECT + 50] ^= 0x04; /* record 5's key */
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.damaged, 2);
	assert_int_equal(st.records, 4);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	kv_damage_str(&d, line, sizeof(line));
	assert_string_equal(line, "record 3 at sector 4: damaged header, "
				  "record lost");
	assert_int_equal(d.nsectors, 2);
	assert_int_equal(kv_damage(kv, 1, &d), 0);
	assert_int_equal(d.first_rec, 5);
	assert_int_equal(d.sector, 7);
	assert_int_equal(get_err(kv, "k3"), E_NOENT);
	assert_int_equal(get_err(kv, "k5"), E_NOENT);
	check_six2(kv, 2, 4);
	/* the log goes on after the last good record */
	assert_int_equal(put_s(kv, "k7", "seven"), 0);
	kv_close(kv);
	kv = open_ok(m);
	expect_s(kv, "k7", "seven");
	kv_stat(kv, &st);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.damaged, 2);
	kv_close(kv);
	mem_free(m);
}

/* Any one byte of the superblocks or the log flipped: the store opens,
 * says something is damaged, and every other record reads back. */
static void test_every_byte_flip(void **state)
{
	struct memdev *m = mem_new(32);
	struct kv_stat st;
	struct kv *kv;

	(void)state;
	make_six(m);
	for (size_t off = 0; off < 10 * SECT; off++) {
		size_t sect = off / SECT;
		int lost = sect == 2   ? 0
			   : sect == 3 ? 1
			   : sect <= 5 ? 2
			   : sect <= 8 ? (int)sect - 3
				       : -1;

		m->img[off] ^= 0x20;
		kv = open_ok(m);
		kv_stat(kv, &st);
		assert_int_equal(st.state, KV_READY);
		if (st.damaged + st.torn + st.ndamage == 0) {
			print_message("byte %zu\n", off);
		}
		assert_true(st.damaged + st.torn + st.ndamage > 0);
		if (sect < 2) {
			lost = -1;
		}
		if (lost == 5) {
			/* the last record: a torn write to the scan */
			assert_true(st.torn);
		} else if (lost >= 0) {
			assert_int_equal(st.damaged, 1);
		}
		check_six(kv, lost);
		kv_close(kv);
		m->img[off] ^= 0x20;
	}
	mem_free(m);
}

static void write_sector_text(struct memdev *m, uint64_t lba, const char *s)
{
	memset(m->img + lba * SECT, 0, SECT);
	memcpy(m->img + lba * SECT, s, strlen(s));
}

static void expect_refused(struct memdev *m, enum kv_state want)
{
	struct kv *kv = open_ok(m);
	char sum[200];

	assert_int_equal(kv_state(kv), want);
	assert_int_equal(put_s(kv, "a", "b"), E_PERM);
	assert_int_equal(kv_delete(kv, "a", 1), E_PERM);
	assert_int_equal(get_err(kv, "a"), E_PERM);
	kv_summary(kv, sum, sizeof(sum));
	assert_non_null(strstr(sum, kv_state_msg(want)));
	kv_close(kv);
}

static void test_foreign_refused_until_format(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv;
	uint8_t saved[4 * SECT];

	(void)state;
	expect_refused(m, KV_BLANK);
	write_sector_text(m, 0, "\xebX\x90mkfs.fat");
	write_sector_text(m, 1, "EFI PART");
	expect_refused(m, KV_FOREIGN);
	kv = open_ok(m);
	assert_int_equal(kv_format(kv, 7), 0);
	assert_int_equal(put_s(kv, "a", "b"), 0);
	kv_close(kv);
	memcpy(saved, m->img, sizeof(saved));

	memcpy(saved + 3 * SECT, m->img + 63 * SECT, SECT);

	/* every copy with a bad checksum, and no record left */
	m->img[100] ^= 1;
	m->img[SECT + 200] ^= 1;
	m->img[63 * SECT + 300] ^= 1;
	memset(m->img + 2 * SECT, 0, SECT); /* record 1 */
	expect_refused(m, KV_CORRUPT);
	memcpy(m->img, saved, 3 * SECT);
	memcpy(m->img + 63 * SECT, saved + 3 * SECT, SECT);
	m->img[100] ^= 1; /* only two of three: the end's copy is used */
	m->img[SECT + 200] ^= 1;
	kv = open_ok(m);
	assert_int_equal(kv_state(kv), KV_READY);
	kv_close(kv);
	/* ... and the damaged copies were written again */
	assert_memory_equal(m->img, saved, 2 * SECT);
	/* a newer version, checksum and all */
	for (int c = 0; c < 3; c++) {
		uint8_t *s = m->img + (c < 2 ? c : 63) * SECT;
		uint32_t crc;

		s[8] = 3;
		crc = crc32c(0, s, SECT - 4);
		memcpy(s + SECT - 4, &crc, 4);
	}
	expect_refused(m, KV_VERSION_NEW);
	memcpy(m->img, saved, 3 * SECT);
	memcpy(m->img + 63 * SECT, saved + 3 * SECT, SECT);

	/* the disk shrank under the store */
	m->d.sectors = 32;
	expect_refused(m, KV_GEOMETRY);
	m->d.sectors = 64;

	kv = open_ok(m);
	expect_s(kv, "a", "b");
	kv_close(kv);
	mem_free(m);
}

static void test_too_small_disk(void **state)
{
	struct memdev *m = mem_new(KV_MIN_SECTORS - 1);
	struct kv *kv = open_ok(m);

	(void)state;
	assert_int_equal(kv_state(kv), KV_GEOMETRY);
	assert_int_equal(kv_format(kv, 1), E_RANGE);
	assert_int_equal(put_s(kv, "a", "b"), E_PERM);
	kv_close(kv);
	mem_free(m);
}

static void test_reformat_forgets(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv = fresh(m);
	struct kv_stat st;

	(void)state;
	assert_int_equal(put_s(kv, "a", "1"), 0);
	assert_int_equal(put_s(kv, "b", "2"), 0);
	assert_int_equal(kv_format(kv, 42),
			 0); /* same nonce: new id all the same */
	assert_int_equal(get_err(kv, "a"), E_NOENT);
	kv_close(kv);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.ndamage, 0);
	assert_int_equal(get_err(kv, "b"), E_NOENT);
	kv_close(kv);
	mem_free(m);
}

static void test_torn_last_write(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv = fresh(m);
	uint8_t *before = malloc(64 * SECT), v[700];
	struct kv_stat st;
	struct kv_damage d;
	char line[200];

	(void)state;
	fill(v, sizeof(v), 9);
	assert_int_equal(put_s(kv, "a", "1"), 0);
	assert_int_equal(put_s(kv, "c", "old"), 0);
	memcpy(before, m->img, 64 * SECT);
	assert_int_equal(kv_put(kv, "c", 1, v, sizeof(v)), 0); /* sectors 4-5 */
	kv_close(kv);

	/* the crash hit after the header sector, before the value's */
	memcpy(m->img + 5 * SECT, before + 5 * SECT, SECT);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_true(st.torn);
	assert_int_equal(st.damaged, 0);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	kv_damage_str(&d, line, sizeof(line));
	assert_string_equal(line, "record 3 at sector 4: incomplete last "
				  "write, ignored");
	expect_s(kv, "c", "old"); /* the put never returned */
	expect_s(kv, "a", "1");
	/* the next commit takes its place */
	assert_int_equal(put_s(kv, "d", "4"), 0);
	kv_close(kv);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_false(st.torn);
	assert_int_equal(st.ndamage, 0);
	assert_int_equal(st.records, 3);
	expect_s(kv, "d", "4");
	expect_s(kv, "c", "old");
	kv_close(kv);

	/* the header sector half written (garbage), nothing after */
	memset(m->img + 5 * SECT, 0x5a, 200);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_true(st.torn);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	assert_int_equal(d.kind, KV_DMG_TORN);
	assert_int_equal(d.sector, 5);
	assert_int_equal(d.first_rec, 4);
	expect_s(kv, "d", "4");
	kv_close(kv);

	/* the header sector never written: nothing to see */
	memset(m->img + 5 * SECT, 0, SECT);
	memset(m->img + 6 * SECT, 0, SECT);
	memcpy(m->img + 6 * SECT, "KVRc", 4);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_false(st.torn);
	assert_int_equal(st.ndamage, 0);
	kv_close(kv);
	free(before);
	mem_free(m);
}

static void test_full_disk(void **state)
{
	struct memdev *m = mem_new(KV_MIN_SECTORS + 4); /* 9 log sectors */
	struct kv *kv = fresh(m);
	struct kv_stat st;
	uint8_t v[700];
	char k[8], sum[200];
	int n = 0;

	(void)state;
	fill(v, sizeof(v), 1);
	assert_int_equal(kv_put(kv, "big", 3, v, sizeof(v)), 0); /* 2 */
	for (;;) {
		int r;

		snprintf(k, sizeof(k), "k%d", n);
		r = put_s(kv, k, "v");
		if (r == E_FULL) {
			break;
		}
		assert_int_equal(r, 0);
		n++;
	}
	assert_int_equal(n, 7);
	assert_int_equal(kv_put(kv, "big", 3, v, sizeof(v)), E_FULL);
	assert_int_equal(kv_delete(kv, "k1", 2), E_FULL);
	assert_string_equal(kv_err_msg(E_FULL), "store is full");
	kv_stat(kv, &st);
	assert_int_equal(st.tail, st.log_end);
	kv_summary(kv, sum, sizeof(sum));
	assert_non_null(strstr(sum, "(100% used)"));
	kv_close(kv);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.records, 8);
	assert_false(st.torn);
	assert_int_equal(st.ndamage, 0);
	expect_val(kv, "big", v, sizeof(v));
	expect_s(kv, "k6", "v");
	assert_int_equal(put_s(kv, "x", "y"), E_FULL);
	assert_int_equal(kv_format(kv, 3), 0);
	assert_int_equal(put_s(kv, "x", "y"), 0);
	kv_close(kv);
	mem_free(m);
}

static void test_limits(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv = fresh(m);
	char key[KV_KEY_MAX + 2];
	uint8_t v[KV_VAL_MAX + 1], small[4];
	size_t n = 0;

	(void)state;
	memset(key, 'k', sizeof(key));
	fill(v, sizeof(v), 3);
	assert_int_equal(kv_put(kv, key, KV_KEY_MAX + 1, "v", 1), E_TOOBIG);
	assert_int_equal(kv_put(kv, key, 0, "v", 1), E_INVAL);
	assert_int_equal(kv_put(kv, "k", 1, v, KV_VAL_MAX + 1), E_TOOBIG);
	assert_int_equal(kv_put(kv, key, KV_KEY_MAX, v, KV_VAL_MAX), 0);
	assert_int_equal(kv_get(kv, key, KV_KEY_MAX + 1, small, 4, &n),
			 E_TOOBIG);
	assert_int_equal(kv_get(kv, key, KV_KEY_MAX, small, 4, &n), E_TOOBIG);
	assert_int_equal(n, KV_VAL_MAX);
	assert_int_equal(kv_delete(kv, key, KV_KEY_MAX + 1), E_TOOBIG);
	assert_int_equal(m->writes, 4); /* format (3) and the one good put */
	kv_close(kv);
	kv = open_ok(m);
	key[KV_KEY_MAX] = 0;
	expect_val(kv, key, v, KV_VAL_MAX);
	kv_close(kv);
	mem_free(m);
}

static void test_device_errors(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv = fresh(m), *kv2 = NULL;
	char sum[200];

	(void)state;
	assert_int_equal(put_s(kv, "a", "1"), 0);
	m->fail_write = E_IO;
	assert_int_equal(put_s(kv, "b", "2"), E_IO);
	assert_int_equal(kv_state(kv), KV_FAILED);
	m->fail_write = 0;
	assert_int_equal(put_s(kv, "b", "2"), E_PERM); /* stopped */
	expect_s(kv, "a", "1");				 /* reads go on */
	assert_int_equal(get_err(kv, "b"), E_NOENT);
	kv_summary(kv, sum, sizeof(sum));
	assert_non_null(strstr(sum, "device error"));
	kv_close(kv);

	kv = open_ok(m);
	m->fail_flush = E_IO;
	assert_int_equal(put_s(kv, "b", "2"), E_IO);
	m->fail_flush = 0;
	assert_int_equal(kv_delete(kv, "a", 1), E_PERM);
	m->fail_read = E_IO;
	assert_int_equal(get_err(kv, "a"), E_IO);
	assert_int_equal(kv_open(&m->d, &kv2), E_IO);
	assert_null(kv2);
	m->fail_write = E_IO;
	m->fail_read = 0;
	assert_int_equal(kv_format(kv, 5), E_IO);
	kv_close(kv);
	m->fail_write = 0;

	/* the disk that is left is consistent: "a", and "b" if the failed
	 * flush's write reached it */
	kv = open_ok(m);
	assert_int_equal(kv_state(kv), KV_READY);
	expect_s(kv, "a", "1");
	expect_s(kv, "b", "2");
	kv_close(kv);
	mem_free(m);
}

static void test_damage_found_on_get(void **state)
{
	struct memdev *m = mem_new(64);
	struct kv *kv;
	struct kv_stat st;

	(void)state;
	make_six(m);
	kv = open_ok(m);
	m->img[3 * SECT + 300] ^= 1; /* k2's value, after opening */
	assert_int_equal(get_err(kv, "k2"), E_CHECKSUM);
	assert_int_equal(get_err(kv, "k2"), E_CHECKSUM);
	kv_stat(kv, &st);
	assert_int_equal(st.damaged, 1);
	check_six(kv, 1);
	kv_close(kv);
	mem_free(m);
}

static void test_summary(void **state)
{
	struct memdev *m = mem_new(2048 * 16); /* 16 MiB */
	struct kv *kv = fresh(m);
	char sum[200];

	(void)state;
	assert_int_equal(put_s(kv, "a", "1"), 0);
	assert_int_equal(put_s(kv, "a", "2"), 0);
	kv_summary(kv, sum, sizeof(sum));
	assert_string_equal(sum, "1 key, 2 records on 16 MiB disk (0% used)");
	kv_summary(kv, sum, 8);
	assert_string_equal(sum, "1 key, ");
	kv_close(kv);
	mem_free(m);
	m = mem_new(2048 * 16);
	memset(m->img, 0xff, SECT);
	memset(m->img + SECT, 0xff, SECT);
	kv = open_ok(m);
	kv_summary(kv, sum, sizeof(sum));
	assert_string_equal(sum, "disk has no store (foreign format) (16 MiB "
				 "disk)");
	kv_close(kv);
	mem_free(m);
}

/* many: keys k1..kN of one small record each, in sectors 2..N+1 */
static struct memdev *many(uint64_t sectors, int n)
{
	struct memdev *m = mem_new(sectors);
	struct kv *kv = fresh(m);
	char k[8], v[16];

	for (int i = 1; i <= n; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "value %d", i);
		assert_int_equal(put_s(kv, k, v), 0);
	}
	kv_close(kv);
	return m;
}

static void expect_many(struct kv *kv, int from, int to)
{
	char k[8], v[16];

	for (int i = from; i <= to; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "value %d", i);
		expect_s(kv, k, v);
	}
}

/*
 * The disk's first 4 KiB zeroed (sectors 0-7: both superblock copies at
 * the start and records 1-6): the disk is damaged, not blank. The copy
 * at the end is used and the others written again; the lost records are
 * reported and every other one is served, reads and writes. With the
 * end's copy gone too, the store rebuilds its superblocks from the log.
 * Reopened, it is whole but for the lost records. (Before, both cases
 * made it call the disk blank.)
 */
static void start_zeroed(bool end_too)
{
	struct memdev *m = many(64, 30);
	struct kv_damage d;
	struct kv_stat st;
	struct kv *kv;
	char sum[400];

	memset(m->img, 0, 8 * SECT);
	if (end_too) {
		memset(m->img + 63 * SECT, 0, SECT);
	}
	kv = open_ok(m);
	assert_int_equal(kv_state(kv), KV_READY);
	kv_stat(kv, &st);
	assert_int_equal(st.keys, 24);
	assert_int_equal(st.damaged, 6);
	kv_summary(kv, sum, sizeof(sum));
	assert_non_null(strstr(sum, "records 1-6 at sector 2: damaged "
				    "headers, records lost"));
	assert_non_null(strstr(sum, end_too
					? "disk damaged, no superblock left: "
					  "rebuilt from the log (first: record "
					  "7, sector 8)"
					: "superblock copy at sector 0 and 1 "
					  "damaged, another used and both "
					  "written again"));
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	assert_int_equal(d.kind, end_too ? KV_DMG_NOSUPER : KV_DMG_SUPER);
	assert_int_equal(get_err(kv, "k6"), E_NOENT);
	expect_many(kv, 7, 30);
	assert_int_equal(put_s(kv, "k1", "again"), 0);
	kv_close(kv);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.state, KV_READY);
	assert_int_equal(st.version, KV_VERSION);
	assert_int_equal(st.keys, 25);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	assert_int_equal(d.kind, KV_DMG_HEADER); /* the superblocks are back */
	assert_int_equal(kv_damage(kv, 1, &d), E_NOENT);
	expect_many(kv, 7, 30);
	expect_s(kv, "k1", "again");
	kv_close(kv);
	mem_free(m);
}

static void test_start_zeroed(void **state)
{
	(void)state;
	start_zeroed(false);
	start_zeroed(true);
}

/* The disk's last 4 KiB zeroed: the copy at the end is written again
 * from the others; nothing else was there. */
static void test_end_zeroed(void **state)
{
	struct memdev *m = many(64, 30);
	uint8_t first[SECT];
	struct kv_damage d;
	struct kv *kv;

	(void)state;
	memcpy(first, m->img, SECT);
	assert_memory_equal(m->img + 63 * SECT, first, SECT);
	memset(m->img + 56 * SECT, 0, 8 * SECT);
	kv = open_ok(m);
	assert_int_equal(kv_state(kv), KV_READY);
	assert_int_equal(kv_damage(kv, 0, &d), 0);
	assert_int_equal(d.kind, KV_DMG_SUPER);
	assert_int_equal(d.sector, 63);
	expect_many(kv, 1, 30);
	kv_close(kv);
	assert_memory_equal(m->img + 63 * SECT, first, SECT);
	kv = open_ok(m);
	assert_int_equal(kv_damage(kv, 0, &d), E_NOENT);
	kv_close(kv);
	mem_free(m);
}

/* A disk of version 1 (two copies at the start, the log to the end) is
 * read as it is and moves to version 2 while its last sector is free. */
static void test_version1_disk(void **state)
{
	struct memdev *m = many(64, 10);
	struct kv_stat st;
	uint64_t v1end = 64;
	uint32_t one = 1, crc;
	struct kv *kv;

	(void)state;
	for (int c = 0; c < 2; c++) {
		uint8_t *s = m->img + c * SECT;

		memcpy(s + 8, &one, 4);
		memcpy(s + 16, &v1end, 8);
		memcpy(s + 32, &v1end, 8);
		crc = crc32c(0, s, SECT - 4);
		memcpy(s + SECT - 4, &crc, 4);
	}
	memset(m->img + 63 * SECT, 0, SECT);
	kv = open_ok(m);
	kv_stat(kv, &st);
	assert_int_equal(st.state, KV_READY);
	assert_int_equal(st.version, KV_VERSION); /* moved */
	assert_int_equal(st.log_end, 63);
	assert_int_equal(st.ndamage, 0);
	expect_many(kv, 1, 10);
	kv_close(kv);
	assert_memory_equal(m->img + 63 * SECT, m->img, SECT);
	assert_int_equal(m->img[8], KV_VERSION);
	mem_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc32c),
	    cmocka_unit_test(test_format_put_get_list),
	    cmocka_unit_test(test_reopen_keeps_everything),
	    cmocka_unit_test(test_corrupt_value_reported),
	    cmocka_unit_test(test_corrupt_header_resync),
	    cmocka_unit_test(test_every_byte_flip),
	    cmocka_unit_test(test_foreign_refused_until_format),
	    cmocka_unit_test(test_too_small_disk),
	    cmocka_unit_test(test_reformat_forgets),
	    cmocka_unit_test(test_torn_last_write),
	    cmocka_unit_test(test_full_disk),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_device_errors),
	    cmocka_unit_test(test_damage_found_on_get),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_start_zeroed),
	    cmocka_unit_test(test_end_zeroed),
	    cmocka_unit_test(test_version1_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
