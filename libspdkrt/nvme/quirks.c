/* SPDX-License-Identifier: BSD-3-Clause */
/* Controller quirks by PCI ids: the first matching row wins (0xFFFF matches any value). */
#include "nvme/internal.h"

struct quirk_row {
	struct spdkrt_pci_id id;
	uint32_t quirks;
};

#define ANY SPDKRT_PCI_ANY_ID

static const struct quirk_row g_quirks[] = {
	/* Intel DC P3700 family: latency logs on some OEM boards, 128 KiB striping on all. */
	{ { 0x8086, 0x0953, 0x8086, 0x3702, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, 0x8086, 0x3703, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, 0x8086, 0x3704, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, 0x8086, 0x3705, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, 0x8086, 0x3709, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, 0x8086, 0x370a, 0 },
	  NVME_QUIRK_INTEL_READ_LATENCY | NVME_QUIRK_INTEL_WRITE_LATENCY |
		  NVME_QUIRK_INTEL_STRIPING },
	{ { 0x8086, 0x0953, ANY, ANY, 0 }, NVME_QUIRK_INTEL_STRIPING },
	/* Memblaze PBlaze: registers must not be touched right after CC.EN = 0. */
	{ { 0x1c5f, 0x0540, ANY, ANY, 0 }, NVME_QUIRK_DELAY_BEFORE_CHK_RDY },
};

static bool field_matches(uint16_t want, uint16_t have)
{
	return want == ANY || want == have;
}

uint32_t nvme_quirks_lookup(const struct spdkrt_pci_id *id)
{
	if (id == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(g_quirks) / sizeof(g_quirks[0]); i++) {
		const struct spdkrt_pci_id *q = &g_quirks[i].id;

		if (field_matches(q->vendor_id, id->vendor_id) &&
		    field_matches(q->device_id, id->device_id) &&
		    field_matches(q->subvendor_id, id->subvendor_id) &&
		    field_matches(q->subdevice_id, id->subdevice_id))
			return g_quirks[i].quirks;
	}
	return 0;
}
