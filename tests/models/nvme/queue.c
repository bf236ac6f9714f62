/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Submission and completion queues: doorbells, arbitration (round robin with burst, or weighted
 * round robin with an urgent class), fetching commands from host memory, and posting completions
 * with phase tags. Completions that cannot be posted yet (delayed, held, CQ full) wait in a FIFO.
 */
#define SRT_LOG_COMPONENT "nvme_model"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env/mmio.h"
#include "internal.h"
#include "util/log.h"

int model_create_cq(struct nvme_model *m, uint16_t qid, uint64_t base, uint32_t size)
{
	struct model_cq *cq = &m->cq[qid];

	memset(cq, 0, sizeof(*cq));
	cq->exists = true;
	cq->base = base;
	cq->size = size;
	cq->phase = true;
	return 0;
}

int model_create_sq(struct nvme_model *m, uint16_t qid, uint16_t cqid, uint64_t base, uint32_t size,
		    uint8_t prio)
{
	struct model_sq *sq = &m->sq[qid];

	memset(sq, 0, sizeof(*sq));
	sq->exists = true;
	sq->cqid = cqid;
	sq->base = base;
	sq->size = size;
	sq->prio = prio;
	m->cq[cqid].sq_refs++;
	return 0;
}

static void clear_doorbell(struct nvme_model *m, uint16_t qid, bool cq)
{
	srt_mmio_write32(model_doorbell(m, qid, cq), 0);
	m->db_shadow[2 * qid + (cq ? 1 : 0)] = 0;
}

static void pending_remove(struct nvme_model *m, struct model_pending *p)
{
	for (struct model_pending **link = &m->pending; *link != NULL; link = &(*link)->next) {
		if (*link == p) {
			*link = p->next;
			free(p);
			m->stats.outstanding--;
			return;
		}
	}
}

static void set_status(uint8_t *cqe, uint8_t sct, uint8_t sc, bool dnr)
{
	put16(cqe, CQE_STATUS, (uint16_t)(sc << 1 | (sct & 7) << 9 | (dnr ? 1u : 0) << 15));
}

void model_complete_held(struct nvme_model *m, struct model_pending *p, uint32_t cdw0, uint8_t sct,
			 uint8_t sc)
{
	(void)m;
	put32(p->cqe, CQE_CDW0, cdw0);
	set_status(p->cqe, sct, sc, false);
	if (p->is_aer)
		m->aers_outstanding--;
	p->held = false;
	p->is_aer = false;
	p->polls_left = 0;
}

/* Commands of a deleted SQ complete with ABORTED_SQ_DELETION before the Delete does. */
void model_delete_sq(struct nvme_model *m, uint16_t qid)
{
	for (struct model_pending *p = m->pending; p != NULL; p = p->next) {
		if (p->sqid == qid && (p->held || p->polls_left > 0)) {
			model_complete_held(m, p, 0, SCT_GENERIC, SC_ABORTED_SQ_DELETION);
			p->duplicate = false;
		}
	}
	m->cq[m->sq[qid].cqid].sq_refs--;
	memset(&m->sq[qid], 0, sizeof(m->sq[qid]));
	clear_doorbell(m, qid, false);
}

void model_delete_cq(struct nvme_model *m, uint16_t qid)
{
	struct model_pending *p = m->pending, *next;

	for (; p != NULL; p = next) { /* nowhere to post them now */
		next = p->next;
		if (p->cqid == qid)
			pending_remove(m, p);
	}
	memset(&m->cq[qid], 0, sizeof(m->cq[qid]));
	clear_doorbell(m, qid, true);
}

void model_queue_reset_all(struct nvme_model *m)
{
	while (m->pending != NULL)
		pending_remove(m, m->pending);
	memset(m->sq, 0, sizeof(m->sq));
	memset(m->cq, 0, sizeof(m->cq));
	m->rr_next = 0;
	m->burst_left = 0;
	m->wrr_class = 2; /* so that the first round starts with the high class */
	memset(m->wrr_credit, 0, sizeof(m->wrr_credit));
}

struct model_pending *model_find_pending(struct nvme_model *m, uint16_t sqid, uint16_t cid)
{
	for (struct model_pending *p = m->pending; p != NULL; p = p->next)
		if (p->sqid == sqid && p->cid == cid && (p->held || p->polls_left > 0))
			return p;
	return NULL;
}

static bool cq_full(const struct model_cq *cq)
{
	return (cq->tail + 1) % cq->size == cq->head;
}

