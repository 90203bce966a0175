/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the ELF64 loader.
 *
 * The input is the file. If elf_parse() accepts it, the target checks the
 * promises of struct elf_image (segments inside the user range and the
 * file, no two sharing a page, entry in an executable segment) and then
 * runs elf_load() into heap buffers of exactly memsz bytes (segments over
 * 1 MiB get NULL, which must give E_NOMEM), comparing the copy with the
 * file and checking that the tail is zeroed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "elf.h"

#define USER_LO 0x400000ull
#define USER_HI 0x800000000000ull
#define DEST_MAX (1u << 20)

struct dests {
	void *buf[ELF_MAX_SEGMENTS];
	unsigned n;
};

static void *dest_of(void *ctx, const struct elf_segment *seg)
{
	struct dests *d = ctx;
	void *p;

	if (seg->memsz > DEST_MAX || d->n >= ELF_MAX_SEGMENTS) {
		return NULL;
	}
	p = malloc((size_t)seg->memsz);
	if (p != NULL) {
		memset(p, 0xa5, (size_t)seg->memsz);
		d->buf[d->n++] = p;
	}
	return p;
}

static void check_image(const struct elf_image *img, size_t size)
{
	const struct elf_segment *s, *t;
	int entry_ok = 0;
	uint32_t i, j;

	if (img->n_segments == 0 || img->n_segments > ELF_MAX_SEGMENTS) {
		abort();
	}
	for (i = 0; i < img->n_segments; i++) {
		s = &img->seg[i];
		if (s->memsz == 0 || s->filesz > s->memsz || s->offset > size ||
		    s->filesz > size - s->offset || s->vaddr < USER_LO ||
		    s->memsz > USER_HI - s->vaddr) {
			abort();
		}
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz) {
			entry_ok = 1;
		}
		for (j = 0; j < i; j++) {
			t = &img->seg[j];
			if ((s->vaddr >> 12) <=
				((t->vaddr + t->memsz - 1) >> 12) &&
			    (t->vaddr >> 12) <=
				((s->vaddr + s->memsz - 1) >> 12)) {
				abort();
			}
		}
	}
	if (!entry_ok) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	struct dests d = {.n = 0};
	uint32_t i;
	uint64_t k;
	int rc, big = 0;

	rc = elf_parse(data, size, USER_LO, USER_HI, &img);
	if (rc > 0 || (rc < 0 && err_name(rc)[4] == '?')) {
		abort();
	}
	if (rc < 0) {
		return 0;
	}
	check_image(&img, size);
	for (i = 0; i < img.n_segments; i++) {
		big |= img.seg[i].memsz > DEST_MAX;
	}
	rc = elf_load(data, size, &img, dest_of, &d);
	if (rc != (big ? E_NOMEM : 0)) {
		abort();
	}
	for (i = 0; rc == 0 && i < img.n_segments; i++) {
		const uint8_t *p = d.buf[i];
		const struct elf_segment *s = &img.seg[i];

		if (memcmp(p, data + s->offset, (size_t)s->filesz) != 0) {
			abort();
		}
		for (k = s->filesz; k < s->memsz; k++) {
			if (p[k] != 0) {
				abort();
			}
		}
	}
	for (i = 0; i < d.n; i++) {
		free(d.buf[i]);
	}
	return 0;
}
