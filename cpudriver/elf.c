/* SPDX-License-Identifier: MIT */
/*
 * ELF64 program loader (see elf.h for the contract).
 *
 * elf_parse() decodes and checks; elf_load() only copies, and re-checks
 * the file bounds it relies on so that a mismatched image cannot make it
 * read past the data. All arithmetic on file values is arranged so that it
 * cannot wrap: a sum is never formed before the comparison that proves it
 * fits (`b > limit - a` rather than `a + b > limit`). Page overlap is
 * compared on page numbers of the first and last byte, which also cannot
 * wrap at the top of the address space.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/errors.h"
#include "elf.h"
#include "elf_reg.h"

#define ELF_PAGE_SHIFT 12

static int elf_check_ehdr(const struct elf_reg_ehdr *h, size_t len)
{
	if (memcmp(h->e_ident, ELF_MAGIC, ELF_MAGIC_LEN) != 0) {
		return E_FORMAT;
	}
	if (h->e_ident[ELF_EI_CLASS] != ELF_CLASS64 ||
	    h->e_ident[ELF_EI_DATA] != ELF_DATA2LSB) {
		return E_UNSUPPORTED;
	}
	if (h->e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT ||
	    h->e_version != ELF_EV_CURRENT) {
		return E_FORMAT;
	}
	if (h->e_machine != ELF_EM_X86_64 || h->e_type != ELF_ET_EXEC) {
		return E_UNSUPPORTED;
	}
	if (h->e_phentsize != sizeof(struct elf_reg_phdr) || h->e_phnum == 0) {
		return E_FORMAT;
	}
	if (h->e_phnum == ELF_PN_XNUM) {
		return E_UNSUPPORTED;
	}
	if (h->e_phoff > len ||
	    (uint64_t)h->e_phnum * sizeof(struct elf_reg_phdr) >
		len - h->e_phoff) {
		return E_RANGE;
	}
	return 0;
}

static bool elf_align_ok(const struct elf_reg_phdr *p)
{
	if (p->p_align <= 1) {
		return true;
	}
	if ((p->p_align & (p->p_align - 1)) != 0 ||
	    p->p_align > ELF_MAX_ALIGN) {
		return false;
	}
	/* gABI: loadable segments have p_vaddr == p_offset modulo p_align. */
	return (p->p_vaddr & (p->p_align - 1)) ==
	       (p->p_offset & (p->p_align - 1));
}

static int elf_check_load(const struct elf_reg_phdr *p, size_t len, uint64_t lo,
			  uint64_t hi)
{
	if (p->p_filesz > p->p_memsz || !elf_align_ok(p)) {
		return E_FORMAT;
	}
	if (p->p_offset > len || p->p_filesz > len - p->p_offset) {
		return E_RANGE;
	}
	if (p->p_memsz == 0) {
		return 0;
	}
	if (p->p_vaddr < lo || p->p_vaddr >= hi ||
	    p->p_memsz > hi - p->p_vaddr) {
		return E_RANGE;
	}
	return 0;
}

static uint64_t elf_first_page(const struct elf_segment *s)
{
	return s->vaddr >> ELF_PAGE_SHIFT;
}

static uint64_t elf_last_page(const struct elf_segment *s)
{
	return (s->vaddr + (s->memsz - 1)) >> ELF_PAGE_SHIFT;
}

/* Appends a checked PT_LOAD segment (memsz > 0) unless it shares a page. */
static int elf_add(const struct elf_reg_phdr *p, struct elf_image *out)
{
	struct elf_segment s = {
	    .vaddr = p->p_vaddr,
	    .memsz = p->p_memsz,
	    .filesz = p->p_filesz,
	    .offset = p->p_offset,
	    .flags = p->p_flags & (ELF_PF_X | ELF_PF_W | ELF_PF_R),
	};
	uint32_t i;

	for (i = 0; i < out->n_segments; i++) {
		if (elf_first_page(&s) <= elf_last_page(&out->seg[i]) &&
		    elf_first_page(&out->seg[i]) <= elf_last_page(&s)) {
			return E_FORMAT;
		}
	}
	if (out->n_segments >= ELF_MAX_SEGMENTS) {
		return E_TOOBIG;
	}
	out->seg[out->n_segments++] = s;
	return 0;
}

