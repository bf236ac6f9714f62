/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVM command set on RAM namespaces: read, write, compare (extended or separate metadata,
 * protection information inserted, stripped and checked), write zeroes, write uncorrectable,
 * dataset management, flush; reservations are in reservation.c.
 */
#define SRT_LOG_COMPONENT "nvme_model"
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/log.h"

#define MODEL_MAX_IO_BYTES (32u << 20) /* beyond MDTS 0 ("no limit"), what one command may move */

/* A read/write/compare decoded against its namespace. */
struct rw {
	struct model_ns *ns;
	uint64_t slba;
	uint32_t nlb;
	uint32_t cdw12, cdw14, cdw15;
	uint32_t bs;     /* data bytes per block */
	uint16_t ms;     /* metadata bytes per block */
	bool strip;      /* PRACT with 8-byte metadata: the host buffer has no metadata */
	size_t data_len; /* bytes moved through PRP/SGL */
	size_t md_len;   /* bytes moved through MPTR */
	uint8_t *data;   /* nlb * bs */
	uint8_t *md;     /* nlb * ms */
};

static bool range_ok(const struct model_ns *ns, uint64_t slba, uint64_t nlb)
{
	return slba < ns->num_blocks && nlb <= ns->num_blocks - slba;
}

static unsigned pi_offset(const struct rw *rw)
{
	return rw->ns->pi_first ? 0 : rw->ms - 8u;
}

/* The guard covers the block's data and, with PI last, the metadata bytes before it. */
static uint16_t guard_of(const struct rw *rw, uint32_t i)
{
	const uint8_t *d = rw->data + (size_t)i * rw->bs;
	uint8_t *tmp;
	uint16_t crc;

	if (pi_offset(rw) == 0)
		return nvme_model_crc16_t10dif(d, rw->bs);
	tmp = malloc(rw->bs + pi_offset(rw));
	if (tmp == NULL)
		return 0;
	memcpy(tmp, d, rw->bs);
	memcpy(tmp + rw->bs, rw->md + (size_t)i * rw->ms, pi_offset(rw));
	crc = nvme_model_crc16_t10dif(tmp, rw->bs + pi_offset(rw));
	free(tmp);
	return crc;
}

static uint32_t expected_reftag(const struct rw *rw, uint32_t i)
{
	return rw->ns->pi_type == 3 ? rw->cdw14 : rw->cdw14 + i;
}

static void generate_pi(struct rw *rw, uint32_t i)
{
	uint8_t *pi = rw->md + (size_t)i * rw->ms + pi_offset(rw);
	uint16_t guard = guard_of(rw, i), app = rw->cdw15 & 0xFFFF;
	uint32_t ref = expected_reftag(rw, i);

	/* PI fields are big endian */
	pi[0] = (uint8_t)(guard >> 8);
	pi[1] = (uint8_t)guard;
	pi[2] = (uint8_t)(app >> 8);
	pi[3] = (uint8_t)app;
	for (int b = 0; b < 4; b++)
		pi[4 + b] = (uint8_t)(ref >> (24 - 8 * b));
}

static uint8_t check_pi(const struct rw *rw, uint32_t i)
{
	const uint8_t *pi = rw->md + (size_t)i * rw->ms + pi_offset(rw);
	uint16_t guard = (uint16_t)(pi[0] << 8 | pi[1]), app = (uint16_t)(pi[2] << 8 | pi[3]);
	uint32_t ref = (uint32_t)pi[4] << 24 | (uint32_t)pi[5] << 16 | (uint32_t)pi[6] << 8 | pi[7];
	uint16_t want_app = rw->cdw15 & 0xFFFF, mask = (uint16_t)(rw->cdw15 >> 16);

	/* escape values disable checking */
	if (app == 0xFFFF && (rw->ns->pi_type != 3 || ref == 0xFFFFFFFF))
		return SC_SUCCESS;
	if ((rw->cdw12 & RW_PRINFO_PRCHK_GUARD) && guard != guard_of(rw, i))
		return SC_GUARD_CHECK_ERROR;
	if ((rw->cdw12 & RW_PRINFO_PRCHK_APPTAG) && ((app ^ want_app) & mask) != 0)
		return SC_APPTAG_CHECK_ERROR;
	if ((rw->cdw12 & RW_PRINFO_PRCHK_REFTAG) && rw->ns->pi_type != 3 &&
	    ref != expected_reftag(rw, i))
		return SC_REFTAG_CHECK_ERROR;
	return SC_SUCCESS;
}

