// SPDX-License-Identifier: MIT
/*
 * listenq: a library the network suite preloads into QEMU (LD_PRELOAD).
 *
 * QEMU's user network (libslirp) listens for a host port forward with a
 * backlog of 1. Of wrk's 16 connections opened at once the host kernel
 * then drops most handshakes, and their first requests wait for 1 s
 * steps of retransmission: a tail of the emulator's front door, not of
 * the server behind it (docs/benchmarks.md, "Network"). Here a listen()
 * with a smaller backlog gets LISTENQ_MIN. The suite runs every server
 * it measures, ours and the Linux guest's, under it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

#define LISTENQ_MIN 128

int listen(int fd, int backlog)
{
	static int (*next)(int, int);

	if (!next) {
		next = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
		if (!next) {
			errno = ENOSYS;
			return -1;
		}
	}
	return next(fd, backlog < LISTENQ_MIN ? LISTENQ_MIN : backlog);
}
