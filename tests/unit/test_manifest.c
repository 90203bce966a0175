/* SPDX-License-Identifier: MIT */
/*
 * Host tests for the boot manifest parser and checker
 * (cpudriver/manifest.c).
 *
 * Every text is copied into a heap buffer of exactly its length, without a
 * terminating NUL, so AddressSanitizer catches a parser that reads past
 * the end or assumes a C string. Rejections check the error code, the line
 * number and the exact sentence the boot console will show.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <abi/trace.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errors.h"
#include "manifest.h"

static struct manifest man;
static struct manifest_error err;

static int parse_n(const char *text, size_t n)
{
	char *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, text, n);
	memset(&err, 0x5a, sizeof(err));
	rc = manifest_parse(copy, n, &man, &err);
	free(copy);
	/* The message is always a terminated string. */
	assert_non_null(memchr(err.msg, '\0', sizeof(err.msg)));
	return rc;
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void expect_error(const char *text, int code, uint32_t line,
			 const char *msg)
{
	assert_int_equal(parse(text), code);
	assert_int_equal(err.line, line);
	assert_string_equal(err.msg, msg);
}

static const char *good_text =
    "# Boot manifest for the 4-core QEMU configuration\n"
    "cores 4\n"
    "\n"
    "mem 0 256M\n"
    "mem 1\t64m   # the echo server needs little\n"
    "start monitor on 0\n"
    "start hello on 1   --greeting  \"hi there\"   # comment\n"
    "\t start shell on 2\n"
    "device virtio-net 3\n"
    "   \n"
    "device serial 0";

static void expect_good(void)
{
	uint32_t i;

	assert_int_equal(man.cores, 4);
	assert_int_equal(man.cores_line, 2);
	assert_int_equal(man.mem[0], 256ull << 20);
	assert_int_equal(man.mem_line[0], 4);
	assert_int_equal(man.mem[1], 64ull << 20);
	assert_int_equal(man.mem_line[1], 5);
	for (i = 2; i < MANIFEST_MAX_CORES; i++) {
		assert_int_equal(man.mem[i], 0);
	}
	assert_int_equal(man.n_starts, 3);
	assert_string_equal(man.starts[0].app, "monitor");
	assert_int_equal(man.starts[0].core, 0);
	assert_string_equal(man.starts[0].args, "");
	assert_int_equal(man.starts[0].line, 6);
	assert_string_equal(man.starts[1].app, "hello");
	assert_int_equal(man.starts[1].core, 1);
	assert_string_equal(man.starts[1].args, "--greeting  \"hi there\"");
	assert_int_equal(man.starts[1].line, 7);
	assert_string_equal(man.starts[2].app, "shell");
	assert_int_equal(man.starts[2].core, 2);
	assert_int_equal(man.starts[2].line, 8);
	assert_int_equal(man.n_devices, 2);
	assert_string_equal(man.devices[0].name, "virtio-net");
	assert_int_equal(man.devices[0].core, 3);
	assert_int_equal(man.devices[0].line, 9);
	assert_string_equal(man.devices[1].name, "serial");
	assert_int_equal(man.devices[1].line, 11);
}

static void test_good(void **state)
{
	(void)state;
	assert_int_equal(parse(good_text), 0);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "");
	expect_good();
}

static void test_crlf(void **state)
{
	char buf[1024];
	size_t i, n = 0;

	(void)state;
	for (i = 0; good_text[i] != '\0'; i++) {
		if (good_text[i] == '\n') {
			buf[n++] = '\r';
		}
		buf[n++] = good_text[i];
	}
	buf[n++] = '\r'; /* a CR at the very end too */
	assert_int_equal(parse_n(buf, n), 0);
	expect_good();
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(manifest_parse(NULL, 0, &man, &err), 0);
	assert_int_equal(man.cores, 0);
	assert_int_equal(man.n_starts, 0);
	assert_int_equal(parse("\n\n# only a comment\n\t\n"), 0);
	assert_int_equal(man.n_devices, 0);
	assert_int_equal(manifest_parse("cores 2", 7, &man, NULL), 0);
	assert_int_equal(man.cores, 2);
}

