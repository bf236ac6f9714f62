/* SPDX-License-Identifier: BSD-3-Clause */
/* The model tests' minimal NVMe host (see nvme_host.h). */
#include <sched.h>
#include <string.h>

#include <spdkrt/env.h>

#include "env/mmio.h"
#include "nvme_host.h"
#include "../../models/nvme/spec.h"

#define PAGE 4096u

int host_init(struct host *h, const struct nvme_model_opts *opts)
{
	int rc;

	memset(h, 0, sizeof(*h));
	rc = nvme_model_create(opts, &h->model);
	if (rc != 0)
		return rc;
	h->bar = nvme_model_bar0(h->model);
	h->dstrd = (uint32_t)(host_read64(h, REG_CAP) >> 32) & 0xF;
	h->prp_list = spdkrt_dma_zmalloc_contig(2 * PAGE, PAGE, SPDKRT_ENV_SOCKET_ANY);
	for (unsigned q = 0; q < HOST_MAX_QUEUES; q++) {
		h->q[q].size = HOST_QUEUE_SIZE;
		h->q[q].sq = spdkrt_dma_zmalloc_contig(HOST_QUEUE_SIZE * SQE_SIZE, PAGE,
						       SPDKRT_ENV_SOCKET_ANY);
		h->q[q].cq = spdkrt_dma_zmalloc_contig(HOST_QUEUE_SIZE * CQE_SIZE, PAGE,
						       SPDKRT_ENV_SOCKET_ANY);
		if (h->q[q].sq == NULL || h->q[q].cq == NULL)
			return -1;
	}
	return h->prp_list != NULL ? 0 : -1;
}

void host_fini(struct host *h)
{
	nvme_model_destroy(h->model);
	for (unsigned q = 0; q < HOST_MAX_QUEUES; q++) {
		spdkrt_dma_free(h->q[q].sq);
		spdkrt_dma_free(h->q[q].cq);
	}
	spdkrt_dma_free(h->prp_list);
	memset(h, 0, sizeof(*h));
}

uint32_t host_read32(struct host *h, unsigned off)
{
	return srt_mmio_read32(h->bar + off);
}

uint64_t host_read64(struct host *h, unsigned off)
{
	return srt_mmio_read64(h->bar + off);
}

void host_write32(struct host *h, unsigned off, uint32_t v)
{
	srt_mmio_write32(h->bar + off, v);
}

void host_write64(struct host *h, unsigned off, uint64_t v)
{
	srt_mmio_write64(h->bar + off, v);
}

/* Let the model run once: poll it here, or give its own thread time. */
static void run_model(struct host *h)
{
	if (h->model_polled_elsewhere)
		sched_yield();
	else
		nvme_model_poll(h->model);
}

/* When the model runs on its own thread, a "poll" is a wait: allow many more of them. */
static int poll_budget(const struct host *h, int max_polls)
{
	return h->model_polled_elsewhere ? max_polls * 100000 : max_polls;
}

int host_wait_ready(struct host *h, bool ready, int max_polls)
{
	max_polls = poll_budget(h, max_polls);
	for (int i = 0; i <= max_polls; i++) {
		if (((host_read32(h, REG_CSTS) & CSTS_RDY) != 0) == ready)
			return i;
		run_model(h);
	}
	return -1;
}

static void reset_queue_state(struct host *h, uint16_t qid)
{
	struct host_queue *q = &h->q[qid];

	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = true;
	memset(q->cq, 0, (size_t)q->size * CQE_SIZE);
}

int host_enable(struct host *h, uint32_t ams)
{
	reset_queue_state(h, 0);
	host_write32(h, REG_AQA, (uint32_t)(h->q[0].size - 1) << 16 | (h->q[0].size - 1u));
	host_write64(h, REG_ASQ, spdkrt_vtophys(h->q[0].sq, NULL));
	host_write64(h, REG_ACQ, spdkrt_vtophys(h->q[0].cq, NULL));
	host_write32(h, REG_CC, CC_EN | 6u << 16 | 4u << 20 | ams << 11);
	return host_wait_ready(h, true, 100) >= 0 ? 0 : -1;
}

