// SPDX-License-Identifier: MIT
/*
 * The block store's log (kv.h; byte layout in docs/store.md).
 *
 * Invariants:
 * - The log is [log_start, tail): records with consecutive numbers
 *   (next_seq - 1 is the last), each starting on a sector boundary.
 *   Sector `tail` is blank (all zero) unless the log fills the disk: every
 *   commit writes its record and one blank sector in one write, then
 *   flushes. A non-blank sector at the tail on opening is therefore a torn
 *   write.
 * - Every byte of a record is covered by one of its two CRC32Cs: the
 *   header's (bytes 0..111 of its first sector: fields and key) or the
 *   data's (the rest of the record). A continuation sector starts with its
 *   own magic, so a value's bytes never sit at a sector's start and can
 *   never pose as a record header when the scan resynchronises.
 * - The index holds, per live key, where its latest record lies; values
 *   are read (and checked) again on every get.
 * - Records belong to one format: their header carries the superblock's
 *   format id, so records of earlier formats are never read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi/errors.h"
#include "crc32c.h"
#include "kv.h"
#include "store_err.h"

#define SECT BLKDEV_SECTOR
#define HDR_SIZE 112u	/* header fields and key, under the header CRC */
#define HDR_KEY_OFF 48u /* the key, zero-padded to KV_KEY_MAX */
#define CONT_HDR 8u	/* continuation sector: magic, record number */
#define FIRST_CAP (SECT - HDR_SIZE)
#define CONT_CAP (SECT - CONT_HDR)
#define REC_MAX_SECT 2u /* KV_VAL_MAX fits in two sectors */
#define SCAN_CHUNK 64u	/* sectors read at once while opening */
#define SEQ_MAX (1ull << 62)
#define NONE UINT64_MAX

#define SB_MAGIC "MKVSTORE"
#define REC_MAGIC 0x3152564bu  /* "KVR1" on disk */
#define CONT_MAGIC 0x6352564bu /* "KVRc" on disk */

enum { REC_PUT = 1, REC_DEL = 2 };

_Static_assert(HDR_KEY_OFF + KV_KEY_MAX == HDR_SIZE, "header layout");
_Static_assert(FIRST_CAP + (REC_MAX_SECT - 1) * CONT_CAP >= KV_VAL_MAX,
	       "a value fits in REC_MAX_SECT sectors");
_Static_assert(KV_LOG_START + REC_MAX_SECT + 2 <= KV_MIN_SECTORS,
	       "a formatted disk holds at least one record, the blank sector "
	       "and the last superblock copy");

struct kv_ent {
	uint64_t lba, seq;
	uint32_t nsect;
	uint16_t vlen;
	uint8_t klen, damaged;
	uint8_t key[KV_KEY_MAX];
};

/* a record header that passed every check */
struct rec_hdr {
	uint64_t seq;
	uint32_t nsect, dcrc;
	uint16_t vlen;
	uint8_t type, klen;
	const uint8_t *key;
};

struct kv {
	struct blkdev *dev;
	enum kv_state state;
	uint32_t version_found, version; /* version: of the store in use */
	uint64_t fid, log_start, log_end, tail, next_seq;
	uint64_t records;
	uint32_t damaged, ndmg;
	bool torn;
	struct kv_damage dmg[KV_DAMAGE_MAX];
	struct kv_ent *ents;
	size_t nents, cap;
	uint8_t *chunk; /* while opening: SCAN_CHUNK sectors from chunk_lba */
	uint64_t chunk_lba;
	uint32_t chunk_n;
	uint8_t io[(REC_MAX_SECT + 1) * SECT];
};

/* --- little-endian fields ------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static bool blank(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			return false;
		}
	}
	return true;
}

/* --- device ---------------------------------------------------------- */

static int dev_err(int r)
{
	return r > 0 ? E_IO : r;
}

static int dev_read(struct kv *kv, uint64_t lba, void *buf, uint32_t n)
{
	return dev_err(kv->dev->read(kv->dev, lba, buf, n));
}

/* commit_io: write n sectors of io at lba and flush; a failure stops all
 * later writes (what reached the disk is unknown until the next open). */
static int commit_io(struct kv *kv, uint64_t lba, uint32_t n)
{
	int r = dev_err(kv->dev->write(kv->dev, lba, kv->io, n));

	if (r == 0) {
		r = dev_err(kv->dev->flush(kv->dev));
	}
	if (r < 0) {
		kv->state = KV_FAILED;
	}
	return r;
}

/* --- the index -------------------------------------------------------- */

static int keycmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c) {
		return c;
	}
	return alen < blen ? -1 : alen > blen;
}