static uint8_t check_all_pi(const struct rw *rw)
{
	for (uint32_t i = 0; i < rw->nlb; i++) {
		uint8_t sc = check_pi(rw, i);

		if (sc != SC_SUCCESS)
			return sc;
	}
	return SC_SUCCESS;
}

static int rw_decode(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe, struct rw *rw,
		     struct model_result *r)
{
	memset(rw, 0, sizeof(*rw));
	rw->ns = ns;
	rw->slba = get64(sqe, SQE_CDW10);
	rw->cdw12 = get32(sqe, SQE_CDW12);
	rw->cdw14 = get32(sqe, SQE_CDW14);
	rw->cdw15 = get32(sqe, SQE_CDW15);
	rw->nlb = (rw->cdw12 & 0xFFFF) + 1;
	rw->bs = model_lbaf_data_size(ns->lbaf);
	rw->ms = model_lbaf_md_size(ns->lbaf);
	if (!range_ok(ns, rw->slba, rw->nlb)) {
		result_status(r, SCT_GENERIC, SC_LBA_OUT_OF_RANGE, true);
		return -1;
	}
	if (ns->pi_type == 0 && (rw->cdw12 & (RW_PRINFO_PRACT | RW_PRINFO_PRCHK_GUARD |
					      RW_PRINFO_PRCHK_APPTAG | RW_PRINFO_PRCHK_REFTAG))) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_PROTECTION_INFO, true);
		return -1;
	}
	rw->strip = ns->pi_type != 0 && (rw->cdw12 & RW_PRINFO_PRACT) && rw->ms == 8;
	if (ns->extended) {
		rw->data_len = (size_t)rw->nlb * (rw->bs + (rw->strip ? 0 : rw->ms));
	} else {
		rw->data_len = (size_t)rw->nlb * rw->bs;
		rw->md_len = rw->strip ? 0 : (size_t)rw->nlb * rw->ms;
	}
	if (rw->data_len > model_max_transfer(m) || rw->data_len > MODEL_MAX_IO_BYTES) {
		SRT_ERR("I/O of %zu bytes exceeds MDTS (%u bytes)", rw->data_len,
			model_max_transfer(m));
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return -1;
	}
	rw->data = malloc((size_t)rw->nlb * rw->bs);
	rw->md = rw->ms ? calloc(rw->nlb, rw->ms) : NULL;
	if (rw->data == NULL || (rw->ms && rw->md == NULL)) {
		free(rw->data);
		free(rw->md);
		result_status(r, SCT_GENERIC, SC_INTERNAL_DEVICE_ERROR, false);
		return -1;
	}
	return 0;
}

static void rw_free(struct rw *rw)
{
	free(rw->data);
	free(rw->md);
}

/* Host memory <-> rw->data/md, interleaving for extended LBAs. */
static uint8_t rw_move(struct nvme_model *m, const uint8_t *sqe, struct rw *rw, enum model_dir dir,
		       uint8_t *sct)
{
	size_t host_md = rw->strip ? 0 : rw->ms;
	uint8_t *buf = rw->data;
	int sc;

	*sct = SCT_GENERIC;
	if (rw->ns->extended && host_md != 0) {
		buf = malloc(rw->data_len);
		if (buf == NULL)
			return SC_INTERNAL_DEVICE_ERROR;
		for (uint32_t i = 0; dir == MODEL_TO_HOST && i < rw->nlb; i++) {
			memcpy(buf + i * (rw->bs + host_md), rw->data + (size_t)i * rw->bs, rw->bs);
			memcpy(buf + i * (rw->bs + host_md) + rw->bs, rw->md + i * host_md,
			       host_md);
		}
	}
	sc = model_transfer(m, sqe, false, buf, rw->data_len, dir, sct);
	if (buf != rw->data) {
		for (uint32_t i = 0; dir == MODEL_FROM_HOST && sc == SC_SUCCESS && i < rw->nlb;
		     i++) {
			memcpy(rw->data + (size_t)i * rw->bs, buf + i * (rw->bs + host_md), rw->bs);
			memcpy(rw->md + i * host_md, buf + i * (rw->bs + host_md) + rw->bs,
			       host_md);
		}
		free(buf);
	}
	if (sc == SC_SUCCESS && rw->md_len != 0)
		sc = model_transfer_metadata(m, sqe, rw->md, rw->md_len, dir);
	return (uint8_t)sc;
}

