// SPDX-License-Identifier: MIT
/*
 * Processes and the per-core scheduler (see proc.h).
 *
 * Switching: every trap from ring 3 leaves the running process's registers
 * in a frame on the kernel stack. To switch, sched_return saves that frame
 * into the old process, loads the new address space and hands the new
 * process's frame, in its slot, to entry.S, which "returns" from the trap
 * with it into the new process (no copy onto the kernel stack first).
 */
#include "proc.h"
#include "dev.h"
#include "kernel.h"
#include "frame.h"
#include "console.h"
#include "elf.h"
#include "bootmod.h"
#include "rights.h"
#include "kset.h"
#include "ktrace.h"
#include "wakeq.h"
#include "tdl.h"
#include "slots.h"
#define EXITQ_SIZE PROC_MAX
#include "exitq.h"
#include "ranmirror.h"
#include "tscmemo.h"
#include <abi/syscall.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <string.h>

#define SLICE_MS 10ull /* a time slice */

static struct proc procs[PROC_MAX];
struct rights krights;
_Static_assert(PROC_MAX <= RIGHTS_MAX_PROCS, "a rights row per process");
static struct proc *cur;
static bool need_resched;
/* timer: what the LAPIC timer is armed for (tdl.h) */
static struct tdl timer;
static uint64_t slice_end; /* TSC when the running process's slice ends */
static uint32_t next_gen;
/* the slots in each state but PROC_FREE (slots.h): the scheduler's walks
 * at every return to ring 3 visit only these */
static slots_t runnable, waiting;
/* when `waiting` must be walked, and its earliest timeout (wakeq.h) */
static struct wakeq wq;
_Static_assert(PROC_MAX <= SLOTS_MAX, "a bit per slot");

/* set_state: every change of a process's state goes through here */
static void set_state(struct proc *p, enum proc_state s)
{
	unsigned i = (unsigned)(p - procs);

	p->state = s;
	slots_place(&runnable, &waiting, i,
		    s == PROC_RUNNABLE  ? &runnable
		    : s == PROC_WAITING ? &waiting
					: NULL);
}

struct proc *proc_current(void)
{
	return cur;
}

uint32_t proc_count(void)
{
	uint32_t n = 0;

	for (int i = 0; i < PROC_MAX; i++) {
		n += procs[i].state != PROC_FREE || procs[i].unreaped;
	}
	return n;
}

/* own_pages: pages of the user half below table (a table of `level`,
 * 4 = PML4) that are the process's own: the tables themselves and leaves
 * without PTE_SHARED */
static uint64_t own_pages(uint64_t table, int level)
{
	const uint64_t *t = dmap(table);
	uint64_t n = 0;

	for (int i = 0; i < (level == 4 ? 256 : 512); i++) {
		uint64_t e = t[i];

		if (!(e & PTE_P)) {
			continue;
		}
		if (level == 1 || (e & PTE_PS)) {
			n += e & PTE_SHARED ? 0 : (level == 2 ? 512 : 1);
		} else {
			n += 1 + own_pages(e & PTE_ADDR, level - 1);
		}
	}
	return n;
}

uint64_t proc_program_bytes(void)
{
	uint64_t n = 0;

	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state != PROC_FREE && !procs[i].monitor) {
			n += (1 + own_pages(procs[i].pml4, 4)) * PAGE_SIZE;
		}
	}
	return n;
}

uint32_t proc_address_spaces(uint64_t *out, uint32_t max)
{
	uint32_t n = 0;

	for (int i = 0; i < PROC_MAX && n < max; i++) {
		if (procs[i].state != PROC_FREE) {
			out[n++] = procs[i].pml4;
		}
	}
	return n;
}

/*
 * Exits not yet collected by the monitor (SYS_REAP), oldest first
 * (exitq.h; its length mirrored in a word of the monitor's). An
 * ended process frees its memory at once but keeps its table slot (the
 * slot's `unreaped`) until the monitor reaps its exit: a spawn finds the
 * table full meanwhile (E_TOOBIG, the push back), and there are never
 * more unreaped exits than slots, so a queue of PROC_MAX never drops a
 * note (no full-queue branch to get wrong).
 */
static struct exitq exitq;
_Static_assert(EXITQ_SIZE == PROC_MAX, "an exit queue entry per slot");
/* the process whose word mirrors the queue's length (SYS_REAP) */
static struct proc *exitq_owner;
/* SYS_RAN_MIRROR: the monitor's word the switch to another process sets */
static struct ranmirror ran;

struct proc *proc_find(uint32_t pid)
{
	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state != PROC_FREE && procs[i].pid == pid) {
			return &procs[i];
		}
	}
	return 0;
}

/* pid_taken: a live process or an exit not yet reaped holds pid (the
 * monitor still knows it by that number) */
