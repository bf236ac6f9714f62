/* SPDX-License-Identifier: BSD-3-Clause */
/* Recent IOVA translations of a PCIe queue pair (see pcie_iova_cache.h). */
#include <spdkrt/env.h>

#include "nvme/pcie_iova_cache.h"

/* Asked of the env on a miss, so a later, larger I/O in the same buffer hits too. */
#define MIN_RUN ((size_t)2 << 20)

uint64_t pcie_iova_miss(struct pcie_iova_cache *cache, const void *ptr, size_t *len)
{
	uintptr_t va = (uintptr_t)ptr;
	struct pcie_iova_cache_entry *e = &cache->slot[(va >> 12) & (PCIE_IOVA_CACHE_SLOTS - 1)];
	/* Read before translating: a move during the translation leaves the entry stale, not wrong. */
	uint64_t generation = srt_dma_generation();
	size_t want = *len, ask = want > MIN_RUN ? want : MIN_RUN, run = ask;
	uint64_t iova = spdkrt_vtophys(ptr, &run);

	if (iova == SPDKRT_IOVA_INVALID) {
		*len = 0;
		return iova;
	}
	*e = (struct pcie_iova_cache_entry){
		.va = va,
		.len = run,
		.iova = iova,
		.generation = generation,
		.ends = run < ask,
	};
	*len = run < want ? run : want;
	return iova;
}
