/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the ELF64 loader (cpudriver/elf.c).
 *
 * The tests build executables byte by byte with the layout GNU ld gives a
 * static x86-64 program with -z separate-code: a read-only segment holding
 * the headers, the text, the read-only data and a data+bss segment whose
 * start is congruent with its file offset modulo the page size. Each
 * rejection test breaks one field of that good image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "elf.h"
#include "elf_reg.h"

#define USER_LO 0x400000ull
#define USER_HI 0x800000000000ull
#define FILE_MAX 0x8000

struct elfb {
	uint8_t buf[FILE_MAX];
	size_t len;
	struct elf_reg_ehdr eh;
	struct elf_reg_phdr ph[24];
	unsigned n;
};

static struct elfb b;
static struct elf_image img;

static struct elf_reg_phdr phdr(uint32_t type, uint32_t flags, uint64_t off,
				uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	struct elf_reg_phdr p = {
	    .p_type = type,
	    .p_flags = flags,
	    .p_offset = off,
	    .p_vaddr = vaddr,
	    .p_paddr = vaddr,
	    .p_filesz = filesz,
	    .p_memsz = memsz,
	    .p_align = type == ELF_PT_LOAD ? 0x1000 : 8,
	};

	return p;
}

/* The good image: 4 PT_LOADs, a note and GNU_STACK; entry in the text. */
static void good(void)
{
	memset(&b, 0, sizeof(b));
	memcpy(b.eh.e_ident, ELF_MAGIC, 4);
	b.eh.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	b.eh.e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
	b.eh.e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
	b.eh.e_type = ELF_ET_EXEC;
	b.eh.e_machine = ELF_EM_X86_64;
	b.eh.e_version = ELF_EV_CURRENT;
	b.eh.e_entry = 0x401010;
	b.eh.e_phoff = 64;
	b.eh.e_ehsize = 64;
	b.eh.e_phentsize = 56;
	b.eh.e_shentsize = 64;
	b.ph[0] = phdr(ELF_PT_LOAD, ELF_PF_R, 0, 0x400000, 0x190, 0x190);
	b.ph[1] = phdr(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x401000, 0x85,
		       0x85);
	b.ph[2] = phdr(ELF_PT_LOAD, ELF_PF_R, 0x2000, 0x402000, 0x40, 0x40);
	b.ph[3] = phdr(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2ff0, 0x403ff0, 0x20,
		       0x1020);
	b.ph[4] = phdr(ELF_PT_NOTE, ELF_PF_R, 0x158, 0x400158, 0x30, 0x30);
	b.ph[5] = phdr(ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0);
	b.n = 6;
	b.len = 0x3010;
}

/* Writes header, program headers and a byte pattern into b.buf. */
static void emit(void)
{
	size_t i;

	for (i = 0; i < sizeof(b.buf); i++) {
		b.buf[i] = (uint8_t)(i * 7 + 1);
	}
	b.eh.e_phnum = (uint16_t)b.n;
	memcpy(b.buf, &b.eh, sizeof(b.eh));
	memcpy(b.buf + 64, b.ph, b.n * sizeof(b.ph[0]));
}

static int parse(void)
{
	emit();
	return elf_parse(b.buf, b.len, USER_LO, USER_HI, &img);
}

/* A fake user address space [USER_LO, USER_LO + SPACE) for elf_load. */
#define SPACE 0x6000
static uint8_t space[SPACE];

static void *space_dest(void *ctx, const struct elf_segment *seg)
{
	unsigned *calls = ctx;

	(*calls)++;
	assert_true(seg->vaddr >= USER_LO);
	assert_true(seg->vaddr - USER_LO + seg->memsz <= SPACE);
	return space + (seg->vaddr - USER_LO);
}

static void *null_dest(void *ctx, const struct elf_segment *seg)
{
	(void)ctx;
	(void)seg;
	return NULL;
}

