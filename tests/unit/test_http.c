/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the web server's request parser and responses
 * (apps/httpd/http.c).
 *
 * Every request is copied into a heap buffer of exactly its length, so
 * AddressSanitizer catches a parser that reads past what has arrived. A
 * fake file table stands in for the boot image's www/ modules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static struct http_request req;
static struct http_reply rep;
static char last_name[64];

static const char index_html[] = "<html>hello</html>\n";
static const char style_css[] = "body { color: red; }\n";
static const char sub_page[] = "sub page\n";

static int lookup(const char *name, const void **data, size_t *len)
{
	static const struct {
		const char *name, *text;
	} files[] = {
	    {"www/index.html", index_html},
	    {"www/style.css", style_css},
	    {"www/sub/index.html", sub_page},
	    {"www/a b.txt", sub_page},
	};

	assert_true(strlen(name) <= 31);
	snprintf(last_name, sizeof(last_name), "%s", name);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].name, name) == 0) {
			*data = files[i].text;
			*len = strlen(files[i].text);
			return 0;
		}
	}
	return -5;
}

static size_t parse_n(const char *text, size_t n)
{
	char *copy = malloc(n ? n : 1);
	size_t used;

	memcpy(copy, text, n);
	memset(&req, 0x5a, sizeof(req));
	used = http_parse(copy, n, &req);
	free(copy);
	assert_true(used <= n);
	if (used > 0) {
		assert_non_null(memchr(req.path, '\0', sizeof(req.path)));
	}
	return used;
}

static size_t parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* reply: the answer to text as one string (head and body) */
static const char *reply(const char *text)
{
	static char out[HTTP_REPLY_HEAD_MAX + 256];

	assert_true(parse(text) > 0);
	last_name[0] = '\0';
	http_reply(&req, lookup, &rep);
	assert_true(rep.head_len < sizeof(rep.head));
	assert_true(rep.head_len + rep.body_len < sizeof(out));
	memcpy(out, rep.head, rep.head_len);
	memcpy(out + rep.head_len, rep.body, rep.body_len);
	out[rep.head_len + rep.body_len] = '\0';
	return out;
}

/* expect_status: text parses with this status, and whole (all of it
 * used) unless the status ends the connection */
static void expect_status(const char *text, int status)
{
	size_t used = parse(text);

	assert_int_equal(req.status, status);
	if (status == 400 || status == 414 || status == 505) {
		assert_true(used > 0);
		assert_false(req.keep_alive);
	} else {
		assert_int_equal(used, strlen(text));
	}
}

static void test_get(void **state)
{
	const char *text = "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n";
	(void)state;

	assert_int_equal(parse(text), strlen(text));
	assert_int_equal(req.status, 0);
	assert_int_equal(req.method, HTTP_M_GET);
	assert_int_equal(req.minor, 1);
	assert_true(req.keep_alive);
	assert_int_equal(req.body_len, 0);
	assert_string_equal(req.path, "/style.css");
	assert_string_equal(reply(text),
			    "HTTP/1.1 200 OK\r\n"
			    "Server: multikernel-httpd\r\n"
			    "Content-Type: text/css; charset=utf-8\r\n"
			    "Content-Length: 21\r\n"
			    "\r\n"
			    "body { color: red; }\n");
	assert_string_equal(last_name, "www/style.css");
	assert_false(rep.close);
	assert_int_equal(rep.status, 200);
}

