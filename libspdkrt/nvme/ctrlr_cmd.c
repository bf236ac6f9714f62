/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin commands on the public API (identify, log pages, features with their data, abort, raw)
 * and I/O queue pair allocation. Data of admin commands goes through a DMA bounce buffer, so
 * callers may pass ordinary memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

int nvme_ctrlr_submit_admin(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cmd *cmd,
			    void *user_buf, uint32_t len, uint32_t dma_len, bool copy_in,
			    bool copy_out, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct nvme_request *req;
	int rc;

	if (ctrlr->is_failed)
		return -ENXIO;
	req = nvme_request_alloc(ctrlr->adminq, cb, cb_arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd = *cmd;
	req->cmd.flags = 0;
	if (len > 0) {
		/* dma_len >= len: what the controller may write (identify always writes 4 KiB). */
		req->bounce = spdkrt_dma_zmalloc(dma_len, 4096, SPDKRT_ENV_SOCKET_ANY);
		if (req->bounce == NULL) {
			nvme_request_free(req);
			return -ENOMEM;
		}
		if (copy_in)
			memcpy(req->bounce, user_buf, len);
		req->user_buf = user_buf;
		req->user_len = len;
		req->copy_out = copy_out;
		req->payload.type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = req->bounce;
		req->payload_size = dma_len;
	}
	rc = nvme_qpair_submit(ctrlr->adminq, req);
	if (rc != 0)
		nvme_request_free(req);
	return rc;
}

int spdkrt_nvme_ctrlr_cmd_admin_raw(struct spdkrt_nvme_ctrlr *ctrlr,
				    const struct spdkrt_nvme_cmd *cmd, void *buf, uint32_t len,
				    spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	if (ctrlr == NULL || cmd == NULL || (buf == NULL && len != 0)) {
		SRT_ERR("%s: invalid arguments", __func__);
		return -EINVAL;
	}
	/* Raw: the direction is unknown, so data goes both ways through the bounce buffer. */
	return nvme_ctrlr_submit_admin(ctrlr, cmd, buf, len, len, true, true, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_cmd_identify(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t cns, uint16_t cntid,
				   uint32_t nsid, void *payload, size_t size, spdkrt_nvme_cmd_cb cb,
				   void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };

	if (ctrlr == NULL || payload == NULL || size == 0 || size > NVME_IDENTIFY_SIZE) {
		SRT_ERR("%s: needs a payload of 1..4096 bytes", __func__);
		return -EINVAL;
	}
	cmd.opc = SPDKRT_NVME_OPC_IDENTIFY;
	cmd.nsid = nsid;
	cmd.cdw10 = cns | (uint32_t)cntid << 16;
	/* The controller always writes 4096 bytes: the bounce is full size, the copy is not. */
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, payload, (uint32_t)size, NVME_IDENTIFY_SIZE,
				       false, true, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_cmd_get_log_page(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t lid, uint32_t nsid,
				       void *payload, uint32_t size, uint64_t offset, uint8_t lsp,
				       bool rae, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };
	uint32_t numd;

	if (ctrlr == NULL || payload == NULL || size == 0 || size % 4 != 0 || offset % 4 != 0 ||
	    lsp > SPDKRT_NVME_LOG_LSP_MASK) {
		SRT_ERR("%s: size and offset must be non-zero multiples of 4, lsp 0..15", __func__);
		return -EINVAL;
	}
	if (offset != 0 && !(ctrlr->cdata.lpa & SPDKRT_NVME_LPA_EDLP)) {
		SRT_ERR("%s: the controller takes no log page offset (LPA.EDLP clear)", __func__);
		return -EINVAL;
	}
	numd = size / 4 - 1; /* 0-based */
	cmd.opc = SPDKRT_NVME_OPC_GET_LOG_PAGE;
	cmd.nsid = nsid;
	cmd.cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_LOG_LID, (uint32_t)lid) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_LOG_LSP, (uint32_t)lsp) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_LOG_RAE, rae ? 1u : 0u) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_LOG_NUMDL, numd);
	cmd.cdw11 = SPDKRT_NVME_SET(SPDKRT_NVME_LOG_NUMDU, numd >> 16);
	cmd.cdw12 = (uint32_t)offset;
	cmd.cdw13 = (uint32_t)(offset >> 32);
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, payload, size, size, false, true, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_cmd_set_feature(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t fid, uint32_t cdw11,
				      uint32_t cdw12, uint32_t nsid, const void *payload,
				      uint32_t size, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };

	if (ctrlr == NULL || (payload == NULL) != (size == 0)) {
		SRT_ERR("%s: payload and size go together", __func__);
		return -EINVAL;
	}
	cmd.opc = SPDKRT_NVME_OPC_SET_FEATURES;
	cmd.nsid = nsid;
	cmd.cdw10 = fid;
	cmd.cdw11 = cdw11;
	cmd.cdw12 = cdw12;
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, (void *)(uintptr_t)payload, size, size, true,
				       false, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_cmd_get_feature(struct spdkrt_nvme_ctrlr *ctrlr, uint8_t fid, uint8_t sel,
				      uint32_t cdw11, uint32_t nsid, void *payload, uint32_t size,
				      spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };

	if (ctrlr == NULL || (payload == NULL) != (size == 0) || sel > SPDKRT_NVME_FEAT_SEL_MASK) {
		SRT_ERR("%s: payload and size go together, sel 0..3", __func__);
		return -EINVAL;
	}
	cmd.opc = SPDKRT_NVME_OPC_GET_FEATURES;
	cmd.nsid = nsid;
	cmd.cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_FEAT_FID, (uint32_t)fid) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_FEAT_SEL, (uint32_t)sel);
	cmd.cdw11 = cdw11;
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, payload, size, size, false, true, cb, cb_arg);
}