/* Write one entry; the status word (with the phase) goes last, as a release store. */
static int cq_post(struct nvme_model *m, struct model_cq *cq, const uint8_t *cqe, bool phase)
{
	uint8_t *dst;
	uint16_t status;

	if (cq_full(cq))
		return -1;
	dst = model_dma(m, cq->base + (uint64_t)cq->tail * CQE_SIZE, CQE_SIZE);
	if (dst == NULL) {
		SRT_ERR("completion queue memory at IOVA 0x%llx is not DMA memory",
			(unsigned long long)(cq->base + (uint64_t)cq->tail * CQE_SIZE));
		return -2;
	}
	memcpy(dst, cqe, CQE_STATUS);
	status = (uint16_t)((get16(cqe, CQE_STATUS) & ~1u) | (phase ? 1u : 0));
	/* pairs with the driver's acquire read of the phase bit */
	__atomic_store_n((uint16_t *)(dst + CQE_STATUS), status, __ATOMIC_RELEASE);
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase = !cq->phase;
	}
	m->stats.completions++;
	return 0;
}

int nvme_model_post_raw_cqe(struct nvme_model *m, uint16_t cqid, const uint8_t cqe[16],
			    bool keep_phase)
{
	struct model_cq *cq;
	bool phase;

	if (cqid >= NVME_MODEL_MAX_QUEUES || !m->cq[cqid].exists)
		return -ENOENT;
	cq = &m->cq[cqid];
	phase = keep_phase ? (get16(cqe, CQE_STATUS) & 1) : cq->phase;
	return cq_post(m, cq, cqe, phase) == 0 ? 0 : -ENOSPC;
}

/* Post every completion that is due and has room, oldest first. */
static int flush_pending(struct nvme_model *m)
{
	struct model_pending *p = m->pending, *next;
	int work = 0;

	for (; p != NULL; p = next) {
		struct model_cq *cq = &m->cq[p->cqid];
		bool phase;

		next = p->next;
		if (p->held || p->polls_left > 0 || !cq->exists)
			continue;
		if (m->sq[p->sqid].exists)
			put16(p->cqe, CQE_SQHD, (uint16_t)m->sq[p->sqid].head);
		phase = p->wrong_phase ? !cq->phase : cq->phase;
		if (cq_post(m, cq, p->cqe, phase) == -1)
			continue; /* CQ full: later */
		if (p->duplicate) {
			p->duplicate = false;
			continue; /* the second copy goes out next time round */
		}
		pending_remove(m, p);
		work++;
	}
	return work;
}

static void tick_delays(struct nvme_model *m)
{
	for (struct model_pending *p = m->pending; p != NULL; p = p->next)
		if (!p->held && p->polls_left > 0)
			p->polls_left--;
}

void model_queue_event(struct nvme_model *m, uint8_t type, uint8_t info, uint8_t log_page)
{
	if (m->num_events == MODEL_MAX_EVENTS)
		return; /* the controller's event queue overflowed: drop the newest */
	m->events[m->num_events++] = (struct model_event){ type, info, log_page };
}

void nvme_model_raise_event(struct nvme_model *m, uint8_t type, uint8_t info, uint8_t log_page)
{
	model_queue_event(m, type, info, log_page);
	model_deliver_events(m);
}

/* Each event goes to an outstanding AER; its type stays masked until its log page is read. */
void model_deliver_events(struct nvme_model *m)
{
	unsigned i = 0;

	while (i < m->num_events && m->aers_outstanding > 0) {
		struct model_event ev = m->events[i];
		struct model_pending *aer = NULL;

		if (m->masked_types & (1u << ev.type)) {
			i++;
			continue;
		}
		for (struct model_pending *p = m->pending; p != NULL; p = p->next) {
			if (p->is_aer) {
				aer = p;
				break;
			}
		}
		if (aer == NULL)
			break;
		model_complete_held(m, aer,
				    ev.type | (uint32_t)ev.info << 8 | (uint32_t)ev.log_page << 16,
				    SCT_GENERIC, SC_SUCCESS);
		m->masked_types |= (uint8_t)(1u << ev.type);
		memmove(&m->events[i], &m->events[i + 1],
			(m->num_events - i - 1) * sizeof(m->events[0]));
		m->num_events--;
	}
}

static void invalid_doorbell(struct nvme_model *m, unsigned index, uint32_t value, uint8_t info)
{
	SRT_WARN("invalid doorbell write: %s doorbell of queue %u = %u",
		 index % 2 ? "CQ head" : "SQ tail", index / 2, value);
	m->stats.invalid_doorbells++;
	model_queue_event(m, AER_TYPE_ERROR, info, LOG_ERROR);
}

