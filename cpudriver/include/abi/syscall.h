/* SPDX-License-Identifier: MIT */
/*
 * The system-call ABI, shared by the CPU driver and every ring-3 program.
 *
 * A program enters with `syscall`: number in rax, arguments in rdi, rsi,
 * rdx, r10, r8, r9; the result comes back in rax (>= 0 success, < 0 an
 * error from abi/errors.h). rcx and r11 are clobbered. No system call
 * blocks inside the kernel: SYS_WAIT takes the calling process off the run
 * queue until its next event and the CPU driver runs something else or
 * halts.
 */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

#include <stdint.h>
#include <abi/bootrec.h>

enum sys_number {
	SYS_LOG = 0,        /* (const char *buf, u64 len): one console line
			       per '\n'; returns len, or E_FULL if the
			       console ring was full and a line was
			       dropped (counted, never waited for) */
	SYS_EXIT = 1,       /* (i64 status): never returns */
	SYS_YIELD = 2,      /* (): let the next runnable process run */
	SYS_WAIT = 3,       /* (u64 timeout_ns): 0 = no timeout; returns
			       event bits (SYS_EV_*) */
	SYS_INFO = 4,       /* (struct sys_info *out, u32 what): what is 0
			       or SYS_INFO_TABLES (the fields that walk
			       page tables; else 0), E_INVAL otherwise */
	SYS_SPAWN = 5,      /* (const char *app, u64 app_len, const char *args,
			       u64 args_len, u64 chan_phys,
			       const struct sys_grant *grant): monitor only;
			       chan_phys (0 = none) is a channel frame from
			       SYS_CHAN_CREATE mapped into the new process,
			       whose start-up gets its address; grant (NULL:
			       nothing) what it holds from the start (the
			       monitor decides: docs/authority.md); returns
			       pid */
	SYS_MONITOR_UP = 6, /* (): monitor only; this core's monitor is up */
	SYS_BOOT_START = 7, /* (u64 index, struct sys_boot_start *out):
			       monitor only; the index-th manifest `start`
			       for this core, E_NOENT past the end */
	SYS_TIME_NS = 8,    /* (): nanoseconds since this core's driver began */
	SYS_CHAN_CREATE = 9, /* (struct sys_chan *out, u32 pid, u32 peer_core,
				u32 peer_pid): monitor only; a zeroed frame of
				this core's partition for a channel between
				process pid of this core (0: the caller) and
				process peer_pid of core peer_core (0: that
				core's monitor), mapped into pid; out->va is
				its address there, out->seal the right the
				peer's kernel wants (docs/authority.md) */
	SYS_CHAN_MAP = 10,   /* (u64 phys, struct sys_chan *out, const struct
				sys_seal *seal): monitor only; maps into the
				caller a channel frame another core's kernel
				made for this core's monitor (the seal it gave
				out), or (seal NULL) this core's boot monitor
				link; E_PERM for anything else */
	SYS_CHAN_GRANT = 11, /* (u32 pid, u64 phys, const struct sys_seal
				*seal): monitor only; maps into process pid
				of this core a channel frame some kernel (this
				one too) made for it; returns its address */
	SYS_DOORBELL = 12,   /* (u32 core, u32 wake): interrupt that core so
				that the process whose wake token is `wake`
				wakes (SYS_EV_DOORBELL); any other value
				(SYS_WAKE_ANY) wakes every process there;
				a program may ring only cores where it holds
				a channel endpoint (E_PERM), at most 256 at
				once and one per 4 us after that (E_AGAIN) */
	SYS_REAP = 13,       /* (struct sys_exit *out, u32 *queued):
				monitor only; one exited process of this
				core, E_AGAIN if none. queued (NULL: as
				before) is a word of the caller's program
				image (4-byte aligned, writable, its own;
				E_FAULT otherwise) where the kernel keeps,
				from this call on, the number of exits not
				yet reaped: a loop asks again only when it
				is not 0 */
	SYS_CORE_INFO = 14,  /* (u32 core, struct sys_core *out) */
	SYS_CONSOLE_READ = 15, /* (char *buf, u64 len): bytes typed on the
				  console so far (0 if none); core 0 only */
	SYS_CONSOLE_WRITE = 16, /* (const char *buf, u64 len): raw bytes to
				   the console, no line framing (echo, prompts);
				   core 0 only */
	SYS_POWEROFF = 17,   /* (): switch the machine off (ACPI S5); core 0
				only */
	SYS_PROC_LIST = 18,  /* (struct sys_proc *out, u64 max): this core's
				processes; returns how many were written */
	SYS_KILL = 19,       /* (u32 pid): monitor only; ends a process of
				this core (exit status SYS_KILLED) */
	SYS_MEM_MAP = 20,    /* (u64 bytes): maps that much fresh zeroed
				memory (rounded up to 4 KiB) at the end of the
				caller's heap; returns its address, or E_NOMEM
				(nothing mapped) when the core is out of frames */
	SYS_MEM_LEND = 21,   /* (u64 bytes, u32 to_core, struct sys_lend
				*out, u64 keep): monitor only; takes bytes
				(2 MiB multiple) off this core to lend to
				to_core, unless fewer than bytes + keep are
				free (E_NOMEM, nothing taken); returns the
				physical base, out->seal the right to_core's
				kernel wants; out->free_bytes is this core's
				free memory after (refused: as it is) */
	SYS_MEM_ADOPT = 22,  /* (u64 base, u64 size, const struct sys_seal
				*seal): monitor only; use memory another
				core's kernel lent to this core (E_PERM
				unless the seal says so, once); returns
				the borrowed regions the core holds now
				(>= 1: adjacent pieces of one lender
				merge) */
	SYS_MEM_RELEASE = 23, /* (struct sys_range *out): monitor only; a
				 borrowed range nothing uses any more, dropped
				 to give back; E_AGAIN if none */
	SYS_MEM_RECLAIM = 24, /* (u64 base, u64 size): monitor only; a range
				 this core lent came back (any part of one
				 lent range; E_NOENT if not lent) */
	SYS_DEV_INFO = 25,   /* (u32 index, struct sys_dev *out): the boot
				device directory's entry index (E_NOENT past
				the end) and whether this core owns it now */
	SYS_DEV_CFG = 26,    /* (u32 index, u32 offset, u32 op, u32 value):
				the device's driver only (docs/devices.md);
				op = width (1, 2, 4) | SYS_CFG_WRITE; returns
				the value read (0 for a write); a write may
				change only the command register's I/O,
				memory, bus-master and INTx-disable bits */
	SYS_DEV_MAP = 27,    /* (u32 index, u32 bar): the driver only; maps
				a memory BAR uncached, without the pages of
				the MSI-X table and PBA (E_PERM if nothing
				else is in it); returns its address */
	SYS_DEV_IRQ = 28,    /* (u32 index, u32 entry, struct sys_irq *out):
				the driver only; the kernel programs MSI-X
				table entry `entry` with a vector of this
				core it allocated (unmasked) and enables
				MSI-X; out gets the handle SYS_IRQ_ACK
				reports (and the address and data written) */
	SYS_IRQ_ACK = 29,    /* (): handles (bit mask) of the caller's
				interrupts that fired since the last call */
	SYS_DMA_ADDR = 30,   /* (u64 va): physical address of the caller's
				own memory at va (heap, stack: not channels or
				devices), for device DMA */
	SYS_DEV_RELEASE = 31, /* (u32 index): monitor only; this core stops
				 owning the device (E_BUSY while a process
				 still uses it); its bus mastering is off */
	SYS_DEV_ADOPT = 32,  /* (u32 index): monitor only; this core owns the
				device from now on (the monitors agreed) */
	SYS_MOD_MAP = 33,    /* (const char *name, u64 len, struct sys_range
				*out): maps boot module name read-only; out
				gets its address and length */
	SYS_BOOT_SERVICE = 34, /* (u64 index, struct sys_boot_service *out):
				  monitor only; the index-th service name the
				  manifest reserves for a program, E_NOENT past
				  the end */
	SYS_DEV_IRQ_FREE = 35, /* (u32 index, u32 entry): the driver only;
				  masks the entry SYS_DEV_IRQ programmed and
				  frees its vector; MSI-X off with the last */
	SYS_CHAN_CLOSE = 38, /* (u64 va): the caller unmaps its channel frame
				at va (its slot is free for the next one); a
				frame of this core whose ends were all on this
				core is freed when no process maps it any more
				(also when they end); E_INVAL for anything
				else */
	SYS_CHAN_CLOSED = 39, /* (struct sys_chan_closed *out): monitor only;
				 a channel frame of another core that a
				 process here stopped mapping, with this
				 kernel's close seal for that core's kernel
				 (SYS_EV_CLOSED says there is one); E_AGAIN
				 if none */
	SYS_CHAN_RELEASE = 40, /* (u64 phys, u32 closer, const struct sys_seal
				  *seal): monitor only; core closer's end
				  of our channel frame phys closed (its
				  kernel's close seal): the frame is freed
				  once our end is closed too */
	SYS_MEM_TRIM = 41,   /* (u64 bytes): gives back the last bytes (4 KiB
				multiple) of the caller's heap, newest first
				(SYS_MEM_MAP maps there again); returns the
				new end of the heap, E_INVAL if bytes is not
				a page multiple or more than the heap. A
				driver must not trim what a device may still
				reach by DMA (SYS_DMA_ADDR) */
	SYS_TRACE = 42,      /* (u32 op, u64 a0, u64 a1, u64 a2): tracing
				(docs/tracing.md); op SYS_TRACE_*:
				SELF (struct sys_trace_self *out): this
				process's buffer as tracing stands now
				(mapped, or unmapped and 0), any process;
				CHAN (u64 va): physical address of the
				caller's channel frame at va, E_INVAL if
				none; ON (u32 classes, u64 bytes), STOP,
				OFF, READ (struct sys_trace_read *io, u64
				dst, u64 len): monitor only */
	SYS_FAIL = 43,       /* (u32 how): monitor only; this core fails on
				purpose (the shell's `fail`, docs/failures.md):
				SYS_FAIL_PANIC its CPU driver panics,
				SYS_FAIL_HANG it halts with interrupts off;
				never returns (E_INVAL for another how) */
	SYS_FENCE = 44,      /* (u32 core, u32 devices): core 0's monitor
				only, for a core declared lost
				(docs/failures.md, "Fencing"): stops the
				core (INIT IPI: it runs nothing more until a
				startup IPI nobody sends) and switches bus
				mastering and MSI-X off on each device whose
				directory index is a bit of `devices`, so
				none of it writes memory or raises
				interrupts any more; returns how many
				devices were quiesced (E_PERM: not core 0's
				monitor, E_RANGE: core 0 or no such core) */
	SYS_DOORBELLS = 45,  /* (const struct sys_bell *bells, u64 n): monitor
				only; rings each bells[i] as SYS_DOORBELL
				would (a monitor fanning out to several cores
				enters the kernel once); n at most
				SYS_BELLS_MAX; every entry is checked first
				(E_RANGE: n or a core out of range, E_FAULT:
				the list unreadable; nothing rung then);
				returns n */
	SYS_RING_WAIT = 46,  /* (u32 core, u32 wake, u64 timeout_ns):
				SYS_DOORBELL(core, wake), then SYS_WAIT(
				timeout_ns) in the same entry (a sender that
				rang its peer and now waits for the answer:
				one system call, not two); the doorbell's
				error (nothing rung, no wait) or SYS_WAIT's
				event bits */
	SYS_RING_YIELD = 47, /* (u32 core, u32 wake): SYS_DOORBELL(core,
				wake), then SYS_YIELD in the same entry (a
				monitor that answered a program of its own
				core lets it run); the doorbell's error
				(nothing rung, no yield) or 0 */
	SYS_WAIT_BEAT = 48,  /* (u64 timeout_ns): monitor only, on cores
				other than 0; SYS_WAIT, except that when the
				timeout passes with nothing else for it, this
				core's CPU driver sends core 0 the heartbeat
				itself (its console ring: the monitor is alive,
				waiting in its loop; with this core's load) and
				waits on for another timeout_ns instead of
				running the monitor (docs/failures.md,
				"Heartbeats from the CPU driver") */
	SYS_BEATS = 49,      /* (struct sys_beat *out, u32 n): core 0's
				monitor only: the heartbeats the other cores'
				CPU drivers sent, for cores [0, n) (n at most
				the core count); returns the count written */
	SYS_RAN_MIRROR = 50, /* (u32 *word): monitor only; word (NULL: stop)
				is a word of the caller's program image
				(4-byte aligned, writable, its own; E_FAULT
				otherwise) in which the kernel sets bit
				(pid % 32), from this call on, whenever it
				switches to another process of this core. A
				program writes its channel to the monitor
				only while it runs, and it runs only on this
				core: while a program's bit stays 0 (the
				monitor clears the word), its route holds
				nothing new, and the monitor's pass need not
				look at it (docs/monitor.md, "Channels") */
	SYS_COUNT
};

