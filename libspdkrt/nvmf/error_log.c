/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Error Information log page (01h): every command of a controller that completes with an
 * error status, on any of its queues, leaves an entry; the controller keeps the newest
 * SRT_NVMF_ERROR_LOG_ENTRIES and the host reads them newest first, each with its unique,
 * increasing error count.
 */
#include "nvmf/internal.h"

#include <string.h>

/* Transport type of the entries (TRTYPE, as in the discovery log). */
#define ERROR_TRTYPE_TCP 3u
/* No parameter is singled out. */
#define ERROR_LOCATION_NONE 0xffffu

static bool is_lba_command(const struct spdkrt_nvme_cmd *cmd, uint16_t qid)
{
	return qid != 0 &&
	       (cmd->opc == SPDKRT_NVME_OPC_READ || cmd->opc == SPDKRT_NVME_OPC_WRITE ||
		cmd->opc == SPDKRT_NVME_OPC_COMPARE || cmd->opc == SPDKRT_NVME_OPC_WRITE_ZEROES);
}

void srt_nvmf_ctrlr_record_error(struct srt_nvmf_ctrlr *ctrlr, const struct srt_nvmf_req *req)
{
	struct spdkrt_nvmf_tgt *tgt = ctrlr->subsys->tgt;
	const struct spdkrt_nvme_cmd *cmd = &req->cmd;
	struct spdkrt_nvme_error_information_entry e;

	memset(&e, 0, sizeof(e));
	e.sqid = req->qpair->qid;
	e.cid = cmd->cid;
	e.status = req->cpl.status;
	e.error_location = ERROR_LOCATION_NONE;
	e.nsid = cmd->opc == SPDKRT_NVME_OPC_FABRIC ? 0 : cmd->nsid;
	if (is_lba_command(cmd, e.sqid))
		e.lba = (uint64_t)cmd->cdw11 << 32 | cmd->cdw10;
	e.trtype = ERROR_TRTYPE_TCP;
	pthread_mutex_lock(&tgt->lock);
	e.error_count = ++ctrlr->error_count;
	ctrlr->errors[(e.error_count - 1) % SRT_NVMF_ERROR_LOG_ENTRIES] = e;
	pthread_mutex_unlock(&tgt->lock);
}

void srt_nvmf_ctrlr_error_log(struct srt_nvmf_ctrlr *ctrlr,
			      struct spdkrt_nvme_error_information_entry *page)
{
	struct spdkrt_nvmf_tgt *tgt = ctrlr->subsys->tgt;
	uint64_t count;
	unsigned n;

	memset(page, 0, SRT_NVMF_ERROR_LOG_ENTRIES * sizeof(*page));
	pthread_mutex_lock(&tgt->lock);
	count = ctrlr->error_count;
	n = count < SRT_NVMF_ERROR_LOG_ENTRIES ? (unsigned)count : SRT_NVMF_ERROR_LOG_ENTRIES;
	for (unsigned i = 0; i < n; i++)
		page[i] = ctrlr->errors[(count - 1 - i) % SRT_NVMF_ERROR_LOG_ENTRIES];
	pthread_mutex_unlock(&tgt->lock);
}
