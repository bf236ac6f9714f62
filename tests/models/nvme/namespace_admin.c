/* SPDX-License-Identifier: BSD-3-Clause */
/* Namespace management (create/delete), attachment (attach/detach) and Format NVM. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MODEL_NS_CAPACITY (256ull << 20) /* bytes one created namespace may hold */
#define SEL_CREATE_OR_ATTACH 0
#define SEL_DELETE_OR_DETACH 1

static void create_ns(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint8_t data[IDENTIFY_SIZE], sct;
	struct nvme_model_ns_opts o = { 0 };
	uint64_t nsze, ncap;
	uint32_t nsid;
	int sc = model_transfer(m, sqe, true, data, sizeof(data), MODEL_FROM_HOST, &sct);

	if (sc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)sc, true);
		return;
	}
	nsze = get64(data, IDN_NSZE);
	ncap = get64(data, IDN_NCAP);
	o.lbaf = data[IDN_FLBAS] & 0xF;
	o.extended = data[IDN_FLBAS] & FLBAS_EXTENDED;
	o.pi_type = data[IDN_DPS] & 7;
	o.pi_first = data[IDN_DPS] & DPS_PI_FIRST;
	o.num_blocks = nsze;
	o.detached = true;
	if (o.lbaf >= NVME_MODEL_NUM_LBAF || o.pi_type > 3 ||
	    (o.pi_type != 0 && model_lbaf_md_size(o.lbaf) < 8)) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_FORMAT, true);
		return;
	}
	if (nsze == 0 || ncap > nsze) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (nsze > MODEL_NS_CAPACITY / model_lbaf_data_size(o.lbaf)) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_NAMESPACE_INSUFFICIENT_CAPACITY, true);
		return;
	}
	for (nsid = 1; nsid <= NVME_MODEL_MAX_NS && m->ns[nsid].exists; nsid++)
		;
	if (nsid > NVME_MODEL_MAX_NS) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_NAMESPACE_ID_UNAVAILABLE, true);
		return;
	}
	if (model_ns_alloc(m, nsid, &o) != 0) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_NAMESPACE_INSUFFICIENT_CAPACITY, true);
		return;
	}
	model_identify_build(m);
	r->cdw0 = nsid;
}

static void delete_ns(struct nvme_model *m, uint32_t nsid, struct model_result *r)
{
	uint32_t first = nsid, last = nsid;

	if (nsid == 0xFFFFFFFF) {
		first = 1;
		last = NVME_MODEL_MAX_NS;
	} else if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists) {
		result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
		return;
	}
	for (nsid = first; nsid <= last; nsid++) {
		bool was_attached = m->ns[nsid].exists && m->ns[nsid].attached;

		if (!m->ns[nsid].exists)
			continue;
		model_ns_free(&m->ns[nsid]);
		if (was_attached)
			model_ns_changed(m, nsid);
	}
	model_identify_build(m);
}

static void attach_ns(struct nvme_model *m, const uint8_t *sqe, uint32_t nsid, bool attach,
		      struct model_result *r)
{
	uint8_t list[IDENTIFY_SIZE], sct;
	bool ours = false;
	int sc;

	if (nsid < 1 || nsid > NVME_MODEL_MAX_NS || !m->ns[nsid].exists) {
		result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
		return;
	}
	sc = model_transfer(m, sqe, true, list, sizeof(list), MODEL_FROM_HOST, &sct);
	if (sc != SC_SUCCESS) {
		result_status(r, sct, (uint8_t)sc, true);
		return;
	}
	for (unsigned i = 0; i < get16(list, 0) && i < 2047; i++)
		ours |= get16(list, 2 + 2 * i) == NVME_MODEL_CNTLID;
	if (get16(list, 0) == 0 || get16(list, 0) > 2047 || !ours) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_CONTROLLER_LIST_INVALID, true);
		return;
	}
	if (attach && m->ns[nsid].attached) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_NAMESPACE_ALREADY_ATTACHED, true);
		return;
	}
	if (!attach && !m->ns[nsid].attached) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_NAMESPACE_NOT_ATTACHED, true);
		return;
	}
	m->ns[nsid].attached = attach;
	model_ns_changed(m, nsid);
}

void model_ns_management(struct nvme_model *m, const uint8_t *sqe, bool attachment,
			 struct model_result *r)
{
	uint8_t sel = sqe[SQE_CDW10] & 0xF;
	uint32_t nsid = get32(sqe, SQE_NSID);

	if (sel != SEL_CREATE_OR_ATTACH && sel != SEL_DELETE_OR_DETACH) {
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	if (attachment)
		attach_ns(m, sqe, nsid, sel == SEL_CREATE_OR_ATTACH, r);
	else if (sel == SEL_CREATE_OR_ATTACH)
		create_ns(m, sqe, r);
	else
		delete_ns(m, nsid, r);
}

/* Reformat one namespace: same data capacity in bytes, new block size, every block zeroed. */
static int format_one(struct nvme_model *m, uint32_t nsid, const struct nvme_model_ns_opts *o)
{
	struct model_ns *ns = &m->ns[nsid];
	struct nvme_model_ns_opts n = *o;
	uint64_t bytes = ns->num_blocks * model_lbaf_data_size(ns->lbaf);
	struct model_ns saved = *ns;

	n.nsid = nsid;
	n.num_blocks = bytes / model_lbaf_data_size(o->lbaf);
	n.detached = !ns->attached;
	if (model_ns_alloc(m, nsid, &n) != 0) {
		*ns = saved;
		return -1;
	}
	ns->generation = saved.generation;
	memcpy(ns->registrants, saved.registrants, sizeof(ns->registrants));
	ns->num_registrants = saved.num_registrants;
	ns->holder = saved.holder;
	ns->rtype = saved.rtype;
	free(saved.data);
	free(saved.metadata);
	free(saved.uncorrectable);
	return 0;
}

void model_format(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint32_t cdw10 = get32(sqe, SQE_CDW10), nsid = get32(sqe, SQE_NSID);
	struct nvme_model_ns_opts o = { 0 };
	uint8_t ses = (cdw10 >> 9) & 7;
	uint32_t first = nsid, last = nsid;

	o.lbaf = cdw10 & 0xF;
	o.extended = cdw10 & (1u << 4);
	o.pi_type = (cdw10 >> 5) & 7;
	o.pi_first = cdw10 & (1u << 8);
	if (nsid == 0xFFFFFFFF) {
		first = 1;
		last = NVME_MODEL_MAX_NS;
	} else if (model_ns_get(m, nsid) == NULL) {
		result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
		return;
	}
	if (o.lbaf >= NVME_MODEL_NUM_LBAF || o.pi_type > 3 ||
	    (o.pi_type != 0 && model_lbaf_md_size(o.lbaf) < 8)) {
		result_status(r, SCT_COMMAND_SPECIFIC, SC_INVALID_FORMAT, true);
		return;
	}
	if (ses > 1) { /* user data erase only; no cryptographic erase */
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	for (nsid = first; nsid <= last; nsid++) {
		if (model_ns_get(m, nsid) == NULL)
			continue;
		if (format_one(m, nsid, &o) != 0) {
			result_status(r, SCT_GENERIC, SC_INTERNAL_DEVICE_ERROR, false);
			return;
		}
	}
	model_identify_build(m);
}
