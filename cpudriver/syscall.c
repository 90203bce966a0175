// SPDX-License-Identifier: MIT
/*
 * The system-call dispatcher and the handlers of the core's own services
 * (log, processes, channels, memory, console). syscall_dispatch is the one
 * place that decides which handler runs for a number; device and
 * boot-module handlers live with their state (dev.c, bootmod.c). User
 * memory is reached only through usercopy.h, so a bad pointer is E_FAULT,
 * never a kernel fault.
 */
#include "syscall.h"
#include "kernel.h"
#include "proc.h"
#include "frame.h"
#include "console.h"
#include "dev.h"
#include "bootmod.h"
#include "usercopy.h"
#include "rights.h"
#include "ktrace.h"
#include "bells.h"
#include <abi/syscall.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/lapic.h>
#include <arch/power.h>
#include <drivers/uart.h>
#include <arch/x86.h>
#include <string.h>

#define LOG_MAX 1024

static int64_t sys_log(uint64_t uva, uint64_t len)
{
	char buf[LOG_MAX];
	size_t start = 0;
	int dropped = 0;

	if (len > LOG_MAX) {
		len = LOG_MAX;
	}
	if (copy_in(buf, uva, len)) {
		return E_FAULT;
	}
	/* one console line per '\n'-separated piece */
	for (size_t i = 0; i <= len; i++) {
		if (i == len || buf[i] == '\n') {
			if (i > start || i < len) {
				dropped |= console_line(buf + start, i - start);
			}
			start = i + 1;
		}
	}
	return dropped ? E_FULL : (int64_t)len;
}

static int64_t sys_info(uint64_t uva, uint64_t what)
{
	struct sys_info in;
	struct proc *p = proc_current();

	if (what & ~(uint64_t)(SYS_INFO_TABLES | SYS_INFO_LOAD)) {
		return E_INVAL;
	}
	memset(&in, 0, sizeof(in));
	in.core_id = self.id;
	in.apic_id = self.apic_id;
	in.ncores = self.ncores;
	in.pid = p->pid;
	in.part_base = self.part_base;
	in.part_end = self.part_end;
	in.slice_bytes = self.slice_end - self.slice_base;
	in.kernel_beats = sched_kernel_beats();
	in.free_bytes = frame_free_bytes();
	in.kern_phys = self.kern_phys;
	in.tsc_khz = self.tsc_khz;
	in.tsc_start = self.tsc_start;
	in.nprocs = proc_count();
	in.ready = self.id == 0 && console_ready();
	in.monlink_phys = self.id ? self.bt->cores[self.id].monlink_frame : 0;
	in.chan_size = USER_CHAN_MAX;
	in.half_closed_used = proc_half_closed();
	in.half_closed_size = 0; /* no fixed size (kset.h) */
	if (what & SYS_INFO_TABLES) {
		in.chan_used = proc_chan_used(p);
		in.footprint = frame_used_bytes() - proc_program_bytes();
		in.borrowed_bytes = frame_borrowed_bytes();
		in.lent_bytes = frame_lent_bytes();
	}
	if (what & SYS_INFO_LOAD) {
		proc_load(&in.load_runnable, &in.load_live,
			  &in.load_last_pid);
	}
	in.lost_after_ms = self.bt->lost_after_ms;
	return copy_out(uva, &in, sizeof(in));
}

/* has_right: the current process holds right (monitors hold all) */
static bool has_right(uint32_t right)
{
	struct proc *p = proc_current();

	return p->monitor || (p->rights & right) == right;
}

static int64_t sys_spawn(uint64_t app, uint64_t app_len, uint64_t args,
			 uint64_t args_len, uint64_t chan, uint64_t grant_uva)
{
	char name[SYS_NAME_MAX], a[SYS_ARGS_MAX];
	struct sys_grant g = {0, 0};
	int r;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if ((r = copy_str(name, sizeof(name), app, app_len)) ||
	    (r = copy_str(a, sizeof(a), args, args_len))) {
		return r;
	}
	if (grant_uva && copy_in(&g, grant_uva, sizeof(g))) {
		return E_FAULT;
	}
	if (g.rights & ~SYS_RIGHTS_ALL) {
		return E_INVAL;
	}
	if ((r = dev_grant_check(g.device))) {
		return r;
	}
	r = proc_spawn(name, a, proc_current()->pid, false, chan);
	if (r >= 0) {
		proc_find((uint32_t)r)->rights = g.rights;
		dev_grant(g.device, (uint32_t)r);
	}
	return r;
}

