/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller, transport-independent: the asynchronous initialisation state machine (used by
 * attach, reset and namespace rescans), its bounded waits, admin completion processing with
 * keep alive and asynchronous events, failure and removal, and the getters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

#define NVME_PAGE_SIZE 4096u

uint64_t nvme_us_to_ticks(uint64_t us)
{
	uint64_t hz = spdkrt_get_ticks_hz();

	return us > UINT64_MAX / hz ? UINT64_MAX : us * hz / 1000000u;
}

uint64_t nvme_deadline_after_us(uint64_t us)
{
	uint64_t ticks = nvme_us_to_ticks(us);
	uint64_t now = spdkrt_get_ticks();

	return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

bool nvme_past(uint64_t deadline)
{
	return deadline != 0 && spdkrt_get_ticks() > deadline;
}

static int get_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t off, uint32_t *v)
{
	return ctrlr->transport->get_reg_4(ctrlr, off, v);
}

static int set_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t off, uint32_t v)
{
	return ctrlr->transport->set_reg_4(ctrlr, off, v);
}

/* CAP.TO is in 500 ms units; 0 would mean "no time at all", give it one unit. */
static uint64_t ready_timeout_us(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint64_t to = SPDKRT_NVME_GET(ctrlr->cap, SPDKRT_NVME_CAP_TO);

	return (to == 0 ? 1 : to) * 500000u;
}

static void set_state(struct spdkrt_nvme_ctrlr *ctrlr, enum nvme_ctrlr_state state,
		      uint64_t timeout_us)
{
	ctrlr->state = state;
	ctrlr->state_deadline = timeout_us == 0 ? 0 : nvme_deadline_after_us(timeout_us);
}

static int init_fail(struct spdkrt_nvme_ctrlr *ctrlr, int rc, const char *what)
{
	SRT_ERR("nvme %s: initialisation failed: %s (%d)", ctrlr->trid.traddr, what, rc);
	ctrlr->init_rc = rc;
	ctrlr->state = NVME_CTRLR_STATE_FAILED;
	return rc;
}

/* Internal admin commands of the state machine: one at a time, each bounded in time. */
static void init_cmd_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_ctrlr *ctrlr = arg;

	ctrlr->init_cpl = *cpl;
	ctrlr->cmd_pending = false;
	ctrlr->cmd_done = true;
}

static int init_send(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cmd *cmd,
		     void *dma_buf, uint32_t len)
{
	struct nvme_request *req = nvme_request_alloc(ctrlr->adminq, init_cmd_done, ctrlr);
	int rc;

	if (req == NULL)
		return init_fail(ctrlr, -ENOMEM, "no admin request");
	req->cmd = *cmd;
	if (dma_buf != NULL) {
		req->payload.type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = dma_buf;
		req->payload_size = len;
	}
	rc = nvme_qpair_submit(ctrlr->adminq, req);
	if (rc != 0) {
		nvme_request_free(req);
		return init_fail(ctrlr, rc, "cannot submit an admin command");
	}
	ctrlr->cmd_pending = true;
	ctrlr->cmd_done = false;
	ctrlr->cmd_deadline = nvme_deadline_after_us(ctrlr->opts.admin_timeout_us);
	return -EAGAIN;
}

static void compute_max_xfer(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint64_t max = ctrlr->transport->max_xfer_size(ctrlr);

	if (ctrlr->cdata.mdts != 0 && ctrlr->cdata.mdts < 32) {
		uint64_t mdts = (uint64_t)NVME_PAGE_SIZE << ctrlr->cdata.mdts;

		if (mdts < max)
			max = mdts;
	}
	if (ctrlr->max_xfer_size != (uint32_t)max)
		ctrlr->max_xfer_size = (uint32_t)max;
}

/* Starts reading the active namespace list into new_ns_ids. */
static void begin_ns_scan(struct spdkrt_nvme_ctrlr *ctrlr)
{
	ctrlr->num_new_ns = 0;
	ctrlr->init_index = 0;
	set_state(ctrlr, NVME_CTRLR_STATE_IDENTIFY_ACTIVE_NS, 0);
}

/* Takes one page of the active list. @return true when the list is complete. */
static bool take_active_page(struct spdkrt_nvme_ctrlr *ctrlr)
{
	const uint32_t *ids = ctrlr->identify_buf;
	uint32_t last = ctrlr->num_new_ns ? ctrlr->new_ns_ids[ctrlr->num_new_ns - 1] : 0;
	uint32_t i;

	for (i = 0; i < SPDKRT_NVME_NS_LIST_ENTRIES; i++) {
		if (ids[i] == 0)
			return true;
		if (ids[i] <= last || ids[i] > ctrlr->cdata.nn || ids[i] == SPDKRT_NVME_NSID_ALL) {
			SRT_ERR("nvme %s: active namespace list entry %u is out of order or above "
				"NN %u: list ignored from there",
				ctrlr->trid.traddr, ids[i], ctrlr->cdata.nn);
			return true;
		}
		if (ctrlr->num_new_ns == NVME_MAX_ACTIVE_NS) {
			SRT_WARN("nvme %s: more than %u active namespaces: the rest are ignored",
				 ctrlr->trid.traddr, NVME_MAX_ACTIVE_NS);
			return true;
		}
		ctrlr->new_ns_ids[ctrlr->num_new_ns++] = ids[i];
		last = ids[i];
	}
	return false; /* a full page: ask for the ids after the last one */
}

