// SPDX-License-Identifier: MIT
/*
 * Where every core's own CPU driver instance begins (core 0's too, once its
 * boot phase has built it). By now the core runs on its own page tables,
 * its own zeroed bss and its own stack; the boot record its booter left in
 * its partition says who it is.
 *
 * Order: descriptor tables and LAPIC, tell the booter we started, frame
 * allocator and console, boot our children in the tree, drop the
 * trampoline mappings, start the monitor, schedule.
 */
#include "ktrace.h"
#include "kernel.h"
#include "console.h"
#include "frame.h"
#include "proc.h"
#include "smp.h"
#include "ktest.h"
#include "dev.h"
#include "rights.h"
#include <arch/lapic.h>
#include <arch/memlayout.h>
#include <arch/trap.h>
#include <arch/x86.h>

/* check_bootrec: the record comes from another core: trust nothing that
 * would make us scribble outside our partition. */
static bool check_bootrec(const struct bootrec *br)
{
	bool slice = br->slice_base || br->slice_end;
	uint64_t from = slice ? br->slice_base : br->part_base;
	uint64_t to = slice ? br->slice_end : br->part_end;

	return br->magic == BOOTREC_MAGIC && br->part_base < br->part_end &&
	       (!slice || (br->slice_base < br->slice_end &&
			   (br->slice_end <= br->part_base ||
			    br->slice_base >= br->part_end))) &&
	       br->alloc_next >= from && br->alloc_next <= to &&
	       br->core_id < BOOT_MAX_CORES;
}

void kernel_entry(struct bootrec *br)
{
	const struct boottab *bt;
	int r;

	if (!check_bootrec(br)) {
		panic("malformed boot record at %p", (void *)br);
	}
	bt = dmap(br->boottab);
	self.tsc_start = rdtsc();
	console_stamp(BOOT_ST_ENTRY); /* only stored until console_init */
	self.id = br->core_id;
	self.booter = br->booter_core;
	self.bt = bt;
	self.ncores = bt->ncores;
	self.part_base = br->part_base;
	self.part_end = br->part_end;
	self.slice_base = br->slice_base;
	self.slice_end = br->slice_end;
	self.kern_phys = br->kern_phys;
	self.pml4 = br->pml4;
	self.window_pt = dmap(br->window_pt);
	self.tsc_khz = bt->tsc_khz;
	self.lapic_khz = bt->lapic_khz;
	self.apic_id = bt->cores[self.id].apic_id;

	rights_init(&krights, self.id, bt->seal_key[0], bt->seal_key[1],
		    self.tsc_khz * 4 / 1000); /* a doorbell per 4 us */
	trap_init();
	lapic_set_base(dmap(bt->lapic_phys));
	lapic_init();
	if (self.id != 0) {
		lapic_send_ipi(bt->cores[self.booter].apic_id, VEC_WAKE);
	}
	frame_init(br->alloc_next);
	console_init();
	dev_init();
	console_input_init();
	smp_boot_children();
	smp_boot_done();
	console_stamp(BOOT_ST_DRIVER);

	/* the manifest's `trace`: from before the monitor starts */
	if (bt->trace_classes &&
	    (r = ktrace_on(bt->trace_classes, bt->trace_bytes)) < 0) {
		kprintf("trace: cannot trace from boot: %s", err_msg(r));
	}
	r = proc_spawn("monitor", "", 0, true, 0);
	if (r < 0) {
		kprintf("cannot start the monitor: %s", err_msg(r));
	}
	ktest_run();
	sched_start();
}
