/* SPDX-License-Identifier: MIT */
/*
 * Our error codes (abi/errors.h) under the names OS_ERR_*, for files that
 * also include lwIP: lwIP's err.h declares ERR_OK, ERR_TIMEOUT, ... of its
 * own. Include this before anything else (it includes abi/errors.h with
 * our names renamed; its include guard then keeps later includes out).
 */
#ifndef NET_OSERR_H
#define NET_OSERR_H

#define ERR_OK OS_ERR_OK
#define ERR_INVAL OS_ERR_INVAL
#define ERR_NOMEM OS_ERR_NOMEM
#define ERR_RANGE OS_ERR_RANGE
#define ERR_FORMAT OS_ERR_FORMAT
#define ERR_NOENT OS_ERR_NOENT
#define ERR_TOOBIG OS_ERR_TOOBIG
#define ERR_PERM OS_ERR_PERM
#define ERR_AGAIN OS_ERR_AGAIN
#define ERR_NOSYS OS_ERR_NOSYS
#define ERR_FULL OS_ERR_FULL
#define ERR_CHECKSUM OS_ERR_CHECKSUM
#define ERR_UNSUPPORTED OS_ERR_UNSUPPORTED
#define ERR_FAULT OS_ERR_FAULT
#define ERR_TIMEOUT OS_ERR_TIMEOUT
#define ERR_CLOSED OS_ERR_CLOSED
#define ERR_BUSY OS_ERR_BUSY
#define ERR_IO OS_ERR_IO
#define ERR_UNREACH OS_ERR_UNREACH
#include <abi/errors.h>
#undef ERR_OK
#undef ERR_INVAL
#undef ERR_NOMEM
#undef ERR_RANGE
#undef ERR_FORMAT
#undef ERR_NOENT
#undef ERR_TOOBIG
#undef ERR_PERM
#undef ERR_AGAIN
#undef ERR_NOSYS
#undef ERR_FULL
#undef ERR_CHECKSUM
#undef ERR_UNSUPPORTED
#undef ERR_FAULT
#undef ERR_TIMEOUT
#undef ERR_CLOSED
#undef ERR_BUSY
#undef ERR_IO
#undef ERR_UNREACH

#endif
