/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fabrics commands (Connect, Property Get/Set, Disconnect) and the dispatch of every command a
 * queue pair receives. Connect checks the subsystem, the host against the allowed list, the
 * queue id and size, and answers a refusal with a Connect-specific status: a Linux host that
 * gets no answer waits for its admin timeout.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Controller ids handed out dynamically; 0xFFF0 and up are reserved. */
#define CNTLID_MIN 1
#define CNTLID_MAX 0xffefu
#define CNTLID_DYNAMIC 0xffffu

void srt_nvmf_req_execute(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;

	if (req->aborted) {
		SRT_INFO("%s: command %u aborted before it ran", q->peer, req->cmd.cid);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_ABORTED_BY_REQUEST);
		return;
	}
	if (req->deferred_status != 0) {
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     (uint8_t)req->deferred_status);
		return;
	}
	if (req->cmd.opc == SPDKRT_NVME_OPC_FABRIC) {
		srt_nvmf_fabrics_execute(req);
		return;
	}
	if (q->ctrlr == NULL) {
		SRT_ERR("%s: opcode 0x%02x before Connect", q->peer, req->cmd.opc);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR);
		return;
	}
	if (q->qid == 0)
		srt_nvmf_admin_execute(req);
	else
		srt_nvmf_io_execute(req);
}

/* Connect refused for a bad parameter: CDW0 names it (offset, and whether it is in the data). */
static void connect_invalid(struct srt_nvmf_req *req, uint32_t offset, bool in_data)
{
	req->cpl.cdw0 = offset | (in_data ? 1u << 16 : 0);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
				     SPDKRT_NVMF_SC_INVALID_PARAM);
}

/* An NQN field of Connect data: 1..223 bytes, then a NUL. */
static bool nqn_terminated(const char *nqn)
{
	return memchr(nqn, '\0', SRT_NVMF_NQN_SIZE) != NULL && nqn[0] != '\0';
}

static uint16_t alloc_cntlid(struct spdkrt_nvmf_subsystem *subsys)
{
	for (unsigned tries = 0; tries < CNTLID_MAX; tries++) {
		uint16_t id = subsys->next_cntlid;
		struct srt_nvmf_ctrlr *c;
		bool used = false;

		subsys->next_cntlid = id >= CNTLID_MAX ? CNTLID_MIN : (uint16_t)(id + 1);
		TAILQ_FOREACH(c, &subsys->ctrlrs, link)
			used |= c->cntlid == id;
		if (!used)
			return id;
	}
	return 0;
}

/* Admin queue Connect: a new controller. Called with tgt->lock held. @return NULL (refused). */
static struct srt_nvmf_ctrlr *connect_admin(struct srt_nvmf_req *req,
					    struct spdkrt_nvmf_subsystem *subsys,
					    const struct spdkrt_nvmf_connect_data *data)
{
	const struct spdkrt_nvmf_connect_cmd *cmd = (const void *)&req->cmd;
	struct spdkrt_nvmf_tgt *tgt = subsys->tgt;
	struct srt_nvmf_ctrlr *ctrlr;

	if (data->cntlid != CNTLID_DYNAMIC) {
		SRT_ERR("%s: Connect asks for static controller id %u (only dynamic ones exist)",
			req->qpair->peer, data->cntlid);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, cntlid), true);
		return NULL;
	}
	if (cmd->sqsize < 1 || cmd->sqsize >= tgt->opts.max_admin_queue_depth) {
		SRT_ERR("%s: admin queue size %u out of 2..%u", req->qpair->peer, cmd->sqsize + 1u,
			tgt->opts.max_admin_queue_depth);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_cmd, sqsize), false);
		return NULL;
	}
	ctrlr = calloc(1, sizeof(*ctrlr));
	if (ctrlr != NULL)
		ctrlr->io_qpairs = calloc(tgt->opts.max_io_queues + 1u, sizeof(*ctrlr->io_qpairs));
	if (ctrlr == NULL || ctrlr->io_qpairs == NULL ||
	    (ctrlr->cntlid = alloc_cntlid(subsys)) == 0) {
		SRT_ERR("%s: cannot make another controller on %s", req->qpair->peer, subsys->nqn);
		if (ctrlr != NULL)
			free(ctrlr->io_qpairs);
		free(ctrlr);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
					     SPDKRT_NVMF_SC_CONTROLLER_BUSY);
		return NULL;
	}
	ctrlr->subsys = subsys;
	/* Connect checked that the host NQN ends within its field; it fits (<= 223 bytes). */
	memcpy(ctrlr->hostnqn, data->hostnqn, strnlen(data->hostnqn, sizeof(ctrlr->hostnqn) - 1));
	memcpy(ctrlr->hostid, data->hostid, sizeof(ctrlr->hostid));
	ctrlr->refs = 1;
	ctrlr->num_io_queues = subsys->discovery ? 0 : tgt->opts.max_io_queues;
	ctrlr->admin_qpair = req->qpair;
	ctrlr->kato_ms = cmd->kato;
	if (ctrlr->kato_ms != 0 && ctrlr->kato_ms < tgt->opts.min_keep_alive_ms)
		ctrlr->kato_ms = tgt->opts.min_keep_alive_ms;
	ctrlr->last_keep_alive = spdkrt_get_ticks();
	ctrlr->linked = true;
	subsys->refs++;
	TAILQ_INSERT_TAIL(&subsys->ctrlrs, ctrlr, link);
	atomic_fetch_add(&tgt->stat_ctrlrs, 1);
	return ctrlr;
}