/* idx_find: 1 and *pos if key is there, else 0 and where it would go */
static int idx_find(const struct kv *kv, const uint8_t *key, size_t klen,
		    size_t *pos)
{
	size_t lo = 0, hi = kv->nents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kv_ent *e = &kv->ents[mid];
		int c = keycmp(e->key, e->klen, key, klen);

		if (c == 0) {
			*pos = mid;
			return 1;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*pos = lo;
	return 0;
}

/* idx_reserve: room for one more entry (so a commit cannot fail later) */
static int idx_reserve(struct kv *kv)
{
	struct kv_ent *n;
	size_t cap;

	if (kv->nents < kv->cap) {
		return 0;
	}
	cap = kv->cap ? kv->cap * 2 : 64;
	n = realloc(kv->ents, cap * sizeof(*n));
	if (!n) {
		return E_NOMEM;
	}
	kv->ents = n;
	kv->cap = cap;
	return 0;
}

/* idx_set: key's latest record is h at lba (room reserved) */
static void idx_set(struct kv *kv, const struct rec_hdr *h, uint64_t lba,
		    bool damaged)
{
	struct kv_ent *e;
	size_t pos;

	if (!idx_find(kv, h->key, h->klen, &pos)) {
		memmove(&kv->ents[pos + 1], &kv->ents[pos],
			(kv->nents - pos) * sizeof(*e));
		kv->nents++;
	}
	e = &kv->ents[pos];
	memset(e, 0, sizeof(*e));
	e->lba = lba;
	e->seq = h->seq;
	e->nsect = h->nsect;
	e->vlen = h->vlen;
	e->klen = h->klen;
	e->damaged = damaged;
	memcpy(e->key, h->key, h->klen);
}

static void idx_del(struct kv *kv, const uint8_t *key, size_t klen)
{
	size_t pos;

	if (idx_find(kv, key, klen, &pos)) {
		memmove(&kv->ents[pos], &kv->ents[pos + 1],
			(kv->nents - pos - 1) * sizeof(kv->ents[0]));
		kv->nents--;
	}
}

/* --- damage reports -------------------------------------------------- */

static void add_damage(struct kv *kv, const struct kv_damage *d)
{
	if (d->kind == KV_DMG_CHECKSUM || d->kind == KV_DMG_HEADER) {
		uint64_t n = d->last_rec - d->first_rec + 1;

		kv->damaged = n > UINT32_MAX - kv->damaged
				  ? UINT32_MAX
				  : kv->damaged + (uint32_t)n;
	}
	if (kv->ndmg < KV_DAMAGE_MAX) {
		kv->dmg[kv->ndmg++] = *d;
	}
}

/* --- records ---------------------------------------------------------- */

static uint32_t rec_sectors(size_t vlen)
{
	if (vlen <= FIRST_CAP) {
		return 1;
	}
	return 1 + (uint32_t)((vlen - FIRST_CAP + CONT_CAP - 1) / CONT_CAP);
}

static uint32_t hdr_crc(const uint8_t *s)
{
	static const uint8_t zero[4];
	uint32_t c = crc32c(0, s, 4);

	c = crc32c(c, zero, 4);
	return crc32c(c, s + 8, HDR_SIZE - 8);
}

static uint32_t data_crc(const uint8_t *rec, uint32_t nsect)
{
	uint32_t c = crc32c(0, rec + HDR_SIZE, SECT - HDR_SIZE);

	for (uint32_t i = 1; i < nsect; i++) {
		c = crc32c(c, rec + (size_t)i * SECT, SECT);
	}
	return c;
}

/* hdr_decode: true if sector s starts a record of this format whose
 * header checks out and whose fields are consistent */
static bool hdr_decode(const struct kv *kv, const uint8_t *s, struct rec_hdr *h)
{
	if (get32(s) != REC_MAGIC || get32(s + 4) != hdr_crc(s) ||
	    get64(s + 8) != kv->fid) {
		return false;
	}
	h->seq = get64(s + 16);
	h->type = s[24];
	h->klen = s[25];
	h->vlen = get16(s + 26);
	h->nsect = get32(s + 28);
	h->dcrc = get32(s + 32);
	h->key = s + HDR_KEY_OFF;
	if (h->seq == 0 || h->seq >= SEQ_MAX || h->klen == 0 ||
	    h->klen > KV_KEY_MAX || h->vlen > KV_VAL_MAX ||
	    (h->type != REC_PUT && h->type != REC_DEL) ||
	    (h->type == REC_DEL && h->vlen != 0) ||
	    h->nsect != rec_sectors(h->vlen)) {
		return false;
	}
	return true;
}

/* data_ok: the rest of the record (nsect sectors at rec) checks out */
static bool data_ok(const uint8_t *rec, const struct rec_hdr *h)
{
	for (uint32_t i = 1; i < h->nsect; i++) {
		const uint8_t *c = rec + (size_t)i * SECT;

		if (get32(c) != CONT_MAGIC ||
		    get32(c + 4) != (uint32_t)h->seq) {
			return false;
		}
	}
	return data_crc(rec, h->nsect) == h->dcrc;
}

/* rec_encode: the record into kv->io; returns its sectors */
static uint32_t rec_encode(struct kv *kv, uint8_t type, const void *key,
			   size_t klen, const void *val, size_t vlen)
{
	uint32_t n = rec_sectors(vlen);
	uint8_t *s = kv->io;
	const uint8_t *v = val;
	size_t first = vlen < FIRST_CAP ? vlen : FIRST_CAP;

	memset(kv->io, 0, sizeof(kv->io));
	put32(s, REC_MAGIC);
	put64(s + 8, kv->fid);
	put64(s + 16, kv->next_seq);
	s[24] = type;
	s[25] = (uint8_t)klen;
	put16(s + 26, (uint16_t)vlen);
	put32(s + 28, n);
	memcpy(s + HDR_KEY_OFF, key, klen);
	if (vlen) {
		memcpy(s + HDR_SIZE, v, first);
	}
	for (uint32_t i = 1; i < n; i++) {
		uint8_t *c = s + (size_t)i * SECT;
		size_t off = first + (i - 1) * CONT_CAP;
		size_t len = vlen - off < CONT_CAP ? vlen - off : CONT_CAP;

		put32(c, CONT_MAGIC);
		put32(c + 4, (uint32_t)kv->next_seq);
		memcpy(c + CONT_HDR, v + off, len);
	}
	put32(s + 32, data_crc(s, n));
	put32(s + 4, hdr_crc(s));
	return n;
}

/* rec_value: copies the value of the record in kv->io to val */
static void rec_value(const struct kv *kv, const struct rec_hdr *h,
		      uint8_t *val)
{
	size_t first = h->vlen < FIRST_CAP ? h->vlen : FIRST_CAP;

	memcpy(val, kv->io + HDR_SIZE, first);
	for (uint32_t i = 1; i < h->nsect; i++) {
		size_t off = first + (i - 1) * CONT_CAP;
		size_t len =
		    h->vlen - off < CONT_CAP ? h->vlen - off : CONT_CAP;

		memcpy(val + off, kv->io + (size_t)i * SECT + CONT_HDR, len);
	}
}

/* --- the superblock ---------------------------------------------------- */

enum sb_class { SB_ZERO, SB_NOMAGIC, SB_BADCRC, SB_GOOD };

static enum sb_class sb_classify(const uint8_t *s)
{
	if (blank(s, SECT)) {
		return SB_ZERO;
	}
	if (memcmp(s, SB_MAGIC, 8) != 0) {
		return SB_NOMAGIC;
	}
	if (crc32c(0, s, SECT - 4) != get32(s + SECT - 4)) {
		return SB_BADCRC;
	}
	return SB_GOOD;
}

static void sb_encode(const struct kv *kv, uint8_t *s)
{
	memset(s, 0, SECT);
	memcpy(s, SB_MAGIC, 8);
	put32(s + 8, kv->version);
	put32(s + 12, SECT);
	put64(s + 16, kv->log_end + (kv->version >= 2 ? 1 : 0));
	put64(s + 24, kv->log_start);
	put64(s + 32, kv->log_end);
	put64(s + 40, kv->fid);
	put32(s + 48, KV_KEY_MAX);
	put32(s + 52, KV_VAL_MAX);
	put32(s + SECT - 4, crc32c(0, s, SECT - 4));
}

/* sb_decode: the state a checked superblock gives (version 1: the log
 * runs to the end of the disk; 2: the last sector is a copy) */
static enum kv_state sb_decode(struct kv *kv, const uint8_t *s)
{
	uint64_t sectors = get64(s + 16), start = get64(s + 24);
	uint64_t end = get64(s + 32);
	uint32_t v = get32(s + 8);

	kv->version_found = v;
	if (v != 1 && v != KV_VERSION) {
		return KV_VERSION_NEW;
	}
	if (get32(s + 12) != SECT || sectors > kv->dev->sectors ||
	    end > sectors) {
		return KV_GEOMETRY;
	}
	if (start != KV_LOG_START || end < KV_MIN_SECTORS - (v >= 2) ||
	    (v >= 2 && end != sectors - 1) || get32(s + 48) != KV_KEY_MAX ||
	    get32(s + 52) != KV_VAL_MAX || get64(s + 40) == 0) {
		return KV_CORRUPT;
	}
	kv->version = v;
	kv->fid = get64(s + 40);
	kv->log_start = start;
	kv->log_end = end;
	return KV_READY;
}

/* write_super: every copy of the superblock (sectors 0, 1 and, from
 * version 2, log_end), then a flush; a failure stops writes */
static int write_super(struct kv *kv)
{
	int r;

	sb_encode(kv, kv->io);
	memcpy(kv->io + SECT, kv->io, SECT);
	r = dev_err(kv->dev->write(kv->dev, 0, kv->io, 2));
	if (r == 0 && kv->version >= 2) {
		r = dev_err(kv->dev->write(kv->dev, kv->log_end, kv->io, 1));
	}
	if (r == 0) {
		r = dev_err(kv->dev->flush(kv->dev));
	}
	if (r < 0) {
		kv->state = KV_FAILED;
	}
	return r;
}

/* super_damage: copy at sector was not the superblock in use */
static void super_damage(struct kv *kv, uint64_t sector)
{
	struct kv_damage d = {
	    .kind = KV_DMG_SUPER, .sector = sector, .nsectors = 1};

	add_damage(kv, &d);
}

/*
 * read_super: sets kv->state from the copies at sectors 0 and 1 and the
 * disk's last sector (all three in kv->io): the first copy that checks
 * out and fits this disk is used (the last sector's only as version 2).
 * *stale: another copy differs (reported; written again). With no good
 * copy, the state the first checked copy gave (a newer version, another
 * disk), else BLANK, CORRUPT or FOREIGN by what sectors 0 and 1 hold;
 * the caller then looks for records.
 */
static void read_super(struct kv *kv, bool *stale)
{
	const uint64_t last = kv->dev->sectors - 1;
	const uint64_t at[3] = {0, 1, last};
	enum sb_class c[3];
	enum kv_state first = KV_READY;
	int use = -1;

	for (int i = 0; i < 3; i++) {
		c[i] = sb_classify(kv->io + (size_t)i * SECT);
	}
	for (int i = 0; i < 3 && use < 0; i++) {
		enum kv_state st;

		if (c[i] != SB_GOOD) {
			continue;
		}
		st = sb_decode(kv, kv->io + (size_t)i * SECT);
		if (st == KV_READY && (i < 2 || kv->version >= 2) &&
		    (i < 2 || kv->log_end == last)) {
			use = i;
		} else if (first == KV_READY) {
			first = st == KV_READY ? KV_CORRUPT : st;
		}
	}
	*stale = false;
	if (use >= 0) {
		const uint8_t *u = kv->io + (size_t)use * SECT;

		kv->state = KV_READY;
		sb_decode(kv, u); /* a later bad copy may have set fields */
		for (int i = 0; i < 3; i++) {
			bool copy = i < 2 || (kv->version >= 2 &&
					      kv->log_end == last);

			if (copy && i != use &&
			    memcmp(kv->io + (size_t)i * SECT, u, SECT) != 0) {
				super_damage(kv, at[i]);
				*stale = true;
			}
		}
		if (kv->version >= 2 && kv->log_end != last) {
			*stale = true; /* the disk grew: its copy is elsewhere */
		}
	} else if (first != KV_READY) {
		kv->state = first;
	} else if (c[0] == SB_ZERO && c[1] == SB_ZERO) {
		kv->state = KV_BLANK;
	} else if (c[0] == SB_BADCRC || c[1] == SB_BADCRC ||
		   c[2] == SB_BADCRC) {
		kv->state = KV_CORRUPT;
	} else {
		kv->state = KV_FOREIGN;
	}
}

/* --- opening: the log scan ---------------------------------------------- */

/* scan_sector: sector lba of the log, through a SCAN_CHUNK cache */
static int scan_sector(struct kv *kv, uint64_t lba, const uint8_t **out)
{
	if (lba < kv->chunk_lba || lba >= kv->chunk_lba + kv->chunk_n) {
		uint64_t left = kv->log_end - lba;
		uint32_t n = left < SCAN_CHUNK ? (uint32_t)left : SCAN_CHUNK;
		int r = dev_read(kv, lba, kv->chunk, n);

		if (r < 0) {
			kv->chunk_n = 0;
			return r;
		}
		kv->chunk_lba = lba;
		kv->chunk_n = n;
	}
	*out = kv->chunk + (size_t)(lba - kv->chunk_lba) * SECT;
	return 0;
}

/* what the scan carries from one record to the next */
struct scan {
	uint64_t p, expect, gap;
	bool pending; /* the last record's value failed its checksum */
	struct rec_hdr ph;
	uint64_t plba;
	uint8_t pkey[KV_KEY_MAX];
};

static void damage_checksum(struct kv *kv, const struct rec_hdr *h,
			    uint64_t lba)
{
	struct kv_damage d = {.kind = KV_DMG_CHECKSUM,
			      .first_rec = h->seq,
			      .last_rec = h->seq,
			      .sector = lba,
			      .nsectors = h->nsect,
			      .key_len = h->klen};

	memcpy(d.key, h->key, h->klen);
	add_damage(kv, &d);
}

/* scan_record: the record whose good header is at sc->p; its sectors are
 * copied to kv->io and applied, or kept pending if its value is bad */
static int scan_record(struct kv *kv, struct scan *sc, struct rec_hdr *h)
{
	const uint8_t *s;
	int r;

	if ((r = idx_reserve(kv)) < 0) {
		return r;
	}
	if (sc->pending) {
		sc->ph.key = sc->pkey;
		damage_checksum(kv, &sc->ph, sc->plba);
		idx_set(kv, &sc->ph, sc->plba, true);
		sc->pending = false;
	}
	if (h->seq > sc->expect) {
		uint64_t at = sc->gap != NONE ? sc->gap : sc->p;
		struct kv_damage d = {.kind = KV_DMG_HEADER,
				      .first_rec = sc->expect,
				      .last_rec = h->seq - 1,
				      .sector = at,
				      .nsectors = (uint32_t)(sc->p - at)};
		add_damage(kv, &d);
	}
	sc->gap = NONE;
	for (uint32_t i = 0; i < h->nsect; i++) {
		if ((r = scan_sector(kv, sc->p + i, &s)) < 0) {
			return r;
		}
		memcpy(kv->io + (size_t)i * SECT, s, SECT);
	}
	h->key = kv->io + HDR_KEY_OFF;
	if ((r = idx_reserve(kv)) < 0) {
		return r;
	}
	if (!data_ok(kv->io, h)) {
		sc->pending = true;
		sc->ph = *h;
		sc->plba = sc->p;
		memcpy(sc->pkey, h->key, h->klen);
	} else if (h->type == REC_PUT) {
		idx_set(kv, h, sc->p, false);
		kv->records++;
	} else {
		idx_del(kv, h->key, h->klen);
		kv->records++;
	}
	sc->expect = h->seq + 1;
	sc->p += h->nsect;
	kv->tail = sc->p;
	return 0;
}

/* scan_end: the log ends at kv->tail; anything torn there is reported */
static int scan_end(struct kv *kv, struct scan *sc)
{
	struct kv_damage d = {.kind = KV_DMG_TORN};
	const uint8_t *s;
	int r;

	if (sc->pending) {
		d.first_rec = d.last_rec = sc->ph.seq;
		d.sector = sc->plba;
		d.nsectors = sc->ph.nsect;
		kv->tail = sc->plba;
		sc->expect = sc->ph.seq;
	} else if (sc->gap != NONE) {
		if ((r = scan_sector(kv, sc->gap, &s)) < 0) {
			return r;
		}
		if (blank(s, SECT)) {
			kv->next_seq = sc->expect;
			return 0;
		}
		d.first_rec = d.last_rec = sc->expect;
		d.sector = sc->gap;
		d.nsectors = 1;
	} else {
		kv->next_seq = sc->expect;
		return 0;
	}
	kv->torn = true;
	kv->next_seq = sc->expect;
	add_damage(kv, &d);
	return 0;
}

static int scan_log(struct kv *kv)
{
	struct scan sc = {.p = kv->log_start, .expect = 1, .gap = NONE};
	struct rec_hdr h;
	const uint8_t *s;
	int r;

	kv->chunk = malloc(SCAN_CHUNK * SECT);
	if (!kv->chunk) {
		return E_NOMEM;
	}
	kv->chunk_n = 0;
	kv->tail = kv->log_start;
	while (sc.p < kv->log_end) {
		if ((r = scan_sector(kv, sc.p, &s)) < 0) {
			goto out;
		}
		if (!hdr_decode(kv, s, &h) || h.seq < sc.expect ||
		    h.nsect > kv->log_end - sc.p) {
			if (sc.gap == NONE) {
				sc.gap = sc.p;
			}
			sc.p++;
			continue;
		}
		if ((r = scan_record(kv, &sc, &h)) < 0) {
			goto out;
		}
	}
	r = scan_end(kv, &sc);
out:
	free(kv->chunk);
	kv->chunk = NULL;
	return r;
}

/* first_record: the first sector from the log's start that holds a
 * record header of ours, of any format (E_NOENT: none); *h its header,
 * kv->fid its format */
static int first_record(struct kv *kv, uint64_t *lba, struct rec_hdr *h)
{
	const uint8_t *s;
	int r = E_NOENT;

	kv->chunk = malloc(SCAN_CHUNK * SECT);
	if (!kv->chunk) {
		return E_NOMEM;
	}
	kv->chunk_n = 0;
	for (uint64_t p = kv->log_start; p < kv->log_end; p++) {
		if ((r = scan_sector(kv, p, &s)) < 0) {
			break;
		}
		r = E_NOENT;
		if (get32(s) != REC_MAGIC) {
			continue;
		}
		kv->fid = get64(s + 8);
		if (kv->fid && hdr_decode(kv, s, h) &&
		    h->nsect <= kv->log_end - p) {
			*lba = p;
			r = 0;
			break;
		}
	}
	free(kv->chunk);
	kv->chunk = NULL;
	kv->chunk_n = 0;
	return r;
}

/*
 * recover: no superblock copy checks out. If records of ours lie on the
 * disk, the store is ours: its format is the first record's (the log is
 * written from its start, so the current format's records come first),
 * its version 1 if a record or continuation of that format fills the
 * last sector, else 2. The state is then READY and the superblocks are
 * written again by the caller (*stale). kv->io holds sectors 0, 1 and
 * the last, as kv_open read them. 0 or a device error.
 */
static int recover(struct kv *kv, bool *stale)
{
	struct kv_damage d = {.kind = KV_DMG_NOSUPER, .nsectors = 1};
	struct rec_hdr h;
	uint64_t lba, last = kv->dev->sectors - 1;
	const uint8_t *tail;
	int r;

	kv->log_start = KV_LOG_START;
	kv->log_end = kv->dev->sectors;
	if ((r = first_record(kv, &lba, &h)) < 0) {
		kv->log_end = kv->log_start;
		return r == E_NOENT ? 0 : r;
	}
	tail = kv->io + 2 * SECT; /* kv_open read the last sector there */
	kv->version = KV_VERSION;
	kv->log_end = last;
	if (get32(tail) == CONT_MAGIC ||
	    (get32(tail) == REC_MAGIC && get64(tail + 8) == kv->fid)) {
		kv->version = 1;
		kv->log_end = last + 1;
	}
	d.first_rec = d.last_rec = h.seq;
	d.sector = lba;
	add_damage(kv, &d);
	kv->state = KV_READY;
	*stale = true;
	return 0;
}

/* --- the interface ---------------------------------------------------- */

static void reset_log(struct kv *kv)
{
	kv->nents = 0;
	kv->records = 0;
	kv->damaged = 0;
	kv->ndmg = 0;
	kv->torn = false;
	kv->tail = kv->log_start;
	kv->next_seq = 1;
}

int kv_open(struct blkdev *d, struct kv **out)
{
	struct kv *kv = calloc(1, sizeof(*kv));
	bool stale = false;
	int r;

	if (!kv) {
		return E_NOMEM;
	}
	kv->dev = d;
	kv->state = KV_GEOMETRY;
	reset_log(kv);
	if (d->sectors >= KV_MIN_SECTORS) {
		if ((r = dev_read(kv, 0, kv->io, 2)) < 0 ||
		    (r = dev_read(kv, d->sectors - 1, kv->io + 2 * SECT, 1)) <
			0) {
			goto fail;
		}
		read_super(kv, &stale);
		if ((kv->state == KV_BLANK || kv->state == KV_CORRUPT ||
		     kv->state == KV_FOREIGN) &&
		    (r = recover(kv, &stale)) < 0) {
			goto fail;
		}
	}
	kv->tail = kv->log_start;
	if (kv->state == KV_READY && (r = scan_log(kv)) < 0) {
		goto fail;
	}
	/* a version 1 store whose log leaves the last sector free moves to
	 * version 2: the last sector becomes a superblock copy */
	if (kv->state == KV_READY && kv->version < 2 &&
	    kv->tail < kv->log_end) {
		kv->version = KV_VERSION;
		kv->log_end--;
		stale = true;
	}
	if (kv->state == KV_READY && stale) {
		write_super(kv); /* a failure leaves KV_FAILED: reads go on */
	}
	*out = kv;
	return 0;
fail:
	kv_close(kv);
	return r;
}

void kv_close(struct kv *kv)
{
	if (kv) {
		free(kv->ents);
		free(kv);
	}
}

enum kv_state kv_state(const struct kv *kv)
{
	return kv->state;
}

const char *kv_state_msg(enum kv_state s)
{
	switch (s) {
	case KV_READY:
		return "store ready";
	case KV_BLANK:
		return "disk is blank (no store)";
	case KV_FOREIGN:
		return "disk has no store (foreign format)";
	case KV_CORRUPT:
		return "store superblock is corrupt (both copies)";
	case KV_VERSION_NEW:
		return "store has a format version this program does not know";
	case KV_GEOMETRY:
		return "store does not fit this disk (wrong geometry or too "
		       "small)";
	case KV_FAILED:
		return "device error: store stopped writing until restarted";
	}
	return "unknown state";
}

const char *kv_err_msg(int err)
{
	return store_err_msg(err);
}

int kv_format(struct kv *kv, uint64_t nonce)
{
	uint64_t old = kv->fid, fid = nonce ^ (old * 0x9e3779b97f4a7c15ull);
	int r;

	if (kv->dev->sectors < KV_MIN_SECTORS) {
		return E_RANGE;
	}
	/* splitmix64: a format id unlike the last and never 0 */
	fid += 0x9e3779b97f4a7c15ull;
	fid = (fid ^ (fid >> 30)) * 0xbf58476d1ce4e5b9ull;
	fid = (fid ^ (fid >> 27)) * 0x94d049bb133111ebull;
	fid ^= fid >> 31;
	if (fid == 0 || fid == old) {
		fid = old + 1 ? old + 1 : 1;
	}
	kv->fid = fid;
	kv->version = KV_VERSION;
	kv->log_start = KV_LOG_START;
	kv->log_end = kv->dev->sectors - 1;
	reset_log(kv);
	/* the log's first sector blank, then the superblocks */
	memset(kv->io, 0, SECT);
	if ((r = dev_err(kv->dev->write(kv->dev, KV_LOG_START, kv->io, 1))) <
		0 ||
	    (r = write_super(kv)) < 0) {
		kv->state = KV_FAILED;
		return r;
	}
	kv->state = KV_READY;
	return 0;
}

static int check_key(const void *key, size_t klen)
{
	if (!key || klen == 0) {
		return E_INVAL;
	}
	return klen > KV_KEY_MAX ? E_TOOBIG : 0;
}

/* commit: appends one record (and a blank sector) and flushes */
static int commit(struct kv *kv, uint8_t type, const void *key, size_t klen,
		  const void *val, size_t vlen)
{
	struct rec_hdr h = {.type = type,
			    .klen = (uint8_t)klen,
			    .vlen = (uint16_t)vlen,
			    .key = key};
	uint64_t lba = kv->tail;
	uint32_t n = rec_sectors(vlen);
	int r;

	if (kv->state != KV_READY) {
		return E_PERM;
	}
	if (n > kv->log_end - lba) {
		return E_FULL;
	}
	if ((r = idx_reserve(kv)) < 0) {
		return r;
	}
	h.seq = kv->next_seq;
	h.nsect = rec_encode(kv, type, key, klen, val, vlen);
	r = commit_io(kv, lba, n + (n < kv->log_end - lba ? 1 : 0));
	if (r < 0) {
		return r;
	}
	kv->tail += n;
	kv->next_seq++;
	kv->records++;
	kv->torn = false;
	if (type == REC_PUT) {
		idx_set(kv, &h, lba, false);
	} else {
		idx_del(kv, key, klen);
	}
	return 0;
}

int kv_put(struct kv *kv, const void *key, size_t klen, const void *val,
	   size_t vlen)
{
	int r = check_key(key, klen);

	if (r < 0) {
		return r;
	}
	if (vlen > KV_VAL_MAX) {
		return E_TOOBIG;
	}
	if (vlen && !val) {
		return E_INVAL;
	}
	return commit(kv, REC_PUT, key, klen, val, vlen);
}

int kv_delete(struct kv *kv, const void *key, size_t klen)
{
	size_t pos;
	int r = check_key(key, klen);

	if (r < 0) {
		return r;
	}
	if (kv->state != KV_READY) {
		return E_PERM;
	}
	if (!idx_find(kv, key, klen, &pos)) {
		return E_NOENT;
	}
	return commit(kv, REC_DEL, key, klen, NULL, 0);
}

/* get_damaged: the record of e no longer checks out */
static int get_damaged(struct kv *kv, struct kv_ent *e)
{
	struct rec_hdr h = {
	    .seq = e->seq, .nsect = e->nsect, .klen = e->klen, .key = e->key};

	if (!e->damaged) {
		e->damaged = 1;
		damage_checksum(kv, &h, e->lba);
	}
	return E_CHECKSUM;
}

int kv_get(struct kv *kv, const void *key, size_t klen, void *val, size_t cap,
	   size_t *vlen)
{
	struct rec_hdr h;
	struct kv_ent *e;
	size_t pos;
	int r = check_key(key, klen);

	if (r < 0) {
		return r;
	}
	if (kv->state != KV_READY && kv->state != KV_FAILED) {
		return E_PERM;
	}
	if (!idx_find(kv, key, klen, &pos)) {
		return E_NOENT;
	}
	e = &kv->ents[pos];
	if (e->damaged) {
		return E_CHECKSUM;
	}
	if ((r = dev_read(kv, e->lba, kv->io, e->nsect)) < 0) {
		return r;
	}
	if (!hdr_decode(kv, kv->io, &h) || h.seq != e->seq ||
	    h.type != REC_PUT || h.nsect != e->nsect ||
	    keycmp(h.key, h.klen, e->key, e->klen) != 0 ||
	    !data_ok(kv->io, &h)) {
		return get_damaged(kv, e);
	}
	*vlen = h.vlen;
	if (h.vlen > cap) {
		return E_TOOBIG;
	}
	if (h.vlen) {
		rec_value(kv, &h, val);
	}
	return 0;
}

int kv_next(const struct kv *kv, const void *after, size_t alen, uint8_t *key,
	    size_t *klen, size_t *vlen, bool *damaged)
{
	const struct kv_ent *e;
	size_t pos = 0;

	if (after && idx_find(kv, after, alen, &pos)) {
		pos++;
	}
	if (pos >= kv->nents) {
		return E_NOENT;
	}
	e = &kv->ents[pos];
	memcpy(key, e->key, e->klen);
	*klen = e->klen;
	*vlen = e->vlen;
	*damaged = e->damaged;
	return 0;
}

void kv_stat(const struct kv *kv, struct kv_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->state = kv->state;
	out->disk_sectors = kv->dev->sectors;
	out->log_start = kv->log_start;
	out->log_end = kv->log_end;
	out->tail = kv->tail;
	out->records = kv->records;
	out->keys = kv->nents;
	out->damaged = kv->damaged;
	out->ndamage = kv->ndmg;
	out->version = kv->state == KV_VERSION_NEW ? kv->version_found
						    : kv->version;
	out->torn = kv->torn;
}

int kv_damage(const struct kv *kv, uint32_t i, struct kv_damage *out)
{
	if (i >= kv->ndmg) {
		return E_NOENT;
	}
	*out = kv->dmg[i];
	return 0;
}

/* printable: the key as text, other bytes as '?' */
static void printable(const struct kv_damage *d, char *out)
{
	size_t n = d->key_len <= KV_KEY_MAX ? d->key_len : KV_KEY_MAX;

	for (size_t i = 0; i < n; i++) {
		char c = d->key[i];

		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[n] = 0;
}

int kv_damage_str(const struct kv_damage *d, char *buf, size_t cap)
{
	char key[KV_KEY_MAX + 1];
	unsigned long long a = d->first_rec, b = d->last_rec, s = d->sector;

	switch (d->kind) {
	case KV_DMG_CHECKSUM:
		printable(d, key);
		return snprintf(buf, cap,
				"record %llu at sector %llu: checksum mismatch "
				"(key '%s')",
				a, s, key);
	case KV_DMG_HEADER:
		if (a == b) {
			return snprintf(buf, cap,
					"record %llu at sector %llu: "
					"damaged header, record lost",
					a, s);
		}
		return snprintf(buf, cap,
				"records %llu-%llu at sector %llu: damaged "
				"headers, records lost",
				a, b, s);
	case KV_DMG_TORN:
		return snprintf(buf, cap,
				"record %llu at sector %llu: incomplete last "
				"write, ignored",
				a, s);
	case KV_DMG_SUPER:
		return snprintf(buf, cap,
				"superblock copy at sector %llu damaged, "
				"another used and the copy written again",
				s);
	case KV_DMG_NOSUPER:
		return snprintf(buf, cap,
				"disk damaged, no superblock left: rebuilt "
				"from the log (first: record %llu, sector "
				"%llu)",
				a, s);
	}
	return snprintf(buf, cap, "unknown damage");
}

static void size_str(uint64_t sectors, char *buf, size_t cap)
{
	uint64_t bytes = sectors * SECT;

	if (bytes >= (1ull << 20)) {
		snprintf(buf, cap, "%llu MiB",
			 (unsigned long long)(bytes >> 20));
	} else {
		snprintf(buf, cap, "%llu KiB",
			 (unsigned long long)(bytes >> 10));
	}
}

/* first_damage: the first report of a damaged record, or -1 */
static int first_damage(const struct kv *kv)
{
	for (uint32_t i = 0; i < kv->ndmg; i++) {
		if (kv->dmg[i].kind == KV_DMG_CHECKSUM ||
		    kv->dmg[i].kind == KV_DMG_HEADER) {
			return (int)i;
		}
	}
	return -1;
}

/* append: snprintf at the end of buf, never past cap */
static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= cap) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

/* super_summary: the damaged superblock copies in one phrase */
static void super_summary(const struct kv *kv, char *buf, size_t cap)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < kv->ndmg; k++) {
		if (kv->dmg[k].kind != KV_DMG_SUPER) {
			continue;
		}
		append(buf, cap, n ? " and %llu" : "; superblock copy at sector %llu",
		       (unsigned long long)kv->dmg[k].sector);
		n++;
	}
	if (n) {
		append(buf, cap, " damaged, another used and %s written again",
		       n > 1 ? "both" : "the copy");
	}
}

