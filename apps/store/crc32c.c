// SPDX-License-Identifier: MIT
/*
 * CRC32C, reflected, initial value and final xor 0xFFFFFFFF (RFC 3720
 * appendix B.4). The 256-entry table is built once, lazily: every process
 * has its own copy of this global, so no core shares it.
 */
#include "crc32c.h"

#define CRC32C_POLY 0x82F63B78u

static uint32_t table[256];
static int table_ready;

static void build_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++) {
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		}
		table[i] = c;
	}
	table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (!table_ready) {
		build_table();
	}
	crc = ~crc;
	while (n--) {
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	}
	return ~crc;
}
