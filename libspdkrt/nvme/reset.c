/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller reset, asynchronous, and its handshake with the I/O queue pairs' owner threads.
 *
 * A queue pair belongs to the thread that polls it: the admin side never touches its ring or
 * its requests while that thread may run. Each pair has a gate instead:
 *  1. once the controller is disabled (the device no longer reads or writes the old rings), the
 *     admin side closes every gate (epoch << 1);
 *  2. the owner, at its next process call, fails what it had in flight (ABORTED_SQ_DELETION),
 *     lets go of the ring and acknowledges (acked = gate); what it submits meanwhile waits in
 *     software;
 *  3. the admin side resets the ring, re-creates the queues and opens the gate (| 1); the
 *     owner's next process call takes the ring back and sends what waited.
 * A pair owned by the calling thread (and not inside its own completion processing) is
 * acknowledged on its behalf, so a single-threaded reset ends with every pair usable; the
 * others are re-created by a later admin poll once their owner has acknowledged.
 */
#include <errno.h>

#include <spdkrt/thread.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static __thread char g_thread_token;

/* The spdkrt thread when there is one (several may share an OS thread), else the OS thread. */
const void *nvme_thread_token(void)
{
	const void *thread = spdkrt_get_thread();

	return thread != NULL ? thread : &g_thread_token;
}

