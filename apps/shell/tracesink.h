/* temporary stub header (replaced by the driver helper's) */
#ifndef TRACESINK_H
#define TRACESINK_H
#include <stddef.h>
#include <stdint.h>
int trace_sink_open(void);
int trace_sink_write(const void *p, size_t n);
int trace_sink_sync(uint64_t *bytes);
void trace_sink_close(void);
#endif
