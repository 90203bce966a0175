/* SPDX-License-Identifier: MIT */
/*
 * Boot manifest parser and checker (see manifest.h for the grammar and the
 * contract).
 *
 * The text is never modified and never assumed to be NUL-terminated: the
 * parser walks it line by line with explicit lengths, strips the CR and the
 * comment, checks that what is left is printable ASCII, and splits it into
 * tokens that point into the text. Numbers go through the shared checked
 * parser (parse.h), which takes a token's explicit length. Error messages
 * are formatted with snprintf (in the kernel, libos's fmt.c through
 * <stdio.h>), which truncates and always NUL-terminates; tokens are quoted
 * from a NUL-terminated copy, since the text is not.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <parse.h>
#include <stdio.h>
#include <string.h>

#include "abi/errors.h"
#include "manifest.h"
#include "abi/trace.h"

#define MF_QUOTE_MAX 40 /* longer tokens are cut in messages */

/* ---- Messages -------------------------------------------------------- */

#define MF_QUOTE_BUF (MF_QUOTE_MAX + 6) /* two quotes, "...", the NUL */

/* mf_quote: 'token' into q, cut to MF_QUOTE_MAX characters ("..." marks a
 * cut). The token need not be NUL-terminated; tokens are printable ASCII.
 * Returns q. */
static const char *mf_quote(char q[MF_QUOTE_BUF], const char *p, size_t n)
{
	char tok[MF_QUOTE_MAX + 1];
	size_t k = n < MF_QUOTE_MAX ? n : MF_QUOTE_MAX;

	memcpy(tok, p, k);
	tok[k] = '\0';
	snprintf(q, MF_QUOTE_BUF, "'%s%s'", tok, n > MF_QUOTE_MAX ? "..." : "");
	return q;
}

/* mf_say: err's message (if err is not NULL): "line N: " (nothing for line
 * 0), then fmt. Truncated to fit, always NUL-terminated. */
