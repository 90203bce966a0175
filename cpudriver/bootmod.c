// SPDX-License-Identifier: MIT
/*
 * Boot modules (see bootmod.h). The modules stay where GRUB put them,
 * outside every core's partition (boot.c reserves them), and every core
 * maps them read-only at DMAP: nobody ever writes them. A process gets
 * their pages mapped shared and read-only in its module window
 * (USER_MOD_BASE..), one after the other, never unmapped before it ends;
 * and proc_spawn maps a program's read-only segments straight from its
 * module's pages (PTE_SHARED, no PTE_W), so no process frees or writes
 * them either.
 */
#include "bootmod.h"
#include "kernel.h"
#include "proc.h"
#include "frame.h"
#include "usercopy.h"
#include <abi/syscall.h>
#include <arch/memlayout.h>
#include <arch/paging.h>
#include <string.h>

const struct boot_module *bootmod_find(const struct boottab *bt,
				       const char *name)
{
	for (uint32_t i = 0; i < bt->nmodules && i < BOOT_MAX_MODULES; i++) {
		if (strncmp(bt->modules[i].name, name, BOOT_NAME_MAX) == 0) {
			return &bt->modules[i];
		}
	}
	return 0;
}

bool bootmod_holds(const struct boottab *bt, uint64_t pa)
{
	for (uint32_t i = 0; i < bt->nmodules && i < BOOT_MAX_MODULES; i++) {
		uint64_t lo = bt->modules[i].start & ~(PAGE_SIZE - 1);
		uint64_t hi = (bt->modules[i].end + PAGE_SIZE - 1) &
			      ~(PAGE_SIZE - 1);

		if (pa >= lo && pa < hi) {
			return true;
		}
	}
	return false;
}

int64_t bootmod_sys_map(uint64_t name_va, uint64_t len, uint64_t out_va)
{
	struct proc *p = proc_current();
	const struct boot_module *m;
	struct sys_range out;
	char name[BOOT_NAME_MAX];
	uint64_t base, size, va;
	int r = copy_str(name, sizeof(name), name_va, len);

	if (r < 0) {
		return r == E_TOOBIG ? E_NOENT : r;
	}
	m = bootmod_find(self.bt, name);
	if (!m) {
		return E_NOENT;
	}
	base = m->start & ~(PAGE_SIZE - 1);
	size = (m->end - base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	va = p->mod_next;
	if (size > USER_MOD_MAX || va + size > USER_MOD_BASE + USER_MOD_MAX) {
		return E_NOMEM;
	}
	if (size && pt_map(&kpt, p->pml4, va, base, size,
			   PTE_U | PTE_NX | PTE_SHARED, false)) {
		return E_NOMEM;
	}
	out.base = va + (m->start - base);
	out.size = m->end - m->start;
	r = copy_out(out_va, &out, sizeof(out));
	if (r < 0) {
		return r;
	}
	p->mod_next = va + size;
	return 0;
}
