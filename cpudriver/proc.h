/* SPDX-License-Identifier: MIT */
/*
 * Processes and this core's round-robin scheduler.
 *
 * A process is an address space (user half of its own PML4; the kernel
 * half is this core's) plus one saved register frame. There are no kernel
 * threads: the kernel runs on one stack per core, on behalf of whichever
 * process trapped, and never blocks. A process that waits is simply not
 * runnable; when nothing is runnable the core halts. The LAPIC timer is
 * armed only when it is needed: to preempt when two or more processes are
 * runnable, or for the earliest wait timeout.
 */
#ifndef PROC_H
#define PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/trap.h>
#include <abi/syscall.h>

#define PROC_MAX 32
#define PROC_NAME_MAX 32
#define PROC_ARGS_MAX 128

enum proc_state {
	PROC_FREE = 0,
	PROC_RUNNABLE = SYS_PROC_RUNNABLE, /* as SYS_PROC_LIST reports them */
	PROC_WAITING = SYS_PROC_WAITING
};

struct proc {
	enum proc_state state;
	bool unreaped; /* FREE but its exit is not reaped yet: the slot
			  stays taken (proc.c's exit queue) */
	uint32_t pid;
	uint32_t parent; /* pid of the spawner, 0 if none */
	bool monitor;
	uint32_t rights; /* SYS_RIGHT_* its monitor gave it at spawn */
	char name[PROC_NAME_MAX];
	uint64_t pml4;
	uint64_t wake_tsc; /* WAITING: TSC to wake at, 0 = no timeout */
	uint32_t events;   /* SYS_EV_* not yet delivered */
	uint32_t chan_hole; /* every channel slot below this one is mapped
			       (none free); in the padding before chan_next,
			       so struct proc keeps its size and layout */
	uint64_t chan_next; /* next free address for a channel frame */
	uint64_t heap_end;  /* end of the memory SYS_MEM_MAP gave it */
	/* SYS_DOORBELLS: the page of its image its last list was in, and
	 * that page's frame (usercopy.h's user_image_frame; 0: none yet) */
	uint64_t bells_page, bells_pa;
	uint64_t dev_next;  /* next free address for device registers */
	uint32_t dev_used;  /* devices (directory index bits) it mapped or
			       took interrupts of */
	uint32_t irq_pending; /* SYS_DEV_IRQ handles fired, not acked */
	uint64_t mod_next;  /* next free address for boot modules */
	int trace;          /* its trace buffer (ktrace.c's index + 1), 0:
			       none mapped */
	struct trap_frame frame; /* saved while not running */
};

/* krights: this core's rights table (rights.h): a row per process */
extern struct rights krights;
/* proc_current: the process whose frame is on the kernel stack, or NULL. */
struct proc *proc_current(void);

/* proc_irq: device interrupt handle fired for process pid */
void proc_irq(uint32_t pid, uint32_t handle);

/* proc_for_each: calls fn for every live process */
void proc_for_each(void (*fn)(struct proc *p, void *arg), void *arg);

/* proc_spawn: loads boot module `app` (an ELF) into this core's partition
 * as a new process with `args` (NUL-terminated, < PROC_ARGS_MAX). Returns
 * its pid or a negative error (E_NOENT no such module, E_FORMAT not a
 * valid ELF, E_NOMEM, E_TOOBIG too many processes). */
int proc_spawn(const char *app, const char *args, uint32_t parent,
	       bool monitor, uint64_t chan_phys);

/* proc_grow_heap: maps bytes (4 KiB multiple) of fresh frames at p's heap
 * end; returns their address or E_NOMEM (nothing mapped). */
/* proc_half_closed: this core's channel frames with one end closed and
 * the other open on another core */
uint32_t proc_half_closed(void);
/* proc_trim_heap: the last bytes of p's heap unmapped and freed (p is
 * the current process); the new end, or E_INVAL */
int64_t proc_trim_heap(struct proc *p, uint64_t bytes);
int64_t proc_grow_heap(struct proc *p, uint64_t bytes);

/* proc_map_shared: maps channel frame phys (PTE_SHARED, never freed with
 * the address space; PTE_REMOTE too if remote: its other end is on
 * another core) at p's lowest free channel address; returns it, or 0 if
 * p has no room left. */
uint64_t proc_map_shared(struct proc *p, uint64_t phys, bool remote);
/* proc_chan_close: p unmaps its channel frame at va; a frame of this
 * core whose ends were all on this core is freed once no process maps it
 * any more. 0, or E_INVAL if va is not one of p's channel frames. */
int proc_chan_close(struct proc *p, uint64_t va);
/* proc_chan_closed: SYS_CHAN_CLOSED: the oldest queued close of another
 * core's frame; E_AGAIN if none */
