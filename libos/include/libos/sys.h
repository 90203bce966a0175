/* SPDX-License-Identifier: MIT */
/*
 * System-call wrappers for ring-3 programs (numbers and meanings in
 * abi/syscall.h). Each returns what the kernel returned: >= 0 success, a
 * negative E_* on failure.
 */
#ifndef LIBOS_SYS_H
#define LIBOS_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <abi/syscall.h>
#include <abi/errors.h>

long sys_log(const char *buf, size_t len);
__attribute__((noreturn)) void sys_exit(long status);
long sys_yield(void);
long sys_wait(uint64_t timeout_ns);
/* monitors: SYS_WAIT_BEAT (the driver sends the heartbeat at the timeout)
 * and SYS_BEATS (core 0: the heartbeats the drivers sent) */
long sys_wait_beat(uint64_t timeout_ns);
long sys_beats(struct sys_beat *out, uint32_t n);
long sys_info(struct sys_info *out);
/* sys_info with the fields that walk page tables (SYS_INFO_TABLES) */
long sys_info_tables(struct sys_info *out);
/* sys_info with the core's load (SYS_INFO_LOAD) */
long sys_info_load(struct sys_info *out);
long sys_spawn(const char *app, const char *args, uint64_t chan_phys,
	       const struct sys_grant *grant);
long sys_chan_create(struct sys_chan *out, uint32_t pid, uint32_t peer_core,
		     uint32_t peer_pid);
long sys_chan_map(uint64_t phys, struct sys_chan *out,
		  const struct sys_seal *seal);
long sys_chan_grant(uint32_t pid, uint64_t phys, const struct sys_seal *seal);
long sys_chan_close(void *va);
long sys_chan_closed(struct sys_chan_closed *out);
long sys_chan_release(uint64_t phys, uint32_t closer,
		      const struct sys_seal *seal);
long sys_doorbell(uint32_t core, uint32_t wake);
long sys_ring_wait(uint32_t core, uint32_t wake, uint64_t timeout_ns);
long sys_ring_yield(uint32_t core, uint32_t wake);
long sys_doorbells(const struct sys_bell *bells, uint64_t n);
long sys_reap(struct sys_exit *out);
/* sys_reap_mirror: SYS_REAP that also asks the kernel to keep *queued
 * equal to the exits not yet reaped (abi/syscall.h) */
long sys_reap_mirror(struct sys_exit *out, volatile uint32_t *queued);
/* sys_ran_mirror: the kernel sets bit (pid % 32) of *word whenever it
 * switches to another process of this core (abi/syscall.h) */
long sys_ran_mirror(volatile uint32_t *word);
long sys_core_info(uint32_t core, struct sys_core *out);
long sys_console_read(char *buf, size_t len);
long sys_console_write(const char *buf, size_t len);
long sys_poweroff(void);
long sys_proc_list(struct sys_proc *out, size_t max);
long sys_kill(uint32_t pid);
long sys_mem_map(uint64_t bytes);
long sys_mem_trim(uint64_t bytes);
long sys_mem_lend(uint64_t bytes, uint32_t to_core, struct sys_lend *out,
		  uint64_t keep);
long sys_mem_adopt(uint64_t base, uint64_t size, const struct sys_seal *seal);
long sys_mem_release(struct sys_range *out);
long sys_mem_reclaim(uint64_t base, uint64_t size);
long sys_monitor_up(void);
long sys_boot_start(uint64_t index, struct sys_boot_start *out);
long sys_boot_service(uint64_t index, struct sys_boot_service *out);
uint64_t sys_time_ns(void);
long sys_dev_info(uint32_t index, struct sys_dev *out);
long sys_dev_cfg(uint32_t index, uint32_t off, uint32_t op, uint32_t val);
long sys_dev_map(uint32_t index, uint32_t bar);
long sys_dev_irq(uint32_t index, uint32_t entry, struct sys_irq *out);
long sys_dev_irq_free(uint32_t index, uint32_t entry);
long sys_irq_ack(void);
long sys_dma_addr(const void *va);
long sys_dev_release(uint32_t index);
long sys_dev_adopt(uint32_t index);
long sys_mod_map(const char *name, struct sys_range *out);

/* sys_call / sys_call5 / sys_call6: the raw system call. */
long sys_call(long nr, long a0, long a1, long a2, long a3);
long sys_call5(long nr, long a0, long a1, long a2, long a3, long a4);
long sys_call6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif
