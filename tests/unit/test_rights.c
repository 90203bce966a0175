/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the kernel's rights table (cpudriver/rights.c): SipHash
 * against the specification's test vectors, seals made by one core's
 * table and checked by another's (every field counts, memory seals once),
 * the doorbell rules (only peers' cores, a token bucket).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "abi/errors.h"
#include "rights.h"

#define K0 0x0706050403020100ull
#define K1 0x0f0e0d0c0b0a0908ull
#define TICKS 100 /* TSC ticks per doorbell token */

static struct rights a, b, c;

static int setup(void **state)
{
	(void)state;
	rights_init(&a, 1, K0, K1, TICKS);
	rights_init(&b, 2, K0, K1, TICKS);
	rights_init(&c, 3, K0, K1, TICKS);
	return 0;
}

/* The vectors of the SipHash paper (appendix A) and its reference code:
 * key 00 01 .. 0f, messages 00 01 .. (n-1). */
static void test_siphash_vectors(void **state)
{
	uint8_t msg[64];

	(void)state;
	for (int i = 0; i < 64; i++) {
		msg[i] = (uint8_t)i;
	}
	assert_int_equal(rights_siphash(K0, K1, msg, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(rights_siphash(K0, K1, msg, 1), 0x74f839c593dc67fdull);
	assert_int_equal(rights_siphash(K0, K1, msg, 8), 0x93f5f5799a932462ull);
	assert_int_equal(rights_siphash(K0, K1, msg, 15),
			 0xa129ca6149be45e5ull);
	assert_int_equal(rights_siphash(K0, K1, msg, 63),
			 0x958a324ceb064572ull);
}

static void test_chan_seal_roundtrip(void **state)
{
	struct sys_seal s;

	(void)state;
	rights_seal(&a, SEAL_CHAN, 0x200000, 4096, 2, 0x20005, &s);
	assert_int_not_equal(s.seq, 0);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &s),
			 0);
	/* once: the frame may be reused for another channel later */
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &s),
			 E_PERM);
}

/* channel seals from one core may arrive out of order (binds in flight
 * pass each other), within a window of 64, but each counts once */
static void test_chan_seal_window(void **state)
{
	struct sys_seal s[70];

	(void)state;
	for (int i = 0; i < 70; i++) {
		rights_seal(&a, SEAL_CHAN, 0x200000 + 4096ull * (uint64_t)i,
			    4096, 2, 0x20005, &s[i]);
	}
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 5,
				       4096, 1, 0x20005, &s[5]),
			 0);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 3,
				       4096, 1, 0x20005, &s[3]),
			 0);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 3,
				       4096, 1, 0x20005, &s[3]),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 69,
				       4096, 1, 0x20005, &s[69]),
			 0);
	/* seq 7 is 63 behind 70: good once; seqs 5 and 6 are 64 or more */
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 6,
				       4096, 1, 0x20005, &s[6]),
			 0);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 4,
				       4096, 1, 0x20005, &s[4]),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000 + 4096 * 5,
				       4096, 1, 0x20005, &s[5]),
			 E_PERM);
	/* another making core's window is its own */
	rights_seal(&c, SEAL_CHAN, 0x900000, 4096, 2, 0x20005, &s[0]);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x900000, 4096, 3,
				       0x20005, &s[0]),
			 0);
}

static void test_chan_seal_every_field(void **state)
{
	struct sys_seal s, t;

	(void)state;
	rights_seal(&a, SEAL_CHAN, 0x200000, 4096, 2, 0x20005, &s);
	/* another frame, size, maker, process, kind */
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x201000, 4096, 1,
				       0x20005, &s),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 8192, 1,
				       0x20005, &s),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 3,
				       0x20005, &s),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20006, &s),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1, 0,
				       &s),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_MEM, 0x200000, 4096, 1,
				       0x20005, &s),
			 E_PERM);
	/* another core than the one it was made for */
	assert_int_equal(rights_unseal(&c, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &s),
			 E_PERM);
	/* a changed sequence number or MAC, a zero seal */
	t = s;
	t.seq++;
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &t),
			 E_PERM);
	t = s;
	t.mac ^= 1;
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &t),
			 E_PERM);
	memset(&t, 0, sizeof(t));
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &t),
			 E_PERM);
	assert_int_equal(rights_unseal(&b, SEAL_CHAN, 0x200000, 4096, 999,
				       0x20005, &s),
			 E_PERM);
	/* a kernel with another key */
	rights_init(&c, 2, K0 ^ 1, K1, TICKS);
	assert_int_equal(rights_unseal(&c, SEAL_CHAN, 0x200000, 4096, 1,
				       0x20005, &s),
			 E_PERM);
}

