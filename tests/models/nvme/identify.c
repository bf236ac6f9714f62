/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identify: the controller and namespace pages are built from the model's state into buffers
 * that tests may then corrupt (what is served is what the buffer holds); lists are computed.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void put_str(uint8_t *page, unsigned off, unsigned len, const char *s)
{
	size_t n = strlen(s);

	memset(page + off, ' ', len); /* ASCII fields are space padded */
	memcpy(page + off, s, n < len ? n : len);
}

static void build_ctrlr(struct nvme_model *m)
{
	const struct nvme_model_opts *o = &m->opts;
	uint8_t *c = m->identify_ctrlr;
	uint32_t sgls = o->sgl ? (o->sgl_dword_aligned ? 2u : 1u) /* alignment */ |
					 (1u << 16) /* bit bucket */ |
					 (1u << 18) /* length larger than data */
				 :
				 0;

	memset(c, 0, IDENTIFY_SIZE);
	put16(c, IDC_VID, o->id.vendor_id);
	put16(c, IDC_SSVID, o->id.subvendor_id);
	put_str(c, IDC_SN, 20, "SPDKRTMODEL0001");
	put_str(c, IDC_MN, 40, "spdkrt NVMe model");
	put_str(c, IDC_FR, 8, m->fw_rev[m->fw_active]);
	c[IDC_RAB] = 6;
	c[IDC_MDTS] = o->mdts;
	put16(c, IDC_CNTLID, NVME_MODEL_CNTLID);
	put32(c, IDC_VER, m->vs);
	put32(c, IDC_RTD3E, o->rtd3e);
	put32(c, IDC_OAES, OAES_NS_ATTRIBUTE | OAES_FW_ACTIVATION);
	put16(c, IDC_OACS, OACS_SECURITY | OACS_FORMAT | OACS_FIRMWARE | OACS_NS_MANAGEMENT);
	c[IDC_ACL] = o->acl;
	c[IDC_AERL] = o->aerl;
	c[IDC_FRMW] = (uint8_t)(NVME_MODEL_FW_SLOTS << 1 | 1u << 4); /* activation w/o reset */
	c[IDC_LPA] = LPA_CMD_EFFECTS | LPA_EXTENDED_DATA;
	c[IDC_ELPE] = MODEL_MAX_ERRORS - 1;
	c[IDC_NPSS] = 0;
	put16(c, IDC_WCTEMP, 343);
	put16(c, IDC_CCTEMP, 358);
	put16(c, IDC_KAS, o->kas);
	c[IDC_SQES] = 6 << 4 | 6;
	c[IDC_CQES] = 4 << 4 | 4;
	put32(c, IDC_NN, NVME_MODEL_MAX_NS);
	put16(c, IDC_ONCS,
	      ONCS_COMPARE | ONCS_WRITE_UNCORRECTABLE | ONCS_DSM | ONCS_WRITE_ZEROES |
		      ONCS_RESERVATIONS | ONCS_TIMESTAMP);
	c[IDC_FNA] = 0; /* format applies per namespace */
	c[IDC_VWC] = 1;
	put32(c, IDC_SGLS, sgls);
	put32(c, IDC_MNAN, NVME_MODEL_MAX_NS);
	put_str(c, IDC_SUBNQN, 64, "nqn.2026-01.io.spdkrt:model");
	memset(c + IDC_SUBNQN + 64, 0, 256 - 64);
	put16(c, IDC_PSD0, 2500); /* max power 25 W in centiwatts */
}

static void build_ns(struct nvme_model *m, uint32_t nsid)
{
	struct model_ns *ns = &m->ns[nsid];
	uint8_t *d = ns->identify;

	memset(d, 0, IDENTIFY_SIZE);
	put64(d, IDN_NSZE, ns->num_blocks);
	put64(d, IDN_NCAP, ns->num_blocks);
	put64(d, IDN_NUSE, ns->num_blocks);
	d[IDN_NSFEAT] = 0;
	d[IDN_NLBAF] = NVME_MODEL_NUM_LBAF - 1;
	d[IDN_FLBAS] = (uint8_t)(ns->lbaf | (ns->extended ? FLBAS_EXTENDED : 0));
	d[IDN_MC] = 0x3;   /* extended and separate metadata */
	d[IDN_DPC] = 0x1F; /* PI types 1-3, first or last */
	d[IDN_DPS] = (uint8_t)(ns->pi_type | (ns->pi_first ? DPS_PI_FIRST : 0));
	d[IDN_RESCAP] = 0x7F; /* every reservation type, persist through power loss */
	d[IDN_DLFEAT] = 0x1;  /* deallocated blocks read zeroes */
	d[IDN_NGUID] = 0x5A;
	put32(d, IDN_NGUID + 12, nsid);
	put32(d, IDN_EUI64, 0x00E0CF00);
	put32(d, IDN_EUI64 + 4, nsid);
	for (uint8_t i = 0; i < NVME_MODEL_NUM_LBAF; i++) {
		uint32_t lbads = __builtin_ctz(model_lbaf_data_size(i));

		put32(d, IDN_LBAF0 + 4u * i, model_lbaf_md_size(i) | lbads << 16);
	}
}

