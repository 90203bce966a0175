// SPDX-License-Identifier: MIT
/*
 * doorbells: a program that abuses doorbells. `doorbells SERVICE` binds
 * to SERVICE (so it holds a channel to that service's core), then rings
 * every core once: only its own core and the service's may be rung, the
 * others must refuse ("not permitted"). Then it rings the service's core
 * as fast as it can for 15 seconds: the kernel must refuse most of them
 * ("too many") while the cores it hits keep working (the system test runs
 * `bench chan` there meanwhile).
 *
 * Before the storm, the same rule through SYS_RING_WAIT (a doorbell and a
 * wait in one call) and SYS_RING_YIELD: a refused doorbell is not rung
 * and the call returns at once, without its wait; an allowed one waits
 * until its deadline (nothing else wakes this program), unless it rang
 * its own core, which wakes it.
 */
#include <stdio.h>
#include <channels/binding.h>
#include <libos/mon.h>
#include <libos/sys.h>

#define STORM_NS (15ull * 1000000000ull)
#define RING_WAIT_NS (200ull * 1000000ull)

int main(int argc, char **argv)
{
	static struct binding b;
	struct sys_info in;
	uint64_t ok = 0, again = 0, other = 0, end;
	uint32_t target;
	int r;

	if (argc < 2) {
		printf("doorbells: usage: doorbells SERVICE\n");
		return 2;
	}
	sys_info(&in);
	r = mon_connect(argv[1], 10 * BIND_SECOND, &b);
	if (r < 0) {
		printf("doorbells: cannot bind to '%s': %s\n", argv[1],
		       err_msg(r));
		return 1;
	}
	target = b.peer_core;
	for (uint32_t c = 0; c < in.ncores; c++) {
		r = (int)sys_doorbell(c, SYS_WAKE_ANY);
		printf("doorbells: ring core %u: %s\n", c,
		       r < 0 ? err_msg(r) : "rung");
	}
	for (uint32_t c = 0; c < in.ncores; c++) {
		uint64_t t0, waited;
		long w;

		/* no event left over (our own core's doorbell woke us) */
		while (sys_wait(1000) != SYS_EV_TIMER) {
		}
		t0 = sys_time_ns();
		w = sys_ring_wait(c, SYS_WAKE_ANY, RING_WAIT_NS);
		waited = sys_time_ns() - t0;
		printf("doorbells: ring-wait core %u: %s, %s\n", c,
		       w < 0 ? err_msg((int)w) : "rung",
		       waited >= RING_WAIT_NS	   ? "waited"
		       : waited < RING_WAIT_NS / 2 ? "no wait"
						   : "woken early");
		r = (int)sys_ring_yield(c, SYS_WAKE_ANY);
		printf("doorbells: ring-yield core %u: %s\n", c,
		       r < 0 ? err_msg(r) : "rung");
	}
	printf("doorbells: storming core %u\n", target);
	end = sys_time_ns() + STORM_NS;
	while (sys_time_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			r = (int)sys_doorbell(target, SYS_WAKE_ANY);
			ok += r == 0;
			again += r == E_AGAIN;
			other += r < 0 && r != E_AGAIN;
		}
	}
	printf("doorbells: storm over: %lu rung, %lu refused (too many), "
	       "%lu other errors\n",
	       (unsigned long)ok, (unsigned long)again, (unsigned long)other);
	return 0;
}
