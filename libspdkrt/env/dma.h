/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-DMA internals (never installed). The public side is in include/spdkrt/env.h:
 * spdkrt_dma_malloc_contig() (IOVA-contiguous), spdkrt_vtophys(ptr, &len) (IOVA plus the length
 * that stays contiguous from ptr, O(1) per page; SPDKRT_IOVA_INVALID for memory that is not
 * DMA-safe), spdkrt_mem_register()/spdkrt_mem_unregister() for an application's own buffers.
 *
 * The heap (test) backend gives IOVA != VA (pages scrambled on purpose; contig allocations are
 * contiguous in IOVA), so a driver that writes a virtual address where an IOVA belongs fails its
 * unit tests against the models.
 */
#ifndef SRT_ENV_DMA_H
#define SRT_ENV_DMA_H

#include <stddef.h>
#include <stdint.h>

/*
 * IOVA to virtual address, for model devices that "DMA" like hardware: NULL unless the whole
 * range [iova, iova + len) is DMA-safe memory that is also contiguous in VA.
 */
void *srt_dma_iova_to_vaddr(uint64_t iova, size_t len);

#endif