static void do_write(struct nvme_model *m, const uint8_t *sqe, struct rw *rw,
		     struct model_result *r)
{
	struct model_ns *ns = rw->ns;
	uint8_t sct, sc = rw_move(m, sqe, rw, MODEL_FROM_HOST, &sct);

	if (sc == SC_SUCCESS && ns->pi_type != 0) {
		if (rw->cdw12 & RW_PRINFO_PRACT) {
			for (uint32_t i = 0; i < rw->nlb; i++)
				generate_pi(rw, i);
		} else {
			sct = SCT_MEDIA;
			sc = check_all_pi(rw);
		}
	}
	if (sc != SC_SUCCESS) {
		result_status(r, sct, sc, true);
		return;
	}
	memcpy(ns->data + rw->slba * rw->bs, rw->data, (size_t)rw->nlb * rw->bs);
	if (rw->ms)
		memcpy(ns->metadata + rw->slba * rw->ms, rw->md, (size_t)rw->nlb * rw->ms);
	memset(ns->uncorrectable + rw->slba, 0, rw->nlb);
}

static bool any_uncorrectable(const struct rw *rw)
{
	for (uint32_t i = 0; i < rw->nlb; i++)
		if (rw->ns->uncorrectable[rw->slba + i])
			return true;
	return false;
}

static void do_read(struct nvme_model *m, const uint8_t *sqe, struct rw *rw, struct model_result *r)
{
	struct model_ns *ns = rw->ns;
	uint8_t sct, sc;

	memcpy(rw->data, ns->data + rw->slba * rw->bs, (size_t)rw->nlb * rw->bs);
	if (rw->ms)
		memcpy(rw->md, ns->metadata + rw->slba * rw->ms, (size_t)rw->nlb * rw->ms);
	if (ns->pi_type != 0) {
		sc = check_all_pi(rw);
		if (sc != SC_SUCCESS) {
			result_status(r, SCT_MEDIA, sc, true);
			return;
		}
	}
	sc = rw_move(m, sqe, rw, MODEL_TO_HOST, &sct);
	if (sc != SC_SUCCESS)
		result_status(r, sct, sc, true);
}

static void do_compare(struct nvme_model *m, const uint8_t *sqe, struct rw *rw,
		       struct model_result *r)
{
	struct model_ns *ns = rw->ns;
	uint8_t sct, sc;

	sc = rw_move(m, sqe, rw, MODEL_FROM_HOST, &sct);
	if (sc != SC_SUCCESS) {
		result_status(r, sct, sc, true);
		return;
	}
	if (memcmp(rw->data, ns->data + rw->slba * rw->bs, (size_t)rw->nlb * rw->bs) != 0 ||
	    (rw->ms && !rw->strip &&
	     memcmp(rw->md, ns->metadata + rw->slba * rw->ms, (size_t)rw->nlb * rw->ms) != 0))
		result_status(r, SCT_MEDIA, SC_COMPARE_FAILURE, true);
}

static void read_write_compare(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe,
			       struct model_result *r)
{
	struct rw rw;

	if (rw_decode(m, ns, sqe, &rw, r) != 0)
		return;
	if (sqe[SQE_OPC] != IO_WRITE && any_uncorrectable(&rw)) {
		result_status(r, SCT_MEDIA, SC_UNRECOVERED_READ_ERROR, false);
		rw_free(&rw);
		return;
	}
	switch (sqe[SQE_OPC]) {
	case IO_WRITE:
		do_write(m, sqe, &rw, r);
		break;
	case IO_READ:
		do_read(m, sqe, &rw, r);
		break;
	default:
		do_compare(m, sqe, &rw, r);
		break;
	}
	rw_free(&rw);
}