static struct spdkrt_nvme_ns *find_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid)
{
	uint32_t lo = 0, hi = ctrlr->num_active_ns;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ctrlr->active_ns_ids[mid] == nsid)
			return ctrlr->ns[mid];
		if (ctrlr->active_ns_ids[mid] < nsid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Replaces the active set with the new one; namespaces that stay keep their handle. */
static int commit_new_ns(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_ns **new_ns)
{
	for (uint32_t i = 0; i < ctrlr->num_active_ns; i++) {
		bool kept = false;

		for (uint32_t j = 0; j < ctrlr->num_new_ns; j++)
			kept = kept || new_ns[j] == ctrlr->ns[i];
		if (!kept)
			free(ctrlr->ns[i]);
	}
	free(ctrlr->ns);
	free(ctrlr->active_ns_ids);
	ctrlr->ns = new_ns;
	ctrlr->active_ns_ids = ctrlr->new_ns_ids;
	ctrlr->num_active_ns = ctrlr->num_new_ns;
	ctrlr->new_ns_ids = NULL;
	ctrlr->num_new_ns = 0;
	return 0;
}

static int post_aers(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint32_t want = (uint32_t)ctrlr->cdata.aerl + 1;

	if (want > NVME_MAX_AERS)
		want = NVME_MAX_AERS;
	while (ctrlr->num_aers < want) {
		struct nvme_request *req = nvme_request_alloc(ctrlr->adminq, NULL, NULL);

		if (req == NULL)
			return -ENOMEM;
		req->is_aer = true;
		req->cmd.opc = SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST;
		if (nvme_qpair_submit(ctrlr->adminq, req) != 0) {
			nvme_request_free(req);
			return -EIO;
		}
		ctrlr->num_aers++;
	}
	return 0;
}

void nvme_ctrlr_aer_completed(struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_cpl *cpl)
{
	uint32_t sc = SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC);
	uint32_t sct = SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT);

	ctrlr->num_aers--;
	if (sct == SPDKRT_NVME_SCT_GENERIC && sc == SPDKRT_NVME_SC_ABORTED_SQ_DELETION)
		return; /* reset, failure or detach: the next initialisation posts new ones */
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		SRT_WARN("nvme %s: asynchronous event request failed: %s (not re-posted)",
			 ctrlr->trid.traddr, spdkrt_nvme_cpl_status_string(cpl));
		return;
	}
	if (SPDKRT_NVME_GET(cpl->cdw0, SPDKRT_NVME_AER_TYPE) == SPDKRT_NVME_AER_TYPE_NOTICE &&
	    SPDKRT_NVME_GET(cpl->cdw0, SPDKRT_NVME_AER_INFO) ==
		    SPDKRT_NVME_AER_NOTICE_NS_ATTR_CHANGED)
		ctrlr->ns_rescan_pending = true;
	if (ctrlr->aer_cb != NULL)
		ctrlr->aer_cb(ctrlr->aer_arg, cpl);
	if (!ctrlr->is_failed && ctrlr->state == NVME_CTRLR_STATE_READY && post_aers(ctrlr) != 0)
		SRT_WARN("nvme %s: cannot re-post an asynchronous event request",
			 ctrlr->trid.traddr);
}

static void build_cmd(struct spdkrt_nvme_cmd *cmd, uint8_t opc, uint32_t nsid, uint32_t cdw10,
		      uint32_t cdw11)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = opc;
	cmd->nsid = nsid;
	cmd->cdw10 = cdw10;
	cmd->cdw11 = cdw11;
}

