/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller memory buffer of a PCIe controller: found from CMBLOC/CMBSZ, its BAR mapped,
 * addressed by the controller at CBA + offset (CMBMSC), and carved into 4 KiB pages that I/O
 * submission queues and data buffers take and give back (SPDK's bump allocator never freed).
 */
#ifndef SRT_NVME_PCIE_CMB_H
#define SRT_NVME_PCIE_CMB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env/pci.h"

#define PCIE_CMB_PAGE 4096u

struct pcie_cmb {
	uint8_t *va;    /* NULL: no usable CMB */
	uint64_t size;  /* bytes usable from va, a multiple of PCIE_CMB_PAGE */
	uint64_t cba;   /* controller address of va: what SQ bases, PRPs and SGLs carry */
	uint32_t cmbsz; /* CMBSZ as read at attach (its SQS/RDS/WDS bits) */
	uint32_t bar;
	pthread_mutex_t lock; /* allocations come from any thread */
	uint32_t pages;
	uint64_t *used;  /* bitmap: page taken */
	uint64_t *first; /* bitmap: page starts an allocation */
};

/*
 * Find and map the CMB CMBLOC/CMBSZ describe (read after CMBMSC.CRE). No CMB, or one the driver
 * cannot use (BAR absent, out of range, not a memory BAR, no bus address), leaves cmb->va NULL
 * with a log line and returns 0; -ENOMEM only for the allocator's bitmaps.
 */
int pcie_cmb_map(struct pcie_cmb *cmb, struct srt_pci_device *dev, uint32_t cmbloc, uint32_t cmbsz,
		 const char *traddr);
void pcie_cmb_unmap(struct pcie_cmb *cmb, struct srt_pci_device *dev);

/* CMBMSC with CRE, CMSE and CBA: written before every enable (a reset may clear it). */
uint64_t pcie_cmb_cmbmsc(const struct pcie_cmb *cmb);

/* size bytes rounded up to pages, first fit; NULL when the CMB is absent or has no such run. */
void *pcie_cmb_alloc(struct pcie_cmb *cmb, size_t size);
/* Give back what pcie_cmb_alloc(size) returned. -EINVAL (logged) for anything else. */
int pcie_cmb_free(struct pcie_cmb *cmb, void *va, size_t size);

static inline bool pcie_cmb_contains(const struct pcie_cmb *cmb, const void *va)
{
	return (uintptr_t)va - (uintptr_t)cmb->va < cmb->size;
}

/* The controller address of va (in the CMB), *len clipped to the CMB's end. */
static inline uint64_t pcie_cmb_addr(const struct pcie_cmb *cmb, const void *va, size_t *len)
{
	uint64_t off = (uintptr_t)va - (uintptr_t)cmb->va;

	if (*len > cmb->size - off)
		*len = cmb->size - off;
	return cmb->cba + off;
}

#endif