/* I/O queue Connect: join an enabled controller of the same host. Called with tgt->lock held. */
static struct srt_nvmf_ctrlr *connect_io(struct srt_nvmf_req *req,
					 struct spdkrt_nvmf_subsystem *subsys,
					 const struct spdkrt_nvmf_connect_data *data)
{
	const struct spdkrt_nvmf_connect_cmd *cmd = (const void *)&req->cmd;
	struct srt_nvmf_qpair *q = req->qpair;
	struct srt_nvmf_ctrlr *ctrlr;

	TAILQ_FOREACH(ctrlr, &subsys->ctrlrs, link)
		if (ctrlr->cntlid == data->cntlid)
			break;
	if (ctrlr == NULL || atomic_load(&ctrlr->failed)) {
		SRT_ERR("%s: I/O queue Connect to unknown controller %u of %s", q->peer,
			data->cntlid, subsys->nqn);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, cntlid), true);
		return NULL;
	}
	if (strcmp(ctrlr->hostnqn, data->hostnqn) != 0 ||
	    memcmp(ctrlr->hostid, data->hostid, sizeof(ctrlr->hostid)) != 0) {
		SRT_ERR("%s: I/O queue Connect to controller %u from another host (%s)", q->peer,
			data->cntlid, data->hostnqn);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, hostnqn), true);
		return NULL;
	}
	if (!atomic_load(&ctrlr->ready)) {
		SRT_ERR("%s: I/O queue Connect before controller %u is enabled", q->peer,
			ctrlr->cntlid);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR);
		return NULL;
	}
	if (cmd->qid > ctrlr->num_io_queues || ctrlr->io_qpairs[cmd->qid] != NULL) {
		SRT_ERR("%s: I/O queue id %u is out of 1..%u or in use", q->peer, cmd->qid,
			ctrlr->num_io_queues);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_cmd, qid), false);
		return NULL;
	}
	if (cmd->sqsize < 1 || cmd->sqsize >= subsys->tgt->opts.max_queue_depth) {
		SRT_ERR("%s: I/O queue size %u out of 2..%u", q->peer, cmd->sqsize + 1u,
			subsys->tgt->opts.max_queue_depth);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_cmd, sqsize), false);
		return NULL;
	}
	ctrlr->io_qpairs[cmd->qid] = q;
	ctrlr->refs++;
	return ctrlr;
}