static void mf_say(struct manifest_error *err, uint32_t line, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
static void mf_say(struct manifest_error *err, uint32_t line, const char *fmt,
		   ...)
{
	va_list ap;
	int n = 0;

	if (err == NULL) {
		return;
	}
	err->line = line;
	err->msg[0] = '\0';
	if (line != 0) {
		n = snprintf(err->msg, sizeof(err->msg),
			     "line %u: ", (unsigned)line);
	}
	if (n < 0 || (size_t)n >= sizeof(err->msg)) {
		return; /* the prefix filled it */
	}
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void err_clear(struct manifest_error *err)
{
	if (err != NULL) {
		err->line = 0;
		err->msg[0] = '\0';
	}
}

/* ---- Lines and tokens ------------------------------------------------- */

struct mf_tok {
	const char *p;
	size_t n;
};

struct mf_parse {
	struct manifest *m;
	struct manifest_error *err;
	uint32_t line;	/* 1-based number of the current line */
	const char *lp; /* current line, comment and CR removed */
	size_t ln;
	size_t pos; /* tokenizer position in the line */
};

static bool mf_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool mf_next(struct mf_parse *c, struct mf_tok *t)
{
	while (c->pos < c->ln && mf_space(c->lp[c->pos])) {
		c->pos++;
	}
	if (c->pos == c->ln) {
		return false;
	}
	t->p = c->lp + c->pos;
	while (c->pos < c->ln && !mf_space(c->lp[c->pos])) {
		c->pos++;
	}
	t->n = (size_t)(c->lp + c->pos - t->p);
	return true;
}

static bool mf_is(const struct mf_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && memcmp(t->p, word, n) == 0;
}

static int mf_fail(struct mf_parse *c, int code, const char *what)
{
	mf_say(c->err, c->line, "%s", what);
	return code;
}

/* "line N: <a>'<tok>'<b>" */
static int mf_fail_tok(struct mf_parse *c, int code, const char *a,
		       const struct mf_tok *t, const char *b)
{
	char q[MF_QUOTE_BUF];

	mf_say(c->err, c->line, "%s%s%s", a, mf_quote(q, t->p, t->n), b);
	return code;
}

/* "line N: <a> given twice (first on line M)" with a quoted token. */
static int mf_fail_dup(struct mf_parse *c, const char *a,
		       const struct mf_tok *t, uint32_t first)
{
	char q[MF_QUOTE_BUF];

	mf_say(c->err, c->line, "%s%s given twice (first on line %u)", a,
	       t != NULL ? mf_quote(q, t->p, t->n) : "", (unsigned)first);
	return E_FORMAT;
}

/* ---- Numbers ---------------------------------------------------------- */

/* Decimal digits only (parse.h): E_FORMAT if malformed, E_RANGE on
 * overflow. */
static int mf_dec(const char *p, size_t n, uint64_t *out)
{
	int rc = parse_u64_len(p, n, 10, UINT64_MAX, out);

	return rc == E_INVAL ? E_FORMAT : rc;
}

/* Decimal bytes with an optional K, M or G suffix (binary multiples). */
static int mf_size(const struct mf_tok *t, uint64_t *out)
{
	unsigned shift = 0;
	size_t n = t->n;
	uint64_t v;
	int rc;

	if (n > 0) {
		switch (t->p[n - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			break;
		}
	}
	rc = mf_dec(t->p, shift != 0 ? n - 1 : n, &v);
	if (rc < 0) {
		return rc;
	}
	if (v > (UINT64_MAX >> shift)) {
		return E_RANGE;
	}
	*out = v << shift;
	return 0;
}

/* A core number 0..MANIFEST_MAX_CORES-1, with the error reported. */
static int mf_core(struct mf_parse *c, const struct mf_tok *t, uint32_t *core)
{
	uint64_t v;
	int rc = mf_dec(t->p, t->n, &v);

	if (rc == E_FORMAT) {
		return mf_fail_tok(c, rc, "bad core number ", t, "");
	}
	if (rc < 0 || v >= MANIFEST_MAX_CORES) {
		return mf_fail_tok(c, E_RANGE, "core ", t,
				   " is out of range (0..254)");
	}
	*core = (uint32_t)v;
	return 0;
}

/* Copies a name token into a MANIFEST_NAME_MAX buffer. */
static int mf_name(struct mf_parse *c, const struct mf_tok *t, char *dst,
		   const char *what)
{
	char q[MF_QUOTE_BUF];

	if (t->n >= MANIFEST_NAME_MAX) {
		mf_say(c->err, c->line,
		       "%s %s is too long (at most 31 characters)", what,
		       mf_quote(q, t->p, t->n));
		return E_TOOBIG;
	}
	memcpy(dst, t->p, t->n);
	dst[t->n] = '\0';
	return 0;
}

/* ---- Directives ------------------------------------------------------- */

static int mf_cores(struct mf_parse *c)
{
	struct mf_tok n, extra;
	uint64_t v;
	int rc;

	if (!mf_next(c, &n) || mf_next(c, &extra)) {
		return mf_fail(c, E_FORMAT,
			       "'cores' takes one number: cores N");
	}
	rc = mf_dec(n.p, n.n, &v);
	if (rc == E_FORMAT) {
		return mf_fail_tok(c, rc, "bad core count ", &n, "");
	}
	if (rc < 0 || v < 1 || v > MANIFEST_MAX_CORES) {
		return mf_fail_tok(c, E_RANGE, "core count ", &n,
				   " is out of range (1..255)");
	}
	if (c->m->cores_line != 0) {
		return mf_fail_dup(c, "'cores'", NULL, c->m->cores_line);
	}
	c->m->cores = (uint32_t)v;
	c->m->cores_line = c->line;
	return 0;
}

static int mf_mem(struct mf_parse *c)
{
	struct mf_tok core, size, extra;
	uint32_t i;
	uint64_t v;
	int rc;

	if (!mf_next(c, &core) || !mf_next(c, &size) || mf_next(c, &extra)) {
		return mf_fail(c, E_FORMAT,
			       "'mem' takes a core and a size: mem CORE SIZE");
	}
	rc = mf_core(c, &core, &i);
	if (rc < 0) {
		return rc;
	}
	rc = mf_size(&size, &v);
	if (rc == E_FORMAT) {
		return mf_fail_tok(c, rc, "bad size ", &size,
				   " (bytes, or a number with K, M or G)");
	}
	if (rc < 0 || v == 0) {
		return mf_fail_tok(c, E_RANGE, "size ", &size,
				   " is out of range");
	}
	if (c->m->mem_line[i] != 0) {
		return mf_fail_dup(c, "'mem' for core ", &core,
				   c->m->mem_line[i]);
	}
	c->m->mem[i] = v;
	c->m->mem_line[i] = c->line;
	return 0;
}

/* The rest of the line after the tokenizer position, trimmed. */
static struct mf_tok mf_rest(struct mf_parse *c)
{
	struct mf_tok t = {.p = c->lp + c->pos, .n = c->ln - c->pos};

	while (t.n > 0 && mf_space(t.p[0])) {
		t.p++;
		t.n--;
	}
	while (t.n > 0 && mf_space(t.p[t.n - 1])) {
		t.n--;
	}
	c->pos = c->ln;
	return t;
}

/* mf_args: the rest of the line into out (MANIFEST_ARGS_MAX bytes),
 * or the error too_long */
static int mf_args(struct mf_parse *c, char *out, const char *too_long)
{
	struct mf_tok args = mf_rest(c);

	if (args.n >= MANIFEST_ARGS_MAX) {
		return mf_fail(c, E_TOOBIG, too_long);
	}
	memcpy(out, args.p, args.n);
	out[args.n] = '\0';
	return 0;
}

static int mf_start(struct mf_parse *c)
{
	struct mf_tok app, on, core;
	struct manifest_start *s;
	int rc;

	if (!mf_next(c, &app) || !mf_next(c, &on) || !mf_is(&on, "on") ||
	    !mf_next(c, &core)) {
		return mf_fail(c, E_FORMAT,
			       "'start' takes a program and a core: "
			       "start APP on CORE [ARGS...]");
	}
	if (c->m->n_starts >= MANIFEST_MAX_STARTS) {
		return mf_fail(c, E_TOOBIG,
			       "too many 'start' lines (at most 64)");
	}
	s = &c->m->starts[c->m->n_starts];
	rc = mf_name(c, &app, s->app, "program name");
	if (rc == 0) {
		rc = mf_core(c, &core, &s->core);
	}
	if (rc < 0) {
		return rc;
	}
	rc = mf_args(c, s->args,
		     "arguments are too long (at most 127 "
		     "characters)");
	if (rc < 0) {
		return rc;
	}
	s->line = c->line;
	c->m->n_starts++;
	return 0;
}

static int mf_device(struct mf_parse *c)
{
	struct mf_tok name, core;
	struct manifest_device *d;
	uint32_t i;
	int rc;

	if (!mf_next(c, &name) || !mf_next(c, &core)) {
		return mf_fail(c, E_FORMAT,
			       "'device' takes a name and a core: "
			       "device NAME CORE [DRIVER-ARGS...]");
	}
	for (i = 0; i < c->m->n_devices; i++) {
		d = &c->m->devices[i];
		if (strlen(d->name) == name.n &&
		    memcmp(d->name, name.p, name.n) == 0) {
			return mf_fail_dup(c, "device ", &name, d->line);
		}
	}
	if (c->m->n_devices >= MANIFEST_MAX_DEVICES) {
		return mf_fail(c, E_TOOBIG,
			       "too many 'device' lines (at most 16)");
	}
	d = &c->m->devices[c->m->n_devices];
	rc = mf_name(c, &name, d->name, "device name");
	if (rc == 0) {
		rc = mf_core(c, &core, &d->core);
	}
	if (rc < 0) {
		return rc;
	}
	rc = mf_args(c, d->args,
		     "driver arguments are too long (at most "
		     "127 characters)");
	if (rc < 0) {
		return rc;
	}
	d->line = c->line;
	c->m->n_devices++;
	return 0;
}

/* mf_same: token t spells the NUL-terminated name s */
static bool mf_same(const struct mf_tok *t, const char *s)
{
	return strlen(s) == t->n && memcmp(s, t->p, t->n) == 0;
}

static int mf_rights(struct mf_parse *c)
{
	struct mf_tok app, r;
	struct manifest_rights *e;
	uint32_t i, bits = 0;
	int rc;

	if (!mf_next(c, &app)) {
		return mf_fail(c, E_FORMAT,
			       "'rights' takes a program and rights: "
			       "rights APP admin|console...");
	}
	for (i = 0; i < c->m->n_rights; i++) {
		if (mf_same(&app, c->m->rights[i].app)) {
			return mf_fail_dup(c, "'rights' for ", &app,
					   c->m->rights[i].line);
		}
	}
	while (mf_next(c, &r)) {
		if (mf_is(&r, "admin")) {
			bits |= MANIFEST_RIGHT_ADMIN;
		} else if (mf_is(&r, "console")) {
			bits |= MANIFEST_RIGHT_CONSOLE;
		} else {
			return mf_fail_tok(c, E_FORMAT, "unknown right ", &r,
					   " (admin or console)");
		}
	}
	if (!bits) {
		return mf_fail(c, E_FORMAT,
			       "'rights' takes a program and rights: "
			       "rights APP admin|console...");
	}
	if (c->m->n_rights >= MANIFEST_MAX_RIGHTS) {
		return mf_fail(c, E_TOOBIG,
			       "too many 'rights' lines (at most 16)");
	}
	e = &c->m->rights[c->m->n_rights];
	rc = mf_name(c, &app, e->app, "program name");
	if (rc < 0) {
		return rc;
	}
	e->rights = bits;
	e->line = c->line;
	c->m->n_rights++;
	return 0;
}

/* trace [CLASSES] [SIZE]: tracing from boot on (docs/tracing.md) */
static int mf_trace(struct mf_parse *c)
{
	struct mf_tok t;
	uint32_t bits = 0;
	uint64_t size = 256 << 10;
	bool have;

	if (c->m->trace_line) {
		return mf_fail_dup(c, "'trace'", NULL, c->m->trace_line);
	}
	have = mf_next(c, &t);
	if (have && !(t.p[0] >= '0' && t.p[0] <= '9')) {
		bits = trace_classes_parse(t.p, t.n);
		if (!bits) {
			return mf_fail_tok(c, E_FORMAT, "bad trace classes ", &t,
					   " (a comma list of kernel, syscall, "
					   "chan, monitor or all)");
		}
		have = mf_next(c, &t);
	}
	if (have && (mf_size(&t, &size) < 0 || size < 4096 ||
		     size > (2ull << 20))) {
		return mf_fail_tok(c, E_FORMAT, "bad trace buffer size ", &t,
				   " (4K to 2M)");
	}
	if (have && mf_next(c, &t)) {
		return mf_fail(c, E_FORMAT,
			       "'trace' takes classes and a size: "
			       "trace [CLASSES] [SIZE]");
	}
	c->m->trace_classes = bits ? bits : TRACE_C_DEFAULT;
	c->m->trace_bytes = (size + 4095) & ~4095ull;
	c->m->trace_line = c->line;
	return 0;
}

/* lost-after MS|off: how long a silent core has before it is declared
 * lost (docs/failures.md) */
static int mf_lost_after(struct mf_parse *c)
{
	struct mf_tok t, extra;
	uint64_t v;
	int rc;

	if (!mf_next(c, &t) || mf_next(c, &extra)) {
		return mf_fail(c, E_FORMAT,
			       "'lost-after' takes milliseconds or off: "
			       "lost-after MS|off");
	}
	if (c->m->lost_after_line) {
		return mf_fail_dup(c, "'lost-after'", NULL,
				   c->m->lost_after_line);
	}
	if (mf_is(&t, "off")) {
		v = 0;
	} else if ((rc = mf_dec(t.p, t.n, &v)) == E_FORMAT) {
		return mf_fail_tok(c, rc, "bad time ", &t,
				   " (milliseconds, or off)");
	} else if (rc < 0 || v < MANIFEST_LOST_AFTER_MIN ||
		   v > MANIFEST_LOST_AFTER_MAX) {
		return mf_fail_tok(c, E_RANGE, "lost-after ", &t,
				   " is out of range (100..600000 ms)");
	}
	c->m->lost_after_ms = (uint32_t)v;
	c->m->lost_after_line = c->line;
	return 0;
}

/* fallback NAME CORE: the core device NAME moves to when its owner is
 * lost (default: the lowest-numbered live core but 0, else 0) */
static int mf_fallback(struct mf_parse *c)
{
	struct mf_tok name, core, extra;
	struct manifest_fallback *f;
	uint32_t i;
	int rc;

	if (!mf_next(c, &name) || !mf_next(c, &core) || mf_next(c, &extra)) {
		return mf_fail(c, E_FORMAT,
			       "'fallback' takes a device and a core: "
			       "fallback NAME CORE");
	}
	for (i = 0; i < c->m->n_fallbacks; i++) {
		f = &c->m->fallbacks[i];
		if (strlen(f->name) == name.n &&
		    memcmp(f->name, name.p, name.n) == 0) {
			return mf_fail_dup(c, "fallback ", &name, f->line);
		}
	}
	if (c->m->n_fallbacks >= MANIFEST_MAX_DEVICES) {
		return mf_fail(c, E_TOOBIG,
			       "too many 'fallback' lines (at most 16)");
	}
	f = &c->m->fallbacks[c->m->n_fallbacks];
	rc = mf_name(c, &name, f->name, "device name");
	if (rc == 0) {
		rc = mf_core(c, &core, &f->core);
	}
	if (rc < 0) {
		return rc;
	}
	f->line = c->line;
	c->m->n_fallbacks++;
	return 0;
}

static int mf_service(struct mf_parse *c)
{
	struct mf_tok name, app, extra;
	struct manifest_service *e;
	uint32_t i;
	int rc;

	if (!mf_next(c, &name) || !mf_next(c, &app) ||
	    mf_next(c, &extra)) {
		return mf_fail(c, E_FORMAT,
			       "'service' takes a name and a program: "
			       "service NAME APP");
	}
	for (i = 0; i < c->m->n_services; i++) {
		if (mf_same(&name, c->m->services[i].name)) {
			return mf_fail_dup(c, "service ", &name,
					   c->m->services[i].line);
		}
	}
	if (c->m->n_services >= MANIFEST_MAX_SERVICES) {
		return mf_fail(c, E_TOOBIG,
			       "too many 'service' lines (at most 16)");
	}
	e = &c->m->services[c->m->n_services];
	rc = mf_name(c, &name, e->name, "service name");
	if (rc == 0) {
		rc = mf_name(c, &app, e->app, "program name");
	}
	if (rc < 0) {
		return rc;
	}
	e->line = c->line;
	c->m->n_services++;
	return 0;
}

/* Checks the bytes of the current line (comment already removed). */
static int mf_check_bytes(struct mf_parse *c)
{
	unsigned char ch;
	size_t i;

	for (i = 0; i < c->ln; i++) {
		ch = (unsigned char)c->lp[i];
		if (ch == '\t' || (ch >= 0x20 && ch < 0x7f)) {
			continue;
		}
		mf_say(c->err, c->line,
		       "unexpected byte %u (only printable ASCII outside "
		       "comments)",
		       (unsigned)ch);
		return E_FORMAT;
	}
	return 0;
}

static int mf_line(struct mf_parse *c)
{
	struct mf_tok d;
	size_t i;
	int rc;

	for (i = 0; i < c->ln && c->lp[i] != '#'; i++) {
	}
	c->ln = i;
	c->pos = 0;
	rc = mf_check_bytes(c);
	if (rc < 0 || !mf_next(c, &d)) {
		return rc;
	}
	if (mf_is(&d, "cores")) {
		return mf_cores(c);
	}
	if (mf_is(&d, "mem")) {
		return mf_mem(c);
	}
	if (mf_is(&d, "start")) {
		return mf_start(c);
	}
	if (mf_is(&d, "device")) {
		return mf_device(c);
	}
	if (mf_is(&d, "rights")) {
		return mf_rights(c);
	}
	if (mf_is(&d, "service")) {
		return mf_service(c);
	}
	if (mf_is(&d, "trace")) {
		return mf_trace(c);
	}
	if (mf_is(&d, "lost-after")) {
		return mf_lost_after(c);
	}
	if (mf_is(&d, "fallback")) {
		return mf_fallback(c);
	}
	return mf_fail_tok(c, E_FORMAT, "unknown directive ", &d, "");
}

int manifest_parse(const char *text, size_t len, struct manifest *out,
		   struct manifest_error *err)
{
	struct mf_parse c = {.m = out, .err = err, .line = 0};
	size_t pos = 0, end;
	int rc;

	err_clear(err);
	if (out == NULL || (text == NULL && len > 0)) {
		return mf_fail(&c, E_INVAL, "bad arguments to manifest_parse");
	}
	memset(out, 0, sizeof(*out));
	while (pos < len) {
		if (c.line == UINT32_MAX) {
			return mf_fail(&c, E_TOOBIG, "too many lines");
		}
		c.line++;
		for (end = pos; end < len && text[end] != '\n'; end++) {
			if (text[end] == '\0') {
				return mf_fail(&c, E_FORMAT,
					       "NUL byte in the manifest");
			}
		}
		c.lp = text + pos;
		c.ln = end - pos;
		if (c.ln > 0 && c.lp[c.ln - 1] == '\r') {
			c.ln--;
		}
		rc = mf_line(&c);
		if (rc < 0) {
			return rc;
		}
		pos = end + 1;
	}
	/* a start holds the rights of its program's `rights` line, wherever
	 * that line is */
	for (uint32_t i = 0; i < out->n_starts; i++) {
		for (uint32_t j = 0; j < out->n_rights; j++) {
			if (strcmp(out->starts[i].app, out->rights[j].app) ==
			    0) {
				out->starts[i].rights = out->rights[j].rights;
			}
		}
	}
	return 0;
}

/* ---- Checking against the machine ------------------------------------ */

static bool mf_terminated(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++) {
		if (s[i] == '\0') {
			return true;
		}
	}
	return false;
}

static bool mf_well_formed(const struct manifest *m)
{
	uint32_t i;

	if (m->n_starts > MANIFEST_MAX_STARTS ||
	    m->n_devices > MANIFEST_MAX_DEVICES ||
	    m->n_fallbacks > MANIFEST_MAX_DEVICES ||
	    m->n_rights > MANIFEST_MAX_RIGHTS ||
	    m->n_services > MANIFEST_MAX_SERVICES ||
	    m->cores > MANIFEST_MAX_CORES) {
		return false;
	}
	for (i = 0; i < m->n_starts; i++) {
		if (!mf_terminated(m->starts[i].app, MANIFEST_NAME_MAX) ||
		    !mf_terminated(m->starts[i].args, MANIFEST_ARGS_MAX)) {
			return false;
		}
	}
	for (i = 0; i < m->n_devices; i++) {
		if (!mf_terminated(m->devices[i].name, MANIFEST_NAME_MAX) ||
		    !mf_terminated(m->devices[i].args, MANIFEST_ARGS_MAX)) {
			return false;
		}
	}
	for (i = 0; i < m->n_fallbacks; i++) {
		if (!mf_terminated(m->fallbacks[i].name, MANIFEST_NAME_MAX)) {
			return false;
		}
	}
	for (i = 0; i < m->n_rights; i++) {
		if (!mf_terminated(m->rights[i].app, MANIFEST_NAME_MAX)) {
			return false;
		}
	}
	for (i = 0; i < m->n_services; i++) {
		if (!mf_terminated(m->services[i].name, MANIFEST_NAME_MAX) ||
		    !mf_terminated(m->services[i].app, MANIFEST_NAME_MAX)) {
			return false;
		}
	}
	return true;
}

/* "line L: <a>'<name>'<b> core C, but only N cores are used" */
static int mf_core_used(struct manifest_error *err, uint32_t line,
			const char *a, const char *name, const char *b,
			uint32_t core, uint32_t ncores)
{
	char q[MF_QUOTE_BUF];

	mf_say(err, line, "%s%s%s core %u, but only %u %s", a,
	       name != NULL ? mf_quote(q, name, strlen(name)) : "", b,
	       (unsigned)core, (unsigned)ncores,
	       ncores == 1 ? "core is used" : "cores are used");
	return E_RANGE;
}

static int mf_check_starts(const struct manifest *m, uint32_t ncores,
			   bool (*app_exists)(void *ctx, const char *app),
			   void *ctx, struct manifest_error *err)
{
	const struct manifest_start *s;
	char q[MF_QUOTE_BUF];
	uint32_t i;

	for (i = 0; i < m->n_starts; i++) {
		s = &m->starts[i];
		if (s->core >= ncores) {
			return mf_core_used(err, s->line, "", s->app,
					    " is to start on", s->core, ncores);
		}
		if (app_exists != NULL && !app_exists(ctx, s->app)) {
			mf_say(err, s->line, "unknown program %s",
			       mf_quote(q, s->app, strlen(s->app)));
			return E_NOENT;
		}
	}
	return 0;
}

int manifest_check(const struct manifest *m, uint32_t cores_present,
		   bool (*app_exists)(void *ctx, const char *app), void *ctx,
		   struct manifest_error *err)
{
	const struct manifest_device *d;
	uint32_t ncores, i;
	int rc;

	err_clear(err);
	if (m == NULL || cores_present == 0 || !mf_well_formed(m)) {
		mf_say(err, 0, "bad arguments to manifest_check");
		return E_INVAL;
	}
	if (m->cores > cores_present) {
		mf_say(err, m->cores_line,
		       "manifest asks for %u cores but only %u %s",
		       (unsigned)m->cores, (unsigned)cores_present,
		       cores_present == 1 ? "exists" : "exist");
		return E_RANGE;
	}
	ncores = m->cores != 0 ? m->cores : cores_present;
	for (i = ncores; i < MANIFEST_MAX_CORES; i++) {
		if (m->mem[i] != 0) {
			return mf_core_used(err, m->mem_line[i],
					    "'mem' is given for", NULL, "", i,
					    ncores);
		}
	}
	rc = mf_check_starts(m, ncores, app_exists, ctx, err);
	if (rc < 0) {
		return rc;
	}
	for (i = 0; i < m->n_devices; i++) {
		d = &m->devices[i];
		if (d->core >= ncores) {
			return mf_core_used(err, d->line, "device ", d->name,
					    " is given to", d->core, ncores);
		}
	}
	for (i = 0; i < m->n_fallbacks; i++) {
		const struct manifest_fallback *f = &m->fallbacks[i];

		if (f->core >= ncores) {
			return mf_core_used(err, f->line, "fallback for ",
					    f->name, " is", f->core, ncores);
		}
	}
	return 0;
}
