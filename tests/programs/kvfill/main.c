// SPDX-License-Identifier: MIT
/*
 * kvfill put|check FROM TO [PACE_MS]: put puts keys kFROM..k(TO-1) into
 * the block store, one call each (PACE_MS apart), then reads every one
 * back and compares it byte for byte; check only reads them back. A put the store does not acknowledge (its core failed:
 * the call errs or times out) is tried again, bound anew, until the store
 * answers again or GIVE_UP_NS passed: a key counts as committed once its
 * put was acknowledged. Used by tests/system/failover.test: the store's
 * core fails while kvfill runs, the store restarts on another core and
 * replays its log, and every acknowledged key must read back intact.
 *   kvfill: put k100 (1 of 300)
 *   kvfill: k137: no answer (connection closed); trying again
 *   kvfill: store answers again after 3120 ms
 *   kvfill: 300 keys committed (k100..k399)
 *   kvfill: 300 of 300 keys read back intact
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <channels/binding.h>
#include <libos/bind.h>
#include <libos/event.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <store_if.h>

#define CALL_NS (2 * BIND_SECOND)
#define GIVE_UP_NS (30 * BIND_SECOND)
#define KEYS_MAX 10000

static struct binding b;
static void *va;
static int bound;

static int connect(void)
{
	uint32_t pid;
	int r;

	if (bound) {
		return 0;
	}
	r = mon_bind("store", &va, &pid);
	if (r < 0) {
		return r;
	}
	bind_init(&b, va, 1, SYS_PID_CORE(pid), pid, &bind_env_libos);
	bound = 1;
	return 0;
}

static void drop(void)
{
	if (bound) {
		mon_close(va);
		bound = 0;
	}
}

/* value_of: what key n holds: its name and a pattern, 200 bytes */
static size_t value_of(uint32_t n, uint8_t *v)
{
	size_t len = 200;

	for (size_t i = 0; i < len; i++) {
		v[i] = (uint8_t)(n * 31 + i * 7);
	}
	snprintf((char *)v, 16, "value %u", n);
	return len;
}

/* call: one put (get: want_len 0) of key n, again and again till the
 * store answers or the deadline; 0, the store's own error, or the
 * transport's last one */
static int call(uint32_t n, int put, struct store_get_reply *got)
{
	static struct store_put_req pq;
	static struct store_put_reply pr;
	static struct store_get_req gq;
	uint64_t start = sys_time_ns();
	int r, tries = 0;

	for (;;) {
		r = connect();
		if (r < 0) {
			/* not bound (no store exported yet): try again */
		} else if (put) {
			memset(&pq, 0, sizeof(pq));
			snprintf(pq.key, sizeof(pq.key), "k%u", n);
			pq.value_len = (uint16_t)value_of(n, pq.value);
			r = store_put_call(&b, &pq, &pr, CALL_NS);
			r = r == 0 ? pr.err : r;
		} else {
			memset(&gq, 0, sizeof(gq));
			snprintf(gq.key, sizeof(gq.key), "k%u", n);
			r = store_get_call(&b, &gq, got, CALL_NS);
			r = r == 0 ? got->err : r;
		}
		if (bound && (r == 0 || (!put && r == E_NOENT))) {
			if (tries) {
				printf("kvfill: store answers again after %lu "
				       "ms\n",
				       (unsigned long)((sys_time_ns() - start) /
						       1000000));
			}
			return r;
		}
		if (tries++ == 0) {
			printf("kvfill: k%u: no answer (%s); trying again\n", n,
			       err_msg(r));
		}
		drop();
		if (sys_time_ns() - start > GIVE_UP_NS) {
			return r;
		}
		event_sleep_ns(100 * 1000 * 1000);
	}
}

int main(int argc, char **argv)
{
	static struct store_get_reply got;
	static uint8_t want[768];
	uint64_t from, to, pace = 0;
	uint32_t ok = 0;
	int r;

	int put = argc > 1 && strcmp(argv[1], "put") == 0;

	if (argc < 4 || (!put && strcmp(argv[1], "check") != 0) ||
	    parse_u64(argv[2], 10, KEYS_MAX, &from) < 0 ||
	    parse_u64(argv[3], 10, KEYS_MAX, &to) < 0 || to <= from ||
	    (argc > 4 && parse_u64(argv[4], 10, 1000, &pace) < 0)) {
		printf("usage: kvfill put|check FROM TO [PACE_MS]   (keys "
		       "kFROM..k(TO-1), TO at most %d)\n",
		       KEYS_MAX);
		return 2;
	}
	for (uint32_t n = (uint32_t)from; put && n < to; n++) {
		r = call(n, 1, NULL);
		if (r < 0) {
			printf("kvfill: k%u not committed: %s; giving up\n", n,
			       err_msg(r));
			return 1;
		}
		if (n == from || (n - from + 1) % 50 == 0) {
			printf("kvfill: put k%u (%lu of %lu)\n", n,
			       (unsigned long)(n - from + 1),
			       (unsigned long)(to - from));
		}
		if (pace) {
			event_sleep_ns(pace * 1000 * 1000);
		}
	}
	if (put) {
		printf("kvfill: %lu keys committed (k%lu..k%lu)\n",
		       (unsigned long)(to - from), (unsigned long)from,
		       (unsigned long)to - 1);
	}
	for (uint32_t n = (uint32_t)from; n < to; n++) {
		size_t len = value_of(n, want);

		r = call(n, 0, &got);
		if (r < 0) {
			printf("kvfill: k%u: cannot read it back: %s\n", n,
			       err_msg(r));
		} else if (got.value_len != len ||
			   memcmp(got.value, want, len) != 0) {
			printf("kvfill: k%u: read back %u bytes that differ\n",
			       n, got.value_len);
		} else {
			ok++;
		}
	}
	printf("kvfill: %u of %lu keys read back intact\n", ok,
	       (unsigned long)(to - from));
	drop();
	return ok == to - from ? 0 : 1;
}