static void test_mem_seal_once(void **state)
{
	struct sys_seal s1, s2, s3;

	(void)state;
	rights_seal(&a, SEAL_MEM, 0x400000, 2 << 20, 2, 0, &s1);
	rights_seal(&a, SEAL_MEM, 0x600000, 2 << 20, 2, 0, &s2);
	rights_seal(&c, SEAL_MEM, 0x800000, 2 << 20, 2, 0, &s3);
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0x400000, 2 << 20, 1, 0, &s1), 0);
	/* the same range again (given back, then replayed): refused */
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0x400000, 2 << 20, 1, 0, &s1),
	    E_PERM);
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0x600000, 2 << 20, 1, 0, &s2), 0);
	/* an older one after a newer one: refused */
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0x400000, 2 << 20, 1, 0, &s1),
	    E_PERM);
	/* another lender's count is its own */
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0x800000, 2 << 20, 3, 0, &s3), 0);
	/* a lent range is for the borrowing core's monitor only */
	rights_seal(&a, SEAL_MEM, 0xa00000, 2 << 20, 2, 0, &s1);
	assert_int_equal(
	    rights_unseal(&b, SEAL_MEM, 0xa00000, 2 << 20, 1, 0x20005, &s1),
	    E_PERM);
}

static void test_doorbell_peers(void **state)
{
	(void)state;
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 0), E_NOENT);
	assert_int_equal(rights_proc_add(&a, 0x10002, 0), 0);
	assert_int_equal(rights_proc_add(&a, 0x10002, 0), E_INVAL);
	assert_int_equal(rights_proc_add(&a, 0, 0), E_INVAL);
	/* its own core: yes; another: only once it holds a channel there */
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 0), 0);
	assert_int_equal(rights_doorbell(&a, 0x10002, 7, 0), E_PERM);
	assert_int_equal(rights_peer_add(&a, 0x10002, 7), 0);
	assert_int_equal(rights_doorbell(&a, 0x10002, 7, 0), 0);
	assert_int_equal(rights_doorbell(&a, 0x10002, 255, 0), E_PERM);
	assert_int_equal(rights_doorbell(&a, 0x10002, 256, 0), E_PERM);
	assert_int_equal(rights_peer_add(&a, 0x10002, 256), E_RANGE);
	assert_int_equal(rights_peer_add(&a, 0x10003, 7), E_NOENT);
	/* gone: nothing left; back with the same pid: a fresh row */
	rights_proc_gone(&a, 0x10002);
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 0), E_NOENT);
	assert_int_equal(rights_proc_add(&a, 0x10002, 0), 0);
	assert_int_equal(rights_doorbell(&a, 0x10002, 7, 0), E_PERM);
}

static void test_doorbell_rate(void **state)
{
	int i;

	(void)state;
	assert_int_equal(rights_proc_add(&a, 0x10002, 1000), 0);
	for (i = 0; i < RIGHTS_BELL_BURST; i++) {
		assert_int_equal(rights_doorbell(&a, 0x10002, 1, 1000), 0);
	}
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 1000), E_AGAIN);
	/* 3.5 intervals later: three more */
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    rights_doorbell(&a, 0x10002, 1, 1000 + 3 * TICKS + 50), 0);
	}
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 1000 + 3 * TICKS + 50),
			 E_AGAIN);
	/* the half interval left over counts: one more at 4 intervals */
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 1000 + 4 * TICKS), 0);
	/* a clock that goes back gives nothing */
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 10), E_AGAIN);
	/* a long pause fills the bucket, never beyond the burst */
	for (i = 0; i < RIGHTS_BELL_BURST; i++) {
		assert_int_equal(
		    rights_doorbell(&a, 0x10002, 1, 1ull << 40), 0);
	}
	assert_int_equal(rights_doorbell(&a, 0x10002, 1, 1ull << 40), E_AGAIN);
	/* another process has its own bucket */
	assert_int_equal(rights_proc_add(&a, 0x10003, 1ull << 40), 0);
	assert_int_equal(rights_doorbell(&a, 0x10003, 1, 1ull << 40), 0);
}

static void test_table_full(void **state)
{
	(void)state;
	for (uint32_t i = 1; i <= RIGHTS_MAX_PROCS; i++) {
		assert_int_equal(rights_proc_add(&a, 0x10000 | i, 0), 0);
	}
	assert_int_equal(rights_proc_add(&a, 0x10100, 0), E_FULL);
	rights_proc_gone(&a, 0x10005);
	assert_int_equal(rights_proc_add(&a, 0x10100, 0), 0);
	/* a pid not in the table: nothing happens */
	rights_proc_gone(&a, 0x1ffff);
	assert_int_equal(rights_doorbell(&a, 0x10100, 1, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_siphash_vectors, setup),
	    cmocka_unit_test_setup(test_chan_seal_roundtrip, setup),
	    cmocka_unit_test_setup(test_chan_seal_every_field, setup),
	    cmocka_unit_test_setup(test_chan_seal_window, setup),
	    cmocka_unit_test_setup(test_mem_seal_once, setup),
	    cmocka_unit_test_setup(test_doorbell_peers, setup),
	    cmocka_unit_test_setup(test_doorbell_rate, setup),
	    cmocka_unit_test_setup(test_table_full, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
