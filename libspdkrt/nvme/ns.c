/* SPDX-License-Identifier: BSD-3-Clause */
/* Namespaces: what the identify data says, checked before the driver relies on it. */
#include <errno.h>
#include <string.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static int fill_ns(struct spdkrt_nvme_ns *ns, const struct spdkrt_nvme_ns_data *data)
{
	const struct spdkrt_nvme_ctrlr *ctrlr = ns->ctrlr;
	uint32_t index = SPDKRT_NVME_GET(data->flbas, SPDKRT_NVME_FLBAS_FORMAT);
	const struct spdkrt_nvme_lba_format *lbaf = &data->lbaf[index];
	uint32_t block;

	ns->data = *data;
	ns->usable = false;
	if (data->nsze == 0)
		return -ENODEV; /* inactive */
	if (index > data->nlbaf || lbaf->lbads < 9 || lbaf->lbads > 16) {
		SRT_ERR("nvme %s: namespace %u: impossible LBA format %u (of %u, 2^%u bytes): "
			"namespace ignored",
			ctrlr->trid.traddr, ns->id, index, data->nlbaf + 1u, lbaf->lbads);
		return -EINVAL;
	}
	ns->sector_size = 1u << lbaf->lbads;
	ns->md_size = lbaf->ms;
	ns->extended = SPDKRT_NVME_GET(data->flbas, SPDKRT_NVME_FLBAS_EXTENDED) != 0;
	ns->extended_lba_size = ns->sector_size + (ns->extended ? ns->md_size : 0);
	ns->pi_type = ns->md_size >= 8 ? SPDKRT_NVME_GET(data->dps, SPDKRT_NVME_DPS_PIT) : 0;
	ns->num_sectors = data->nsze;
	block = ns->extended_lba_size;
	ns->sectors_per_max_io = ctrlr->max_xfer_size / block;
	if (ns->sectors_per_max_io == 0) {
		SRT_ERR("nvme %s: namespace %u: a block (%u bytes) exceeds the largest transfer "
			"(%u): namespace ignored",
			ctrlr->trid.traddr, ns->id, block, ctrlr->max_xfer_size);
		return -EINVAL;
	}
	if (ns->sectors_per_max_io > SPDKRT_NVME_MAX_NLB)
		ns->sectors_per_max_io = SPDKRT_NVME_MAX_NLB;
	ns->sectors_per_stripe = 0;
	if (ctrlr->quirks & NVME_QUIRK_INTEL_STRIPING) {
		uint32_t stripe = ctrlr->cdata.vs[3];

		if (stripe != 0 && stripe < 16)
			ns->sectors_per_stripe = (ctrlr->page_size << stripe) / ns->sector_size;
	}
	ns->usable = true;
	return 0;
}

/*
 * I/O threads read the namespace while a reset or rescan identifies it again: it is written
 * only when something changed, so an unchanged namespace is never written under them.
 */
int nvme_ns_update(struct spdkrt_nvme_ns *ns, const struct spdkrt_nvme_ns_data *data)
{
	struct spdkrt_nvme_ns n = *ns;
	int rc = fill_ns(&n, data);

	if (memcmp(&n, ns, sizeof(n)) != 0)
		*ns = n;
	return rc;
}

uint32_t spdkrt_nvme_ns_get_id(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->id;
}

struct spdkrt_nvme_ctrlr *spdkrt_nvme_ns_get_ctrlr(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? NULL : ns->ctrlr;
}

const struct spdkrt_nvme_ns_data *spdkrt_nvme_ns_get_data(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? NULL : &ns->data;
}

uint32_t spdkrt_nvme_ns_get_sector_size(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->sector_size;
}

uint32_t spdkrt_nvme_ns_get_extended_sector_size(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->extended_lba_size;
}

uint32_t spdkrt_nvme_ns_get_md_size(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->md_size;
}

bool spdkrt_nvme_ns_supports_extended_lba(const struct spdkrt_nvme_ns *ns)
{
	return ns != NULL && ns->extended;
}

uint32_t spdkrt_nvme_ns_get_pi_type(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->pi_type;
}

uint64_t spdkrt_nvme_ns_get_num_sectors(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->num_sectors;
}

uint64_t spdkrt_nvme_ns_get_size(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->num_sectors * ns->sector_size;
}

uint32_t spdkrt_nvme_ns_get_max_io_sectors(const struct spdkrt_nvme_ns *ns)
{
	return ns == NULL ? 0 : ns->sectors_per_max_io;
}