static bool pid_taken(uint32_t pid)
{
	for (int i = 0; i < PROC_MAX; i++) {
		if ((procs[i].state != PROC_FREE || procs[i].unreaped) &&
		    procs[i].pid == pid) {
			return true;
		}
	}
	return false;
}

static void free_space(uint64_t pml4)
{
	pt_free_user(&kpt, pml4, frame_free);
	frame_free(pml4);
}

/* map_fresh: a zeroed user frame at va; its kernel address in *kva */
static int map_fresh(uint64_t pml4, uint64_t va, uint64_t flags, void **kva)
{
	uint64_t f = frame_alloc();

	if (!f) {
		return E_NOMEM;
	}
	if (pt_map(&kpt, pml4, va, f, PAGE_SIZE, flags | PTE_U, false)) {
		frame_free(f);
		return E_NOMEM;
	}
	*kva = dmap(f);
	return 0;
}

/*
 * load_segment: map segment s of the program at physical address file_pa.
 * A read-only segment's pages whose file bytes are page-aligned are the
 * boot module's own frames (PTE_SHARED: never freed with the process, and
 * without PTE_W, so neither the process nor the kernel's copy_out can
 * write the module). Every other page is a frame of ours that gets the
 * file bytes and zeroes only the rest (the .bss, the ends outside the
 * segment): no page is zeroed and then copied over.
 */
static int load_segment(uint64_t pml4, uint64_t file_pa,
			const struct elf_segment *s)
{
	uint64_t flags = (s->flags & ELF_PF_W ? PTE_W : 0) |
			 (s->flags & ELF_PF_X ? 0 : PTE_NX) | PTE_U;
	const uint8_t *file = dmap(file_pa);
	uint64_t va = s->vaddr & ~(PAGE_SIZE - 1), f;
	struct elf_page pg;
	uint8_t *kva;

	for (; va < s->vaddr + s->memsz; va += PAGE_SIZE) {
		elf_page(s, file_pa, va, &pg);
		if (pg.share) {
			if (pt_map(&kpt, pml4, va, file_pa + pg.src, PAGE_SIZE,
				   flags | PTE_SHARED, false)) {
				return E_NOMEM;
			}
			continue;
		}
		f = frame_alloc_raw();
		if (!f) {
			return E_NOMEM;
		}
		kva = dmap(f);
		memset(kva, 0, pg.at);
		memcpy(kva + pg.at, file + pg.src, pg.len);
		memset(kva + pg.at + pg.len, 0, PAGE_SIZE - pg.at - pg.len);
		if (pt_map(&kpt, pml4, va, f, PAGE_SIZE, flags, false)) {
			frame_free(f);
			return E_NOMEM;
		}
	}
	return 0;
}

static int build_space(uint64_t pml4, uint64_t file_pa,
		       const struct elf_image *img, const char *args,
		       uint64_t *args_va)
{
	uint64_t *l4 = dmap(pml4), *k4 = dmap(self.pml4);
	uint8_t *top = 0;
	size_t alen = strlen(args) + 1;

	for (int i = 256; i < 512; i++) {
		l4[i] = k4[i];
	}
	for (uint32_t i = 0; i < img->n_segments; i++) {
		if (load_segment(pml4, file_pa, &img->seg[i])) {
			return E_NOMEM;
		}
	}
	/* stack (USER_STACK_SIZE: memlayout.h says why it is enough); the
	 * page below it stays unmapped as a guard */
	for (uint64_t va = USER_STACK_TOP - USER_STACK_SIZE; va < USER_STACK_TOP;
	     va += PAGE_SIZE) {
		if (map_fresh(pml4, va, PTE_W | PTE_NX, (void **)&top)) {
			return E_NOMEM;
		}
	}
	memcpy(top + PAGE_SIZE - 256, args, alen);
	*args_va = USER_STACK_TOP - 256;
	return 0;
}

