// SPDX-License-Identifier: MIT
/*
 * What lwIP asks of its platform with NO_SYS: a millisecond clock
 * (sys_now, from SYS_TIME_NS) and random numbers (lwip_port_rand: a
 * xorshift generator seeded from the clock at first use; good enough for
 * initial sequence numbers and DHCP transaction ids, not for secrets).
 */
#include <stdint.h>
#include "lwip/sys.h"

uint64_t sys_time_ns(void);

u32_t sys_now(void)
{
	return (u32_t)(sys_time_ns() / 1000000u);
}

uint32_t lwip_port_rand(void)
{
	static uint64_t x;

	if (!x) {
		x = sys_time_ns() * 0x9e3779b97f4a7c15ull | 1;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 16);
}
