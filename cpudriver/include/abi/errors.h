/* SPDX-License-Identifier: MIT */
/*
 * The one error type of the whole system, shared by the CPU driver, the
 * monitors and every program: 0 is success, a negative value is an error.
 * Each error has a name and a message from the single table below, so a
 * number printed on one core reads the same on every other.
 */
#ifndef ABI_ERRORS_H
#define ABI_ERRORS_H

/* X(name, value, message) */
#define ERR_TABLE(X)                                                          \
	X(ERR_OK, 0, "success")                                               \
	X(ERR_INVAL, -1, "invalid argument")                                  \
	X(ERR_NOMEM, -2, "out of memory")                                     \
	X(ERR_RANGE, -3, "value or address out of range")                     \
	X(ERR_FORMAT, -4, "malformed input")                                  \
	X(ERR_NOENT, -5, "no such entry")                                     \
	X(ERR_TOOBIG, -6, "too many or too large")                            \
	X(ERR_PERM, -7, "not permitted")                                      \
	X(ERR_AGAIN, -8, "try again")                                         \
	X(ERR_NOSYS, -9, "no such system call")                               \
	X(ERR_FULL, -10, "ring full")                                         \
	X(ERR_CHECKSUM, -11, "checksum mismatch")                             \
	X(ERR_UNSUPPORTED, -12, "unsupported")                                \
	X(ERR_FAULT, -13, "bad address")                                      \
	X(ERR_TIMEOUT, -14, "timed out")                                      \
	X(ERR_CLOSED, -15, "connection closed")                               \
	X(ERR_BUSY, -16, "in use")                                            \
	X(ERR_IO, -17, "device error")                                        \
	X(ERR_UNREACH, -18, "peer unreachable")

enum err_code {
#define ERR_ENUM_(name, value, msg) name = value,
	ERR_TABLE(ERR_ENUM_)
#undef ERR_ENUM_
};

/* err_name: "ERR_NOMEM" for ERR_NOMEM; "ERR_?" for an unknown value. */
static inline const char *err_name(int e)
{
	switch (e) {
#define ERR_NAME_(name, value, msg)                                           \
	case value:                                                           \
		return #name;
		ERR_TABLE(ERR_NAME_)
#undef ERR_NAME_
	}
	return "ERR_?";
}

/* err_msg: the human message for e; "unknown error" for an unknown value. */
static inline const char *err_msg(int e)
{
	switch (e) {
#define ERR_MSG_(name, value, msg)                                            \
	case value:                                                           \
		return msg;
		ERR_TABLE(ERR_MSG_)
#undef ERR_MSG_
	}
	return "unknown error";
}

#endif
