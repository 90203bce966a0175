/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the Multiboot2 information parser (cpudriver/mb2.c).
 *
 * Each test builds an information block the way GRUB lays it out (8-byte
 * aligned tags after the fixed part, end tag last) with a small builder,
 * then checks what mb2_parse() reports. Rejection tests break one thing at
 * a time. Truncation tests copy the block into a heap buffer of exactly the
 * truncated length so that AddressSanitizer catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "mb2.h"
#include "mb2_reg.h"

#define BLOCK_MAX 16384

struct block {
	uint64_t words[BLOCK_MAX / 8]; /* keeps the block 8-byte aligned */
	size_t len;
};

static uint8_t *block_bytes(struct block *b)
{
	return (uint8_t *)b->words;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void block_init(struct block *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Appends a tag with `plen` payload bytes; returns the tag's offset. */
static size_t block_tag(struct block *b, uint32_t type, const void *payload,
			size_t plen)
{
	size_t off = b->len;
	uint8_t *p = block_bytes(b) + off;

	assert_true(off + 8 + plen + 8 <= BLOCK_MAX);
	put32(p, type);
	put32(p + 4, (uint32_t)(8 + plen));
	if (plen > 0) {
		memcpy(p + 8, payload, plen);
	}
	b->len = (off + 8 + plen + 7) & ~(size_t)7;
	return off;
}

static void block_string(struct block *b, uint32_t type, const char *s)
{
	block_tag(b, type, s, strlen(s) + 1);
}

static void block_module(struct block *b, uint32_t start, uint32_t end,
			 const char *s)
{
	uint8_t payload[128];
	size_t n = strlen(s) + 1;

	put32(payload, start);
	put32(payload + 4, end);
	memcpy(payload + 8, s, n);
	block_tag(b, MB2_TAG_MODULE, payload, 8 + n);
}

struct raw_mmap {
	uint64_t base, len;
	uint32_t type;
};

static void block_mmap(struct block *b, uint32_t entry_size,
		       const struct raw_mmap *e, size_t n)
{
	static uint8_t payload[8 + 200 * 40];
	size_t i;

	assert_true(n <= 200 && entry_size <= 40);
	memset(payload, 0xAB, sizeof(payload));
	put32(payload, entry_size);
	put32(payload + 4, 0);
	for (i = 0; i < n; i++) {
		uint8_t *p = payload + 8 + i * entry_size;

		put64(p, e[i].base);
		put64(p + 8, e[i].len);
		put32(p + 16, e[i].type);
		put32(p + 20, 0);
	}
	block_tag(b, MB2_TAG_MMAP, payload, 8 + n * entry_size);
}

static void block_end(struct block *b)
{
	block_tag(b, MB2_TAG_END, NULL, 0);
	put32(block_bytes(b), (uint32_t)b->len);
}

/* A 20-byte RSDP v1 as SeaBIOS builds it (checksum not needed by mb2). */
static const uint8_t rsdp_v1[20] = {'R', 'S',  'D',  ' ',  'P',	 'T', 'R',
				    ' ', 0x5a, 'B',  'O',  'C',	 'H', 'S',
				    ' ', 0,    0x00, 0x10, 0xfe, 0x7f};

static uint8_t rsdp_v2[36];

static const struct raw_mmap qemu_map[] = {
    {0x0, 0x9fc00, 1},
    {0x9fc00, 0x400, 2},
    {0xf0000, 0x10000, 2},
    {0x100000, 0x7fee0000, 1},
    {0x7ffe0000, 0x20000, 2},
    {0xfffc0000, 0x40000, 2},
    {0x100000000, 0x80000000, 1},
};

/* The block GRUB gives the CPU driver when booted from the ISO in QEMU. */
static void build_grub_like(struct block *b)
{
	uint8_t meminfo[12], fb[24];

	memset(rsdp_v2, 0, sizeof(rsdp_v2));
	memcpy(rsdp_v2, "RSD PTR ", 8);
	rsdp_v2[15] = 2;
	block_init(b);
	block_string(b, MB2_TAG_CMDLINE, "");
	block_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	block_module(b, 0x10b000, 0x12e4a8, "monitor");
	block_module(b, 0x12f000, 0x1403c0, "hello");
	block_module(b, 0x141000, 0x141050, "manifest");
	put32(meminfo, 639);
	put32(meminfo + 4, 2096000);
	put32(meminfo + 8, 0);
	block_tag(b, MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	block_tag(b, MB2_TAG_BOOTDEV, meminfo, 12);
	block_mmap(b, 24, qemu_map, sizeof(qemu_map) / sizeof(qemu_map[0]));
	memset(fb, 0, sizeof(fb));
	block_tag(b, MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	block_tag(b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	block_tag(b, 21, meminfo, 4); /* load base address: unknown here */
	block_end(b);
}

static int parse_block(struct block *b, struct mb2_info *info)
{
	return mb2_parse(block_bytes(b), b->len, info);
}

static struct block blk;
static struct mb2_info info;

static void test_grub_like(void **state)
{
	(void)state;
	build_grub_like(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_int_equal(info.total_size, blk.len);
	assert_non_null(info.cmdline);
	assert_string_equal(info.cmdline, "");
	assert_string_equal(info.loader_name, "GRUB 2.06-13+deb12u1");
	assert_int_equal(info.n_modules, 3);
	assert_int_equal(info.modules[0].start, 0x10b000);
	assert_int_equal(info.modules[0].end, 0x12e4a8);
	assert_string_equal(info.modules[0].cmdline, "monitor");
	assert_string_equal(info.modules[1].cmdline, "hello");
	assert_int_equal(info.modules[2].start, 0x141000);
	assert_int_equal(info.modules[2].end, 0x141050);
	assert_string_equal(info.modules[2].cmdline, "manifest");
	assert_int_equal(info.n_mmap, 7);
	assert_int_equal(info.mmap[3].base, 0x100000);
	assert_int_equal(info.mmap[3].len, 0x7fee0000);
	assert_int_equal(info.mmap[3].type, 1);
	assert_int_equal(info.mmap[4].type, 2);
	assert_int_equal(info.mmap[6].base, 0x100000000ull);
	assert_int_equal(info.mmap[6].len, 0x80000000ull);
	assert_non_null(info.rsdp);
	assert_int_equal(info.rsdp_len, 20);
	assert_int_equal(info.rsdp_rev2, 0);
	assert_memory_equal(info.rsdp, rsdp_v1, 20);
	/* The RSDP pointer points into the block, not at a copy. */
	assert_true((const uint8_t *)info.rsdp > block_bytes(&blk) &&
		    (const uint8_t *)info.rsdp < block_bytes(&blk) + blk.len);
}

static void test_minimal(void **state)
{
	(void)state;
	block_init(&blk);
	block_end(&blk);
	assert_int_equal(blk.len, 16);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_null(info.cmdline);
	assert_null(info.loader_name);
	assert_null(info.rsdp);
	assert_int_equal(info.n_mmap, 0);
	assert_int_equal(info.n_modules, 0);
}

static void test_unaligned_block(void **state)
{
	static uint8_t raw[BLOCK_MAX + 1];

	(void)state;
	build_grub_like(&blk);
	memcpy(raw + 1, block_bytes(&blk), blk.len);
	assert_int_equal(mb2_parse(raw + 1, blk.len, &info), 0);
	assert_int_equal(info.n_mmap, 7);
	assert_string_equal(info.modules[1].cmdline, "hello");
	assert_true((const uint8_t *)info.modules[1].cmdline > raw);
}

static void test_avail_larger_than_block(void **state)
{
	(void)state;
	build_grub_like(&blk);
	assert_int_equal(mb2_parse(block_bytes(&blk), BLOCK_MAX, &info), 0);
	assert_int_equal(info.total_size, blk.len);
}

static void test_mmap_wide_entries(void **state)
{
	(void)state;
	block_init(&blk);
	block_mmap(&blk, 40, qemu_map, 3);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_int_equal(info.n_mmap, 3);
	assert_int_equal(info.mmap[1].base, 0x9fc00);
	assert_int_equal(info.mmap[1].len, 0x400);
	assert_int_equal(info.mmap[1].type, 2);
	assert_int_equal(info.mmap[2].base, 0xf0000);
}

static void test_rsdp_new_preferred(void **state)
{
	int order;

	(void)state;
	build_grub_like(&blk); /* fills rsdp_v2 */
	for (order = 0; order < 2; order++) {
		block_init(&blk);
		if (order == 0) {
			block_tag(&blk, MB2_TAG_ACPI_OLD, rsdp_v1, 20);
			block_tag(&blk, MB2_TAG_ACPI_NEW, rsdp_v2, 36);
		} else {
			block_tag(&blk, MB2_TAG_ACPI_NEW, rsdp_v2, 36);
			block_tag(&blk, MB2_TAG_ACPI_OLD, rsdp_v1, 20);
		}
		block_end(&blk);
		assert_int_equal(parse_block(&blk, &info), 0);
		assert_int_equal(info.rsdp_rev2, 1);
		assert_int_equal(info.rsdp_len, 36);
		assert_memory_equal(info.rsdp, rsdp_v2, 36);
	}
}

static void test_rsdp_too_short(void **state)
{
	(void)state;
	block_init(&blk);
	block_tag(&blk, MB2_TAG_ACPI_OLD, rsdp_v1, 19);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	block_init(&blk);
	block_tag(&blk, MB2_TAG_ACPI_NEW, rsdp_v1, 20);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_null_args(void **state)
{
	(void)state;
	build_grub_like(&blk);
	assert_int_equal(mb2_parse(NULL, 100, &info), E_INVAL);
	assert_int_equal(mb2_parse(block_bytes(&blk), blk.len, NULL),
			 E_INVAL);
}

/* Every prefix of a good block, with the claimed size left unchanged. */
static void test_truncated_avail(void **state)
{
	size_t n;

	(void)state;
	build_grub_like(&blk);
	for (n = 0; n < blk.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, block_bytes(&blk), n);
		assert_true(mb2_parse(copy, n, &info) < 0);
		if (n >= 8) {
			assert_int_equal(mb2_parse(copy, n, &info), E_RANGE);
		}
		free(copy);
	}
}

/* Every prefix of a good block, which also claims to be that long. */
static void test_truncated_total(void **state)
{
	size_t n;

	(void)state;
	build_grub_like(&blk);
	for (n = 0; n < blk.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, block_bytes(&blk), n);
		if (n >= 4) {
			put32(copy, (uint32_t)n);
		}
		assert_true(mb2_parse(copy, n, &info) < 0);
		if (n >= 8) {
			assert_int_equal(mb2_parse(copy, n, &info), E_FORMAT);
		}
		free(copy);
	}
}

static void test_total_size_small(void **state)
{
	uint32_t t;

	(void)state;
	block_init(&blk);
	block_end(&blk);
	for (t = 0; t < 16; t++) {
		put32(block_bytes(&blk), t);
		assert_int_equal(parse_block(&blk, &info), E_FORMAT);
	}
	put32(block_bytes(&blk), 0xffffffffu);
	assert_int_equal(parse_block(&blk, &info), E_RANGE);
}

static void test_tag_size_bad(void **state)
{
	uint32_t bad[] = {0, 1, 7, 0xfffffff8u, 0xffffffffu};
	size_t off, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		block_init(&blk);
		off = block_tag(&blk, 21, "abcdefgh", 8);
		block_end(&blk);
		put32(block_bytes(&blk) + off + 4, bad[i]);
		assert_int_equal(parse_block(&blk, &info), E_FORMAT);
	}
	/* A tag exactly one byte too long for the block. */
	block_init(&blk);
	off = block_tag(&blk, 21, "abcdefgh", 8);
	block_end(&blk);
	put32(block_bytes(&blk) + off + 4, (uint32_t)(blk.len - off + 1));
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_end_tag_missing(void **state)
{
	(void)state;
	block_init(&blk);
	block_string(&blk, MB2_TAG_CMDLINE, "x");
	put32(block_bytes(&blk), (uint32_t)blk.len);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	/* Room for only half an end tag. */
	block_init(&blk);
	block_string(&blk, MB2_TAG_CMDLINE, "x");
	blk.len += 4;
	put32(block_bytes(&blk), (uint32_t)blk.len);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_unknown_tags_skipped(void **state)
{
	(void)state;
	block_init(&blk);
	block_tag(&blk, 0x7777, "abc", 3); /* size 11, padded to 16 */
	block_tag(&blk, 9, "", 0);
	block_string(&blk, MB2_TAG_CMDLINE, "console=com1");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_string_equal(info.cmdline, "console=com1");
}

static void test_string_unterminated(void **state)
{
	size_t off;

	(void)state;
	block_init(&blk);
	off = block_tag(&blk, MB2_TAG_CMDLINE, "abcdefgh", 8);
	block_end(&blk);
	(void)off;
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	block_init(&blk);
	block_tag(&blk, MB2_TAG_LOADER_NAME, "", 0);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	/* NUL only in the padding after the tag does not count. */
	block_init(&blk);
	block_tag(&blk, MB2_TAG_CMDLINE, "abc", 3);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_duplicate_strings(void **state)
{
	(void)state;
	block_init(&blk);
	block_string(&blk, MB2_TAG_CMDLINE, "a");
	block_string(&blk, MB2_TAG_CMDLINE, "b");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	block_init(&blk);
	block_mmap(&blk, 24, qemu_map, 1);
	block_mmap(&blk, 24, qemu_map, 1);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_module_bad(void **state)
{
	uint8_t payload[16];

	(void)state;
	block_init(&blk);
	block_module(&blk, 0x2000, 0x1000, "backwards");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_RANGE);

	/* start == end is an empty module, allowed. */
	block_init(&blk);
	block_module(&blk, 0x2000, 0x2000, "");
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_string_equal(info.modules[0].cmdline, "");

	/* No room for the string's NUL. */
	memset(payload, 'x', sizeof(payload));
	put32(payload, 0x1000);
	put32(payload + 4, 0x2000);
	block_init(&blk);
	block_tag(&blk, MB2_TAG_MODULE, payload, 8);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	block_init(&blk);
	block_tag(&blk, MB2_TAG_MODULE, payload, 12);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	/* Shorter than its fixed fields. */
	block_init(&blk);
	block_tag(&blk, MB2_TAG_MODULE, payload, 4);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
}

static void test_module_count(void **state)
{
	int i;

	(void)state;
	block_init(&blk);
	for (i = 0; i < MB2_MAX_MODULES; i++) {
		block_module(&blk, 0x1000u * i, 0x1000u * i + 1, "m");
	}
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_int_equal(info.n_modules, MB2_MAX_MODULES);
	assert_int_equal(info.modules[31].start, 0x1f000);

	block_init(&blk);
	for (i = 0; i < MB2_MAX_MODULES + 1; i++) {
		block_module(&blk, 0x1000u * i, 0x1000u * i + 1, "m");
	}
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_TOOBIG);
}

static void test_mmap_bad(void **state)
{
	static struct raw_mmap many[MB2_MAX_MMAP + 1];
	uint8_t payload[8 + 24];
	uint32_t es;
	size_t off;
	int i;

	(void)state;
	for (es = 0; es < 24; es++) {
		memset(payload, 0, sizeof(payload));
		put32(payload, es);
		block_init(&blk);
		block_tag(&blk, MB2_TAG_MMAP, payload, sizeof(payload));
		block_end(&blk);
		assert_int_equal(parse_block(&blk, &info), E_FORMAT);
	}
	/* Payload not a whole number of entries. */
	block_init(&blk);
	off = block_tag(&blk, MB2_TAG_MMAP, payload, sizeof(payload));
	put32(block_bytes(&blk) + off + 8, 24);
	put32(block_bytes(&blk) + off + 4, 8 + 8 + 20);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);
	/* Tag too short for its own entry_size field. */
	block_init(&blk);
	block_tag(&blk, MB2_TAG_MMAP, payload, 4);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_FORMAT);

	for (i = 0; i <= MB2_MAX_MMAP; i++) {
		many[i].base = 0x1000ull * i;
		many[i].len = 0x1000;
		many[i].type = 1;
	}
	block_init(&blk);
	block_mmap(&blk, 24, many, MB2_MAX_MMAP);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_int_equal(info.n_mmap, MB2_MAX_MMAP);
	assert_int_equal(info.mmap[127].base, 0x7f000);

	block_init(&blk);
	block_mmap(&blk, 24, many, MB2_MAX_MMAP + 1);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), E_TOOBIG);

	/* An empty map is allowed. */
	block_init(&blk);
	block_mmap(&blk, 24, many, 0);
	block_end(&blk);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_int_equal(info.n_mmap, 0);
}

/* Tags after the end tag are never looked at. */
static void test_after_end_ignored(void **state)
{
	size_t end_off;

	(void)state;
	block_init(&blk);
	end_off = block_tag(&blk, MB2_TAG_END, NULL, 0);
	block_string(&blk, MB2_TAG_CMDLINE, "after");
	put32(block_bytes(&blk), (uint32_t)blk.len);
	assert_int_equal(end_off, 8);
	assert_int_equal(parse_block(&blk, &info), 0);
	assert_null(info.cmdline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grub_like),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_unaligned_block),
	    cmocka_unit_test(test_avail_larger_than_block),
	    cmocka_unit_test(test_mmap_wide_entries),
	    cmocka_unit_test(test_rsdp_new_preferred),
	    cmocka_unit_test(test_rsdp_too_short),
	    cmocka_unit_test(test_null_args),
	    cmocka_unit_test(test_truncated_avail),
	    cmocka_unit_test(test_truncated_total),
	    cmocka_unit_test(test_total_size_small),
	    cmocka_unit_test(test_tag_size_bad),
	    cmocka_unit_test(test_end_tag_missing),
	    cmocka_unit_test(test_unknown_tags_skipped),
	    cmocka_unit_test(test_string_unterminated),
	    cmocka_unit_test(test_duplicate_strings),
	    cmocka_unit_test(test_module_bad),
	    cmocka_unit_test(test_module_count),
	    cmocka_unit_test(test_mmap_bad),
	    cmocka_unit_test(test_after_end_ignored),
	};

	return cmocka_run_group_tests_name("mb2", tests, NULL, NULL);
}
