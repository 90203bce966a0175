// SPDX-License-Identifier: MIT
/* hello: says which core it runs on, then exits 0. */
#include <stdio.h>
#include <libos/sys.h>

int main(int argc, char **argv)
{
	struct sys_info in;

	(void)argc;
	(void)argv;
	if (sys_info(&in) < 0) {
		return 1;
	}
	printf("hello from core %u (pid 0x%x)\n", in.core_id, in.pid);
	return 0;
}