static int64_t sys_boot_start(uint64_t index, uint64_t uva)
{
	const struct boottab *bt = self.bt;
	struct sys_boot_start out;
	uint64_t seen = 0;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	for (uint32_t i = 0; i < bt->nstarts && i < BOOT_MAX_STARTS; i++) {
		if (bt->starts[i].core != self.id) {
			continue;
		}
		if (seen++ == index) {
			memset(&out, 0, sizeof(out));
			strlcpy(out.app, bt->starts[i].app, sizeof(out.app));
			strlcpy(out.args, bt->starts[i].args, sizeof(out.args));
			out.rights = bt->starts[i].rights & SYS_RIGHTS_ALL;
			return copy_out(uva, &out, sizeof(out));
		}
	}
	return E_NOENT;
}

static int64_t sys_boot_service(uint64_t index, uint64_t uva)
{
	const struct boottab *bt = self.bt;
	struct sys_boot_service out;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (index >= bt->nservices || index >= BOOT_MAX_SERVICES) {
		return E_NOENT;
	}
	memset(&out, 0, sizeof(out));
	strlcpy(out.name, bt->services[index].name, sizeof(out.name));
	strlcpy(out.app, bt->services[index].app, sizeof(out.app));
	return copy_out(uva, &out, sizeof(out));
}

/* part_of: the core whose own memory (partition or boot slice) holds
 * [pa, pa+size), or -1 */
static int part_of(uint64_t pa, uint64_t size)
{
	for (uint32_t c = 0; c < self.ncores; c++) {
		if (core_mem(&self.bt->cores[c], pa, size)) {
			return (int)c;
		}
	}
	return -1;
}

/* seal_in: the seal a monitor passed at uva */
static int seal_in(struct sys_seal *s, uint64_t uva)
{
	return uva ? copy_in(s, uva, sizeof(*s)) : E_PERM;
}

static int64_t sys_chan_create(uint64_t uva, uint64_t pid, uint64_t peer_core,
			       uint64_t peer_pid)
{
	struct proc *p = proc_current();
	struct sys_chan out;

	if (!p->monitor) {
		return E_PERM;
	}
	if (pid) {
		p = proc_find((uint32_t)pid);
		if (!p) {
			return E_NOENT;
		}
	}
	if (peer_core >= self.ncores || peer_pid > 0xffffffffull) {
		return E_RANGE;
	}
	if (!user_range_ok(uva, sizeof(out), true)) {
		return E_FAULT;
	}
	out.phys = frame_alloc();
	if (!out.phys) {
		return E_NOMEM;
	}
	out.va = proc_map_shared(p, out.phys, peer_core != self.id);
	if (!out.va) {
		frame_free(out.phys);
		return E_NOMEM;
	}
	rights_peer_add(&krights, p->pid, (uint32_t)peer_core);
	rights_seal(&krights, SEAL_CHAN, out.phys, PAGE_SIZE,
		    (uint32_t)peer_core, (uint32_t)peer_pid, &out.seal);
	return copy_out(uva, &out, sizeof(out));
}

/* boot_link_ok: phys is a monitor link frame of the boot table that this
 * core's monitor may map: its own, or on core 0 every other core's */
static bool boot_link_ok(uint64_t phys)
{
	for (uint32_t c = 1; c < self.ncores; c++) {
		if (phys == self.bt->cores[c].monlink_frame) {
			return self.id == 0 || c == self.id;
		}
	}
	return false;
}

