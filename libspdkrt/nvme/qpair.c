/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs, transport-independent: submission (or a software queue when the ring is full or
 * the controller is resetting), completion processing, per-command timeouts reported once, and
 * failing everything outstanding when the controller fails or resets.
 */
#include <errno.h>

#include <spdkrt/thread.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* Empty polls with commands outstanding between two checks for a removed device. */
#define REMOVAL_CHECK_INTERVAL 4096u

static bool timeouts_armed(const struct spdkrt_nvme_qpair *qpair)
{
	const struct spdkrt_nvme_ctrlr *ctrlr = qpair->ctrlr;

	return ctrlr->timeout_cb != NULL &&
	       (qpair->id == 0 ? ctrlr->admin_timeout_ticks : ctrlr->io_timeout_ticks) != 0;
}

/* 0, -EAGAIN (no room), or the transport's error. Inlined: it is every submission's path. */
static inline __attribute__((always_inline)) int
submit_to_transport(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	int rc = qpair->ctrlr->transport->qpair_submit(qpair, req);

	if (rc != 0)
		return rc;
	req->outstanding = true;
	req->timeout_reported = false;
	req->submit_tick = timeouts_armed(qpair) ? spdkrt_get_ticks() : 0;
	TAILQ_INSERT_TAIL(&qpair->outstanding, req, link);
	qpair->num_outstanding++;
	return 0;
}

int nvme_qpair_submit(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	int rc;

	if (qpair->ctrlr->is_failed)
		return -ENXIO;
	/*
	 * Keep the order of submission: nothing overtakes what is already queued. A moved gate
	 * (reset) is followed by the next process call, never here: callbacks run only there.
	 */
	if (!qpair->enabled || !TAILQ_EMPTY(&qpair->queued) || nvme_qpair_gate_moved(qpair)) {
		TAILQ_INSERT_TAIL(&qpair->queued, req, link);
		return 0;
	}
	rc = submit_to_transport(qpair, req);
	if (rc == -EAGAIN) {
		TAILQ_INSERT_TAIL(&qpair->queued, req, link);
		return 0;
	}
	return rc;
}

void nvme_qpair_submit_queued(struct spdkrt_nvme_qpair *qpair)
{
	struct nvme_request *req;

	/* The queue first: a poll usually has nothing queued, and skips the two atomic loads. */
	while ((req = TAILQ_FIRST(&qpair->queued)) != NULL && qpair->enabled &&
	       !qpair->ctrlr->is_failed && !nvme_qpair_gate_moved(qpair)) {
		int rc;

		TAILQ_REMOVE(&qpair->queued, req, link);
		rc = submit_to_transport(qpair, req);
		if (rc == -EAGAIN) {
			TAILQ_INSERT_HEAD(&qpair->queued, req, link);
			return;
		}
		if (rc != 0) {
			/* The caller already got 0 from submit: report through the callback. */
			SRT_ERR("%s: queue %u: cannot submit a queued command: %d",
				qpair->ctrlr->trid.traddr, qpair->id, rc);
			nvme_request_fail(req, SPDKRT_NVME_SCT_GENERIC,
					  SPDKRT_NVME_SC_DATA_TRANSFER_ERROR);
		}
	}
}

/* Reports each expired command once; restarts the walk after a callback (it may reset). */
void nvme_qpair_check_timeouts(struct spdkrt_nvme_qpair *qpair)
{
	struct spdkrt_nvme_ctrlr *ctrlr = qpair->ctrlr;
	uint64_t timeout, now;
	struct nvme_request *req;

	if (!timeouts_armed(qpair))
		return;
	timeout = qpair->id == 0 ? ctrlr->admin_timeout_ticks : ctrlr->io_timeout_ticks;
	now = spdkrt_get_ticks();
restart:
	TAILQ_FOREACH(req, &qpair->outstanding, link) {
		if (req->is_aer || req->timeout_reported)
			continue;
		if (req->submit_tick == 0) {
			/* Submitted before the callback was registered: its clock starts now. */
			req->submit_tick = now;
			continue;
		}
		if (now - req->submit_tick < timeout)
			break; /* later ones were submitted later */
		req->timeout_reported = true;
		SRT_WARN("%s: queue %u: command cid %u (opcode 0x%02x) timed out",
			 ctrlr->trid.traddr, qpair->id, req->cid, req->cmd.opc);
		ctrlr->timeout_cb(ctrlr->timeout_arg, ctrlr, qpair->id == 0 ? NULL : qpair,
				  req->cid);
		if (ctrlr->timeout_cb == NULL || !qpair->enabled)
			return;
		goto restart;
	}
}

