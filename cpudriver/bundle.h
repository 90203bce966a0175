/* SPDX-License-Identifier: MIT */
/*
 * Reading the module bundle (abi/bundle.h) at boot.
 *
 * The bundle comes from the boot image, which is outside input: every
 * field is checked and a bad bundle gives one error message, never a
 * module that reaches outside it.
 *
 * Pure code: no global state, no allocation; callable on any core.
 */
#ifndef CPUDRIVER_BUNDLE_H
#define CPUDRIVER_BUNDLE_H

#include <stdint.h>
#include <abi/bootrec.h>
#include <abi/bundle.h>

/*
 * bundle_split: the members of the bundle data[0..size), loaded at
 * physical address phys, as boot modules out[0..*n) ([start, end)
 * physical, name), in the bundle's order; at most max_out.
 *
 * Checked: the magic and the zero field, the entry table within the
 * bundle, each name (1-31 bytes of [A-Za-z0-9._/-] then NULs, not
 * "bundle", not twice), each member page aligned, inside the bundle,
 * behind the entry table and the member before it; phys page aligned
 * and phys + size not wrapping.
 *
 * Returns 0, or (with *why a sentence for the error message; out and *n
 * then unspecified):
 *   E_FORMAT  not a bundle, or a field that breaks the rules above
 *   E_RANGE   a member outside the bundle, overlapping, or unaligned
 *   E_TOOBIG  more members than max_out
 *   E_INVAL   a NULL pointer with a non-zero size
 */
int bundle_split(const void *data, uint64_t size, uint64_t phys,
		 struct boot_module *out, uint32_t max_out, uint32_t *n,
		 const char **why);

#endif