static int64_t sys_chan_map(uint64_t phys, uint64_t uva, uint64_t seal_uva)
{
	struct proc *p = proc_current();
	struct sys_chan out;
	struct sys_seal seal;
	int from = -1, r; /* a boot link lies in no partition */

	if (!p->monitor) {
		return E_PERM;
	}
	memset(&out, 0, sizeof(out));
	out.phys = phys;
	if (phys & (PAGE_SIZE - 1) || proc_maps_shared(p, phys)) {
		return E_PERM;
	}
	if (!seal_uva) {
		if (!boot_link_ok(phys)) {
			return E_PERM;
		}
	} else {
		if ((r = seal_in(&seal, seal_uva)) < 0) {
			return r;
		}
		from = part_of(phys, PAGE_SIZE);
		if (from < 0 || from == (int)self.id ||
		    rights_unseal(&krights, SEAL_CHAN, phys, PAGE_SIZE,
				  (uint32_t)from, 0, &seal) < 0) {
			return E_PERM;
		}
	}
	if (!user_range_ok(uva, sizeof(out), true)) {
		return E_FAULT;
	}
	out.va = proc_map_shared(p, phys, true); /* always another core's */
	if (!out.va) {
		return E_NOMEM;
	}
	if (from >= 0) {
		rights_peer_add(&krights, p->pid, (uint32_t)from);
	}
	return copy_out(uva, &out, sizeof(out));
}

static int64_t sys_chan_grant(uint64_t pid, uint64_t phys, uint64_t seal_uva)
{
	struct proc *p = proc_current(), *to;
	struct sys_seal seal;
	int from = part_of(phys, PAGE_SIZE), r;
	uint64_t va;

	if (!p->monitor) {
		return E_PERM;
	}
	to = pid <= 0xffffffffull ? proc_find((uint32_t)pid) : NULL;
	if (!to) {
		return E_NOENT;
	}
	if ((r = seal_in(&seal, seal_uva)) < 0) {
		return r;
	}
	/* only a frame a kernel made for exactly this process, once */
	if (from < 0 || phys & (PAGE_SIZE - 1) ||
	    rights_unseal(&krights, SEAL_CHAN, phys, PAGE_SIZE, (uint32_t)from,
			  to->pid, &seal) < 0 ||
	    proc_maps_shared(to, phys)) {
		return E_PERM;
	}
	va = proc_map_shared(to, phys, from != (int)self.id);
	if (!va) {
		return E_NOMEM;
	}
	rights_peer_add(&krights, to->pid, (uint32_t)from);
	return (int64_t)va;
}

static int64_t sys_chan_closed(uint64_t uva)
{
	struct sys_chan_closed out;
	int r;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (!user_range_ok(uva, sizeof(out), true)) {
		return E_FAULT;
	}
	r = proc_chan_closed(&out);
	return r < 0 ? r : copy_out(uva, &out, sizeof(out));
}

static int64_t sys_chan_release(uint64_t phys, uint64_t closer,
				uint64_t seal_uva)
{
	struct sys_seal seal;
	int r;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if ((r = seal_in(&seal, seal_uva)) < 0) {
		return r;
	}
	return proc_chan_release(phys, closer > 0xffffffffull ? 0xffffffffu
							    : (uint32_t)closer,
				 &seal);
}

static int64_t sys_core_info(uint64_t core, uint64_t uva)
{
	const struct boot_core *b;
	struct sys_core out;

	if (core >= self.ncores) {
		return E_RANGE;
	}
	b = &self.bt->cores[core];
	memset(&out, 0, sizeof(out));
	out.apic_id = b->apic_id;
	out.part_base = b->part_base;
	out.part_end = b->part_end;
	out.monlink_phys = core ? b->monlink_frame : 0;
	return copy_out(uva, &out, sizeof(out));
}

static int64_t sys_console_read(uint64_t uva, uint64_t len)
{
	char buf[256];
	size_t n;

	if (self.id != 0) {
		return E_UNSUPPORTED;
	}
	if (!has_right(SYS_RIGHT_CONSOLE)) {
		return E_PERM;
	}
	if (len > sizeof(buf)) {
		len = sizeof(buf);
	}
	if (!user_range_ok(uva, len, true)) {
		return E_FAULT;
	}
	n = console_read(buf, len);
	return copy_out(uva, buf, n) ?: (int64_t)n;
}

static int64_t sys_console_write(uint64_t uva, uint64_t len)
{
	char buf[256];

	if (self.id != 0) {
		return E_UNSUPPORTED;
	}
	if (!has_right(SYS_RIGHT_CONSOLE)) {
		return E_PERM;
	}
	if (len > sizeof(buf)) {
		len = sizeof(buf);
	}
	if (copy_in(buf, uva, len)) {
		return E_FAULT;
	}
	console_raw(buf, len);
	return (int64_t)len;
}

