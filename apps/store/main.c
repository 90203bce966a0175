// SPDX-License-Identifier: MIT
/*
 * store [ram SECTORS]: the block store's program. It runs on the core that
 * owns the virtio-blk disk (its monitor starts it there), opens it
 * (blkdev_open) or a disk in memory, opens the store on it (kv.h: a scan of
 * the log) and prints one status line, e.g.
 *   store: 3 keys, 5 records on 16 MiB disk (1% used)
 *   store: disk has no store (foreign format) (16 MiB disk); 'store format'
 *          to create one
 *   store: 2 keys, ...; 1 corrupt record (record 3 at sector 4: checksum
 *          mismatch (key 'a'))
 * Then it serves "store" (store.if) to up to SVC_CLIENTS clients on any
 * cores (the loop is libos/service.h). Every request is checked (the
 * generated stubs check the shape, this file the meaning: keys printable,
 * 1..64 bytes) before the store acts on it; the disk is used one request
 * at a time (the calls block in this program's only thread). Every client
 * may put, get, delete, list and ask the status; `format`, which destroys
 * every key, needs the admin right (SYS_RIGHT_ADMIN), which the store
 * learns from the binding (its monitor's word, svc_client_rights), never
 * from the client's messages.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <drivers/blkdev.h>
#include <libos/mon.h>
#include <libos/service.h>
#include <libos/sys.h>
#include <store_if.h>
#include "kv.h"
#include "ramdisk.h"

static struct blkdev *dev;
static struct kv *kv;

_Static_assert(sizeof(((struct store_put_req *)0)->key) == KV_KEY_MAX + 1,
	       "store.if keys are kv keys");
_Static_assert(sizeof(((struct store_put_req *)0)->value) == KV_VAL_MAX,
	       "store.if values are kv values");

/* key_ok: 1..KV_KEY_MAX printable ASCII bytes, no space */
static int key_ok(const char *k)
{
	size_t n = strnlen(k, KV_KEY_MAX + 1);

	if (n == 0 || n > KV_KEY_MAX) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (k[i] <= ' ' || k[i] > '~') {
			return 0;
		}
	}
	return 1;
}

static int on_put(void *ctx, const struct store_put_req *m)
{
	struct store_put_reply rep = {0};

	rep.err = key_ok(m->key) ? kv_put(kv, m->key, strlen(m->key), m->value,
					  m->value_len)
				 : E_INVAL;
	return store_reply_put(svc_send, ctx, m, &rep);
}

static int on_get(void *ctx, const struct store_get_req *m)
{
	static struct store_get_reply rep;
	size_t n = 0;

	memset(&rep, 0, sizeof(rep));
	rep.err = key_ok(m->key) ? kv_get(kv, m->key, strlen(m->key), rep.value,
					  sizeof(rep.value), &n)
				 : E_INVAL;
	rep.value_len = rep.err == 0 ? (uint16_t)n : 0;
	return store_reply_get(svc_send, ctx, m, &rep);
}

static int on_del(void *ctx, const struct store_del_req *m)
{
	struct store_del_reply rep = {0};

	rep.err =
	    key_ok(m->key) ? kv_delete(kv, m->key, strlen(m->key)) : E_INVAL;
	return store_reply_del(svc_send, ctx, m, &rep);
}

/* list_fill: as many keys after `after` as fit into rep */
static void list_fill(const char *after, struct store_list_reply *rep)
{
	const size_t max = sizeof(rep->key_lens);
	uint8_t key[KV_KEY_MAX], prev[KV_KEY_MAX];
	size_t klen, vlen, plen = strlen(after);
	bool damaged;

	memcpy(prev, after, plen);
	while (kv_next(kv, plen ? prev : NULL, plen, key, &klen, &vlen,
		       &damaged) == 0) {
		if (rep->key_lens_count == max ||
		    rep->keys_len + klen > sizeof(rep->keys)) {
			rep->more = true;
			return;
		}
		memcpy(rep->keys + rep->keys_len, key, klen);
		rep->keys_len = (uint16_t)(rep->keys_len + klen);
		rep->key_lens[rep->key_lens_count++] = (uint8_t)klen;
		rep->val_lens[rep->val_lens_count++] = (uint16_t)vlen;
		rep->damaged[rep->damaged_count++] = damaged;
		memcpy(prev, key, klen);
		plen = klen;
	}
}

static int on_list(void *ctx, const struct store_list_req *m)
{
	static struct store_list_reply rep;

	memset(&rep, 0, sizeof(rep));
	if (m->after[0] && !key_ok(m->after)) {
		rep.err = E_INVAL;
	} else if (kv_state(kv) != KV_READY && kv_state(kv) != KV_FAILED) {
		rep.err = E_PERM;
	} else {
		list_fill(m->after, &rep);
	}
	return store_reply_list(svc_send, ctx, m, &rep);
}