static void test_good(void **state)
{
	(void)state;
	good();
	assert_int_equal(parse(), 0);
	assert_int_equal(img.entry, 0x401010);
	assert_int_equal(img.n_segments, 4);
	assert_int_equal(img.seg[0].vaddr, 0x400000);
	assert_int_equal(img.seg[0].flags, ELF_PF_R);
	assert_int_equal(img.seg[1].vaddr, 0x401000);
	assert_int_equal(img.seg[1].offset, 0x1000);
	assert_int_equal(img.seg[1].filesz, 0x85);
	assert_int_equal(img.seg[1].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(img.seg[3].vaddr, 0x403ff0);
	assert_int_equal(img.seg[3].offset, 0x2ff0);
	assert_int_equal(img.seg[3].filesz, 0x20);
	assert_int_equal(img.seg[3].memsz, 0x1020);
	assert_int_equal(img.seg[3].flags, ELF_PF_R | ELF_PF_W);
}

static void test_load(void **state)
{
	unsigned calls = 0;
	uint32_t i;
	size_t k;

	(void)state;
	good();
	assert_int_equal(parse(), 0);
	memset(space, 0xcc, sizeof(space));
	assert_int_equal(elf_load(b.buf, b.len, &img, space_dest, &calls), 0);
	assert_int_equal(calls, 4);
	for (i = 0; i < img.n_segments; i++) {
		const struct elf_segment *s = &img.seg[i];
		const uint8_t *d = space + (s->vaddr - USER_LO);

		assert_memory_equal(d, b.buf + s->offset, s->filesz);
		for (k = s->filesz; k < s->memsz; k++) {
			assert_int_equal(d[k], 0);
		}
	}
	/* Bytes between segments are untouched. */
	assert_int_equal(space[0x190], 0xcc);
	assert_int_equal(space[0x1085], 0xcc);
	assert_int_equal(space[0x3fef], 0xcc);
	assert_int_equal(space[0x5010], 0xcc);
	/* The ELF header itself is in the first segment. */
	assert_memory_equal(space, ELF_MAGIC, 4);
}

static void test_load_errors(void **state)
{
	unsigned calls = 0;
	struct elf_image bad;

	(void)state;
	good();
	assert_int_equal(parse(), 0);
	assert_int_equal(elf_load(b.buf, b.len, &img, null_dest, NULL),
			 E_NOMEM);
	assert_int_equal(elf_load(NULL, b.len, &img, space_dest, &calls),
			 E_INVAL);
	assert_int_equal(elf_load(b.buf, b.len, NULL, space_dest, &calls),
			 E_INVAL);
	assert_int_equal(elf_load(b.buf, b.len, &img, NULL, &calls), E_INVAL);
	/* An image that does not belong to this data. */
	bad = img;
	bad.seg[1].offset = b.len - 0x84;
	assert_int_equal(elf_load(b.buf, b.len, &bad, space_dest, &calls),
			 E_RANGE);
	bad = img;
	bad.seg[1].offset = UINT64_MAX - 1;
	assert_int_equal(elf_load(b.buf, b.len, &bad, space_dest, &calls),
			 E_RANGE);
	bad = img;
	bad.seg[1].filesz = bad.seg[1].memsz + 1;
	assert_int_equal(elf_load(b.buf, b.len, &bad, space_dest, &calls),
			 E_RANGE);
	bad = img;
	bad.n_segments = ELF_MAX_SEGMENTS + 1;
	assert_int_equal(elf_load(b.buf, b.len, &bad, space_dest, &calls),
			 E_INVAL);
	/* The data is smaller than the image needs. */
	assert_int_equal(elf_load(b.buf, 0x3000, &img, space_dest, &calls),
			 E_RANGE);
}

static void test_unaligned(void **state)
{
	static uint8_t raw[FILE_MAX + 3];

	(void)state;
	good();
	emit();
	memcpy(raw + 3, b.buf, b.len);
	assert_int_equal(elf_parse(raw + 3, b.len, USER_LO, USER_HI, &img), 0);
	assert_int_equal(img.n_segments, 4);
}

static void test_args(void **state)
{
	(void)state;
	good();
	emit();
	assert_int_equal(elf_parse(NULL, b.len, USER_LO, USER_HI, &img),
			 E_INVAL);
	assert_int_equal(elf_parse(b.buf, b.len, USER_LO, USER_HI, NULL),
			 E_INVAL);
	assert_int_equal(elf_parse(b.buf, b.len, USER_HI, USER_LO, &img),
			 E_INVAL);
	assert_int_equal(elf_parse(b.buf, b.len, USER_LO, USER_LO, &img),
			 E_INVAL);
}

/* Every truncation of the good file: heap copy of exactly n bytes. */
static void test_truncated(void **state)
{
	size_t n;
	int rc;

	(void)state;
	good();
	emit();
	for (n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.buf, n);
		rc = elf_parse(copy, n, USER_LO, USER_HI, &img);
		free(copy);
		assert_int_equal(rc, n < 64 ? E_FORMAT : E_RANGE);
	}
}

