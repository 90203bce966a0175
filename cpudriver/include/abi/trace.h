/* SPDX-License-Identifier: MIT */
/*
 * The trace format (docs/tracing.md, "Format"), shared by the CPU driver,
 * libos, the monitors, the host tests and the host converter
 * (site_scons/tracetool/, which mirrors these layouts with Python struct
 * formats: change both together and bump the version).
 *
 * A trace buffer is one struct trace_buf header followed by `size` events
 * of 32 bytes, written by one core only (channels/trace_ring.h). The
 * kernel of each core has one buffer (kind KERNEL), each traced process
 * one in its own memory (PROCESS), each monitor one (MONITOR). Event i
 * (counting from 0 since the buffer was set up) sits in slot i % size; a
 * full buffer overwrites its oldest event and counts it in `lost`.
 *
 * A dump file is what `trace dump` writes: a struct trace_file, then
 * `ncores` struct trace_clock records, then `nbufs` buffers one after
 * another, each its header and its `size` event slots exactly as in
 * memory. Everything is little-endian, the TSC is the core's own.
 *
 * Events are written by whoever owns the buffer, programs included: a
 * program can forge its own events. Traces are for diagnosis, never for
 * authority.
 */
#ifndef ABI_TRACE_H
#define ABI_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_VERSION 1
#define TRACE_BUF_MAGIC 0x4254524bu /* "KRTB" in memory order */
#define TRACE_FILE_MAGIC "MKTRACE1" /* 8 bytes, no NUL */
#define TRACE_NAME_MAX 16

/* Event types; a and b as each comment says. Numbers are part of the
 * format: never reuse one. */
enum trace_type {
	/* kernel (class KERNEL unless said otherwise); pid = the process
	 * running on the core at the time, 0 for none */
	TRACE_DOORBELL_SEND = 1, /* a = target core */
	TRACE_DOORBELL_TAKE = 2, /* a = from core, TRACE_NO_CORE if unknown */
	TRACE_HALT = 3,		 /* the core halts; a, b = 0 */
	TRACE_WAKE = 4,		 /* it wakes; a = event bits (SYS_EV_*) */
	TRACE_SWITCH = 5,	 /* a = from pid, b = to pid (0: idle) */
	TRACE_SYSCALL = 6,	 /* class SYSCALL: a = number, b = result
				    (as a signed 64-bit value) */
	TRACE_SPAWN = 7,	 /* a = new pid */
	TRACE_EXIT = 8,		 /* a = pid, b = exit status */
	TRACE_IRQ = 9,		 /* a = vector */

	/* channel library (class CHAN); pid = the process that sent or
	 * received. a = TRACE_CHAN_A(frame, ring), b = TRACE_CHAN_B(seq,
	 * type, size). frame is the channel frame's physical address (4 KiB
	 * aligned), ring the ring of the frame the message travels on (0:
	 * side 0 sends on it, 1: side 1 does), seq the ring's 32-bit sequence
	 * number of the message's last slot (both sides know it once the
	 * call returns), type and size the message's. A send and its receive
	 * have the same a and b; the peer's pid is the other event's pid. */
	TRACE_CHAN_SEND = 16,
	TRACE_CHAN_RECV = 17,

	/* monitors (class MONITOR); pid = the monitor's */
	TRACE_MON_BEGIN = 32,  /* a = enum trace_mon_op, b = call id */
	TRACE_MON_END = 33,    /* a = enum trace_mon_op, b = the same call id */
	TRACE_RING_LEVEL = 34, /* class CHAN: a = TRACE_CHAN_A(frame, ring),
				  b = slots in use (the channel library
				  writes none: the converter derives
				  occupancy from sends and receives) */
};

#define TRACE_NO_CORE 0xffffffffull

/* b of a channel event: bits 0-31 sequence number, 32-39 message type,
 * 40-55 size in bytes, 56-63 zero. */
#define TRACE_CHAN_A(frame, ring)                                              \
	(((uint64_t)(frame) & ~0xfffull) | ((uint64_t)(ring)&1))
#define TRACE_CHAN_B(seq, type, size)                                          \
	((uint64_t)(uint32_t)(seq) | (uint64_t)(uint8_t)(type) << 32 |         \
	 (uint64_t)(uint16_t)(size) << 40)
#define TRACE_CHAN_FRAME(a) ((a) & ~0xfffull)
#define TRACE_CHAN_RING(a) ((unsigned)((a)&1))
#define TRACE_CHAN_SEQ(b) ((uint32_t)(b))
#define TRACE_CHAN_TYPE(b) ((uint8_t)((b) >> 32))
#define TRACE_CHAN_SIZE(b) ((uint16_t)((b) >> 40))

/* a of MON_BEGIN / MON_END: what the monitor is doing */
enum trace_mon_op {
	TRACE_MON_AGREE = 1,  /* agreement between monitors */
	TRACE_MON_LEND = 2,   /* lending memory or a core's resource */
	TRACE_MON_BORROW = 3, /* borrowing it */
	TRACE_MON_MOVE = 4,   /* moving a device to another core */
	TRACE_MON_BIND = 5,   /* setting up a binding (channel) */
	TRACE_MON_SPAWN = 6,  /* spawning a process */
};

/* Event classes: what `trace on [CLASSES]` turns on. */
#define TRACE_C_KERNEL 0x1u
#define TRACE_C_SYSCALL 0x2u /* off by default: one event per call */
#define TRACE_C_CHAN 0x4u
#define TRACE_C_MONITOR 0x8u
#define TRACE_C_DEFAULT (TRACE_C_KERNEL | TRACE_C_CHAN | TRACE_C_MONITOR)

