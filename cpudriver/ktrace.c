// SPDX-License-Identifier: MIT
/*
 * This core's trace buffers (ktrace.h, docs/tracing.md). Each buffer is
 * a run of frames of this core's partition, listed in an index frame;
 * the kernel's is mapped at KERNEL_TRACE, a process's at
 * USER_TRACE_BASE in that process (PTE_SHARED: its address space never
 * frees them). The record here is the only source of a buffer's size,
 * place, pid and name: what a process wrote into its header is ignored
 * except its event count, which is bounded by the recorded size.
 */
#include "ktrace.h"
#include "kernel.h"
#include "proc.h"
#include "frame.h"
#include "usercopy.h"
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <string.h>

#define KT_BUFS 64 /* buffers a core keeps: its processes and those that
		      ended since tracing began */
#define KT_PAGES_MAX (SYS_TRACE_MAX_BYTES / PAGE_SIZE)
#define KT_RESERVE (512ull << 10) /* a buffer never takes the core's last
				     512 KiB: spawns and channels go on */

_Static_assert(KT_PAGES_MAX <= PAGE_SIZE / sizeof(uint64_t),
	       "a buffer's frames fit in its index frame");
_Static_assert(sizeof(struct trace_buf) % sizeof(struct trace_ev) == 0 &&
		       PAGE_SIZE % sizeof(struct trace_ev) == 0,
	       "no event straddles a page");

enum { KT_OFF, KT_ON, KT_STOPPED };

struct kbuf {
	bool used;
	bool live;	    /* part of the trace (else freed once unmapped) */
	struct proc *owner; /* the process that maps it, NULL if none */
	uint16_t kind;
	uint32_t pid;
	char name[TRACE_NAME_MAX];
	uint64_t index;	 /* frame holding the buffer's frames */
	uint32_t npages;
	uint64_t nslots;
	uint64_t head; /* stopped: events written, as the writer left it */
};

static struct kbuf kb[KT_BUFS];
static struct {
	int state;
	uint32_t classes;
	uint64_t bytes;
	int kernel; /* the kernel's buffer (index + 1), 0 if none */
} tr;

struct trace_buf *ktrace, *ktrace_sys;

uint32_t ktrace_pid(void)
{
	struct proc *p = proc_current();

	return p ? p->pid : 0;
}

static uint64_t *frames_of(struct kbuf *b)
{
	return dmap(b->index);
}

static void free_kbuf(struct kbuf *b)
{
	uint64_t *f = frames_of(b);

	for (uint32_t i = 0; i < b->npages; i++) {
		frame_free(f[i]);
	}
	frame_free(b->index);
	memset(b, 0, sizeof(*b));
}

/* new_kbuf: a record and its frames (zeroed), or NULL */
static struct kbuf *new_kbuf(uint16_t kind, uint32_t pid, const char *name)
{
	struct kbuf *b = 0;
	uint64_t *f;

	for (int i = 0; i < KT_BUFS && !b; i++) {
		if (!kb[i].used) {
			b = &kb[i];
		}
	}
	if (!b || frame_free_bytes() < tr.bytes + PAGE_SIZE + KT_RESERVE ||
	    !(b->index = frame_alloc())) {
		return NULL;
	}
	b->npages = (uint32_t)(tr.bytes / PAGE_SIZE);
	f = frames_of(b);
	for (uint32_t i = 0; i < b->npages; i++) {
		if (!(f[i] = frame_alloc())) {
			b->npages = i;
			free_kbuf(b);
			return NULL;
		}
	}
	b->used = true;
	b->live = true;
	b->kind = kind;
	b->pid = pid;
	strlcpy(b->name, name, sizeof(b->name));
	b->nslots = (tr.bytes - sizeof(struct trace_buf)) /
		    sizeof(struct trace_ev);
	/* the header is in the first frame; the writer sees it mapped */
	trace_ring_init(dmap(f[0]), tr.bytes, kind, self.id, pid, name);
	return b;
}

static void unmap_proc(struct kbuf *b)
{
	struct proc *p = b->owner;

	pt_unmap(&kpt, p->pml4, USER_TRACE_BASE, (uint64_t)b->npages * PAGE_SIZE);
	pt_prune(&kpt, p->pml4, USER_TRACE_BASE, frame_free_table);
	if (p == proc_current()) {
		write_cr3(read_cr3());
	}
	p->trace = 0;
	b->owner = NULL;
	if (!b->live) {
		free_kbuf(b);
	}
}

