// SPDX-License-Identifier: MIT
/* Line-buffered printf over SYS_LOG (see stdio.h). */
#include <stdio.h>
#include <string.h>
#include <libos/sys.h>

#define LINE_MAX 224

static char line[LINE_MAX];
static size_t used;

void fflush_stdout(void)
{
	if (used) {
		sys_log(line, used);
		used = 0;
	}
}

static void out(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			sys_log(line, used);
			used = 0;
			continue;
		}
		if (used == LINE_MAX) {
			fflush_stdout();
		}
		line[used++] = s[i];
	}
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int puts(const char *s)
{
	out(s, strlen(s));
	out("\n", 1);
	return 0;
}
