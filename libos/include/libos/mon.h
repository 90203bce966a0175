/* SPDX-License-Identifier: MIT */
/*
 * A program's link to its core's monitor: a channel the monitor hands
 * every process it starts (its address arrives in the start-up code).
 * Over it a program asks for things only monitors can do - start a
 * program on any core - and hears about the programs it started. The
 * link is a binding (channels/binding.h) and every call is the generated
 * monitor_<call>_call: it waits through the event loop (other threads of
 * the program run; a program without threads halts in SYS_WAIT), never
 * spins, and gives up with E_TIMEOUT after MON_CALL_NS, with one log
 * line ("pid 0x10002: monitor call ps: no answer in 30 s"). Waiting for
 * a note (mon_wait_exit, mon_accept) is the program's own choice and
 * has no deadline; mon_wait_exit_ns offers one.
 *
 * Usage:
 *   uint32_t pid; int64_t status;
 *   if (mon_spawn("hello", "", 3, &pid) == 0)
 *           mon_wait_exit(&pid, &status);   (any child started this way)
 */
#ifndef LIBOS_MON_H
#define LIBOS_MON_H

#include <stdbool.h>
#include <stdint.h>

#define MON_CORE_ANY 0xffffffffu
/* the exit status of a process whose core was lost (docs/failures.md):
 * its exit note comes from core 0's monitor, not from its own */
#define MON_EXIT_LOST (-0x7fffffffffffffffll - 1)

/* How long a monitor call may take: monitors relay a call to another core
 * (forgetting it after MONITOR_RELAY_NS, then answering E_TIMEOUT), so
 * this is longer. */
#define MON_CALL_NS (30ull * 1000 * 1000 * 1000)

/* mon_init: called by the start-up code with the channel's address (0 if
 * the process has none, e.g. the monitor itself). */
void mon_init(void *chan_va);

struct chan;

/* mon_channel: the raw channel to the monitor (NULL if none), for tools
 * and tests that speak the protocol themselves. */
struct chan *mon_channel(void);

struct binding;

/* mon_binding: the binding to the monitor (NULL if none), for programs
 * that make calls of the monitor interface the mon_* functions lack. */
struct binding *mon_binding(void);

/* mon_available: true if this process has a monitor channel. */
int mon_available(void);

/* mon_spawn: start boot-image program app with args on core (or
 * MON_CORE_ANY); *pid gets its pid. Returns 0 or the error the monitors
 * gave (E_NOENT no such program, E_RANGE no such core, ...). */
int mon_spawn(const char *app, const char *args, uint32_t core,
	      uint32_t *pid);

struct monitor_core_stat_reply;

/* mon_core_stat: what core's monitor reports of its core (partition, free
 * memory, CPU driver instance, processes). Returns 0 or an error. */
int mon_core_stat(uint32_t core, struct monitor_core_stat_reply *out);

struct monitor_ps_reply;
struct monitor_services_reply;
struct monitor_devices_reply;
struct monitor_agree_reply;
struct monitor_limits_reply;
struct monitor_trace_req;
struct monitor_trace_reply;

/* mon_ps: the processes of core (pids and names). 0 or an error. */
int mon_ps(uint32_t core, struct monitor_ps_reply *out);

/* mon_ps_ask: ask core's monitor for its processes without waiting;
 * *call_id names the question for mon_ps_take. 0, E_AGAIN (8 questions
 * are open already) or an error. For an event loop that must not halt
 * on a monitor (netd's liveness check). */
int mon_ps_ask(uint32_t core, uint32_t *call_id);

/* mon_ps_take: the answer to question call_id: 0 (pids[0..*count-1]
 * are the core's processes; the question is closed), E_AGAIN (not
 * answered yet), E_NOENT (no such question), or the monitor's error
 * (the question is closed). */
int mon_ps_take(uint32_t call_id, uint32_t pids[32], int *count);

/* mon_ps_forget: give up question call_id; a late answer is dropped. */
void mon_ps_forget(uint32_t call_id);

/* mon_make_room: before a call on the monitor channel, read what waits
 * on it if it fills half the ring or more (the answer must fit); for
 * libos's own calls (mon.c, mon_ask.c). Returns true. */
bool mon_make_room(void);

/* mon_kill: end process pid on whatever core it runs (not a monitor). */
int mon_kill(uint32_t pid);

/* mon_services: the service names core 0's monitor keeps. */
int mon_services(struct monitor_services_reply *out);

/* mon_borrow: ask the monitors for at least bytes more memory for this
 * core (another core lends part of its partition); afterwards SYS_MEM_MAP
 * can map it. 0 or an error (E_NOMEM: nobody could lend). */
int mon_borrow(uint64_t bytes);

