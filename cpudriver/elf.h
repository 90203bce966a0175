/* SPDX-License-Identifier: MIT */
/*
 * ELF64 program loader: validation and copy plan for the programs of the
 * boot image (the monitor and the apps), which come from GRUB modules and
 * are therefore outside input.
 *
 * Usage:
 *   struct elf_image img;
 *   rc = elf_parse(data, len, USER_LO, USER_HI, &img);   decode, may fail
 *   (map img.seg[i] page-wise: [vaddr & ~4095, vaddr + memsz) rounded up)
 *   rc = elf_load(data, len, &img, dest_of, ctx);         copy
 *   jump to img.entry
 *
 * elf_parse() checks everything the loader relies on before anything is
 * mapped: afterwards the segments lie inside the user range, inside the
 * file, and never share a 4 KiB page, so each can be mapped on its own.
 *
 * Pure code: no global state, callable on any core.
 */
#ifndef CPUDRIVER_ELF_H
#define CPUDRIVER_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PAGE_SIZE 4096u
#define ELF_MAX_ALIGN (1u << 21) /* larger p_align is rejected: 2 MiB */

/* Segment permissions (p_flags). */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
	uint64_t vaddr;	 /* first byte; memsz > 0 */
	uint64_t memsz;	 /* bytes in memory; [vaddr, vaddr + memsz) in range */
	uint64_t filesz; /* bytes from the file, <= memsz; rest is zero */
	uint64_t offset; /* file offset of the filesz bytes */
	uint32_t flags;	 /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry; /* inside an ELF_PF_X segment */
	uint32_t n_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* program header order */
};

/*
 * elf_parse: check the ELF64 executable in [data, data + len) and describe
 * its loadable segments.
 *
 * Accepts a little-endian x86-64 ET_EXEC file (static, not PIE) with at
 * least one PT_LOAD segment. Only PT_LOAD segments with memsz > 0 are
 * collected; PT_NOTE, PT_PHDR, PT_TLS, PT_GNU_STACK and other types are
 * ignored. Every collected segment must lie in [user_lo, user_hi).
 *
 * Returns 0 and fills *out, or a negative error (*out then unspecified):
 *   E_INVAL        data or out NULL, or user_lo >= user_hi
 *   E_FORMAT       shorter than the ELF header, bad magic or version,
 *                    e_phentsize != 56, no program headers, a segment with
 *                    filesz > memsz, p_align not 0 or a power of two up to
 *                    ELF_MAX_ALIGN or not congruent (vaddr % align !=
 *                    offset % align), two segments sharing a page, no
 *                    PT_LOAD segment
 *   E_UNSUPPORTED  not ELFCLASS64, not little-endian, not EM_X86_64, not
 *                    ET_EXEC, PN_XNUM program headers, a PT_INTERP or
 *                    PT_DYNAMIC segment (dynamic linking)
 *   E_RANGE        program header table or a segment's file bytes past
 *                    len, a segment outside [user_lo, user_hi), entry not
 *                    inside an executable segment
 *   E_TOOBIG       more than ELF_MAX_SEGMENTS PT_LOAD segments
 *
 * Context: any; reads only [data, data + len).
 */
int elf_parse(const void *data, size_t len, uint64_t user_lo, uint64_t user_hi,
	      struct elf_image *out);

/*
 * elf_load: copy the segments of an image elf_parse() accepted.
 *
 * For each segment in order, calls seg_dest(ctx, seg), which returns a
 * writable buffer of seg->memsz bytes that will appear at seg->vaddr (or
 * NULL), copies filesz bytes from the file and zeroes the remaining
 * memsz - filesz bytes (the .bss).
 *
 * Returns 0, or a negative error:
 *   E_INVAL   data, img or seg_dest NULL, or img has more segments than
 *               ELF_MAX_SEGMENTS
 *   E_RANGE   a segment's file bytes lie past len or filesz > memsz (img
 *               does not belong to this data)
 *   E_NOMEM   seg_dest returned NULL
 * On error, segments before the failing one have been copied already: the
 * caller discards the whole address space.
 *
 * Context: any; reads [data, data + len), writes only what seg_dest gives.
 */
int elf_load(const void *data, size_t len, const struct elf_image *img,
	     void *(*seg_dest)(void *ctx, const struct elf_segment *seg),
	     void *ctx);

/*
 * How one page of a segment is filled (elf_page). Either the file's own
 * page is mapped (share: the segment is read-only, the page's file bytes
 * are page-aligned in memory and the page holds no .bss), or a fresh
 * frame gets len file bytes from file offset src at byte `at` and zeroes
 * everything else: [0, at) and [at + len, ELF_PAGE_SIZE).
 */
struct elf_page {
	uint64_t src;  /* file offset: of the page itself (share), or of the
			  bytes copied */
	uint32_t at;   /* copy: where in the page the file bytes go */
	uint32_t len;  /* copy: file bytes, 0..ELF_PAGE_SIZE; 0 when share */
	uint32_t share; /* 1: map the file's page read-only, copy nothing */
};

/*
 * elf_page: the plan for the page at va (a multiple of ELF_PAGE_SIZE with
 * [va, va + ELF_PAGE_SIZE) meeting [s->vaddr, s->vaddr + s->memsz)) of a
 * segment of a file whose first byte lies at address file_addr (only its
 * position within a page matters: a boot module's physical address).
 *
 * A page is shared only if the segment has no ELF_PF_W, s->vaddr is
 * page-aligned, file_addr + s->offset is page-aligned, and every byte of
 * the page inside the segment comes from the file (none of the .bss). The
 * bytes of a shared page past the segment's end are the file's next bytes
 * (as Linux maps them); nothing in a copied page comes from outside the
 * segment's file bytes.
 *
 * Context: any; pure.
 */
void elf_page(const struct elf_segment *s, uint64_t file_addr, uint64_t va,
	      struct elf_page *out);

#endif
