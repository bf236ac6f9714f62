/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe statuses and the errnos bdev callbacks get: one table, read both ways (documented with
 * spdkrt_bdev_nvme_status_to_errno in bdev.h).
 */
#include <errno.h>
#include <stddef.h>

#include <spdkrt/bdev.h>
#include <spdkrt/nvme_spec.h>

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

static const struct {
	uint8_t sct, sc;
	int error;
} g_table[] = {
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS, 0 },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_OPCODE, -EOPNOTSUPP },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_FIELD, -EINVAL },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_ABORTED_BY_REQUEST, -ECANCELED },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_ABORTED_SQ_DELETION, -ECANCELED },
	{ SPDKRT_NVME_SCT_PATH, SPDKRT_NVME_SC_ABORTED_BY_HOST, -ECANCELED },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT, -ENODEV },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_NAMESPACE_IS_WRITE_PROTECTED, -EACCES },
	{ SPDKRT_NVME_SCT_MEDIA_ERROR, SPDKRT_NVME_SC_ACCESS_DENIED, -EACCES },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_LBA_OUT_OF_RANGE, -ERANGE },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_CAPACITY_EXCEEDED, -ENOSPC },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_NAMESPACE_NOT_READY, -EAGAIN },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_RESERVATION_CONFLICT, -EBUSY },
	{ SPDKRT_NVME_SCT_MEDIA_ERROR, SPDKRT_NVME_SC_COMPARE_FAILURE, -EILSEQ },
	{ SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR, -EIO },
};

#define TABLE_SIZE (sizeof(g_table) / sizeof(g_table[0]))

int spdkrt_bdev_nvme_status_to_errno(const struct spdkrt_bdev_nvme_status *status)
{
	if (status == NULL) {
		SRT_ERR("spdkrt_bdev_nvme_status_to_errno: status is NULL");
		return -EINVAL;
	}
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (g_table[i].sct == status->sct && g_table[i].sc == status->sc)
			return g_table[i].error;
	}
	return -EIO;
}

void spdkrt_bdev_nvme_status_from_errno(int error, struct spdkrt_bdev_nvme_status *status)
{
	if (status == NULL) {
		SRT_ERR("spdkrt_bdev_nvme_status_from_errno: status is NULL");
		return;
	}
	status->cdw0 = 0;
	status->reserved = 0;
	status->sct = SPDKRT_NVME_SCT_GENERIC;
	status->sc = SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR;
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (g_table[i].error == error) {
			status->sct = g_table[i].sct;
			status->sc = g_table[i].sc;
			break;
		}
	}
	/* retryable: resources, not ready, aborted; success has no DNR */
	status->dnr = !(error == 0 || error == -ENOMEM || error == -EAGAIN || error == -ECANCELED);
}