static void test_ident(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		good();
		b.eh.e_ident[i] ^= 0x20;
		assert_int_equal(parse(), E_FORMAT);
	}
	good();
	b.eh.e_ident[ELF_EI_CLASS] = 1;
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.eh.e_ident[ELF_EI_DATA] = 2;
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.eh.e_ident[ELF_EI_VERSION] = 0;
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.eh.e_version = 2;
	assert_int_equal(parse(), E_FORMAT);
}

static void test_header_fields(void **state)
{
	(void)state;
	good();
	b.eh.e_machine = 3; /* EM_386 */
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.eh.e_type = ELF_ET_DYN;
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.eh.e_type = 1; /* ET_REL */
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.eh.e_phentsize = 32;
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.eh.e_phentsize = 64;
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.n = 0;
	assert_int_equal(parse(), E_FORMAT);
}

static void test_phdr_table_bounds(void **state)
{
	(void)state;
	good();
	b.eh.e_phoff = UINT64_MAX - 8;
	assert_int_equal(parse(), E_RANGE);
	good();
	b.eh.e_phoff = b.len + 1;
	assert_int_equal(parse(), E_RANGE);
	/* Table ends one byte past the file. */
	good();
	b.eh.e_phoff = b.len - 6 * 56 + 1;
	assert_int_equal(parse(), E_RANGE);
	/* Table ends exactly at the end of the file: fine. */
	good();
	b.eh.e_phoff = b.len;
	b.len += 6 * 56;
	emit();
	memcpy(b.buf + b.eh.e_phoff, b.ph, 6 * 56);
	assert_int_equal(elf_parse(b.buf, b.len, USER_LO, USER_HI, &img), 0);
	/* 0xffff program headers (PN_XNUM) cannot fit and are unsupported. */
	good();
	emit();
	{
		uint16_t xnum = ELF_PN_XNUM;

		memcpy(b.buf + 56, &xnum, 2);
		assert_int_equal(
		    elf_parse(b.buf, b.len, USER_LO, USER_HI, &img),
		    E_UNSUPPORTED);
	}
	/* Many headers whose table runs past the file. */
	good();
	emit();
	{
		uint16_t many = 0xfffe;

		memcpy(b.buf + 56, &many, 2);
		assert_int_equal(
		    elf_parse(b.buf, b.len, USER_LO, USER_HI, &img), E_RANGE);
	}
}

static void test_dynamic_rejected(void **state)
{
	(void)state;
	good();
	b.ph[4] = phdr(ELF_PT_INTERP, ELF_PF_R, 0x158, 0x400158, 0x1c, 0x1c);
	assert_int_equal(parse(), E_UNSUPPORTED);
	good();
	b.ph[5] = phdr(ELF_PT_DYNAMIC, ELF_PF_R | ELF_PF_W, 0x3000, 0x404000,
		       0x10, 0x10);
	assert_int_equal(parse(), E_UNSUPPORTED);
}