static void handle_connect(struct srt_nvmf_req *req)
{
	const struct spdkrt_nvmf_connect_cmd *cmd = (const void *)&req->cmd;
	struct spdkrt_nvmf_connect_data *data = (void *)req->buf;
	struct srt_nvmf_qpair *q = req->qpair;
	struct spdkrt_nvmf_tgt *tgt = q->tgt;
	struct spdkrt_nvmf_subsystem *subsys;
	struct srt_nvmf_ctrlr *ctrlr;

	if (q->ctrlr != NULL) {
		SRT_ERR("%s: second Connect on a connected queue", q->peer);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR);
		return;
	}
	if (req->xfer_len < sizeof(*data)) {
		SRT_ERR("%s: Connect with %u bytes of data (1024 needed)", q->peer, req->xfer_len);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID);
		return;
	}
	if (cmd->recfmt != 0) {
		SRT_ERR("%s: Connect record format %u", q->peer, cmd->recfmt);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
					     SPDKRT_NVMF_SC_INCOMPATIBLE_FORMAT);
		return;
	}
	if (!nqn_terminated(data->subnqn)) {
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, subnqn), true);
		return;
	}
	if (!nqn_terminated(data->hostnqn)) {
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, hostnqn), true);
		return;
	}
	pthread_mutex_lock(&tgt->lock);
	subsys = srt_nvmf_find_subsystem_locked(tgt, data->subnqn);
	if (subsys == NULL) {
		pthread_mutex_unlock(&tgt->lock);
		SRT_ERR("%s: Connect to unknown subsystem %s", q->peer, data->subnqn);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, subnqn), true);
		return;
	}
	if (!srt_nvmf_subsystem_host_allowed(subsys, data->hostnqn)) {
		pthread_mutex_unlock(&tgt->lock);
		SRT_ERR("%s: host %s is not allowed on %s", q->peer, data->hostnqn, data->subnqn);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
					     SPDKRT_NVMF_SC_INVALID_HOST);
		return;
	}
	if (!srt_nvmf_subsystem_listens_on_locked(subsys, q->portid)) {
		pthread_mutex_unlock(&tgt->lock);
		SRT_ERR("%s: Connect to %s, which does not listen where this connection came in",
			q->peer, data->subnqn);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_data, subnqn), true);
		return;
	}
	if (!srt_nvmf_secure_channel_allows(q, subsys, data->hostnqn)) {
		pthread_mutex_unlock(&tgt->lock);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
					     SPDKRT_NVMF_SC_INVALID_HOST);
		return;
	}
	if (cmd->qid == 0)
		ctrlr = connect_admin(req, subsys, data);
	else if (subsys->discovery) {
		ctrlr = NULL;
		SRT_ERR("%s: I/O queue Connect to the discovery subsystem", q->peer);
		connect_invalid(req, offsetof(struct spdkrt_nvmf_connect_cmd, qid), false);
	} else
		ctrlr = connect_io(req, subsys, data);
	pthread_mutex_unlock(&tgt->lock);
	if (ctrlr == NULL)
		return;
	q->ctrlr = ctrlr;
	q->qid = cmd->qid;
	q->sq_entries = cmd->sqsize + 1u;
	q->sqhd = (uint16_t)(q->sqhd % q->sq_entries);
	SRT_INFO("%s: host %s connected to %s, controller %u, queue %u (%u entries)", q->peer,
		 data->hostnqn, subsys->nqn, ctrlr->cntlid, q->qid, q->sq_entries);
	req->cpl.cdw0 = ctrlr->cntlid;
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static uint64_t prop_cap(const struct srt_nvmf_ctrlr *ctrlr)
{
	const struct spdkrt_nvmf_tgt_opts *o = &ctrlr->subsys->tgt->opts;
	uint32_t mqes = ctrlr->subsys->discovery ? o->max_admin_queue_depth : o->max_queue_depth;

	return SPDKRT_NVME_SET(SPDKRT_NVME_CAP_MQES, (uint64_t)mqes - 1) |
	       SPDKRT_NVME_SET(SPDKRT_NVME_CAP_CQR, 1ull) |
	       SPDKRT_NVME_SET(SPDKRT_NVME_CAP_TO, 1ull) |
	       SPDKRT_NVME_SET(SPDKRT_NVME_CAP_CSS, (uint64_t)SPDKRT_NVME_CAP_CSS_NVM);
}

static void handle_property_get(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	const struct spdkrt_nvmf_property_get_cmd *cmd = (const void *)&req->cmd;
	bool eight = (cmd->attrib & 0x7u) == SPDKRT_NVMF_PROP_SIZE_8;
	uint64_t value;

	switch (cmd->ofst) {
	case SPDKRT_NVME_REG_CAP:
		value = prop_cap(ctrlr);
		break;
	case SPDKRT_NVME_REG_VS:
		value = SPDKRT_NVME_VERSION(1, 3, 0);
		break;
	case SPDKRT_NVME_REG_CC:
		value = ctrlr->cc;
		break;
	case SPDKRT_NVME_REG_CSTS:
		value = ctrlr->csts;
		break;
	default:
		SRT_ERR("%s: Property Get of unknown offset 0x%x", req->qpair->peer, cmd->ofst);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_INVALID_FIELD);
		return;
	}
	if (eight != (cmd->ofst == SPDKRT_NVME_REG_CAP)) {
		SRT_ERR("%s: Property Get of offset 0x%x with the wrong size", req->qpair->peer,
			cmd->ofst);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_INVALID_FIELD);
		return;
	}
	req->cpl.cdw0 = (uint32_t)value;
	req->cpl.cdw1 = (uint32_t)(value >> 32);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

