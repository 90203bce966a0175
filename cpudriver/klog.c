// SPDX-License-Identifier: MIT
/*
 * Kernel log lines, panic and fatal boot errors. Log lines go through the
 * console (console.c); panic writes the UART directly, the one case where
 * a core other than 0 may touch it, because a dying core cannot count on
 * anything else.
 */
#include <abi/tsc.h>
#include "kernel.h"
#include "console.h"
#include <arch/x86.h>
#include <drivers/uart.h>
#include <fmt.h>
#include <stdarg.h>

struct self self;

void kprintf(const char *fmt, ...)
{
	char buf[CONSOLE_LINE_MAX + 1];
	va_list ap;
	int n = fmt_snprintf(buf, sizeof(buf), "core %u: ", self.id);

	va_start(ap, fmt);
	n += fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > CONSOLE_LINE_MAX) {
		n = CONSOLE_LINE_MAX;
	}
	console_line(buf, (size_t)n);
}

void kputs_raw(const char *s)
{
	size_t n = 0;

	while (s[n] && n < CONSOLE_LINE_MAX) {
		n++;
	}
	console_line(s, n);
}

void panic(const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	int n;

	irq_disable();
	n = fmt_snprintf(buf, sizeof(buf), "PANIC core %u: ", self.id);
	va_start(ap, fmt);
	n += fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1) {
		n = sizeof(buf) - 1;
	}
	uart_write("\n", 1);
	uart_write(buf, (size_t)n);
	uart_write("\ncore halted\n", 13);
	cpu_stop();
}

void boot_fail(const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	int n;

	irq_disable();
	n = fmt_snprintf(buf, sizeof(buf), "error: ");
	va_start(ap, fmt);
	n += fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1) {
		n = sizeof(buf) - 1;
	}
	uart_write(buf, (size_t)n);
	uart_write("\nsystem halted\n", 15);
	/* isa-debug-exit (tests): QEMU exits with status (0x10 << 1) | 1 */
	outb(0xf4, 0x10);
	cpu_stop();
}

uint64_t tsc_to_ns(uint64_t tsc)
{
	return abi_tsc_to_ns(tsc, self.tsc_khz);
}

uint64_t ns_to_tsc(uint64_t ns)
{
	uint64_t ms = ns / 1000000ull;
	uint64_t rest = ns % 1000000ull;

	return ms * self.tsc_khz + rest * self.tsc_khz / 1000000ull;
}
