/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK backend's device-DMA side: IOVA-contiguous buffers from memzones, virtual-to-IOVA
 * translation with the contiguous length (one memseg lookup per page walked), and application
 * memory registered as DPDK external memory with the IOVA of each 2 MiB page.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_vfio.h>

#include <spdkrt/env.h>

#include "env/dpdk_dma.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

#define HUGEPAGE_2M ((size_t)2 << 20)

struct contig_zone {
	struct contig_zone *next;
	const struct rte_memzone *mz;
};

/* An application region and the IOVA of each of its 2 MiB pages. */
struct registered_region {
	struct registered_region *next;
	char *va;
	size_t len;
	rte_iova_t iovas[];
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct contig_zone *g_zones;
static uint64_t g_zone_seq;
static struct registered_region *g_regions;

/* Memzones, unlike rte_malloc, can promise one IOVA run; they need unique names. */
static void *contig_malloc(size_t size, size_t align, int socket)
{
	struct contig_zone *z = calloc(1, sizeof(*z));
	char name[RTE_MEMZONE_NAMESIZE];

	if (z == NULL)
		return NULL;
	pthread_mutex_lock(&g_lock);
	snprintf(name, sizeof(name), "srt_contig_%llu", (unsigned long long)g_zone_seq++);
	z->mz = rte_memzone_reserve_aligned(name, size, socket, RTE_MEMZONE_IOVA_CONTIG,
					    (unsigned)align);
	if (z->mz == NULL) {
		pthread_mutex_unlock(&g_lock);
		free(z);
		return NULL;
	}
	z->next = g_zones;
	g_zones = z;
	pthread_mutex_unlock(&g_lock);
	return z->mz->addr;
}

void *srt_dpdk_dma_malloc(size_t size, size_t align, int socket, bool contig)
{
	if (contig)
		return contig_malloc(size, align, socket);
	return rte_malloc_socket(NULL, size, (unsigned)align, socket);
}

void srt_dpdk_dma_free(void *buf)
{
	struct contig_zone **link, *found = NULL;

	pthread_mutex_lock(&g_lock);
	for (link = &g_zones; *link != NULL; link = &(*link)->next) {
		if ((*link)->mz->addr == buf) {
			found = *link;
			*link = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	if (found == NULL) {
		rte_free(buf);
		return;
	}
	rte_memzone_free(found->mz);
	free(found);
}

/* IOVA of p inside its memseg, or RTE_BAD_IOVA; *left: bytes to the memseg's end. */
static rte_iova_t memseg_iova(const char *p, size_t *left)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);
	size_t off;

	if (ms == NULL || ms->iova == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	off = (size_t)(p - (const char *)ms->addr);
	*left = ms->len - off;
	return ms->iova + off;
}

uint64_t srt_dpdk_dma_translate(const void *ptr, size_t want, size_t *contiguous)
{
	const char *p = ptr;
	size_t left = 0, total;
	rte_iova_t iova = memseg_iova(p, &left);

	if (iova == RTE_BAD_IOVA)
		return SPDKRT_IOVA_INVALID;
	total = left;
	while (total < want) { /* the next memseg continues the run only if its IOVA follows */
		size_t next_left = 0;
		rte_iova_t next = memseg_iova(p + total, &next_left);

		if (next != iova + total)
			break;
		total += next_left;
	}
	*contiguous = total;
	return iova;
}

/*
 * DPDK's VFIO container maps DPDK's own memory, never external memory: map each page of a region
 * ourselves. Before any function is set up the container has no IOMMU yet and this fails; the
 * vfio provider calls srt_dpdk_mem_map_registered() after each setup, and a mapping that already
 * exists is not an error.
 */
static void vfio_map_region(const struct registered_region *r, bool map)
{
	size_t npages = r->len / HUGEPAGE_2M;

	if (rte_vfio_is_enabled("vfio") == 0)
		return;
	for (size_t i = 0; i < npages; i++) {
		uint64_t va = (uint64_t)(uintptr_t)(r->va + i * HUGEPAGE_2M);

		if (map)
			rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD, va, r->iovas[i],
						   HUGEPAGE_2M);
		else
			rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD, va, r->iovas[i],
						     HUGEPAGE_2M);
	}
}

