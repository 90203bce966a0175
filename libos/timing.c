// SPDX-License-Identifier: MIT
/* Sorting benchmark samples (contract in libos/timing.h). */
#include <libos/timing.h>

void timing_sort(uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}
