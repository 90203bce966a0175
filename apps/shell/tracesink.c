#include "tracesink.h"
#include <stdio.h>
static uint64_t total, sum;
int trace_sink_open(void) { return 0; }
int trace_sink_write(const void *p, size_t n) { const unsigned char *q = p; for (size_t i = 0; i < n; i++) sum = sum * 31 + q[i]; total += n; return 0; }
int trace_sink_sync(uint64_t *bytes) { *bytes = total; printf("stub sink: %llu bytes sum %llx\n", (unsigned long long)total, (unsigned long long)sum); return 0; }
void trace_sink_close(void) {}
