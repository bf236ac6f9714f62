/* SPDX-License-Identifier: BSD-3-Clause */
/* PCIe data pointers: PRP lists and SGLs built from a request's payload, page by page. */
#ifndef SRT_NVME_PCIE_DATA_H
#define SRT_NVME_PCIE_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "nvme/internal.h"
#include "nvme/pcie_cmb.h"

/* page_size arguments are powers of two (masks, no division, on the I/O path). */

/* Entries of one PRP list page (4 KiB / 8); SGL descriptors in the same page (4 KiB / 16). */
#define PCIE_MAX_PRP_ENTRIES 512u
#define PCIE_MAX_SGL_DESCRIPTORS 256u

/*
 * How the general builders translate: the env's IOVA, or for memory in the controller's CMB
 * (cmb not NULL) the controller's address of it. They record which kinds the command used.
 */
struct pcie_xlate {
	const struct pcie_cmb *cmb;
	bool host;
	bool in_cmb;
};

/*
 * Fill cmd's PRP1/PRP2 (and the list page at list/list_iova) for size bytes from it.
 * @return 0, -EFAULT (memory without an IOVA), -EINVAL (a shape PRPs cannot describe: a first
 *	address not dword aligned, or a gap that does not fall on page boundaries), -E2BIG.
 */
int pcie_build_prps(struct spdkrt_nvme_cmd *cmd, struct nvme_sge_iter *it, uint32_t size,
		    uint64_t *list, uint64_t list_iova, uint32_t page_size, struct pcie_xlate *x);

/*
 * The common case: a virtually contiguous buffer, one translation per IOVA run (one for memory
 * that is IOVA-contiguous, one per page at worst). Fills cmd's PRPs (and the list) and returns
 * true; false when PRPs cannot describe it (not dword aligned, a run that ends inside a page, too
 * many entries, memory in a CMB): then pcie_build_prps() walks it and reports the reason.
 */
bool pcie_prps_contig(struct spdkrt_nvme_cmd *cmd, void *buf, uint32_t size, uint64_t *list,
		      uint64_t list_iova, uint32_t page_size);

/*
 * Fill cmd's SGL1 with one data block, or a last segment of up to 256 data blocks in the list
 * page. dword_aligned: the controller needs dword-aligned addresses and lengths.
 * @return 0, -EFAULT, -EINVAL, -E2BIG.
 */
int pcie_build_sgl(struct spdkrt_nvme_cmd *cmd, struct nvme_sge_iter *it, uint32_t size,
		   uint64_t *list, uint64_t list_iova, bool dword_aligned, struct pcie_xlate *x);

#endif