static void test_root_is_index(void **state)
{
	(void)state;
	assert_true(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n") > 0);
	assert_string_equal(req.path, "/index.html");
	assert_non_null(strstr(reply("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
			       "Content-Type: text/html; charset=utf-8\r\n"
			       "Content-Length: 19\r\n\r\n<html>"));
	assert_string_equal(last_name, "www/index.html");
	/* a folder's index, and the query is not part of the path */
	assert_true(parse("GET /sub/?x=1 HTTP/1.1\r\nHost: x\r\n\r\n") > 0);
	assert_string_equal(req.path, "/sub/index.html");
	/* absolute-form */
	assert_true(
	    parse("GET http://example.com HTTP/1.1\r\nHost: x\r\n\r\n") > 0);
	assert_string_equal(req.path, "/index.html");
	assert_true(parse("GET HTTP://h:80/style.css?q HTTP/1.1\r\n"
			  "Host: h\r\n\r\n") > 0);
	assert_string_equal(req.path, "/style.css");
}

static void test_head(void **state)
{
	const char *out;
	(void)state;

	out = reply("HEAD /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(req.method, HTTP_M_HEAD);
	assert_int_equal(rep.body_len, 0);
	/* the same Content-Length as GET, and no body */
	assert_string_equal(out, "HTTP/1.1 200 OK\r\n"
				 "Server: multikernel-httpd\r\n"
				 "Content-Type: text/css; charset=utf-8\r\n"
				 "Content-Length: 21\r\n"
				 "\r\n");
	out = reply("HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(rep.status, 404);
	assert_int_equal(rep.body_len, 0);
	assert_non_null(strstr(out, "Content-Length: 14\r\n"));
}

static void test_keep_alive(void **state)
{
	(void)state;
	/* HTTP/1.1: open unless "close" */
	reply("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_false(rep.close);
	reply("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n");
	assert_false(req.keep_alive);
	assert_true(rep.close);
	assert_non_null(strstr(rep.head, "Connection: close\r\n"));
	reply("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n");
	assert_true(rep.close);
	/* HTTP/1.0: closes unless keep-alive is asked */
	reply("GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(req.minor, 0);
	assert_true(rep.close);
	assert_non_null(strstr(rep.head, "Connection: close\r\n"));
	reply("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n");
	assert_false(rep.close);
	assert_non_null(strstr(rep.head, "Connection: keep-alive\r\n"));
	reply("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n");
	assert_true(rep.close);
	/* HTTP/1.2 is still 1.x: answered as 1.1 */
	reply("GET / HTTP/1.2\r\nHost: x\r\n\r\n");
	assert_int_equal(req.minor, 1);
	assert_false(rep.close);
}

static void test_pipelined(void **state)
{
	static const char text[] =
	    "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n"
	    "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	    "GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	size_t n = sizeof(text) - 1, at = 0, used;
	(void)state;

	used = parse_n(text, n);
	assert_int_equal(used, 36);
	assert_string_equal(req.path, "/style.css");
	at += used + req.body_len;
	used = parse_n(text + at, n - at);
	assert_int_equal(req.method, HTTP_M_HEAD);
	assert_string_equal(req.path, "/index.html");
	assert_int_equal(req.body_len, 3);
	assert_true(req.keep_alive);
	at += used + req.body_len;
	assert_memory_equal(text + at, "GET /sub/", 9);
	used = parse_n(text + at, n - at);
	assert_int_equal(at + used, n);
	assert_string_equal(req.path, "/sub/index.html");
	assert_false(req.keep_alive);
}

static void test_pieces(void **state)
{
	static const char text[] =
	    "\r\nGET /a%20b.txt HTTP/1.1\r\nHost: example\r\n"
	    "User-Agent: test\r\nAccept: */*\r\n\r\n";
	size_t n = sizeof(text) - 1;
	(void)state;

	/* every prefix is "need more", the whole is one request */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(parse_n(text, k), 0);
	}
	assert_int_equal(parse_n(text, n), n);
	assert_int_equal(req.status, 0);
	assert_string_equal(req.path, "/a b.txt");
	/* bare LF line ends work too */
	expect_status("GET / HTTP/1.1\nHost: x\n\n", 0);
}

static void test_bad_request_line(void **state)
{
	static const char *bad[] = {
	    "GET\r\n\r\n",
	    "GET /\r\n\r\n",
	    "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
	    "GET / http/1.1\r\nHost: x\r\n\r\n",
	    "GET / HTTP/1\r\nHost: x\r\n\r\n",
	    "GET / HTTP/1.x\r\nHost: x\r\n\r\n",
	    "GET / HTTP/11.1\r\nHost: x\r\n\r\n",
	    "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET foo HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n",
	    "\x16\x03\x01\x02\x01\xfc\x03\x03\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(parse(bad[i]) > 0);
		assert_int_equal(req.status, 400);
		assert_false(req.keep_alive);
	}
	/* a bad request line is answered without waiting for headers, or
	 * for its own end once it cannot become good */
	assert_true(parse("BAD REQUEST\r\nHost: x\r\n") > 0);
	assert_int_equal(req.status, 400);
	static const char *early[] = {
	    "\x16\x03\x01",
	    "GET /x HTTP/1.1 ",
	    "GET /x HTTP/1.1\r\r",
	    "GET /x HTTP/1,",
	    "GET /x HTTQ",
	    "GET /\x01",
	    "GET  ",
	    " GET",
	    "\r\r\n",
	    "GETGETGETGETGETGETGETGETGETGETGETG",
	};
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		assert_true(parse(early[i]) > 0);
		assert_int_equal(req.status, 400);
	}
	static const char *wait[] = {
	    "G",
	    "GET",
	    "GET ",
	    "GET /x",
	    "GET /x ",
	    "GET /x HTTP/",
	    "GET /x HTTP/1.",
	    "GET /x HTTP/1.1",
	    "GET /x HTTP/1.1\r",
	    "\r\n\r\nGE",
	    "\r",
	    "\r\n\r",
	};
	for (size_t i = 0; i < sizeof(wait) / sizeof(wait[0]); i++) {
		assert_int_equal(parse(wait[i]), 0);
	}
	reply("GET / HTTP/1.1 x\r\n");
	assert_int_equal(rep.status, 400);
	assert_true(rep.close);
	assert_non_null(strstr(rep.head, "Connection: close\r\n"));
}

static void test_bad_headers(void **state)
{
	static const char *bad[] = {
	    "GET / HTTP/1.1\r\n\r\n",			    /* no Host */
	    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", /* two */
	    "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
	    "\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_status(bad[i], 400);
		assert_false(req.keep_alive);
	}
	/* HTTP/1.0 needs no Host; a repeated equal length is fine */
	expect_status("GET / HTTP/1.0\r\n\r\n", 0);
	expect_status("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
		      "content-length: 2\r\n\r\n",
		      0);
	assert_int_equal(req.body_len, 2);
}

static void test_oversize(void **state)
{
	size_t n = HTTP_HEAD_MAX + 100;
	char *big = malloc(n);
	const char *start = "GET / HTTP/1.1\r\nHost: x\r\n";
	(void)state;

	/* headers that never end: "need more" until HTTP_HEAD_MAX, then 400 */
	memcpy(big, start, strlen(start));
	for (size_t i = strlen(start); i + 10 <= n; i += 10) {
		memcpy(big + i, "X-A: 1234\n", 10);
	}
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX - 1), 0);
	assert_true(parse_n(big, HTTP_HEAD_MAX) > 0);
	assert_int_equal(req.status, 400);
	assert_true(parse_n(big, n) > 0);
	assert_int_equal(req.status, 400);
	/* a head of exactly HTTP_HEAD_MAX bytes is fine, one more is 400 */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t head = HTTP_HEAD_MAX + extra, k = strlen(start);
		memcpy(big + k, "X: ", 3);
		memset(big + k + 3, 'v', head - k - 3 - 4);
		memcpy(big + head - 4, "\r\n\r\n", 4);
		if (!extra) {
			assert_int_equal(parse_n(big, head - 1), 0);
		}
		assert_true(parse_n(big, head) > 0);
		assert_int_equal(req.status, extra ? 400 : 0);
	}
	free(big);
}

static void test_uri_too_long(void **state)
{
	char *big = malloc(HTTP_HEAD_MAX + 64);
	size_t n;
	(void)state;

	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', HTTP_TARGET_MAX);
	n = 5 + HTTP_TARGET_MAX;
	memcpy(big + n, " HTTP/1.1\r\nHost: x\r\n\r\n", 23);
	assert_true(parse_n(big, n + 23) > 0);
	assert_int_equal(req.status, 414);
	/* a target of exactly HTTP_TARGET_MAX is accepted (and not found) */
	n = 4 + HTTP_TARGET_MAX;
	memcpy(big + n, " HTTP/1.1\r\nHost: x\r\n\r\n", 22);
	assert_int_equal(parse_n(big, n + 22), n + 22);
	assert_int_equal(req.status, 404);
	/* an endless target is 414 before the line ends */
	memset(big + 5, 'b', HTTP_HEAD_MAX);
	assert_int_equal(parse_n(big, 5 + 100), 0);
	assert_true(parse_n(big, 5 + HTTP_TARGET_MAX + 100) > 0);
	assert_int_equal(req.status, 414);
	/* a plausible line that never ends is 400 at HTTP_HEAD_MAX */
	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
	memset(big + 28, 'x', HTTP_HEAD_MAX);
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX - 1), 0);
	assert_true(parse_n(big, HTTP_HEAD_MAX) > 0);
	assert_int_equal(req.status, 400);
	free(big);
}