void nvme_qpair_abort_all(struct spdkrt_nvme_qpair *qpair, uint8_t sct, uint8_t sc,
			  bool include_queued)
{
	struct nvme_request_list victims = TAILQ_HEAD_INITIALIZER(victims);
	struct nvme_request *req;

	while ((req = TAILQ_FIRST(&qpair->outstanding)) != NULL) {
		TAILQ_REMOVE(&qpair->outstanding, req, link);
		req->outstanding = false;
		qpair->num_outstanding--;
		qpair->ctrlr->transport->qpair_release(qpair, req);
		TAILQ_INSERT_TAIL(&victims, req, link);
	}
	if (include_queued)
		TAILQ_CONCAT(&victims, &qpair->queued, link);
	/* A snapshot: callbacks that submit again do not make this loop endless. */
	while ((req = TAILQ_FIRST(&victims)) != NULL) {
		TAILQ_REMOVE(&victims, req, link);
		nvme_request_fail(req, sct, sc);
	}
}

/* Relaxed: only ever compared with the reader's own token, which only its own thread stores. */
void nvme_qpair_claim(struct spdkrt_nvme_qpair *qpair)
{
	atomic_store_explicit(&qpair->owner, nvme_thread_token(), memory_order_relaxed);
}

bool nvme_qpair_owned_here(const struct spdkrt_nvme_qpair *qpair)
{
	/* in_completion is read only once the pair is known to be this thread's. */
	return atomic_load_explicit(&qpair->owner, memory_order_relaxed) == nvme_thread_token() &&
	       !qpair->in_completion;
}

bool nvme_qpair_follow_gate(struct spdkrt_nvme_qpair *qpair)
{
	/* Acquire: pairs with the release stores of reset.c (close, and re-open after re-create). */
	uint32_t gate = atomic_load_explicit(&qpair->gate, memory_order_acquire);

	nvme_qpair_claim(qpair);
	if (gate & 1u) {
		/* Re-created with the ring reset by the admin side: ours again. */
		qpair->gate_seen = gate;
		qpair->enabled = true;
		return true;
	}
	qpair->enabled = false;
	if (atomic_load_explicit(&qpair->acked, memory_order_relaxed) == gate)
		return false;
	if (qpair->num_outstanding > 0)
		SRT_NOTICE("%s: queue %u: %u commands in flight end with ABORTED_SQ_DELETION "
			   "(controller reset)",
			   qpair->ctrlr->trid.traddr, qpair->id, qpair->num_outstanding);
	nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_ABORTED_SQ_DELETION,
			     false);
	/* Release: the ring and trackers are the admin side's now (its acquire in reset.c). */
	atomic_store_explicit(&qpair->acked, gate, memory_order_release);
	return false;
}

void nvme_qpair_destroy(struct spdkrt_nvme_qpair *qpair)
{
	nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_ABORTED_SQ_DELETION,
			     true);
	nvme_qpair_fini_requests(qpair);
	qpair->ctrlr->transport->qpair_destroy(qpair);
}

int32_t spdkrt_nvme_qpair_process_completions(struct spdkrt_nvme_qpair *qpair,
					      uint32_t max_completions)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	bool failed;
	int32_t n;

	if (qpair == NULL)
		return nvme_bad_arg(__func__, "qpair is NULL");
	ctrlr = qpair->ctrlr;
	if (ctrlr->is_failed) {
		nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC,
				     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
		return -ENXIO;
	}
	if (qpair->in_completion)
		return 0; /* called from one of this queue's callbacks */
	if (nvme_qpair_gate_moved(qpair) && !nvme_qpair_follow_gate(qpair))
		return 0; /* the controller is resetting */
	if (!qpair->enabled)
		return 0;
	qpair->in_completion = true;
	n = ctrlr->transport->qpair_process(qpair, max_completions);
	qpair->in_completion = false;
	if (!TAILQ_EMPTY(&qpair->queued))
		nvme_qpair_submit_queued(qpair);
	if (n == 0 && qpair->num_outstanding > 0 && qpair->id != 0) {
		static __thread uint32_t empty_polls;

		if (++empty_polls % REMOVAL_CHECK_INTERVAL == 0 &&
		    ctrlr->transport->ctrlr_is_removed(ctrlr)) {
			/* The admin poll fails the rest and tells the application. */
			SRT_ERR("%s: queue %u: the device is gone", ctrlr->trid.traddr, qpair->id);
			ctrlr->is_removed = true;
			ctrlr->is_failed = true;
			nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
		}
	}
	if (timeouts_armed(qpair))
		nvme_qpair_check_timeouts(qpair);
	/* Failed during this call (a probe on another thread heard of the removal): what is left
	 * ends now, as at the next call, so -ENXIO always means nothing is outstanding. */
	failed = ctrlr->is_failed;
	if (failed && !qpair->free_pending)
		nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC,
				     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
	if (qpair->free_pending)
		spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	return failed ? -ENXIO : n;
}

uint16_t spdkrt_nvme_qpair_get_id(const struct spdkrt_nvme_qpair *qpair)
{
	return qpair == NULL ? 0 : qpair->id;
}
