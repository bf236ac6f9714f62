/* SPDX-License-Identifier: BSD-3-Clause */
/* Admin commands: dispatch, I/O queue creation and deletion, abort, events, keep alive, security. */
#define SRT_LOG_COMPONENT "nvme_model"
#include <string.h>

#include "internal.h"
#include "util/log.h"

#define SECURITY_PROTOCOL_INFO 0x00
#define SECURITY_PROTOCOL_ECHO 0xEF /* the model's own: receive returns what send stored */

/* Queue memory must be DMA memory throughout; checked page by page at creation. */
static bool queue_memory_ok(struct nvme_model *m, uint64_t base, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += 4096) {
		uint64_t chunk = bytes - off < 4096 ? bytes - off : 4096;

		if (model_dma(m, base + off, chunk) == NULL)
			return false;
	}
	return true;
}

static void create_io_cq(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10), cdw11 = get32(sqe, SQE_CDW11);
	uint16_t qid = cdw10 & 0xFFFF;
	uint32_t size = (cdw10 >> 16) + 1;
	uint64_t base = get64(sqe, SQE_PRP1);

	if (qid == 0 || qid >= NVME_MODEL_MAX_QUEUES || qid > m->ncq_alloc + 1u ||
	    m->cq[qid].exists) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER, true);
		return;
	}
	if (size < 2 || size > m->opts.mqes + 1u) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_SIZE, true);
		return;
	}
	if (!(cdw11 & 1) || (base & (m->page_size - 1)) || CC_IOCQES(m->cc) != 4) {
		SRT_ERR("create I/O CQ %u: needs PC=1, a page-aligned base and CC.IOCQES=4", qid);
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (!queue_memory_ok(m, base, (uint64_t)size * CQE_SIZE)) {
		result_status(r, SCT_GENERIC, SC_DATA_TRANSFER_ERROR, true);
		return;
	}
	model_create_cq(m, qid, base, size);
	m->stats.io_queues_created++;
}

static void create_io_sq(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10), cdw11 = get32(sqe, SQE_CDW11);
	uint16_t qid = cdw10 & 0xFFFF, cqid = cdw11 >> 16;
	uint32_t size = (cdw10 >> 16) + 1;
	uint64_t base = get64(sqe, SQE_PRP1);
	bool in_cmb;

	if (qid == 0 || qid >= NVME_MODEL_MAX_QUEUES || qid > m->nsq_alloc + 1u ||
	    m->sq[qid].exists) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER, true);
		return;
	}
	if (cqid == 0 || cqid >= NVME_MODEL_MAX_QUEUES || !m->cq[cqid].exists) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_COMPLETION_QUEUE_INVALID, true);
		return;
	}
	if (size < 2 || size > m->opts.mqes + 1u) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_SIZE, true);
		return;
	}
	if (!(cdw11 & 1) || (base & (m->page_size - 1)) || CC_IOSQES(m->cc) != 6) {
		SRT_ERR("create I/O SQ %u: needs PC=1, a page-aligned base and CC.IOSQES=6", qid);
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	in_cmb = model_cmb_addr(m, base, (uint64_t)size * SQE_SIZE) != NULL;
	if (in_cmb && !(model_cmbsz_flags(m) & CMBSZ_SQS)) {
		SRT_ERR("create I/O SQ %u in the CMB without CMBSZ.SQS", qid);
		result_status(r, SCT_GENERIC, SC_INVALID_CMB_USE, true);
		return;
	}
	if (!queue_memory_ok(m, base, (uint64_t)size * SQE_SIZE)) {
		result_status(r, SCT_GENERIC, SC_DATA_TRANSFER_ERROR, true);
		return;
	}
	model_create_sq(m, qid, cqid, base, size, (uint8_t)((cdw11 >> 1) & 3));
	m->stats.io_queues_created++;
	if (in_cmb)
		m->stats.cmb_sqs++;
}

static void delete_io_queue(struct nvme_model *m, const uint8_t *sqe, bool cq,
			    struct model_result *r)
{
	uint16_t qid = get32(sqe, SQE_CDW10) & 0xFFFF;

	if (qid == 0 || qid >= NVME_MODEL_MAX_QUEUES ||
	    !(cq ? m->cq[qid].exists : m->sq[qid].exists)) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_IDENTIFIER, true);
		return;
	}
	if (cq && m->cq[qid].sq_refs > 0) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_QUEUE_DELETION, true);
		return;
	}
	if (cq)
		model_delete_cq(m, qid);
	else
		model_delete_sq(m, qid);
	m->stats.io_queues_deleted++;
}

