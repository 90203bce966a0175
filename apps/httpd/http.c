// SPDX-License-Identifier: MIT
/*
 * HTTP/1.1 request parsing and response heads (contracts in http.h).
 *
 * The parser is a single pass over what has arrived, restarted from the
 * beginning each time more arrives (a head is at most HTTP_HEAD_MAX bytes,
 * so rescanning is cheap and keeps no state between calls). It first finds
 * the request line; a complete but malformed one is answered at once,
 * without waiting for headers that may never come. Then it looks for the
 * empty line that ends the head and only then decodes the header fields.
 *
 * The path is percent-decoded segment by segment into req->path with the
 * dot segments resolved (RFC 3986 5.2.4); a ".." that would climb above
 * the root, or a decoded '/', '\\', NUL or control byte, is a 400. So the
 * file name HTTP_ROOT + path can never leave HTTP_ROOT.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <parse.h>

#include "http.h"

#define METHOD_MAX 32	 /* longer method tokens are 400 */
#define VERSION_LEN 8	 /* "HTTP/1.1" */
#define LENGTH_DIGITS 15 /* Content-Length above 10^15 is 400 */
#define FILE_NAME_MAX 31 /* boot module names (abi/bootrec.h) */

struct line {
	size_t start, end; /* [start, end): the line without CR LF */
	size_t next;	   /* where the next line starts */
};

/* head: what the request parser gathers from the header fields */
struct head {
	unsigned hosts;
	bool has_length, chunked, conn_close, conn_keep;
	uint64_t length;
};

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9')) {
		return true;
	}
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_vchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* same_nocase: buf[0..n) equals the lower-case word w, ignoring case */
static bool same_nocase(const char *buf, size_t n, const char *w)
{
	if (strlen(w) != n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)buf[i]) != (unsigned char)w[i]) {
			return false;
		}
	}
	return true;
}

/* next_line: the line starting at pos, if its LF has arrived */
static bool next_line(const char *buf, size_t len, size_t pos, struct line *l)
{
	size_t nl = pos;

	while (nl < len && buf[nl] != '\n') {
		nl++;
	}
	if (nl == len) {
		return false;
	}
	l->start = pos;
	l->end = nl;
	l->next = l->end + 1;
	if (l->end > pos && buf[l->end - 1] == '\r') {
		l->end--;
	}
	return true;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = lower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/*
 * add_segment: appends the percent-decoded segment s[0..n) to path[0..*o)
 * as "/segment", or resolves it if it is "." or "..". *dir says whether
 * the path now names a directory. 0, or the status to answer with.
 */
static int add_segment(const char *s, size_t n, char *path, size_t *o,
		       bool *dir)
{
	size_t at = *o, w = at + 1;

	if (w >= HTTP_PATH_MAX) {
		return 404;
	}
	path[at] = '/';
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
			int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				return 400;
			}
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
			return 400;
		}
		if (w + 1 >= HTTP_PATH_MAX) {
			return 404;
		}
		path[w++] = (char)c;
	}
	*dir = false;
	if (w == at + 1 || (w == at + 2 && path[at + 1] == '.')) {
		*dir = true; /* "" or ".": nothing to add */
		return 0;
	}
	if (w == at + 3 && path[at + 1] == '.' && path[at + 2] == '.') {
		if (at == 0) {
			return 400; /* above the root */
		}
		at--; /* path[at] is the '/' just written */
		while (at > 0 && path[at] != '/') {
			at--;
		}
		*o = at;
		*dir = true;
		return 0;
	}
	*o = w;
	return 0;
}

/*
 * parse_path: the request target t[0..n) (origin-form, or absolute-form
 * with the scheme and authority skipped) into req->path. 0 or a status.
 */