static int step_registers(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint32_t cc, csts;
	bool en, rdy;

	if (ctrlr->state == NVME_CTRLR_STATE_INIT && ctrlr->resetting &&
	    ctrlr->transport->ctrlr_reconnect != NULL) {
		int rc = ctrlr->transport->ctrlr_reconnect(ctrlr);

		if (rc != 0)
			return init_fail(ctrlr, rc, "cannot reconnect the admin queue");
	}
	if (get_reg_4(ctrlr, SPDKRT_NVME_REG_CC, &cc) != 0 ||
	    get_reg_4(ctrlr, SPDKRT_NVME_REG_CSTS, &csts) != 0 || csts == UINT32_MAX)
		return init_fail(ctrlr, -ENXIO, "registers read all ones (device gone?)");
	en = SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_EN) != 0;
	rdy = SPDKRT_NVME_GET(csts, SPDKRT_NVME_CSTS_RDY) != 0;

	switch (ctrlr->state) {
	case NVME_CTRLR_STATE_INIT:
		ctrlr->adminq->enabled = false;
		if (en && rdy) {
			set_reg_4(ctrlr, SPDKRT_NVME_REG_CC,
				  cc & ~SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u));
			set_state(ctrlr, NVME_CTRLR_STATE_DISABLE_WAIT_RDY0,
				  ready_timeout_us(ctrlr));
		} else if (en) {
			/* Left enabling (firmware, a previous process): let it finish, then disable. */
			set_state(ctrlr, NVME_CTRLR_STATE_DISABLE_WAIT_RDY1,
				  ready_timeout_us(ctrlr));
		} else if (rdy) {
			set_state(ctrlr, NVME_CTRLR_STATE_DISABLE_WAIT_RDY0,
				  ready_timeout_us(ctrlr));
		} else {
			set_state(ctrlr, NVME_CTRLR_STATE_ENABLE, 0);
		}
		return 0;
	case NVME_CTRLR_STATE_DISABLE_WAIT_RDY1:
		if (rdy) {
			set_reg_4(ctrlr, SPDKRT_NVME_REG_CC,
				  cc & ~SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u));
			set_state(ctrlr, NVME_CTRLR_STATE_DISABLE_WAIT_RDY0,
				  ready_timeout_us(ctrlr));
			return 0;
		}
		break;
	case NVME_CTRLR_STATE_DISABLE_WAIT_RDY0:
		if (!rdy) {
			set_state(ctrlr, NVME_CTRLR_STATE_ENABLE, 0);
			return 0;
		}
		break;
	case NVME_CTRLR_STATE_ENABLE: {
		uint32_t ams = ctrlr->opts.arb_mechanism;
		int rc;

		if (ams != SPDKRT_NVME_CC_AMS_RR &&
		    !(ams == SPDKRT_NVME_CC_AMS_WRR &&
		      (SPDKRT_NVME_GET(ctrlr->cap, SPDKRT_NVME_CAP_AMS) &
		       SPDKRT_NVME_CAP_AMS_WRR)) &&
		    !(ams == SPDKRT_NVME_CC_AMS_VS &&
		      (SPDKRT_NVME_GET(ctrlr->cap, SPDKRT_NVME_CAP_AMS) & SPDKRT_NVME_CAP_AMS_VS)))
			return init_fail(ctrlr, -EINVAL,
					 "the arbitration mechanism asked for is not in CAP.AMS");
		/* Disabled: the device is done with the old rings, their owners may let go. */
		if (ctrlr->resetting && !ctrlr->gates_closed)
			nvme_ctrlr_close_gates(ctrlr);
		ctrlr->transport->qpair_reset(ctrlr->adminq);
		rc = ctrlr->transport->ctrlr_enable(ctrlr);
		if (rc != 0)
			return init_fail(ctrlr, rc, "cannot program the admin queue");
		cc = SPDKRT_NVME_SET(SPDKRT_NVME_CC_EN, 1u) |
		     SPDKRT_NVME_SET(SPDKRT_NVME_CC_MPS, 0u) |
		     SPDKRT_NVME_SET(SPDKRT_NVME_CC_AMS, ams) |
		     SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOSQES, 6u) |
		     SPDKRT_NVME_SET(SPDKRT_NVME_CC_IOCQES, 4u);
		set_reg_4(ctrlr, SPDKRT_NVME_REG_CC, cc);
		set_state(ctrlr, NVME_CTRLR_STATE_ENABLE_WAIT_RDY1, ready_timeout_us(ctrlr));
		return 0;
	}
	case NVME_CTRLR_STATE_ENABLE_WAIT_RDY1:
		if (SPDKRT_NVME_GET(csts, SPDKRT_NVME_CSTS_CFS))
			return init_fail(ctrlr, -EIO, "controller fatal status while enabling");
		if (rdy) {
			ctrlr->adminq->enabled = true;
			ctrlr->num_aers = 0;
			set_state(ctrlr, NVME_CTRLR_STATE_IDENTIFY, 0);
			return 0;
		}
		break;
	default:
		break;
	}
	if (nvme_past(ctrlr->state_deadline))
		return init_fail(ctrlr, -ETIMEDOUT, "CSTS.RDY did not follow CC.EN within CAP.TO");
	return -EAGAIN;
}

static int finish_init(struct spdkrt_nvme_ctrlr *ctrlr)
{
	set_state(ctrlr, NVME_CTRLR_STATE_READY, 0);
	if (ctrlr->resetting)
		nvme_ctrlr_reset_finished(ctrlr, 0);
	return 0;
}

bool nvme_ctrlr_is_discovery(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr->cdata.cntrltype == 2 || nvme_trid_is_discovery(&ctrlr->trid);
}

