// SPDX-License-Identifier: MIT
/* exit, abort and libos_fatal (see stdlib.h); malloc lives in malloc.c. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <libos/sys.h>

void libos_fatal(const char *what)
{
	fflush_stdout();
	sys_log(what, strlen(what));
	sys_exit(ABORT_STATUS);
}

void abort(void)
{
	libos_fatal("abort");
}

void exit(int status)
{
	fflush_stdout();
	sys_exit(status);
}
