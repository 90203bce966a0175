// SPDX-License-Identifier: MIT
/*
 * mute: a marker for tests of deadlines. A core whose manifest entries
 * start `mute` has a monitor that never reads its links (monitor/mesh.c,
 * mute_check): every other monitor sees it silent. The program itself
 * only says so and ends. Only test images hold it, so no manifest of
 * build/os.iso can name it.
 */
#include <libos/sys.h>
#include <stdio.h>

int main(void)
{
	struct sys_info in;

	if (sys_info(&in) < 0) {
		return 1;
	}
	printf("mute: the monitor of core %u answers no other monitor\n",
	       in.core_id);
	return 0;
}