/* One step of the command states. 0: moved on, -EAGAIN: waiting, < 0: failed. */
static int step_commands(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_cmd cmd;
	const struct spdkrt_nvme_cpl *cpl = &ctrlr->init_cpl;
	bool done = ctrlr->cmd_done;

	if (done)
		ctrlr->cmd_done = false;
	switch (ctrlr->state) {
	case NVME_CTRLR_STATE_IDENTIFY:
		if (!done) {
			build_cmd(&cmd, SPDKRT_NVME_OPC_IDENTIFY, 0, SPDKRT_NVME_IDENTIFY_CTRLR, 0);
			return init_send(ctrlr, &cmd, ctrlr->identify_buf, NVME_IDENTIFY_SIZE);
		}
		if (spdkrt_nvme_cpl_is_error(cpl))
			return init_fail(ctrlr, -EIO, "identify controller failed");
		/* Written only when changed: I/O threads read it during a reset. */
		if (memcmp(&ctrlr->cdata, ctrlr->identify_buf, sizeof(ctrlr->cdata)) != 0)
			memcpy(&ctrlr->cdata, ctrlr->identify_buf, sizeof(ctrlr->cdata));
		compute_max_xfer(ctrlr);
		/* A discovery controller has no I/O queues, namespaces or events to set up. */
		set_state(ctrlr,
			  nvme_ctrlr_is_discovery(ctrlr) ? NVME_CTRLR_STATE_SET_KEEP_ALIVE :
							   NVME_CTRLR_STATE_SET_NUM_QUEUES,
			  0);
		return 0;
	case NVME_CTRLR_STATE_SET_NUM_QUEUES: {
		uint32_t want = ctrlr->opts.num_io_queues;

		if (!done) {
			build_cmd(&cmd, SPDKRT_NVME_OPC_SET_FEATURES, 0,
				  SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES,
				  SPDKRT_NVME_SET(SPDKRT_NVME_NUMQ_NSQ, want - 1) |
					  SPDKRT_NVME_SET(SPDKRT_NVME_NUMQ_NCQ, want - 1));
			return init_send(ctrlr, &cmd, NULL, 0);
		}
		if (spdkrt_nvme_cpl_is_error(cpl))
			return init_fail(ctrlr, -EIO, "set features number of queues failed");
		{
			uint32_t nsq = SPDKRT_NVME_GET(cpl->cdw0, SPDKRT_NVME_NUMQ_NSQ) + 1;
			uint32_t ncq = SPDKRT_NVME_GET(cpl->cdw0, SPDKRT_NVME_NUMQ_NCQ) + 1;
			uint32_t granted = nsq < ncq ? nsq : ncq;

			if (granted > want)
				granted = want;
			if (ctrlr->qid_in_use == NULL) {
				ctrlr->qid_in_use = calloc(granted + 1, 1);
				if (ctrlr->qid_in_use == NULL)
					return init_fail(ctrlr, -ENOMEM, "out of memory");
				ctrlr->num_io_queues = granted;
			} else if (granted < ctrlr->num_io_queues) {
				return init_fail(ctrlr, -EIO, "fewer queues granted after reset");
			}
		}
		/* The Arbitration feature: weights under weighted round robin, the burst under
		 * either mechanism; left as the controller has it when neither was asked for. */
		set_state(ctrlr,
			  ctrlr->opts.arb_mechanism == SPDKRT_NVME_CC_AMS_WRR ||
					  ctrlr->opts.arb_burst != NVME_ARB_BURST_UNLIMITED ?
				  NVME_CTRLR_STATE_SET_ARBITRATION :
				  NVME_CTRLR_STATE_IDENTIFY_ACTIVE_NS,
			  0);
		if (ctrlr->state == NVME_CTRLR_STATE_IDENTIFY_ACTIVE_NS)
			begin_ns_scan(ctrlr);
		return 0;
	}
	case NVME_CTRLR_STATE_SET_ARBITRATION:
		if (!done) {
			const struct spdkrt_nvme_ctrlr_opts *o = &ctrlr->opts;
			uint32_t arb = SPDKRT_NVME_SET(SPDKRT_NVME_ARB_AB, o->arb_burst);

			if (o->arb_mechanism == SPDKRT_NVME_CC_AMS_WRR)
				arb |= SPDKRT_NVME_SET(SPDKRT_NVME_ARB_LPW,
						       o->arb_low_weight - 1u) |
				       SPDKRT_NVME_SET(SPDKRT_NVME_ARB_MPW,
						       o->arb_medium_weight - 1u) |
				       SPDKRT_NVME_SET(SPDKRT_NVME_ARB_HPW,
						       o->arb_high_weight - 1u);
			build_cmd(&cmd, SPDKRT_NVME_OPC_SET_FEATURES, 0,
				  SPDKRT_NVME_FEAT_ARBITRATION, arb);
			return init_send(ctrlr, &cmd, NULL, 0);
		}
		if (spdkrt_nvme_cpl_is_error(cpl))
			SRT_WARN("nvme %s: set features arbitration failed: %s", ctrlr->trid.traddr,
				 spdkrt_nvme_cpl_status_string(cpl));
		begin_ns_scan(ctrlr);
		return 0;
	case NVME_CTRLR_STATE_READ_CHANGED_NS_LOG:
		/* Reading the log (RAE clear) re-arms the controller's namespace notices. */
		if (!done) {
			build_cmd(&cmd, SPDKRT_NVME_OPC_GET_LOG_PAGE, SPDKRT_NVME_NSID_ALL,
				  SPDKRT_NVME_SET(SPDKRT_NVME_LOG_LID,
						  (uint32_t)SPDKRT_NVME_LOG_CHANGED_NS_LIST) |
					  SPDKRT_NVME_SET(SPDKRT_NVME_LOG_NUMDL,
							  NVME_IDENTIFY_SIZE / 4 - 1),
				  0);
			return init_send(ctrlr, &cmd, ctrlr->identify_buf, NVME_IDENTIFY_SIZE);
		}
		if (spdkrt_nvme_cpl_is_error(cpl))
			SRT_WARN("nvme %s: reading the changed namespace list failed: %s",
				 ctrlr->trid.traddr, spdkrt_nvme_cpl_status_string(cpl));
		begin_ns_scan(ctrlr);
		return 0;
	case NVME_CTRLR_STATE_IDENTIFY_ACTIVE_NS:
		if (ctrlr->new_ns_ids == NULL) {
			ctrlr->new_ns_ids = calloc(NVME_MAX_ACTIVE_NS, sizeof(uint32_t));
			if (ctrlr->new_ns_ids == NULL)
				return init_fail(ctrlr, -ENOMEM, "out of memory");
		}
		if (ctrlr->vs < SPDKRT_NVME_VERSION(1, 1, 0)) {
			/* No active list before NVMe 1.1: every id up to NN is a candidate. */
			uint32_t nn = ctrlr->cdata.nn < NVME_MAX_ACTIVE_NS ? ctrlr->cdata.nn :
									     NVME_MAX_ACTIVE_NS;

			for (uint32_t i = 1; i <= nn; i++)
				ctrlr->new_ns_ids[ctrlr->num_new_ns++] = i;
		} else {
			if (!done) {
				uint32_t after = ctrlr->num_new_ns ?
							 ctrlr->new_ns_ids[ctrlr->num_new_ns - 1] :
							 0;

				build_cmd(&cmd, SPDKRT_NVME_OPC_IDENTIFY, after,
					  SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST, 0);
				return init_send(ctrlr, &cmd, ctrlr->identify_buf,
						 NVME_IDENTIFY_SIZE);
			}
			if (spdkrt_nvme_cpl_is_error(cpl))
				return init_fail(ctrlr, -EIO,
						 "identify active namespace list failed");
			if (!take_active_page(ctrlr))
				return 0; /* next page */
		}
		ctrlr->new_ns =
			calloc(ctrlr->num_new_ns ? ctrlr->num_new_ns : 1, sizeof(*ctrlr->new_ns));
		if (ctrlr->new_ns == NULL)
			return init_fail(ctrlr, -ENOMEM, "out of memory");
		ctrlr->init_index = 0;
		set_state(ctrlr, NVME_CTRLR_STATE_IDENTIFY_NS, 0);
		return 0;
	case NVME_CTRLR_STATE_IDENTIFY_NS:
		if (ctrlr->init_index < ctrlr->num_new_ns) {
			uint32_t nsid = ctrlr->new_ns_ids[ctrlr->init_index];
			struct spdkrt_nvme_ns *ns;

			if (!done) {
				build_cmd(&cmd, SPDKRT_NVME_OPC_IDENTIFY, nsid,
					  SPDKRT_NVME_IDENTIFY_NS, 0);
				return init_send(ctrlr, &cmd, ctrlr->identify_buf,
						 NVME_IDENTIFY_SIZE);
			}
			ns = find_ns(ctrlr, nsid);
			if (ns == NULL) {
				ns = calloc(1, sizeof(*ns));
				if (ns == NULL)
					return init_fail(ctrlr, -ENOMEM, "out of memory");
				ns->ctrlr = ctrlr;
				ns->id = nsid;
			}
			ctrlr->new_ns[ctrlr->init_index++] = ns;
			if (spdkrt_nvme_cpl_is_error(cpl)) {
				SRT_WARN("nvme %s: identify namespace %u failed: %s",
					 ctrlr->trid.traddr, nsid,
					 spdkrt_nvme_cpl_status_string(cpl));
				memset(ctrlr->identify_buf, 0, NVME_IDENTIFY_SIZE);
			}
			nvme_ns_update(ns, ctrlr->identify_buf);
			return 0;
		}
		/* Drop ids whose namespace is unusable (inactive or nonsense data). */
		{
			uint32_t kept = 0;

			for (uint32_t i = 0; i < ctrlr->num_new_ns; i++) {
				struct spdkrt_nvme_ns *ns = ctrlr->new_ns[i];

				if (ns->usable) {
					ctrlr->new_ns[kept] = ns;
					ctrlr->new_ns_ids[kept++] = ns->id;
				} else if (find_ns(ctrlr, ns->id) == NULL) {
					free(ns);
				}
			}
			ctrlr->num_new_ns = kept;
		}
		commit_new_ns(ctrlr, ctrlr->new_ns);
		ctrlr->new_ns = NULL;
		if (ctrlr->rescanning) {
			ctrlr->rescanning = false;
			finish_init(ctrlr);
			if (ctrlr->ns_change_cb != NULL)
				ctrlr->ns_change_cb(ctrlr->ns_change_arg, ctrlr);
			return 0;
		}
		set_state(ctrlr, NVME_CTRLR_STATE_CONFIGURE_AER, 0);
		return 0;
	case NVME_CTRLR_STATE_CONFIGURE_AER:
		if (!done) {
			build_cmd(&cmd, SPDKRT_NVME_OPC_SET_FEATURES, 0,
				  SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION,
				  SPDKRT_NVME_SET(SPDKRT_NVME_AEC_CRIT_WARNING, 0xFFu) |
					  (ctrlr->cdata.oaes & (1u << 8) ?
						   SPDKRT_NVME_SET(SPDKRT_NVME_AEC_NS_ATTR, 1u) :
						   0) |
					  (ctrlr->cdata.oaes & (1u << 9) ?
						   SPDKRT_NVME_SET(SPDKRT_NVME_AEC_FW_ACTIVATION,
								   1u) :
						   0));
			return init_send(ctrlr, &cmd, NULL, 0);
		}
		if (spdkrt_nvme_cpl_is_error(cpl))
			SRT_WARN(
				"nvme %s: set features asynchronous event configuration failed: %s",
				ctrlr->trid.traddr, spdkrt_nvme_cpl_status_string(cpl));
		if (post_aers(ctrlr) != 0)
			SRT_WARN("nvme %s: cannot post asynchronous event requests",
				 ctrlr->trid.traddr);
		set_state(ctrlr, NVME_CTRLR_STATE_SET_KEEP_ALIVE, 0);
		return 0;
	case NVME_CTRLR_STATE_SET_KEEP_ALIVE:
		if (ctrlr->opts.keep_alive_timeout_ms == 0 || ctrlr->cdata.kas == 0) {
			ctrlr->keep_alive_interval = 0;
		} else if (!done) {
			build_cmd(&cmd, SPDKRT_NVME_OPC_SET_FEATURES, 0,
				  SPDKRT_NVME_FEAT_KEEP_ALIVE_TIMER,
				  ctrlr->opts.keep_alive_timeout_ms);
			return init_send(ctrlr, &cmd, NULL, 0);
		} else if (spdkrt_nvme_cpl_is_error(cpl)) {
			SRT_WARN(
				"nvme %s: set features keep alive timer failed: %s; keep alive off",
				ctrlr->trid.traddr, spdkrt_nvme_cpl_status_string(cpl));
			ctrlr->keep_alive_interval = 0;
		} else {
			uint64_t half_ms = ctrlr->opts.keep_alive_timeout_ms / 2;

			ctrlr->keep_alive_interval =
				nvme_us_to_ticks((half_ms ? half_ms : 1) * 1000);
			ctrlr->next_keep_alive = spdkrt_get_ticks() + ctrlr->keep_alive_interval;
		}
		ctrlr->init_index = 0;
		if (ctrlr->resetting) {
			set_state(ctrlr, NVME_CTRLR_STATE_RECREATE_QPAIRS, 0);
			return 0;
		}
		return finish_init(ctrlr);
	case NVME_CTRLR_STATE_RECREATE_QPAIRS: {
		/* Pairs of other threads that have not let go yet follow from the admin poll. */
		int rc = nvme_ctrlr_reconnect_qpairs(ctrlr);

		if (rc == -EAGAIN)
			return rc;
		if (rc != 0)
			return init_fail(ctrlr, rc, "cannot re-create an I/O queue pair");
		return finish_init(ctrlr);
	}
	default:
		return -EAGAIN;
	}
}

