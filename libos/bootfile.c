// SPDX-License-Identifier: MIT
/*
 * Boot files (libos/bootfile.h): each module is mapped once per process
 * (SYS_MOD_MAP) and remembered in a small table; more distinct files than
 * the table holds are mapped again on every call (costing address space,
 * never correctness).
 */
#include <libos/bootfile.h>
#include <libos/sys.h>
#include <string.h>

#define CACHED 32

static struct {
	char name[SYS_NAME_MAX];
	const void *data;
	size_t len;
} cache[CACHED];
static unsigned ncached;

int bootfile(const char *name, const void **data, size_t *len)
{
	struct sys_range r;
	size_t n = name ? strlen(name) : 0;
	long rc;

	if (n == 0 || n >= SYS_NAME_MAX) {
		return n ? E_NOENT : E_INVAL;
	}
	for (unsigned i = 0; i < ncached; i++) {
		if (strcmp(cache[i].name, name) == 0) {
			*data = cache[i].data;
			*len = cache[i].len;
			return 0;
		}
	}
	rc = sys_mod_map(name, &r);
	if (rc < 0) {
		return (int)rc;
	}
	*data = (const void *)(uintptr_t)r.base;
	*len = (size_t)r.size;
	if (ncached < CACHED) {
		strlcpy(cache[ncached].name, name, SYS_NAME_MAX);
		cache[ncached].data = *data;
		cache[ncached].len = *len;
		ncached++;
	}
	return 0;
}
