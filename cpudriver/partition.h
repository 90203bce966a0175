/* SPDX-License-Identifier: MIT */
/*
 * Partition arithmetic: which physical memory is free, and how it is cut
 * into one contiguous partition per core.
 *
 * Usage (core 0, at boot):
 *   n = part_free_ranges(ram, n_ram, reserved, n_res, 1 << 20, 2 << 20,
 *                        pool, PART_MAX_RANGES);
 *   rc = part_split(pool, n, ncores, asked, 2 << 20, min_size, parts);
 *
 * Ranges are half-open [base, end) byte addresses. The inputs come from
 * the firmware memory map and the boot manifest, so every sum is checked
 * for overflow and bad input gives an error, never a wrong partition.
 *
 * Pure code: no global state, no allocation; callable on any core.
 */
#ifndef CPUDRIVER_PARTITION_H
#define CPUDRIVER_PARTITION_H

#include <stdint.h>

struct mem_range {
	uint64_t base;
	uint64_t end; /* [base, end); end >= base */
};

/* A good size for the caller's out[] of part_free_ranges(). */
#define PART_MAX_RANGES 128

/*
 * part_free_ranges: usable memory = RAM minus every reserved range, minus
 * everything below `lo`, each remaining piece shrunk inward to multiples
 * of `align`.
 *
 * `ram` may be unsorted and may overlap or touch (it is merged);
 * `reserved` may be unsorted and overlapping. Empty ranges (base == end)
 * are ignored. The result is written to out[0..count) sorted by base,
 * non-overlapping, non-empty, with base and end multiples of align.
 *
 * Returns the count (>= 0), or:
 *   E_INVAL   align 0 or not a power of two, a range with end < base,
 *               ram, reserved or out NULL with a non-zero count
 *   E_TOOBIG  more than max_out pieces
 *
 * Context: any. Time is O((n_ram + n_res)^3) in the worst case: meant for
 * firmware maps of at most a few hundred entries.
 */
int part_free_ranges(const struct mem_range *ram, unsigned n_ram,
		     const struct mem_range *reserved, unsigned n_res,
		     uint64_t lo, uint64_t align, struct mem_range *out,
		     unsigned max_out);

/*
 * part_split: give each core i in [0, ncores) one contiguous partition
 * out[i] from the free ranges pool[0..n_pool), in core order at ascending
 * addresses.
 *
 * `pool` must be sorted by base and non-overlapping (as part_free_ranges
 * returns it). asked[i] is the size asked for core i in bytes, 0 meaning
 * "an equal share of what the explicit asks leave"; asked may be NULL,
 * meaning every core takes an equal share. Every size is rounded up to
 * `align` and raised to at least min_size (rounded up to align); every
 * partition starts on an `align` boundary. The equal share starts at
 * (free bytes - explicit asks) / equal cores, rounded down to align, and
 * shrinks by align steps until all partitions fit between the holes; it
 * is the largest share that fits. Memory after the last partition and in
 * gaps is left unassigned.
 *
 * Returns 0 with out[0..ncores) filled, or (out then unspecified):
 *   E_INVAL   ncores 0, align 0 or not a power of two, out NULL, pool
 *               NULL with n_pool > 0, pool not sorted or overlapping, or a
 *               range with end < base
 *   E_NOMEM   the explicit asks plus one minimal share per equal core do
 *               not fit, or an ask so large it overflows
 *
 * Context: any. Time is O(64 * (ncores + n_pool)).
 */
int part_split(const struct mem_range *pool, unsigned n_pool, unsigned ncores,
	       const uint64_t *asked, uint64_t align, uint64_t min_size,
	       struct mem_range *out);

/*
 * part_total: the sum of end - base over r[0..n), ranges with end <= base
 * counting 0; saturates at UINT64_MAX. r may be NULL if n is 0.
 */
uint64_t part_total(const struct mem_range *r, unsigned n);

#endif
