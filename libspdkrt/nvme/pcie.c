/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCIe transport: BAR0 registers, submission/completion rings in DMA memory (I/O SQs in the
 * controller memory buffer on request), doorbells with the controller's stride, command ids as
 * tracker indexes, and data pointers (PRP lists or SGLs) built from the env's IOVA translation
 * of every page, never from a virtual address (CMB buffers: the controller's CMB address).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "env/mmio.h"
#include "env/pci.h"
#include "nvme/internal.h"
#include "nvme/pcie_cmb.h"
#include "nvme/pcie_data.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

#define PCIE_PAGE_SIZE 4096u
#define NVME_PCI_CLASS 0x010802u

struct pcie_ctrlr {
	struct spdkrt_nvme_ctrlr ctrlr;
	struct srt_pci_device *dev;
	volatile uint8_t *regs;
	uint64_t regs_size;
	uint32_t dstrd;
	struct pcie_cmb cmb;
};

struct pcie_tracker {
	struct nvme_request *req;
	uint64_t *list; /* PRP list or SGL descriptors, one page */
	uint64_t list_iova;
	uint16_t next_free;
	bool active;
};

struct pcie_qpair {
	struct spdkrt_nvme_qpair qpair;
	struct spdkrt_nvme_cmd *sq; /* DMA memory, or the CMB (sq_in_cmb) */
	uint64_t sq_iova;
	bool sq_in_cmb;
	struct spdkrt_nvme_cpl *cq;
	uint64_t cq_iova;
	volatile uint32_t *sq_tdbl;
	volatile uint32_t *cq_hdbl;
	uint32_t sq_tail;
	uint32_t sq_head;
	uint32_t cq_head;
	uint16_t phase;
	struct pcie_tracker *trackers;
	uint32_t num_trackers;
	uint32_t free_tracker; /* head of the free list; num_trackers: none */
	uint64_t bogus_completions;
};

static struct pcie_ctrlr *to_pcie(struct spdkrt_nvme_ctrlr *ctrlr)
{
	return (struct pcie_ctrlr *)ctrlr;
}

static struct pcie_qpair *to_pqpair(struct spdkrt_nvme_qpair *qpair)
{
	return (struct pcie_qpair *)qpair;
}

static bool reg_in_bar(const struct pcie_ctrlr *p, uint32_t offset, uint32_t width)
{
	return (uint64_t)offset + width <= p->regs_size && offset % width == 0;
}

static int pcie_get_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t *value)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);

	if (!reg_in_bar(p, offset, 4))
		return -EINVAL;
	*value = srt_mmio_read32(p->regs + offset);
	return *value == UINT32_MAX && offset == SPDKRT_NVME_REG_CSTS ? -ENXIO : 0;
}

/* Two 32-bit reads, low half first: every controller accepts them (not all take 64-bit). */
static int pcie_get_reg_8(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t *value)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);
	uint32_t lo, hi;

	if (!reg_in_bar(p, offset, 8))
		return -EINVAL;
	lo = srt_mmio_read32(p->regs + offset);
	hi = srt_mmio_read32(p->regs + offset + 4);
	*value = (uint64_t)hi << 32 | lo;
	return 0;
}

static int pcie_set_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t value)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);

	if (!reg_in_bar(p, offset, 4))
		return -EINVAL;
	srt_mmio_write32(p->regs + offset, value);
	return 0;
}

static int pcie_set_reg_8(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t value)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);

	if (!reg_in_bar(p, offset, 8))
		return -EINVAL;
	srt_mmio_write32(p->regs + offset, (uint32_t)value);
	srt_mmio_write32(p->regs + offset + 4, (uint32_t)(value >> 32));
	return 0;
}

static bool pcie_ctrlr_is_removed(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);

	return srt_pci_device_is_removed(p->dev) ||
	       srt_mmio_read32(p->regs + SPDKRT_NVME_REG_CSTS) == UINT32_MAX;
}

