// SPDX-License-Identifier: MIT
/*
 * xAPIC driver. Register offsets from the Intel SDM vol. 3, ch. 11.
 * Sending waits (bounded) for the previous IPI's delivery status to clear:
 * under QEMU it is always clear; on hardware it takes microseconds.
 */
#include <arch/lapic.h>

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ESR 0x280
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define LVT_MASKED 0x10000u
#define ICR_PENDING 0x1000u
#define ICR_ASSERT 0x4000u
#define ICR_INIT 0x500u
#define ICR_STARTUP 0x600u

static volatile uint32_t *lapic;

static inline uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static inline void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_set_base(volatile void *base)
{
	lapic = base;
}

void lapic_init(void)
{
	wr(REG_TPR, 0);
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, LVT_MASKED);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_DIV, 0xb); /* divide by 1 */
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	wr(REG_ESR, 0);
	wr(REG_EOI, 0);
}

uint32_t lapic_id(void)
{
	return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

static void send(uint32_t apic_id, uint32_t lo)
{
	for (int i = 0; i < 1000000 && (rd(REG_ICR_LO) & ICR_PENDING); i++) {
		__asm__ volatile("pause");
	}
	wr(REG_ICR_HI, apic_id << 24);
	wr(REG_ICR_LO, lo);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send(apic_id, vector | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	send(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	send(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

void lapic_timer_oneshot(uint32_t ticks)
{
	if (!ticks) {
		wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
		wr(REG_TIMER_INIT, 0);
		return;
	}
	wr(REG_LVT_TIMER, VEC_TIMER);
	wr(REG_TIMER_INIT, ticks);
}

uint32_t lapic_timer_count(void)
{
	return rd(REG_TIMER_CUR);
}