int proc_spawn(const char *app, const char *args, uint32_t parent,
	       bool monitor, uint64_t chan_phys)
{
	const struct boot_module *m = bootmod_find(self.bt, app);
	struct proc *spawner = proc_current();
	struct elf_image img;
	struct proc *p = 0;
	uint64_t pml4, args_va;
	int r;

	if (!m) {
		return E_NOENT;
	}
	if (strlen(args) >= PROC_ARGS_MAX) {
		return E_TOOBIG;
	}
	/* a frame of this core the spawner maps (one SYS_CHAN_CREATE made) */
	if (chan_phys &&
	    (!spawner || !own_mem(chan_phys, PAGE_SIZE) ||
	     !proc_maps_shared(spawner, chan_phys))) {
		return E_PERM;
	}
	r = elf_parse(dmap(m->start), m->end - m->start, USER_BASE,
		      USER_HEAP_BASE, &img);
	if (r < 0) {
		return E_FORMAT;
	}
	for (int i = 0; i < PROC_MAX && !p; i++) {
		if (procs[i].state == PROC_FREE && !procs[i].unreaped) {
			p = &procs[i];
		}
	}
	if (!p) {
		return E_TOOBIG;
	}
	pml4 = frame_alloc();
	if (!pml4) {
		return E_NOMEM;
	}
	if (build_space(pml4, m->start, &img, args, &args_va)) {
		free_space(pml4);
		return E_NOMEM;
	}
	memset(p, 0, sizeof(*p));
	/* the next free number after the last one given: after 65535
	 * spawns the count wraps, and a long-lived process (a monitor,
	 * netd) must not share its pid with a new one */
	do {
		next_gen = (next_gen + 1) & 0xffff;
	} while (!next_gen || pid_taken(self.id << 16 | next_gen));
	p->pid = self.id << 16 | next_gen;
	rights_proc_gone(&krights, p->pid); /* nothing of a former holder */
	rights_proc_add(&krights, p->pid, rdtsc());
	p->parent = parent;
	p->monitor = monitor;
	strlcpy(p->name, app, sizeof(p->name));
	p->pml4 = pml4;
	p->frame.rip = img.entry;
	p->frame.cs = GDT_UCODE;
	p->frame.ss = GDT_UDATA;
	p->frame.rflags = 0x202;
	p->frame.rsp = args_va - 64;
	p->frame.rdi = args_va;
	p->frame.rsi = self.id;
	p->frame.vector = 0;
	p->chan_next = USER_CHAN_BASE;
	p->chan_hole = 0;
	p->heap_end = USER_HEAP_BASE;
	p->dev_next = USER_DEV_BASE;
	p->mod_next = USER_MOD_BASE;
	p->dev_used = 0;
	p->irq_pending = 0;
	p->events = 0;
	if (chan_phys) {
		p->frame.rdx = proc_map_shared(p, chan_phys, false);
		if (!p->frame.rdx) {
			free_space(pml4);
			rights_proc_gone(&krights, p->pid);
			return E_NOMEM;
		}
	}
	/* while tracing, its buffer from the start (rcx: the buffer's
	 * address | the classes traced, 0: none), so that a program asks
	 * nothing at start-up (libos/trace.c) */
	p->frame.rcx = ktrace_at_spawn(p);
	/* r8: its wake token, for the asleep flag of its channels */
	p->frame.r8 = SYS_WAKE_SLOT0 + (uint32_t)(p - procs);
	set_state(p, PROC_RUNNABLE);
	TRACE_PID(ktrace, TRACE_SPAWN, ktrace_pid(), p->pid, 0);
	return (int)p->pid;
}

uint32_t proc_list(struct sys_proc *out, uint32_t max)
{
	uint32_t n = 0;

	for (int i = 0; i < PROC_MAX && n < max; i++) {
		if (procs[i].state != PROC_FREE) {
			out[n].pid = procs[i].pid;
			out[n].state = procs[i].state;
			out[n].parent = procs[i].parent;
			out[n].rights = procs[i].monitor ? SYS_RIGHTS_ALL
							 : procs[i].rights;
			memcpy(out[n].name, procs[i].name, sizeof(out[n].name));
			n++;
		}
	}
	return n;
}

static void release_channels(struct proc *p);

/* end: free p and tell its monitor (exit queue) and its parent */
static void end(struct proc *p, int64_t status)
{
	struct proc *parent;

	set_state(p, PROC_FREE);
	TRACE_PID(ktrace, TRACE_EXIT, ktrace_pid(), p->pid, (uint64_t)status);
	ktrace_proc_gone(p);
	rights_proc_gone(&krights, p->pid);
	/* its devices stop DMA into frames that are about to be freed */
	dev_proc_gone(p);
	release_channels(p);
	if (p == exitq_owner) {
		/* its word goes with its memory */
		exitq_mirror(&exitq, NULL);
		exitq_owner = NULL;
	}
	ranmirror_gone(&ran, p);
	free_space(p->pml4);
	/* room is certain: every queued exit holds its slot (unreaped) */
	exitq_push(&exitq, p->pid, status, p);
	p->unreaped = true;
	parent = p->parent ? proc_find(p->parent) : 0;
	if (parent) {
		/* a waiting parent wakes in wake_expired, with the events */
		parent->events |= SYS_EV_CHILD;
		wakeq_post(&wq);
	}
}

int proc_kill(uint32_t pid, int64_t status)
{
	struct proc *p = proc_find(pid);

	if (!p) {
		return E_NOENT;
	}
	if (p == cur) {
		return E_INVAL;
	}
	/* p is not running: its address space is not loaded */
	end(p, status);
	return 0;
}