static uint32_t pcie_max_xfer_size(struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctrlr;
	/* One PRP list page: PRP1 plus 512 entries cover any 2 MiB buffer at any offset. */
	return PCIE_MAX_PRP_ENTRIES * PCIE_PAGE_SIZE;
}

static void pcie_ctrlr_destruct(struct spdkrt_nvme_ctrlr *ctrlr);

static int map_cmb(struct pcie_ctrlr *p, const char *traddr)
{
	uint32_t cmbloc = 0, cmbsz = 0;

	pcie_get_reg_4(&p->ctrlr, SPDKRT_NVME_REG_CMBLOC, &cmbloc);
	pcie_get_reg_4(&p->ctrlr, SPDKRT_NVME_REG_CMBSZ, &cmbsz);
	if (cmbsz == UINT32_MAX)
		return 0; /* a device that reads all ones fails at init, not here */
	return pcie_cmb_map(&p->cmb, p->dev, cmbloc, cmbsz, traddr);
}

static int pcie_ctrlr_construct(const struct spdkrt_nvme_transport_id *trid,
				const struct spdkrt_nvme_ctrlr_opts *opts,
				struct spdkrt_nvme_ctrlr **out)
{
	struct spdkrt_pci_addr addr;
	struct pcie_ctrlr *p;
	void *bar;
	uint64_t size;
	int rc;

	(void)opts;
	if (spdkrt_pci_addr_parse(&addr, trid->traddr) != 0) {
		SRT_ERR("nvme: '%s' is not a PCI address", trid->traddr);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	rc = srt_pci_device_attach(&addr, &p->dev);
	if (rc != 0) {
		free(p);
		return rc;
	}
	rc = srt_pci_device_map_bar(p->dev, 0, &bar, &size);
	if (rc != 0 || size < SPDKRT_NVME_REG_DOORBELL + 8) {
		SRT_ERR("nvme %s: cannot map BAR0 (rc %d, %llu bytes)", trid->traddr, rc,
			(unsigned long long)size);
		srt_pci_device_detach(p->dev);
		free(p);
		return rc != 0 ? rc : -ENODEV;
	}
	p->regs = bar;
	p->regs_size = size;
	/* The doorbell stride is needed before any queue exists. */
	pcie_get_reg_8(&p->ctrlr, SPDKRT_NVME_REG_CAP, &p->ctrlr.cap);
	p->dstrd = (uint32_t)SPDKRT_NVME_GET(p->ctrlr.cap, SPDKRT_NVME_CAP_DSTRD);
	/* NVMe 1.4: with CAP.CMBS, CMBLOC and CMBSZ read 0 until CMBMSC.CRE (bit 0) is set. The
	 * controller addresses the CMB only with CMSE, set at enable once the CMB is mapped. */
	if (SPDKRT_NVME_GET(p->ctrlr.cap, SPDKRT_NVME_CAP_CMBS))
		pcie_set_reg_8(&p->ctrlr, SPDKRT_NVME_REG_CMBMSC, 1);
	rc = map_cmb(p, trid->traddr);
	if (rc != 0) {
		pcie_ctrlr_destruct(&p->ctrlr);
		return rc;
	}
	*out = &p->ctrlr;
	return 0;
}

static void pcie_ctrlr_destruct(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);

	pcie_cmb_unmap(&p->cmb, p->dev);
	srt_pci_device_unmap_bar(p->dev, 0);
	srt_pci_device_detach(p->dev);
	free(p);
}

/* CMBMSC with CMSE and CBA: high half first, since a controller (QEMU 7.2) acts on the low
 * half's write with the CBA it holds then. */
static int enable_cmb(struct pcie_ctrlr *p)
{
	uint64_t v = pcie_cmb_cmbmsc(&p->cmb);
	int rc;

	rc = pcie_set_reg_4(&p->ctrlr, SPDKRT_NVME_REG_CMBMSC + 4, (uint32_t)(v >> 32));
	if (rc == 0)
		rc = pcie_set_reg_4(&p->ctrlr, SPDKRT_NVME_REG_CMBMSC, (uint32_t)v);
	return rc;
}