static void test_args_invalid(void **state)
{
	(void)state;
	assert_int_equal(manifest_parse(NULL, 3, &man, &err), E_INVAL);
	assert_int_equal(manifest_parse("x", 1, NULL, &err), E_INVAL);
	assert_int_equal(manifest_parse("x", 1, NULL, NULL), E_INVAL);
}

static void test_unknown_directive(void **state)
{
	(void)state;
	expect_error("cores 2\nstart a on 0\nstrat b on 1\n", E_FORMAT, 3,
		     "line 3: unknown directive 'strat'");
	expect_error("Cores 2\n", E_FORMAT, 1,
		     "line 1: unknown directive 'Cores'");
	expect_error("\n\n\n\nstart\ton 1\n", E_FORMAT, 5,
		     "line 5: 'start' takes a program and a core: "
		     "start APP on CORE [ARGS...]");
}

static void test_nul_and_bytes(void **state)
{
	static const char nul[] = "cores 2\nstart a on 0\0\nx";
	static const char nul_comment[] = "cores 2 # a\0b\n";

	(void)state;
	assert_int_equal(parse_n(nul, sizeof(nul) - 1), E_FORMAT);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "line 2: NUL byte in the manifest");
	assert_int_equal(parse_n(nul_comment, sizeof(nul_comment) - 1),
			 E_FORMAT);
	assert_int_equal(err.line, 1);

	expect_error("start caf\xc3\xa9 on 0\n", E_FORMAT, 1,
		     "line 1: unexpected byte 195 (only printable ASCII "
		     "outside comments)");
	expect_error("cores\x01 2\n", E_FORMAT, 1,
		     "line 1: unexpected byte 1 (only printable ASCII "
		     "outside comments)");
	expect_error("cores 2\r\r\n", E_FORMAT, 1,
		     "line 1: unexpected byte 13 (only printable ASCII "
		     "outside comments)");
	expect_error("cores\r2\n", E_FORMAT, 1,
		     "line 1: unexpected byte 13 (only printable ASCII "
		     "outside comments)");
	/* Anything but NUL is fine inside a comment. */
	assert_int_equal(parse("cores 2 # caf\xc3\xa9 \x01\x7f\r\n"), 0);
	assert_int_equal(man.cores, 2);
}

static void test_cores(void **state)
{
	(void)state;
	assert_int_equal(parse("cores 255"), 0);
	assert_int_equal(man.cores, 255);
	assert_int_equal(parse("cores 001#x"), 0);
	assert_int_equal(man.cores, 1);
	expect_error("cores 0\n", E_RANGE, 1,
		     "line 1: core count '0' is out of range (1..255)");
	expect_error("cores 256\n", E_RANGE, 1,
		     "line 1: core count '256' is out of range (1..255)");
	expect_error("cores 99999999999999999999999\n", E_RANGE, 1,
		     "line 1: core count '99999999999999999999999' is out "
		     "of range (1..255)");
	expect_error("cores -1\n", E_FORMAT, 1,
		     "line 1: bad core count '-1'");
	expect_error("cores 0x10\n", E_FORMAT, 1,
		     "line 1: bad core count '0x10'");
	expect_error("cores\n", E_FORMAT, 1,
		     "line 1: 'cores' takes one number: cores N");
	expect_error("cores 2 3\n", E_FORMAT, 1,
		     "line 1: 'cores' takes one number: cores N");
	expect_error("cores 2\n# again\ncores 3\n", E_FORMAT, 3,
		     "line 3: 'cores' given twice (first on line 1)");
}

/* lost-after MS|off: the failure deadline (docs/failures.md) */
static void test_lost_after(void **state)
{
	(void)state;
	assert_int_equal(parse("cores 2"), 0);
	assert_int_equal(man.lost_after_line, 0);
	assert_int_equal(parse("\nlost-after 3500"), 0);
	assert_int_equal(man.lost_after_ms, 3500);
	assert_int_equal(man.lost_after_line, 2);
	assert_int_equal(parse("lost-after off"), 0);
	assert_int_equal(man.lost_after_ms, 0);
	assert_int_equal(man.lost_after_line, 1);
	expect_error("lost-after 99\n", E_RANGE, 1,
		     "line 1: lost-after '99' is out of range (100..600000 "
		     "ms)");
	expect_error("lost-after 2s\n", E_FORMAT, 1,
		     "line 1: bad time '2s' (milliseconds, or off)");
	expect_error("lost-after\n", E_FORMAT, 1,
		     "line 1: 'lost-after' takes milliseconds or off: "
		     "lost-after MS|off");
	expect_error("lost-after 500\nlost-after 600\n", E_FORMAT, 2,
		     "line 2: 'lost-after' given twice (first on line 1)");
}

