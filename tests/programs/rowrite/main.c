// SPDX-License-Identifier: MIT
/*
 * rowrite WHAT: a program's read-only segments are its boot module's own
 * pages (the kernel maps them instead of copying them): writing them must
 * kill the writer and leave the module as it was.
 *
 *   rowrite text    writes 0xcc over the first byte of its function
 *                   victim() (text): must be killed by a #PF
 *   rowrite rodata  writes over the first byte of a constant string
 *                   (rodata): must be killed by a #PF
 *   rowrite exec    calls into that constant string: rodata is
 *                   no-execute, must be killed by a #PF
 *   rowrite check   what a fresh copy of the program sees: victim()'s
 *                   first byte and answer, the string's first byte, each
 *                   as built ("rowrite: image intact") or what differs
 *
 * A write that went through prints "rowrite: WHAT written, still alive".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char motto[] = "read-only";

/* victim: a function of its own text; noinline so that it has an address
 * and its code is where that address says */
static int __attribute__((noinline)) victim(int x)
{
	return x * 3 + 1;
}

/* the addresses are read at run time so the compiler cannot prove the
 * writes are to constants and drop them */
static volatile uintptr_t text_at, rodata_at;

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "check";
	volatile uint8_t *t, *r;

	text_at = (uintptr_t)victim;
	rodata_at = (uintptr_t)motto;
	t = (volatile uint8_t *)text_at;
	r = (volatile uint8_t *)rodata_at;
	if (strcmp(what, "text") == 0) {
		printf("rowrite: writing text at %p\n", (void *)t);
		*t = 0xcc;
	} else if (strcmp(what, "rodata") == 0) {
		printf("rowrite: writing rodata at %p\n", (void *)r);
		*r = 'X';
	} else if (strcmp(what, "exec") == 0) {
		printf("rowrite: running rodata at %p\n", (void *)r);
		((void (*)(void))rodata_at)();
	} else if (strcmp(what, "check") == 0) {
		if (*t == 0xcc || victim(14) != 43 || *r != 'r' ||
		    strcmp(motto, "read-only") != 0) {
			printf("rowrite: image changed: text 0x%x victim(14) "
			       "%d rodata '%c'\n", *t, victim(14), *r);
			return 1;
		}
		printf("rowrite: image intact\n");
		return 0;
	} else {
		printf("rowrite: usage: rowrite text|rodata|exec|check\n");
		return 2;
	}
	printf("rowrite: %s written, still alive\n", what);
	return 1;
}
