// SPDX-License-Identifier: MIT
/*
 * hello [long]: says which core it runs on, then exits 0. With "long" it
 * also prints one line several console slots long, so tests can check
 * that lines arrive whole.
 */
#include <stdio.h>
#include <string.h>
#include <libos/sys.h>

int main(int argc, char **argv)
{
	struct sys_info in;

	if (sys_info(&in) < 0) {
		return 1;
	}
	printf("hello from core %u (pid 0x%x)\n", in.core_id, in.pid);
	if (argc > 1 && strcmp(argv[1], "long") == 0) {
		printf("long line from core %u: ", in.core_id);
		for (int i = 0; i < 15; i++) {
			printf("0123456789");
		}
		printf(" end\n");
	}
	return 0;
}
