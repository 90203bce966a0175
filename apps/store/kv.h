/* SPDX-License-Identifier: MIT */
/*
 * A small log-structured key-value store over a block device (struct
 * blkdev, 512-byte sectors). Pure C: it runs in the `store` program over
 * virtio-blk and in host tests over memory.
 *
 * On disk (docs/store.md has the byte layout): three copies of a
 * superblock (sectors 0, 1 and the disk's last: magic, version, geometry,
 * a format id, CRC32C), and between them an append-only log of records
 * from sector 2. (Version 1 disks have no copy at the end; they are read
 * and written as they are, and move to version 2 on opening while their
 * log leaves the last sector free.) A record is one or two
 * whole sectors: a header sector whose first 112 bytes (fields and key)
 * carry their own checksum, then the value, covered by a second checksum
 * that spans every other byte of the record. Every commit (put, delete)
 * writes its record and a blank sector after it, then flushes, and
 * returns only then. Nothing read from the disk is trusted.
 *
 * With no superblock copy left but records of ours on the disk (the
 * start of the disk zeroed, say), opening takes the format from the first
 * record it finds, writes the superblocks again and reports it; the
 * records the damage took are reported lost, every other one is served.
 *
 * Opening scans the log and builds an in-memory index (key -> where its
 * latest record lies; values stay on disk). A damaged record is reported
 * (record number, sector, what is wrong) and skipped; the scan finds the
 * next record by its header, so every other record stays readable. If
 * only the value of a record is damaged its key is still known: that key
 * then reads as damaged (E_CHECKSUM) until it is written again. A last
 * record that is incomplete (a write torn by a crash before its flush
 * returned) was never committed: it is reported and ignored, and the
 * next commit takes its place.
 *
 * Usage:
 *   struct kv *kv;
 *   kv_open(dev, &kv);                      scans; 0 even if unformatted
 *   if (kv_state(kv) != KV_READY) ...       foreign/blank: kv_format first
 *   kv_put(kv, "k", 1, "v", 1);
 *   kv_get(kv, "k", 1, buf, sizeof(buf), &n);
 *   kv_close(kv);
 *
 * Not thread-safe: one caller at a time. Errors (abi/errors.h):
 * E_PERM the disk holds no usable store (see kv_state) or an earlier
 * device error stopped writes; E_FULL the log is full; E_TOOBIG key or
 * value too long; E_INVAL empty key; E_NOENT no such key;
 * E_CHECKSUM the key's record is damaged; E_IO / E_RANGE from the
 * device; E_NOMEM.
 */
#ifndef STORE_KV_H
#define STORE_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <drivers/blkdev.h>

#define KV_KEY_MAX 64u	  /* bytes in a key, at least 1 */
#define KV_VAL_MAX 768u	  /* bytes in a value, 0 allowed */
#define KV_VERSION 2u	  /* on-disk format version (1 is read too) */
#define KV_LOG_START 2u	  /* first sector of the log */
#define KV_MIN_SECTORS 8u /* smallest disk kv_format accepts */
#define KV_DAMAGE_MAX 16u /* damage reports kept in detail */

/* What kv_open found on the disk. Only KV_READY reads and writes. */
enum kv_state {
	KV_READY,	/* our store */
	KV_BLANK,	/* sector 0 and 1 are all zero, no record of ours */
	KV_FOREIGN,	/* something else: no magic of ours */
	KV_CORRUPT,	/* our magic, but no superblock copy checks out */
	KV_VERSION_NEW, /* our magic, a version this code does not know */
	KV_GEOMETRY,	/* the superblock describes a different disk */
	KV_FAILED,	/* a device error during a commit: no more writes */
};

enum kv_damage_kind {
	KV_DMG_CHECKSUM, /* header good, value checksum mismatch: key known */
	KV_DMG_HEADER,	 /* header(s) unreadable: records lost, key unknown */
	KV_DMG_TORN,	 /* last record incomplete: never committed, ignored */
	KV_DMG_SUPER,	 /* one superblock copy damaged, another used */
	KV_DMG_NOSUPER,	 /* every copy lost: rebuilt from the log */
};

