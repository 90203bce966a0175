// SPDX-License-Identifier: MIT
/*
 * PCI configuration accessors for the CPU driver (see pcicfg.h).
 */
#include "pcicfg.h"
#include <arch/x86.h>

static uint32_t port_addr(uint8_t b, uint8_t d, uint8_t f, uint16_t off)
{
	return 0x80000000u | (uint32_t)b << 16 | (uint32_t)(d & 31) << 11 |
	       (uint32_t)(f & 7) << 8 | (off & 0xfcu);
}

static uint32_t port_read(void *ctx, uint8_t b, uint8_t d, uint8_t f,
			  uint16_t off)
{
	(void)ctx;
	outl(0xcf8, port_addr(b, d, f, off));
	return inl(0xcfc);
}

static void port_write(void *ctx, uint8_t b, uint8_t d, uint8_t f,
		       uint16_t off, uint32_t v)
{
	(void)ctx;
	outl(0xcf8, port_addr(b, d, f, off));
	outl(0xcfc, v);
}

void pcicfg_ports(struct pci_ops *o)
{
	o->read32 = port_read;
	o->write32 = port_write;
	o->ctx = 0;
	o->cfg_size = 256;
}

static volatile uint32_t *ecam_at(void *ctx, uint8_t b, uint8_t d, uint8_t f,
				  uint16_t off)
{
	uintptr_t a = (uintptr_t)ctx + ((uintptr_t)b << 20) +
		      ((uintptr_t)(d & 31) << 15) + ((uintptr_t)(f & 7) << 12) +
		      (off & 0xffcu);
	return (volatile uint32_t *)a;
}

static uint32_t ecam_read(void *ctx, uint8_t b, uint8_t d, uint8_t f,
			  uint16_t off)
{
	return *ecam_at(ctx, b, d, f, off);
}

static void ecam_write(void *ctx, uint8_t b, uint8_t d, uint8_t f,
		       uint16_t off, uint32_t v)
{
	*ecam_at(ctx, b, d, f, off) = v;
}

void pcicfg_ecam(struct pci_ops *o, uintptr_t va)
{
	o->read32 = ecam_read;
	o->write32 = ecam_write;
	o->ctx = (void *)va;
	o->cfg_size = 4096;
}

static uint32_t page_read(void *ctx, uint8_t b, uint8_t d, uint8_t f,
			  uint16_t off)
{
	(void)b, (void)d, (void)f;
	return *(volatile uint32_t *)((uintptr_t)ctx + (off & 0xffcu));
}

static void page_write(void *ctx, uint8_t b, uint8_t d, uint8_t f,
		       uint16_t off, uint32_t v)
{
	(void)b, (void)d, (void)f;
	*(volatile uint32_t *)((uintptr_t)ctx + (off & 0xffcu)) = v;
}

void pcicfg_page(struct pci_ops *o, uintptr_t va)
{
	o->read32 = page_read;
	o->write32 = page_write;
	o->ctx = (void *)va;
	o->cfg_size = 4096;
}
