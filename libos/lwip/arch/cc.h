/* SPDX-License-Identifier: MIT */
/*
 * lwIP's compiler and platform port (lwip/arch.h), for ring-3 programs
 * (freestanding, libos's small libc: no ctype.h, inttypes.h, unistd.h)
 * and for host tests (HOST_TEST: the host's libc).
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#ifndef HOST_TEST
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_LIMITS_H 1
#define INT_MAX 0x7fffffff
#define SSIZE_MAX 0x7fffffffffffffffl
typedef long ssize_t;
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
#endif

/* lwIP's messages and failed lwIP invariants (its own, never input) */
#define LWIP_PLATFORM_DIAG(x)                                                 \
	do {                                                                  \
		printf x;                                                     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                               \
	do {                                                                  \
		printf("lwip: assertion \"%s\" failed at %s:%d\n", x,         \
		       __FILE__, __LINE__);                                   \
		abort();                                                      \
	} while (0)

/* lwip_port_rand: ISNs, DHCP transaction ids, ports (sys_arch.c) */
uint32_t lwip_port_rand(void);
/* lwip_port_tcp_out: TCP header HDR of P goes out for connection PCB
 * (NULL for a reset without one): the hook in lwipopts.h, counting
 * resends (libos/net/stack.c) */
struct pbuf;
struct tcp_hdr;
struct tcp_pcb;
void lwip_port_tcp_out(const struct pbuf *p, const struct tcp_hdr *hdr,
		       const struct tcp_pcb *pcb);

#endif