/* One damage report. Record numbers count commits from 1. */
struct kv_damage {
	enum kv_damage_kind kind;
	uint64_t first_rec, last_rec; /* records lost (first == last: one) */
	uint64_t sector;	      /* where the damage starts */
	uint32_t nsectors;	      /* sectors it spans */
	uint8_t key_len;	      /* KV_DMG_CHECKSUM: the key */
	char key[KV_KEY_MAX];
};

struct kv_stat {
	enum kv_state state;
	uint64_t disk_sectors;	     /* the device's capacity */
	uint64_t log_start, log_end; /* the log's sectors [start, end) */
	uint64_t tail;		     /* next free sector */
	uint64_t records; /* good records in the log (puts, deletes) */
	uint64_t keys;	  /* live keys (damaged ones included) */
	uint32_t damaged; /* records lost or damaged (not torn) */
	uint32_t ndamage; /* reports kept (<= KV_DAMAGE_MAX) */
	uint32_t version; /* the version found (KV_VERSION_NEW: unknown) */
	bool torn;	  /* the last write was incomplete */
};

struct kv;

/* kv_open: reads the superblock of d and, if it is ours, scans the log.
 * Returns 0 and *out even when the disk holds no store (kv_state says
 * what it holds); E_NOMEM; or the device's error (E_IO, E_RANGE)
 * if a read failed. d must outlive the store. */
int kv_open(struct blkdev *d, struct kv **out);

/* kv_close: frees the store (the device stays open). NULL does nothing. */
void kv_close(struct kv *kv);

/* kv_state: what the disk holds now. */
enum kv_state kv_state(const struct kv *kv);

/* kv_state_msg: one line for a state, e.g. "disk has no store (foreign
 * format)". */
const char *kv_state_msg(enum kv_state s);

/* kv_err_msg: like err_msg, worded for the store (E_FULL "store is
 * full", E_PERM "no usable store on the disk ...", ...); store_err.h. */
const char *kv_err_msg(int err);

/* kv_format: makes an empty store on the whole disk, whatever it held
 * (every key is gone). nonce makes the format id new (e.g. the time);
 * records of earlier formats are then never read. 0, E_RANGE if the
 * disk is smaller than KV_MIN_SECTORS, or the device's error (the state
 * is then KV_FAILED). */
int kv_format(struct kv *kv, uint64_t nonce);

/* kv_put: key = value, durable when it returns 0. The disk is full with
 * E_FULL (nothing written). */
int kv_put(struct kv *kv, const void *key, size_t klen, const void *val,
	   size_t vlen);

/* kv_delete: removes key (a tombstone record); E_NOENT if absent
 * (nothing written). Durable when it returns 0. */
int kv_delete(struct kv *kv, const void *key, size_t klen);

/* kv_get: copies key's value to val[0..cap) and its length to *vlen;
 * E_TOOBIG if cap is too small (*vlen still set). The record is read
 * and checked again: E_CHECKSUM if it is damaged. */
int kv_get(struct kv *kv, const void *key, size_t klen, void *val, size_t cap,
	   size_t *vlen);

/* kv_next: the first key after `after` (bytes order, then length;
 * after == NULL: the first key). Copies it to key[KV_KEY_MAX], its length
 * to *klen, its value's length to *vlen, and whether its record is
 * damaged. E_NOENT past the last key. */
int kv_next(const struct kv *kv, const void *after, size_t alen, uint8_t *key,
	    size_t *klen, size_t *vlen, bool *damaged);

/* kv_stat: counts and geometry. */
void kv_stat(const struct kv *kv, struct kv_stat *out);

/* kv_damage: damage report i (0..ndamage-1); E_NOENT past the end. */
int kv_damage(const struct kv *kv, uint32_t i, struct kv_damage *out);

/* kv_damage_str: one report as text, e.g. "record 17 at sector 40:
 * checksum mismatch (key 'foo')"; returns what snprintf returns. */
int kv_damage_str(const struct kv_damage *d, char *buf, size_t cap);

/* kv_summary: the store in one line (no newline), e.g. "5 keys, 12
 * records on 16 MiB disk (1% used); 1 corrupt record (record 3 at sector
 * 4: checksum mismatch (key 'a'))" or "disk has no store (foreign format)
 * (16 MiB disk)". Always NUL-terminated when cap > 0. */
void kv_summary(const struct kv *kv, char *buf, size_t cap);

#endif
