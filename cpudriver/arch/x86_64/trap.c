// SPDX-License-Identifier: MIT
/*
 * Per-core descriptor tables and the trap dispatcher.
 *
 * GDT layout (arch/memlayout.h): kernel code 0x08, kernel data 0x10, user
 * data 0x18, user code 0x20, TSS 0x28. This order is what `syscall` and
 * `sysret` need: STAR[47:32] = 0x08 gives kernel CS/SS 0x08/0x10 and
 * STAR[63:48] = 0x10 gives user SS/CS 0x18/0x20 (with RPL 3).
 *
 * Exceptions from ring 3 kill the faulting process with a report and the
 * core goes on; exceptions in the kernel panic with the same report.
 * Double fault, NMI and machine check run on their own IST stack so a
 * kernel stack overflow still gets its report instead of a triple fault.
 */
#include "ktrace.h"
#include <arch/trap.h>
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/x86.h>
#include "kernel.h"
#include "proc.h"
#include "console.h"
#include "syscall.h"
#include "dev.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

STATIC_ASSERT(sizeof(struct tss) == 104, "TSS layout (SDM 8.7)");

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

STATIC_ASSERT(sizeof(struct idt_entry) == 16, "IDT gate layout");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));

extern char trap_vectors[];
extern char syscall_entry[];

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault",
	"reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization",
	"#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

const char *trap_vector_name(uint64_t vector)
{
	return vector < 32 ? names[vector] : "interrupt";
}

static void set_gate(int vec, int ist, int dpl)
{
	uint64_t addr = (uint64_t)trap_vectors + 16 * (uint64_t)vec;

	idt[vec].off_lo = addr & 0xffff;
	idt[vec].sel = GDT_KCODE;
	idt[vec].ist = ist;
	idt[vec].type = 0x8e | (dpl << 5); /* present, 64-bit interrupt gate */
	idt[vec].off_mid = (addr >> 16) & 0xffff;
	idt[vec].off_hi = addr >> 32;
	idt[vec].zero = 0;
}

static void load_tables(void)
{
	struct desc_ptr gp = {sizeof(gdt) - 1, (uint64_t)gdt};
	struct desc_ptr ip = {sizeof(idt) - 1, (uint64_t)idt};

	__asm__ volatile("lgdt %0" : : "m"(gp));
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %1, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorw %%ax, %%ax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 :
			 : "i"(GDT_KCODE), "i"(GDT_KDATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
	__asm__ volatile("lidt %0" : : "m"(ip));
}

void trap_init(void)
{
	uint64_t t = (uint64_t)&tss;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* kernel code, L=1 */
	gdt[2] = 0x00cf92000000ffffull; /* kernel data */
	gdt[3] = 0x00cff2000000ffffull; /* user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull; /* user code, L=1, DPL 3 */
	gdt[5] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) |
		 (0x89ull << 40) | (((t >> 24) & 0xff) << 56);
	gdt[6] = t >> 32;
	tss.rsp[0] = (uint64_t)__kstack_top;
	tss.ist[0] = (uint64_t)__kist_top;
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 has no ports */
	for (int v = 0; v < 256; v++) {
		set_gate(v, (v == 2 || v == 8 || v == 18) ? 1 : 0, 0);
	}
	load_tables();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x13ull << 48) | ((uint64_t)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* clear IF, DF, TF, AC on entry */
	wrmsr(MSR_FMASK, 0x200 | 0x400 | 0x100 | 0x40000);
}

static void kernel_exception(struct trap_frame *f)
{
	const struct proc *p = proc_current();
	uint64_t cr2 = read_cr2();

	panic("%s (vector %lu) in the CPU driver: rip=0x%lx err=0x%lx "
	      "cr2=0x%lx rsp=0x%lx process=%s (pid 0x%x)",
	      trap_vector_name(f->vector), f->vector, f->rip, f->err, cr2,
	      f->rsp, p ? p->name : "none", p ? p->pid : 0);
}

static void user_exception(struct trap_frame *f)
{
	struct proc *p = proc_current();

	kprintf("process %s (pid 0x%x) killed: %s (vector %lu) rip=0x%lx "
		"err=0x%lx cr2=0x%lx",
		p ? p->name : "?", p ? p->pid : 0,
		trap_vector_name(f->vector), f->vector, f->rip, f->err,
		f->vector == 14 ? read_cr2() : 0);
	proc_exit(f, -128 - (int64_t)f->vector);
}

static void interrupt(struct trap_frame *f)
{
	switch (f->vector) {
	case VEC_TIMER:
		lapic_eoi();
		sched_tick(f);
		return;
	case VEC_DOORBELL:
		lapic_eoi();
		TRACE_PID(ktrace, TRACE_DOORBELL_TAKE, ktrace_pid(),
			  TRACE_NO_CORE, 0);
		console_doorbell();
		proc_doorbell();
		return;
	case VEC_WAKE:
		lapic_eoi();
		return;
	case VEC_UART:
		console_input_irq();
		lapic_eoi();
		return;
	case VEC_SPURIOUS:
		return;
	default:
		if (f->vector >= VEC_DOORBELL_ONE &&
		    f->vector < VEC_DOORBELL_ONE + VEC_DOORBELL_ONE_COUNT) {
			lapic_eoi();
			TRACE_PID(ktrace, TRACE_DOORBELL_TAKE, ktrace_pid(),
				  TRACE_NO_CORE, 0);
			proc_doorbell_one(f->vector - VEC_DOORBELL_ONE);
			return;
		}
		if (f->vector >= VEC_DEV_BASE &&
		    f->vector < VEC_DEV_BASE + VEC_DEV_COUNT) {
			dev_irq(f->vector);
			return;
		}
		lapic_eoi();
		kprintf("unexpected interrupt vector %lu", f->vector);
		return;
	}
}

struct trap_frame *trap_handler(struct trap_frame *f)
{
	bool from_user = (f->cs & 3) == 3;

	if (f->vector == VEC_SYSCALL) {
		syscall_dispatch(f);
	} else if (f->vector < 32) {
		if (!from_user) {
			kernel_exception(f);
		}
		user_exception(f);
	} else {
		interrupt(f);
	}
	return from_user ? sched_return(f) : f;
}