int nvme_ctrlr_process_init(struct spdkrt_nvme_ctrlr *ctrlr)
{
	for (int steps = 0; steps < 64; steps++) {
		int rc;

		if (ctrlr->state == NVME_CTRLR_STATE_READY)
			return 0;
		if (ctrlr->state == NVME_CTRLR_STATE_FAILED)
			return ctrlr->init_rc != 0 ? ctrlr->init_rc : -EIO;
		if (ctrlr->state < NVME_CTRLR_STATE_IDENTIFY) {
			rc = step_registers(ctrlr);
		} else {
			if (ctrlr->adminq->enabled) {
				ctrlr->transport->qpair_process(ctrlr->adminq, 0);
				nvme_qpair_submit_queued(ctrlr->adminq);
			}
			if (ctrlr->state == NVME_CTRLR_STATE_FAILED)
				continue;
			if (ctrlr->cmd_pending) {
				if (nvme_past(ctrlr->cmd_deadline))
					return init_fail(
						ctrlr, -ETIMEDOUT,
						"an admin command got no completion in time");
				return -EAGAIN;
			}
			rc = step_commands(ctrlr);
		}
		if (rc != 0)
			return rc == -EAGAIN ? -EAGAIN : (ctrlr->init_rc ? ctrlr->init_rc : rc);
	}
	return -EAGAIN;
}

