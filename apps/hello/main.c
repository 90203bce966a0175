// SPDX-License-Identifier: MIT
/*
 * hello [long | flood N | exit N]: says which core it runs on, then exits 0. With
 * "long" it also prints one line several console slots long, so tests can
 * check that lines arrive whole; with "flood N" it prints N such lines as
 * fast as it can (more than the console ring holds: some are dropped and
 * counted, none may arrive cut), then "flood from core K done"; with
 * "exit N" it exits with status N.
 */
#include <stdio.h>
#include <string.h>
#include <parse.h>
#include <libos/sys.h>

static void long_line(uint32_t core)
{
	printf("long line from core %u: ", core);
	for (int i = 0; i < 15; i++) {
		printf("0123456789");
	}
	printf(" end\n");
}

static int usage(void)
{
	printf("usage: hello [long | flood N | exit N]\n");
	return 2;
}

/* flood_done: the flood's last line, which says every line before it was
 * written, must not be dropped like those: offered again until the
 * console has room (for at most a minute) */
static void flood_done(uint32_t core)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "flood from core %u done\n", core);

	for (int i = 0; i < 6000 && sys_log(line, (size_t)n) == E_FULL; i++) {
		sys_wait(10000000);
	}
}

int main(int argc, char **argv)
{
	struct sys_info in;
	uint64_t n;

	if (sys_info(&in) < 0) {
		return 1;
	}
	printf("hello from core %u (pid 0x%x)\n", in.core_id, in.pid);
	if (argc > 1 && strcmp(argv[1], "long") == 0) {
		long_line(in.core_id);
	}
	if (argc > 2 && strcmp(argv[1], "flood") == 0) {
		if (parse_u64(argv[2], 10, UINT64_MAX, &n) < 0) {
			return usage();
		}
		for (uint64_t i = 0; i < n && i < 1000000; i++) {
			long_line(in.core_id);
		}
		flood_done(in.core_id);
	}
	if (argc > 2 && strcmp(argv[1], "exit") == 0) {
		if (parse_u64(argv[2], 10, INT32_MAX, &n) < 0) {
			return usage();
		}
		return (int)n;
	}
	return 0;
}