int host_disable(struct host *h)
{
	host_write32(h, REG_CC, host_read32(h, REG_CC) & ~CC_EN);
	return host_wait_ready(h, false, 100) >= 0 ? 0 : -1;
}

void host_cmd(struct host *h, uint8_t *sqe, uint8_t opc, uint32_t nsid)
{
	memset(sqe, 0, SQE_SIZE);
	sqe[SQE_OPC] = opc;
	put16(sqe, SQE_CID, h->next_cid++);
	put32(sqe, SQE_NSID, nsid);
}

/* A CMB window (host_use_cmb): memory there is addressed at the controller's CBA. */
static const uint8_t *g_cmb_va;
static uint64_t g_cmb_size, g_cmb_cba;

void host_use_cmb(const void *va, uint64_t size, uint64_t cba)
{
	g_cmb_va = va;
	g_cmb_size = size;
	g_cmb_cba = cba;
}

static uint64_t iova(const void *p)
{
	if (g_cmb_va != NULL && (uintptr_t)p - (uintptr_t)g_cmb_va < g_cmb_size)
		return g_cmb_cba + ((uintptr_t)p - (uintptr_t)g_cmb_va);
	return spdkrt_vtophys(p, NULL);
}

void host_set_prps(struct host *h, uint8_t *sqe, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t first = PAGE - ((uintptr_t)p & (PAGE - 1));
	unsigned n = 0;

	put64(sqe, SQE_PRP1, iova(p));
	if (len <= first)
		return;
	p += first;
	len -= first;
	if (len <= PAGE) {
		put64(sqe, SQE_PRP2, iova(p));
		return;
	}
	for (; len > 0; p += PAGE, len -= len < PAGE ? len : PAGE)
		put64(h->prp_list, 8 * n++, iova(p));
	put64(sqe, SQE_PRP2, iova(h->prp_list));
}

/* One data block descriptor per IOVA-contiguous run. */
void host_set_sgl(struct host *h, uint8_t *sqe, void *buf, size_t len)
{
	uint8_t *p = buf;
	unsigned n = 0;

	sqe[SQE_FLAGS] = PSDT_SGL_MPTR_CONTIG << 6;
	while (len > 0) {
		size_t run = len;
		uint64_t addr = spdkrt_vtophys(p, &run);
		uint8_t *d = h->prp_list + SGL_DESC_SIZE * n++;

		put64(d, 0, addr);
		put32(d, 8, (uint32_t)run);
		d[15] = SGL_TYPE_DATA_BLOCK << 4;
		p += run;
		len -= run;
	}
	if (n == 1) {
		memcpy(sqe + SQE_SGL1, h->prp_list, SGL_DESC_SIZE);
		return;
	}
	put64(sqe, SQE_SGL1, iova(h->prp_list));
	put32(sqe, SQE_SGL1 + 8, n * SGL_DESC_SIZE);
	sqe[SQE_SGL1 + 15] = SGL_TYPE_LAST_SEGMENT << 4;
}

void host_submit(struct host *h, uint16_t qid, const uint8_t *sqe)
{
	struct host_queue *q = &h->q[qid];

	memcpy(q->sq + (size_t)q->sq_tail * SQE_SIZE, sqe, SQE_SIZE);
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
	srt_mmio_doorbell32(h->bar + REG_DOORBELL + (2u * qid) * (4u << h->dstrd), q->sq_tail);
}

bool host_reap(struct host *h, uint16_t qid, struct host_cpl *cpl, int max_polls)
{
	struct host_queue *q = &h->q[qid];

	max_polls = poll_budget(h, max_polls);
	for (int i = 0; i <= max_polls; i++) {
		const uint8_t *e = q->cq + (size_t)q->cq_head * CQE_SIZE;
		uint16_t status =
			__atomic_load_n((const uint16_t *)(e + CQE_STATUS), __ATOMIC_ACQUIRE);

		if ((status & 1) == q->phase) {
			cpl->cdw0 = get32(e, CQE_CDW0);
			cpl->sqhd = get16(e, CQE_SQHD);
			cpl->sqid = get16(e, CQE_SQID);
			cpl->cid = get16(e, CQE_CID);
			cpl->status = status >> 1;
			cpl->sc = (uint8_t)(status >> 1);
			cpl->sct = (status >> 9) & 7;
			cpl->dnr = status >> 15;
			if (++q->cq_head == q->size) {
				q->cq_head = 0;
				q->phase = !q->phase;
			}
			srt_mmio_write32(h->bar + REG_DOORBELL + (2u * qid + 1) * (4u << h->dstrd),
					 q->cq_head);
			return true;
		}
		run_model(h);
	}
	return false;
}