/* trace_classes_parse: the n bytes at s, a comma list of kernel,
 * syscall, chan, monitor or all (the shell's `trace on` and the
 * manifest's `trace`), as TRACE_C_* bits; 0 if a name is unknown or
 * missing */
static inline uint32_t trace_classes_parse(const char *s, size_t n)
{
	static const char *const names[] = {"kernel", "syscall", "chan",
					    "monitor", "all"};
	static const uint32_t bits[] = {TRACE_C_KERNEL, TRACE_C_SYSCALL,
					TRACE_C_CHAN, TRACE_C_MONITOR, 0xf};
	uint32_t out = 0;
	size_t at = 0;

	while (at <= n) {
		size_t len = 0, i, k;

		while (at + len < n && s[at + len] != ',') {
			len++;
		}
		for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			for (k = 0; k < len && names[i][k] == s[at + k]; k++) {
			}
			if (k == len && len && names[i][len] == 0) {
				break;
			}
		}
		if (i == sizeof(bits) / sizeof(bits[0])) {
			return 0;
		}
		out |= bits[i];
		at += len + 1;
	}
	return out;
}

/* trace_class: the class of an event type, 0 for an unknown type */
static inline uint32_t trace_class(uint32_t type)
{
	if (type == TRACE_SYSCALL) {
		return TRACE_C_SYSCALL;
	}
	if (type >= TRACE_DOORBELL_SEND && type <= TRACE_IRQ) {
		return TRACE_C_KERNEL;
	}
	if (type == TRACE_CHAN_SEND || type == TRACE_CHAN_RECV ||
	    type == TRACE_RING_LEVEL) {
		return TRACE_C_CHAN;
	}
	if (type == TRACE_MON_BEGIN || type == TRACE_MON_END) {
		return TRACE_C_MONITOR;
	}
	return 0;
}

/* One event; all fields written by the buffer's one writer. */
struct trace_ev {
	uint64_t tsc;  /* the writing core's TSC */
	uint16_t type; /* enum trace_type */
	uint16_t core; /* the writing core */
	uint32_t pid;  /* see enum trace_type */
	uint64_t a;
	uint64_t b;
};

/* trace_buf.kind */
enum trace_kind {
	TRACE_KIND_KERNEL = 1,
	TRACE_KIND_PROCESS = 2,
	TRACE_KIND_MONITOR = 3,
};

/* A buffer's header; the events follow it. Fields set once by
 * trace_ring_init (the writer) except head and lost, which only the
 * writer updates afterwards. */
struct trace_buf {
	uint32_t magic;		   /* TRACE_BUF_MAGIC */
	uint16_t version;	   /* TRACE_VERSION */
	uint16_t kind;		   /* enum trace_kind */
	uint32_t core;		   /* the core that writes it */
	uint32_t pid;		   /* its process (0 for a kernel buffer) */
	char name[TRACE_NAME_MAX]; /* NUL-padded, may lack the NUL */
	uint64_t size;		   /* event slots that follow */
	uint64_t head;		   /* events ever written; the next goes to
				      slot head % size (store-release after it) */
	uint64_t lost;	   /* events overwritten before anyone read them */
	uint64_t reserved; /* 0 */
	struct trace_ev ev[];
};

/* The dump file's header. */
struct trace_file {
	char magic[8];	   /* TRACE_FILE_MAGIC */
	uint32_t version;  /* TRACE_VERSION */
	uint32_t ncores;   /* struct trace_clock records that follow */
	uint64_t tsc_khz;  /* TSC ticks per millisecond (all cores) */
	uint32_t nbufs;	   /* buffers after the clock records */
	uint32_t reserved; /* 0 */
};

/* One core's clock, measured at boot against core 0's: this core's TSC
 * minus core 0's at the same instant (so core 0's time of an event is
 * tsc - tsc_offset), known to within rtt / 2. */
struct trace_clock {
	uint32_t core;
	uint32_t reserved; /* 0 */
	int64_t tsc_offset;
	uint64_t rtt; /* round trip of the measurement, in this core's
			 cycles */
};

_Static_assert(sizeof(struct trace_ev) == 32, "trace_ev is 32 bytes");
_Static_assert(sizeof(struct trace_buf) == 64, "trace_buf is 64 bytes");
_Static_assert(sizeof(struct trace_file) == 32, "trace_file is 32 bytes");
_Static_assert(sizeof(struct trace_clock) == 24, "trace_clock is 24 bytes");
/* the offsets docs/tracing.md and tracetool/dump.py read */
_Static_assert(offsetof(struct trace_ev, type) == 8 &&
		   offsetof(struct trace_ev, pid) == 12 &&
		   offsetof(struct trace_ev, a) == 16,
	       "trace_ev layout");
_Static_assert(offsetof(struct trace_buf, name) == 16 &&
		   offsetof(struct trace_buf, size) == 32 &&
		   offsetof(struct trace_buf, head) == 40 &&
		   offsetof(struct trace_buf, lost) == 48 &&
		   offsetof(struct trace_buf, ev) == 64,
	       "trace_buf layout");
_Static_assert(offsetof(struct trace_file, tsc_khz) == 16 &&
		   offsetof(struct trace_file, nbufs) == 24,
	       "trace_file layout");
_Static_assert(offsetof(struct trace_clock, tsc_offset) == 8,
	       "trace_clock layout");

#endif