static bool cmb_sqs_usable(struct pcie_ctrlr *p)
{
	return p->cmb.va != NULL && SPDKRT_NVME_GET(p->cmb.cmbsz, SPDKRT_NVME_CMBSZ_SQS);
}

static int pcie_ctrlr_enable(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct pcie_qpair *aq = to_pqpair(ctrlr->adminq);
	struct pcie_ctrlr *p = to_pcie(ctrlr);
	uint32_t aqa = SPDKRT_NVME_SET(SPDKRT_NVME_AQA_ASQS, aq->qpair.num_entries - 1) |
		       SPDKRT_NVME_SET(SPDKRT_NVME_AQA_ACQS, aq->qpair.num_entries - 1);
	int rc;

	if (ctrlr->opts.use_cmb_sqs && !cmb_sqs_usable(p)) {
		SRT_NOTICE("nvme %s: use_cmb_sqs: %s: I/O SQs stay in host memory",
			   ctrlr->trid.traddr,
			   p->cmb.va == NULL ? "no usable controller memory buffer" :
					       "CMBSZ.SQS is clear");
		ctrlr->opts.use_cmb_sqs = false;
	}
	rc = p->cmb.va != NULL ? enable_cmb(p) : 0;
	if (rc == 0)
		rc = pcie_set_reg_4(ctrlr, SPDKRT_NVME_REG_AQA, aqa);
	if (rc == 0)
		rc = pcie_set_reg_8(ctrlr, SPDKRT_NVME_REG_ASQ, aq->sq_iova);
	if (rc == 0)
		rc = pcie_set_reg_8(ctrlr, SPDKRT_NVME_REG_ACQ, aq->cq_iova);
	return rc;
}

static void tracker_push(struct pcie_qpair *pq, uint32_t index)
{
	pq->trackers[index].active = false;
	pq->trackers[index].req = NULL;
	pq->trackers[index].next_free = (uint16_t)pq->free_tracker;
	pq->free_tracker = index;
}

static void pcie_qpair_reset(struct spdkrt_nvme_qpair *qpair)
{
	struct pcie_qpair *pq = to_pqpair(qpair);

	memset(pq->sq, 0, (size_t)qpair->num_entries * sizeof(*pq->sq));
	memset(pq->cq, 0, (size_t)qpair->num_entries * sizeof(*pq->cq));
	pq->sq_tail = pq->sq_head = pq->cq_head = 0;
	pq->phase = 1;
	pq->free_tracker = pq->num_trackers;
	for (uint32_t i = pq->num_trackers; i-- > 0;)
		tracker_push(pq, i);
}

static void pcie_qpair_destroy(struct spdkrt_nvme_qpair *qpair)
{
	struct pcie_qpair *pq = to_pqpair(qpair);

	if (pq->trackers != NULL) {
		for (uint32_t i = 0; i < pq->num_trackers; i++)
			spdkrt_dma_free(pq->trackers[i].list);
		free(pq->trackers);
	}
	if (pq->sq_in_cmb)
		pcie_cmb_free(&to_pcie(qpair->ctrlr)->cmb, pq->sq,
			      (size_t)qpair->num_entries * sizeof(*pq->sq));
	else
		spdkrt_dma_free(pq->sq);
	spdkrt_dma_free(pq->cq);
	free(pq);
}

/* A DMA page whose IOVA the driver needs: contiguous by construction (one aligned page). */
static void *alloc_dma(size_t size, uint64_t *iova)
{
	void *buf = spdkrt_dma_zmalloc_contig(size, PCIE_PAGE_SIZE, SPDKRT_ENV_SOCKET_ANY);
	size_t len = size;

	if (buf == NULL)
		return NULL;
	*iova = spdkrt_vtophys(buf, &len);
	if (*iova == SPDKRT_IOVA_INVALID || len < size) {
		spdkrt_dma_free(buf);
		return NULL;
	}
	return buf;
}