/* CC written: enable, disable (reset) and shutdown take effect at once. */
static void set_cc(struct srt_nvmf_ctrlr *ctrlr, uint32_t cc, const char *peer)
{
	uint32_t old = ctrlr->cc;

	ctrlr->cc = cc;
	if (SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_EN) && !SPDKRT_NVME_GET(old, SPDKRT_NVME_CC_EN)) {
		if (SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_MPS) != 0 ||
		    SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_CSS) != 0) {
			SRT_ERR("%s: CC 0x%08x asks for a page size or command set not offered",
				peer, cc);
			ctrlr->csts |= SPDKRT_NVME_SET(SPDKRT_NVME_CSTS_CFS, 1u);
			return;
		}
		ctrlr->csts = SPDKRT_NVME_SET(SPDKRT_NVME_CSTS_RDY, 1u);
		atomic_store(&ctrlr->ready, true);
	} else if (!SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_EN) &&
		   SPDKRT_NVME_GET(old, SPDKRT_NVME_CC_EN)) {
		ctrlr->csts = 0;
		atomic_store(&ctrlr->ready, false);
	}
	if (SPDKRT_NVME_GET(cc, SPDKRT_NVME_CC_SHN) != SPDKRT_NVME_CC_SHN_NONE) {
		ctrlr->csts &= ~SPDKRT_NVME_SET(SPDKRT_NVME_CSTS_SHST, SPDKRT_NVME_CSTS_SHST_MASK);
		ctrlr->csts |=
			SPDKRT_NVME_SET(SPDKRT_NVME_CSTS_SHST, SPDKRT_NVME_CSTS_SHST_COMPLETE);
	} else {
		ctrlr->csts &= ~SPDKRT_NVME_SET(SPDKRT_NVME_CSTS_SHST, SPDKRT_NVME_CSTS_SHST_MASK);
	}
}

static void handle_property_set(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	const struct spdkrt_nvmf_property_set_cmd *cmd = (const void *)&req->cmd;

	if (cmd->ofst != SPDKRT_NVME_REG_CC || (cmd->attrib & 0x7u) != SPDKRT_NVMF_PROP_SIZE_4) {
		SRT_ERR("%s: Property Set of offset 0x%x (only CC, 4 bytes, is writable)",
			req->qpair->peer, cmd->ofst);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_INVALID_FIELD);
		return;
	}
	set_cc(ctrlr, (uint32_t)cmd->value, req->qpair->peer);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

void srt_nvmf_fabrics_execute(struct srt_nvmf_req *req)
{
	const struct spdkrt_nvmf_capsule_cmd *cmd = (const void *)&req->cmd;
	struct srt_nvmf_qpair *q = req->qpair;

	if (cmd->fctype == SPDKRT_NVMF_FCTYPE_CONNECT) {
		handle_connect(req);
		return;
	}
	if (q->ctrlr == NULL) {
		SRT_ERR("%s: fabrics command 0x%02x before Connect", q->peer, cmd->fctype);
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
					     SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR);
		return;
	}
	switch (cmd->fctype) {
	case SPDKRT_NVMF_FCTYPE_PROPERTY_GET:
	case SPDKRT_NVMF_FCTYPE_PROPERTY_SET:
		if (q->qid != 0)
			break;
		if (cmd->fctype == SPDKRT_NVMF_FCTYPE_PROPERTY_GET)
			handle_property_get(req, q->ctrlr);
		else
			handle_property_set(req, q->ctrlr);
		return;
	case SPDKRT_NVMF_FCTYPE_DISCONNECT:
		srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
		q->closing = true;
		return;
	default:
		break;
	}
	SRT_ERR("%s: unsupported fabrics command 0x%02x on queue %u", q->peer, cmd->fctype, q->qid);
	srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_OPCODE);
}