static int read_doorbells(struct nvme_model *m)
{
	int work = 0;

	for (unsigned i = 0; i < 2 * NVME_MODEL_MAX_QUEUES; i++) {
		uint16_t qid = (uint16_t)(i / 2);
		bool is_cq = i % 2;
		/* pairs with the driver's barrier between writing entries and the doorbell */
		uint32_t v = srt_mmio_read32(model_doorbell(m, qid, is_cq));

		if (v == m->db_shadow[i])
			continue;
		m->db_shadow[i] = v;
		work++;
		if (is_cq ? !m->cq[qid].exists : !m->sq[qid].exists) {
			invalid_doorbell(m, i, v, AER_INFO_ERROR_INVALID_DOORBELL);
		} else if (v >= (is_cq ? m->cq[qid].size : m->sq[qid].size)) {
			invalid_doorbell(m, i, v, AER_INFO_ERROR_INVALID_DOORBELL_VALUE);
		} else if (is_cq) {
			m->cq[qid].head = v;
		} else {
			m->sq[qid].tail = v;
		}
	}
	return work;
}

static bool sq_ready(const struct nvme_model *m, uint16_t qid)
{
	const struct model_sq *sq = &m->sq[qid];

	return sq->exists && sq->head != sq->tail && !cq_full(&m->cq[sq->cqid]);
}

static uint32_t arbitration_burst(const struct nvme_model *m)
{
	uint32_t ab = m->features[FEAT_ARBITRATION] & 7;

	return ab == 7 ? UINT32_MAX : 1u << ab;
}

/* Next I/O SQ of class prio (0xFF: any) with work, round robin after the last one served. */
static int next_in_class(struct nvme_model *m, uint8_t prio)
{
	for (unsigned n = 0; n < NVME_MODEL_MAX_QUEUES - 1; n++) {
		uint16_t qid = (uint16_t)(1 + (m->rr_next + n) % (NVME_MODEL_MAX_QUEUES - 1));

		if (sq_ready(m, qid) && (prio == 0xFF || m->sq[qid].prio == prio)) {
			m->rr_next = qid;
			return qid;
		}
	}
	return -1;
}

static bool any_io_ready(const struct nvme_model *m)
{
	for (uint16_t qid = 1; qid < NVME_MODEL_MAX_QUEUES; qid++)
		if (sq_ready(m, qid))
			return true;
	return false;
}

static uint32_t class_weight(const struct nvme_model *m, uint8_t prio)
{
	uint32_t arb = m->features[FEAT_ARBITRATION];
	unsigned shift = prio == 1 ? 24 : prio == 2 ? 16 : 8; /* HPW, MPW, LPW */

	return ((arb >> shift) & 0xFF) + 1;
}

/* Round robin: up to a burst of commands from one SQ, then the next SQ with work. */
static int arbitrate_rr(struct nvme_model *m)
{
	int q;

	if (m->burst_left > 0 && m->rr_next != 0 && sq_ready(m, m->rr_next)) {
		m->burst_left--;
		return m->rr_next;
	}
	q = next_in_class(m, 0xFF);
	if (q >= 0)
		m->burst_left = arbitration_burst(m) - 1;
	return q;
}

/* Weighted round robin: urgent SQs strictly first, then high, medium, low by their weights. */
static int arbitrate_wrr(struct nvme_model *m)
{
	int q = next_in_class(m, 0);

	if (q >= 0)
		return q;
	if (!any_io_ready(m))
		return -1; /* idle: the arbiter keeps its place */
	for (unsigned tries = 0; tries < 4; tries++) {
		uint8_t prio = (uint8_t)(1 + m->wrr_class);

		if (m->wrr_credit[prio] > 0) {
			q = next_in_class(m, prio);
			if (q >= 0) {
				m->wrr_credit[prio]--;
				return q;
			}
		}
		m->wrr_class = (m->wrr_class + 1) % 3;
		m->wrr_credit[1 + m->wrr_class] = class_weight(m, (uint8_t)(1 + m->wrr_class));
	}
	return -1;
}

/* The admin queue first, then the I/O queues by the arbitration mechanism CC.AMS chose. */
static int arbitrate(struct nvme_model *m)
{
	if (sq_ready(m, 0))
		return 0;
	return CC_AMS(m->cc) == AMS_WRR ? arbitrate_wrr(m) : arbitrate_rr(m);
}

