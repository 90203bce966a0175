/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the module bundle reader (cpudriver/bundle.c): a bundle
 * laid out the way site_scons/site_tools/grubiso.py writes it splits into
 * its members; every broken field gives an error and the sentence for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "abi/errors.h"
#include "bundle.h"

#define PHYS 0x200000ull

static uint8_t buf[4 * BUNDLE_ALIGN];
static struct boot_module mods[BOOT_MAX_MODULES];

static struct bundle_entry *entry(unsigned i)
{
	return (struct bundle_entry *)(buf + sizeof(struct bundle_head) +
				       i * sizeof(struct bundle_entry));
}

/* three members: "monitor" 100 bytes at 4096, "www/index.html" 5000 bytes
 * at 8192, "manifest" 0 bytes right behind it, at 16384 */
static uint64_t make(void)
{
	struct bundle_head h;

	memset(buf, 0, sizeof(buf));
	memcpy(h.magic, BUNDLE_MAGIC, 8);
	h.count = 3;
	h.zero = 0;
	memcpy(buf, &h, sizeof(h));
	strcpy(entry(0)->name, "monitor");
	entry(0)->offset = BUNDLE_ALIGN;
	entry(0)->size = 100;
	strcpy(entry(1)->name, "www/index.html");
	entry(1)->offset = 2 * BUNDLE_ALIGN;
	entry(1)->size = 5000;
	strcpy(entry(2)->name, "manifest");
	entry(2)->offset = 4 * BUNDLE_ALIGN;
	entry(2)->size = 0;
	memset(buf + BUNDLE_ALIGN, 'm', 100);
	return sizeof(buf);
}

static int split(uint64_t size, uint32_t *n, const char **why)
{
	return bundle_split(buf, size, PHYS, mods, BOOT_MAX_MODULES, n, why);
}

static void test_members(void **state)
{
	uint32_t n = 0;
	const char *why = 0;

	(void)state;
	assert_int_equal(split(make(), &n, &why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(why, "");
	assert_string_equal(mods[0].name, "monitor");
	assert_int_equal(mods[0].start, PHYS + BUNDLE_ALIGN);
	assert_int_equal(mods[0].end, PHYS + BUNDLE_ALIGN + 100);
	assert_string_equal(mods[1].name, "www/index.html");
	assert_int_equal(mods[1].start, PHYS + 2 * BUNDLE_ALIGN);
	assert_int_equal(mods[1].end, PHYS + 2 * BUNDLE_ALIGN + 5000);
	assert_string_equal(mods[2].name, "manifest");
	assert_int_equal(mods[2].start, PHYS + sizeof(buf));
	assert_int_equal(mods[2].end, PHYS + sizeof(buf));
	/* no members at all is a bundle too */
	((struct bundle_head *)buf)->count = 0;
	assert_int_equal(split(16, &n, &why), 0);
	assert_int_equal(n, 0);
}

/* expect: the bundle as changed by the caller fails with err and a
 * sentence containing `words` */
static void expect(uint64_t size, int err, const char *words)
{
	uint32_t n = 0;
	const char *why = 0;

	assert_int_equal(split(size, &n, &why), err);
	assert_non_null(why);
	assert_non_null(strstr(why, words));
}

static void test_not_a_bundle(void **state)
{
	(void)state;
	make();
	expect(15, E_FORMAT, "shorter");
	buf[0] = 'X';
	expect(sizeof(buf), E_FORMAT, "magic");
	make();
	((struct bundle_head *)buf)->zero = 1;
	expect(sizeof(buf), E_FORMAT, "magic");
	/* a text file that starts like one: its "count" is huge */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MKBUNDL1\0\0\0\0\0\0\0\0", 16);
	memcpy(buf + 8, "this", 4);
	expect(sizeof(buf), E_TOOBIG, "members");
}

static void test_table(void **state)
{
	uint32_t n;
	const char *why;

	(void)state;
	make();
	((struct bundle_head *)buf)->count = 5;
	expect(16 + 4 * 48, E_FORMAT, "table");
	/* more members than the caller has room for */
	make();
	assert_int_equal(bundle_split(buf, sizeof(buf), PHYS, mods, 2, &n,
				      &why), E_TOOBIG);
	/* the table itself reaches into the first member's page: fine when
	 * the member starts behind it, not when it starts inside it */
	make();
	entry(0)->offset = 0;
	expect(sizeof(buf), E_RANGE, "overlaps");
}

static void test_names(void **state)
{
	(void)state;
	make();
	entry(1)->name[0] = 0;
	expect(sizeof(buf), E_FORMAT, "name");
	make();
	memset(entry(1)->name, 'a', BUNDLE_NAME_MAX); /* no NUL */
	expect(sizeof(buf), E_FORMAT, "name");
	make();
	strcpy(entry(1)->name, "a b");
	expect(sizeof(buf), E_FORMAT, "name");
	make();
	entry(1)->name[20] = 'x'; /* a byte behind the NUL */
	expect(sizeof(buf), E_FORMAT, "name");
	make();
	strcpy(entry(1)->name, "bundle"); /* no bundle in a bundle */
	expect(sizeof(buf), E_FORMAT, "name");
	make();
	strcpy(entry(2)->name, "monitor");
	expect(sizeof(buf), E_FORMAT, "one name");
}

static void test_ranges(void **state)
{
	uint32_t n;
	const char *why;

	(void)state;
	make();
	entry(1)->offset += 8;
	expect(sizeof(buf), E_RANGE, "aligned");
	make();
	entry(1)->offset = BUNDLE_ALIGN; /* on top of member 0 */
	expect(sizeof(buf), E_RANGE, "overlaps");
	make();
	entry(2)->offset = 3 * BUNDLE_ALIGN;
	entry(1)->size = 2 * BUNDLE_ALIGN; /* into member 2's place */
	expect(sizeof(buf), E_RANGE, "overlaps");
	make();
	entry(2)->size = 1;
	expect(sizeof(buf), E_RANGE, "end");
	make();
	entry(2)->offset = 8 * BUNDLE_ALIGN;
	expect(sizeof(buf), E_RANGE, "end");
	make();
	entry(1)->size = UINT64_MAX - BUNDLE_ALIGN; /* wraps */
	expect(sizeof(buf), E_RANGE, "end");
	make();
	assert_int_equal(bundle_split(buf, sizeof(buf), PHYS + 64, mods,
				      BOOT_MAX_MODULES, &n, &why), E_RANGE);
	assert_int_equal(bundle_split(buf, sizeof(buf), UINT64_MAX & ~4095ull,
				      mods, BOOT_MAX_MODULES, &n, &why),
			 E_RANGE);
	assert_int_equal(bundle_split(NULL, 16, PHYS, mods, BOOT_MAX_MODULES,
				      &n, &why), E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_not_a_bundle),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
