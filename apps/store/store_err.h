/* SPDX-License-Identifier: MIT */
/*
 * What an error means coming from the block store (store.if), shared by
 * the store itself (kv_err_msg) and its clients (the shell), so both word
 * it the same. Header-only: clients need not link kv.c.
 */
#ifndef STORE_ERR_H
#define STORE_ERR_H

#include "abi/errors.h"

/* store_err_msg: like err_msg, worded for the store (ERR_FULL "store is
 * full", ERR_PERM "no usable store on the disk", ...). */
static inline const char *store_err_msg(int err)
{
	switch (err) {
	case ERR_PERM:
		return "no usable store on the disk ('store format' makes one)";
	case ERR_FULL:
		return "store is full";
	case ERR_TOOBIG:
		return "key or value too long";
	case ERR_INVAL:
		return "bad key (1..64 printable characters, no spaces)";
	case ERR_NOENT:
		return "no such key";
	case ERR_CHECKSUM:
		return "record damaged on disk (checksum mismatch)";
	case ERR_RANGE:
		return "disk too small";
	case ERR_IO:
		return "device error (the store stopped writing)";
	}
	return err_msg(err);
}

#endif
