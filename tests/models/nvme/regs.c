/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller registers: the driver writes BAR0 memory; each poll compares CC with the last value
 * seen and acts on the transitions (enable, disable, shutdown), restores read-only registers and
 * publishes CSTS. CSTS.RDY can be made slow or stuck on demand.
 */
#define SRT_LOG_COMPONENT "nvme_model"
#include <string.h>

#include "env/mmio.h"
#include "internal.h"
#include "util/log.h"

/*
 * Registers are read and written with the env's MMIO helpers, as the driver does on its side:
 * the acquire on CC pairs with the driver's release store after it programmed AQA/ASQ/ACQ.
 */
static uint32_t reg_read32(struct nvme_model *m, unsigned off)
{
	return srt_mmio_read32(m->bar0 + off);
}

static uint64_t reg_read64(struct nvme_model *m, unsigned off)
{
	return srt_mmio_read64(m->bar0 + off);
}

static void reg_write32(struct nvme_model *m, unsigned off, uint32_t v)
{
	srt_mmio_write32(m->bar0 + off, v);
}

/* Every register from off to the end of BAR0 (doorbells, or the whole BAR on removal). */
void model_regs_fill(struct nvme_model *m, unsigned off, uint32_t v)
{
	for (; off < m->bar0_size; off += 4)
		srt_mmio_write32(m->bar0 + off, v);
}

volatile uint32_t *model_doorbell(struct nvme_model *m, uint16_t qid, bool cq)
{
	unsigned off = REG_DOORBELL + (2u * qid + (cq ? 1 : 0)) * (4u << m->opts.dstrd);

	return (volatile uint32_t *)(m->bar0 + off);
}

static void publish_readonly(struct nvme_model *m)
{
	srt_mmio_write64(m->bar0 + REG_CAP, m->cap);
	reg_write32(m, REG_VS, m->vs);
	reg_write32(m, REG_CSTS, m->csts);
	if (m->cmb != NULL) {
		/* CMB in BAR2 at offset 0, size unit 4 KiB. Shown before CMBMSC.CRE too (as NVMe
		 * 1.3 devices do): the model sees register writes only when polled. */
		reg_write32(m, REG_CMBLOC, 2);
		reg_write32(m, REG_CMBSZ, (m->opts.cmb_size / 4096) << 12 | model_cmbsz_flags(m));
	} else {
		reg_write32(m, REG_CMBLOC, 0);
		reg_write32(m, REG_CMBSZ, 0);
	}
}

uint32_t model_cmbsz_flags(const struct nvme_model *m)
{
	return (m->opts.cmb_no_sqs ? 0 : CMBSZ_SQS) | CMBSZ_CQS | CMBSZ_LISTS |
	       (m->opts.cmb_no_rds ? 0 : CMBSZ_RDS) | (m->opts.cmb_no_wds ? 0 : CMBSZ_WDS);
}

/*
 * CMBMSC (NVMe 1.4): CRE shows CMBLOC/CMBSZ; CMSE makes the controller take addresses in
 * [CBA, CBA + size) as its own memory, in commands and queue bases, from then on.
 */
static void cmbmsc_poll(struct nvme_model *m)
{
	uint64_t v = reg_read64(m, REG_CMBMSC);

	if (v == m->cmbmsc || m->cmb == NULL)
		return;
	m->cmbmsc = v;
	m->cmb_cmse = (v & CMBMSC_CRE) && (v & CMBMSC_CMSE);
	m->cmb_cba = v & ~0xFFFull;
}

void model_regs_init(struct nvme_model *m)
{
	const struct nvme_model_opts *o = &m->opts;

	m->cap = (uint64_t)o->mqes | 1ull << 16 /* CQR: contiguous queues required */ |
		 (uint64_t)(o->wrr ? 1 : 0) << 17 /* AMS: WRR with urgent */ |
		 (uint64_t)o->timeout << 24 | (uint64_t)o->dstrd << 32 |
		 1ull << 37 /* CSS: NVM command set */ | 1ull << 36 /* NSSRS */ |
		 (uint64_t)o->mpsmin << 48 | (uint64_t)o->mpsmax << 52 |
		 (uint64_t)(m->cmb != NULL ? 1 : 0) << 57 /* CMBS: CMBMSC implemented */;
	m->vs = 0x00010400; /* 1.4.0 */
	m->csts = 0;
	m->cc = 0;
	publish_readonly(m);
}

/* What CC.EN 1 -> 0 (or a function reset) does: every queue and command goes away. */
void model_controller_reset(struct nvme_model *m)
{
	model_queue_reset_all(m);
	model_features_reset(m);
	m->num_events = 0;
	m->masked_types = 0;
	m->aers_outstanding = 0;
	m->aborts_outstanding = 0;
	m->fatal = false;
	m->shutdown_pending = false;
	m->csts &= ~(CSTS_CFS | (3u << CSTS_SHST_SHIFT));
	memset(m->db_shadow, 0, sizeof(m->db_shadow));
	model_regs_fill(m, REG_DOORBELL, 0);
	if (m->fw_next != 0) { /* a committed image activates at the controller reset */
		m->fw_active = m->fw_next;
		m->fw_next = 0;
		model_identify_build(m);
	}
}