static void test_version(void **state)
{
	(void)state;
	expect_status("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
	expect_status("GET / HTTP/0.9\r\n", 505);
	reply("GET / HTTP/2.0\r\nHost: x\r\n\r\n");
	assert_int_equal(rep.status, 505);
	assert_true(rep.close);
	assert_non_null(strstr(rep.head, "HTTP/1.1 505 HTTP Version Not "
					 "Supported\r\n"));
}

static void test_not_found(void **state)
{
	const char *out;
	(void)state;

	out = reply("GET /missing.html HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(out, "HTTP/1.1 404 Not Found\r\n"
				 "Server: multikernel-httpd\r\n"
				 "Content-Type: text/plain; charset=utf-8\r\n"
				 "Content-Length: 14\r\n"
				 "\r\n"
				 "404 Not Found\n");
	assert_false(rep.close); /* the connection stays usable */
	/* too long for a boot module name: 404 without asking */
	reply("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: "
	      "x\r\n\r\n");
	assert_int_equal(rep.status, 404);
	assert_string_equal(last_name, "");
	/* a decoded path longer than HTTP_PATH_MAX */
	char text[2 * HTTP_PATH_MAX + 64];
	int n = snprintf(text, sizeof(text), "GET /");
	memset(text + n, 'c', 2 * HTTP_PATH_MAX);
	snprintf(text + n + 2 * HTTP_PATH_MAX, 40,
		 " HTTP/1.1\r\nHost: x\r\n\r\n");
	expect_status(text, 404);
	assert_true(req.keep_alive);
}

static void test_method(void **state)
{
	const char *out;
	(void)state;

	out = reply("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
	assert_int_equal(rep.status, 405);
	assert_int_equal(req.body_len, 5);
	assert_false(rep.close);
	assert_non_null(strstr(out, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(out, "\r\nAllow: GET, HEAD\r\n"));
	assert_non_null(strstr(out, "\r\n\r\n405 Method Not Allowed\n"));
	expect_status("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405);
	expect_status("get / HTTP/1.1\r\nHost: x\r\n\r\n", 405);
	/* a body we cannot frame: answered, then the connection closes */
	expect_status("PUT / HTTP/1.1\r\nHost: x\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n",
		      405);
	assert_false(req.keep_alive);
	expect_status("GET / HTTP/1.1\r\nHost: x\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n",
		      501);
	assert_false(req.keep_alive);
	/* a body too big to skip closes the connection after the answer */
	expect_status("POST / HTTP/1.1\r\nHost: x\r\n"
		      "Content-Length: 100000000\r\n\r\n",
		      405);
	assert_false(req.keep_alive);
}

static void test_traversal(void **state)
{
	static const char *bad[] = {
	    "/..",	   "/../index.html", "/a/../../index.html",
	    "/%2e%2e/x",   "/.%2E/x",	     "/a/%2f../x",
	    "/a%5c..%5cx", "/a%00b",	     "/%zz",
	    "/%4",	   "/a%0ab",
	};
	char text[128];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", bad[i]);
		expect_status(text, 400);
	}
	/* dot segments that stay inside the root are resolved */
	expect_status("GET /sub/../style.css HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_string_equal(req.path, "/style.css");
	expect_status("GET /./sub//./ HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_string_equal(req.path, "/sub/index.html");
	expect_status("GET /sub/.. HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_string_equal(req.path, "/index.html");
	expect_status("GET /%73tyle.css HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_string_equal(req.path, "/style.css");
	expect_status("GET /..a HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	assert_string_equal(req.path, "/..a");
}

static void test_content_type(void **state)
{
	(void)state;
	assert_string_equal(http_content_type("/a.html"),
			    "text/html; charset=utf-8");
	assert_string_equal(http_content_type("/a.HTM"),
			    "text/html; charset=utf-8");
	assert_string_equal(http_content_type("/big.txt"),
			    "text/plain; charset=utf-8");
	assert_string_equal(http_content_type("/x.png"), "image/png");
	assert_string_equal(http_content_type("/x.js"),
			    "text/javascript; charset=utf-8");
	assert_string_equal(http_content_type("/noext"),
			    "application/octet-stream");
	assert_string_equal(http_status_reason(404), "Not Found");
	assert_string_equal(http_status_reason(299), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_root_is_index),
	    cmocka_unit_test(test_head),
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_pipelined),
	    cmocka_unit_test(test_pieces),
	    cmocka_unit_test(test_bad_request_line),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_uri_too_long),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_method),
	    cmocka_unit_test(test_traversal),
	    cmocka_unit_test(test_content_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