int nvme_ctrlr_start_init(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_ctrlr_opts *o = &ctrlr->opts;
	uint32_t mqes;
	uint32_t vs = 0;
	int rc;

	if (ctrlr->cap == UINT64_MAX) {
		SRT_ERR("nvme %s: CAP reads all ones (device gone?)", ctrlr->trid.traddr);
		return -ENXIO;
	}
	if (SPDKRT_NVME_GET(ctrlr->cap, SPDKRT_NVME_CAP_MPSMIN) != 0) {
		SRT_ERR("nvme %s: the controller's minimum page size is above 4 KiB: unsupported",
			ctrlr->trid.traddr);
		return -ENOTSUP;
	}
	get_reg_4(ctrlr, SPDKRT_NVME_REG_VS, &vs);
	ctrlr->vs = vs;
	ctrlr->page_size = NVME_PAGE_SIZE;
	mqes = (uint32_t)SPDKRT_NVME_GET(ctrlr->cap, SPDKRT_NVME_CAP_MQES) + 1;
	if (mqes < 2)
		mqes = 2;
	if (o->io_queue_size > mqes)
		o->io_queue_size = mqes;
	if (o->io_queue_size < 2)
		o->io_queue_size = 2;
	if (o->admin_queue_size > mqes)
		o->admin_queue_size = mqes;
	if (o->admin_queue_size > 4096)
		o->admin_queue_size = 4096;
	if (o->admin_queue_size < 2)
		o->admin_queue_size = 2;
	if (o->num_io_queues == 0 || o->num_io_queues > SPDKRT_NVME_MAX_IO_QUEUES)
		o->num_io_queues = o->num_io_queues == 0 ? 1 : SPDKRT_NVME_MAX_IO_QUEUES;
	if (o->io_queue_requests < o->io_queue_size)
		o->io_queue_requests = o->io_queue_size;
	TAILQ_INIT(&ctrlr->io_qpairs);
	ctrlr->identify_buf =
		spdkrt_dma_zmalloc(NVME_IDENTIFY_SIZE, NVME_PAGE_SIZE, SPDKRT_ENV_SOCKET_ANY);
	if (ctrlr->identify_buf == NULL)
		return -ENOMEM;
	rc = ctrlr->transport->qpair_create(ctrlr, 0, o->admin_queue_size, 2 * o->admin_queue_size,
					    0, &ctrlr->adminq);
	if (rc != 0)
		return rc;
	set_state(ctrlr, NVME_CTRLR_STATE_INIT, 0);
	return 0;
}

/*
 * Fails what the calling thread owns: the admin queue and its own I/O queue pairs (outside
 * their completion processing). Other threads' pairs fail their own commands at their next
 * process call, when they see is_failed.
 */