void proc_exit(struct trap_frame *f, int64_t status)
{
	(void)f;
	if (!cur) {
		return;
	}
	/* leave the dying address space before freeing its tables */
	write_cr3(self.pml4);
	end(cur, status);
	cur = 0;
}

int64_t proc_grow_heap(struct proc *p, uint64_t bytes)
{
	uint64_t start = p->heap_end, va;
	void *kva;

	/* the frames plus a page table per 2 MiB and a few above */
	uint64_t need = bytes + (bytes / LARGE_PAGE_SIZE + 4) * PAGE_SIZE;

	if (bytes == 0 || bytes > USER_HEAP_MAX - (start - USER_HEAP_BASE) ||
	    need > frame_free_bytes()) {
		return E_NOMEM;
	}
	for (va = start; va < start + bytes; va += PAGE_SIZE) {
		if (map_fresh(p->pml4, va, PTE_W | PTE_NX, &kva)) {
			/* cannot happen after the check above; keep what was
			 * mapped (freed with the process) */
			p->heap_end = va;
			return E_NOMEM;
		}
	}
	p->heap_end = start + bytes;
	return (int64_t)start;
}

int64_t proc_trim_heap(struct proc *p, uint64_t bytes)
{
	uint64_t end = p->heap_end, start, va, pa, flags;

	if ((bytes & (PAGE_SIZE - 1)) || bytes > end - USER_HEAP_BASE) {
		return E_INVAL;
	}
	start = end - bytes;
	for (va = start; va < end; va += PAGE_SIZE) {
		pa = pt_translate(&kpt, p->pml4, va, &flags);
		if (pa != UINT64_MAX) {
			pt_unmap(&kpt, p->pml4, va, PAGE_SIZE);
			frame_free(pa);
		}
	}
	/* the page tables left empty go too: a heap that shrank back to
	 * nothing costs nothing */
	for (va = start & ~(LARGE_PAGE_SIZE - 1); va < end; va += LARGE_PAGE_SIZE) {
		pt_prune(&kpt, p->pml4, va, frame_free_table);
	}
	write_cr3(read_cr3());
	p->heap_end = start;
	return (int64_t)start;
}

uint64_t proc_map_shared(struct proc *p, uint64_t phys, bool remote)
{
	/* the lowest slot a closed channel left, else the next one; below
	 * chan_hole none is free (a monitor of 255 cores maps 254 links:
	 * no walk over those already mapped per map) */
	uint64_t va = pt_scan(&kpt, p->pml4,
			      USER_CHAN_BASE + (uint64_t)p->chan_hole * PAGE_SIZE,
			      p->chan_next, false, 0, 0);

	if (va >= USER_CHAN_BASE + USER_CHAN_MAX * PAGE_SIZE ||
	    pt_map(&kpt, p->pml4, va, phys, PAGE_SIZE,
		   PTE_U | PTE_W | PTE_NX | PTE_SHARED |
		       (remote ? PTE_REMOTE : 0),
		   false)) {
		return 0;
	}
	p->chan_hole = (uint32_t)((va - USER_CHAN_BASE) / PAGE_SIZE) + 1;
	if (va == p->chan_next) {
		p->chan_next += PAGE_SIZE;
	}
	return va;
}

/* own_frame: a frame this core's allocator gave out (its partition or
 * boot slice, or memory it borrowed) */
static bool own_frame(uint64_t pa)
{
	return own_mem(pa, PAGE_SIZE) || frame_adopted(pa, PAGE_SIZE);
}

/* maps_anywhere: a live process of this core maps pa as a channel */
static bool maps_anywhere(uint64_t pa)
{
	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state != PROC_FREE &&
		    proc_maps_shared(&procs[i], pa)) {
			return true;
		}
	}
	return false;
}

/*
 * Closes of other cores' channel frames, for the monitor to pass on
 * (SYS_CHAN_CLOSED): frame -> its core. Every close is kept until the
 * monitor takes it (a process that ends unmaps all its channels at once,
 * and the monitor may not run for a while); only a core out of frames
 * loses one, and says so. The seal is made when the monitor takes it, so
 * close seals reach a core in the order they were made.
 */
static struct kset closes;
/* our frames with one end closed across cores: frame -> 1 if the other
 * core's end closed, 0 if ours (rights_unseal checked the other's seal) */
static struct kset halves;

/* part_core: the core whose own memory (partition or boot slice) holds
 * pa, or -1 */
static int part_core(uint64_t pa)
{
	for (uint32_t c = 0; c < self.ncores; c++) {
		if (core_mem(&self.bt->cores[c], pa, 1)) {
			return (int)c;
		}
	}
	return -1;
}

/* remote_closed: our end of another core's frame pa closed: queue the
 * close, sealed for that core, and tell our monitor */