static int elf_phdr(const struct elf_reg_phdr *p, size_t len, uint64_t lo,
		    uint64_t hi, struct elf_image *out)
{
	int rc;

	switch (p->p_type) {
	case ELF_PT_LOAD:
		rc = elf_check_load(p, len, lo, hi);
		if (rc < 0 || p->p_memsz == 0) {
			return rc;
		}
		return elf_add(p, out);
	case ELF_PT_INTERP:
	case ELF_PT_DYNAMIC:
		return E_UNSUPPORTED;
	default:
		return 0;
	}
}

static bool elf_entry_ok(const struct elf_image *img)
{
	const struct elf_segment *s;
	uint32_t i;

	for (i = 0; i < img->n_segments; i++) {
		s = &img->seg[i];
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz) {
			return true;
		}
	}
	return false;
}

int elf_parse(const void *data, size_t len, uint64_t user_lo, uint64_t user_hi,
	      struct elf_image *out)
{
	const uint8_t *bytes = data;
	struct elf_reg_ehdr h;
	struct elf_reg_phdr p;
	uint32_t i;
	int rc;

	if (data == NULL || out == NULL || user_lo >= user_hi) {
		return E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	if (len < sizeof(h)) {
		return E_FORMAT;
	}
	memcpy(&h, bytes, sizeof(h));
	rc = elf_check_ehdr(&h, len);
	if (rc < 0) {
		return rc;
	}
	for (i = 0; i < h.e_phnum; i++) {
		memcpy(&p, bytes + h.e_phoff + (uint64_t)i * sizeof(p),
		       sizeof(p));
		rc = elf_phdr(&p, len, user_lo, user_hi, out);
		if (rc < 0) {
			return rc;
		}
	}
	if (out->n_segments == 0) {
		return E_FORMAT;
	}
	out->entry = h.e_entry;
	return elf_entry_ok(out) ? 0 : E_RANGE;
}

void elf_page(const struct elf_segment *s, uint64_t file_addr, uint64_t va,
	      struct elf_page *out)
{
	const uint64_t mask = ELF_PAGE_SIZE - 1;
	uint64_t fend = s->vaddr + s->filesz, mend = s->vaddr + s->memsz;
	uint64_t lo = va > s->vaddr ? va : s->vaddr;
	uint64_t hi = va + ELF_PAGE_SIZE < fend ? va + ELF_PAGE_SIZE : fend;
	uint64_t used = va + ELF_PAGE_SIZE < mend ? va + ELF_PAGE_SIZE : mend;

	memset(out, 0, sizeof(*out));
	if (!(s->flags & ELF_PF_W) && !(s->vaddr & mask) &&
	    !((file_addr + s->offset) & mask) && used <= fend) {
		out->share = 1;
		out->src = s->offset + (va - s->vaddr);
		return;
	}
	if (lo < hi) {
		out->src = s->offset + (lo - s->vaddr);
		out->at = (uint32_t)(lo - va);
		out->len = (uint32_t)(hi - lo);
	}
}

int elf_load(const void *data, size_t len, const struct elf_image *img,
	     void *(*seg_dest)(void *ctx, const struct elf_segment *seg),
	     void *ctx)
{
	const struct elf_segment *s;
	uint8_t *dest;
	uint32_t i;

	if (data == NULL || img == NULL || seg_dest == NULL ||
	    img->n_segments > ELF_MAX_SEGMENTS) {
		return E_INVAL;
	}
	for (i = 0; i < img->n_segments; i++) {
		s = &img->seg[i];
		if (s->offset > len || s->filesz > len - s->offset ||
		    s->filesz > s->memsz || s->memsz > SIZE_MAX) {
			return E_RANGE;
		}
		dest = seg_dest(ctx, s);
		if (dest == NULL) {
			return E_NOMEM;
		}
		memcpy(dest, (const uint8_t *)data + s->offset,
		       (size_t)s->filesz);
		memset(dest + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	return 0;
}
