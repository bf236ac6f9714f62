/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller memory buffer: mapping, the controller's address for it, and a page allocator
 * whose pages come back on free, so queue pairs deleted and created again reuse their space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/nvme_spec.h>

#include "nvme/pcie_cmb.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

#define PCI_CFG_BAR0 0x10
#define PCI_BAR_IO 0x1u
#define PCI_BAR_TYPE_64 0x4u /* memory BAR type bits 2:1 = 10b */
#define PCI_BAR_FLAGS 0xFu

/* The bus address the BAR's memory answers at, from config space; 0 when unknown. */
static uint64_t bar_bus_addr(struct srt_pci_device *dev, uint32_t bar)
{
	uint32_t lo, hi = 0;

	if (srt_pci_cfg_read32(dev, &lo, PCI_CFG_BAR0 + 4 * bar) != 0 || (lo & PCI_BAR_IO))
		return 0;
	if ((lo & 0x6u) == PCI_BAR_TYPE_64 &&
	    (bar + 1 >= SRT_PCI_NUM_BARS ||
	     srt_pci_cfg_read32(dev, &hi, PCI_CFG_BAR0 + 4 * (bar + 1)) != 0))
		return 0;
	return (uint64_t)hi << 32 | (lo & ~PCI_BAR_FLAGS);
}

static int bitmaps_init(struct pcie_cmb *cmb)
{
	size_t words = (cmb->pages + 63) / 64;

	cmb->used = calloc(words, sizeof(uint64_t));
	cmb->first = calloc(words, sizeof(uint64_t));
	if (cmb->used == NULL || cmb->first == NULL) {
		free(cmb->used);
		free(cmb->first);
		cmb->used = cmb->first = NULL;
		return -ENOMEM;
	}
	return 0;
}

int pcie_cmb_map(struct pcie_cmb *cmb, struct srt_pci_device *dev, uint32_t cmbloc, uint32_t cmbsz,
		 const char *traddr)
{
	uint32_t bir = SPDKRT_NVME_GET(cmbloc, SPDKRT_NVME_CMBLOC_BIR);
	uint32_t szu = SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_SZU);
	uint64_t unit, size, offset, bar_size, bus;
	void *bar_va;
	int rc;

	memset(cmb, 0, sizeof(*cmb));
	if (SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_SZ) == 0)
		return 0;
	if (szu > 6 || bir == 1 || bir >= SRT_PCI_NUM_BARS) {
		SRT_WARN(
			"nvme %s: CMBSZ 0x%x / CMBLOC 0x%x describe no usable memory: CMB not used",
			traddr, cmbsz, cmbloc);
		return 0;
	}
	unit = 1ull << (12 + 4 * szu);
	size = SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_SZ) * unit;
	offset = SPDKRT_NVME_GET(cmbloc, SPDKRT_NVME_CMBLOC_OFST) * unit;
	rc = srt_pci_device_map_bar(dev, bir, &bar_va, &bar_size);
	if (rc != 0 || offset >= bar_size || size > bar_size - offset) {
		SRT_WARN(
			"nvme %s: CMB of %llu bytes at offset %llu does not fit BAR%u (rc %d, %llu "
			"bytes): CMB not used",
			traddr, (unsigned long long)size, (unsigned long long)offset, bir, rc,
			(unsigned long long)(rc == 0 ? bar_size : 0));
		if (rc == 0 && bir != 0)
			srt_pci_device_unmap_bar(dev, bir);
		return 0;
	}
	bus = bar_bus_addr(dev, bir);
	if (bus == 0 || ((bus + offset) & (PCIE_CMB_PAGE - 1)) != 0) {
		SRT_WARN("nvme %s: BAR%u has no usable bus address (0x%llx): CMB not used", traddr,
			 bir, (unsigned long long)bus);
		if (bir != 0)
			srt_pci_device_unmap_bar(dev, bir);
		return 0;
	}
	cmb->va = (uint8_t *)bar_va + offset;
	cmb->size = size;
	cmb->cba = bus + offset;
	cmb->cmbsz = cmbsz;
	cmb->bar = bir;
	cmb->pages = (uint32_t)(size / PCIE_CMB_PAGE);
	pthread_mutex_init(&cmb->lock, NULL);
	if (bitmaps_init(cmb) != 0) {
		pcie_cmb_unmap(cmb, dev);
		return -ENOMEM;
	}
	SRT_INFO("nvme %s: CMB of %llu KiB in BAR%u at controller address 0x%llx (SQS %u RDS %u "
		 "WDS %u)",
		 traddr, (unsigned long long)(size >> 10), bir, (unsigned long long)cmb->cba,
		 SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_SQS),
		 SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_RDS),
		 SPDKRT_NVME_GET(cmbsz, SPDKRT_NVME_CMBSZ_WDS));
	return 0;
}