/* SYS_DOORBELLS' entries */
struct sys_bell {
	uint32_t core;
	uint32_t wake; /* as SYS_DOORBELL's */
};
#define SYS_BELLS_MAX 64

/* Special rights (struct sys_grant.rights, struct sys_proc.rights): the
 * manifest's `rights APP ...` lines say who holds them (docs/authority.md).
 * Monitors hold every right of their own core. */
#define SYS_RIGHT_ADMIN 0x1u   /* kill any process, move devices, format
				  the store, spawn beyond the quota */
#define SYS_RIGHT_CONSOLE 0x2u /* console input and raw output, poweroff */
#define SYS_RIGHTS_ALL 0x3u

/* SYS_SPAWN's grant: what the new process holds from its start. */
struct sys_grant {
	uint32_t rights; /* SYS_RIGHT_* */
	uint32_t device; /* directory index + 1 of the device it drives (the
			    only process that may touch it; this core must
			    own it and it must have no live driver: E_PERM,
			    E_BUSY); 0: none */
};

#define SYS_CFG_WRITE 0x100u

/* Wake tokens: the CPU driver starts every process with its own in r8
 * (SYS_WAKE_SLOT0 + its slot in its core's table); a receiver writes it
 * into a channel's asleep flag and the sender's SYS_DOORBELL passes it on,
 * so that only that process wakes. A token names nothing else: a wrong
 * one only wakes another process of that core for nothing. */