static int check(const char *text, uint32_t present);

/* fallback NAME CORE: where a lost core's device goes (docs/failures.md) */
static void test_fallback(void **state)
{
	(void)state;
	assert_int_equal(parse("cores 2"), 0);
	assert_int_equal(man.n_fallbacks, 0);
	assert_int_equal(parse("fallback virtio-net 3\n\nfallback virtio-blk 0"),
			 0);
	assert_int_equal(man.n_fallbacks, 2);
	assert_string_equal(man.fallbacks[0].name, "virtio-net");
	assert_int_equal(man.fallbacks[0].core, 3);
	assert_int_equal(man.fallbacks[0].line, 1);
	assert_string_equal(man.fallbacks[1].name, "virtio-blk");
	assert_int_equal(man.fallbacks[1].core, 0);
	assert_int_equal(man.fallbacks[1].line, 3);
	expect_error("fallback virtio-net\n", E_FORMAT, 1,
		     "line 1: 'fallback' takes a device and a core: "
		     "fallback NAME CORE");
	expect_error("fallback virtio-net 1 2\n", E_FORMAT, 1,
		     "line 1: 'fallback' takes a device and a core: "
		     "fallback NAME CORE");
	expect_error("fallback virtio-net 255\n", E_RANGE, 1,
		     "line 1: core '255' is out of range (0..254)");
	expect_error("fallback a 1\nfallback a 2\n", E_FORMAT, 2,
		     "line 2: fallback 'a' given twice (first on line 1)");
	assert_int_equal(check("cores 3\nfallback virtio-net 3\n", 8),
			 E_RANGE);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg,
			    "line 2: fallback for 'virtio-net' is core 3, but "
			    "only 3 cores are used");
	assert_int_equal(check("cores 3\nfallback virtio-net 2\n", 8), 0);
}

/* trace [CLASSES] [SIZE]: tracing from boot (docs/tracing.md) */
static void test_trace(void **state)
{
	(void)state;
	assert_int_equal(parse("cores 2"), 0);
	assert_int_equal(man.trace_classes, 0);
	assert_int_equal(man.trace_line, 0);
	assert_int_equal(parse("\ntrace"), 0);
	assert_int_equal(man.trace_classes, TRACE_C_DEFAULT);
	assert_int_equal(man.trace_bytes, 256 << 10);
	assert_int_equal(man.trace_line, 2);
	assert_int_equal(parse("trace chan,monitor 8K"), 0);
	assert_int_equal(man.trace_classes, TRACE_C_CHAN | TRACE_C_MONITOR);
	assert_int_equal(man.trace_bytes, 8 << 10);
	assert_int_equal(parse("trace all"), 0);
	assert_int_equal(man.trace_classes, 0xf);
	assert_int_equal(parse("trace 5000"), 0);
	assert_int_equal(man.trace_classes, TRACE_C_DEFAULT);
	assert_int_equal(man.trace_bytes, 8192);
	expect_error("trace kernel,disk\n", E_FORMAT, 1,
		     "line 1: bad trace classes 'kernel,disk' (a comma list "
		     "of kernel, syscall, chan, monitor or all)");
	expect_error("trace kernel,\n", E_FORMAT, 1,
		     "line 1: bad trace classes 'kernel,' (a comma list of "
		     "kernel, syscall, chan, monitor or all)");
	expect_error("trace kern\n", E_FORMAT, 1,
		     "line 1: bad trace classes 'kern' (a comma list of "
		     "kernel, syscall, chan, monitor or all)");
	expect_error("trace chan 3M\n", E_FORMAT, 1,
		     "line 1: bad trace buffer size '3M' (4K to 2M)");
	expect_error("trace chan 1K\n", E_FORMAT, 1,
		     "line 1: bad trace buffer size '1K' (4K to 2M)");
	expect_error("trace chan 8K x\n", E_FORMAT, 1,
		     "line 1: 'trace' takes classes and a size: trace "
		     "[CLASSES] [SIZE]");
	expect_error("trace\ntrace\n", E_FORMAT, 2,
		     "line 2: 'trace' given twice (first on line 1)");
}

