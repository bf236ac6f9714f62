/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Get Log Page with offset, LSP and RAE: error information, SMART/health, firmware slots,
 * changed namespace list (cleared when read), commands supported and effects, reservation
 * notification. Reading a page with RAE clear re-arms the event type that points to it.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LOG_MAX_SIZE 4096

void model_record_error(struct nvme_model *m, uint16_t sqid, uint16_t cid, uint8_t sct, uint8_t sc)
{
	uint8_t *e;

	/* newest first: shift the ring down */
	memmove(m->errors[1], m->errors[0], sizeof(m->errors) - sizeof(m->errors[0]));
	if (m->num_errors < MODEL_MAX_ERRORS)
		m->num_errors++;
	e = m->errors[0];
	memset(e, 0, ERROR_ENTRY_SIZE);
	put64(e, 0, ++m->error_count);
	put16(e, 8, sqid);
	put16(e, 10, cid);
	put16(e, 12, (uint16_t)(sc << 1 | (sct & 7) << 9));
	put16(e, 14, 0xFFFF); /* parameter error location not given */
}

static size_t page_errors(struct nvme_model *m, uint8_t *page)
{
	memcpy(page, m->errors, (size_t)m->num_errors * ERROR_ENTRY_SIZE);
	return MODEL_MAX_ERRORS * ERROR_ENTRY_SIZE;
}

static size_t page_health(struct nvme_model *m, uint8_t *page)
{
	uint64_t units_written = 0;

	page[0] = 0;                           /* critical warning */
	put16(page, 1, 310);                   /* composite temperature, kelvin */
	page[3] = 100;                         /* available spare */
	page[4] = 10;                          /* available spare threshold */
	put64(page, 64, m->stats.io_commands); /* host read commands (approximation) */
	put64(page, 80, units_written);
	put64(page, 112, 1);              /* power cycles */
	put64(page, 160, m->error_count); /* number of error log entries */
	return 512;
}

static size_t page_firmware(struct nvme_model *m, uint8_t *page)
{
	page[0] = (uint8_t)(m->fw_active | m->fw_next << 4);
	for (unsigned slot = 1; slot <= NVME_MODEL_FW_SLOTS; slot++)
		memcpy(page + 8 * slot, m->fw_rev[slot], strnlen(m->fw_rev[slot], 8));
	return 512;
}

static size_t page_changed_ns(struct nvme_model *m, uint8_t *page)
{
	memcpy(page, m->changed_ns, (size_t)m->num_changed_ns * 4);
	m->num_changed_ns = 0; /* the list clears when read */
	return LOG_MAX_SIZE;
}

static size_t page_command_effects(uint8_t *page)
{
	static const uint8_t admin[] = { ADMIN_DELETE_IO_SQ,    ADMIN_CREATE_IO_SQ,
					 ADMIN_GET_LOG_PAGE,    ADMIN_DELETE_IO_CQ,
					 ADMIN_CREATE_IO_CQ,    ADMIN_IDENTIFY,
					 ADMIN_ABORT,           ADMIN_SET_FEATURES,
					 ADMIN_GET_FEATURES,    ADMIN_ASYNC_EVENT_REQUEST,
					 ADMIN_KEEP_ALIVE,      ADMIN_SECURITY_SEND,
					 ADMIN_SECURITY_RECEIVE };
	static const uint8_t io[] = { IO_FLUSH,
				      IO_READ,
				      IO_COMPARE,
				      IO_RESERVATION_REGISTER,
				      IO_RESERVATION_REPORT,
				      IO_RESERVATION_ACQUIRE,
				      IO_RESERVATION_RELEASE };
	static const uint8_t io_lbcc[] = { IO_WRITE, IO_WRITE_UNCORRECTABLE, IO_WRITE_ZEROES,
					   IO_DATASET_MANAGEMENT };
	const uint32_t csupp = 1, lbcc = 2, ncc = 4, nic = 8, ccc = 16;

	for (size_t i = 0; i < sizeof(admin); i++)
		put32(page, 4u * admin[i], csupp);
	put32(page, 4u * ADMIN_NS_MANAGEMENT, csupp | ncc | nic);
	put32(page, 4u * ADMIN_NS_ATTACHMENT, csupp | ncc | nic);
	put32(page, 4u * ADMIN_FORMAT_NVM, csupp | lbcc | ncc | nic);
	put32(page, 4u * ADMIN_FIRMWARE_DOWNLOAD, csupp);
	put32(page, 4u * ADMIN_FIRMWARE_COMMIT, csupp | ccc);
	for (size_t i = 0; i < sizeof(io); i++)
		put32(page, 1024 + 4u * io[i], csupp);
	for (size_t i = 0; i < sizeof(io_lbcc); i++)
		put32(page, 1024 + 4u * io_lbcc[i], csupp | lbcc);
	return LOG_MAX_SIZE;
}