/*
 * An I/O SQ ring in the CMB. The submit path needs nothing else: it copies the whole 64-byte
 * entry into the slot, and the doorbell write's store fence orders it (write-combining too).
 */
static void alloc_cmb_sq(struct pcie_ctrlr *p, struct pcie_qpair *pq)
{
	size_t bytes = (size_t)pq->qpair.num_entries * sizeof(*pq->sq);
	size_t len = bytes;

	pq->sq = pcie_cmb_alloc(&p->cmb, bytes);
	if (pq->sq == NULL) {
		SRT_NOTICE("nvme %s: controller memory buffer full: queue %u's SQ (%zu bytes) goes "
			   "to host memory",
			   p->ctrlr.trid.traddr, pq->qpair.id, bytes);
		return;
	}
	pq->sq_iova = pcie_cmb_addr(&p->cmb, pq->sq, &len);
	pq->sq_in_cmb = true;
	SRT_INFO("nvme %s: queue %u's SQ in the controller memory buffer at 0x%llx",
		 p->ctrlr.trid.traddr, pq->qpair.id, (unsigned long long)pq->sq_iova);
}

static int pcie_qpair_create(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t id, uint32_t entries,
			     uint32_t num_requests, uint8_t qprio, struct spdkrt_nvme_qpair **out)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);
	struct pcie_qpair *pq;
	int rc;

	if (entries < 2 || entries > 65536)
		return -EINVAL;
	if ((uint64_t)SPDKRT_NVME_CQ_HDBL(id, p->dstrd) + 4 > p->regs_size) {
		SRT_ERR("nvme %s: queue %u's doorbell is outside BAR0", ctrlr->trid.traddr, id);
		return -EINVAL;
	}
	pq = calloc(1, sizeof(*pq));
	if (pq == NULL)
		return -ENOMEM;
	pq->qpair.ctrlr = ctrlr;
	pq->qpair.id = id;
	pq->qpair.qprio = qprio;
	pq->qpair.num_entries = entries;
	pq->num_trackers = entries - 1; /* a full ring would look empty */
	rc = -ENOMEM;
	if (id != 0 && ctrlr->opts.use_cmb_sqs)
		alloc_cmb_sq(p, pq);
	if (!pq->sq_in_cmb)
		pq->sq = alloc_dma((size_t)entries * sizeof(*pq->sq), &pq->sq_iova);
	pq->cq = alloc_dma((size_t)entries * sizeof(*pq->cq), &pq->cq_iova);
	pq->trackers = calloc(pq->num_trackers, sizeof(*pq->trackers));
	if (pq->sq == NULL || pq->cq == NULL || pq->trackers == NULL)
		goto fail;
	for (uint32_t i = 0; i < pq->num_trackers; i++) {
		pq->trackers[i].list = alloc_dma(PCIE_PAGE_SIZE, &pq->trackers[i].list_iova);
		if (pq->trackers[i].list == NULL)
			goto fail;
	}
	rc = nvme_qpair_init_requests(&pq->qpair, num_requests);
	if (rc != 0)
		goto fail;
	pq->sq_tdbl = (volatile uint32_t *)(p->regs + SPDKRT_NVME_SQ_TDBL(id, p->dstrd));
	pq->cq_hdbl = (volatile uint32_t *)(p->regs + SPDKRT_NVME_CQ_HDBL(id, p->dstrd));
	pcie_qpair_reset(&pq->qpair);
	*out = &pq->qpair;
	return 0;
fail:
	SRT_ERR("nvme %s: no DMA memory for queue %u (%u entries)", ctrlr->trid.traddr, id,
		entries);
	pcie_qpair_destroy(&pq->qpair);
	return rc;
}

/*
 * Data in the CMB: all of it there (a controller refuses a command that mixes), in the
 * directions CMBSZ allows (WDS: host to controller, RDS: controller to host).
 */
