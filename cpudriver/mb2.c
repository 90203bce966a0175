/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information parser (see mb2.h for the contract).
 *
 * One pass over the tags. The invariant of the walk: before a tag is looked
 * at, its header lies inside [0, total_size) and total_size <= avail, so
 * every read below is bounded by the tag's own size, which has itself been
 * checked against total_size. Offsets are kept in uint64_t so that adding a
 * 32-bit size can never wrap. Fields are read with memcpy because the block
 * may be unaligned (the fuzzer feeds arbitrary buffers).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/errors.h"
#include "mb2.h"
#include "mb2_reg.h"

struct mb2_walk {
	const uint8_t *base; /* start of the information block */
	bool seen_mmap;
};

/* A NUL-terminated string filling at most [p, p + len). */
static int mb2_string(const uint8_t *p, uint64_t len, const char **out)
{
	uint64_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\0') {
			*out = (const char *)p;
			return 0;
		}
	}
	return E_FORMAT;
}

static int mb2_module(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	struct mb2_reg_module m;
	struct mb2_module *mod;
	int rc;

	if (size < sizeof(m)) {
		return E_FORMAT;
	}
	memcpy(&m, tag, sizeof(m));
	if (m.mod_start > m.mod_end) {
		return E_RANGE;
	}
	if (out->n_modules >= MB2_MAX_MODULES) {
		return E_TOOBIG;
	}
	mod = &out->modules[out->n_modules];
	rc = mb2_string(tag + sizeof(m), size - sizeof(m), &mod->cmdline);
	if (rc < 0) {
		return rc;
	}
	mod->start = m.mod_start;
	mod->end = m.mod_end;
	out->n_modules++;
	return 0;
}

static int mb2_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	struct mb2_reg_mmap h;
	struct mb2_reg_mmap_entry e;
	uint64_t payload, n, i;

	if (size < sizeof(h)) {
		return E_FORMAT;
	}
	memcpy(&h, tag, sizeof(h));
	payload = size - sizeof(h);
	/* Newer loaders may append fields: entry_size only has a minimum. */
	if (h.entry_size < sizeof(e) || payload % h.entry_size != 0) {
		return E_FORMAT;
	}
	n = payload / h.entry_size;
	if (n > MB2_MAX_MMAP) {
		return E_TOOBIG;
	}
	for (i = 0; i < n; i++) {
		memcpy(&e, tag + sizeof(h) + i * h.entry_size, sizeof(e));
		out->mmap[i].base = e.base_addr;
		out->mmap[i].len = e.length;
		out->mmap[i].type = e.type;
	}
	out->n_mmap = (uint32_t)n;
	return 0;
}

static int mb2_rsdp(const uint8_t *tag, uint32_t size, bool rev2,
		    struct mb2_info *out)
{
	uint32_t need = rev2 ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN;

	if (size - sizeof(struct mb2_reg_tag) < need) {
		return E_FORMAT;
	}
	/* Tag 15 wins over tag 14; the first of each kind counts. */
	if (out->rsdp_rev2 || (out->rsdp != NULL && !rev2)) {
		return 0;
	}
	out->rsdp = tag + sizeof(struct mb2_reg_tag);
	out->rsdp_len = size - (uint32_t)sizeof(struct mb2_reg_tag);
	out->rsdp_rev2 = rev2 ? 1 : 0;
	return 0;
}

/* One tag whose header and `size` bytes are known to lie inside the block. */
static int mb2_tag(struct mb2_walk *w, uint64_t off, uint32_t type,
		   uint32_t size, struct mb2_info *out)
{
	const uint8_t *tag = w->base + off;
	const uint8_t *payload = tag + sizeof(struct mb2_reg_tag);
	uint32_t plen = size - (uint32_t)sizeof(struct mb2_reg_tag);

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (out->cmdline != NULL) {
			return E_FORMAT;
		}
		return mb2_string(payload, plen, &out->cmdline);
	case MB2_TAG_LOADER_NAME:
		if (out->loader_name != NULL) {
			return E_FORMAT;
		}
		return mb2_string(payload, plen, &out->loader_name);
	case MB2_TAG_MODULE:
		return mb2_module(tag, size, out);
	case MB2_TAG_MMAP:
		if (w->seen_mmap) {
			return E_FORMAT;
		}
		w->seen_mmap = true;
		return mb2_mmap(tag, size, out);
	case MB2_TAG_ACPI_OLD:
		return mb2_rsdp(tag, size, false, out);
	case MB2_TAG_ACPI_NEW:
		return mb2_rsdp(tag, size, true, out);
	default:
		/* Basic meminfo, framebuffer and unknown tags: not needed. */
		return 0;
	}
}

int mb2_parse(const void *info, size_t avail, struct mb2_info *out)
{
	struct mb2_walk w = {.base = info, .seen_mmap = false};
	struct mb2_reg_fixed fixed;
	struct mb2_reg_tag tag;
	uint64_t off;
	int rc;

	if (info == NULL || out == NULL) {
		return E_INVAL;
	}
	memset(out, 0, sizeof(*out));
	if (avail < sizeof(fixed)) {
		return E_FORMAT;
	}
	memcpy(&fixed, info, sizeof(fixed));
	/* The smallest valid block is the fixed part plus an end tag. */
	if (fixed.total_size < sizeof(fixed) + sizeof(tag)) {
		return E_FORMAT;
	}
	if (fixed.total_size > avail) {
		return E_RANGE;
	}
	out->total_size = fixed.total_size;
	off = sizeof(fixed);
	while (off + sizeof(tag) <= fixed.total_size) {
		memcpy(&tag, w.base + off, sizeof(tag));
		if (tag.size < sizeof(tag) ||
		    tag.size > fixed.total_size - off) {
			return E_FORMAT;
		}
		if (tag.type == MB2_TAG_END) {
			return 0;
		}
		rc = mb2_tag(&w, off, tag.type, tag.size, out);
		if (rc < 0) {
			return rc;
		}
		off += ((uint64_t)tag.size + MB2_TAG_ALIGN - 1) &
		       ~(uint64_t)(MB2_TAG_ALIGN - 1);
	}
	return E_FORMAT; /* ran out of bytes before the end tag */
}