void srt_dpdk_mem_map_registered(void)
{
	pthread_mutex_lock(&g_lock);
	for (const struct registered_region *r = g_regions; r != NULL; r = r->next)
		vfio_map_region(r, true);
	pthread_mutex_unlock(&g_lock);
}

/* The IOVA of each 2 MiB page: its VA, or with IOVA = PA its physical address (pinned). */
static int page_iovas(struct registered_region *r, bool pa)
{
	for (size_t i = 0; i < r->len / HUGEPAGE_2M; i++) {
		char *page = r->va + i * HUGEPAGE_2M;

		if (!pa) {
			r->iovas[i] = (rte_iova_t)(uintptr_t)page;
			continue;
		}
		r->iovas[i] = rte_mem_virt2phy(page);
		/* A 2 MiB page is one physical run; ordinary 4 KiB pages are not. */
		if (r->iovas[i] == RTE_BAD_IOVA || rte_mem_virt2phy(page + HUGEPAGE_2M - 4096) !=
							   r->iovas[i] + HUGEPAGE_2M - 4096) {
			SRT_ERR("spdkrt_mem_register: %p is not hugepage-backed memory (IOVA = PA "
				"needs physically contiguous 2 MiB pages)",
				(void *)page);
			return -EINVAL;
		}
	}
	return 0;
}

int srt_dpdk_mem_register(void *vaddr, size_t len)
{
	size_t npages = len / HUGEPAGE_2M;
	struct registered_region *r = calloc(1, sizeof(*r) + npages * sizeof(r->iovas[0]));
	bool pa = rte_eal_iova_mode() == RTE_IOVA_PA;
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->va = vaddr;
	r->len = len;
	/* With IOVA = PA the pages must stay where they are. */
	if (pa && mlock(vaddr, len) != 0) {
		rc = -errno;
		free(r);
		return rc;
	}
	rc = page_iovas(r, pa);
	if (rc == 0 &&
	    rte_extmem_register(vaddr, len, r->iovas, (unsigned)npages, HUGEPAGE_2M) != 0)
		rc = rte_errno == EEXIST ? -EEXIST : -(rte_errno != 0 ? rte_errno : EINVAL);
	if (rc != 0) {
		if (pa)
			munlock(vaddr, len);
		free(r);
		return rc;
	}
	pthread_mutex_lock(&g_lock);
	r->next = g_regions;
	g_regions = r;
	vfio_map_region(r, true);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

int srt_dpdk_mem_unregister(void *vaddr, size_t len)
{
	struct registered_region **link, *r = NULL;

	pthread_mutex_lock(&g_lock);
	for (link = &g_regions; *link != NULL; link = &(*link)->next) {
		if ((*link)->va == vaddr && (*link)->len == len) {
			r = *link;
			*link = r->next;
			break;
		}
	}
	if (r != NULL)
		vfio_map_region(r, false);
	pthread_mutex_unlock(&g_lock);
	if (r == NULL)
		return -ENOENT;
	rte_extmem_unregister(vaddr, len);
	if (rte_eal_iova_mode() == RTE_IOVA_PA)
		munlock(vaddr, len);
	free(r);
	return 0;
}

void *srt_dpdk_iova_to_vaddr(uint64_t iova, size_t len)
{
	char *va = rte_mem_iova2virt(iova);
	size_t contiguous = 0;

	if (va == NULL || srt_dpdk_dma_translate(va, len, &contiguous) != iova || contiguous < len)
		return NULL;
	return va;
}

void srt_dpdk_dma_fini(void)
{
	pthread_mutex_lock(&g_lock);
	while (g_regions != NULL) { /* left registered by the caller */
		struct registered_region *r = g_regions;

		g_regions = r->next;
		rte_extmem_unregister(r->va, r->len);
		free(r);
	}
	while (g_zones != NULL) {
		struct contig_zone *z = g_zones;

		g_zones = z->next;
		rte_memzone_free(z->mz);
		free(z);
	}
	pthread_mutex_unlock(&g_lock);
}
