/* SPDX-License-Identifier: MIT */
/*
 * The one error type of the whole system, shared by the CPU driver, the
 * monitors and every program: 0 is success, a negative value is an error.
 * Each error has a name and a message from the single table below, so a
 * number printed on one core reads the same on every other.
 * Every name starts with E_: lwIP names its own errors ERR_*, and files
 * that include both see the two sets side by side, never clashing.
 */
#ifndef ABI_ERRORS_H
#define ABI_ERRORS_H

/* X(name, value, message) */
#define E_TABLE(X)                                                          \
	X(E_OK, 0, "success")                                               \
	X(E_INVAL, -1, "invalid argument")                                  \
	X(E_NOMEM, -2, "out of memory")                                     \
	X(E_RANGE, -3, "value or address out of range")                     \
	X(E_FORMAT, -4, "malformed input")                                  \
	X(E_NOENT, -5, "no such entry")                                     \
	X(E_TOOBIG, -6, "too many or too large")                            \
	X(E_PERM, -7, "not permitted")                                      \
	X(E_AGAIN, -8, "try again")                                         \
	X(E_NOSYS, -9, "no such system call")                               \
	X(E_FULL, -10, "ring full")                                         \
	X(E_CHECKSUM, -11, "checksum mismatch")                             \
	X(E_UNSUPPORTED, -12, "unsupported")                                \
	X(E_FAULT, -13, "bad address")                                      \
	X(E_TIMEOUT, -14, "timed out")                                      \
	X(E_CLOSED, -15, "connection closed")                               \
	X(E_BUSY, -16, "in use")                                            \
	X(E_IO, -17, "device error")                                        \
	X(E_UNREACH, -18, "peer unreachable")                               \
	X(E_LOST, -19, "core lost (it failed: `cores` says why)")

enum err_code {
#define E_ENUM_(name, value, msg) name = value,
	E_TABLE(E_ENUM_)
#undef E_ENUM_
};

/* err_name: "E_NOMEM" for E_NOMEM; "E_?" for an unknown value. */
static inline const char *err_name(int e)
{
	switch (e) {
#define E_NAME_(name, value, msg)                                           \
	case value:                                                           \
		return #name;
		E_TABLE(E_NAME_)
#undef E_NAME_
	}
	return "E_?";
}

/* err_msg: the human message for e; "unknown error" for an unknown value. */
static inline const char *err_msg(int e)
{
	switch (e) {
#define E_MSG_(name, value, msg)                                            \
	case value:                                                           \
		return msg;
		E_TABLE(E_MSG_)
#undef E_MSG_
	}
	return "unknown error";
}

#endif