static void fail_owned(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_qpair *qpair;

	TAILQ_FOREACH(qpair, &ctrlr->io_qpairs, link) {
		if (nvme_qpair_owned_here(qpair))
			nvme_qpair_abort_all(qpair, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
	}
	if (ctrlr->adminq != NULL)
		nvme_qpair_abort_all(ctrlr->adminq, SPDKRT_NVME_SCT_GENERIC,
				     SPDKRT_NVME_SC_ABORTED_SQ_DELETION, true);
}

/* Admin side only (an I/O thread that sees a removal only sets is_removed and is_failed). */
void nvme_ctrlr_fail(struct spdkrt_nvme_ctrlr *ctrlr, bool removed)
{
	if (removed)
		ctrlr->is_removed = true;
	ctrlr->is_failed = true;
	if (!ctrlr->fail_logged)
		SRT_ERR("nvme %s: controller %s: outstanding commands fail, new ones get -ENXIO",
			ctrlr->trid.traddr, ctrlr->is_removed ? "removed" : "failed");
	ctrlr->fail_logged = true;
	ctrlr->state = NVME_CTRLR_STATE_FAILED;
	ctrlr->reconnecting = NULL;
	fail_owned(ctrlr);
	if (ctrlr->resetting || (ctrlr->reset_requested && !ctrlr->reset_done))
		nvme_ctrlr_reset_finished(ctrlr, ctrlr->init_rc != 0 ? ctrlr->init_rc : -ENXIO);
	if (ctrlr->is_removed)
		nvme_ctrlr_notify_removed(ctrlr);
}

void nvme_ctrlr_notify_removed(struct spdkrt_nvme_ctrlr *ctrlr)
{
	if (!atomic_exchange(&ctrlr->remove_notified, true) && ctrlr->remove_cb != NULL)
		ctrlr->remove_cb(ctrlr->remove_ctx, ctrlr);
}

static void keep_alive_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_ctrlr *ctrlr = arg;

	ctrlr->keep_alive_pending = false;
	if (spdkrt_nvme_cpl_is_error(cpl))
		SRT_WARN("nvme %s: keep alive failed: %s", ctrlr->trid.traddr,
			 spdkrt_nvme_cpl_status_string(cpl));
}

static void send_keep_alive(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint64_t now = spdkrt_get_ticks();
	struct nvme_request *req;

	if (ctrlr->keep_alive_interval == 0 || now < ctrlr->next_keep_alive ||
	    ctrlr->keep_alive_pending)
		return;
	ctrlr->next_keep_alive = now + ctrlr->keep_alive_interval;
	req = nvme_request_alloc(ctrlr->adminq, keep_alive_done, ctrlr);
	if (req == NULL)
		return;
	req->cmd.opc = SPDKRT_NVME_OPC_KEEP_ALIVE;
	if (nvme_qpair_submit(ctrlr->adminq, req) != 0)
		nvme_request_free(req);
	else
		ctrlr->keep_alive_pending = true;
}

static int32_t process_admin(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint32_t csts = 0;
	int32_t n;
	int rc;

	/* During a reset a lost I/O connection is the reset's to re-create. */
	if (!ctrlr->resetting && atomic_exchange(&ctrlr->conn_lost, false) && !ctrlr->is_failed) {
		SRT_ERR("nvme %s: process_admin: an I/O connection was lost", ctrlr->trid.traddr);
		ctrlr->is_failed = true;
	}
	if (ctrlr->is_failed) {
		nvme_ctrlr_fail(ctrlr, false);
		nvme_ctrlr_reconnect_poll(ctrlr);
		return ctrlr->is_failed ? -ENXIO : 0;
	}
	/* is_removed alone: a remove uevent that came while a reset cleared is_failed. */
	if (ctrlr->is_removed || ctrlr->transport->ctrlr_is_removed(ctrlr)) {
		nvme_ctrlr_fail(ctrlr, true);
		return -ENXIO;
	}
	if (ctrlr->state == NVME_CTRLR_STATE_READY && !ctrlr->transport->remote_regs &&
	    get_reg_4(ctrlr, SPDKRT_NVME_REG_CSTS, &csts) == 0 &&
	    SPDKRT_NVME_GET(csts, SPDKRT_NVME_CSTS_CFS)) {
		SRT_ERR("nvme %s: controller fatal status (CSTS 0x%x)", ctrlr->trid.traddr, csts);
		nvme_ctrlr_start_reset(ctrlr);
	}
	if (ctrlr->state == NVME_CTRLR_STATE_READY && ctrlr->ns_rescan_pending) {
		ctrlr->ns_rescan_pending = false;
		ctrlr->rescanning = true;
		set_state(ctrlr, NVME_CTRLR_STATE_READ_CHANGED_NS_LOG, 0);
	}
	if (ctrlr->state != NVME_CTRLR_STATE_READY) {
		rc = nvme_ctrlr_process_init(ctrlr);
		if (rc != 0 && rc != -EAGAIN) {
			nvme_ctrlr_fail(ctrlr, false);
			return -ENXIO;
		}
		return 0;
	}
	if (ctrlr->adminq->in_completion)
		return 0; /* called from an admin callback: the outer call goes on reaping */
	ctrlr->adminq->in_completion = true;
	n = ctrlr->transport->qpair_process(ctrlr->adminq, 0);
	ctrlr->adminq->in_completion = false;
	nvme_qpair_submit_queued(ctrlr->adminq);
	rc = nvme_ctrlr_reconnect_qpairs(ctrlr);
	if (rc != 0 && rc != -EAGAIN) {
		nvme_ctrlr_fail(ctrlr, false);
		return -ENXIO;
	}
	send_keep_alive(ctrlr);
	nvme_qpair_check_timeouts(ctrlr->adminq);
	return ctrlr->is_failed ? -ENXIO : n;
}

int32_t spdkrt_nvme_ctrlr_process_admin_completions(struct spdkrt_nvme_ctrlr *ctrlr)
{
	int32_t n;

	if (ctrlr == NULL)
		return nvme_bad_arg(__func__, "ctrlr is NULL");
	n = process_admin(ctrlr);
	/* The reset's callback last, outside the state machine: it may start another reset. */
	nvme_ctrlr_deliver_reset(ctrlr);
	return n;
}

int nvme_ctrlr_wait(struct spdkrt_nvme_ctrlr *ctrlr, const bool *done, uint64_t timeout_us)
{
	uint64_t deadline = nvme_deadline_after_us(timeout_us);

	while (!*done) {
		if (spdkrt_nvme_ctrlr_process_admin_completions(ctrlr) < 0 && !*done)
			return -ENXIO;
		if (*done)
			break;
		if (spdkrt_get_ticks() > deadline)
			return -ETIMEDOUT;
		ctrlr->transport->idle();
	}
	return 0;
}