static void discard(void)
{
	ktrace = ktrace_sys = NULL;
	if (tr.kernel) {
		struct kbuf *b = &kb[tr.kernel - 1];
		uint64_t size = (uint64_t)b->npages * PAGE_SIZE;

		pt_unmap(&kpt, self.pml4, KERNEL_TRACE, size);
		/* the page table the mapping took goes back too (every
		 * address space of the core shares this part of the tables,
		 * and a table that maps nothing is no one's) */
		pt_prune(&kpt, self.pml4, KERNEL_TRACE, frame_free_table);
		write_cr3(read_cr3());
		free_kbuf(b);
		tr.kernel = 0;
	}
	for (int i = 0; i < KT_BUFS; i++) {
		if (!kb[i].used) {
			continue;
		}
		kb[i].live = false; /* its process unmaps it on its next ask */
		if (!kb[i].owner) {
			free_kbuf(&kb[i]);
		}
	}
	tr.state = KT_OFF;
}

int ktrace_on(uint32_t classes, uint64_t bytes)
{
	struct kbuf *b;

	classes &= TRACE_C_KERNEL | TRACE_C_SYSCALL | TRACE_C_CHAN |
		   TRACE_C_MONITOR;
	if (!classes || bytes < PAGE_SIZE || bytes > SYS_TRACE_MAX_BYTES ||
	    (bytes & (PAGE_SIZE - 1))) {
		return E_INVAL;
	}
	discard();
	tr.classes = classes;
	tr.bytes = bytes;
	if (classes & (TRACE_C_KERNEL | TRACE_C_SYSCALL)) {
		b = new_kbuf(TRACE_KIND_KERNEL, 0, "kernel");
		if (!b) {
			return E_NOMEM;
		}
		tr.kernel = (int)(b - kb) + 1;
		for (uint32_t i = 0; i < b->npages; i++) {
			if (pt_map(&kpt, self.pml4, KERNEL_TRACE + i * PAGE_SIZE,
				   frames_of(b)[i], PAGE_SIZE, PTE_W | PTE_NX,
				   false)) {
				discard();
				return E_NOMEM;
			}
		}
		ktrace = classes & TRACE_C_KERNEL ? (void *)KERNEL_TRACE : NULL;
		ktrace_sys =
		    classes & TRACE_C_SYSCALL ? (void *)KERNEL_TRACE : NULL;
	}
	tr.state = KT_ON;
	proc_trace_changed();
	return 0;
}

int ktrace_stop(void)
{
	int n = 0;

	if (tr.state == KT_OFF) {
		return 0;
	}
	ktrace = ktrace_sys = NULL;
	for (int i = 0; i < KT_BUFS; i++) {
		struct kbuf *b = &kb[i];
		if (!b->used || !b->live) {
			continue;
		}
		/* the writer's count: anything, when a program wrote it;
		 * only min(head, nslots) events are ever read */
		if (tr.state == KT_ON) {
			const struct trace_buf *h = dmap(frames_of(b)[0]);
			b->head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		}
		n++;
	}
	tr.state = KT_STOPPED;
	proc_trace_changed();
	return n;
}

void ktrace_off(void)
{
	discard();
	proc_trace_changed();
}

int ktrace_self(struct proc *p, struct sys_trace_self *out)
{
	struct kbuf *b = p->trace ? &kb[p->trace - 1] : NULL;
	uint32_t want;

	memset(out, 0, sizeof(*out));
	if (tr.state != KT_ON) {
		if (b) {
			unmap_proc(b);
		}
		return 0;
	}
	out->classes = tr.classes;
	if (b && b->live) {
		out->va = USER_TRACE_BASE;
		out->bytes = (uint64_t)b->npages * PAGE_SIZE;
		return 0;
	}
	if (b) {
		unmap_proc(b); /* from an earlier trace */
	}
	want = tr.classes & (TRACE_C_CHAN | (p->monitor ? TRACE_C_MONITOR : 0));
	if (!want) {
		return 0;
	}
	b = new_kbuf(p->monitor ? TRACE_KIND_MONITOR : TRACE_KIND_PROCESS,
		     p->pid, p->name);
	if (!b) {
		return 0; /* not traced: nothing else depends on it */
	}
	for (uint32_t i = 0; i < b->npages; i++) {
		if (pt_map(&kpt, p->pml4, USER_TRACE_BASE + i * PAGE_SIZE,
			   frames_of(b)[i], PAGE_SIZE,
			   PTE_U | PTE_W | PTE_NX | PTE_SHARED, false)) {
			b->owner = p;
			b->live = false;
			unmap_proc(b);
			return 0;
		}
	}
	b->owner = p;
	p->trace = (int)(b - kb) + 1;
	out->va = USER_TRACE_BASE;
	out->bytes = (uint64_t)b->npages * PAGE_SIZE;
	return 0;
}