static void remote_closed(uint64_t pa)
{
	int c = part_core(pa);

	if (c < 0 || c == (int)self.id) {
		return;
	}
	if (kset_add(&closes, pa, (uint64_t)c) < 0) {
		kprintf("out of frames: the close of channel frame 0x%lx is "
			"lost; it stays allocated on core %d",
			(unsigned long)pa, c);
		return;
	}
	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state != PROC_FREE && procs[i].monitor) {
			procs[i].events |= SYS_EV_CLOSED;
		}
	}
	wakeq_post(&wq);
}

int proc_chan_closed(struct sys_chan_closed *out)
{
	uint64_t pa, core;

	if (!closes.count) {
		return E_AGAIN;
	}
	kset_take(&closes, closes.count - 1, &pa, &core);
	memset(out, 0, sizeof(*out));
	out->phys = pa;
	out->core = (uint32_t)core;
	rights_seal(&krights, SEAL_CLOSE, pa, PAGE_SIZE, (uint32_t)core, 0,
		    &out->seal);
	return 0;
}

uint32_t proc_half_closed(void)
{
	return halves.count;
}

/* half_closed: one end of our frame pa (its other end on another core)
 * closed, `remote` 1 for the other core's, 0 for ours: 1 if both ends are
 * closed now (free the frame), else 0 (remembered) */
static int half_closed(uint64_t pa, int remote)
{
	uint64_t was;
	int i = kset_find(&halves, pa, &was);

	if (i >= 0) {
		if ((int)was == remote) {
			return 0; /* the same end again: nothing new */
		}
		kset_take(&halves, (uint32_t)i, &pa, &was);
		return 1;
	}
	if (kset_add(&halves, pa, (uint64_t)remote) < 0) {
		kprintf("out of frames: channel frame 0x%lx stays allocated "
			"(one end closed, no room to remember it)",
			(unsigned long)pa);
	}
	return 0;
}

int proc_chan_release(uint64_t pa, uint32_t closer,
		      const struct sys_seal *seal)
{
	if ((pa & (PAGE_SIZE - 1)) || !own_frame(pa) || closer >= self.ncores ||
	    closer == self.id ||
	    rights_unseal(&krights, SEAL_CLOSE, pa, PAGE_SIZE, closer, 0,
			  seal) < 0) {
		return E_PERM;
	}
	/* our end still open: remembered; else both are closed now */
	if (maps_anywhere(pa)) {
		half_closed(pa, 1);
	} else if (half_closed(pa, 1)) {
		frame_free(pa);
	}
	return 0;
}

/* chan_unmapped: a mapping of channel frame pa (PTE flags) went away: a
 * local channel of ours nobody maps now is freed; one whose other end is
 * on another core, once that end is closed too; another core's frame is
 * closed there through the monitors */
static void chan_unmapped(uint64_t pa, uint64_t flags)
{
	if (!own_frame(pa)) {
		if (flags & PTE_REMOTE) {
			remote_closed(pa);
		}
		return;
	}
	if (maps_anywhere(pa)) {
		return;
	}
	if (!(flags & PTE_REMOTE) || half_closed(pa, 0)) {
		frame_free(pa);
	}
}

int proc_chan_close(struct proc *p, uint64_t va)
{
	uint64_t flags, pa;

	if (va < USER_CHAN_BASE || va >= p->chan_next || (va & (PAGE_SIZE - 1))) {
		return E_INVAL;
	}
	pa = pt_translate(&kpt, p->pml4, va, &flags);
	if (pa == UINT64_MAX || !(flags & PTE_SHARED)) {
		return E_INVAL;
	}
	pt_unmap(&kpt, p->pml4, va, PAGE_SIZE);
	if (p == cur) {
		invlpg(va);
	}
	if ((va - USER_CHAN_BASE) / PAGE_SIZE < p->chan_hole) {
		p->chan_hole = (uint32_t)((va - USER_CHAN_BASE) / PAGE_SIZE);
	}
	chan_unmapped(pa, flags);
	return 0;
}

/* release_channels: p (already free) had these channels: each frame of
 * ours that no other process maps is freed */
static void release_channels(struct proc *p)
{
	uint64_t flags, pa;

	for (uint64_t va = USER_CHAN_BASE; va < p->chan_next; va += PAGE_SIZE) {
		pa = pt_translate(&kpt, p->pml4, va, &flags);
		if (pa != UINT64_MAX && (flags & PTE_SHARED)) {
			chan_unmapped(pa, flags);
		}
	}
}

bool proc_maps_shared(struct proc *p, uint64_t phys)
{
	return pt_scan(&kpt, p->pml4, USER_CHAN_BASE, p->chan_next, true,
		       phys, PTE_SHARED) < p->chan_next;
}