static void test_mem(void **state)
{
	static const struct {
		const char *size;
		uint64_t bytes;
	} ok[] = {
	    {"1", 1},
	    {"4096", 4096},
	    {"4K", 4096},
	    {"4k", 4096},
	    {"2M", 2ull << 20},
	    {"3g", 3ull << 30},
	    {"18446744073709551615", UINT64_MAX},
	    {"17179869183G", 17179869183ull << 30},
	};
	char text[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		strcpy(text, "mem 254 ");
		strcat(text, ok[i].size);
		assert_int_equal(parse(text), 0);
		assert_int_equal(man.mem[254], ok[i].bytes);
		assert_int_equal(man.mem_line[254], 1);
	}
	expect_error("mem 1 0\n", E_RANGE, 1,
		     "line 1: size '0' is out of range");
	expect_error("mem 1 0K\n", E_RANGE, 1,
		     "line 1: size '0K' is out of range");
	expect_error("mem 1 18446744073709551616\n", E_RANGE, 1,
		     "line 1: size '18446744073709551616' is out of range");
	expect_error("mem 1 17179869184G\n", E_RANGE, 1,
		     "line 1: size '17179869184G' is out of range");
	/* Values that would wrap to a small non-zero number. */
	expect_error("mem 1 18446744073709551617\n", E_RANGE, 1,
		     "line 1: size '18446744073709551617' is out of range");
	expect_error("mem 1 17179869185G\n", E_RANGE, 1,
		     "line 1: size '17179869185G' is out of range");
	expect_error("mem 1 18014398509481985K\n", E_RANGE, 1,
		     "line 1: size '18014398509481985K' is out of range");
	expect_error("mem 1 12KB\n", E_FORMAT, 1,
		     "line 1: bad size '12KB' (bytes, or a number with K, M "
		     "or G)");
	expect_error("mem 1 K\n", E_FORMAT, 1,
		     "line 1: bad size 'K' (bytes, or a number with K, M or "
		     "G)");
	expect_error("mem 1 1.5G\n", E_FORMAT, 1,
		     "line 1: bad size '1.5G' (bytes, or a number with K, M "
		     "or G)");
	expect_error("mem 255 1M\n", E_RANGE, 1,
		     "line 1: core '255' is out of range (0..254)");
	expect_error("mem x 1M\n", E_FORMAT, 1,
		     "line 1: bad core number 'x'");
	expect_error("mem 1\n", E_FORMAT, 1,
		     "line 1: 'mem' takes a core and a size: mem CORE SIZE");
	expect_error("mem 1 2M 3\n", E_FORMAT, 1,
		     "line 1: 'mem' takes a core and a size: mem CORE SIZE");
	expect_error("mem 1 2M\nmem 2 2M\nmem 01 4M\n", E_FORMAT, 3,
		     "line 3: 'mem' for core '01' given twice (first on line "
		     "1)");
}

static void test_start(void **state)
{
	char text[512];

	(void)state;
	assert_int_equal(parse("start a on 254"), 0);
	assert_int_equal(man.starts[0].core, 254);
	assert_string_equal(man.starts[0].args, "");
	assert_int_equal(parse("start a on 3   \t "), 0);
	assert_string_equal(man.starts[0].args, "");
	assert_int_equal(parse("start a on 3 x\ty  z \t"), 0);
	assert_string_equal(man.starts[0].args, "x\ty  z");
	assert_int_equal(parse("start on on 3 on"), 0);
	assert_string_equal(man.starts[0].app, "on");
	assert_string_equal(man.starts[0].args, "on");

	expect_error("start a at 1\n", E_FORMAT, 1,
		     "line 1: 'start' takes a program and a core: start APP "
		     "on CORE [ARGS...]");
	expect_error("start a on\n", E_FORMAT, 1,
		     "line 1: 'start' takes a program and a core: start APP "
		     "on CORE [ARGS...]");
	expect_error("start\n", E_FORMAT, 1,
		     "line 1: 'start' takes a program and a core: start APP "
		     "on CORE [ARGS...]");
	expect_error("start a on one\n", E_FORMAT, 1,
		     "line 1: bad core number 'one'");
	expect_error("start a on 300\n", E_RANGE, 1,
		     "line 1: core '300' is out of range (0..254)");

	/* Names: 31 characters fit, 32 do not. */
	assert_int_equal(parse("start abcdefghijklmnopqrstuvwxyz01234 on 1"),
			 0);
	assert_string_equal(man.starts[0].app,
			    "abcdefghijklmnopqrstuvwxyz01234");
	expect_error("start abcdefghijklmnopqrstuvwxyz012345 on 1\n",
		     E_TOOBIG, 1,
		     "line 1: program name 'abcdefghijklmnopqrstuvwxyz012345' "
		     "is too long (at most 31 characters)");

	/* Arguments: 127 characters fit, 128 do not. */
	strcpy(text, "start a on 1 ");
	memset(text + 13, 'x', 127);
	text[13 + 127] = '\0';
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(man.starts[0].args), 127);
	strcat(text, "y  ");
	expect_error(text, E_TOOBIG, 1,
		     "line 1: arguments are too long (at most 127 "
		     "characters)");
}