int host_exec(struct host *h, uint16_t qid, const uint8_t *sqe, struct host_cpl *cpl)
{
	struct host_cpl local;

	if (cpl == NULL)
		cpl = &local;
	host_submit(h, qid, sqe);
	if (!host_reap(h, qid, cpl, 20))
		return -1;
	return STATUS(cpl->sct, cpl->sc);
}

int host_identify(struct host *h, uint8_t cns, uint32_t nsid, void *buf4k)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(h, sqe, ADMIN_IDENTIFY, nsid);
	put32(sqe, SQE_CDW10, cns);
	host_set_prps(h, sqe, buf4k, IDENTIFY_SIZE);
	return host_exec(h, 0, sqe, NULL);
}

int host_set_queues(struct host *h, uint16_t nsq, uint16_t ncq, struct host_cpl *cpl)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(h, sqe, ADMIN_SET_FEATURES, 0);
	put32(sqe, SQE_CDW10, FEAT_NUMBER_OF_QUEUES);
	put32(sqe, SQE_CDW11, (uint32_t)(ncq - 1) << 16 | (nsq - 1u));
	return host_exec(h, 0, sqe, cpl);
}

int host_create_ioq(struct host *h, uint16_t qid, uint16_t size, uint8_t prio)
{
	uint8_t sqe[SQE_SIZE];
	int rc;

	h->q[qid].size = size;
	reset_queue_state(h, qid);
	host_cmd(h, sqe, ADMIN_CREATE_IO_CQ, 0);
	put32(sqe, SQE_CDW10, (uint32_t)(size - 1) << 16 | qid);
	put32(sqe, SQE_CDW11, 1);
	put64(sqe, SQE_PRP1, iova(h->q[qid].cq));
	rc = host_exec(h, 0, sqe, NULL);
	if (rc != 0)
		return rc;
	host_cmd(h, sqe, ADMIN_CREATE_IO_SQ, 0);
	put32(sqe, SQE_CDW10, (uint32_t)(size - 1) << 16 | qid);
	put32(sqe, SQE_CDW11, (uint32_t)qid << 16 | (uint32_t)prio << 1 | 1);
	put64(sqe, SQE_PRP1, iova(h->q[qid].sq));
	return host_exec(h, 0, sqe, NULL);
}

int host_delete_ioq(struct host *h, uint16_t qid)
{
	uint8_t sqe[SQE_SIZE];
	int rc;

	host_cmd(h, sqe, ADMIN_DELETE_IO_SQ, 0);
	put32(sqe, SQE_CDW10, qid);
	rc = host_exec(h, 0, sqe, NULL);
	if (rc != 0)
		return rc;
	host_cmd(h, sqe, ADMIN_DELETE_IO_CQ, 0);
	put32(sqe, SQE_CDW10, qid);
	return host_exec(h, 0, sqe, NULL);
}

int host_rw(struct host *h, uint16_t qid, uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb,
	    void *buf, size_t len, uint32_t cdw12_flags)
{
	uint8_t sqe[SQE_SIZE];

	host_cmd(h, sqe, opc, nsid);
	put64(sqe, SQE_CDW10, slba);
	put32(sqe, SQE_CDW12, (nlb - 1) | cdw12_flags);
	if (len != 0)
		host_set_prps(h, sqe, buf, len);
	return host_exec(h, qid, sqe, NULL);
}

int host_bring_up(struct host *h, uint16_t n)
{
	if (host_enable(h, 0) != 0 || host_set_queues(h, n, n, NULL) != 0)
		return -1;
	for (uint16_t q = 1; q <= n; q++)
		if (host_create_ioq(h, q, HOST_QUEUE_SIZE, 0) != 0)
			return -1;
	return 0;
}