static void test_ignored_types(void **state)
{
	(void)state;
	good();
	b.ph[b.n++] = phdr(ELF_PT_TLS, ELF_PF_R, 0x3000, 0x404000, 0x8, 0x10);
	b.ph[b.n++] = phdr(ELF_PT_PHDR, ELF_PF_R, 64, 0x400040, 56, 56);
	b.ph[b.n++] = phdr(0x6474e553u, ELF_PF_R, 0, 0, 0, 0); /* PROPERTY */
	b.ph[b.n++] = phdr(ELF_PT_NULL, 0, UINT64_MAX, UINT64_MAX, 5, 9);
	assert_int_equal(parse(), 0);
	assert_int_equal(img.n_segments, 4);
}

static void test_sizes(void **state)
{
	(void)state;
	good();
	b.ph[2].p_filesz = b.ph[2].p_memsz + 1;
	assert_int_equal(parse(), E_FORMAT);
	/* File bytes one past the end of the file. */
	good();
	b.ph[3].p_filesz = b.len - b.ph[3].p_offset + 1;
	b.ph[3].p_memsz = b.ph[3].p_filesz;
	assert_int_equal(parse(), E_RANGE);
	/* ... exactly to the end: fine. */
	good();
	b.ph[3].p_filesz = b.len - b.ph[3].p_offset;
	assert_int_equal(parse(), 0);
	/* offset + filesz wraps around. */
	good();
	b.ph[2].p_offset = UINT64_MAX - 0xfff;
	b.ph[2].p_vaddr = 0x402000 + (UINT64_MAX - 0xfff) % 0x1000;
	b.ph[2].p_filesz = 0x2000;
	b.ph[2].p_memsz = 0x2000;
	assert_int_equal(parse(), E_RANGE);
	/* A PT_LOAD with memsz 0 is skipped... */
	good();
	b.ph[2].p_filesz = 0;
	b.ph[2].p_memsz = 0;
	b.ph[2].p_vaddr = 0;
	assert_int_equal(parse(), 0);
	assert_int_equal(img.n_segments, 3);
	assert_int_equal(img.seg[2].vaddr, 0x403ff0);
}

static void test_user_range(void **state)
{
	(void)state;
	good();
	assert_int_equal(
	    elf_parse((emit(), b.buf), b.len, USER_LO + 1, USER_HI, &img),
	    E_RANGE);
	/* Last byte exactly below user_hi: fine; one more: out. */
	assert_int_equal(elf_parse(b.buf, b.len, USER_LO, 0x405010, &img), 0);
	assert_int_equal(elf_parse(b.buf, b.len, USER_LO, 0x40500f, &img),
			 E_RANGE);
	/* vaddr + memsz wraps past 2^64. */
	good();
	b.ph[3].p_vaddr = UINT64_MAX - 0xf; /* still congruent to 0x2ff0 */
	assert_int_equal(
	    elf_parse((emit(), b.buf), b.len, USER_LO, UINT64_MAX, &img),
	    E_RANGE);
	/* A segment ending at the very top of the address space. */
	good();
	b.ph[3].p_vaddr = UINT64_MAX - 0x1020;
	b.ph[3].p_offset = 0x2fdf;
	b.ph[3].p_filesz = 0x31;
	assert_int_equal(
	    elf_parse((emit(), b.buf), b.len, USER_LO, UINT64_MAX, &img), 0);
	assert_int_equal(img.seg[3].vaddr + (img.seg[3].memsz - 1),
			 UINT64_MAX - 0x1);
	/* A segment below user_lo (e.g. at the null page). */
	good();
	b.ph[2].p_vaddr = 0x2000;
	assert_int_equal(parse(), E_RANGE);
}