int spdkrt_nvme_ctrlr_cmd_abort(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair,
				uint16_t cid, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };

	if (ctrlr == NULL || (qpair != NULL && qpair->ctrlr != ctrlr))
		return nvme_bad_arg(__func__, "ctrlr is NULL or the qpair is another controller's");
	cmd.opc = SPDKRT_NVME_OPC_ABORT;
	cmd.cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_ABORT_SQID, qpair == NULL ? 0u : qpair->id) |
		    SPDKRT_NVME_SET(SPDKRT_NVME_ABORT_CID, (uint32_t)cid);
	return nvme_ctrlr_submit_admin(ctrlr, &cmd, NULL, 0, 0, false, false, cb, cb_arg);
}

/* I/O queue pairs */

struct connect_wait {
	bool done;
	int rc;
};

static void connect_done(void *arg, int rc)
{
	struct connect_wait *w = arg;

	w->rc = rc;
	w->done = true;
}

int spdkrt_nvme_ctrlr_alloc_io_qpair(struct spdkrt_nvme_ctrlr *ctrlr,
				     const struct spdkrt_nvme_io_qpair_opts *user_opts,
				     struct spdkrt_nvme_qpair **out)
{
	struct spdkrt_nvme_io_qpair_opts opts;
	struct spdkrt_nvme_qpair *qpair;
	struct connect_wait w = { 0 };
	uint32_t qid, entries, requests;
	int rc;

