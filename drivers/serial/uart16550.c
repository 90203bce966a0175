// SPDX-License-Identifier: MIT
/*
 * Polled 16550 driver for COM1. Output waits for the transmit register
 * with a bounded loop: under QEMU it is always ready; on hardware without
 * a UART we give up on the byte rather than hang the core.
 */
#include <drivers/uart.h>
#include <arch/x86.h>
#include "uart_reg.h"

void uart_init(void)
{
	outb(UART_COM1 + UART_IER, 0);
	outb(UART_COM1 + UART_LCR, UART_LCR_DLAB);
	outb(UART_COM1 + UART_DLL, 1); /* 115200 baud */
	outb(UART_COM1 + UART_DLM, 0);
	outb(UART_COM1 + UART_LCR, UART_LCR_8N1);
	/* The FIFOs stay as the firmware left them (off under QEMU's
	 * SeaBIOS and GRUB): turning them on clears what was received, and
	 * with them off the UART holds a byte typed before us (the rest
	 * waits in the sender), which the first receive interrupt takes.
	 * Clearing it turned `spawn` typed during boot into `pawn`. A byte
	 * at a time is plenty for typing: output waits for the transmit
	 * register anyway. */
	outb(UART_COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void put(char c)
{
	for (int i = 0; i < 100000; i++) {
		if (inb(UART_COM1 + UART_LSR) & UART_LSR_THRE) {
			break;
		}
	}
	outb(UART_COM1 + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			put('\r');
		}
		put(s[i]);
	}
}

void uart_enable_rx_irq(void)
{
	/* OUT2 gates the UART's interrupt line on PC-compatible boards */
	outb(UART_COM1 + UART_MCR, 0x0b);
	outb(UART_COM1 + UART_IER, 0x01);
}

int uart_getc(void)
{
	uint8_t lsr = inb(UART_COM1 + UART_LSR);

	/* 0xff: nothing decodes the port (no UART), not "data ready" */
	if (lsr == 0xff || !(lsr & UART_LSR_DR)) {
		return -1;
	}
	return inb(UART_COM1 + UART_RBR);
}