#define SYS_WAKE_ANY 1u
#define SYS_WAKE_SLOT0 0x100u

/* Event bits returned by SYS_WAIT. */
#define SYS_EV_TIMER 0x1u    /* the timeout passed */
#define SYS_EV_DOORBELL 0x2u /* a doorbell (IPI) arrived */
#define SYS_EV_CHILD 0x4u    /* a process this one spawned exited */
#define SYS_EV_CONSOLE 0x8u  /* console input arrived (core 0) */
#define SYS_EV_READY 0x10u   /* the system became ready (core 0) */
#define SYS_EV_IRQ 0x20u     /* a device interrupt of the caller fired
				(SYS_IRQ_ACK says which) */
#define SYS_EV_CLOSED 0x40u  /* monitor: SYS_CHAN_CLOSED has something */
#define SYS_EV_TRACE 0x80u   /* tracing was turned on, stopped or off:
				ask SYS_TRACE_SELF again */

/* pid = core << 16 | n, n a 16-bit count the core's CPU driver keeps
 * (1..65535, never 0, never one in use): the owning core can be read off
 * any pid. */
#define SYS_PID_CORE(pid) ((uint32_t)((uint64_t)(pid) >> 16))

/* SYS_INFO's what: also count chan_used and footprint, which walk page
 * tables (the caller's, and every program's): thousands of instructions,
 * so only for the pages that show them (`limits`, `cores`, `mem`), not
 * on the paths that want the core's id or its free memory; with them
 * borrowed_bytes and lent_bytes */
