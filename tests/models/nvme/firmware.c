/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Firmware Image Download (pieces at dword offsets into one image) and Firmware Commit with every
 * commit action: 0 replace, 1 replace and activate at reset, 2 activate at reset, 3 replace and
 * activate now. An image's revision is its first 8 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CA_REPLACE 0
#define CA_REPLACE_ACTIVATE_AT_RESET 1
#define CA_ACTIVATE_AT_RESET 2
#define CA_REPLACE_ACTIVATE_NOW 3

static void download(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint64_t len = ((uint64_t)get32(sqe, SQE_CDW10) + 1) * 4;
	uint64_t offset = (uint64_t)get32(sqe, SQE_CDW11) * 4;
	uint8_t sct;
	int sc;

	if (offset + len > MODEL_FW_IMAGE_MAX || len > model_max_transfer(m)) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (m->fw_image == NULL) {
		m->fw_image = calloc(1, MODEL_FW_IMAGE_MAX);
		if (m->fw_image == NULL) {
			result_status(r, SCT_GENERIC, SC_INTERNAL_DEVICE_ERROR, false);
			return;
		}
	}
	sc = model_transfer(m, sqe, true, m->fw_image + offset, len, MODEL_FROM_HOST, &sct);
	if (sc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)sc, true);
		return;
	}
	if (offset + len > m->fw_image_len)
		m->fw_image_len = (uint32_t)(offset + len);
}

static void commit(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10);
	uint8_t slot = cdw10 & 7, ca = (cdw10 >> 3) & 7;

	if (slot == 0)
		slot = 2; /* the controller chooses: the first writable slot after the running one */
	if (slot > NVME_MODEL_FW_SLOTS) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_FIRMWARE_SLOT, true);
		return;
	}
	if (ca > CA_REPLACE_ACTIVATE_NOW) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (ca != CA_ACTIVATE_AT_RESET) {
		if (m->fw_image_len < 8) {
			result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_FIRMWARE_IMAGE, true);
			return;
		}
		memcpy(m->fw_rev[slot], m->fw_image, 8);
		m->fw_rev[slot][8] = '\0';
		m->fw_image_len = 0;
	} else if (m->fw_rev[slot][0] == '\0') {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_FIRMWARE_SLOT, true);
		return;
	}
	if (ca == CA_REPLACE_ACTIVATE_AT_RESET || ca == CA_ACTIVATE_AT_RESET) {
		m->fw_next = slot;
	} else if (ca == CA_REPLACE_ACTIVATE_NOW) {
		m->fw_active = slot;
		m->fw_next = 0;
		model_identify_build(m);
		model_queue_event(m, AER_TYPE_NOTICE, AER_INFO_NOTICE_FW_ACTIVATION,
				  LOG_FIRMWARE_SLOT);
	}
}

void model_firmware(struct nvme_model *m, const uint8_t *sqe, bool is_commit,
		    struct model_result *r)
{
	if (is_commit)
		commit(m, sqe, r);
	else
		download(m, sqe, r);
}