static void test_overlap(void **state)
{
	(void)state;
	/* Data starting on the page where the text ends. */
	good();
	b.ph[2].p_vaddr = 0x401000 + 0x800;
	b.ph[2].p_offset = 0x1800;
	assert_int_equal(parse(), E_FORMAT);
	/* The same, listed the other way round. */
	good();
	b.ph[1] = b.ph[2];
	b.ph[1].p_vaddr = 0x402800;
	b.ph[1].p_offset = 0x2800;
	b.ph[2] = phdr(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x402000, 0x85,
		       0x85);
	b.eh.e_entry = 0x402010;
	assert_int_equal(parse(), E_FORMAT);
	/* A segment covering another entirely. */
	good();
	b.ph[0].p_memsz = 0x10000;
	assert_int_equal(parse(), E_FORMAT);
	/* The bss of the data segment running into a later segment's page. */
	good();
	b.ph[b.n++] = phdr(ELF_PT_LOAD, ELF_PF_R, 0x1000, 0x405000, 0x10, 0x10);
	assert_int_equal(parse(), E_FORMAT);
	/* ... and one page further on: fine. */
	b.ph[b.n - 1].p_vaddr = 0x406000;
	assert_int_equal(parse(), 0);
	assert_int_equal(img.n_segments, 5);
}

static void test_align(void **state)
{
	(void)state;
	good();
	b.ph[1].p_align = 3;
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.ph[1].p_align = 0x400000;
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.ph[3].p_offset = 0x2fe8; /* vaddr 0x403ff0: not congruent */
	assert_int_equal(parse(), E_FORMAT);
	good();
	b.ph[3].p_align = 0;
	b.ph[3].p_offset = 0x2fe8;
	assert_int_equal(parse(), 0);
	good();
	b.ph[1].p_align = 1;
	assert_int_equal(parse(), 0);
	good();
	b.ph[1].p_align = 0x200000;
	b.ph[1].p_vaddr = 0x601000;
	b.ph[1].p_offset = 0x1000;
	b.eh.e_entry = 0x601000;
	assert_int_equal(parse(), 0);
}

static void test_no_load(void **state)
{
	unsigned i;

	(void)state;
	good();
	for (i = 0; i < 4; i++) {
		b.ph[i].p_type = ELF_PT_NOTE;
	}
	assert_int_equal(parse(), E_FORMAT);
	good();
	for (i = 0; i < 4; i++) {
		b.ph[i].p_filesz = 0;
		b.ph[i].p_memsz = 0;
	}
	assert_int_equal(parse(), E_FORMAT);
}

static void test_entry(void **state)
{
	(void)state;
	good();
	b.eh.e_entry = 0x402000; /* rodata: not executable */
	assert_int_equal(parse(), E_RANGE);
	good();
	b.eh.e_entry = 0x401084; /* last byte of the text */
	assert_int_equal(parse(), 0);
	good();
	b.eh.e_entry = 0x401085; /* one past */
	assert_int_equal(parse(), E_RANGE);
	good();
	b.eh.e_entry = 0x400fff;
	assert_int_equal(parse(), E_RANGE);
	good();
	b.eh.e_entry = 0;
	assert_int_equal(parse(), E_RANGE);
}

static void test_segment_count(void **state)
{
	unsigned i;

	(void)state;
	good();
	b.n = 0;
	b.eh.e_entry = 0x401000;
	for (i = 0; i < ELF_MAX_SEGMENTS; i++) {
		b.ph[b.n++] = phdr(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000,
				   0x401000 + 0x1000 * i, 0x10, 0x10);
	}
	assert_int_equal(parse(), 0);
	assert_int_equal(img.n_segments, ELF_MAX_SEGMENTS);
	assert_int_equal(img.seg[15].vaddr, 0x410000);
	b.ph[b.n++] = phdr(ELF_PT_LOAD, ELF_PF_R, 0x1000, 0x500000, 0x10, 0x10);
	assert_int_equal(parse(), E_TOOBIG);
}

/* page: elf_page of segment s at va for a file at file_addr */
static struct elf_page page(const struct elf_segment *s, uint64_t file_addr,
			    uint64_t va)
{
	struct elf_page pg;

	memset(&pg, 0xa5, sizeof(pg));
	elf_page(s, file_addr, va, &pg);
	return pg;
}