/* Commands in flight are aborted (admin now; I/O by each owner), queues stay allocated. */
void nvme_ctrlr_start_reset(struct spdkrt_nvme_ctrlr *ctrlr)
{
	bool was_failed = ctrlr->is_failed;

	SRT_NOTICE("nvme %s: resetting the %s controller", ctrlr->trid.traddr,
		   was_failed ? "failed" : "working");
	/*
	 * The owners let go at once when no device can still write into their queues: a fabrics
	 * queue is a connection, a failed controller's queues were given up. Before is_failed
	 * clears: an owner that sees it clear sees its gate closed (the release/acquire pair of
	 * nvme_qpair_gate_moved), never a usable-looking dead queue.
	 */
	ctrlr->gates_closed = false;
	if (ctrlr->transport->remote_regs || was_failed)
		nvme_ctrlr_close_gates(ctrlr);
	atomic_store(&ctrlr->conn_lost, false);
	ctrlr->is_failed = false;
	ctrlr->fail_logged = false;
	ctrlr->adminq->enabled = false;
	ctrlr->num_aers = 0;
	ctrlr->cmd_pending = false;
	ctrlr->cmd_done = false;
	ctrlr->keep_alive_pending = false;
	ctrlr->resetting = true;
	ctrlr->rescanning = false;
	ctrlr->init_rc = 0;
	ctrlr->state = NVME_CTRLR_STATE_INIT;
	ctrlr->state_deadline = 0;
	/* Last: a callback (a failed Abort under timeout_action=reset) may ask for a reset, and
	 * must find this one under way, not start a second. */
	nvme_qpair_abort_all(ctrlr->adminq, SPDKRT_NVME_SCT_GENERIC,
			     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
}

void nvme_ctrlr_close_gates(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_qpair *qpair;
	uint32_t closed;

	ctrlr->reset_epoch++;
	closed = (ctrlr->reset_epoch << 1) & ~1u;
	TAILQ_FOREACH(qpair, &ctrlr->io_qpairs, link) {
		/* Release: pairs with the owner's acquire in nvme_qpair_gate_moved(). */
		atomic_store_explicit(&qpair->gate, closed, memory_order_release);
	}
	ctrlr->gates_closed = true;
	ctrlr->reconnect_pending = !TAILQ_EMPTY(&ctrlr->io_qpairs);
}

static void reconnect_done(void *arg, int rc)
{
	struct spdkrt_nvme_ctrlr *ctrlr = arg;
	struct spdkrt_nvme_qpair *qpair = ctrlr->reconnecting;
	uint32_t gate = atomic_load_explicit(&qpair->gate, memory_order_relaxed);

	ctrlr->reconnecting = NULL;
	if (rc != 0) {
		ctrlr->reconnect_rc = rc;
		return;
	}
	/* Release: the ring reset and the new queues are seen by the owner with the open gate. */
	atomic_store_explicit(&qpair->gate, gate | 1u, memory_order_release);
}

/* The owner let go of the ring: reset it and create the queues again (same id). */
static int reconnect_one(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair)
{
	int rc;

	ctrlr->transport->qpair_reset(qpair);
	ctrlr->reconnecting = qpair;
	ctrlr->reconnect_deadline = nvme_deadline_after_us(2 * ctrlr->opts.admin_timeout_us);
	rc = ctrlr->transport->qpair_connect(qpair, reconnect_done, ctrlr);
	if (rc != 0) {
		ctrlr->reconnecting = NULL;
		SRT_ERR("nvme %s: cannot re-create I/O queue %u: %d", ctrlr->trid.traddr, qpair->id,
			rc);
		return rc;
	}
	return -EAGAIN;
}

int nvme_ctrlr_reconnect_qpairs(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_qpair *qpair;
	bool waiting = false;

	if (ctrlr->reconnect_rc != 0) {
		int rc = ctrlr->reconnect_rc;

		ctrlr->reconnect_rc = 0;
		return rc;
	}
	if (ctrlr->reconnecting != NULL) {
		if (nvme_past(ctrlr->reconnect_deadline)) {
			SRT_ERR("nvme %s: re-creating I/O queue %u got no completion in time",
				ctrlr->trid.traddr, ctrlr->reconnecting->id);
			return -ETIMEDOUT;
		}
		return -EAGAIN;
	}
	if (!ctrlr->reconnect_pending)
		return 0;
	TAILQ_FOREACH(qpair, &ctrlr->io_qpairs, link) {
		uint32_t gate = atomic_load_explicit(&qpair->gate, memory_order_relaxed);

		if (gate & 1u)
			continue;
		if (nvme_qpair_owned_here(qpair))
			nvme_qpair_follow_gate(qpair);
		/* Acquire: pairs with the owner's release of the ring in nvme_qpair_follow_gate(). */
		if (atomic_load_explicit(&qpair->acked, memory_order_acquire) == gate)
			return reconnect_one(ctrlr, qpair);
		waiting = true;
	}
	ctrlr->reconnect_pending = waiting;
	return 0;
}

void nvme_ctrlr_reset_finished(struct spdkrt_nvme_ctrlr *ctrlr, int status)
{
	ctrlr->resetting = false;
	if (status != 0)
		SRT_ERR("nvme %s: reset failed: %d", ctrlr->trid.traddr, status);
	else
		ctrlr->loss_start = 0; /* whoever asked for it: the failure is over */
	if (ctrlr->reset_requested) {
		ctrlr->reset_done = true;
		ctrlr->reset_status = status;
	}
}

void nvme_ctrlr_deliver_reset(struct spdkrt_nvme_ctrlr *ctrlr)
{
	spdkrt_nvme_reset_cb cb = ctrlr->reset_cb;

	if (!ctrlr->reset_done)
		return;
	ctrlr->reset_done = false;
	ctrlr->reset_requested = false;
	ctrlr->reset_cb = NULL;
	if (cb != NULL)
		cb(ctrlr->reset_arg, ctrlr, ctrlr->reset_status);
}

int spdkrt_nvme_ctrlr_reset_async(struct spdkrt_nvme_ctrlr *ctrlr, spdkrt_nvme_reset_cb cb,
				  void *cb_arg)
{
	if (ctrlr == NULL)
		return nvme_bad_arg(__func__, "ctrlr is NULL");
	if (ctrlr->is_removed) {
		SRT_ERR("nvme %s: reset refused: the controller was removed (or given up)",
			ctrlr->trid.traddr);
		return -ENXIO;
	}
	if (ctrlr->reset_requested) {
		SRT_ERR("nvme %s: reset refused: one is in progress", ctrlr->trid.traddr);
		return -EBUSY;
	}
	/* Recorded before the start: the aborted admin commands' callbacks then get -EBUSY. */
	ctrlr->reset_requested = true;
	ctrlr->reset_cb = cb;
	ctrlr->reset_arg = cb_arg;
	ctrlr->reset_done = false;
	/* A reset the driver started (fatal status) is joined, not started again. */
	if (!ctrlr->resetting)
		nvme_ctrlr_start_reset(ctrlr);
	return 0;
}

struct reset_wait {
	bool done;
	int status;
};

static void reset_wait_done(void *arg, struct spdkrt_nvme_ctrlr *ctrlr, int status)
{
	struct reset_wait *w = arg;

	(void)ctrlr;
	w->done = true;
	w->status = status;
}

int spdkrt_nvme_ctrlr_reset(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct reset_wait w = { false, 0 };
	int rc = spdkrt_nvme_ctrlr_reset_async(ctrlr, reset_wait_done, &w);

	if (rc != 0)
		return rc;
	/* Every step of the reset is bounded (CAP.TO, admin timeouts): this ends. */
	while (!w.done) {
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
		if (!w.done)
			ctrlr->transport->idle();
	}
	return w.status;
}
