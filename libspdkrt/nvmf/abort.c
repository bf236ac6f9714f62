/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Abort admin command. A command can be aborted while it has not started running: an I/O
 * command still waiting for its H2C data (after an R2T) or for a free bdev I/O, or a parked
 * Asynchronous Event Request. An aborted command completes with "aborted by request"; one
 * waiting for data does so once its data is in, since the host sends the data the R2T asked
 * for anyway. The Abort reports in CDW0 bit 0 whether it found and stopped the command.
 *
 * An I/O queue belongs to its poll group's thread: the admin thread asks that thread by a
 * message and completes the Abort when the answer comes back. Meanwhile the admin queue pair
 * counts the Abort in aborts_out, so neither it nor its controller goes away under the answer.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <stdlib.h>

#include "util/log.h"

struct abort_msg {
	struct srt_nvmf_req *abort_req; /* on the admin thread */
	struct spdkrt_thread *admin_thread;
	struct srt_nvmf_ctrlr *ctrlr;
	struct srt_nvmf_qpair *target; /* the I/O queue pair when the Abort was sent */
	uint16_t sqid;
	uint16_t cid;
	bool aborted;
};

static void finish_abort(struct srt_nvmf_req *req, bool aborted)
{
	struct srt_nvmf_ctrlr *ctrlr = req->qpair->ctrlr;
	uint16_t sqid = (uint16_t)(req->cmd.cdw10 & 0xffffu),
		 cid = (uint16_t)(req->cmd.cdw10 >> 16);

	SRT_INFO("controller %u of %s: Abort of command %u on queue %u: %s", ctrlr->cntlid,
		 ctrlr->subsys->nqn, cid, sqid,
		 aborted ? "aborted" : "not found or already running");
	req->cpl.cdw0 = aborted ? 0 : 1;
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

/* Admin thread: a parked AER with this command id completes as aborted. */
static bool abort_aer(struct srt_nvmf_ctrlr *ctrlr, uint16_t cid)
{
	for (unsigned i = 0; i < ctrlr->num_aers; i++) {
		struct srt_nvmf_req *aer = ctrlr->aers[i];

		if (aer->cmd.cid != cid)
			continue;
		ctrlr->aers[i] = ctrlr->aers[--ctrlr->num_aers];
		ctrlr->aers[ctrlr->num_aers] = NULL;
		srt_nvmf_req_complete_status(aer, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_ABORTED_BY_REQUEST);
		return true;
	}
	return false;
}

/* The queue pair's own thread: mark the command aborted if it has not started running. */
static bool abort_queued(struct srt_nvmf_qpair *q, uint16_t cid)
{
	for (uint32_t i = 0; i < q->num_reqs; i++) {
		struct srt_nvmf_req *r = &q->reqs[i];

		if (r->cmd.cid != cid || r->aborted)
			continue;
		if (r->state == SRT_NVMF_REQ_NEED_DATA ||
		    (r->state == SRT_NVMF_REQ_EXECUTING && r->io_waiting)) {
			r->aborted = true;
			return true;
		}
	}
	return false;
}

static void abort_answered(void *arg)
{
	struct abort_msg *m = arg;
	struct srt_nvmf_req *req = m->abort_req;

	req->qpair->aborts_out--;
	finish_abort(req, m->aborted);
	free(m);
}

static void abort_on_queue_thread(void *arg)
{
	struct abort_msg *m = arg;
	struct spdkrt_nvmf_tgt *tgt = m->ctrlr->subsys->tgt;
	bool mine;

	/* Still this queue, still on this thread: it cannot be freed while this runs. */
	pthread_mutex_lock(&tgt->lock);
	mine = m->ctrlr->io_qpairs[m->sqid] == m->target &&
	       m->target->group->thread == spdkrt_get_thread();
	pthread_mutex_unlock(&tgt->lock);
	m->aborted = mine && abort_queued(m->target, m->cid);
	if (spdkrt_thread_send_msg(m->admin_thread, abort_answered, m) != 0)
		SRT_ERR("Abort of command %u on queue %u: the admin thread is gone", m->cid,
			m->sqid);
}

void srt_nvmf_abort_execute(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	struct spdkrt_nvmf_tgt *tgt = ctrlr->subsys->tgt;
	uint16_t sqid = (uint16_t)(req->cmd.cdw10 & 0xffffu),
		 cid = (uint16_t)(req->cmd.cdw10 >> 16);
	struct srt_nvmf_qpair *target = NULL;
	struct spdkrt_thread *thread = NULL;
	struct abort_msg *m;

	if (sqid == 0) {
		finish_abort(req, abort_aer(ctrlr, cid));
		return;
	}
	pthread_mutex_lock(&tgt->lock);
	if (sqid <= ctrlr->num_io_queues && ctrlr->io_qpairs[sqid] != NULL) {
		target = ctrlr->io_qpairs[sqid];
		thread = target->group->thread;
	}
	pthread_mutex_unlock(&tgt->lock);
	if (target == NULL) {
		finish_abort(req, false);
		return;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		finish_abort(req, false);
		return;
	}
	*m = (struct abort_msg){ .abort_req = req,
				 .admin_thread = spdkrt_get_thread(),
				 .ctrlr = ctrlr,
				 .target = target,
				 .sqid = sqid,
				 .cid = cid };
	req->qpair->aborts_out++;
	if (spdkrt_thread_send_msg(thread, abort_on_queue_thread, m) != 0) {
		req->qpair->aborts_out--;
		free(m);
		finish_abort(req, false);
	}
}