uint32_t proc_chan_used(struct proc *p)
{
	uint64_t flags;
	uint32_t n = 0;

	for (uint64_t va = USER_CHAN_BASE; va < p->chan_next; va += PAGE_SIZE) {
		n += pt_translate(&kpt, p->pml4, va, &flags) != UINT64_MAX &&
		     (flags & PTE_SHARED);
	}
	return n;
}

static void wake_now(struct proc *p);

/* post: an event for every process of this core. Running ones too: a
 * process that checked its channels and is about to call SYS_WAIT must
 * not miss the doorbell that arrives in between; its wait then returns at
 * once. */
/* posted: post() ran (idle() looks again before it halts) */
static bool posted;

static void post(uint32_t event)
{
	unsigned i;

	posted = true;
	wakeq_post(&wq);
	SLOTS_EACH(i, runnable | waiting)
	{
		procs[i].events |= event;
	}
}

void proc_irq(uint32_t pid, uint32_t handle)
{
	struct proc *p = proc_find(pid);

	if (p && handle < 32) {
		p->irq_pending |= 1u << handle;
		p->events |= SYS_EV_IRQ;
		wakeq_post(&wq);
	}
}

void proc_for_each(void (*fn)(struct proc *p, void *arg), void *arg)
{
	for (int i = 0; i < PROC_MAX; i++) {
		if (procs[i].state != PROC_FREE) {
			fn(&procs[i], arg);
		}
	}
}

void proc_doorbell(void)
{
	post(SYS_EV_DOORBELL);
}

_Static_assert(PROC_MAX <= VEC_DOORBELL_ONE_COUNT, "a vector per slot");

/* woken: a process a doorbell woke (it waited for that message, or was
 * set aside with one on its way); it runs next (pick): at once when the
 * doorbell came from another core, ahead of whatever runs here (a
 * monitor's polling window, a CPU-bound program), which gets the core
 * back when it waits again or its slice ends; when a process of this
 * core rang it, as soon as that process waits or yields: it rang
 * because it sent a message and is about to wait for the answer, and
 * the answer cannot come while it is set aside */
static struct proc *woken;

static void ring_one(uint32_t slot, bool at_once)
{
	struct proc *p;

	if (slot >= PROC_MAX || procs[slot].state == PROC_FREE) {
		return;
	}
	p = &procs[slot];
	p->events |= SYS_EV_DOORBELL;
	posted = true;
	/* a waiting process is woken here, as the walk would wake it, and
	 * nobody else is walked for it; a running one finds the event at
	 * its next SYS_WAIT (sched_wait) */
	if (p->state == PROC_WAITING) {
		wake_now(p);
	}
	if (p != cur) {
		woken = p;
		need_resched |= at_once;
	}
}

void proc_doorbell_one(uint32_t slot)
{
	ring_one(slot, true);
}

void proc_doorbell_local(uint64_t wake)
{
	uint64_t slot = wake - SYS_WAKE_SLOT0;

	if (slot < PROC_MAX) {
		ring_one((uint32_t)slot, false);
	} else {
		post(SYS_EV_DOORBELL);
	}
}

void proc_system_ready(void)
{
	post(SYS_EV_READY);
}

void proc_trace_changed(void)
{
	post(SYS_EV_TRACE);
}

void proc_console_input(void)
{
	post(SYS_EV_CONSOLE);
}

int proc_reap(uint32_t *pid, int64_t *status)
{
	struct exitq_entry x;

	if (exitq_pop(&exitq, &x) < 0) {
		return E_AGAIN;
	}
	*pid = x.pid;
	*status = x.status;
	((struct proc *)x.slot)->unreaped = false; /* the slot is free now */
	return 0;
}

void proc_reap_mirror(struct proc *p, uint32_t *word)
{
	exitq_owner = p;
	exitq_mirror(&exitq, word);
}

void proc_ran_mirror(struct proc *p, uint32_t *word)
{
	ranmirror_set(&ran, word, p);
}

void sched_yield(void)
{
	need_resched = true;
}

/* the last wait timeout in TSC ticks (tscmemo.h) */
static struct tscmemo wait_memo;
/* the monitor's SYS_WAIT_BEAT: its timeout in TSC ticks if its last wait
 * was one (each of its waits sets it: only a waiting monitor reads it),
 * and the heartbeats this driver sent for it */
static uint64_t beat_tsc, kernel_beats;

void sched_wait(struct trap_frame *f, uint64_t timeout_ns)
{
	if (cur->monitor) {
		beat_tsc = 0;
	}
	if (cur->events) {
		f->rax = cur->events;
		cur->events = 0;
		return;
	}
	set_state(cur, PROC_WAITING);
	cur->wake_tsc =
	    timeout_ns ? rdtsc() + tscmemo_get(&wait_memo, timeout_ns, ns_to_tsc)
		       : 0;
	wakeq_wait(&wq, cur->wake_tsc);
}

