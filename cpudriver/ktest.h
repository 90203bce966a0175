/* SPDX-License-Identifier: MIT */
/*
 * In-kernel tests. A test is a function registered in the .ktests linker
 * section with KTEST(name); when the CPU driver's command line says
 * "ktest", every core runs every test on itself after it has booted its
 * children and reports one line each: "core N: ktest NAME: PASS" or
 * "... FAIL: why". They check what only the running kernel can see, such
 * as this core's own page tables.
 *
 * Usage:
 *   KTEST(frame_roundtrip)
 *   {
 *           if (bad)
 *                   return ktest_fail(why, n, "frame %lx not zeroed", f);
 *           return 0;
 *   }
 */
#ifndef KTEST_H
#define KTEST_H

#include <stddef.h>

struct ktest {
	const char *name;
	int (*fn)(char *why, size_t n); /* 0 = pass; else fills why */
};

#define KTEST(id)                                                             \
	static int ktest_fn_##id(char *why, size_t n);                        \
	static const struct ktest ktest_rec_##id                              \
		__attribute__((section(".ktests"), used, aligned(8))) = {     \
			#id, ktest_fn_##id};                                  \
	static int ktest_fn_##id(char *why, size_t n)

/* ktest_fail: formats the reason into why and returns -1. */
int ktest_fail(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ktest_run: runs every registered test on this core (if the boot table
 * asks for it) and then any provoked fault. Called once per core. */
void ktest_run(void);

#endif