static int check_cmb_data(const struct pcie_ctrlr *p, const struct nvme_request *req,
			  const struct pcie_xlate *x)
{
	bool to_ctrlr = req->cmd.opc & 1u, to_host = req->cmd.opc & 2u;

	if (x->host) {
		SRT_ERR("nvme %s: opcode 0x%02x mixes controller memory buffer and host memory",
			p->ctrlr.trid.traddr, req->cmd.opc);
		return -EINVAL;
	}
	if ((to_ctrlr && !SPDKRT_NVME_GET(p->cmb.cmbsz, SPDKRT_NVME_CMBSZ_WDS)) ||
	    (to_host && !SPDKRT_NVME_GET(p->cmb.cmbsz, SPDKRT_NVME_CMBSZ_RDS))) {
		SRT_ERR("nvme %s: opcode 0x%02x: the controller memory buffer holds no %s data "
			"(CMBSZ.%s clear)",
			p->ctrlr.trid.traddr, req->cmd.opc, to_ctrlr ? "write" : "read",
			to_ctrlr ? "WDS" : "RDS");
		return -EINVAL;
	}
	return 0;
}

/*
 * Everything but a plain contiguous buffer: iovecs and SGE callbacks, separate metadata, and
 * memory the env cannot translate (a CMB buffer). Kept out of the fast path so that a
 * controller without a CMB pays nothing for it there.
 */
static __attribute__((noinline)) int
build_data_pointer_walk(struct pcie_qpair *pq, struct pcie_tracker *tr, struct nvme_request *req)
{
	uint32_t sgls = SPDKRT_NVME_GET(pq->qpair.ctrlr->cdata.sgls, SPDKRT_NVME_SGLS_SUPPORT);
	struct pcie_ctrlr *p = to_pcie(pq->qpair.ctrlr);
	struct pcie_xlate x = { .cmb = p->cmb.va != NULL ? &p->cmb : NULL };
	struct nvme_sge_iter it;
	int rc;

	rc = nvme_sge_iter_init(&it, &req->payload, req->payload_offset);
	if (rc != 0)
		return rc;
	if (req->payload.type == NVME_PAYLOAD_SGL && pq->qpair.id != 0 && sgls != 0)
		rc = pcie_build_sgl(&req->cmd, &it, req->payload_size, tr->list, tr->list_iova,
				    sgls == 2, &x);
	else
		rc = pcie_build_prps(&req->cmd, &it, req->payload_size, tr->list, tr->list_iova,
				     PCIE_PAGE_SIZE, &x);
	if (rc == 0 && x.in_cmb)
		rc = check_cmb_data(p, req, &x);
	if (rc != 0)
		return rc;
	if (req->payload.md != NULL && req->md_len > 0) {
		size_t len = req->md_len;
		uint64_t iova = spdkrt_vtophys((uint8_t *)req->payload.md + req->md_offset, &len);

		/* Separate metadata is one contiguous buffer (MPTR has no list form). */
		if (iova == SPDKRT_IOVA_INVALID || len < req->md_len)
			return -EFAULT;
		req->cmd.mptr = iova;
	}
	return 0;
}

static int build_data_pointer(struct pcie_qpair *pq, struct pcie_tracker *tr,
			      struct nvme_request *req)
{
	if (req->payload.type == NVME_PAYLOAD_NONE || req->payload_size == 0)
		return 0; /* no data, or the caller set the pointer (queue creation) */
	if (req->payload.type == NVME_PAYLOAD_CONTIG && req->payload.md == NULL &&
	    pcie_prps_contig(&req->cmd, (uint8_t *)req->payload.buf + req->payload_offset,
			     req->payload_size, tr->list, tr->list_iova, PCIE_PAGE_SIZE))
		return 0;
	return build_data_pointer_walk(pq, tr, req);
}