static int parse_path(const char *t, size_t n, struct http_request *req)
{
	static const char scheme[] = "http://";
	size_t i = 0, o = 0;
	bool dir = true;
	int st;

	if (n >= sizeof(scheme) - 1 &&
	    same_nocase(t, sizeof(scheme) - 1, scheme)) {
		i = sizeof(scheme) - 1;
		while (i < n && t[i] != '/' && t[i] != '?') {
			i++;
		}
		if (i == n || t[i] == '?') {
			n = i; /* "http://host" is "/" */
		}
	} else if (t[0] != '/') {
		return 400;
	}
	for (size_t q = i; q < n; q++) {
		if (t[q] == '?' || t[q] == '#') {
			n = q;
		}
	}
	while (i < n) {
		size_t j = ++i; /* past the '/' */
		while (j < n && t[j] != '/') {
			j++;
		}
		if ((st = add_segment(t + i, j - i, req->path, &o, &dir))) {
			return st;
		}
		i = j;
	}
	if (dir) {
		static const char index[] = "/index.html";
		if (o + sizeof(index) > HTTP_PATH_MAX) {
			return 404;
		}
		memcpy(req->path + o, index, sizeof(index));
	} else {
		req->path[o] = '\0';
	}
	return 0;
}

/* parse_version: "HTTP/d.d" into req->minor; 0, 400 or 505 */
static int parse_version(const char *v, size_t n, struct http_request *req)
{
	if (n != VERSION_LEN || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') {
		return 400;
	}
	if (v[5] != '1') {
		return 505;
	}
	req->minor = v[7] == '0' ? 0 : 1;
	return 0;
}

/* parse_request_line: METHOD SP TARGET SP VERSION; 0 or a status */
static int parse_request_line(const char *buf, const struct line *l,
			      struct http_request *req)
{
	const char *s = buf + l->start;
	size_t n = l->end - l->start, m = 0, t, tn;

	while (m < n && is_tchar((unsigned char)s[m])) {
		m++;
	}
	if (m == 0 || m > METHOD_MAX || m == n || s[m] != ' ') {
		return 400;
	}
	t = m + 1;
	for (tn = 0; t + tn < n && is_vchar((unsigned char)s[t + tn]); tn++) {
	}
	if (tn > HTTP_TARGET_MAX) {
		return 414;
	}
	if (tn == 0 || t + tn == n || s[t + tn] != ' ') {
		return 400;
	}
	int st = parse_version(s + t + tn + 1, n - (t + tn + 1), req);
	if (st) {
		return st;
	}
	if (m == 3 && memcmp(s, "GET", 3) == 0) {
		req->method = HTTP_M_GET;
	} else if (m == 4 && memcmp(s, "HEAD", 4) == 0) {
		req->method = HTTP_M_HEAD;
	} else {
		req->method = HTTP_M_OTHER;
	}
	if (tn == 1 && s[t] == '*') {
		/* asterisk-form: only for OPTIONS, which gets 405 anyway */
		return req->method == HTTP_M_OTHER ? 0 : 400;
	}
	return parse_path(s + t, tn, req);
}

/* parse_length: a Content-Length value (digits only) */
static int parse_length(const char *v, size_t n, struct head *h)
{
	uint64_t x;

	if (n > LENGTH_DIGITS || parse_u64_len(v, n, 10, UINT64_MAX, &x) < 0) {
		return 400;
	}
	if (h->has_length && h->length != x) {
		return 400;
	}
	h->has_length = true;
	h->length = x;
	return 0;
}

/* parse_connection: the comma-separated options of a Connection field */
static void parse_connection(const char *v, size_t n, struct head *h)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, e;
		while (j < n && v[j] != ',') {
			j++;
		}
		e = j;
		while (i < e && (v[i] == ' ' || v[i] == '\t')) {
			i++;
		}
		while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t')) {
			e--;
		}
		if (same_nocase(v + i, e - i, "close")) {
			h->conn_close = true;
		} else if (same_nocase(v + i, e - i, "keep-alive")) {
			h->conn_keep = true;
		}
		i = j + 1;
	}
}

