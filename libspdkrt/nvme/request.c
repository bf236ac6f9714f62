/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests: a fixed pool per queue pair (sized by its options, never shared), and what happens
 * when a command completes: retry of a retryable status, the parent of split I/O, the copy out
 * of a bounce buffer, and the caller's callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

int nvme_qpair_init_requests(struct spdkrt_nvme_qpair *qpair, uint32_t num_requests)
{
	TAILQ_INIT(&qpair->free_req);
	TAILQ_INIT(&qpair->outstanding);
	TAILQ_INIT(&qpair->queued);
	qpair->requests = calloc(num_requests, sizeof(*qpair->requests));
	if (qpair->requests == NULL)
		return -ENOMEM;
	qpair->num_requests = num_requests;
	for (uint32_t i = 0; i < num_requests; i++)
		TAILQ_INSERT_TAIL(&qpair->free_req, &qpair->requests[i], link);
	return 0;
}

void nvme_qpair_fini_requests(struct spdkrt_nvme_qpair *qpair)
{
	for (uint32_t i = 0; i < qpair->num_requests; i++)
		spdkrt_dma_free(qpair->requests[i].bounce);
	free(qpair->requests);
	qpair->requests = NULL;
}

void nvme_request_free(struct nvme_request *req)
{
	if (req->bounce != NULL) {
		spdkrt_dma_free(req->bounce);
		req->bounce = NULL;
	}
	TAILQ_INSERT_HEAD(&req->qpair->free_req, req, link);
}

/* Statuses worth sending again when DNR is clear (the device says it may succeed later). */
static bool status_is_retryable(uint16_t status)
{
	uint32_t sct = SPDKRT_NVME_GET(status, SPDKRT_NVME_STATUS_SCT);
	uint32_t sc = SPDKRT_NVME_GET(status, SPDKRT_NVME_STATUS_SC);

	if (SPDKRT_NVME_GET(status, SPDKRT_NVME_STATUS_DNR))
		return false;
	if (sct == SPDKRT_NVME_SCT_PATH)
		return true;
	if (sct != SPDKRT_NVME_SCT_GENERIC)
		return false;
	switch (sc) {
	case SPDKRT_NVME_SC_NAMESPACE_NOT_READY:
	case SPDKRT_NVME_SC_FORMAT_IN_PROGRESS:
	case SPDKRT_NVME_SC_COMMAND_INTERRUPTED:
	case SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR:
	case SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR:
		return true;
	default:
		return false;
	}
}

static void complete_parent_child(struct nvme_request *child, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_request *parent = child->parent;

	/* The parent reports the first error of its children, or the last success. */
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		if (!spdkrt_nvme_cpl_is_error(&parent->parent_cpl))
			parent->parent_cpl = *cpl;
	} else if (!spdkrt_nvme_cpl_is_error(&parent->parent_cpl)) {
		parent->parent_cpl = *cpl;
	}
	nvme_request_free(child);
	if (--parent->children_left == 0) {
		struct spdkrt_nvme_cpl final = parent->parent_cpl;
		spdkrt_nvme_cmd_cb cb = parent->cb_fn;
		void *arg = parent->cb_arg;

		nvme_request_free(parent);
		if (cb != NULL)
			cb(arg, &final);
	}
}

/* An error status (not an AER's): true when the request went back to the queue to be retried. */
static __attribute__((noinline)) bool error_retried(struct nvme_request *req,
						    const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_qpair *qpair = req->qpair;
	struct spdkrt_nvme_ctrlr *ctrlr = qpair->ctrlr;

	if (status_is_retryable(cpl->status) && req->retries < ctrlr->opts.retry_count &&
	    !ctrlr->is_failed) {
		req->retries++;
		req->timeout_reported = false;
		TAILQ_INSERT_TAIL(&qpair->queued, req, link);
		return true;
	}
	if (SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC) !=
	    SPDKRT_NVME_SC_ABORTED_SQ_DELETION)
		SRT_NOTICE("%s: queue %u command opcode 0x%02x cid %u nsid %u failed: %s",
			   ctrlr->trid.traddr, qpair->id, req->cmd.opc, req->cid, req->cmd.nsid,
			   spdkrt_nvme_cpl_status_string(cpl));
	return false;
}

void nvme_request_complete_other(struct nvme_request *req, const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_qpair *qpair = req->qpair;
	/* The status is decoded only when it is an error (error_retried). */
	bool error = spdkrt_nvme_cpl_is_error(cpl);
	spdkrt_nvme_cmd_cb cb;
	void *arg;

	if (req->outstanding) {
		TAILQ_REMOVE(&qpair->outstanding, req, link);
		req->outstanding = false;
		qpair->num_outstanding--;
	}
	if (error && !req->is_aer && error_retried(req, cpl))
		return;
	if (req->copy_out && req->bounce != NULL && !error)
		memcpy(req->user_buf, req->bounce, req->user_len);
	if (req->parent != NULL) {
		complete_parent_child(req, cpl);
		return;
	}
	if (req->is_aer) {
		nvme_request_free(req);
		nvme_ctrlr_aer_completed(qpair->ctrlr, cpl);
		return;
	}
	cb = req->cb_fn;
	arg = req->cb_arg;
	/* Freed first: the callback may submit again and find the request available. */
	nvme_request_free(req);
	if (cb != NULL)
		cb(arg, cpl);
}

void nvme_cpl_make_error(struct spdkrt_nvme_cpl *cpl, uint16_t sqid, uint16_t cid, uint8_t sct,
			 uint8_t sc)
{
	memset(cpl, 0, sizeof(*cpl));
	cpl->sqid = sqid;
	cpl->cid = cid;
	cpl->status = (uint16_t)(SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_SC, sc) |
				 SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_SCT, sct) |
				 SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_DNR, 1u));
}

void nvme_request_fail(struct nvme_request *req, uint8_t sct, uint8_t sc)
{
	struct spdkrt_nvme_cpl cpl;

	nvme_cpl_make_error(&cpl, req->qpair->id, req->cid, sct, sc);
	nvme_request_complete(req, &cpl);
}
