// SPDX-License-Identifier: MIT
/*
 * doorbells: a program that abuses doorbells. `doorbells SERVICE` binds
 * to SERVICE (so it holds a channel to that service's core), then rings
 * every core once: only its own core and the service's may be rung, the
 * others must refuse ("not permitted"). Then it rings the service's core
 * as fast as it can for 15 seconds: the kernel must refuse most of them
 * ("too many") while the cores it hits keep working (the system test runs
 * `bench chan` there meanwhile).
 */
#include <stdio.h>
#include <channels/binding.h>
#include <libos/mon.h>
#include <libos/sys.h>
#include <string.h>
#include <echo_if.h>

#define STORM_NS (15ull * 1000000000ull)

/*
 * echo_on_empty_budget: a message to a service that sleeps must wake it
 * even when the kernel refuses our doorbell for a moment (our budget is
 * spent: E_AGAIN): the service is left 20 ms to fall asleep, the budget
 * is emptied on our own core, then one echo goes out and must come back
 * within 2 s: "doorbells: echo after an empty budget: answered".
 */
static int echo_on_empty_budget(struct binding *b, uint32_t self)
{
	static struct echo_text t;
	uint8_t buf[CHAN_MSG_MAX], type;
	uint64_t end;
	int r;

	sys_wait(20000000);
	while (sys_doorbell(self, SYS_WAKE_ANY) == 0) {
	}
	t.data_len = 2;
	memcpy(t.data, "hi", 2);
	r = echo_send_text(bind_send_fn, b, &t);
	end = sys_time_ns() + 2000000000ull;
	while (r == 0 && (r = chan_msg_recv(&b->ch, &type, buf,
					   sizeof(buf))) == E_AGAIN) {
		if (sys_time_ns() > end) {
			break;
		}
		sys_yield();
	}
	printf("doorbells: echo after an empty budget: %s\n",
	       r >= 0 && type == ECHO_MSG_TEXT ? "answered"
	       : r == E_AGAIN		    ? "no answer in 2 s"
					    : err_msg(r));
	return r >= 0 ? 0 : 1;
}

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
	return echo_on_empty_budget(&b, in.core_id);
}
