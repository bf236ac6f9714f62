/* SPDX-License-Identifier: BSD-3-Clause */
/* I/O data buffers in a controller memory buffer: the public entry points over the transport. */
#include <errno.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

void *spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr, size_t size)
{
	if (ctrlr == NULL || size == 0) {
		nvme_bad_arg(__func__, "ctrlr is NULL or size is 0");
		return NULL;
	}
	if (ctrlr->transport->cmb_alloc == NULL) {
		SRT_ERR("%s: nvme %s: the %s transport has no controller memory buffer", __func__,
			ctrlr->trid.traddr, ctrlr->transport->name);
		return NULL;
	}
	return ctrlr->transport->cmb_alloc(ctrlr, size);
}

int spdkrt_nvme_ctrlr_free_cmb_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr, void *buf, size_t size)
{
	if (ctrlr == NULL || buf == NULL)
		return nvme_bad_arg(__func__, "ctrlr or buf is NULL");
	if (ctrlr->transport->cmb_free == NULL)
		return nvme_bad_arg(__func__, "the transport has no controller memory buffer");
	return ctrlr->transport->cmb_free(ctrlr, buf, size);
}