static int64_t sys_poweroff(void)
{
	if (self.id != 0 || !has_right(SYS_RIGHT_CONSOLE)) {
		return E_PERM;
	}
	kputs_raw("system powering off");
	machine_poweroff();
	return E_UNSUPPORTED;
}

/* sys_beats: core 0's monitor: the heartbeats other cores' drivers sent */
static int64_t sys_beats(uint64_t uva, uint64_t n)
{
	const struct sys_beat *b;

	if (!proc_current()->monitor || self.id != 0) {
		return E_PERM;
	}
	if (n > self.ncores) {
		return E_RANGE;
	}
	b = console_beats();
	if (!b) {
		return E_NOMEM;
	}
	return copy_out(uva, b, n * sizeof(b[0])) ?: (int64_t)n;
}

static int64_t sys_proc_list(uint64_t uva, uint64_t max)
{
	struct sys_proc list[PROC_MAX];
	uint32_t n;

	if (max > PROC_MAX) {
		max = PROC_MAX;
	}
	if (!user_range_ok(uva, max * sizeof(list[0]), true)) {
		return E_FAULT;
	}
	memset(list, 0, sizeof(list));
	n = proc_list(list, (uint32_t)max);
	return copy_out(uva, list, n * sizeof(list[0])) ?: (int64_t)n;
}

static int64_t sys_kill(uint64_t pid)
{
	if (!proc_current()->monitor) {
		return E_PERM;
	}
	return proc_kill((uint32_t)pid, SYS_KILLED);
}

