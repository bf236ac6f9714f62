/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller lifetime: references from queue pairs, failure when the admin queue goes (every
 * I/O queue then closes), the keep-alive timer (enforced: a host that stops sending Keep
 * Alive loses its controller), and namespace-change asynchronous events.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <stdlib.h>

#include "util/log.h"

void srt_nvmf_ctrlr_put(struct srt_nvmf_ctrlr *ctrlr, uint16_t qid)
{
	struct spdkrt_nvmf_tgt *tgt = ctrlr->subsys->tgt;
	bool last;

	pthread_mutex_lock(&tgt->lock);
	if (qid > 0 && qid <= ctrlr->num_io_queues)
		ctrlr->io_qpairs[qid] = NULL;
	last = --ctrlr->refs == 0;
	if (last)
		srt_nvmf_subsystem_unref_locked(ctrlr->subsys);
	pthread_mutex_unlock(&tgt->lock);
	if (last) {
		free(ctrlr->io_qpairs);
		free(ctrlr);
	}
}

void srt_nvmf_ctrlr_fail(struct srt_nvmf_ctrlr *ctrlr)
{
	struct spdkrt_nvmf_tgt *tgt = ctrlr->subsys->tgt;

	atomic_store(&ctrlr->failed, true);
	atomic_store(&ctrlr->ready, false);
	ctrlr->num_aers = 0;
	pthread_mutex_lock(&tgt->lock);
	if (ctrlr->linked) {
		TAILQ_REMOVE(&ctrlr->subsys->ctrlrs, ctrlr, link);
		ctrlr->linked = false;
		atomic_fetch_sub(&tgt->stat_ctrlrs, 1);
	}
	pthread_mutex_unlock(&tgt->lock);
	SRT_INFO("controller %u of %s (host %s) is gone", ctrlr->cntlid, ctrlr->subsys->nqn,
		 ctrlr->hostnqn);
}

static void send_ns_notice(struct srt_nvmf_ctrlr *ctrlr)
{
	struct srt_nvmf_req *req = ctrlr->aers[--ctrlr->num_aers];

	ctrlr->aers[ctrlr->num_aers] = NULL;
	atomic_store(&ctrlr->ns_changed, false);
	/* Further notices of this kind wait until the host reads the changed namespace list. */
	ctrlr->ns_notice_masked = true;
	req->cpl.cdw0 =
		SPDKRT_NVME_SET(SPDKRT_NVME_AER_TYPE, SPDKRT_NVME_AER_TYPE_NOTICE) |
		SPDKRT_NVME_SET(SPDKRT_NVME_AER_INFO, SPDKRT_NVME_AER_NOTICE_NS_ATTR_CHANGED) |
		SPDKRT_NVME_SET(SPDKRT_NVME_AER_LID, SPDKRT_NVME_LOG_CHANGED_NS_LIST);
	SRT_INFO("controller %u of %s: namespace attribute changed event", ctrlr->cntlid,
		 ctrlr->subsys->nqn);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

void srt_nvmf_ctrlr_poll(struct srt_nvmf_ctrlr *ctrlr, uint64_t now)
{
	/* now was read before this poll's commands ran: a Keep Alive in them may be later. */
	if (ctrlr->kato_ms != 0 && now > ctrlr->last_keep_alive &&
	    now - ctrlr->last_keep_alive >
		    (uint64_t)ctrlr->kato_ms * spdkrt_get_ticks_hz() / 1000) {
		SRT_ERR("controller %u of %s (host %s): no Keep Alive within %u ms: tearing it down",
			ctrlr->cntlid, ctrlr->subsys->nqn, ctrlr->hostnqn, ctrlr->kato_ms);
		atomic_fetch_add(&ctrlr->subsys->tgt->stat_kato_expired, 1);
		srt_nvmf_qpair_disconnect(ctrlr->admin_qpair, "keep-alive timeout");
		return;
	}
	if (ctrlr->num_aers > 0 && !ctrlr->ns_notice_masked &&
	    (ctrlr->async_event_config & SPDKRT_NVME_SET(SPDKRT_NVME_AEC_NS_ATTR, 1)) != 0 &&
	    atomic_load_explicit(&ctrlr->ns_changed, memory_order_relaxed))
		send_ns_notice(ctrlr);
}

void srt_nvmf_subsystem_ns_changed(struct spdkrt_nvmf_subsystem *subsys, uint32_t nsid)
{
	struct srt_nvmf_ctrlr *ctrlr;

	TAILQ_FOREACH(ctrlr, &subsys->ctrlrs, link) {
		bool listed = false;

		for (unsigned i = 0; i < ctrlr->num_changed_ns; i++)
			listed |= ctrlr->changed_ns[i] == nsid;
		if (!listed && ctrlr->num_changed_ns < SPDKRT_NVMF_MAX_NAMESPACES)
			ctrlr->changed_ns[ctrlr->num_changed_ns++] = nsid;
		atomic_store(&ctrlr->ns_changed, true);
	}
}
