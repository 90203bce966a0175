// SPDX-License-Identifier: MIT
/*
 * The shell's block store client: put, get, del, list and store speak
 * store.if (apps/store) to the service "store", bound on first use. Each
 * command is one generated call (store_<call>_call) with a deadline of
 * STORE_TIMEOUT_NS; a service that does not answer in time is reported
 * and bound again on the next command.
 */
#include <stdio.h>
#include <string.h>
#include <libos/bind.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <store_if.h>
#include "store_err.h"
#include "shell.h"

#define STORE_TIMEOUT_NS (5 * BIND_SECOND)

static struct svc_link store = {
	.service = "store",
	.driver = "the 'store' program drives the disk",
};

/* store_bind: a binding to the service, made on first use */
static int store_bind(const char *cmd)
{
	return link_bind(&store, cmd);
}

/* done: r, what a call gave, reported if it is an error of the call
 * itself (the reply's own err is the caller's to word) */
static int done(const char *cmd, int r)
{
	switch (r) {
	case 0:
		break;
	case E_TIMEOUT:
	case E_CLOSED:
		say("%s: no answer from the store service (%s)\n", cmd,
		    err_msg(r));
		/* given up (or it ended): the old binding is closed (its
		 * slot in the service comes back), bound again next time */
		link_drop(&store);
		break;
	case E_LOST:
		say("%s: the store service is gone: %s\n", cmd, err_msg(r));
		link_drop(&store); /* bound again (to its successor) next time */
		break;
	case E_FORMAT:
		say("%s: malformed answer from the store service\n", cmd);
		break;
	case E_FULL:
		say("%s: cannot send: %s\n", cmd, err_msg(r));
		break;
	default:
		say("%s: the store service refused: %s\n", cmd, err_msg(r));
	}
	return r;
}

/* CALL: bind if need be, then the call store_<c>_call, reported */
#define CALL(cmd, c, req, rep)                                                 \
	(store_bind(cmd) < 0                                                   \
	     ? -1                                                              \
	     : done(cmd, store_##c##_call(&store.b, (req), (rep),              \
					  STORE_TIMEOUT_NS)))

/* store_key: argv's key into a request's key field, or a message */
static int store_key(const char *cmd, const char *arg, char *key, size_t cap)
{
	if (strlcpy(key, arg, cap) >= cap) {
		say("%s: key too long (at most %u bytes)\n", cmd,
		    (unsigned)cap - 1);
		return -1;
	}
	return 0;
}

/* rest_after: the raw line after its first n words */
static const char *rest_after(int n)
{
	const char *p = raw_line;

	for (int i = 0; i < n; i++) {
		while (*p == ' ') {
			p++;
		}
		while (*p && *p != ' ') {
			p++;
		}
	}
	return *p == ' ' ? p + 1 : p;
}

void cmd_put(int argc, char **argv)
{
	static struct store_put_req q;
	struct store_put_reply rep;
	const char *val;
	size_t n;

	if (argc < 3) {
		out("usage: put KEY VALUE   (VALUE: the rest of the line)\n");
		return;
	}
	memset(&q, 0, sizeof(q));
	if (store_key("put", argv[1], q.key, sizeof(q.key)) < 0) {
		return;
	}
	val = rest_after(2);
	n = strlen(val);
	if (n > sizeof(q.value)) {
		say("put: value too long (at most %u bytes)\n",
		    (unsigned)sizeof(q.value));
		return;
	}
	memcpy(q.value, val, n);
	q.value_len = (uint16_t)n;
	if (CALL("put", put, &q, &rep) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("put: %s\n", store_err_msg(rep.err));
		return;
	}
	say("stored %s (%u bytes)\n", q.key, (unsigned)n);
}