#define SYS_INFO_TABLES 1u
/* SYS_INFO's `what`: also the core's load (load_*), as a heartbeat
 * carries it (a walk of the process table: for the heartbeat's look) */
#define SYS_INFO_LOAD 2u

struct sys_info {
	uint32_t core_id;   /* this core's index, 0..ncores-1 */
	uint32_t apic_id;   /* its local APIC id */
	uint32_t ncores;    /* cores booted */
	uint32_t pid;       /* the caller's pid */
	uint64_t part_base; /* this core's memory partition [base, end) */
	uint64_t part_end;
	uint64_t free_bytes; /* free own memory left (partition, slice) */
	uint64_t kern_phys;  /* physical address of this core's CPU driver
				instance (its writable memory) */
	uint64_t tsc_khz;    /* calibrated TSC frequency */
	uint32_t nprocs;     /* processes on this core */
	uint32_t ready;      /* core 0: `system ready` has been printed */
	uint64_t monlink_phys; /* this core's monitor link frame (to core 0's
				  monitor); 0 on core 0 */
	uint32_t chan_used;  /* the caller's channel address slots in use
				(SYS_INFO_TABLES) */
	uint32_t chan_size;  /* and their number */
	uint32_t half_closed_used; /* this core's frames with one end closed,
				      the other on another core (remembered
				      till it closes too) */
	uint32_t half_closed_size; /* 0: no fixed size (kept in frames of
				      the core as long as it has any) */
	uint64_t footprint; /* bytes of this core's frames its CPU driver
			       instance, its monitor and its channels use:
			       all in use but the programs' own frames and
			       page tables (SYS_INFO_TABLES) */
	uint64_t tsc_start; /* the TSC when this core's driver began:
			       SYS_TIME_NS is abi_tsc_to_ns(TSC - tsc_start,
			       tsc_khz) (abi/tsc.h), which libos computes in
			       ring 3 */
	uint32_t lost_after_ms; /* the manifest's `lost-after`: a core
				   silent this long is declared lost
				   (docs/failures.md); 0: detection off */
	uint32_t pad;
	uint64_t slice_bytes; /* this core's boot slice: own memory beside
				 the partition (its first frames; 0: none) */
	uint64_t borrowed_bytes; /* memory it holds from other cores now
				    (in free_bytes while unused;
				    SYS_INFO_TABLES) */
	uint64_t lent_bytes;     /* its own memory lent out now (not in
				    free_bytes; SYS_INFO_TABLES) */
	uint64_t kernel_beats;   /* heartbeats this core's CPU driver sent
				    for its monitor (SYS_WAIT_BEAT) */
	uint16_t load_runnable;  /* SYS_INFO_LOAD: its processes but the
				    monitor that are runnable, */
	uint16_t load_live;      /* all of them, */
	uint32_t load_last_pid;  /* and the newest one's pid (pids count
				    up modulo 2^16; 0: none) */
};