static bool enable_config_valid(struct nvme_model *m, uint32_t cc, uint32_t aqa, uint64_t asq,
				uint64_t acq)
{
	uint32_t mps = CC_MPS(cc);
	uint32_t asqs = (aqa & 0xFFF) + 1, acqs = ((aqa >> 16) & 0xFFF) + 1;

	if (CC_CSS(cc) != 0) {
		SRT_ERR("enable: CC.CSS %u is not the NVM command set", CC_CSS(cc));
		return false;
	}
	if (mps < m->opts.mpsmin || mps > m->opts.mpsmax) {
		SRT_ERR("enable: CC.MPS %u outside CAP.MPSMIN..MPSMAX", mps);
		return false;
	}
	if (CC_AMS(cc) != AMS_RR && !(CC_AMS(cc) == AMS_WRR && m->opts.wrr)) {
		SRT_ERR("enable: CC.AMS %u not supported", CC_AMS(cc));
		return false;
	}
	if (asqs < 2 || acqs < 2 || asqs > m->opts.mqes + 1u || acqs > m->opts.mqes + 1u) {
		SRT_ERR("enable: admin queue sizes %u/%u invalid", asqs, acqs);
		return false;
	}
	if ((asq & 0xFFF) != 0 || (acq & 0xFFF) != 0) {
		SRT_ERR("enable: ASQ/ACQ not 4 KiB aligned");
		return false;
	}
	return true;
}

static void enable(struct nvme_model *m, uint32_t cc)
{
	uint32_t aqa = reg_read32(m, REG_AQA);
	uint64_t asq = reg_read64(m, REG_ASQ), acq = reg_read64(m, REG_ACQ);

	m->stats.enables++;
	m->csts &= ~(3u << CSTS_SHST_SHIFT);
	if (!enable_config_valid(m, cc, aqa, asq, acq)) {
		m->fatal = true;
		m->csts |= CSTS_CFS;
		return;
	}
	m->page_size = 4096u << CC_MPS(cc);
	model_create_cq(m, 0, acq, ((aqa >> 16) & 0xFFF) + 1);
	model_create_sq(m, 0, 0, asq, (aqa & 0xFFF) + 1, 0);
	m->ready_transition = true;
	m->ready_countdown = m->ready_delay;
}

static void disable(struct nvme_model *m)
{
	m->stats.disables++;
	model_controller_reset(m);
	m->ready_transition = true;
	m->ready_countdown = m->ready_delay;
}

static void shutdown_start(struct nvme_model *m)
{
	m->stats.shutdowns++;
	m->shutdown_pending = true;
	m->shutdown_countdown = m->shutdown_delay;
	m->csts = (m->csts & ~(3u << CSTS_SHST_SHIFT)) | CSTS_SHST_OCCURRING;
}

static void advance_timers(struct nvme_model *m)
{
	if (m->ready_transition && !m->ready_stuck) {
		if (m->ready_countdown > 0) {
			m->ready_countdown--;
		} else {
			m->ready_transition = false;
			if ((m->cc & CC_EN) && !m->fatal)
				m->csts |= CSTS_RDY;
			else if (!(m->cc & CC_EN))
				m->csts &= ~CSTS_RDY;
		}
	}
	if (m->shutdown_pending && m->shutdown_delay != UINT32_MAX) {
		if (m->shutdown_countdown > 0) {
			m->shutdown_countdown--;
		} else {
			m->shutdown_pending = false;
			m->csts = (m->csts & ~(3u << CSTS_SHST_SHIFT)) | CSTS_SHST_COMPLETE;
		}
	}
}

int model_regs_poll(struct nvme_model *m)
{
	uint32_t cc = reg_read32(m, REG_CC);
	uint32_t nssr = reg_read32(m, REG_NSSR);
	uint32_t old = m->cc;
	int work = 0;

	if (nssr != 0) {
		reg_write32(m, REG_NSSR, 0);
		if (nssr == NSSR_MAGIC) {
			/* NVM subsystem reset: as a disable, and CC goes back to 0 */
			SRT_NOTICE("NVM subsystem reset");
			model_controller_reset(m);
			cc = 0;
			reg_write32(m, REG_CC, 0);
			m->csts = CSTS_NSSRO;
			m->cc = 0;
			old = 0;
			work++;
		}
	}
	if (cc != old) {
		m->cc = cc;
		work++;
		if (!(old & CC_EN) && (cc & CC_EN))
			enable(m, cc);
		else if ((old & CC_EN) && !(cc & CC_EN))
			disable(m);
		if (CC_SHN(cc) != 0 && CC_SHN(old) == 0)
			shutdown_start(m);
	}
	cmbmsc_poll(m);
	advance_timers(m);
	publish_readonly(m);
	return work;
}