static void test_start_count(void **state)
{
	static char text[64 * 20 + 32];
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < MANIFEST_MAX_STARTS; i++) {
		memcpy(text + n, "start app on 1\n", 15);
		n += 15;
	}
	assert_int_equal(parse_n(text, n), 0);
	assert_int_equal(man.n_starts, MANIFEST_MAX_STARTS);
	assert_int_equal(man.starts[63].line, 64);
	memcpy(text + n, "# one more\nstart app on 1\n", 26);
	n += 26;
	assert_int_equal(parse_n(text, n), E_TOOBIG);
	assert_int_equal(err.line, 66);
	assert_string_equal(err.msg,
			    "line 66: too many 'start' lines (at most 64)");
}

static void test_device(void **state)
{
	static char text[17 * 20];
	size_t n = 0;
	int i;

	(void)state;
	expect_error("device virtio-net 1\ndevice serial 0\n"
		     "device virtio-net 2\n",
		     E_FORMAT, 3,
		     "line 3: device 'virtio-net' given twice (first on line "
		     "1)");
	expect_error("device virtio-net\n", E_FORMAT, 1,
		     "line 1: 'device' takes a name and a core: device NAME "
		     "CORE [DRIVER-ARGS...]");
	assert_int_equal(parse("device virtio-net 1  ip=10.0.2.9/24 "
			       "gw=10.0.2.2 \n"),
			 0);
	assert_string_equal(man.devices[0].args, "ip=10.0.2.9/24 gw=10.0.2.2");
	assert_int_equal(parse("device virtio-net 1\n"), 0);
	assert_string_equal(man.devices[0].args, "");
	expect_error("device virtio-net 255\n", E_RANGE, 1,
		     "line 1: core '255' is out of range (0..254)");
	expect_error(
	    "device abcdefghijklmnopqrstuvwxyz0123456789 1\n", E_TOOBIG, 1,
	    "line 1: device name 'abcdefghijklmnopqrstuvwxyz0123456789' "
	    "is too long (at most 31 characters)");
	for (i = 0; i < MANIFEST_MAX_DEVICES + 1; i++) {
		text[n++] = 'd';
		text[n++] = 'e';
		text[n++] = 'v';
		text[n++] = 'i';
		text[n++] = 'c';
		text[n++] = 'e';
		text[n++] = ' ';
		text[n++] = (char)('a' + i);
		text[n++] = ' ';
		text[n++] = '0';
		text[n++] = '\n';
	}
	assert_int_equal(parse_n(text, n - 11), 0);
	assert_int_equal(man.n_devices, MANIFEST_MAX_DEVICES);
	assert_string_equal(man.devices[15].name, "p");
	assert_int_equal(parse_n(text, n), E_TOOBIG);
	assert_int_equal(err.line, 17);
	assert_string_equal(err.msg,
			    "line 17: too many 'device' lines (at most 16)");
}

/* A long token is cut in the message, which stays one terminated line. */
static void test_long_token_message(void **state)
{
	char text[300];

	(void)state;
	memset(text, 'q', 250);
	strcpy(text + 250, " x\n");
	assert_int_equal(parse(text), E_FORMAT);
	assert_string_equal(err.msg,
			    "line 1: unknown directive "
			    "'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq...'");
}

