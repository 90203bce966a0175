// SPDX-License-Identifier: MIT
/*
 * A stand-in for the monitor in host tests of the network code: it knows
 * one service: mon_bind("net") makes a zeroed channel frame, attaches the
 * server side to the socket server (netsrv_attach) and returns the client
 * side.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libos/sys.h>
#include <libos/mon.h>
#include <monitor_if.h>
#include "server.h"

#define FAKE_CLIENT_PID 0x10005u
#define FAKE_SERVER_PID 0x00007u

/* the monitor: one service, "net", served in this process */
static void *frames[16];
static bool closed[16]; /* the client closed its end (mon_close) */
static int nframes;
int host_net_up = 1;

/* host_mon_open: bindings made and not closed by the client */
int host_mon_open(void)
{
	int n = 0;

	for (int i = 0; i < nframes; i++) {
		n += !closed[i];
	}
	return n;
}

int mon_close(void *chan_va)
{
	for (int i = 0; i < nframes; i++) {
		if (frames[i] == chan_va && !closed[i]) {
			closed[i] = true;
			return 0;
		}
	}
	return E_NOENT;
}

int mon_bind(const char *name, void **chan_va, uint32_t *server_pid)
{
	void *f;

	if (strcmp(name, "net") != 0 || !host_net_up || nframes == 16) {
		return E_NOENT;
	}
	/* a new bind is a new server: what the old one had is gone */
	netsrv_detach(FAKE_CLIENT_PID);
	f = aligned_alloc(4096, 4096);
	memset(f, 0, 4096);
	closed[nframes] = false;
	frames[nframes++] = f;
	if (netsrv_attach(f, FAKE_CLIENT_PID) < 0) {
		return E_NOMEM;
	}
	*chan_va = f;
	*server_pid = FAKE_SERVER_PID;
	return 0;
}

int mon_services(struct monitor_services_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (host_net_up) {
		snprintf(out->list, sizeof(out->list), "net@0/0x%x",
			 FAKE_SERVER_PID);
	}
	return 0;
}

/* no monitor channel here: nothing to poll, and no core is ever lost */
struct binding *mon_binding(void)
{
	return NULL;
}

void mon_poll(void)
{
}

int mon_core_lost(uint32_t core)
{
	(void)core;
	return 0;
}

void host_os_free(void)
{
	for (int i = 0; i < nframes; i++) {
		free(frames[i]);
	}
	nframes = 0;
}