/* mon_agree: an operation every core's monitor must acknowledge, rooted
 * at core 0: sent by it to each core (tree 0) or down a fanout-ary tree
 * of monitors (tree 1). out (may be NULL) gets how many monitors
 * acknowledged and how many messages it took. 0 or an error. */
int mon_agree(int tree, uint32_t fanout, struct monitor_agree_reply *out);

/* mon_ping: a call this core's monitor answers at once (an empty ping,
 * its pong): the cost of asking one's own monitor anything, which every
 * mon_* call pays on top of its work. 0 or an error (E_TIMEOUT, ...). */
int mon_ping(void);

/* mon_devices: the device directory (core 0's replica): names, owner
 * cores, driver pids */
int mon_devices(struct monitor_devices_reply *out);

/* mon_move: move device to core (its driver restarts there); *driver_pid
 * gets the new driver's pid. E_NOENT (no such device), E_RANGE (no
 * such core), E_PERM (no driver for it), E_BUSY (another move). */
int mon_move(const char *device, uint32_t core, uint32_t *driver_pid);

/* mon_take_exit: like mon_wait_exit but never waits: E_AGAIN if no
 * exit has been heard of yet. */
int mon_take_exit(uint32_t *pid, int64_t *status);

/* mon_poll: take in what the monitor sent (exit notes) without waiting. */
void mon_poll(void);
/* mon_core_lost: our monitor said core was declared lost (peer_lost; read
 * now): calls on bindings to servers there fail with E_LOST
 * (libos/bind.c) */
int mon_core_lost(uint32_t core);

/* mon_exit_pending: exits heard of and not yet taken. */
int mon_exit_pending(void);

/* mon_export: name this process as service `name` (core 0's monitor
 * keeps the names). 0, E_INVAL if the name is taken, or an error. */
int mon_export(const char *name);

/* mon_bind: connect to service `name` on whatever core it runs: *chan_va
 * gets a channel frame (from the server's partition) to use as side 1
 * with chan_init; *server_pid the server (its core: SYS_PID_CORE). 0, E_NOENT if no such service, or an error. */
int mon_bind(const char *name, void **chan_va, uint32_t *server_pid);

/* mon_connect: bind to service name (mon_bind), asking again while the
 * name is not exported yet, for at most wait_ns; b becomes a binding to
 * the server. 0, or the last error (E_NOENT: nobody exported it). */
int mon_connect(const char *name, uint64_t wait_ns, struct binding *b);

/* mon_accept: for a server: waits until a client has bound; *chan_va is
 * its channel (side 0), *client_pid the client. */
int mon_accept(void **chan_va, uint32_t *client_pid);

/* mon_accept_poll: like mon_accept but never waits (E_AGAIN). */
int mon_accept_poll(void **chan_va, uint32_t *client_pid);

/* mon_accept_client_poll: like mon_accept_poll, and *client_rights the
 * SYS_RIGHT_* the client holds, as the client's monitor vouched for them
 * (never the client's own word). */
int mon_accept_client_poll(void **chan_va, uint32_t *client_pid,
			   uint32_t *client_rights);

/* mon_wait_exit: waits until a program this process spawned exits;
 * returns 0 with its pid and status. E_UNSUPPORTED without a channel. */
int mon_wait_exit(uint32_t *pid, int64_t *status);

/* mon_wait_exit_ns: like mon_wait_exit, but gives up after wait_ns (0:
 * never) with E_TIMEOUT: for a caller that must not hang when an exit
 * note never comes (its monitor is silent, or the note was dropped). */
int mon_wait_exit_ns(uint64_t wait_ns, uint32_t *pid, int64_t *status);

/* mon_close: a client is done with the binding mon_bind or mon_connect
 * gave it at chan_va: the server is told (client_gone) and drops it.
 * E_NOENT if chan_va is no binding of ours. The channel is unmapped
 * (SYS_CHAN_CLOSE): nothing may touch it afterwards. */
int mon_close(void *chan_va);

/* mon_take_client_gone: for a server: a client closed the binding whose
 * channel is at *chan_va (the address its `bound` note gave), or ended;
 * E_AGAIN if no such note waits. Never waits. */
int mon_take_client_gone(void **chan_va, uint32_t *client_pid);
/* mon_gone_waiting: client_gone notes already read and not yet taken
 * (never polls: for a loop that polls the monitor channel anyway) */
int mon_gone_waiting(void);

/* mon_limits: how full core's tables are (the shell's `limits`). */
int mon_limits(uint32_t core, struct monitor_limits_reply *out);

/* mon_trace_op: a trace_req to core's monitor (the shell's `trace`;
 * admin only): req->core says which; by_* are filled in by the monitor */
int mon_trace_op(const struct monitor_trace_req *req,
		 struct monitor_trace_reply *out);

#endif