	if (ctrlr == NULL || out == NULL)
		return nvme_bad_arg(__func__, "ctrlr or qpair is NULL");
	if (ctrlr->is_failed)
		return -ENXIO;
	if (ctrlr->state != NVME_CTRLR_STATE_READY)
		return -EBUSY;
	spdkrt_nvme_io_qpair_opts_init(&opts, sizeof(opts));
	if (user_opts != NULL) {
		if (user_opts->size < sizeof(size_t))
			return nvme_bad_arg(__func__, "opts.size is too small");
		memcpy(&opts, user_opts,
		       user_opts->size < sizeof(opts) ? user_opts->size : sizeof(opts));
		opts.size = sizeof(opts);
	}
	if (opts.qprio > SPDKRT_NVME_QPRIO_LOW ||
	    (opts.qprio != 0 && ctrlr->opts.arb_mechanism != SPDKRT_NVME_CC_AMS_WRR)) {
		SRT_ERR("%s: priority %u needs weighted round robin arbitration (and 0..3)",
			__func__, opts.qprio);
		return -EINVAL;
	}
	entries = opts.io_queue_size ? opts.io_queue_size : ctrlr->opts.io_queue_size;
	if (entries > ctrlr->opts.io_queue_size)
		entries = ctrlr->opts.io_queue_size;
	if (entries < 2)
		entries = 2;
	requests = opts.io_queue_requests ? opts.io_queue_requests : ctrlr->opts.io_queue_requests;
	if (requests < entries)
		requests = entries;
	for (qid = 1; qid <= ctrlr->num_io_queues && ctrlr->qid_in_use[qid]; qid++)
		;
	if (qid > ctrlr->num_io_queues) {
		SRT_ERR("%s: all %u I/O queues are in use", __func__, ctrlr->num_io_queues);
		return -EBUSY;
	}
	rc = ctrlr->transport->qpair_create(ctrlr, (uint16_t)qid, entries, requests,
					    (uint8_t)opts.qprio, &qpair);
	if (rc != 0)
		return rc;
	rc = ctrlr->transport->qpair_connect(qpair, connect_done, &w);
	if (rc == 0)
		rc = nvme_ctrlr_wait(ctrlr, &w.done, 2 * ctrlr->opts.admin_timeout_us);
	if (rc == 0)
		rc = w.rc;
	if (rc != 0) {
		/* A timed-out creation may still complete: the context must outlive it. */
		if (!w.done) {
			SRT_ERR("%s: queue %u creation timed out: failing the controller", __func__,
				qid);
			nvme_ctrlr_fail(ctrlr, false);
			/* fail() completed the admin commands: w is no longer referenced. */
		}
		nvme_qpair_destroy(qpair);
		return rc;
	}
	ctrlr->qid_in_use[qid] = 1;
	nvme_qpair_claim(qpair);
	qpair->gate_seen = (ctrlr->reset_epoch << 1) | 1u;
	atomic_store_explicit(&qpair->gate, qpair->gate_seen, memory_order_relaxed);
	qpair->enabled = true;
	TAILQ_INSERT_TAIL(&ctrlr->io_qpairs, qpair, link);
	*out = qpair;
	return 0;
}

int spdkrt_nvme_ctrlr_free_io_qpair(struct spdkrt_nvme_qpair *qpair)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct connect_wait w = { 0 };
	int rc = 0;

	if (qpair == NULL)
		return 0;
	if (qpair->id == 0)
		return nvme_bad_arg(__func__, "the admin queue is not an I/O queue pair");
	if (qpair->in_completion) {
		/* Called from one of its own callbacks: freed when processing returns. */
		qpair->free_pending = true;
		return 0;
	}
	ctrlr = qpair->ctrlr;
	/* Its re-creation after a reset is in flight: let it end before deleting the queues. */
	while (ctrlr->reconnecting == qpair && !ctrlr->is_failed &&
	       spdkrt_nvme_ctrlr_process_admin_completions(ctrlr) >= 0)
		ctrlr->transport->idle();
	TAILQ_REMOVE(&ctrlr->io_qpairs, qpair, link);
	nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_ABORTED_SQ_DELETION,
			     true);
	/* An open gate (seen or not yet) means the queues exist on the controller. */
	if (!ctrlr->is_failed && (atomic_load(&qpair->gate) & 1u) &&
	    ctrlr->state == NVME_CTRLR_STATE_READY) {
		rc = ctrlr->transport->qpair_disconnect(qpair, connect_done, &w);
		if (rc == 0)
			rc = nvme_ctrlr_wait(ctrlr, &w.done, 2 * ctrlr->opts.admin_timeout_us);
		if (rc == 0)
			rc = w.rc;
		if (rc != 0 && !w.done)
			nvme_ctrlr_fail(ctrlr, false);
	}
	ctrlr->qid_in_use[qpair->id] = 0;
	nvme_qpair_destroy(qpair);
	return rc;
}

int spdkrt_nvme_io_qpair_opts_init(struct spdkrt_nvme_io_qpair_opts *opts, size_t size)
{
	struct spdkrt_nvme_io_qpair_opts defaults = { 0 };

	if (opts == NULL || size < sizeof(size_t))
		return nvme_bad_arg(__func__, "opts is NULL or size is too small");
	defaults.size = size < sizeof(defaults) ? size : sizeof(defaults);
	memcpy(opts, &defaults, defaults.size);
	return 0;
}