void sched_wait_beat(struct trap_frame *f, uint64_t timeout_ns)
{
	sched_wait(f, timeout_ns);
	if (cur->state == PROC_WAITING && cur->wake_tsc) {
		beat_tsc = cur->wake_tsc - rdtsc();
	}
}

uint64_t sched_kernel_beats(void)
{
	return kernel_beats;
}

void proc_load(uint16_t *runnable, uint16_t *live, uint32_t *last_pid)
{
	*runnable = *live = 0;
	*last_pid = 0;
	for (int i = 0; i < PROC_MAX; i++) {
		const struct proc *q = &procs[i];

		if (q->state == PROC_FREE || q->monitor) {
			continue;
		}
		(*live)++;
		*runnable += q->state == PROC_RUNNABLE;
		/* the newest pid (n counts up, modulo 2^16: a spawn shows) */
		if (*live == 1 || (uint16_t)(q->pid - *last_pid) < 0x8000) {
			*last_pid = q->pid;
		}
	}
}

/* beat_for: the monitor sleeps through a heartbeat's timeout: send core
 * 0 the heartbeat from here, with this core's load, as the monitor's
 * would carry it; false if the console ring had no room (the monitor
 * then wakes and sends its own) */
static bool beat_for(void)
{
	struct cons_beat b;

	proc_load(&b.runnable, &b.live, &b.last_pid);
	b.free_mib = (uint32_t)(frame_free_bytes() >> 20);
	if (console_beat(&b) < 0) {
		return false;
	}
	kernel_beats++;
	return true;
}

/* cur_live: while sched_return runs, the frame on the kernel stack that
 * holds the running process's registers; they are copied into its slot
 * only if another process is picked, so a process that waits and is the
 * one that runs next (a sleeping receiver woken by its doorbell) is
 * neither saved nor reloaded: 2 x 176 bytes less per wait
 * (docs/benchmarks.md, "The monitor's pass without a system call") */
static struct trap_frame *cur_live;

/* frame_of: where p's registers are now */
static struct trap_frame *frame_of(struct proc *p)
{
	return p == cur && cur_live ? cur_live : &p->frame;
}

/* wake_now: waiting p runs again, with its events as SYS_WAIT's result */
static void wake_now(struct proc *p)
{
	set_state(p, PROC_RUNNABLE);
	p->wake_tsc = 0;
	frame_of(p)->rax = p->events;
	p->events = 0;
}

/* wake_walk: waiting processes whose timeout passed or that have an
 * event become runnable, with the events as SYS_WAIT's result */
static __attribute__((noinline)) void wake_walk(uint64_t now)
{
	uint64_t next = WAKEQ_NONE;
	unsigned i;

	SLOTS_EACH(i, waiting)
	{
		struct proc *p = &procs[i];
		if (p->wake_tsc && p->wake_tsc <= now) {
			/* the monitor's heartbeat timeout: this driver
			 * speaks for it, and it sleeps on */
			if (beat_tsc && p->monitor && !p->events &&
			    beat_for()) {
				p->wake_tsc = now + beat_tsc;
			} else {
				p->events |= SYS_EV_TIMER;
			}
		}
		if (p->events) {
			wake_now(p);
		} else if (p->wake_tsc && p->wake_tsc < next) {
			next = p->wake_tsc;
		}
	}
	wakeq_walked(&wq, next);
}

/* wake_expired: wake_walk, made only when it can find something
 * (wakeq.h): an event was posted or the earliest timeout came. The
 * tests inline, the walk apart: every return to ring 3 makes the tests,
 * few walk. */
static inline __attribute__((always_inline)) void wake_expired(void)
{
	uint64_t now;

	if (!waiting) {
		wakeq_walked(&wq, WAKEQ_NONE);
		return;
	}
	now = rdtsc();
	if (wakeq_due(&wq, now)) {
		wake_walk(now);
	}
}

void sched_tick(struct trap_frame *f)
{
	(void)f;
	tdl_fired(&timer);
	if (rdtsc() >= slice_end) {
		need_resched = true;
	}
}

static struct proc *pick(void)
{
	unsigned start = cur ? (unsigned)(cur - procs) + 1 : 0;
	int next;

	/* the woken process runs next, but does not displace a process of
	 * this core that rang it until that one waits or yields */
	if (woken && (need_resched || !cur || cur->state != PROC_RUNNABLE)) {
		struct proc *w = woken;

		woken = 0;
		if (w->state == PROC_RUNNABLE) {
			return w;
		}
	}
	if (cur && cur->state == PROC_RUNNABLE && !need_resched) {
		return cur;
	}
	/* round robin: the first runnable slot after the current one */
	next = slots_next(runnable, start);
	return next < 0 ? 0 : &procs[next];
}

