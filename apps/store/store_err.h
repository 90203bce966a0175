/* SPDX-License-Identifier: MIT */
/*
 * What an error means coming from the block store (store.if), shared by
 * the store itself (kv_err_msg) and its clients (the shell), so both word
 * it the same. Header-only: clients need not link kv.c.
 */
#ifndef STORE_ERR_H
#define STORE_ERR_H

#include "abi/errors.h"

/* store_err_msg: like err_msg, worded for the store (E_FULL "store is
 * full", E_PERM "no usable store on the disk", ...). */
static inline const char *store_err_msg(int err)
{
	switch (err) {
	case E_PERM:
		return "no usable store on the disk ('store format' makes one)";
	case E_FULL:
		return "store is full";
	case E_TOOBIG:
		return "key or value too long";
	case E_INVAL:
		return "bad key (1..64 printable characters, no spaces)";
	case E_NOENT:
		return "no such key";
	case E_CHECKSUM:
		return "record damaged on disk (checksum mismatch)";
	case E_RANGE:
		return "disk too small";
	case E_IO:
		return "device error (the store stopped writing)";
	}
	return err_msg(err);
}

#endif
