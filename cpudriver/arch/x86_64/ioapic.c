// SPDX-License-Identifier: MIT
/*
 * I/O APIC (82093AA datasheet): an index register at 0x00 and a data
 * window at 0x10. Register 1 holds the number of redirection entries;
 * entry n is the register pair 0x10 + 2n (low) / 0x11 + 2n (high).
 */
#include <arch/ioapic.h>
#include <abi/errors.h>

#define REG_VER 0x01
#define RTE_LOW(n) (0x10 + 2 * (n))
#define RTE_HIGH(n) (0x11 + 2 * (n))
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)

static uint32_t rd(volatile uint32_t *io, uint32_t reg)
{
	io[0] = reg;
	return io[4];
}

static void wr(volatile uint32_t *io, uint32_t reg, uint32_t v)
{
	io[0] = reg;
	io[4] = v;
}

int ioapic_route(volatile void *base, uint32_t gsi_base, uint32_t gsi,
		 uint16_t flags, uint8_t vector, uint32_t apic)
{
	volatile uint32_t *io = base;
	uint32_t n, pin, low = vector;

	n = ((rd(io, REG_VER) >> 16) & 0xff) + 1;
	if (gsi < gsi_base || gsi - gsi_base >= n) {
		return E_RANGE;
	}
	pin = gsi - gsi_base;
	/* MPS INTI flags: polarity 3 = active low, trigger 3 = level */
	if ((flags & 3) == 3) {
		low |= RTE_ACTIVE_LOW;
	}
	if (((flags >> 2) & 3) == 3) {
		low |= RTE_LEVEL;
	}
	wr(io, RTE_HIGH(pin), apic << 24);
	wr(io, RTE_LOW(pin), low); /* fixed delivery, physical, unmasked */
	return 0;
}