/* status_text: the status line, then a line per damage report */
static void status_text(char *buf, size_t cap)
{
	struct kv_damage d;
	size_t n;

	kv_summary(kv, buf, cap);
	for (uint32_t i = 0; kv_damage(kv, i, &d) == 0; i++) {
		n = strlen(buf);
		if (n + 2 >= cap) {
			return;
		}
		buf[n++] = '\n';
		buf[n] = 0;
		kv_damage_str(&d, buf + n, cap - n);
	}
}

static int on_status(void *ctx, const struct store_status_req *m)
{
	static struct store_status_reply rep;
	struct kv_stat st;

	memset(&rep, 0, sizeof(rep));
	kv_stat(kv, &st);
	rep.state = (uint32_t)st.state;
	rep.disk_sectors = st.disk_sectors;
	rep.used_sectors = st.tail - st.log_start;
	rep.free_sectors = st.log_end - st.tail;
	rep.records = st.records;
	rep.keys = st.keys;
	rep.damaged = st.damaged;
	rep.torn = st.torn;
	status_text(rep.text, sizeof(rep.text));
	return store_reply_status(svc_send, ctx, m, &rep);
}

/* on_format: destroys every key, so only for a client holding the admin
 * right (as its monitor vouched for it when it bound: svc_client_rights) */
static int on_format(void *ctx, const struct store_format_req *m)
{
	struct store_format_reply rep = {0};
	char line[160];

	if (!(svc_client_rights(ctx) & SYS_RIGHT_ADMIN)) {
		printf("store: refused format from 0x%x: needs the admin "
		       "right\n",
		       svc_client_pid(ctx));
		rep.err = E_PERM;
		return store_reply_format(svc_send, ctx, m, &rep);
	}
	rep.err = kv_format(kv, sys_time_ns() ^
				    ((uint64_t)svc_client_pid(ctx) << 32));
	if (rep.err == 0) {
		kv_summary(kv, line, sizeof(line));
		printf("store: formatted: %s\n", line);
	} else {
		printf("store: format failed: %s\n", kv_err_msg(rep.err));
	}
	return store_reply_format(svc_send, ctx, m, &rep);
}

static const struct store_handlers handlers = {
    .put_req = on_put,
    .get_req = on_get,
    .del_req = on_del,
    .list_req = on_list,
    .status_req = on_status,
    .format_req = on_format,
};

static int dispatch(struct svc_client *c, uint8_t type, const void *buf,
		    size_t n)
{
	return store_dispatch(&handlers, c, type, buf, n);
}

static void reject(struct svc_client *c, uint8_t type, const void *buf, int n,
		   int err)
{
	struct store_error e = {type, 0, err};

	if (n >= 0) {
		store_call_id_of(type, buf, (size_t)n, &e.call_id);
	}
	store_send_error(svc_send, c, &e);
}

static struct service svc = {.name = "store", .dispatch = dispatch,
			     .reject = reject};

/* open_disk: the block device this core owns, or a ram disk */
static int open_disk(int argc, char **argv)
{
	uint64_t sectors;
	int r;

	if (argc == 1) {
		r = blkdev_open(&dev);
		if (r < 0) {
			printf("store: no block device: %s\n", err_msg(r));
		}
		return r;
	}
	if (argc != 3 || strcmp(argv[1], "ram") != 0 ||
	    parse_u64(argv[2], 10, UINT64_MAX, &sectors) < 0) {
		printf("usage: store [ram SECTORS]\n");
		return E_INVAL;
	}
	r = ramdisk_open(sectors, &dev);
	if (r < 0) {
		printf("store: no ram disk of %s sectors: %s\n", argv[2],
		       err_msg(r));
	}
	return r;
}

/* open_store: the disk and the store on it, and the status line */
static int open_store(int argc, char **argv)
{
	char line[300];
	int r = open_disk(argc, argv);

	if (r < 0) {
		return r;
	}
	r = kv_open(dev, &kv);
	if (r < 0) {
		printf("store: cannot read the disk: %s\n", err_msg(r));
		return r;
	}
	kv_summary(kv, line, sizeof(line));
	if (kv_state(kv) == KV_READY || kv_state(kv) == KV_FAILED) {
		printf("store: %s\n", line);
	} else {
		printf("store: %s; 'store format' to create one\n", line);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	if (open_store(argc, argv) < 0) {
		return 1;
	}
	r = mon_export("store");
	if (r < 0) {
		printf("store: cannot export 'store': %s\n", err_msg(r));
		return 1;
	}
	/* after the export: a client that waits for this line can bind */
	printf("store: serving \"store\"\n");
	return svc_run(&svc);
}