/* parse_field: one "name: value" line; 0 or 400 */
static int parse_field(const char *buf, const struct line *l, struct head *h)
{
	const char *s = buf + l->start;
	size_t n = l->end - l->start, c = 0, v, e;

	while (c < n && is_tchar((unsigned char)s[c])) {
		c++;
	}
	if (c == 0 || c == n || s[c] != ':') {
		return 400; /* also folded lines and space before the colon */
	}
	for (v = c + 1; v < n && (s[v] == ' ' || s[v] == '\t'); v++) {
	}
	for (e = n; e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--) {
	}
	for (size_t i = v; i < e; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return 400;
		}
	}
	if (same_nocase(s, c, "host")) {
		h->hosts++;
	} else if (same_nocase(s, c, "content-length")) {
		return parse_length(s + v, e - v, h);
	} else if (same_nocase(s, c, "transfer-encoding")) {
		h->chunked = true;
	} else if (same_nocase(s, c, "connection")) {
		parse_connection(s + v, e - v, h);
	}
	return 0;
}

/* finish: the status and framing of a request whose head is whole */
static int finish(const struct head *h, struct http_request *req)
{
	if (h->hosts > 1 || (req->minor == 1 && h->hosts == 0) ||
	    (h->chunked && h->has_length)) {
		return 400;
	}
	req->keep_alive = !h->conn_close && (req->minor == 1 || h->conn_keep);
	req->body_len = h->length;
	if (req->body_len > HTTP_BODY_MAX) {
		req->keep_alive = false; /* not worth reading to stay open */
	}
	if (h->chunked) {
		/* a body we cannot frame: answer, then close */
		req->keep_alive = false;
		return req->method == HTTP_M_OTHER ? 405 : 501;
	}
	return req->method == HTTP_M_OTHER ? 405 : req->status;
}

/*
 * first_line: the request line has not ended yet; 0 while what has come
 * could still begin a good one, else the status to answer with now (so
 * garbage, a TLS hello say, is refused at once)
 */
static int first_line(const char *buf, size_t len, size_t pos)
{
	static const char version[] = "HTTP/d.d\r";
	const char *s = buf + pos;
	size_t n = len - pos, m = 0, t, tn = 0;

	if (n == 1 && s[0] == '\r') {
		return 0; /* an empty line's CR */
	}
	while (m < n && m <= METHOD_MAX && is_tchar((unsigned char)s[m])) {
		m++;
	}
	if (m == n) {
		return m > METHOD_MAX ? 400 : 0;
	}
	if (m == 0 || m > METHOD_MAX || s[m] != ' ') {
		return 400;
	}
	for (t = m + 1; t + tn < n && is_vchar((unsigned char)s[t + tn]);) {
		tn++;
	}
	if (tn > HTTP_TARGET_MAX) {
		return 414;
	}
	if (t + tn == n) {
		return 0;
	}
	if (tn == 0 || s[t + tn] != ' ') {
		return 400;
	}
	for (size_t k = 0, v = t + tn + 1; v + k < n; k++) {
		char c = s[v + k],
		     want = k < sizeof(version) - 1 ? version[k] : 0;
		if (want == 'd' ? (c < '0' || c > '9') : c != want) {
			return 400;
		}
	}
	return 0;
}

static size_t fail(struct http_request *req, int status, size_t used)
{
	req->status = status;
	req->keep_alive = false;
	return used;
}