/* up_check: core 0, until `system ready`: cores that never came up are
 * given up when their time has come (console.c). Only the idle loop looks,
 * and only its timer holds that deadline: a busy core 0 looks when it
 * next idles, and the paths that return to a process pay nothing. */
static inline void up_check(void)
{
	if (__builtin_expect(console_up_deadline != 0, 0) &&
	    rdtsc() >= console_up_deadline) {
		console_up_give_up();
	}
}

/* arm_timer_until: the LAPIC timer for the earliest of this core's
 * deadlines and `extra` (0: none); early: a timer armed earlier may stay
 * (tdl_set_early: returning to a process, not halting) */
static inline __attribute__((always_inline)) void
arm_timer_until(uint64_t extra, bool early)
{
	uint64_t now = rdtsc(), deadline = extra, delta;
	uint64_t wait = waiting ? wakeq_deadline(&wq) : 0;

	/* the earliest wait timeout, kept by wake_expired and sched_wait
	 * (possibly early: the timer then fires once for nothing) */
	if (wait && (!deadline || wait < deadline)) {
		deadline = wait;
	}
	if (slots_many(runnable) && (!deadline || slice_end < deadline)) {
		deadline = slice_end;
	}
	/* written only when the deadline changed (or, going back to a
	 * process, came earlier) or the timer fired (tdl.h) */
	if (!(early ? tdl_set_early(&timer, deadline)
		    : tdl_set(&timer, deadline))) {
		return;
	}
	if (!deadline) {
		lapic_timer_oneshot(0);
		return;
	}
	delta = deadline > now ? deadline - now : 1;
	if (delta > self.tsc_khz * 1000) {
		delta = self.tsc_khz * 1000; /* at most 1 s, then re-arm */
	}
	delta = delta * self.lapic_khz / self.tsc_khz;
	lapic_timer_oneshot(delta ? (uint32_t)(delta > 0xffffffffu ? 0xffffffffu : delta) : 1);
}

static void arm_timer(void)
{
	arm_timer_until(0, true);
}

/* idle: halt until some process can run. Interrupts taken here are
 * kernel-mode traps: they only record events. looked: the caller has
 * just run wake_expired and pick and found nobody (the first pass skips
 * them, and up_check, whose deadline the halt's timer holds) */
static struct proc *idle(bool looked)
{
	struct proc *p;

	for (;;) {
		if (!looked) {
			up_check();
			wake_expired();
			p = pick();
			if (p) {
				return p;
			}
		}
		looked = false;
		posted = false;
		/* draining the console may post an event (`system ready`):
		 * a process it woke must run, not wait for the next
		 * interrupt */
		if (console_idle() || posted) {
			continue;
		}
		arm_timer_until(console_up_deadline, false);
		TRACE_PID(ktrace, TRACE_HALT, 0, 0, 0);
		irq_enable_and_halt();
		irq_disable();
		console_woken();
		if (__builtin_expect(ktrace != NULL, 0)) {
			uint32_t ev = 0;
			for (int i = 0; i < PROC_MAX; i++) {
				ev |= procs[i].events;
			}
			trace_put(ktrace, trace_tsc(), TRACE_WAKE, 0, ev, 0);
		}
	}
}

struct trap_frame *sched_return(struct trap_frame *f)
{
	struct proc *next;
	struct trap_frame *back = f;

	/* cur's registers stay in f (frame_of): a wait of cur that ends
	 * before we pick puts its result there */
	cur_live = cur ? f : NULL;
	wake_expired();
	next = pick();
	if (!next) {
		next = idle(true);
	}
	cur_live = NULL;
	if (next != cur || need_resched) {
		slice_end = rdtsc() + SLICE_MS * self.tsc_khz;
	}
	need_resched = false;
	if (next != cur) {
		if (cur) {
			cur->frame = *f;
		}
		/* next's registers go back from its slot itself (entry.S):
		 * no copy onto the kernel stack first */
		back = &next->frame;
		ranmirror_switch(&ran, next, next->pid);
		TRACE_PID(ktrace, TRACE_SWITCH, next->pid, cur ? cur->pid : 0,
			  next->pid);
		write_cr3(next->pml4);
		cur = next;
	}
	arm_timer();
	return back;
}

void sched_start(void)
{
	struct proc *p;

	tdl_forget(&timer); /* boot code and in-kernel tests wrote it */
	p = idle(false);

	cur = p;
	need_resched = false;
	slice_end = rdtsc() + SLICE_MS * self.tsc_khz;
	write_cr3(p->pml4);
	arm_timer();
	trap_enter_user(&p->frame);
}