static int64_t sys_mem_map(uint64_t bytes)
{
	if (bytes > (1ull << 40)) {
		return E_NOMEM;
	}
	return proc_grow_heap(proc_current(),
			      (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
}

static int64_t sys_mem_trim(uint64_t bytes)
{
	return proc_trim_heap(proc_current(), bytes);
}

static int64_t sys_mem(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	struct sys_range out;
	struct sys_seal seal;
	struct sys_lend lend = {{0, 0}, 0};
	uint64_t base;
	int from, r;

	if (!proc_current()->monitor) {
		return E_PERM;
	}
	switch (nr) {
	case SYS_MEM_LEND:
		if (a1 >= self.ncores || a1 == self.id) {
			return E_RANGE;
		}
		/* the answer's place checked (and written) before any
		 * memory leaves: nothing can unmap it before the end of
		 * this call, which writes it without a second check */
		if (copy_out(a2, &lend, sizeof(lend))) {
			return E_FAULT;
		}
		/* the reserve the monitor keeps: nothing taken below it */
		lend.free_bytes = frame_free_bytes();
		r = lend.free_bytes < a3 || a0 > lend.free_bytes - a3
			? E_NOMEM
			: frame_lend(a0, &base);
		if (r == 0) {
			lend.free_bytes = frame_free_bytes();
			rights_seal(&krights, SEAL_MEM, base, a0, (uint32_t)a1,
				    0, &lend.seal);
		}
		memcpy(user_ptr(a2), &lend, sizeof(lend)); /* checked above */
		return r < 0 ? r : (int64_t)base;
	case SYS_MEM_ADOPT:
		from = part_of(a0, a1);
		if (from < 0 || from == (int)self.id) {
			return E_RANGE;
		}
		if ((r = seal_in(&seal, a2)) < 0) {
			return r;
		}
		/* only what that core's kernel lent to this core, once */
		if (rights_unseal(&krights, SEAL_MEM, a0, a1, (uint32_t)from, 0,
				  &seal) < 0) {
			return E_PERM;
		}
		return frame_adopt(a0, a1);
	case SYS_MEM_RELEASE:
		if (!user_range_ok(a0, sizeof(out), true)) {
			return E_FAULT;
		}
		r = frame_release(&out.base, &out.size);
		return r < 0 ? r : copy_out(a0, &out, sizeof(out));
	default: /* SYS_MEM_RECLAIM */
		return frame_reclaim(a0, a1);
	}
}

/* ring_bell: the doorbell of core (checked: below ncores) for the process
 * whose wake token is wake, or every process there, rung by p */
static void ring_bell(struct proc *p, uint32_t core, uint32_t wake)
{
	uint64_t slot = (uint64_t)wake - SYS_WAKE_SLOT0;

	/* our own core: no IPI to ourselves; the woken process runs when
	 * the ringer waits or yields */
	if (core == self.id) {
		TRACE_PID(ktrace, TRACE_DOORBELL_SEND, p->pid, core, 0);
		TRACE_PID(ktrace, TRACE_DOORBELL_TAKE, p->pid, TRACE_NO_CORE,
			  0);
		proc_doorbell_local(wake);
		return;
	}
	/* one process if the token names a slot, else all of them (the
	 * token comes from the peer's channel frame: any value is safe) */
	lapic_send_ipi(self.bt->cores[core].apic_id,
		       slot < PROC_MAX ? VEC_DOORBELL_ONE + (uint32_t)slot
				       : VEC_DOORBELL);
	TRACE_PID(ktrace, TRACE_DOORBELL_SEND, p->pid, core, 0);
}

static int64_t sys_doorbell(uint64_t core, uint64_t wake)
{
	struct proc *p = proc_current();
	int r;

	if (core >= self.ncores) {
		return E_RANGE;
	}
	/* monitors ring anyone; a program only its peers' cores, so often */
	if (!p->monitor &&
	    (r = rights_doorbell(&krights, p->pid, (uint32_t)core, rdtsc())) <
		0) {
		return r;
	}
	ring_bell(p, (uint32_t)core, (uint32_t)wake);
	return 0;
}

static void ring_bell_of(void *p, uint32_t core, uint32_t wake)
{
	ring_bell(p, core, wake);
}

/* sys_doorbells: several doorbells in one call, the monitor's only
 * (bells.h says what is checked). The list is copied before it is
 * checked: what is checked is what is rung. */
static int64_t sys_doorbells(uint64_t uva, uint64_t n)
{
	struct sys_bell bells[SYS_BELLS_MAX];
	struct proc *p = proc_current();
	uint64_t pa;

	if (!p->monitor) {
		return E_PERM;
	}
	if (n == 0 || n > SYS_BELLS_MAX) {
		return E_RANGE;
	}
	/* a monitor's list is a static array: its page's frame is kept
	 * (usercopy.h), not looked up at every fan-out
	 * (docs/benchmarks.md, "Agreement: where its instructions go") */
	pa = user_image_frame(uva, n * sizeof(bells[0]), &p->bells_page,
			      &p->bells_pa);
	if (pa != UINT64_MAX) {
		memcpy(bells, dmap(pa), n * sizeof(bells[0]));
	} else if (copy_in(bells, uva, n * sizeof(bells[0]))) {
		return E_FAULT;
	}
	return bells_ring(bells, n, self.ncores, ring_bell_of, p);
}

/* image_word (SYS_REAP, SYS_RAN_MIRROR): where the kernel sees the
 * caller's word at va: 4-byte aligned (not across a page), in its program
 * image (never unmapped while it lives: not the heap, which shrinks), its
 * own writable memory; NULL if not */
static uint32_t *image_word(uint64_t va)
{
	uint64_t page = 0, frame = 0, pa;

	if (va % sizeof(uint32_t)) {
		return NULL;
	}
	pa = user_image_frame(va, sizeof(uint32_t), &page, &frame);
	return pa == UINT64_MAX ? NULL : dmap(pa);
}

static int64_t sys_reap(uint64_t uva, uint64_t word_va)
{
	struct proc *p = proc_current();
	struct sys_exit out;
	uint32_t *word = NULL;
	int r;

	if (!p->monitor) {
		return E_PERM;
	}
	if (!user_range_ok(uva, sizeof(out), true)) {
		return E_FAULT;
	}
	if (word_va && !(word = image_word(word_va))) {
		return E_FAULT;
	}
	if (word) {
		proc_reap_mirror(p, word);
	}
	memset(&out, 0, sizeof(out));
	r = proc_reap(&out.pid, &out.status);
	if (r < 0) {
		return r;
	}
	return copy_out(uva, &out, sizeof(out));
}

static int64_t sys_ran_mirror(uint64_t word_va)
{
	struct proc *p = proc_current();
	uint32_t *word = NULL;

	if (!p->monitor) {
		return E_PERM;
	}
	if (word_va && !(word = image_word(word_va))) {
		return E_FAULT;
	}
	proc_ran_mirror(p, word);
	return 0;
}

static int64_t sys_trace(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct proc *p = proc_current();
	struct sys_trace_self self_out;
	struct sys_trace_read io;
	int64_t r;

	if (op == SYS_TRACE_SELF) {
		if (!user_range_ok(a0, sizeof(self_out), true)) {
			return E_FAULT;
		}
		ktrace_self(p, &self_out);
		return copy_out(a0, &self_out, sizeof(self_out));
	}
	if (op == SYS_TRACE_CHAN) {
		return ktrace_chan(p, a0);
	}
	/* turning tracing on and reading it: the monitor, for an admin
	 * (docs/tracing.md) */
	if (!p->monitor) {
		return E_PERM;
	}
	switch (op) {
	case SYS_TRACE_ON:
		return ktrace_on((uint32_t)a0, a1);
	case SYS_TRACE_STOP:
		return ktrace_stop();
	case SYS_TRACE_OFF:
		ktrace_off();
		return 0;
	case SYS_TRACE_READ:
		if (copy_in(&io, a0, sizeof(io))) {
			return E_FAULT;
		}
		r = ktrace_read(&io, a1, a2);
		if (r >= 0 && copy_out(a0, &io, sizeof(io))) {
			return E_FAULT;
		}
		return r;
	default:
		return E_INVAL;
	}
}

/* sys_fail: the monitor asks this core to fail (the shell's `fail`,
 * docs/failures.md): the others must notice it only by its silence */
static int64_t sys_fail(uint64_t how)
{
	if (!proc_current()->monitor) {
		return E_PERM;
	}
	if (how == SYS_FAIL_PANIC) {
		panic("failing on purpose (the shell's `fail`)");
	}
	if (how == SYS_FAIL_HANG) {
		/* halted with interrupts off: no IPI or timer wakes it, and
		 * a halted vCPU costs the host nothing */
		cpu_stop();
	}
	return E_INVAL;
}

/* sys_fence: core 0's monitor stops a core declared lost, and quiesces
 * the devices it drove, before anything of it is reused */
static int64_t sys_fence(uint64_t core, uint64_t devices)
{
	if (!proc_current()->monitor || self.id != 0) {
		return E_PERM;
	}
	if (core == 0 || core >= self.bt->ncores) {
		return E_RANGE;
	}
	lapic_send_init(self.bt->cores[core].apic_id);
	return dev_fence((uint32_t)devices);
}

void syscall_dispatch(struct trap_frame *f)
{
	uint64_t a0 = f->rdi, a1 = f->rsi, a2 = f->rdx, a3 = f->r10, a4 = f->r8,
		 a5 = f->r9;
	uint64_t nr = f->rax;
	int64_t r;

	switch (nr) {
	case SYS_LOG:
		r = sys_log(a0, a1);
		break;
	case SYS_EXIT:
		proc_exit(f, (int64_t)a0);
		return;
	case SYS_YIELD:
		sched_yield();
		r = 0;
		break;
	case SYS_WAIT:
		f->rax = 0;
		sched_wait(f, a0);
		return;
	case SYS_WAIT_BEAT:
		/* the monitor of a core that sends heartbeats (not core 0,
		 * the judge) */
		if (!proc_current()->monitor || self.id == 0) {
			r = E_PERM;
			break;
		}
		f->rax = 0;
		sched_wait_beat(f, a0);
		return;
	case SYS_BEATS:
		r = sys_beats(a0, a1);
		break;
	case SYS_INFO:
		if (proc_current()->monitor) {
			console_stamp(BOOT_ST_MONITOR);
		}
		r = sys_info(a0, a1);
		break;
	case SYS_SPAWN:
		r = sys_spawn(a0, a1, a2, a3, a4, a5);
		break;
	case SYS_MONITOR_UP:
		if (!proc_current()->monitor) {
			r = E_PERM;
			break;
		}
		console_monitor_up();
		r = 0;
		break;
	case SYS_BOOT_START:
		r = sys_boot_start(a0, a1);
		if (r == E_NOENT) {
			console_stamp(BOOT_ST_MANIFEST);
		}
		break;
	case SYS_TIME_NS:
		r = (int64_t)tsc_to_ns(rdtsc() - self.tsc_start);
		break;
	case SYS_CHAN_CREATE:
		r = sys_chan_create(a0, a1, a2, a3);
		break;
	case SYS_CHAN_MAP:
		r = sys_chan_map(a0, a1, a2);
		break;
	case SYS_CHAN_GRANT:
		r = sys_chan_grant(a0, a1, a2);
		break;
	case SYS_DOORBELL:
	case SYS_RING_WAIT:
	case SYS_RING_YIELD:
		/* one call site: sys_doorbell stays inlined here */
		r = sys_doorbell(a0, a1);
		if (r == 0 && nr == SYS_RING_WAIT) {
			f->rax = 0;
			sched_wait(f, a2);
			return;
		}
		if (r == 0 && nr == SYS_RING_YIELD) {
			sched_yield();
		}
		break;
	case SYS_DOORBELLS:
		r = sys_doorbells(a0, a1);
		break;
	case SYS_REAP:
		r = sys_reap(a0, a1);
		break;
	case SYS_RAN_MIRROR:
		r = sys_ran_mirror(a0);
		break;
	case SYS_CORE_INFO:
		r = sys_core_info(a0, a1);
		break;
	case SYS_CONSOLE_READ:
		r = sys_console_read(a0, a1);
		break;
	case SYS_CONSOLE_WRITE:
		r = sys_console_write(a0, a1);
		break;
	case SYS_POWEROFF:
		r = sys_poweroff();
		break;
	case SYS_PROC_LIST:
		r = sys_proc_list(a0, a1);
		break;
	case SYS_KILL:
		r = sys_kill(a0);
		break;
	case SYS_MEM_MAP:
		r = sys_mem_map(a0);
		break;
	case SYS_MEM_TRIM:
		r = sys_mem_trim(a0);
		break;
	case SYS_MEM_LEND:
	case SYS_MEM_ADOPT:
	case SYS_MEM_RELEASE:
	case SYS_MEM_RECLAIM:
		r = sys_mem(f->rax, a0, a1, a2, a3);
		break;
	case SYS_DEV_INFO:
		r = dev_sys_info(a0, a1);
		break;
	case SYS_DEV_CFG:
		r = dev_sys_cfg(a0, a1, a2, a3);
		break;
	case SYS_DEV_MAP:
		r = dev_sys_map(a0, a1);
		break;
	case SYS_DEV_IRQ:
		r = dev_sys_irq(a0, a1, a2);
		break;
	case SYS_IRQ_ACK:
		r = dev_sys_irq_ack();
		break;
	case SYS_DMA_ADDR:
		r = dev_sys_dma_addr(a0);
		break;
	case SYS_DEV_IRQ_FREE:
		r = dev_sys_irq_free(a0, a1);
		break;
	case SYS_DEV_RELEASE:
		r = dev_sys_release(a0);
		break;
	case SYS_DEV_ADOPT:
		r = dev_sys_adopt(a0);
		break;
	case SYS_MOD_MAP:
		r = bootmod_sys_map(a0, a1, a2);
		break;
	case SYS_BOOT_SERVICE:
		r = sys_boot_service(a0, a1);
		break;
	case SYS_CHAN_CLOSE:
		r = proc_chan_close(proc_current(), a0);
		break;
	case SYS_CHAN_CLOSED:
		r = sys_chan_closed(a0);
		break;
	case SYS_CHAN_RELEASE:
		r = sys_chan_release(a0, a1, a2);
		break;
	case SYS_TRACE:
		r = sys_trace(a0, a1, a2, a3);
		break;
	case SYS_FAIL:
		r = sys_fail(a0);
		break;
	case SYS_FENCE:
		r = sys_fence(a0, a1);
		break;
	default:
		r = E_NOSYS;
	}
	if (__builtin_expect(ktrace_sys != NULL, 0)) {
		trace_put(ktrace_sys, trace_tsc(), TRACE_SYSCALL, ktrace_pid(),
			  nr, (uint64_t)r);
	}
	f->rax = (uint64_t)r;
}