static int pcie_qpair_submit(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	struct pcie_qpair *pq = to_pqpair(qpair);
	struct pcie_tracker *tr;
	uint32_t index = pq->free_tracker;
	int rc;

	if (index == pq->num_trackers)
		return -EAGAIN;
	tr = &pq->trackers[index];
	rc = build_data_pointer(pq, tr, req);
	if (rc != 0) {
		SRT_ERR("nvme %s: queue %u: cannot describe the data of opcode 0x%02x (%s)",
			qpair->ctrlr->trid.traddr, qpair->id, req->cmd.opc,
			rc == -EFAULT ? "memory is not DMA-safe" : "buffer shape or alignment");
		return rc;
	}
	pq->free_tracker = tr->next_free;
	tr->active = true;
	tr->req = req;
	req->cid = (uint16_t)index;
	req->cmd.cid = (uint16_t)index;
	pq->sq[pq->sq_tail] = req->cmd;
	if (++pq->sq_tail == qpair->num_entries)
		pq->sq_tail = 0;
	/* The entry is complete in memory before the controller learns of it (sfence inside). */
	srt_mmio_doorbell32(pq->sq_tdbl, pq->sq_tail);
	return 0;
}

static void pcie_qpair_release(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	struct pcie_qpair *pq = to_pqpair(qpair);

	if (req->cid < pq->num_trackers && pq->trackers[req->cid].req == req)
		tracker_push(pq, req->cid);
}

static int32_t pcie_qpair_process(struct spdkrt_nvme_qpair *qpair, uint32_t max)
{
	struct pcie_qpair *pq = to_pqpair(qpair);
	uint32_t consumed = 0;
	int32_t completed = 0;

	if (max == 0 || max > qpair->num_entries - 1)
		max = qpair->num_entries - 1;
	while (consumed < max) {
		volatile struct spdkrt_nvme_cpl *slot = &pq->cq[pq->cq_head];
		struct spdkrt_nvme_cpl cpl;
		struct pcie_tracker *tr;
		struct nvme_request *req;

		if ((__atomic_load_n(&slot->status, __ATOMIC_ACQUIRE) & 1u) != pq->phase)
			break;
		/* The rest of the entry is read after its phase bit (pairs with the device). */
		srt_rmb();
		cpl = *(struct spdkrt_nvme_cpl *)(uintptr_t)slot;
		if (++pq->cq_head == qpair->num_entries) {
			pq->cq_head = 0;
			pq->phase ^= 1u;
		}
		consumed++;
		if (cpl.sqid != qpair->id || cpl.cid >= pq->num_trackers ||
		    !pq->trackers[cpl.cid].active) {
			pq->bogus_completions++;
			SRT_ERR("nvme %s: queue %u: dropped a completion with sqid %u cid %u that "
				"matches no outstanding command",
				qpair->ctrlr->trid.traddr, qpair->id, cpl.sqid, cpl.cid);
			continue;
		}
		if (cpl.sqhd < qpair->num_entries)
			pq->sq_head = cpl.sqhd;
		tr = &pq->trackers[cpl.cid];
		req = tr->req;
		tracker_push(pq, cpl.cid);
		completed++;
		nvme_request_complete(req, &cpl);
		if (qpair->ctrlr->is_failed || !qpair->enabled)
			break; /* a callback failed or reset the controller: rings are void */
	}
	if (consumed > 0 && qpair->enabled)
		srt_mmio_write32(pq->cq_hdbl, pq->cq_head);
	return completed;
}

/* Queue creation and deletion: two admin commands each, chained. */
struct queue_cmd_ctx {
	struct spdkrt_nvme_qpair *qpair;
	void (*cb)(void *arg, int rc);
	void *arg;
	bool deleting;
	int step;
};

static int send_queue_cmd(struct queue_cmd_ctx *ctx, uint8_t opc);

