/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 requests and responses, as pure C: no sockets, no allocation,
 * no libc beyond memcpy/memset/memcmp/strlen/strchr, so the same file
 * builds into the httpd program, the host unit tests and the fuzz target.
 *
 * A connection's bytes accumulate in a buffer; http_parse looks at what has
 * arrived so far and says "need more" (0), or how many bytes the request's
 * head used (> 0) with the request decoded into struct http_request. The
 * caller then builds the answer with http_reply, sends it, drops the
 * head's bytes and req.body_len more (a body is read and thrown away), and
 * parses again what is left: pipelined requests are answered in order.
 *
 * Usage:
 *   for (;;) {
 *           n = http_parse(buf, len, &req);
 *           if (n == 0) { ...receive more into buf...; continue; }
 *           http_reply(&req, lookup, &rep);
 *           send rep.head (rep.head_len), then rep.body (rep.body_len);
 *           if (rep.close) break;
 *           drop n + req.body_len bytes from buf;
 *   }
 *
 * What is checked (RFC 9112): the request line is METHOD SP TARGET SP
 * HTTP/d.d with single spaces; the method is a token; the target is an
 * origin-form path (or absolute-form http://host/path) of visible ASCII,
 * at most HTTP_TARGET_MAX bytes (else 414); the version is HTTP/1.x (a
 * well-formed other major version gets 505); header lines are
 * "name: value" with a token name and no line folding; HTTP/1.1 needs
 * exactly one Host; Content-Length is digits, the same if repeated. The
 * whole head (request line and headers up to the empty line) must fit in
 * HTTP_HEAD_MAX bytes. Lines may end in CRLF or a bare LF, and empty lines
 * before the request line are skipped.
 */
#ifndef HTTPD_HTTP_H
#define HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 8192	 /* request line + headers + empty line */
#define HTTP_TARGET_MAX 1024	 /* request target as sent; longer: 414 */
#define HTTP_PATH_MAX 256	 /* decoded path; longer: 404 (no such file) */
#define HTTP_BODY_MAX (1u << 20) /* request bodies we read and discard */
#define HTTP_REPLY_HEAD_MAX 512	 /* struct http_reply.head */
/* file names are HTTP_ROOT + path: "/a.css" is the boot module
 * "www/a.css" */
#define HTTP_ROOT "www"

enum http_method {
	HTTP_M_OTHER, /* any other well-formed method: 405 */
	HTTP_M_GET,
	HTTP_M_HEAD,
};

/* http_parse's verdict; the fields past status are valid when status is
 * 0 (or 404, 405, 501: the request was well-formed but cannot be served). */
struct http_request {
	/* 0: serve path; else the error status to answer with (400, 404,
	 * 405, 414, 501, 505) */
	int status;
	enum http_method method;
	int minor; /* HTTP/1.minor (0 or 1; 1.2 and up count as 1) */
	/* the connection may carry another request after this one */
	bool keep_alive;
	/* bytes after the head that belong to this request (Content-Length) */
	uint64_t body_len;
	/* decoded, normalised path: starts with '/', no "." or ".."
	 * segments, no "//", no query; "/dir/" became "/dir/index.html" */
	char path[HTTP_PATH_MAX];
};

/*
 * http_parse: decodes the request at the start of buf[0..len).
 * Returns 0 while the head is incomplete and may still become valid
 * (receive more and call again with the longer buffer), else the number
 * of bytes the head took (> 0), with *req filled. A malformed request
 * gives status 400 (or 414, 505) with keep_alive false: its length is
 * then a guess, and the connection must close after the answer. At
 * HTTP_HEAD_MAX bytes without the end of the head it gives 400 (or 414
 * when the request line alone is too long). Never reads past buf + len.
 */
size_t http_parse(const char *buf, size_t len, struct http_request *req);

/* http_status_reason: "Not Found" for 404; "Unknown" for others. */
const char *http_status_reason(int status);

/* http_content_type: the media type for path's extension
 * ("text/html; charset=utf-8" for .html), "application/octet-stream"
 * when unknown. */
const char *http_content_type(const char *path);

/* http_lookup_fn: finds file name (HTTP_ROOT + path, at most 31 bytes);
 * 0 and its bytes, or negative when there is none. bootfile() fits. */
typedef int (*http_lookup_fn)(const char *name, const void **data, size_t *len);

/* What to send back: head, then body_len bytes of body. */
struct http_reply {
	int status;
	bool close; /* close the connection after sending */
	size_t head_len;
	const void *body;
	size_t body_len; /* bytes to send; Content-Length may differ for
			    HEAD */
	char head[HTTP_REPLY_HEAD_MAX];
};

/*
 * http_reply: the answer to req (as http_parse left it): 200 with the
 * file lookup found, 404 when it found none, or req->status with a short
 * text body. HEAD gets the same head as GET and no body. Every answer
 * has Content-Length and Content-Type; 405 has "Allow: GET, HEAD"; an
 * answer that ends the connection says "Connection: close", one to an
 * HTTP/1.0 keep-alive request "Connection: keep-alive". Never fails.
 */
void http_reply(const struct http_request *req, http_lookup_fn lookup,
		struct http_reply *out);

#endif
