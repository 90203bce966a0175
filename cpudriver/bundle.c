// SPDX-License-Identifier: MIT
#include "bundle.h"
#include <abi/errors.h>
#include <string.h>

_Static_assert(sizeof(struct bundle_head) == 16, "bundle head layout");
_Static_assert(sizeof(struct bundle_entry) == 48, "bundle entry layout");
_Static_assert(BUNDLE_NAME_MAX == BOOT_NAME_MAX, "bundle names are module names");

static int fail(const char **why, const char *msg, int err)
{
	*why = msg;
	return err;
}

/* good_name: 1..31 bytes of [A-Za-z0-9._/-], then only NULs */
static int good_name(const char *s)
{
	int len = 0;

	while (len < BUNDLE_NAME_MAX && s[len]) {
		char c = s[len];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '/')) {
			return 0;
		}
		len++;
	}
	if (len == 0 || len == BUNDLE_NAME_MAX) {
		return 0;
	}
	for (int i = len; i < BUNDLE_NAME_MAX; i++) {
		if (s[i]) {
			return 0;
		}
	}
	return strcmp(s, BUNDLE_MODULE) != 0;
}

int bundle_split(const void *data, uint64_t size, uint64_t phys,
		 struct boot_module *out, uint32_t max_out, uint32_t *n,
		 const char **why)
{
	const uint8_t *p = data;
	struct bundle_head h;
	uint64_t table_end, next;

	if (!why) {
		return E_INVAL;
	}
	if ((!data && size) || !n || (!out && max_out)) {
		return fail(why, "no data", E_INVAL);
	}
	if (size < sizeof(h)) {
		return fail(why, "shorter than its header", E_FORMAT);
	}
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, BUNDLE_MAGIC, sizeof(h.magic)) != 0 || h.zero) {
		return fail(why, "not a module bundle (bad magic)", E_FORMAT);
	}
	if (phys & (BUNDLE_ALIGN - 1) || phys + size < phys) {
		return fail(why, "not loaded on a page boundary", E_RANGE);
	}
	if (h.count > max_out) {
		return fail(why, "more members than the boot table holds",
			    E_TOOBIG);
	}
	table_end = sizeof(h) + (uint64_t)h.count * sizeof(struct bundle_entry);
	if (table_end > size) {
		return fail(why, "its member table runs past its end", E_FORMAT);
	}
	next = table_end;
	for (uint32_t i = 0; i < h.count; i++) {
		struct bundle_entry e;

		memcpy(&e, p + sizeof(h) + (uint64_t)i * sizeof(e), sizeof(e));
		if (!good_name(e.name)) {
			return fail(why, "a member has a bad name", E_FORMAT);
		}
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(out[j].name, e.name) == 0) {
				return fail(why, "two members have one name",
					    E_FORMAT);
			}
		}
		if (e.offset & (BUNDLE_ALIGN - 1)) {
			return fail(why, "a member is not page aligned",
				    E_RANGE);
		}
		if (e.offset < next) {
			return fail(why, "a member overlaps the table or the "
					 "member before it", E_RANGE);
		}
		if (e.offset > size || e.size > size - e.offset) {
			return fail(why, "a member runs past the bundle's end",
				    E_RANGE);
		}
		out[i].start = phys + e.offset;
		out[i].end = phys + e.offset + e.size;
		memcpy(out[i].name, e.name, BUNDLE_NAME_MAX);
		next = e.offset + e.size;
	}
	*n = h.count;
	*why = "";
	return 0;
}