static void queue_cmd_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct queue_cmd_ctx *ctx = arg;
	void (*cb)(void *, int) = ctx->cb;
	void *cb_arg = ctx->arg;
	int rc = 0;

	if (spdkrt_nvme_cpl_is_error(cpl)) {
		SRT_ERR("nvme %s: %s I/O queue %u failed: %s", ctx->qpair->ctrlr->trid.traddr,
			ctx->deleting ? "deleting" : "creating", ctx->qpair->id,
			spdkrt_nvme_cpl_status_string(cpl));
		rc = -EIO;
		if (!ctx->deleting && ctx->step == 1) {
			/* The SQ failed: delete the CQ we created, report the error. */
			ctx->deleting = true;
			ctx->step = 2;
			if (send_queue_cmd(ctx, SPDKRT_NVME_OPC_DELETE_IO_CQ) == 0)
				return;
		}
	} else if (ctx->step == 0) {
		ctx->step = 1;
		rc = send_queue_cmd(ctx, ctx->deleting ? SPDKRT_NVME_OPC_DELETE_IO_CQ :
							 SPDKRT_NVME_OPC_CREATE_IO_SQ);
		if (rc == 0)
			return;
	} else if (ctx->step == 2) {
		rc = -EIO; /* cleanup after a failed SQ creation */
	}
	free(ctx);
	cb(cb_arg, rc);
}

static int send_queue_cmd(struct queue_cmd_ctx *ctx, uint8_t opc)
{
	struct pcie_qpair *pq = to_pqpair(ctx->qpair);
	struct spdkrt_nvme_ctrlr *ctrlr = ctx->qpair->ctrlr;
	struct nvme_request *req = nvme_request_alloc(ctrlr->adminq, queue_cmd_done, ctx);
	uint16_t qid = ctx->qpair->id;
	int rc;

	if (req == NULL)
		return -ENOMEM;
	req->cmd.opc = opc;
	req->cmd.cdw10 = SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_QID, qid);
	if (opc == SPDKRT_NVME_OPC_CREATE_IO_CQ) {
		req->cmd.cdw10 |=
			SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_QSIZE, ctx->qpair->num_entries - 1);
		req->cmd.cdw11 = SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_PC, 1u);
		req->cmd.dptr.prp.prp1 = pq->cq_iova;
	} else if (opc == SPDKRT_NVME_OPC_CREATE_IO_SQ) {
		req->cmd.cdw10 |=
			SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_QSIZE, ctx->qpair->num_entries - 1);
		req->cmd.cdw11 = SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_PC, 1u) |
				 SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_SQ_QPRIO, ctx->qpair->qprio) |
				 SPDKRT_NVME_SET(SPDKRT_NVME_CREATE_SQ_CQID, qid);
		req->cmd.dptr.prp.prp1 = pq->sq_iova;
	}
	rc = nvme_qpair_submit(ctrlr->adminq, req);
	if (rc != 0)
		nvme_request_free(req);
	return rc;
}

static int start_queue_cmds(struct spdkrt_nvme_qpair *qpair, bool deleting,
			    void (*cb)(void *arg, int rc), void *arg)
{
	struct queue_cmd_ctx *ctx = calloc(1, sizeof(*ctx));
	int rc;

	if (ctx == NULL)
		return -ENOMEM;
	ctx->qpair = qpair;
	ctx->cb = cb;
	ctx->arg = arg;
	ctx->deleting = deleting;
	rc = send_queue_cmd(ctx,
			    deleting ? SPDKRT_NVME_OPC_DELETE_IO_SQ : SPDKRT_NVME_OPC_CREATE_IO_CQ);
	if (rc != 0)
		free(ctx);
	return rc;
}

static int pcie_qpair_connect(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
			      void *arg)
{
	return start_queue_cmds(qpair, false, cb, arg);
}

static int pcie_qpair_disconnect(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
				 void *arg)
{
	return start_queue_cmds(qpair, true, cb, arg);
}

/* Lets model devices run while a blocking call waits (no-op without models). */
static void pcie_idle(void)
{
	srt_pci_model_poll_all();
}

/* Enumeration of NVMe functions for probe. */
struct pcie_enum_ctx {
	int (*cb)(void *ctx, const char *traddr);
	void *ctx;
};

