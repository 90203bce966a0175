/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the web server's request parser and responses
 * (apps/httpd/http.c).
 *
 * The input is what a client sent (not NUL-terminated). The target parses
 * it whole and as a prefix cut where the first byte says, and asserts:
 * the parser never uses more than it was given; a verdict on the prefix
 * stands when the rest arrives (same status, and for a good request the
 * same length); a served path starts with '/', has no empty, "." or ".."
 * segment and no control byte; the file name asked for is "www/..." of at
 * most 31 bytes; every response head is whole ("\r\n\r\n" at its end) and
 * its Content-Length matches the body sent (except for HEAD).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const char page[] = "<html></html>\n";

static int lookup(const char *name, const void **data, size_t *len)
{
	size_t n = strlen(name);

	if (n > 31 || strncmp(name, "www/", 4) != 0 || strstr(name, "/../") ||
	    strstr(name, "/./") || strstr(name, "//")) {
		abort();
	}
	if (name[4] == 'i') {
		*data = page;
		*len = sizeof(page) - 1;
		return 0;
	}
	return -5;
}

static void check_path(const struct http_request *r)
{
	size_t n = strnlen(r->path, sizeof(r->path));

	if (n == sizeof(r->path) || r->path[0] != '/' ||
	    r->path[n - 1] == '/') {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->path[i];
		if (c < 0x20 || c == 0x7f || c == '\\') {
			abort();
		}
		if (c == '/' && (r->path[i + 1] == '/' ||
				 strncmp(r->path + i, "/./", 3) == 0 ||
				 strcmp(r->path + i, "/.") == 0 ||
				 strncmp(r->path + i, "/../", 4) == 0 ||
				 strcmp(r->path + i, "/..") == 0)) {
			abort();
		}
	}
}

static void check_reply(const struct http_request *r)
{
	struct http_reply rep;
	char *len;

	http_reply(r, lookup, &rep);
	if (rep.head_len < 4 || rep.head_len >= sizeof(rep.head) ||
	    memcmp(rep.head + rep.head_len - 4, "\r\n\r\n", 4) != 0 ||
	    memcmp(rep.head, "HTTP/1.1 ", 9) != 0) {
		abort();
	}
	rep.head[rep.head_len] = '\0';
	len = strstr(rep.head, "\r\nContent-Length: ");
	if (len == NULL || (r->method == HTTP_M_HEAD) != (rep.body_len == 0) ||
	    (r->method != HTTP_M_HEAD &&
	     strtoull(len + 18, NULL, 10) != rep.body_len) ||
	    (r->keep_alive == rep.close && rep.status != 400)) {
		abort();
	}
}

/* parse: http_parse on an exact-size copy of data[0..n) */
static size_t parse(const uint8_t *data, size_t n, struct http_request *r)
{
	char *copy = malloc(n ? n : 1);
	size_t used;

	memcpy(copy, data, n);
	used = http_parse(copy, n, r);
	free(copy);
	if (used > n) {
		abort();
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request whole, part;
	size_t used, cut = size ? data[0] % (size + 1) : 0, pused;

	used = parse(data, size, &whole);
	if (used > 0) {
		if (whole.status == 0) {
			check_path(&whole);
		}
		check_reply(&whole);
	}
	pused = parse(data, cut, &part);
	if (pused > 0) {
		bool bad = part.status == 400 || part.status == 414 ||
			   part.status == 505;
		if (used == 0 || whole.status != part.status ||
		    (!bad && used != pused)) {
			abort();
		}
	}
	return 0;
}