/* A heartbeat a core's CPU driver sent for its sleeping monitor, as core 0
 * keeps the latest (SYS_BEATS): how many it sent, and the core's load
 * then (as a monitor's heartbeat carries it: processes other than the
 * monitor, the runnable ones, the newest one's pid, free memory). */
struct sys_beat {
	uint32_t seq;      /* heartbeats received from that core's driver */
	uint16_t runnable;
	uint16_t live;
	uint32_t last_pid;
	uint32_t free_mib;
};

/* What any core may know of another from the boot table. */
struct sys_core {
	uint32_t apic_id;
	uint32_t pad;
	uint64_t part_base; /* its partition [base, end) */
	uint64_t part_end;
	uint64_t monlink_phys; /* its monitor link frame; 0 for core 0 */
};

/* A right one kernel made for another core (rights.h): the object (a
 * frame, a range) travels beside it in the monitors' messages. */
struct sys_seal {
	uint64_t seq; /* the making kernel's sequence number, never 0 */
	uint64_t mac; /* SipHash over the right, under the kernels' key */
};

/* SYS_MEM_LEND's answer: the lender's monitor needs its free memory for
 * the reserve rule and the reply, and gets it here rather than by one
 * more system call (SYS_INFO) on the borrow path */
struct sys_lend {
	struct sys_seal seal;
	uint64_t free_bytes;
};