/* out_value: the value as text, bytes outside ' '..'~' as '.' */
static void out_value(const uint8_t *v, size_t n)
{
	char buf[128];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		buf[k++] = v[i] >= ' ' && v[i] <= '~' ? (char)v[i] : '.';
		if (k == sizeof(buf)) {
			write_all(buf, k);
			k = 0;
		}
	}
	buf[k++] = '\n';
	write_all(buf, k);
}

void cmd_get(int argc, char **argv)
{
	struct store_get_req q = {0};
	static struct store_get_reply rep;

	if (argc != 2) {
		out("usage: get KEY\n");
		return;
	}
	if (store_key("get", argv[1], q.key, sizeof(q.key)) < 0 ||
	    CALL("get", get, &q, &rep) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("get: %s: %s\n", q.key, store_err_msg(rep.err));
		return;
	}
	out_value(rep.value, rep.value_len);
}

void cmd_del(int argc, char **argv)
{
	struct store_del_req q = {0};
	struct store_del_reply rep;

	if (argc != 2) {
		out("usage: del KEY\n");
		return;
	}
	if (store_key("del", argv[1], q.key, sizeof(q.key)) < 0 ||
	    CALL("del", del, &q, &rep) < 0) {
		return;
	}
	if (rep.err < 0) {
		say("del: %s: %s\n", q.key, store_err_msg(rep.err));
		return;
	}
	say("deleted %s\n", q.key);
}

/* list_page: prints one reply's keys; 1 if more follow (q->after set to
 * the last), 0 at the end, -1 on error */
static int list_page(struct store_list_req *q, unsigned *total)
{
	static struct store_list_reply rep;
	size_t off = 0;
	char key[sizeof(q->after)];

	if (CALL("list", list, q, &rep) < 0) {
		return -1;
	}
	if (rep.err < 0) {
		say("list: %s\n", store_err_msg(rep.err));
		return -1;
	}
	if (rep.val_lens_count != rep.key_lens_count ||
	    rep.damaged_count != rep.key_lens_count) {
		out("list: malformed answer from the store service\n");
		return -1;
	}
	for (uint16_t i = 0; i < rep.key_lens_count; i++) {
		size_t k = rep.key_lens[i];

		if (k == 0 || k >= sizeof(key) || off + k > rep.keys_len) {
			out("list: malformed answer from the store service\n");
			return -1;
		}
		memcpy(key, rep.keys + off, k);
		key[k] = 0;
		off += k;
		say("%-20s %4u bytes%s\n", key, rep.val_lens[i],
		    rep.damaged[i] ? "  DAMAGED" : "");
		strlcpy(q->after, key, sizeof(q->after));
		++*total;
	}
	return rep.more && rep.key_lens_count ? 1 : 0;
}

void cmd_list(int argc, char **argv)
{
	static struct store_list_req q;
	unsigned total = 0;
	int r;

	(void)argv;
	if (argc != 1) {
		out("usage: list\n");
		return;
	}
	memset(&q, 0, sizeof(q));
	while ((r = list_page(&q, &total)) == 1) {
	}
	if (r == 0) {
		say("%u key%s\n", total, total == 1 ? "" : "s");
	}
}

void cmd_store(int argc, char **argv)
{
	static struct store_status_reply st;
	struct store_status_req q = {0};
	struct store_format_req fq = {0};
	struct store_format_reply fr;

	if (argc == 2 && strcmp(argv[1], "format") == 0) {
		if (CALL("store", format, &fq, &fr) < 0) {
			return;
		}
		if (fr.err == E_PERM) {
			/* not "no usable store": the store refused us */
			out("store: format refused: only a program holding "
			    "the admin right may format the store\n");
			return;
		}
		if (fr.err < 0) {
			say("store: format failed: %s\n",
			    store_err_msg(fr.err));
			return;
		}
		out("store: formatted, every key is gone\n");
	} else if (argc != 1) {
		out("usage: store [format]\n");
		return;
	}
	if (CALL("store", status, &q, &st) < 0) {
		return;
	}
	out("store: ");
	out(st.text);
	out("\n");
}
