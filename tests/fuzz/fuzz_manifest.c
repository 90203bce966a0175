/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the boot manifest parser and checker.
 *
 * The input is the manifest text (not NUL-terminated: libFuzzer's buffer
 * ends exactly at its size). Accepted manifests are checked against a
 * machine whose core count comes from the input length, with a program
 * lookup that also verifies the name it is given is a short C string. The
 * target asserts the promises of struct manifest and that every error
 * message is a terminated string.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "manifest.h"

static bool app_exists(void *ctx, const char *app)
{
	size_t n = strlen(app);

	(void)ctx;
	if (n == 0 || n >= MANIFEST_NAME_MAX) {
		abort();
	}
	return app[0] != 'z';
}

static void check_err(const struct manifest_error *err)
{
	if (memchr(err->msg, '\0', sizeof(err->msg)) == NULL) {
		abort();
	}
}

static void check_struct(const struct manifest *m)
{
	uint32_t i;

	if (m->cores > MANIFEST_MAX_CORES ||
	    (m->cores != 0) != (m->cores_line != 0) ||
	    m->n_starts > MANIFEST_MAX_STARTS ||
	    m->n_devices > MANIFEST_MAX_DEVICES) {
		abort();
	}
	for (i = 0; i < m->n_starts; i++) {
		if (m->starts[i].line == 0 ||
		    m->starts[i].core >= MANIFEST_MAX_CORES ||
		    strlen(m->starts[i].app) == 0 ||
		    strlen(m->starts[i].args) >= MANIFEST_ARGS_MAX) {
			abort();
		}
	}
	for (i = 0; i < m->n_devices; i++) {
		if (m->devices[i].line == 0 ||
		    m->devices[i].core >= MANIFEST_MAX_CORES ||
		    strlen(m->devices[i].name) == 0) {
			abort();
		}
	}
	for (i = 0; i < MANIFEST_MAX_CORES; i++) {
		if ((m->mem[i] != 0) != (m->mem_line[i] != 0)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct manifest m;
	struct manifest_error err;
	int rc;

	rc = manifest_parse((const char *)data, size, &m, &err);
	check_err(&err);
	if (rc > 0 || (rc < 0 && err_name(rc)[4] == '?')) {
		abort();
	}
	if (rc < 0) {
		if (err.msg[0] == '\0') {
			abort(); /* every error explains itself */
		}
		return 0;
	}
	check_struct(&m);
	rc = manifest_check(&m, 1 + (uint32_t)(size % 300), app_exists, NULL,
			    &err);
	check_err(&err);
	if (rc != 0 && rc != E_RANGE && rc != E_NOENT) {
		abort();
	}
	if (rc < 0 && err.msg[0] == '\0') {
		abort();
	}
	return 0;
}
