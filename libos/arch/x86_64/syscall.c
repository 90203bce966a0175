// SPDX-License-Identifier: MIT
/* System-call stubs: `syscall` with the ABI of abi/syscall.h. */
#include <abi/tsc.h>
#include <libos/trace.h>
#include <libos/sys.h>
#include <string.h>

long sys_call5(long nr, long a0, long a1, long a2, long a3, long a4)
{
	long r;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

long sys_call6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

long sys_call(long nr, long a0, long a1, long a2, long a3)
{
	return sys_call5(nr, a0, a1, a2, a3, 0);
}

long sys_log(const char *buf, size_t len)
{
	return sys_call(SYS_LOG, (long)buf, (long)len, 0, 0);
}

void sys_exit(long status)
{
	sys_call(SYS_EXIT, status, 0, 0, 0);
	for (;;) {
	}
}

long sys_yield(void)
{
	return sys_call(SYS_YIELD, 0, 0, 0, 0);
}

/* woken: a wait's result; a trace switched on or off meanwhile is
 * picked up (SYS_EV_TRACE) */
static long woken(long r)
{
	if (r > 0 && (r & SYS_EV_TRACE)) {
		trace_refresh();
	}
	return r;
}

long sys_wait(uint64_t timeout_ns)
{
	return woken(sys_call(SYS_WAIT, (long)timeout_ns, 0, 0, 0));
}

long sys_ring_yield(uint32_t core, uint32_t wake)
{
	return sys_call(SYS_RING_YIELD, (long)core, (long)wake, 0, 0);
}

long sys_info(struct sys_info *out)
{
	return sys_call(SYS_INFO, (long)out, 0, 0, 0);
}

long sys_info_load(struct sys_info *out)
{
	return sys_call(SYS_INFO, (long)out, SYS_INFO_LOAD, 0, 0);
}

long sys_info_tables(struct sys_info *out)
{
	return sys_call(SYS_INFO, (long)out, SYS_INFO_TABLES, 0, 0);
}

long sys_spawn(const char *app, const char *args, uint64_t chan_phys,
	       const struct sys_grant *grant)
{
	return sys_call6(SYS_SPAWN, (long)app, (long)strlen(app), (long)args,
			 (long)strlen(args), (long)chan_phys, (long)grant);
}

long sys_chan_create(struct sys_chan *out, uint32_t pid, uint32_t peer_core,
		     uint32_t peer_pid)
{
	return sys_call(SYS_CHAN_CREATE, (long)out, (long)pid, (long)peer_core,
			(long)peer_pid);
}

long sys_chan_map(uint64_t phys, struct sys_chan *out,
		  const struct sys_seal *seal)
{
	return sys_call(SYS_CHAN_MAP, (long)phys, (long)out, (long)seal, 0);
}

long sys_chan_grant(uint32_t pid, uint64_t phys, const struct sys_seal *seal)
{
	return sys_call(SYS_CHAN_GRANT, (long)pid, (long)phys, (long)seal, 0);
}

long sys_chan_close(void *va)
{
	return sys_call(SYS_CHAN_CLOSE, (long)va, 0, 0, 0);
}

long sys_chan_closed(struct sys_chan_closed *out)
{
	return sys_call(SYS_CHAN_CLOSED, (long)out, 0, 0, 0);
}

long sys_chan_release(uint64_t phys, uint32_t closer,
		      const struct sys_seal *seal)
{
	return sys_call(SYS_CHAN_RELEASE, (long)phys, (long)closer, (long)seal,
			0);
}

long sys_doorbell(uint32_t core, uint32_t wake)
{
	return sys_call(SYS_DOORBELL, (long)core, (long)wake, 0, 0);
}

long sys_ring_wait(uint32_t core, uint32_t wake, uint64_t timeout_ns)
{
	return woken(sys_call(SYS_RING_WAIT, (long)core, (long)wake,
			      (long)timeout_ns, 0));
}

long sys_doorbells(const struct sys_bell *bells, uint64_t n)
{
	return sys_call(SYS_DOORBELLS, (long)bells, (long)n, 0, 0);
}

long sys_reap(struct sys_exit *out)
{
	return sys_call(SYS_REAP, (long)out, 0, 0, 0);
}

long sys_reap_mirror(struct sys_exit *out, volatile uint32_t *queued)
{
	return sys_call(SYS_REAP, (long)out, (long)queued, 0, 0);
}

long sys_ran_mirror(volatile uint32_t *word)
{
	return sys_call(SYS_RAN_MIRROR, (long)word, 0, 0, 0);
}

long sys_console_read(char *buf, size_t len)
{
	return sys_call(SYS_CONSOLE_READ, (long)buf, (long)len, 0, 0);
}

long sys_core_info(uint32_t core, struct sys_core *out)
{
	return sys_call(SYS_CORE_INFO, (long)core, (long)out, 0, 0);
}

long sys_monitor_up(void)
{
	return sys_call(SYS_MONITOR_UP, 0, 0, 0, 0);
}

long sys_boot_start(uint64_t index, struct sys_boot_start *out)
{
	return sys_call(SYS_BOOT_START, (long)index, (long)out, 0, 0);
}

long sys_boot_service(uint64_t index, struct sys_boot_service *out)
{
	return sys_call(SYS_BOOT_SERVICE, (long)index, (long)out, 0, 0);
}

/* sys_time_ns: SYS_TIME_NS computed in ring 3 (abi/tsc.h), with no
 * system call: the core's TSC start and rate come from sys_info once
 * (a process never leaves its core) */
uint64_t sys_time_ns(void)
{
	static uint64_t khz, start;
	uint32_t lo, hi;

	if (!khz) {
		struct sys_info in;

		if (sys_info(&in) != 0 || !in.tsc_khz) {
			return (uint64_t)sys_call(SYS_TIME_NS, 0, 0, 0, 0);
		}
		start = in.tsc_start;
		khz = in.tsc_khz;
	}
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return abi_tsc_to_ns(((uint64_t)hi << 32 | lo) - start, khz);
}

long sys_console_write(const char *buf, size_t len)
{
	return sys_call(SYS_CONSOLE_WRITE, (long)buf, (long)len, 0, 0);
}

long sys_poweroff(void)
{
	return sys_call(SYS_POWEROFF, 0, 0, 0, 0);
}

long sys_wait_beat(uint64_t timeout_ns)
{
	return woken(sys_call(SYS_WAIT_BEAT, (long)timeout_ns, 0, 0, 0));
}

long sys_beats(struct sys_beat *out, uint32_t n)
{
	return sys_call(SYS_BEATS, (long)out, (long)n, 0, 0);
}

long sys_proc_list(struct sys_proc *out, size_t max)
{
	return sys_call(SYS_PROC_LIST, (long)out, (long)max, 0, 0);
}

long sys_kill(uint32_t pid)
{
	return sys_call(SYS_KILL, (long)pid, 0, 0, 0);
}

long sys_mem_map(uint64_t bytes)
{
	return sys_call(SYS_MEM_MAP, (long)bytes, 0, 0, 0);
}

long sys_mem_trim(uint64_t bytes)
{
	return sys_call(SYS_MEM_TRIM, (long)bytes, 0, 0, 0);
}

long sys_mem_lend(uint64_t bytes, uint32_t to_core, struct sys_lend *out,
		  uint64_t keep)
{
	return sys_call(SYS_MEM_LEND, (long)bytes, (long)to_core, (long)out,
			(long)keep);
}

long sys_mem_adopt(uint64_t base, uint64_t size, const struct sys_seal *seal)
{
	return sys_call(SYS_MEM_ADOPT, (long)base, (long)size, (long)seal, 0);
}

long sys_mem_release(struct sys_range *out)
{
	return sys_call(SYS_MEM_RELEASE, (long)out, 0, 0, 0);
}

long sys_mem_reclaim(uint64_t base, uint64_t size)
{
	return sys_call(SYS_MEM_RECLAIM, (long)base, (long)size, 0, 0);
}

long sys_dev_info(uint32_t index, struct sys_dev *out)
{
	return sys_call(SYS_DEV_INFO, index, (long)out, 0, 0);
}

long sys_dev_cfg(uint32_t index, uint32_t off, uint32_t op, uint32_t val)
{
	return sys_call(SYS_DEV_CFG, index, off, op, val);
}

long sys_dev_map(uint32_t index, uint32_t bar)
{
	return sys_call(SYS_DEV_MAP, index, bar, 0, 0);
}

long sys_dev_irq(uint32_t index, uint32_t entry, struct sys_irq *out)
{
	return sys_call(SYS_DEV_IRQ, index, entry, (long)out, 0);
}

long sys_dev_irq_free(uint32_t index, uint32_t entry)
{
	return sys_call(SYS_DEV_IRQ_FREE, index, entry, 0, 0);
}

long sys_irq_ack(void)
{
	return sys_call(SYS_IRQ_ACK, 0, 0, 0, 0);
}

long sys_dma_addr(const void *va)
{
	return sys_call(SYS_DMA_ADDR, (long)va, 0, 0, 0);
}

long sys_dev_release(uint32_t index)
{
	return sys_call(SYS_DEV_RELEASE, index, 0, 0, 0);
}

long sys_dev_adopt(uint32_t index)
{
	return sys_call(SYS_DEV_ADOPT, index, 0, 0, 0);
}

long sys_mod_map(const char *name, struct sys_range *out)
{
	return sys_call(SYS_MOD_MAP, (long)name, (long)strlen(name), (long)out,
			0);
}