bool spdkrt_nvme_ctrlr_is_failed(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL || ctrlr->is_failed;
}

void nvme_ctrlr_destruct(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_qpair *qpair;

	while ((qpair = TAILQ_FIRST(&ctrlr->io_qpairs)) != NULL) {
		TAILQ_REMOVE(&ctrlr->io_qpairs, qpair, link);
		nvme_qpair_destroy(qpair);
	}
	if (ctrlr->adminq != NULL)
		nvme_qpair_destroy(ctrlr->adminq);
	for (uint32_t i = 0; i < ctrlr->num_active_ns; i++)
		free(ctrlr->ns[i]);
	if (ctrlr->new_ns != NULL) {
		for (uint32_t i = 0; i < ctrlr->init_index && i < ctrlr->num_new_ns; i++) {
			if (ctrlr->new_ns[i] != NULL &&
			    find_ns(ctrlr, ctrlr->new_ns[i]->id) == NULL)
				free(ctrlr->new_ns[i]);
		}
	}
	free(ctrlr->new_ns);
	free(ctrlr->ns);
	free(ctrlr->active_ns_ids);
	free(ctrlr->new_ns_ids);
	free(ctrlr->qid_in_use);
	spdkrt_dma_free(ctrlr->identify_buf);
	ctrlr->transport->ctrlr_destruct(ctrlr);
}

/* Getters */

const struct spdkrt_nvme_ctrlr_data *
spdkrt_nvme_ctrlr_get_data(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL ? NULL : &ctrlr->cdata;
}

const struct spdkrt_nvme_transport_id *
spdkrt_nvme_ctrlr_get_transport_id(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL ? NULL : &ctrlr->trid;
}

uint64_t spdkrt_nvme_ctrlr_get_regs_cap(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL ? 0 : ctrlr->cap;
}

static uint32_t read_live(const struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset)
{
	uint32_t v = UINT32_MAX;

	if (ctrlr != NULL)
		ctrlr->transport->get_reg_4((struct spdkrt_nvme_ctrlr *)(uintptr_t)ctrlr, offset,
					    &v);
	return v;
}

uint32_t spdkrt_nvme_ctrlr_get_regs_vs(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return read_live(ctrlr, SPDKRT_NVME_REG_VS);
}

uint32_t spdkrt_nvme_ctrlr_get_regs_csts(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return read_live(ctrlr, SPDKRT_NVME_REG_CSTS);
}

uint32_t spdkrt_nvme_ctrlr_get_regs_cmbsz(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	/* Fabrics have no CMB, and no CMBSZ property to ask for (a target refuses it). */
	if (ctrlr != NULL && ctrlr->trid.trtype != SPDKRT_NVME_TRANSPORT_PCIE)
		return 0;
	return read_live(ctrlr, SPDKRT_NVME_REG_CMBSZ);
}

uint32_t spdkrt_nvme_ctrlr_get_max_xfer_size(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL ? 0 : ctrlr->max_xfer_size;
}

uint32_t spdkrt_nvme_ctrlr_get_num_ns(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL ? 0 : ctrlr->cdata.nn;
}

uint32_t spdkrt_nvme_ctrlr_get_first_active_ns(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return ctrlr == NULL || ctrlr->num_active_ns == 0 ? 0 : ctrlr->active_ns_ids[0];
}

uint32_t spdkrt_nvme_ctrlr_get_next_active_ns(const struct spdkrt_nvme_ctrlr *ctrlr,
					      uint32_t prev_nsid)
{
	if (ctrlr == NULL)
		return 0;
	for (uint32_t i = 0; i < ctrlr->num_active_ns; i++) {
		if (ctrlr->active_ns_ids[i] > prev_nsid)
			return ctrlr->active_ns_ids[i];
	}
	return 0;
}

struct spdkrt_nvme_ns *spdkrt_nvme_ctrlr_get_ns(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t nsid)
{
	return ctrlr == NULL ? NULL : find_ns(ctrlr, nsid);
}

void spdkrt_nvme_ctrlr_register_aer_callback(struct spdkrt_nvme_ctrlr *ctrlr, spdkrt_nvme_aer_cb cb,
					     void *cb_arg)
{
	if (ctrlr == NULL) {
		nvme_bad_arg(__func__, "ctrlr is NULL");
		return;
	}
	ctrlr->aer_cb = cb;
	ctrlr->aer_arg = cb_arg;
}

void spdkrt_nvme_ctrlr_register_ns_change_callback(struct spdkrt_nvme_ctrlr *ctrlr,
						   spdkrt_nvme_ns_change_cb cb, void *cb_arg)
{
	if (ctrlr == NULL) {
		nvme_bad_arg(__func__, "ctrlr is NULL");
		return;
	}
	ctrlr->ns_change_cb = cb;
	ctrlr->ns_change_arg = cb_arg;
}

void spdkrt_nvme_ctrlr_register_timeout_callback(struct spdkrt_nvme_ctrlr *ctrlr,
						 uint64_t io_timeout_us, uint64_t admin_timeout_us,
						 spdkrt_nvme_timeout_cb cb, void *cb_arg)
{
	if (ctrlr == NULL) {
		nvme_bad_arg(__func__, "ctrlr is NULL");
		return;
	}
	ctrlr->timeout_cb = cb;
	ctrlr->timeout_arg = cb_arg;
	ctrlr->io_timeout_ticks = cb == NULL ? 0 : nvme_us_to_ticks(io_timeout_us);
	ctrlr->admin_timeout_ticks = cb == NULL ? 0 : nvme_us_to_ticks(admin_timeout_us);
}