void pcie_cmb_unmap(struct pcie_cmb *cmb, struct srt_pci_device *dev)
{
	if (cmb->va == NULL)
		return;
	if (cmb->bar != 0) /* BAR0 stays: it holds the registers */
		srt_pci_device_unmap_bar(dev, cmb->bar);
	pthread_mutex_destroy(&cmb->lock);
	free(cmb->used);
	free(cmb->first);
	memset(cmb, 0, sizeof(*cmb));
}

uint64_t pcie_cmb_cmbmsc(const struct pcie_cmb *cmb)
{
	/* CRE (bit 0) | CMSE (bit 1) | CBA (bits 63:12) */
	return cmb->cba | 0x3u;
}

static bool bit(const uint64_t *map, uint32_t i)
{
	return (map[i / 64] >> (i % 64)) & 1u;
}

static void set_bits(uint64_t *map, uint32_t from, uint32_t n, bool value)
{
	for (uint32_t i = from; i < from + n; i++) {
		if (value)
			map[i / 64] |= 1ull << (i % 64);
		else
			map[i / 64] &= ~(1ull << (i % 64));
	}
}

void *pcie_cmb_alloc(struct pcie_cmb *cmb, size_t size)
{
	uint64_t n = size / PCIE_CMB_PAGE + (size % PCIE_CMB_PAGE != 0);
	uint32_t run = 0;
	void *va = NULL;

	if (cmb->va == NULL || size == 0 || n > cmb->pages)
		return NULL;
	pthread_mutex_lock(&cmb->lock);
	for (uint32_t i = 0; i < cmb->pages; i++) {
		run = bit(cmb->used, i) ? 0 : run + 1;
		if (run == n) {
			uint32_t start = i + 1 - run;

			set_bits(cmb->used, start, run, true);
			set_bits(cmb->first, start, 1, true);
			va = cmb->va + (uint64_t)start * PCIE_CMB_PAGE;
			break;
		}
	}
	pthread_mutex_unlock(&cmb->lock);
	return va;
}

int pcie_cmb_free(struct pcie_cmb *cmb, void *va, size_t size)
{
	uint64_t off = (uintptr_t)va - (uintptr_t)cmb->va;
	uint64_t n = size / PCIE_CMB_PAGE + (size % PCIE_CMB_PAGE != 0);
	uint32_t start = (uint32_t)(off / PCIE_CMB_PAGE);
	bool ok;

	if (cmb->va == NULL || !pcie_cmb_contains(cmb, va) || off % PCIE_CMB_PAGE != 0 || n == 0 ||
	    n > cmb->pages - start) {
		SRT_ERR("nvme: %p (%zu bytes) is not a controller memory buffer allocation", va,
			size);
		return -EINVAL;
	}
	pthread_mutex_lock(&cmb->lock);
	/* Exactly one allocation: it starts here, spans n used pages, and the next page is not
	 * part of it (free, or the first of another). */
	ok = bit(cmb->first, start) &&
	     (start + n == cmb->pages || !bit(cmb->used, (uint32_t)(start + n)) ||
	      bit(cmb->first, (uint32_t)(start + n)));
	for (uint32_t i = start + 1; ok && i < start + n; i++)
		ok = bit(cmb->used, i) && !bit(cmb->first, i);
	if (ok) {
		set_bits(cmb->used, start, (uint32_t)n, false);
		set_bits(cmb->first, start, 1, false);
	}
	pthread_mutex_unlock(&cmb->lock);
	if (!ok) {
		SRT_ERR("nvme: %p (%zu bytes) does not match a controller memory buffer allocation",
			va, size);
		return -EINVAL;
	}
	return 0;
}