/* SYS_CHAN_CLOSED: our end of another core's channel frame closed */
struct sys_chan_closed {
	uint64_t phys;	      /* the frame */
	uint32_t core;	      /* the core whose frame it is */
	uint32_t pad;
	struct sys_seal seal; /* for that core's kernel (SYS_CHAN_RELEASE) */
};

struct sys_chan {
	uint64_t va;   /* where the frame is mapped in the caller */
	uint64_t phys; /* its physical address, to offer to the peer */
	struct sys_seal seal; /* SYS_CHAN_CREATE: the peer's right to it */
};

#define SYS_KILLED (-9)

#define SYS_FAIL_PANIC 1u
#define SYS_FAIL_HANG 2u

/* struct sys_proc's state (the kernel's enum proc_state keeps them) */
#define SYS_PROC_RUNNABLE 1u
#define SYS_PROC_WAITING 2u

struct sys_proc {
	uint32_t pid;
	uint32_t state; /* SYS_PROC_RUNNABLE or SYS_PROC_WAITING */
	uint32_t parent; /* the process that spawned it (a monitor, for
			    every program), 0 for a monitor */
	uint32_t rights; /* SYS_RIGHT_* it holds */
	char name[32];
};

struct sys_range {
	uint64_t base;
	uint64_t size;
};

struct sys_exit {
	uint32_t pid;
	uint32_t pad;
	int64_t status; /* exit status; -128 - vector if killed by a fault */
};

#define SYS_NAME_MAX 32
#define SYS_ARGS_MAX 128

struct sys_boot_start {
	char app[SYS_NAME_MAX];
	char args[SYS_ARGS_MAX];
	uint32_t rights; /* SYS_RIGHT_* the manifest gives it */
	uint32_t pad;
};

/* SYS_BOOT_SERVICE: service `name` may be exported only by program `app`
 * (started by a monitor or an admin) */
struct sys_boot_service {
	char name[SYS_NAME_MAX];
	char app[SYS_NAME_MAX];
};

/* SYS_DEV_INFO: the boot directory entry and this core's view of it */
struct sys_dev {
	struct boot_pcidev d;
	uint32_t owned_here; /* 1 if this core owns it now */
	uint32_t cfg_size;   /* configuration bytes: 4096 (ECAM) or 256 */
	/* owned here only (0 otherwise), as the kernel sees it now: */
	uint32_t driver;	/* pid of its driver process, 0: none */
	uint16_t command;	/* its PCI command register */
	uint16_t msix_on;	/* 1: MSI-X enabled */
	uint32_t msix_unmasked; /* MSI-X entries not masked */
	uint32_t pad;
};

struct sys_irq {
	uint64_t msi_addr;
	uint32_t msi_data;
	uint32_t handle; /* 0..31: its bit in SYS_IRQ_ACK's mask */
};

/* SYS_TRACE operations */
#define SYS_TRACE_SELF 0
#define SYS_TRACE_CHAN 1
#define SYS_TRACE_ON 2   /* monitor: discard any trace, start anew */
#define SYS_TRACE_STOP 3 /* monitor: no more events; buffers kept */
#define SYS_TRACE_OFF 4  /* monitor: stop and discard */
#define SYS_TRACE_READ 5 /* monitor: bytes of one stopped buffer */
#define SYS_TRACE_MAX_BYTES (2ull << 20) /* per buffer */

/* SYS_TRACE_SELF */
struct sys_trace_self {
	uint64_t va;	  /* the caller's buffer (struct trace_buf), 0: none */
	uint64_t bytes;	  /* its size */
	uint32_t classes; /* TRACE_C_* turned on */
	uint32_t pad;
};

/* SYS_TRACE_READ: in: buf (index among this core's stopped buffers) and
 * offset into its image: the buffer as docs/tracing.md's dump file holds
 * it, header (written by the kernel from its own record) then the events
 * still in it, oldest first, size = their number. Out: nbufs, total (the
 * image's bytes), and the call returns the bytes copied to dst. */
struct sys_trace_read {
	uint32_t buf;
	uint32_t nbufs;
	uint64_t offset;
	uint64_t total;
};

#endif