static int pcie_enum_one(void *arg, const struct spdkrt_pci_addr *addr,
			 const struct spdkrt_pci_id *id)
{
	struct pcie_enum_ctx *e = arg;
	char traddr[SPDKRT_PCI_ADDR_STRLEN];

	(void)id;
	if (spdkrt_pci_addr_fmt(traddr, sizeof(traddr), addr) != 0)
		return 0;
	return e->cb(e->ctx, traddr);
}

static int nvme_pcie_enumerate(int (*cb)(void *ctx, const char *traddr), void *ctx)
{
	struct srt_pci_match match = { .class_code = NVME_PCI_CLASS, .class_mask = 0xFFFFFF };
	struct pcie_enum_ctx e = { .cb = cb, .ctx = ctx };

	return srt_pci_enumerate(&match, pcie_enum_one, &e);
}

static void *pcie_cmb_alloc_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr, size_t size)
{
	struct pcie_ctrlr *p = to_pcie(ctrlr);
	void *buf;

	if (p->cmb.va == NULL) {
		SRT_ERR("nvme %s: no usable controller memory buffer", ctrlr->trid.traddr);
		return NULL;
	}
	if (!SPDKRT_NVME_GET(p->cmb.cmbsz, SPDKRT_NVME_CMBSZ_RDS) &&
	    !SPDKRT_NVME_GET(p->cmb.cmbsz, SPDKRT_NVME_CMBSZ_WDS)) {
		SRT_ERR("nvme %s: the controller memory buffer holds no read or write data (CMBSZ "
			"0x%x: RDS and WDS clear)",
			ctrlr->trid.traddr, p->cmb.cmbsz);
		return NULL;
	}
	buf = pcie_cmb_alloc(&p->cmb, size);
	if (buf == NULL)
		SRT_ERR("nvme %s: no free run of %zu bytes in the controller memory buffer (%llu "
			"bytes)",
			ctrlr->trid.traddr, size, (unsigned long long)p->cmb.size);
	return buf;
}

static int pcie_cmb_free_io_buffer(struct spdkrt_nvme_ctrlr *ctrlr, void *buf, size_t size)
{
	return pcie_cmb_free(&to_pcie(ctrlr)->cmb, buf, size);
}

/* Quirks need the function's ids. */
static const struct spdkrt_pci_id *nvme_pcie_ctrlr_pci_id(struct spdkrt_nvme_ctrlr *ctrlr)
{
	return srt_pci_device_id(to_pcie(ctrlr)->dev);
}

const struct nvme_transport g_nvme_transport_pcie = {
	.name = "PCIe",
	.type = SPDKRT_NVME_TRANSPORT_PCIE,
	.ctrlr_construct = pcie_ctrlr_construct,
	.ctrlr_destruct = pcie_ctrlr_destruct,
	.get_reg_4 = pcie_get_reg_4,
	.get_reg_8 = pcie_get_reg_8,
	.set_reg_4 = pcie_set_reg_4,
	.set_reg_8 = pcie_set_reg_8,
	.ctrlr_is_removed = pcie_ctrlr_is_removed,
	.max_xfer_size = pcie_max_xfer_size,
	.ctrlr_enable = pcie_ctrlr_enable,
	.qpair_create = pcie_qpair_create,
	.qpair_destroy = pcie_qpair_destroy,
	.qpair_reset = pcie_qpair_reset,
	.qpair_connect = pcie_qpair_connect,
	.qpair_disconnect = pcie_qpair_disconnect,
	.qpair_submit = pcie_qpair_submit,
	.qpair_process = pcie_qpair_process,
	.qpair_release = pcie_qpair_release,
	.idle = pcie_idle,
	.enumerate = nvme_pcie_enumerate,
	.cmb_alloc = pcie_cmb_alloc_io_buffer,
	.cmb_free = pcie_cmb_free_io_buffer,
	.pci_id = nvme_pcie_ctrlr_pci_id,
};
