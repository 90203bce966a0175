/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
 * the block store's superblock and records. Table-driven, one byte at a
 * time; the table is computed on first use. Pure C, no dependencies, so
 * it runs in ring-3 programs and host tests alike.
 *
 * Usage:
 *   uint32_t c = crc32c(0, buf, n);          whole buffer
 *   c = crc32c(crc32c(0, a, na), b, nb);     the same as over a then b
 */
#ifndef STORE_CRC32C_H
#define STORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc32c: the CRC32C of buf[0..n) continuing from crc (0 to start). Check
 * value: crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t n);

#endif