uint64_t ktrace_at_spawn(struct proc *p)
{
	struct sys_trace_self s;

	if (tr.state != KT_ON) {
		return 0;
	}
	ktrace_self(p, &s);
	return s.va | s.classes;
}

int64_t ktrace_chan(struct proc *p, uint64_t va)
{
	uint64_t flags, pa;

	va &= ~(PAGE_SIZE - 1);
	if (va < USER_CHAN_BASE || va >= p->chan_next) {
		return E_INVAL;
	}
	pa = pt_translate(&kpt, p->pml4, va, &flags);
	if (pa == UINT64_MAX || !(flags & PTE_SHARED)) {
		return E_INVAL;
	}
	return (int64_t)pa;
}

void ktrace_proc_gone(struct proc *p)
{
	struct kbuf *b;

	if (!p->trace) {
		return;
	}
	/* the address space goes with p; PTE_SHARED keeps the frames */
	b = &kb[p->trace - 1];
	p->trace = 0;
	b->owner = NULL;
	if (!b->live) {
		free_kbuf(b);
	} else if (tr.state == KT_ON) {
		const struct trace_buf *h = dmap(frames_of(b)[0]);
		b->head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	}
}

/* nth: the n-th live buffer (as ktrace_stop counted them) */
static struct kbuf *nth(uint32_t n)
{
	for (int i = 0; i < KT_BUFS; i++) {
		if (kb[i].used && kb[i].live && n-- == 0) {
			return &kb[i];
		}
	}
	return NULL;
}

int64_t ktrace_read(struct sys_trace_read *io, uint64_t dst, uint64_t len)
{
	struct kbuf *b;
	struct trace_buf h;
	uint64_t count, first, done = 0, o = io->offset;
	uint64_t *f;

	if (tr.state != KT_STOPPED) {
		return tr.state == KT_ON ? E_BUSY : E_RANGE;
	}
	io->nbufs = 0;
	for (int i = 0; i < KT_BUFS; i++) {
		io->nbufs += kb[i].used && kb[i].live;
	}
	b = nth(io->buf);
	if (!b) {
		return E_RANGE;
	}
	count = b->head < b->nslots ? b->head : b->nslots;
	first = b->head - count;
	io->total = sizeof(h) + count * sizeof(struct trace_ev);
	memset(&h, 0, sizeof(h));
	h.magic = TRACE_BUF_MAGIC;
	h.version = TRACE_VERSION;
	h.kind = b->kind;
	h.core = self.id;
	h.pid = b->pid;
	memcpy(h.name, b->name, sizeof(h.name));
	h.size = count;
	h.head = b->head;
	h.lost = first;
	f = frames_of(b);
	while (done < len && o < io->total) {
		const void *src;
		uint64_t n;

		if (o < sizeof(h)) {
			src = (const uint8_t *)&h + o;
			n = sizeof(h) - o;
		} else {
			uint64_t e = (o - sizeof(h)) / sizeof(struct trace_ev);
			uint64_t within = (o - sizeof(h)) % sizeof(struct trace_ev);
			uint64_t at = sizeof(h) +
				      ((first + e) % b->nslots) *
					  sizeof(struct trace_ev);

			src = (const uint8_t *)dmap(f[at / PAGE_SIZE]) +
			      at % PAGE_SIZE + within;
			n = sizeof(struct trace_ev) - within;
		}
		if (n > len - done) {
			n = len - done;
		}
		if (copy_out(dst + done, src, n)) {
			return E_FAULT;
		}
		done += n;
		o += n;
	}
	return (int64_t)done;
}
