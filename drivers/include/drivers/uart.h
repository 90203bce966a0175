/* SPDX-License-Identifier: MIT */
/*
 * Polled 16550 UART (COM1). Only the core that owns the console calls
 * these, except panic, which may write as a last resort.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stddef.h>

/* uart_init: 115200 8N1, interrupts off, the FIFOs as they were (what
 * was typed before is kept for the console's input). */
void uart_init(void);

/* uart_write: writes n bytes, turning "\n" into "\r\n". Polls; bounded
 * wait per byte so a missing UART cannot hang the caller. */
void uart_write(const char *s, size_t n);

/* uart_enable_rx_irq: interrupt on received data (IRQ 4 on a PC). */
void uart_enable_rx_irq(void);

/* uart_getc: a received byte, or -1 if none. */
int uart_getc(void);

#endif