/* ---- manifest_check ---- */

static const char *const known_apps[] = {"monitor", "hello", "shell"};

static bool app_exists(void *ctx, const char *app)
{
	size_t i;

	(*(int *)ctx)++;
	for (i = 0; i < sizeof(known_apps) / sizeof(known_apps[0]); i++) {
		if (strcmp(app, known_apps[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int check(const char *text, uint32_t present)
{
	int calls = 0;

	assert_int_equal(parse(text), 0);
	memset(&err, 0x5a, sizeof(err));
	return manifest_check(&man, present, app_exists, &calls, &err);
}

static void test_check_good(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(parse(good_text), 0);
	assert_int_equal(manifest_check(&man, 4, app_exists, &calls, &err), 0);
	assert_int_equal(calls, 3);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(manifest_check(&man, 8, NULL, NULL, NULL), 0);
}

static void test_check_cores(void **state)
{
	(void)state;
	assert_int_equal(check("# x\ncores 12\n", 8), E_RANGE);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg,
			    "line 2: manifest asks for 12 cores but only 8 "
			    "exist");
	assert_int_equal(check("cores 2\n", 1), E_RANGE);
	assert_string_equal(err.msg,
			    "line 1: manifest asks for 2 cores but only 1 "
			    "exists");
	assert_int_equal(check("cores 8\n", 8), 0);
}

static void test_check_core_numbers(void **state)
{
	(void)state;
	/* Without `cores`, every core present is used. */
	assert_int_equal(check("start hello on 7\n", 8), 0);
	assert_int_equal(check("start monitor on 0\nstart hello on 8\n", 8),
			 E_RANGE);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg,
			    "line 2: 'hello' is to start on core 8, but only 8 "
			    "cores are used");
	assert_int_equal(check("cores 2\nstart hello on 2\n", 8), E_RANGE);
	assert_string_equal(err.msg,
			    "line 2: 'hello' is to start on core 2, but only 2 "
			    "cores are used");
	assert_int_equal(check("cores 1\nmem 0 1M\n\nmem 1 1M\n", 8),
			 E_RANGE);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.msg,
			    "line 4: 'mem' is given for core 1, but only 1 "
			    "core is used");
	assert_int_equal(check("cores 3\ndevice virtio-net 3\n", 8), E_RANGE);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg,
			    "line 2: device 'virtio-net' is given to core 3, "
			    "but only 3 cores are used");
	assert_int_equal(check("mem 254 1M\n", 255), 0);
}

static void test_check_unknown_app(void **state)
{
	(void)state;
	assert_int_equal(check("start monitor on 0\nstart nosuch on 1\n", 4),
			 E_NOENT);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "line 2: unknown program 'nosuch'");
}

static void test_check_invalid(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(parse("start hello on 0\n"), 0);
	assert_int_equal(manifest_check(NULL, 4, NULL, NULL, &err), E_INVAL);
	assert_int_equal(manifest_check(&man, 0, NULL, NULL, &err), E_INVAL);
	man.n_starts = MANIFEST_MAX_STARTS + 1;
	assert_int_equal(manifest_check(&man, 4, NULL, NULL, &err), E_INVAL);
	man.n_starts = 1;
	memset(man.starts[0].app, 'x', sizeof(man.starts[0].app));
	assert_int_equal(manifest_check(&man, 4, app_exists, &calls, &err),
			 E_INVAL);
	assert_int_equal(calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_args_invalid),
	    cmocka_unit_test(test_unknown_directive),
	    cmocka_unit_test(test_nul_and_bytes),
	    cmocka_unit_test(test_cores),
	    cmocka_unit_test(test_mem),
	    cmocka_unit_test(test_trace),
	    cmocka_unit_test(test_lost_after),
	    cmocka_unit_test(test_start),
	    cmocka_unit_test(test_start_count),
	    cmocka_unit_test(test_device),
	    cmocka_unit_test(test_long_token_message),
	    cmocka_unit_test(test_fallback),
	    cmocka_unit_test(test_check_good),
	    cmocka_unit_test(test_check_cores),
	    cmocka_unit_test(test_check_core_numbers),
	    cmocka_unit_test(test_check_unknown_app),
	    cmocka_unit_test(test_check_invalid),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