static void abort_command(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10);
	struct model_pending *p = model_find_pending(m, cdw10 & 0xFFFF, (uint16_t)(cdw10 >> 16));

	r->cdw0 = 1; /* not aborted */
	if (p == NULL)
		return;
	model_complete_held(m, p, 0, SCT_GENERIC, SC_ABORTED_BY_REQUEST);
	p->duplicate = false;
	r->cdw0 = 0;
	m->stats.aborts_done++;
}

static void async_event_request(struct nvme_model *m, struct model_result *r)
{
	if (m->aers_outstanding >= m->opts.aerl + 1u) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED, true);
		return;
	}
	m->aers_outstanding++;
	r->held = true;
}

static void security(struct nvme_model *m, const uint8_t *sqe, bool send, struct model_result *r)
{
	uint8_t secp = sqe[SQE_CDW10 + 3], sct;
	uint32_t tl = get32(sqe, SQE_CDW11);
	uint8_t buf[sizeof(m->security_buf)];
	int sc;

	memset(buf, 0, sizeof(buf));
	if (tl > sizeof(buf) || (send && secp != SECURITY_PROTOCOL_ECHO) ||
	    (!send && secp != SECURITY_PROTOCOL_ECHO && secp != SECURITY_PROTOCOL_INFO)) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (send) {
		sc = model_transfer(m, sqe, true, buf, tl, MODEL_FROM_HOST, &sct);
		if (sc == SC_SUCCESS) {
			memcpy(m->security_buf, buf, tl);
			m->security_len = tl;
		}
	} else {
		if (secp == SECURITY_PROTOCOL_INFO) {
			/* 6 reserved bytes, list length (big endian), the protocol ids */
			buf[7] = 2;
			buf[8] = SECURITY_PROTOCOL_INFO;
			buf[9] = SECURITY_PROTOCOL_ECHO;
		} else {
			memcpy(buf, m->security_buf, m->security_len);
		}
		sc = model_transfer(m, sqe, true, buf, tl, MODEL_TO_HOST, &sct);
	}
	if (sc != SC_SUCCESS)
		result_status(r, sct, (uint8_t)sc, true);
}

void model_admin(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	if ((sqe[SQE_FLAGS] & 3) != 0) { /* fused operations exist only for I/O commands */
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	switch (sqe[SQE_OPC]) {
	case ADMIN_CREATE_IO_CQ:
		create_io_cq(m, sqe, r);
		break;
	case ADMIN_CREATE_IO_SQ:
		create_io_sq(m, sqe, r);
		break;
	case ADMIN_DELETE_IO_SQ:
		delete_io_queue(m, sqe, false, r);
		break;
	case ADMIN_DELETE_IO_CQ:
		delete_io_queue(m, sqe, true, r);
		break;
	case ADMIN_IDENTIFY:
		model_identify(m, sqe, r);
		break;
	case ADMIN_GET_LOG_PAGE:
		model_get_log_page(m, sqe, r);
		break;
	case ADMIN_SET_FEATURES:
		model_features(m, sqe, true, r);
		break;
	case ADMIN_GET_FEATURES:
		model_features(m, sqe, false, r);
		break;
	case ADMIN_ABORT:
		abort_command(m, sqe, r);
		break;
	case ADMIN_ASYNC_EVENT_REQUEST:
		async_event_request(m, r);
		break;
	case ADMIN_KEEP_ALIVE:
		m->stats.keep_alives++;
		break;
	case ADMIN_NS_MANAGEMENT:
		model_ns_management(m, sqe, false, r);
		break;
	case ADMIN_NS_ATTACHMENT:
		model_ns_management(m, sqe, true, r);
		break;
	case ADMIN_FORMAT_NVM:
		model_format(m, sqe, r);
		break;
	case ADMIN_FIRMWARE_DOWNLOAD:
		model_firmware(m, sqe, false, r);
		break;
	case ADMIN_FIRMWARE_COMMIT:
		model_firmware(m, sqe, true, r);
		break;
	case ADMIN_SECURITY_SEND:
		security(m, sqe, true, r);
		break;
	case ADMIN_SECURITY_RECEIVE:
		security(m, sqe, false, r);
		break;
	default:
		result_status(r, SCT_GENERIC, SC_INVALID_OPCODE, true);
		break;
	}
}