int proc_chan_closed(struct sys_chan_closed *out);
/* proc_chan_release: SYS_CHAN_RELEASE: core closer closed its end of our
 * frame pa (seal checked: E_PERM); freed when ours is closed too */
int proc_chan_release(uint64_t pa, uint32_t closer,
		      const struct sys_seal *seal);

/* proc_maps_shared: true if p maps phys as a channel frame. */
bool proc_maps_shared(struct proc *p, uint64_t phys);


/* proc_find: the process with this pid on this core, or NULL. */
struct proc *proc_find(uint32_t pid);

/* proc_doorbell: a doorbell arrived: every waiting process wakes. */
void proc_doorbell(void);
/* proc_doorbell_one: a doorbell for the process in table slot `slot`
 * (its wake token, SYS_WAKE_SLOT0 + slot) arrived: only it wakes; nothing
 * if the slot is free or out of range */
void proc_doorbell_one(uint32_t slot);
/* proc_doorbell_local: a doorbell a process of this core rang for this
 * core (no IPI): `wake` is its token (SYS_WAKE_SLOT0 + slot: that process,
 * which runs when the ringer waits or yields; anything else: every
 * process) */
void proc_doorbell_local(uint64_t wake);

/* proc_system_ready: every process of core 0 gets SYS_EV_READY. */
void proc_system_ready(void);

/* proc_trace_changed: every process gets SYS_EV_TRACE */
void proc_trace_changed(void);

/* proc_console_input: typed input arrived: waiting processes wake with
 * SYS_EV_CONSOLE. */
void proc_console_input(void);

/* proc_reap: takes one recorded exit; E_AGAIN if none. */
int proc_reap(uint32_t *pid, int64_t *status);

/* proc_reap_mirror: from now on *word (the kernel's mapping of a word of
 * p's own memory that lives as long as p: the caller checked) holds the
 * number of exits not yet reaped, written at every exit and reap; the
 * last call wins, and p's end stops it. NULL: stop. */
void proc_reap_mirror(struct proc *p, uint32_t *word);

/* proc_ran_mirror: from now on *word (as proc_reap_mirror's) is set to 1
 * whenever this core switches to a process other than p; the last call
 * wins, and p's end stops it. NULL: stop. */
void proc_ran_mirror(struct proc *p, uint32_t *word);

/* proc_address_spaces: the PML4s of up to max processes into out;
 * returns how many. */
uint32_t proc_address_spaces(uint64_t *out, uint32_t max);

/* proc_chan_used: p's channel address slots in use (of USER_CHAN_MAX). */
uint32_t proc_chan_used(struct proc *p);

/* proc_count: processes on this core. */
uint32_t proc_count(void);

/* proc_program_bytes: the frames the programs (every process but the
 * monitor) hold on their own: their user page tables and the pages mapped
 * without PTE_SHARED (image copies, stack, heap); not channel frames or
 * module pages. What `cores` shows is what is in use less this. */
uint64_t proc_program_bytes(void);

/* proc_list: up to max processes of this core into out; returns count. */
uint32_t proc_list(struct sys_proc *out, uint32_t max);

/* proc_kill: ends process pid of this core, which is not the caller.
 * 0 or E_NOENT / E_INVAL (the caller itself). */
int proc_kill(uint32_t pid, int64_t status);

/* proc_exit: the current process (whose frame is f) ends with status. */
void proc_exit(struct trap_frame *f, int64_t status);

/* sched_yield / sched_wait: the current process gives up the core, or
 * waits for an event or timeout_ns (0 = no timeout). */
void sched_yield(void);
void sched_wait(struct trap_frame *f, uint64_t timeout_ns);
/* sched_wait_beat: SYS_WAIT_BEAT: the monitor waits, and a timeout with no
 * other event sends core 0 a heartbeat from this driver (console_beat)
 * and waits on, instead of waking it; how many were sent */
void sched_wait_beat(struct trap_frame *f, uint64_t timeout_ns);
uint64_t sched_kernel_beats(void);
/* proc_load: this core's processes but the monitor, the runnable ones,
 * and the newest one's pid (SYS_INFO_LOAD, the driver's heartbeat) */
void proc_load(uint16_t *runnable, uint16_t *live, uint32_t *last_pid);

/* sched_tick: the timer fired (any mode). */
void sched_tick(struct trap_frame *f);

/* sched_return: at the end of every trap from ring 3: picks what runs next
 * (halting while nothing can) and arms the timer; returns the frame to
 * leave the trap with: f if the same process goes on, else the next
 * process's own (f is then saved in the old one's slot). */
struct trap_frame *sched_return(struct trap_frame *f);

/* sched_start: run the first process; never returns. */
__attribute__((noreturn)) void sched_start(void);

#endif
