/* SPDX-License-Identifier: BSD-3-Clause */
/* The DPDK backend's device-DMA side (env/dpdk_dma.c); no DPDK type crosses this header. */
#ifndef SRT_ENV_DPDK_DMA_H
#define SRT_ENV_DPDK_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *srt_dpdk_dma_malloc(size_t size, size_t align, int socket, bool contig);
void srt_dpdk_dma_free(void *buf);
uint64_t srt_dpdk_dma_translate(const void *ptr, size_t want, size_t *contiguous);
int srt_dpdk_mem_register(void *vaddr, size_t len);
int srt_dpdk_mem_unregister(void *vaddr, size_t len);
void *srt_dpdk_iova_to_vaddr(uint64_t iova, size_t len);
/* Map every registered region into DPDK's VFIO container (after a function joined it). */
void srt_dpdk_mem_map_registered(void);
/* Release what fini must (contig zones the caller leaked, registrations). */
void srt_dpdk_dma_fini(void);

#endif