void model_identify_build(struct nvme_model *m)
{
	build_ctrlr(m);
	for (uint32_t nsid = 1; nsid <= NVME_MODEL_MAX_NS; nsid++)
		if (m->ns[nsid].exists)
			build_ns(m, nsid);
}

/* NSIDs greater than `after`, ascending, attached only or every allocated one. */
static void ns_list(struct nvme_model *m, uint32_t after, bool allocated, uint8_t *page)
{
	unsigned n = 0;

	for (uint32_t nsid = after + 1; nsid <= NVME_MODEL_MAX_NS && n < 1024; nsid++)
		if (m->ns[nsid].exists && (allocated || m->ns[nsid].attached))
			put32(page, 4 * n++, nsid);
}

static void ns_descriptors(const struct model_ns *ns, uint8_t *page)
{
	/* NIDT, NIDL, 2 reserved, then the identifier */
	page[0] = NIDT_EUI64;
	page[1] = 8;
	memcpy(page + 4, ns->identify + IDN_EUI64, 8);
	page[12] = NIDT_NGUID;
	page[13] = 16;
	memcpy(page + 16, ns->identify + IDN_NGUID, 16);
}

void model_identify(struct nvme_model *m, const uint8_t *sqe, struct model_result *r)
{
	uint8_t cns = sqe[SQE_CDW10] & 0xFF;
	uint32_t nsid = get32(sqe, SQE_NSID);
	bool in_range = nsid >= 1 && nsid <= NVME_MODEL_MAX_NS;
	uint8_t page[IDENTIFY_SIZE];
	uint8_t sct;
	int sc;

	memset(page, 0, sizeof(page));
	switch (cns) {
	case CNS_CONTROLLER:
		memcpy(page, m->identify_ctrlr, sizeof(page));
		break;
	case CNS_NAMESPACE:
	case CNS_ALLOCATED_NAMESPACE:
		if (nsid == 0xFFFFFFFF) /* common namespace capabilities: format table only */
			break;
		if (!in_range) {
			result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
			return;
		}
		/* an inactive (unattached or absent) namespace reads zeroes */
		if (m->ns[nsid].exists && (cns == CNS_ALLOCATED_NAMESPACE || m->ns[nsid].attached))
			memcpy(page, m->ns[nsid].identify, sizeof(page));
		break;
	case CNS_ACTIVE_NS_LIST:
	case CNS_ALLOCATED_NS_LIST:
		if (nsid >= 0xFFFFFFFE) {
			result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
			return;
		}
		ns_list(m, nsid, cns == CNS_ALLOCATED_NS_LIST, page);
		break;
	case CNS_NS_ID_DESCRIPTORS:
		if (!in_range || model_ns_get(m, nsid) == NULL) {
			result_status(r, SCT_GENERIC, SC_INVALID_NAMESPACE, true);
			return;
		}
		ns_descriptors(&m->ns[nsid], page);
		break;
	case CNS_NS_CTRLR_LIST:
	case CNS_CTRLR_LIST:
		/* one controller; for 0x12 only if the namespace is attached to it */
		if (cns == CNS_CTRLR_LIST || (in_range && model_ns_get(m, nsid) != NULL)) {
			put16(page, 0, 1);
			put16(page, 2, NVME_MODEL_CNTLID);
		}
		break;
	default:
		result_status(r, SCT_GENERIC, SC_INVALID_FIELD, true);
		return;
	}
	sc = model_transfer(m, sqe, true, page, sizeof(page), MODEL_TO_HOST, &sct);
	if (sc != SC_SUCCESS)
		result_status(r, sct, (uint8_t)sc, true);
}