void kv_summary(const struct kv *kv, char *buf, size_t cap)
{
	char size[24], what[160];
	uint64_t used = kv->tail - kv->log_start;
	uint64_t all = kv->log_end - kv->log_start;
	int i = first_damage(kv);

	if (!cap) {
		return;
	}
	buf[0] = 0;
	size_str(kv->dev->sectors, size, sizeof(size));
	if (kv->state != KV_READY && kv->state != KV_FAILED) {
		append(buf, cap, "%s (%s disk)", kv_state_msg(kv->state), size);
		if (kv->state == KV_VERSION_NEW) {
			append(buf, cap, ", version %u", kv->version_found);
		}
		return;
	}
	append(buf, cap, "%llu key%s, %llu record%s on %s disk (%llu%% used)",
	       (unsigned long long)kv->nents, kv->nents == 1 ? "" : "s",
	       (unsigned long long)kv->records, kv->records == 1 ? "" : "s",
	       size,
	       (unsigned long long)(all ? used * 100 / all : 100));
	if (kv->damaged) {
		kv_damage_str(&kv->dmg[i < 0 ? 0 : i], what, sizeof(what));
		append(buf, cap, "; %u corrupt record%s (%s%s)", kv->damaged,
		       kv->damaged == 1 ? "" : "s",
		       kv->damaged > 1 ? "first: " : "", what);
	}
	for (uint32_t k = 0; k < kv->ndmg; k++) {
		if (kv->dmg[k].kind == KV_DMG_TORN ||
		    kv->dmg[k].kind == KV_DMG_NOSUPER) {
			kv_damage_str(&kv->dmg[k], what, sizeof(what));
			append(buf, cap, "; %s", what);
		}
	}
	super_summary(kv, buf, cap);
	if (kv->state == KV_FAILED) {
		append(buf, cap, "; %s", kv_state_msg(kv->state));
	}
}
