// SPDX-License-Identifier: MIT
/* fault: writes through a null pointer. Its core must report the page
 * fault, kill it, and keep running everything else. */
#include <stdio.h>
#include <stdint.h>

/* the address is computed at run time so the compiler cannot prove the
 * write is undefined and drop it */
static volatile uintptr_t target;

int main(int argc, char **argv)
{
	volatile int *p;

	(void)argc;
	(void)argv;
	p = (volatile int *)target;
	printf("fault: about to write to %p\n", (void *)p);
	*p = 42;
	printf("fault: still alive?!\n");
	return 1;
}