/* Page lid into page; its size, or 0 for a page the model does not have. */
static size_t build_page(struct nvme_model *m, uint8_t lid, uint8_t *page)
{
	switch (lid) {
	case LOG_ERROR:
		return page_errors(m, page);
	case LOG_HEALTH:
		return page_health(m, page);
	case LOG_FIRMWARE_SLOT:
		return page_firmware(m, page);
	case LOG_CHANGED_NS_LIST:
		return page_changed_ns(m, page);
	case LOG_COMMAND_EFFECTS:
		return page_command_effects(page);
	case LOG_RESERVATION_NOTIFICATION:
		return 64;
	default:
		return 0;
	}
}

/* The event type a log page clears (RAE = 0), or -1. */
static int event_type_of(uint8_t lid)
{
	switch (lid) {
	case LOG_ERROR:
		return AER_TYPE_ERROR;
	case LOG_HEALTH:
		return AER_TYPE_SMART;
	case LOG_FIRMWARE_SLOT:
	case LOG_CHANGED_NS_LIST:
		return AER_TYPE_NOTICE;
	case LOG_RESERVATION_NOTIFICATION:
		return AER_TYPE_IO;
	default:
		return -1;
	}
}

void model_get_log_page(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10), cdw11 = get32(sqe, SQE_CDW11);
	uint8_t lid = cdw10 & 0xFF;
	bool rae = cdw10 & (1u << 15);
	uint64_t numd = ((uint64_t)(cdw11 & 0xFFFF) << 16 | cdw10 >> 16) + 1;
	uint64_t offset = (uint64_t)get32(sqe, SQE_CDW13) << 32 | get32(sqe, SQE_CDW12);
	uint8_t page[LOG_MAX_SIZE], sct;
	uint8_t *out;
	size_t size, len = (size_t)(numd * 4);
	int sc, type;

	memset(page, 0, sizeof(page));
	if (offset & 3 || len > model_max_transfer(m) || len > (1u << 20)) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (m->log_override[lid] != NULL) { /* a test's page */
		memcpy(page, m->log_override[lid], LOG_MAX_SIZE);
		size = m->log_override_len[lid] ? m->log_override_len[lid] : 4;
	} else {
		size = build_page(m, lid, page);
	}
	if (size == 0) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_LOG_PAGE, true);
		return;
	}
	if (offset >= size) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	/* the host asked for len bytes from offset: what lies past the page reads zeroes */
	out = calloc(1, len);
	if (out == NULL) {
		result_status(r, SCT_GENERIC, SC_INTERNAL_DEVICE_ERROR, false);
		return;
	}
	memcpy(out, page + offset, size - offset < len ? size - offset : len);
	sc = model_transfer(m, sqe, true, out, len, MODEL_TO_HOST, &sct);
	free(out);
	if (sc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)sc, true);
		return;
	}
	type = event_type_of(lid);
	if (!rae &&
	    type >= 0) /* waiting events go out at the end of this poll, after this completion */
		m->masked_types &= (uint8_t) ~(1u << type);
}
