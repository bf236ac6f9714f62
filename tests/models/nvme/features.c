/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Get/Set Features, including those with a data buffer (Timestamp, Host Identifier), the
 * select field (current/default/saved/capabilities) and Number of Queues' once-only rule.
 */
#include <string.h>

#include "internal.h"

#define TEMPERATURE_THRESHOLD_DEFAULT 343 /* kelvin */

static uint32_t feature_default(const struct nvme_model *m, uint8_t fid)
{
	uint32_t q = m->opts.num_io_queues - 1u;

	switch (fid) {
	case FEAT_TEMPERATURE_THRESHOLD:
		return TEMPERATURE_THRESHOLD_DEFAULT;
	case FEAT_VOLATILE_WRITE_CACHE:
		return 1;
	case FEAT_NUMBER_OF_QUEUES:
		return q << 16 | q;
	default:
		return 0;
	}
}

void model_features_reset(struct nvme_model *m)
{
	for (unsigned fid = 0; fid < 256; fid++)
		m->features[fid] = feature_default(m, (uint8_t)fid);
	m->nsq_alloc = m->ncq_alloc = (uint16_t)(m->opts.num_io_queues - 1);
	m->queues_set = false;
	m->timestamp = 0;
}

static bool io_queues_exist(const struct nvme_model *m)
{
	for (unsigned q = 1; q < NVME_MODEL_MAX_QUEUES; q++)
		if (m->sq[q].exists || m->cq[q].exists)
			return true;
	return false;
}

static bool supported(uint8_t fid)
{
	switch (fid) {
	case FEAT_ARBITRATION:
	case FEAT_POWER_MANAGEMENT:
	case FEAT_TEMPERATURE_THRESHOLD:
	case FEAT_ERROR_RECOVERY:
	case FEAT_VOLATILE_WRITE_CACHE:
	case FEAT_NUMBER_OF_QUEUES:
	case FEAT_INTERRUPT_COALESCING:
	case FEAT_INTERRUPT_VECTOR_CONFIG:
	case FEAT_WRITE_ATOMICITY:
	case FEAT_ASYNC_EVENT_CONFIG:
	case FEAT_TIMESTAMP:
	case FEAT_KEEP_ALIVE_TIMER:
	case FEAT_HOST_IDENTIFIER:
	case FEAT_RESERVATION_NOTIFICATION_MASK:
	case FEAT_RESERVATION_PERSISTENCE:
		return true;
	default:
		return false;
	}
}

static void set_number_of_queues(struct nvme_model *m, uint32_t cdw11, struct model_result *r)
{
	uint16_t nsqr = cdw11 & 0xFFFF, ncqr = cdw11 >> 16;
	uint16_t max = (uint16_t)(m->opts.num_io_queues - 1);

	if (nsqr == 0xFFFF || ncqr == 0xFFFF) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (io_queues_exist(m)) {
		result_status(r, SCT_GENERIC, SC_COMMAND_SEQUENCE_ERROR, true);
		return;
	}
	m->stats.num_queues_requested = nsqr;
	m->nsq_alloc = nsqr < max ? nsqr : max;
	m->ncq_alloc = ncqr < max ? ncqr : max;
	m->queues_set = true;
	m->features[FEAT_NUMBER_OF_QUEUES] = (uint32_t)m->ncq_alloc << 16 | m->nsq_alloc;
	r->cdw0 = m->features[FEAT_NUMBER_OF_QUEUES];
}

/* The features with a data buffer: Timestamp (6 bytes in 8) and Host Identifier (8 or 16). */
static size_t feature_data(struct nvme_model *m, uint8_t fid, uint32_t cdw11, uint8_t *buf)
{
	if (fid == FEAT_TIMESTAMP) {
		memcpy(buf, &m->timestamp, 8);
		return 8;
	}
	if (fid == FEAT_HOST_IDENTIFIER) {
		memcpy(buf, m->host_id, 16);
		return (cdw11 & 1) ? 16 : 8; /* EXHID: 128-bit host identifier */
	}
	return 0;
}

static void set_feature(struct nvme_model *m, const uint8_t *sqe, uint8_t fid,
			struct model_result *r)
{
	uint32_t cdw11 = get32(sqe, SQE_CDW11);
	uint8_t buf[16] = { 0 }, sct;
	size_t len = feature_data(m, fid, cdw11, buf);
	int sc;

	switch (fid) {
	case FEAT_NUMBER_OF_QUEUES:
		set_number_of_queues(m, cdw11, r);
		return;
	case FEAT_POWER_MANAGEMENT:
		if ((cdw11 & 0x1F) != 0) { /* only power state 0 exists */
			result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
			return;
		}
		break;
	case FEAT_KEEP_ALIVE_TIMER:
		if (m->opts.kas == 0) {
			result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
			return;
		}
		break;
	default:
		break;
	}
	if (len != 0) {
		sc = model_transfer(m, sqe, true, buf, len, MODEL_FROM_HOST, &sct);
		if (sc != SC_SUCCESS) {
			result_status(r, sct, (uint8_t)sc, true);
			return;
		}
		if (fid == FEAT_TIMESTAMP) {
			memcpy(&m->timestamp, buf, 8);
			m->timestamp &= (1ull << 48) - 1;
		} else {
			memset(m->host_id, 0, sizeof(m->host_id));
			memcpy(m->host_id, buf, len);
			m->host_id_set = true;
		}
	}
	m->features[fid] = cdw11;
}

static void get_feature(struct nvme_model *m, const uint8_t *sqe, uint8_t fid,
			struct model_result *r)
{
	uint8_t sel = (sqe[SQE_CDW10 + 1] >> 0) & 0x7; /* bits 10:8 */
	uint32_t cdw11 = get32(sqe, SQE_CDW11);
	uint8_t buf[16], sct;
	size_t len;
	int sc;

	switch (sel) {
	case 0:
		r->cdw0 = m->features[fid];
		break;
	case 1:
	case 2: /* nothing is saveable: saved = default */
		r->cdw0 = feature_default(m, fid);
		break;
	case 3: /* capabilities: changeable, namespace specific for the reservation ones */
		r->cdw0 = 1u << 2 | (fid == FEAT_RESERVATION_NOTIFICATION_MASK ||
						     fid == FEAT_RESERVATION_PERSISTENCE ?
					     1u << 1 :
					     0);
		return;
	default:
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (fid == FEAT_HOST_IDENTIFIER)
		r->cdw0 = 0;
	len = feature_data(m, fid, cdw11, buf);
	if (len != 0 && sel != 0)
		memset(buf, 0, len);
	if (len != 0) {
		sc = model_transfer(m, sqe, true, buf, len, MODEL_TO_HOST, &sct);
		if (sc != SC_SUCCESS)
			result_status(r, sct, (uint8_t)sc, true);
	}
}

void model_features(struct nvme_model *m, const uint8_t *sqe, bool set, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10);
	uint8_t fid = cdw10 & 0xFF;

	if (!supported(fid)) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (set && (cdw10 & (1u << 31))) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_FEATURE_NOT_SAVEABLE, true);
		return;
	}
	if (set)
		set_feature(m, sqe, fid, r);
	else
		get_feature(m, sqe, fid, r);
}
