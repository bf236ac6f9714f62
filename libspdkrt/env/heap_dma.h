/* SPDX-License-Identifier: BSD-3-Clause */
/* The heap backend's DMA memory (env/heap_dma.c): an arena whose IOVAs differ from its VAs. */
#ifndef SRT_ENV_HEAP_DMA_H
#define SRT_ENV_HEAP_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reserve the arena (mem_size_mb, 0: 1 GiB of address space, committed only when touched). */
int srt_heap_dma_init(size_t mem_size_mb);
/* Release the arena and every registration, including buffers the caller leaked. */
void srt_heap_dma_fini(void);

/* Page-granular buffers; contig: one IOVA run, else every page's IOVA is apart. NULL if full. */
void *srt_heap_dma_malloc(size_t size, size_t align, bool contig);
/* False when buf is not the start of a buffer of the arena. */
bool srt_heap_dma_free(void *buf);
/* IOVA of ptr (inside a live buffer or region) and the contiguous bytes from it; else UINT64_MAX. */
uint64_t srt_heap_dma_translate(const void *ptr, size_t *contiguous);
/* User regions (already validated: 2 MiB multiples). -EEXIST overlap, -EINVAL inside the arena. */
int srt_heap_dma_register(void *vaddr, size_t len);
/* -ENOENT unless exactly one registered region. */
int srt_heap_dma_unregister(void *vaddr, size_t len);
/* VA of [iova, iova + len) when it is all DMA memory contiguous in VA; else NULL. */
void *srt_heap_dma_iova_to_vaddr(uint64_t iova, size_t len);

#endif
