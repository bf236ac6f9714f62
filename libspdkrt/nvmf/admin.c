/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin commands of an emulated controller over bdevs: Identify (controller, namespace, active
 * namespace list, namespace identification descriptors), Get Log Page, Get/Set Features,
 * Asynchronous Event Request, Keep Alive and Abort; and the discovery controller's subset.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/version.h>

#include "util/log.h"

#define IDENTIFY_LEN 4096u
#define FIRMWARE_LOG_LEN 512u
#define SMART_LOG_LEN 512u
/* 25 degrees C and the warning threshold, in kelvin. */
#define TEMPERATURE_K 298u
#define TEMPERATURE_THRESHOLD_K 343u

void srt_nvmf_pad_copy(void *dst, size_t dst_len, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', dst_len);
	memcpy(dst, src, n < dst_len ? n : dst_len);
}

static void complete(struct srt_nvmf_req *req, uint8_t sct, uint8_t sc)
{
	srt_nvmf_req_complete_status(req, sct, sc);
}

static void invalid_field(struct srt_nvmf_req *req, const char *what)
{
	SRT_ERR("%s: admin opcode 0x%02x: %s", req->qpair->peer, req->cmd.opc, what);
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_FIELD);
}

/* Copy a built structure into the host's buffer, zero-filling what the host asked beyond it. */
static void reply(struct srt_nvmf_req *req, const void *data, uint32_t len)
{
	uint32_t n = len < req->xfer_len ? len : req->xfer_len;

	memcpy(req->buf, data, n);
	memset(req->buf + n, 0, req->xfer_len - n);
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static uint8_t log2_u32(uint32_t v)
{
	uint8_t n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static void identify_ctrlr(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	struct spdkrt_nvmf_subsystem *subsys = ctrlr->subsys;
	const struct spdkrt_nvmf_tgt_opts *o = &subsys->tgt->opts;
	struct spdkrt_nvme_ctrlr_data *cd = calloc(1, sizeof(*cd));

	if (cd == NULL) {
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
		return;
	}
	pthread_mutex_lock(&subsys->tgt->lock);
	srt_nvmf_pad_copy(cd->sn, sizeof(cd->sn), subsys->sn);
	srt_nvmf_pad_copy(cd->mn, sizeof(cd->mn), subsys->mn);
	snprintf(cd->subnqn, sizeof(cd->subnqn), "%s", subsys->nqn);
	pthread_mutex_unlock(&subsys->tgt->lock);
	srt_nvmf_pad_copy(cd->fr, sizeof(cd->fr), SPDKRT_VERSION_STRING);
	cd->rab = 6;
	cd->mdts = log2_u32(o->max_io_size / 4096u);
	cd->cntlid = ctrlr->cntlid;
	cd->ver = SPDKRT_NVME_VERSION(1, 3, 0);
	cd->acl = 3;
	cd->aerl = SRT_NVMF_MAX_AERS - 1;
	cd->frmw = 0x3; /* one slot, read-only */
	cd->lpa = 0x4;  /* Get Log Page offsets */
	cd->elpe = SRT_NVMF_ERROR_LOG_ENTRIES - 1;
	cd->kas = 10; /* 100 ms units: keep-alive timed with one-second granularity */
	cd->sqes = 0x66;
	cd->cqes = 0x44;
	cd->sgls = SPDKRT_NVME_SET(SPDKRT_NVME_SGLS_SUPPORT, 1u) | SPDKRT_NVME_SGLS_OFFSET;
	cd->nvmf_specific.msdbd = 1;
	if (subsys->discovery) {
		cd->cntrltype = 2;
		cd->maxcmd = (uint16_t)o->max_admin_queue_depth;
	} else {
		cd->cntrltype = 1;
		cd->oaes = 1u << 8; /* namespace attribute notices */
		cd->maxcmd = (uint16_t)o->max_queue_depth;
		cd->nn = SPDKRT_NVMF_MAX_NAMESPACES;
		cd->oncs = SPDKRT_NVME_ONCS_COMPARE | SPDKRT_NVME_ONCS_DSM |
			   SPDKRT_NVME_ONCS_WRITE_ZEROES | SPDKRT_NVME_ONCS_RESERVATIONS;
		cd->vwc = 1;
		cd->nvmf_specific.ioccsz = (64u + o->in_capsule_data_size) / 16u;
		cd->nvmf_specific.iorcsz = 1;
		cd->nvmf_specific.icdoff = 0;
	}
	reply(req, cd, sizeof(*cd));
	free(cd);
}

/* The namespace nsid of the queue's subsystem, under tgt->lock; NULL when inactive. */
static struct srt_nvmf_ns *ns_locked(struct spdkrt_nvmf_subsystem *subsys, uint32_t nsid)
{
	if (nsid == 0 || nsid > SPDKRT_NVMF_MAX_NAMESPACES)
		return NULL;
	return subsys->ns[nsid - 1];
}

static void identify_ns(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	struct spdkrt_nvme_ns_data *nd;
	struct srt_nvmf_ns *ns;
	uint32_t nsid = req->cmd.nsid;

	if (nsid == 0 || (nsid > SPDKRT_NVMF_MAX_NAMESPACES && nsid != SPDKRT_NVME_NSID_ALL)) {
		SRT_ERR("%s: Identify of namespace %u", req->qpair->peer, nsid);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		return;
	}
	nd = calloc(1, sizeof(*nd));
	if (nd == NULL) {
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
		return;
	}
	pthread_mutex_lock(&ctrlr->subsys->tgt->lock);
	ns = ns_locked(ctrlr->subsys, nsid);
	if (ns != NULL) {
		/* An inactive namespace id reads as zeroes. */
		nd->nsze = nd->ncap = nd->nuse = ns->num_blocks;
		nd->nlbaf = 0;
		nd->flbas = 0;
		nd->lbaf[0].lbads = log2_u32(ns->block_size);
		memcpy(nd->nguid, ns->nguid, sizeof(nd->nguid));
		/* Every type, ignore-existing-key; not persistent (resv.c keeps it in memory). */
		nd->rescap =
			SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE | SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS |
			SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE_REG_ONLY |
			SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS_REG_ONLY |
			SPDKRT_NVME_RESCAP_WRITE_EXCLUSIVE_ALL_REGS |
			SPDKRT_NVME_RESCAP_EXCLUSIVE_ACCESS_ALL_REGS | SPDKRT_NVME_RESCAP_IEKEY;
	}
	pthread_mutex_unlock(&ctrlr->subsys->tgt->lock);
	reply(req, nd, sizeof(*nd));
	free(nd);
}

static void identify_active_ns_list(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	struct spdkrt_nvme_ns_list list;
	unsigned n = 0;

	if (req->cmd.nsid >= 0xfffffffeu) {
		invalid_field(req, "active namespace list after NSID 0xfffffffe or more");
		return;
	}
	memset(&list, 0, sizeof(list));
	pthread_mutex_lock(&ctrlr->subsys->tgt->lock);
	for (uint32_t nsid = req->cmd.nsid + 1; nsid <= SPDKRT_NVMF_MAX_NAMESPACES; nsid++)
		if (ns_locked(ctrlr->subsys, nsid) != NULL)
			list.ns_list[n++] = nsid;
	pthread_mutex_unlock(&ctrlr->subsys->tgt->lock);
	reply(req, &list, sizeof(list));
}

static size_t add_ns_id_desc(uint8_t *buf, size_t at, uint8_t type, const uint8_t *id, uint8_t len)
{
	struct spdkrt_nvme_ns_id_desc desc = { .nidt = type, .nidl = len };

	memcpy(buf + at, &desc, sizeof(desc));
	memcpy(buf + at + sizeof(desc), id, len);
	return at + sizeof(desc) + len;
}

static void identify_ns_id_descs(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	uint8_t buf[IDENTIFY_LEN];
	struct srt_nvmf_ns *ns;
	size_t at = 0;

	memset(buf, 0, sizeof(buf));
	pthread_mutex_lock(&ctrlr->subsys->tgt->lock);
	ns = ns_locked(ctrlr->subsys, req->cmd.nsid);
	if (ns != NULL) {
		at = add_ns_id_desc(buf, at, SPDKRT_NVME_NIDT_NGUID, ns->nguid, 16);
		at = add_ns_id_desc(buf, at, SPDKRT_NVME_NIDT_UUID, ns->uuid, 16);
	}
	pthread_mutex_unlock(&ctrlr->subsys->tgt->lock);
	if (ns == NULL) {
		SRT_ERR("%s: identification descriptors of inactive namespace %u", req->qpair->peer,
			req->cmd.nsid);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		return;
	}
	reply(req, buf, sizeof(buf));
}

static void identify(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	uint8_t cns = req->cmd.cdw10 & 0xffu;

	if (req->xfer_len < IDENTIFY_LEN) {
		invalid_field(req, "Identify buffer shorter than 4096 bytes");
		return;
	}
	if (ctrlr->subsys->discovery && cns != SPDKRT_NVME_IDENTIFY_CTRLR) {
		invalid_field(req, "the discovery controller identifies only itself");
		return;
	}
	switch (cns) {
	case SPDKRT_NVME_IDENTIFY_CTRLR:
		identify_ctrlr(req, ctrlr);
		return;
	case SPDKRT_NVME_IDENTIFY_NS:
		identify_ns(req, ctrlr);
		return;
	case SPDKRT_NVME_IDENTIFY_ACTIVE_NS_LIST:
		identify_active_ns_list(req, ctrlr);
		return;
	case SPDKRT_NVME_IDENTIFY_NS_ID_DESCRIPTOR_LIST:
		identify_ns_id_descs(req, ctrlr);
		return;
	default:
		invalid_field(req, "unsupported Identify CNS");
		return;
	}
}

/* Serve [offset, offset + len) of a page built in full. */
static void reply_log(struct srt_nvmf_req *req, const void *page, uint64_t page_len,
		      uint64_t offset, uint32_t len)
{
	if (offset > page_len) {
		invalid_field(req, "log page offset past the page");
		return;
	}
	memset(req->buf, 0, req->xfer_len);
	if (len > page_len - offset)
		len = (uint32_t)(page_len - offset);
	memcpy(req->buf, (const uint8_t *)page + offset, len);
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static void log_changed_ns(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr, uint64_t offset,
			   uint32_t len, bool retain)
{
	struct spdkrt_nvme_ns_list list;

	memset(&list, 0, sizeof(list));
	pthread_mutex_lock(&ctrlr->subsys->tgt->lock);
	memcpy(list.ns_list, ctrlr->changed_ns, ctrlr->num_changed_ns * sizeof(uint32_t));
	if (!retain) {
		ctrlr->num_changed_ns = 0;
		/* Reading the list re-arms namespace notices. */
		ctrlr->ns_notice_masked = false;
	}
	pthread_mutex_unlock(&ctrlr->subsys->tgt->lock);
	reply_log(req, &list, sizeof(list), offset, len);
}

static void get_log_page(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	const struct spdkrt_nvme_cmd *cmd = &req->cmd;
	uint8_t lid = (uint8_t)SPDKRT_NVME_GET(cmd->cdw10, SPDKRT_NVME_LOG_LID);
	bool retain = SPDKRT_NVME_GET(cmd->cdw10, SPDKRT_NVME_LOG_RAE) != 0;
	uint64_t numd = ((uint64_t)SPDKRT_NVME_GET(cmd->cdw11, SPDKRT_NVME_LOG_NUMDU) << 16 |
			 SPDKRT_NVME_GET(cmd->cdw10, SPDKRT_NVME_LOG_NUMDL)) +
			1;
	uint64_t offset = (uint64_t)cmd->cdw13 << 32 | cmd->cdw12;
	uint8_t page[SMART_LOG_LEN];

	if (numd * 4 > req->xfer_len || (offset & 3) != 0) {
		invalid_field(req, "log page length beyond the buffer, or an unaligned offset");
		return;
	}
	memset(page, 0, sizeof(page));
	if (ctrlr->subsys->discovery) {
		if (lid != SPDKRT_NVME_LOG_DISCOVERY) {
			SRT_ERR("%s: discovery controller asked for log page 0x%02x",
				req->qpair->peer, lid);
			complete(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
				 SPDKRT_NVME_SC_INVALID_LOG_PAGE);
			return;
		}
		srt_nvmf_discovery_log(ctrlr->subsys->tgt, ctrlr->hostnqn, offset, req->buf,
				       (uint32_t)(numd * 4));
		memset(req->buf + numd * 4, 0, req->xfer_len - numd * 4);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
		return;
	}
	switch (lid) {
	case SPDKRT_NVME_LOG_ERROR: {
		struct spdkrt_nvme_error_information_entry errors[SRT_NVMF_ERROR_LOG_ENTRIES];

		srt_nvmf_ctrlr_error_log(ctrlr, errors);
		reply_log(req, errors, sizeof(errors), offset, (uint32_t)(numd * 4));
		return;
	}
	case SPDKRT_NVME_LOG_HEALTH_INFORMATION: {
		struct spdkrt_nvme_health_information_page *h = (void *)page;

		h->temperature[0] = TEMPERATURE_K & 0xff;
		h->temperature[1] = TEMPERATURE_K >> 8;
		h->available_spare = 100;
		h->available_spare_threshold = 10;
		reply_log(req, page, SMART_LOG_LEN, offset, (uint32_t)(numd * 4));
		return;
	}
	case SPDKRT_NVME_LOG_FIRMWARE_SLOT:
		page[0] = 1; /* slot 1 active */
		srt_nvmf_pad_copy(page + 8, 8, SPDKRT_VERSION_STRING);
		reply_log(req, page, FIRMWARE_LOG_LEN, offset, (uint32_t)(numd * 4));
		return;
	case SPDKRT_NVME_LOG_CHANGED_NS_LIST:
		log_changed_ns(req, ctrlr, offset, (uint32_t)(numd * 4), retain);
		return;
	default:
		SRT_ERR("%s: unsupported log page 0x%02x", req->qpair->peer, lid);
		complete(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC, SPDKRT_NVME_SC_INVALID_LOG_PAGE);
		return;
	}
}

static uint32_t num_queues_value(const struct srt_nvmf_ctrlr *ctrlr)
{
	uint32_t n = ctrlr->num_io_queues > 0 ? ctrlr->num_io_queues - 1 : 0;

	return SPDKRT_NVME_SET(SPDKRT_NVME_NUMQ_NSQ, n) | SPDKRT_NVME_SET(SPDKRT_NVME_NUMQ_NCQ, n);
}

static void get_features(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	uint8_t fid = (uint8_t)SPDKRT_NVME_GET(req->cmd.cdw10, SPDKRT_NVME_FEAT_FID);

	switch (fid) {
	case SPDKRT_NVME_FEAT_ARBITRATION:
	case SPDKRT_NVME_FEAT_POWER_MANAGEMENT:
	case SPDKRT_NVME_FEAT_ERROR_RECOVERY:
	case SPDKRT_NVME_FEAT_WRITE_ATOMICITY:
		req->cpl.cdw0 = 0;
		break;
	case SPDKRT_NVME_FEAT_TEMPERATURE_THRESHOLD:
		req->cpl.cdw0 = TEMPERATURE_THRESHOLD_K;
		break;
	case SPDKRT_NVME_FEAT_VOLATILE_WRITE_CACHE:
		req->cpl.cdw0 = ctrlr->volatile_write_cache ? 1 : 0;
		break;
	case SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES:
		req->cpl.cdw0 = num_queues_value(ctrlr);
		break;
	case SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION:
		req->cpl.cdw0 = ctrlr->async_event_config;
		break;
	case SPDKRT_NVME_FEAT_KEEP_ALIVE_TIMER:
		req->cpl.cdw0 = ctrlr->kato_ms;
		break;
	case SPDKRT_NVME_FEAT_HOST_IDENTIFIER:
		if ((req->cmd.cdw11 & 1u) == 0 || req->xfer_len < sizeof(ctrlr->hostid)) {
			invalid_field(req, "host identifier is 128 bits over fabrics");
			return;
		}
		reply(req, ctrlr->hostid, sizeof(ctrlr->hostid));
		return;
	default:
		invalid_field(req, "unsupported feature");
		return;
	}
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static void set_features(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	uint8_t fid = (uint8_t)SPDKRT_NVME_GET(req->cmd.cdw10, SPDKRT_NVME_FEAT_FID);
	uint32_t v = req->cmd.cdw11;

	if (SPDKRT_NVME_GET(req->cmd.cdw10, SPDKRT_NVME_FEAT_SV)) {
		SRT_ERR("%s: Set Features 0x%02x with save", req->qpair->peer, fid);
		complete(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
			 SPDKRT_NVME_SC_FEATURE_ID_NOT_SAVEABLE);
		return;
	}
	switch (fid) {
	case SPDKRT_NVME_FEAT_ARBITRATION:
	case SPDKRT_NVME_FEAT_POWER_MANAGEMENT:
	case SPDKRT_NVME_FEAT_TEMPERATURE_THRESHOLD:
	case SPDKRT_NVME_FEAT_ERROR_RECOVERY:
	case SPDKRT_NVME_FEAT_WRITE_ATOMICITY:
		break; /* accepted, nothing to act on */
	case SPDKRT_NVME_FEAT_VOLATILE_WRITE_CACHE:
		ctrlr->volatile_write_cache = (v & 1u) != 0;
		break;
	case SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES:
		/* Every controller gets the target's number; the host learns it here. */
		req->cpl.cdw0 = num_queues_value(ctrlr);
		break;
	case SPDKRT_NVME_FEAT_ASYNC_EVENT_CONFIGURATION:
		ctrlr->async_event_config = v;
		break;
	case SPDKRT_NVME_FEAT_KEEP_ALIVE_TIMER:
		ctrlr->kato_ms = v;
		if (v != 0 && v < ctrlr->subsys->tgt->opts.min_keep_alive_ms)
			ctrlr->kato_ms = ctrlr->subsys->tgt->opts.min_keep_alive_ms;
		ctrlr->last_keep_alive = spdkrt_get_ticks();
		break;
	case SPDKRT_NVME_FEAT_HOST_IDENTIFIER:
		SRT_ERR("%s: Set Features host identifier: set by Connect over fabrics",
			req->qpair->peer);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_COMMAND_SEQUENCE_ERROR);
		return;
	default:
		invalid_field(req, "unsupported feature");
		return;
	}
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static void async_event_request(struct srt_nvmf_req *req, struct srt_nvmf_ctrlr *ctrlr)
{
	if (ctrlr->num_aers >= SRT_NVMF_MAX_AERS) {
		SRT_ERR("%s: more than %u Asynchronous Event Requests", req->qpair->peer,
			SRT_NVMF_MAX_AERS);
		complete(req, SPDKRT_NVME_SCT_COMMAND_SPECIFIC,
			 SPDKRT_NVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED);
		return;
	}
	/* Parked until an event: completed from srt_nvmf_ctrlr_poll(). */
	req->state = SRT_NVMF_REQ_AER;
	ctrlr->aers[ctrlr->num_aers++] = req;
}

void srt_nvmf_admin_execute(struct srt_nvmf_req *req)
{
	struct srt_nvmf_ctrlr *ctrlr = req->qpair->ctrlr;

	switch (req->cmd.opc) {
	case SPDKRT_NVME_OPC_IDENTIFY:
		identify(req, ctrlr);
		return;
	case SPDKRT_NVME_OPC_GET_LOG_PAGE:
		get_log_page(req, ctrlr);
		return;
	case SPDKRT_NVME_OPC_GET_FEATURES:
		get_features(req, ctrlr);
		return;
	case SPDKRT_NVME_OPC_SET_FEATURES:
		set_features(req, ctrlr);
		return;
	case SPDKRT_NVME_OPC_ASYNC_EVENT_REQUEST:
		async_event_request(req, ctrlr);
		return;
	case SPDKRT_NVME_OPC_KEEP_ALIVE:
		ctrlr->last_keep_alive = spdkrt_get_ticks();
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
		return;
	case SPDKRT_NVME_OPC_ABORT:
		srt_nvmf_abort_execute(req, ctrlr);
		return;
	default:
		SRT_ERR("%s: unsupported admin opcode 0x%02x", req->qpair->peer, req->cmd.opc);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_OPCODE);
		return;
	}
}