static void apply_fault(struct model_pending *p, const struct nvme_model_fault *f,
			uint16_t num_queues)
{
	switch (f->kind) {
	case NVME_MODEL_FAULT_DROP:
		p->held = true;
		break;
	case NVME_MODEL_FAULT_DELAY:
		p->polls_left = f->delay_polls;
		break;
	case NVME_MODEL_FAULT_WRONG_CID:
		put16(p->cqe, CQE_CID, p->cid ^ 0x8000);
		break;
	case NVME_MODEL_FAULT_WRONG_SQID:
		put16(p->cqe, CQE_SQID, (uint16_t)((p->sqid + 1) % (num_queues + 1) + 100));
		break;
	case NVME_MODEL_FAULT_DUPLICATE:
		p->duplicate = true;
		break;
	case NVME_MODEL_FAULT_WRONG_PHASE:
		p->wrong_phase = true;
		break;
	case NVME_MODEL_FAULT_GARBAGE_CDW0:
		put32(p->cqe, CQE_CDW0, f->cdw0_value);
		break;
	case NVME_MODEL_FAULT_STATUS:
		break;
	}
}

/* Fetch one command from qid, run it, queue its completion. false: the model stopped. */
static bool execute_one(struct nvme_model *m, uint16_t qid)
{
	struct model_sq *sq = &m->sq[qid];
	uint64_t iova = sq->base + (uint64_t)sq->head * SQE_SIZE;
	const uint8_t *src = model_dma(m, iova, SQE_SIZE);
	const struct nvme_model_fault *fault;
	struct model_result r = { 0 };
	struct model_pending *p;
	uint8_t sqe[SQE_SIZE];

	if (src == NULL) {
		SRT_ERR("SQ %u entry at IOVA 0x%llx is not DMA memory: controller fatal", qid,
			(unsigned long long)iova);
		nvme_model_set_fatal(m);
		return false;
	}
	memcpy(sqe, src, SQE_SIZE);
	if (model_cmb_addr(m, iova, SQE_SIZE) != NULL)
		m->stats.cmb_sqe_fetches++;
	sq->head = (sq->head + 1) % sq->size;
	m->history[m->history_count % NVME_MODEL_HISTORY].qid = qid;
	memcpy(m->history[m->history_count++ % NVME_MODEL_HISTORY].sqe, sqe, SQE_SIZE);
	if (qid == 0) {
		m->stats.admin_commands++;
	} else {
		m->stats.io_commands++;
		m->trace[m->trace_count++ % MODEL_TRACE_LEN] = qid;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		SRT_ERR("out of memory: controller fatal");
		nvme_model_set_fatal(m);
		return false;
	}
	p->sqid = qid;
	p->cqid = sq->cqid;
	p->cid = get16(sqe, SQE_CID);
	p->opcode = sqe[SQE_OPC];
	fault = model_fault_match(m, qid, p->opcode);
	if (fault != NULL && fault->kind == NVME_MODEL_FAULT_STATUS)
		result_status(&r, fault->sct, fault->sc, fault->dnr);
	else if (qid == 0)
		model_admin(m, sqe, &r);
	else
		model_io(m, sqe, &r);
	put32(p->cqe, CQE_CDW0, r.cdw0);
	put16(p->cqe, CQE_SQID, qid);
	put16(p->cqe, CQE_CID, p->cid);
	set_status(p->cqe, r.sct, r.sc, r.dnr);
	if (r.sct != SCT_GENERIC || r.sc != SC_SUCCESS)
		model_record_error(m, qid, p->cid, r.sct, r.sc);
	if (r.held) {
		p->held = true;
		p->is_aer = true;
	}
	if (fault != NULL)
		apply_fault(p, fault, m->opts.num_io_queues);
	/* append: completions keep their order unless a fault says otherwise */
	{
		struct model_pending **link = &m->pending;

		while (*link != NULL)
			link = &(*link)->next;
		*link = p;
	}
	if (++m->stats.outstanding > m->stats.max_outstanding)
		m->stats.max_outstanding = m->stats.outstanding;
	return true;
}

int model_queues_poll(struct nvme_model *m)
{
	uint32_t budget = m->opts.commands_per_poll ? m->opts.commands_per_poll : UINT32_MAX;
	int work = read_doorbells(m);

	tick_delays(m);
	while (budget > 0 && !m->fatal && (m->csts & CSTS_RDY)) {
		int qid = arbitrate(m);

		if (qid < 0)
			break;
		if (!execute_one(m, (uint16_t)qid))
			break;
		budget--;
		work++;
		flush_pending(m);
	}
	model_deliver_events(m);
	work += flush_pending(m);
	return work;
}