/* Write Zeroes (PI generated with PRACT, else metadata zeroed) and Write Uncorrectable. */
static void zeroes_or_uncorrectable(struct model_ns *ns, const uint8_t *sqe, struct model_result *r)
{
	uint64_t slba = get64(sqe, SQE_CDW10);
	uint32_t cdw12 = get32(sqe, SQE_CDW12), nlb = (cdw12 & 0xFFFF) + 1;
	uint32_t bs = model_lbaf_data_size(ns->lbaf);
	uint16_t ms = model_lbaf_md_size(ns->lbaf);

	if (!range_ok(ns, slba, nlb)) {
		result_status(r, SCT_GENERIC, SC_LBA_OUT_OF_RANGE, true);
		return;
	}
	if (sqe[SQE_OPC] == IO_WRITE_UNCORRECTABLE) {
		memset(ns->uncorrectable + slba, 1, nlb);
		return;
	}
	memset(ns->data + slba * bs, 0, (size_t)nlb * bs);
	memset(ns->uncorrectable + slba, 0, nlb);
	if (ms == 0)
		return;
	memset(ns->metadata + slba * ms, 0, (size_t)nlb * ms);
	if (ns->pi_type != 0 && (cdw12 & RW_PRINFO_PRACT)) {
		struct rw rw = { .ns = ns,
				 .nlb = nlb,
				 .bs = bs,
				 .ms = ms,
				 .cdw12 = cdw12,
				 .cdw14 = get32(sqe, SQE_CDW14),
				 .cdw15 = get32(sqe, SQE_CDW15),
				 .data = ns->data + slba * bs,
				 .md = ns->metadata + slba * ms };

		for (uint32_t i = 0; i < nlb; i++)
			generate_pi(&rw, i);
	}
}

static void dataset_management(struct nvme_model *m, struct model_ns *ns, const uint8_t *sqe,
			       struct model_result *r)
{
	uint32_t nr = (get32(sqe, SQE_CDW10) & 0xFF) + 1;
	bool deallocate = get32(sqe, SQE_CDW11) & (1u << 2);
	uint32_t bs = model_lbaf_data_size(ns->lbaf);
	uint16_t ms = model_lbaf_md_size(ns->lbaf);
	uint8_t ranges[256 * 16], sct;
	int sc = model_transfer(m, sqe, false, ranges, nr * 16u, MODEL_FROM_HOST, &sct);

	if (sc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)sc, true);
		return;
	}
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t nlb = get32(ranges, 16 * i + 4);
		uint64_t slba = get64(ranges, 16 * i + 8);

		if (!range_ok(ns, slba, nlb) && nlb != 0) {
			result_status(r, SCT_GENERIC, SC_LBA_OUT_OF_RANGE, true);
			return;
		}
	}
	for (uint32_t i = 0; deallocate && i < nr; i++) {
		uint32_t nlb = get32(ranges, 16 * i + 4);
		uint64_t slba = get64(ranges, 16 * i + 8);

		/* deallocated blocks read zeroes (DLFEAT) */
		memset(ns->data + slba * bs, 0, (size_t)nlb * bs);
		if (ms)
			memset(ns->metadata + slba * ms, 0, (size_t)nlb * ms);
		if (nlb)
			memset(ns->uncorrectable + slba, 0, nlb);
	}
}

void model_io(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t nsid = get32(sqe, SQE_NSID);
	uint8_t opc = sqe[SQE_OPC];
	struct model_ns *ns;

	if ((sqe[SQE_FLAGS] & 3) != 0) { /* fused compare-and-write is not offered */
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (opc == IO_FLUSH && nsid == 0xFFFFFFFF)
		return;
	ns = model_ns_get(m, nsid);
	if (ns == NULL) {
		result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
		return;
	}
	if (!model_reservation_allows(m, ns, opc)) {
		result_status(r, SCT_GENERIC, SC_RESERVATION_CONFLICT, true);
		return;
	}
	switch (opc) {
	case IO_FLUSH:
		break;
	case IO_READ:
	case IO_WRITE:
	case IO_COMPARE:
		read_write_compare(m, ns, sqe, r);
		break;
	case IO_WRITE_ZEROES:
	case IO_WRITE_UNCORRECTABLE:
		zeroes_or_uncorrectable(ns, sqe, r);
		break;
	case IO_DATASET_MANAGEMENT:
		dataset_management(m, ns, sqe, r);
		break;
	case IO_RESERVATION_REGISTER:
	case IO_RESERVATION_REPORT:
	case IO_RESERVATION_ACQUIRE:
	case IO_RESERVATION_RELEASE:
		model_reservation(m, ns, sqe, r);
		break;
	default:
		result_status(r, SCT_GENERIC, SC_INVALID_OPCODE, true);
		break;
	}
}