size_t http_parse(const char *buf, size_t len, struct http_request *req)
{
	struct head h = {0};
	struct line l;
	size_t pos = 0;
	int st;

	memset(req, 0, sizeof(*req));
	while (pos < len &&
	       (buf[pos] == '\n' ||
		(buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n'))) {
		pos += buf[pos] == '\n' ? 1 : 2; /* empty lines first */
	}
	if (pos == len || !next_line(buf, len, pos, &l)) {
		st = pos == len ? 0 : first_line(buf, len, pos);
		if (st == 0 && len >= HTTP_HEAD_MAX) {
			st = 400;
		}
		return st ? fail(req, st, len) : 0;
	}
	if ((st = parse_request_line(buf, &l, req)) == 400 || st == 414 ||
	    st == 505) {
		return fail(req, st, l.next);
	}
	req->status = st;
	for (pos = l.next; next_line(buf, len, pos, &l); pos = l.next) {
		if (l.next > HTTP_HEAD_MAX) {
			break;
		}
		if (l.start == l.end) {
			st = finish(&h, req);
			if (st == 400) {
				return fail(req, st, l.next);
			}
			req->status = st;
			return l.next;
		}
		if (parse_field(buf, &l, &h)) {
			return fail(req, 400, l.next);
		}
	}
	if (len >= HTTP_HEAD_MAX) {
		return fail(req, 400, len);
	}
	return 0;
}

static const struct {
	int status;
	const char *reason;
	const char *body; /* for answers without a file */
} statuses[] = {
    {200, "OK", ""},
    {400, "Bad Request", "400 Bad Request\n"},
    {404, "Not Found", "404 Not Found\n"},
    {405, "Method Not Allowed", "405 Method Not Allowed\n"},
    {414, "URI Too Long", "414 URI Too Long\n"},
    {501, "Not Implemented", "501 Not Implemented\n"},
    {505, "HTTP Version Not Supported", "505 HTTP Version Not Supported\n"},
};

static unsigned status_index(int status)
{
	for (unsigned i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if (statuses[i].status == status) {
			return i;
		}
	}
	return 1; /* 400 */
}

const char *http_status_reason(int status)
{
	unsigned i = status_index(status);

	return statuses[i].status == status ? statuses[i].reason : "Unknown";
}

const char *http_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".htm", "text/html; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".json", "application/json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".gif", "image/gif"},
	    {".ico", "image/x-icon"},
	    {".wasm", "application/wasm"},
	};
	size_t n = strlen(path);

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && same_nocase(path + n - e, e, types[i].ext)) {
			return types[i].type;
		}
	}
	return "application/octet-stream";
}

/* put: appends s to out->head (the head always fits: see http.h) */
static void put(struct http_reply *out, const char *s)
{
	size_t n = strlen(s);

	if (out->head_len + n < sizeof(out->head)) {
		memcpy(out->head + out->head_len, s, n);
		out->head_len += n;
	}
}

static void put_number(struct http_reply *out, uint64_t v)
{
	char digits[24];
	unsigned n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(out, digits + n);
}

/* find: the file for req->path, through lookup; 200 or 404 */
static int find(const struct http_request *req, http_lookup_fn lookup,
		const void **data, size_t *len)
{
	char name[FILE_NAME_MAX + 1];
	size_t root = sizeof(HTTP_ROOT) - 1, n = strlen(req->path);

	if (root + n > FILE_NAME_MAX) {
		return 404;
	}
	memcpy(name, HTTP_ROOT, root);
	memcpy(name + root, req->path, n + 1);
	return lookup(name, data, len) == 0 ? 200 : 404;
}

void http_reply(const struct http_request *req, http_lookup_fn lookup,
		struct http_reply *out)
{
	const void *data = NULL;
	size_t len = 0;
	const char *type = "text/plain; charset=utf-8";
	int status = req->status;
	unsigned i;

	if (status == 0) {
		status = find(req, lookup, &data, &len);
	}
	i = status_index(status);
	status = statuses[i].status;
	if (status == 200) {
		type = http_content_type(req->path);
	} else {
		data = statuses[i].body;
		len = strlen(statuses[i].body);
	}
	out->status = status;
	out->close = !req->keep_alive || status == 400;
	out->head_len = 0;
	out->body = data;
	out->body_len = req->method == HTTP_M_HEAD ? 0 : len;
	put(out, "HTTP/1.1 ");
	put_number(out, (uint64_t)status);
	put(out, " ");
	put(out, statuses[i].reason);
	put(out, "\r\nServer: multikernel-httpd\r\nContent-Type: ");
	put(out, type);
	put(out, "\r\nContent-Length: ");
	put_number(out, len);
	put(out, "\r\n");
	if (status == 405) {
		put(out, "Allow: GET, HEAD\r\n");
	}
	if (out->close) {
		put(out, "Connection: close\r\n");
	} else if (req->minor == 0) {
		put(out, "Connection: keep-alive\r\n");
	}
	put(out, "\r\n");
}
