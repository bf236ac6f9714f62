/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA translations a PCIe queue pair made recently. Applications reuse their buffers, so
 * most I/Os find every page here instead of asking the env (a lock or a memseg walk per call).
 * An entry counts only under the DMA generation it was made in (env/dma.h): any DMA allocation,
 * free or (un)registration anywhere turns every entry into a miss. Used by the queue pair's
 * owner only, like its rings.
 */
#ifndef SRT_NVME_PCIE_IOVA_CACHE_H
#define SRT_NVME_PCIE_IOVA_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env/dma.h"

#define PCIE_IOVA_CACHE_SLOTS 64u /* a power of two; slot = 4 KiB page number modulo this */

struct pcie_iova_cache_entry {
	uintptr_t va; /* start of the run */
	size_t len;   /* bytes IOVA-contiguous from va */
	uint64_t iova;
	uint64_t generation; /* 0: empty (the env's generation starts at 1) */
	bool ends;           /* the run really ends at va + len (not only what was asked) */
};

struct pcie_iova_cache {
	struct pcie_iova_cache_entry slot[PCIE_IOVA_CACHE_SLOTS];
};

/* The translation when the cache has none (or a run too short): asks the env, keeps the answer. */
uint64_t pcie_iova_miss(struct pcie_iova_cache *cache, const void *ptr, size_t *len);

/*
 * spdkrt_vtophys() through the cache: the IOVA of ptr (SPDKRT_IOVA_INVALID when it has none) and,
 * in *len (> 0 on entry), how many of the *len bytes from ptr stay IOVA-contiguous.
 */
static inline uint64_t pcie_iova_lookup(struct pcie_iova_cache *cache, const void *ptr, size_t *len)
{
	uintptr_t va = (uintptr_t)ptr;
	const struct pcie_iova_cache_entry *e =
		&cache->slot[(va >> 12) & (PCIE_IOVA_CACHE_SLOTS - 1)];
	size_t off = va - e->va;

	if (e->generation == srt_dma_generation() && off < e->len &&
	    (e->len - off >= *len || e->ends)) {
		if (e->len - off < *len)
			*len = e->len - off;
		return e->iova + off;
	}
	return pcie_iova_miss(cache, ptr, len);
}

#endif