/* A read-only segment aligned in the file and in memory: every page that
 * holds only file bytes is the file's own, its last partial page too
 * (no .bss in it); at its .bss the pages are copied instead. */
static void test_page_share(void **state)
{
	struct elf_segment text = {.vaddr = 0x400000, .memsz = 0x2100,
				   .filesz = 0x2100, .offset = 0x1000,
				   .flags = ELF_PF_R | ELF_PF_X};
	struct elf_segment ro = {.vaddr = 0x410000, .memsz = 0x1800,
				 .filesz = 0x1200, .offset = 0x4000,
				 .flags = ELF_PF_R};
	struct elf_page pg;

	(void)state;
	pg = page(&text, 0x200000, 0x400000);
	assert_int_equal(pg.share, 1);
	assert_int_equal(pg.src, 0x1000);
	assert_int_equal(pg.len, 0);
	pg = page(&text, 0x200000, 0x402000); /* 0x100 bytes, then not ours */
	assert_int_equal(pg.share, 1);
	assert_int_equal(pg.src, 0x3000);
	pg = page(&ro, 0x200000, 0x410000);
	assert_int_equal(pg.share, 1);
	assert_int_equal(pg.src, 0x4000);
	/* file bytes 0x200 then .bss 0x600: copied, the rest zeroed */
	pg = page(&ro, 0x200000, 0x411000);
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0x5000);
	assert_int_equal(pg.at, 0);
	assert_int_equal(pg.len, 0x200);
}

/* Never shared: a writable segment, a file not page-aligned in memory, a
 * segment not page-aligned (the same page would show bytes before it);
 * copies take exactly the segment's file bytes of the page. */
static void test_page_copy(void **state)
{
	struct elf_segment data = {.vaddr = 0x411000, .memsz = 0x3000,
				   .filesz = 0x1010, .offset = 0x5000,
				   .flags = ELF_PF_R | ELF_PF_W};
	struct elf_segment text = {.vaddr = 0x400000, .memsz = 0x1000,
				   .filesz = 0x1000, .offset = 0x1000,
				   .flags = ELF_PF_R | ELF_PF_X};
	struct elf_segment odd = {.vaddr = 0x400e00, .memsz = 0x400,
				  .filesz = 0x400, .offset = 0xe00,
				  .flags = ELF_PF_R | ELF_PF_X};
	struct elf_page pg;

	(void)state;
	pg = page(&data, 0x200000, 0x411000);
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0x5000);
	assert_int_equal(pg.at, 0);
	assert_int_equal(pg.len, 0x1000);
	pg = page(&data, 0x200000, 0x412000);
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0x6000);
	assert_int_equal(pg.len, 0x10);
	pg = page(&data, 0x200000, 0x413000); /* all .bss */
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.at, 0);
	assert_int_equal(pg.len, 0);
	pg = page(&text, 0x200800, 0x400000); /* module not page-aligned */
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0x1000);
	assert_int_equal(pg.len, 0x1000);
	pg = page(&odd, 0x200000, 0x400000);
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0xe00);
	assert_int_equal(pg.at, 0xe00);
	assert_int_equal(pg.len, 0x200);
	pg = page(&odd, 0x200000, 0x401000);
	assert_int_equal(pg.share, 0);
	assert_int_equal(pg.src, 0x1000);
	assert_int_equal(pg.at, 0);
	assert_int_equal(pg.len, 0x200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_unaligned),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_ident),
	    cmocka_unit_test(test_header_fields),
	    cmocka_unit_test(test_phdr_table_bounds),
	    cmocka_unit_test(test_dynamic_rejected),
	    cmocka_unit_test(test_ignored_types),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_user_range),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_align),
	    cmocka_unit_test(test_no_load),
	    cmocka_unit_test(test_entry),
	    cmocka_unit_test(test_segment_count),
	    cmocka_unit_test(test_page_share),
	    cmocka_unit_test(test_page_copy),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
