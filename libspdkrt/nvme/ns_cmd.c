/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVM command set I/O: argument checks, command building, and splitting inside the driver (at
 * MDTS, at the Intel stripe boundary, at the 65 536-block limit, and where a scattered payload
 * cannot be one PRP list), with no limit on the number of children.
 */
#include <errno.h>
#include <string.h>

#include <spdkrt/env.h>

#include "nvme/internal.h"
#include "nvme/pcie_data.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

#define PAGE 4096u

struct io_args {
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	uint8_t opc;
	struct nvme_payload payload;
	uint64_t lba;
	uint32_t count;
	uint32_t io_flags;
	uint16_t apptag_mask;
	uint16_t apptag;
	spdkrt_nvme_cmd_cb cb;
	void *cb_arg;
	bool has_data;
	uint32_t max_blocks; /* per command */
};

static inline __attribute__((always_inline)) int check_io(const struct spdkrt_nvme_ns *ns,
							  const struct spdkrt_nvme_qpair *qpair,
							  uint64_t lba, uint32_t count,
							  uint32_t io_flags, const char *fn)
{
	if (ns == NULL || qpair == NULL || qpair->id == 0) {
		SRT_ERR("%s: namespace or I/O queue pair is NULL (or the admin queue)", fn);
		return -EINVAL;
	}
	if (qpair->ctrlr != ns->ctrlr) {
		SRT_ERR("%s: the queue pair belongs to another controller", fn);
		return -EINVAL;
	}
	if (ns->ctrlr->is_failed)
		return -ENXIO;
	if (io_flags & ~SPDKRT_NVME_IO_FLAGS_VALID_MASK) {
		SRT_ERR("%s: io_flags 0x%x has bits outside SPDKRT_NVME_IO_FLAGS_*", fn, io_flags);
		return -EINVAL;
	}
	if (count == 0 || lba >= ns->num_sectors || count > ns->num_sectors - lba) {
		SRT_ERR("%s: blocks %llu + %u are outside namespace %u (%llu blocks)", fn,
			(unsigned long long)lba, count, ns->id,
			(unsigned long long)ns->num_sectors);
		return -EINVAL;
	}
	return 0;
}

/* Bytes per block in the host buffer: with PRACT and 8-byte PI the controller adds the PI. */
static uint32_t host_block_size(const struct spdkrt_nvme_ns *ns, uint32_t io_flags)
{
	if (ns->extended && ns->md_size == 8 && (io_flags & SPDKRT_NVME_IO_FLAGS_PRACT))
		return ns->sector_size;
	return ns->extended_lba_size;
}

static bool ctrlr_uses_sgl(const struct spdkrt_nvme_ctrlr *ctrlr)
{
	return SPDKRT_NVME_GET(ctrlr->cdata.sgls, SPDKRT_NVME_SGLS_SUPPORT) != 0;
}

/*
 * How many blocks from byte `offset` of a scattered payload fit one command: PRP lists need every
 * element but the first to start on a page and every element but the last to end on one; SGLs
 * need at most 256 descriptors. @return blocks (>= 1), or -EINVAL when no block boundary fits.
 */
static int64_t sgl_fit_blocks(const struct io_args *a, uint32_t offset, uint32_t max_blocks,
			      uint32_t block)
{
	uint64_t limit = (uint64_t)max_blocks * block, taken = 0;
	bool prp = !ctrlr_uses_sgl(a->ns->ctrlr);
	uint32_t elements = 0;

	a->payload.reset_sgl(a->payload.sgl_arg, offset);
	while (taken < limit) {
		void *addr = NULL;
		uint32_t len = 0;
		uintptr_t va;

		if (a->payload.next_sge(a->payload.sgl_arg, &addr, &len) != 0 || addr == NULL ||
		    len == 0) {
			SRT_ERR("nvme: next_sge gave no more data %llu bytes into an I/O of %llu",
				(unsigned long long)taken, (unsigned long long)limit);
			return -EINVAL;
		}
		va = (uintptr_t)addr;
		if (len > limit - taken)
			len = (uint32_t)(limit - taken);
		if (prp && taken > 0 && va % PAGE != 0)
			break; /* cut before an element that starts inside a page */
		/* Each element may need a descriptor per page it touches (IOVA pages scatter). */
		elements += (uint32_t)((va % PAGE + len + PAGE - 1) / PAGE);
		if (!prp && elements > PCIE_MAX_SGL_DESCRIPTORS && taken > 0)
			break;
		taken += len;
		if (prp && (va + len) % PAGE != 0)
			break; /* an element that ends inside a page must be the last */
	}
	if (taken >= limit)
		return max_blocks;
	if (taken < block || taken % block != 0) {
		SRT_ERR("nvme: the scattered payload cannot be split on a block boundary at byte "
			"%u (+%llu): a %s needs elements that meet on page boundaries",
			offset, (unsigned long long)taken, prp ? "PRP list" : "SGL");
		return -EINVAL;
	}
	return (int64_t)(taken / block);
}

static void fill_cmd(struct nvme_request *req, const struct io_args *a, uint64_t lba,
		     uint32_t count)
{
	struct spdkrt_nvme_cmd *cmd = &req->cmd;

	cmd->opc = a->opc;
	cmd->nsid = a->ns->id;
	cmd->cdw10 = (uint32_t)lba;
	cmd->cdw11 = (uint32_t)(lba >> 32);
	cmd->cdw12 = (count - 1) | a->io_flags;
	if (a->ns->pi_type == SPDKRT_NVME_PI_TYPE1 || a->ns->pi_type == SPDKRT_NVME_PI_TYPE2)
		cmd->cdw14 = (uint32_t)lba;
	cmd->cdw15 = SPDKRT_NVME_SET(SPDKRT_NVME_IO_APPTAG_MASK, (uint32_t)a->apptag_mask) |
		     SPDKRT_NVME_SET(SPDKRT_NVME_IO_APPTAG, (uint32_t)a->apptag);
}

/* The size of the next child: MDTS (or the command's block limit), stripe, payload shape. */
static int64_t next_child_blocks(const struct io_args *a, uint64_t lba, uint32_t left,
				 uint32_t offset, uint32_t block)
{
	uint32_t n = left < a->max_blocks ? left : a->max_blocks;
	uint32_t stripe = a->ns->sectors_per_stripe;

	if (a->has_data && stripe != 0) {
		uint32_t to_boundary = stripe - (uint32_t)(lba % stripe);

		if (n > to_boundary)
			n = to_boundary;
	}
	if (a->has_data && a->payload.type == NVME_PAYLOAD_SGL)
		return sgl_fit_blocks(a, offset, n, block);
	return n;
}

static void free_children(struct nvme_request_list *children)
{
	struct nvme_request *child;

	while ((child = TAILQ_FIRST(children)) != NULL) {
		TAILQ_REMOVE(children, child, link);
		nvme_request_free(child);
	}
}

/* Children of at most what one command may carry; the parent completes after the last. */
static __attribute__((noinline)) int submit_split(struct io_args *a, struct nvme_request *parent,
						  uint32_t block, uint32_t first)
{
	struct spdkrt_nvme_qpair *qpair = a->qpair;
	struct nvme_request_list children = TAILQ_HEAD_INITIALIZER(children);
	struct nvme_request *child;
	uint32_t done = 0, num_children = 0;
	int rc;

	/* Every child is allocated before any is submitted, so -ENOMEM leaves nothing. */
	while (done < a->count) {
		int64_t n = done == 0 ? first :
					next_child_blocks(a, a->lba + done, a->count - done,
							  done * block, block);

		if (n < 0 || (child = nvme_request_alloc(qpair, NULL, NULL)) == NULL) {
			free_children(&children);
			nvme_request_free(parent);
			return n < 0 ? (int)n : -ENOMEM;
		}
		child->parent = parent;
		child->payload = a->payload;
		child->payload_offset = done * block;
		child->payload_size = (uint32_t)n * block;
		child->md_offset = done * a->ns->md_size;
		child->md_len = a->payload.md != NULL ? (uint32_t)n * a->ns->md_size : 0;
		fill_cmd(child, a, a->lba + done, (uint32_t)n);
		TAILQ_INSERT_TAIL(&children, child, link);
		done += (uint32_t)n;
		num_children++;
	}
	parent->children_left = num_children;
	memset(&parent->parent_cpl, 0, sizeof(parent->parent_cpl));
	while ((child = TAILQ_FIRST(&children)) != NULL) {
		TAILQ_REMOVE(&children, child, link);
		rc = nvme_qpair_submit(qpair, child);
		if (rc == 0)
			continue;
		if (parent->children_left == num_children) {
			/* Nothing went out: undo everything, report the error to the caller. */
			nvme_request_free(child);
			free_children(&children);
			nvme_request_free(parent);
			return rc;
		}
		/* Some children are in flight: fail the rest; the parent completes with the error. */
		nvme_request_fail(child, SPDKRT_NVME_SCT_GENERIC,
				  SPDKRT_NVME_SC_DATA_TRANSFER_ERROR);
		while ((child = TAILQ_FIRST(&children)) != NULL) {
			TAILQ_REMOVE(&children, child, link);
			nvme_request_fail(child, SPDKRT_NVME_SCT_GENERIC,
					  SPDKRT_NVME_SC_DATA_TRANSFER_ERROR);
		}
		return 0;
	}
	return 0;
}

/* Inlined into each public call: the arguments stay in registers on the one-command path. */
static inline __attribute__((always_inline)) int submit_io(struct io_args *a)
{
	struct spdkrt_nvme_qpair *qpair = a->qpair;
	uint32_t block = a->has_data ? host_block_size(a->ns, a->io_flags) : 0;
	struct nvme_request *parent;
	int64_t first;
	int rc;

	if (a->has_data && (uint64_t)a->count * block > UINT32_MAX) {
		SRT_ERR("nvme: an I/O of %u blocks is above 4 GiB", a->count);
		return -EINVAL;
	}
	parent = nvme_request_alloc(qpair, a->cb, a->cb_arg);
	if (parent == NULL)
		return -ENOMEM;
	parent->payload = a->payload;
	parent->payload_size = a->count * block;
	parent->md_len = a->payload.md != NULL ? a->count * a->ns->md_size : 0;
	first = next_child_blocks(a, a->lba, a->count, 0, block);
	if (first < 0) {
		nvme_request_free(parent);
		return (int)first;
	}
	if ((uint32_t)first != a->count)
		return submit_split(a, parent, block, (uint32_t)first);
	fill_cmd(parent, a, a->lba, a->count);
	rc = nvme_qpair_submit(qpair, parent);
	if (rc != 0)
		nvme_request_free(parent);
	return rc;
}

static inline __attribute__((always_inline)) int
rw(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, uint8_t opc, void *buf, void *md,
   uint64_t lba, uint32_t count, spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
   uint16_t apptag_mask, uint16_t apptag, const char *fn)
{
	struct io_args a; /* every field set below: not cleared first (the I/O path) */
	int rc = check_io(ns, qpair, lba, count, io_flags, fn);

	if (rc != 0)
		return rc;
	if (buf == NULL) {
		SRT_ERR("%s: buffer is NULL", fn);
		return -EINVAL;
	}
	a.ns = ns;
	a.qpair = qpair;
	a.opc = opc;
	a.payload = (struct nvme_payload){
		.type = NVME_PAYLOAD_CONTIG,
		.buf = buf,
		.md = ns->md_size > 0 && !ns->extended ? md : NULL,
	};
	a.lba = lba;
	a.count = count;
	a.io_flags = io_flags;
	a.apptag_mask = apptag_mask;
	a.apptag = apptag;
	a.cb = cb;
	a.cb_arg = cb_arg;
	a.has_data = true;
	a.max_blocks = ns->sectors_per_max_io;
	return submit_io(&a);
}

int spdkrt_nvme_ns_cmd_read(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, void *buf,
			    uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
			    uint32_t io_flags)
{
	return rw(ns, qpair, SPDKRT_NVME_OPC_READ, buf, NULL, lba, lba_count, cb, cb_arg, io_flags,
		  0, 0, __func__);
}

int spdkrt_nvme_ns_cmd_write(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, void *buf,
			     uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
			     uint32_t io_flags)
{
	return rw(ns, qpair, SPDKRT_NVME_OPC_WRITE, buf, NULL, lba, lba_count, cb, cb_arg, io_flags,
		  0, 0, __func__);
}

int spdkrt_nvme_ns_cmd_read_with_md(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				    void *buf, void *md, uint64_t lba, uint32_t lba_count,
				    spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
				    uint16_t apptag_mask, uint16_t apptag)
{
	return rw(ns, qpair, SPDKRT_NVME_OPC_READ, buf, md, lba, lba_count, cb, cb_arg, io_flags,
		  apptag_mask, apptag, __func__);
}

int spdkrt_nvme_ns_cmd_write_with_md(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				     void *buf, void *md, uint64_t lba, uint32_t lba_count,
				     spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
				     uint16_t apptag_mask, uint16_t apptag)
{
	return rw(ns, qpair, SPDKRT_NVME_OPC_WRITE, buf, md, lba, lba_count, cb, cb_arg, io_flags,
		  apptag_mask, apptag, __func__);
}

int spdkrt_nvme_ns_cmd_compare(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			       void *buf, uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
			       void *cb_arg, uint32_t io_flags)
{
	return rw(ns, qpair, SPDKRT_NVME_OPC_COMPARE, buf, NULL, lba, lba_count, cb, cb_arg,
		  io_flags, 0, 0, __func__);
}

static int rwv(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, uint8_t opc,
	       uint64_t lba, uint32_t count, spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags,
	       spdkrt_nvme_req_reset_sgl_cb reset_fn, spdkrt_nvme_req_next_sge_cb next_fn,
	       void *sgl_arg, const char *fn)
{
	struct io_args a = { 0 };
	int rc = check_io(ns, qpair, lba, count, io_flags, fn);

	if (rc != 0)
		return rc;
	if (reset_fn == NULL || next_fn == NULL) {
		SRT_ERR("%s: reset_sgl_fn and next_sge_fn are required", fn);
		return -EINVAL;
	}
	a.ns = ns;
	a.qpair = qpair;
	a.opc = opc;
	a.payload.type = NVME_PAYLOAD_SGL;
	a.payload.reset_sgl = reset_fn;
	a.payload.next_sge = next_fn;
	a.payload.sgl_arg = sgl_arg;
	a.lba = lba;
	a.count = count;
	a.io_flags = io_flags;
	a.cb = cb;
	a.cb_arg = cb_arg;
	a.has_data = true;
	a.max_blocks = ns->sectors_per_max_io;
	return submit_io(&a);
}

int spdkrt_nvme_ns_cmd_readv(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			     uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
			     uint32_t io_flags, spdkrt_nvme_req_reset_sgl_cb reset_sgl_fn,
			     spdkrt_nvme_req_next_sge_cb next_sge_fn)
{
	return rwv(ns, qpair, SPDKRT_NVME_OPC_READ, lba, lba_count, cb, cb_arg, io_flags,
		   reset_sgl_fn, next_sge_fn, cb_arg, __func__);
}

int spdkrt_nvme_ns_cmd_writev(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			      uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
			      uint32_t io_flags, spdkrt_nvme_req_reset_sgl_cb reset_sgl_fn,
			      spdkrt_nvme_req_next_sge_cb next_sge_fn)
{
	return rwv(ns, qpair, SPDKRT_NVME_OPC_WRITE, lba, lba_count, cb, cb_arg, io_flags,
		   reset_sgl_fn, next_sge_fn, cb_arg, __func__);
}

/* The iovec form: a cursor over the caller's array, kept in a holder request. */

static void iov_reset(void *arg, uint32_t offset)
{
	struct nvme_iov_cursor *c = arg;

	c->index = 0;
	while (c->index < c->iovcnt && offset >= c->iov[c->index].iov_len) {
		offset -= (uint32_t)c->iov[c->index].iov_len;
		c->index++;
	}
	c->offset = offset;
}

static int iov_next(void *arg, void **address, uint32_t *length)
{
	struct nvme_iov_cursor *c = arg;
	size_t left;

	while (c->index < c->iovcnt && c->offset >= c->iov[c->index].iov_len) {
		c->index++;
		c->offset = 0;
	}
	if (c->index >= c->iovcnt)
		return -EINVAL;
	left = c->iov[c->index].iov_len - c->offset;
	*address = (uint8_t *)c->iov[c->index].iov_base + c->offset;
	*length = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
	c->offset += *length;
	return 0;
}

static void iov_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_request *holder = arg;
	struct nvme_iov_cursor *c = &holder->iov_cursor;
	spdkrt_nvme_cmd_cb cb = c->cb;
	void *cb_arg = c->cb_arg;

	nvme_request_free(holder);
	if (cb != NULL)
		cb(cb_arg, cpl);
}

static int rwv_iov(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair, uint8_t opc,
		   const struct iovec *iov, int iovcnt, uint64_t lba, uint32_t count,
		   spdkrt_nvme_cmd_cb cb, void *cb_arg, uint32_t io_flags, const char *fn)
{
	struct nvme_request *holder;
	struct nvme_iov_cursor *c;
	int rc;

	if (iov == NULL || iovcnt <= 0) {
		SRT_ERR("%s: iov is NULL or iovcnt %d < 1", fn, iovcnt);
		return -EINVAL;
	}
	if (qpair == NULL)
		return nvme_bad_arg(fn, "qpair is NULL");
	/* One buffer that holds the whole transfer (what a bdev hands down nearly always) is the
	 * plain form: no holder request, SGL walk or extra callback (~470 instructions an I/O). */
	if (iovcnt == 1 && ns != NULL &&
	    iov[0].iov_len >= (uint64_t)count * host_block_size(ns, io_flags))
		return rw(ns, qpair, opc, iov[0].iov_base, NULL, lba, count, cb, cb_arg, io_flags,
			  0, 0, fn);
	/* The cursor lives in a pool request, so the iovec form allocates nothing either. */
	holder = nvme_request_alloc(qpair, NULL, NULL);
	if (holder == NULL)
		return -ENOMEM;
	c = &holder->iov_cursor;
	memset(c, 0, sizeof(*c));
	c->iov = iov;
	c->iovcnt = iovcnt;
	c->cb = cb;
	c->cb_arg = cb_arg;
	rc = rwv(ns, qpair, opc, lba, count, iov_done, holder, io_flags, iov_reset, iov_next, c,
		 fn);
	if (rc != 0)
		nvme_request_free(holder);
	return rc;
}

int spdkrt_nvme_ns_cmd_readv_iov(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				 const struct iovec *iov, int iovcnt, uint64_t lba,
				 uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
				 uint32_t io_flags)
{
	return rwv_iov(ns, qpair, SPDKRT_NVME_OPC_READ, iov, iovcnt, lba, lba_count, cb, cb_arg,
		       io_flags, __func__);
}

int spdkrt_nvme_ns_cmd_writev_iov(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				  const struct iovec *iov, int iovcnt, uint64_t lba,
				  uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg,
				  uint32_t io_flags)
{
	return rwv_iov(ns, qpair, SPDKRT_NVME_OPC_WRITE, iov, iovcnt, lba, lba_count, cb, cb_arg,
		       io_flags, __func__);
}

static bool oncs(const struct spdkrt_nvme_ns *ns, uint16_t bit)
{
	return (ns->ctrlr->cdata.oncs & bit) != 0;
}

int spdkrt_nvme_ns_cmd_write_zeroes(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
				    uint64_t lba, uint32_t lba_count, spdkrt_nvme_cmd_cb cb,
				    void *cb_arg, uint32_t io_flags)
{
	struct io_args a = { 0 };
	int rc = check_io(ns, qpair, lba, lba_count, io_flags, __func__);

	if (rc != 0)
		return rc;
	if (!oncs(ns, SPDKRT_NVME_ONCS_WRITE_ZEROES))
		return -ENOTSUP;
	a.ns = ns;
	a.qpair = qpair;
	a.opc = SPDKRT_NVME_OPC_WRITE_ZEROES;
	a.lba = lba;
	a.count = lba_count;
	a.io_flags = io_flags;
	a.cb = cb;
	a.cb_arg = cb_arg;
	a.max_blocks = SPDKRT_NVME_MAX_NLB; /* NLB is 16 bits: split, never spill into flags */
	return submit_io(&a);
}

int spdkrt_nvme_ns_cmd_write_uncorrectable(struct spdkrt_nvme_ns *ns,
					   struct spdkrt_nvme_qpair *qpair, uint64_t lba,
					   uint32_t lba_count, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct io_args a = { 0 };
	int rc = check_io(ns, qpair, lba, lba_count, 0, __func__);

	if (rc != 0)
		return rc;
	if (!oncs(ns, SPDKRT_NVME_ONCS_WRITE_UNCORRECTABLE))
		return -ENOTSUP;
	if (lba_count > SPDKRT_NVME_MAX_NLB) {
		SRT_ERR("%s: %u blocks is above the command's 65536", __func__, lba_count);
		return -EINVAL;
	}
	a.ns = ns;
	a.qpair = qpair;
	a.opc = SPDKRT_NVME_OPC_WRITE_UNCORRECTABLE;
	a.lba = lba;
	a.count = lba_count;
	a.cb = cb;
	a.cb_arg = cb_arg;
	a.max_blocks = SPDKRT_NVME_MAX_NLB;
	return submit_io(&a);
}

int nvme_ns_submit_bounced(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			   const struct spdkrt_nvme_cmd *cmd, void *user_buf, uint32_t len,
			   bool copy_in, bool copy_out, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct nvme_request *req;
	int rc;

	if (ns->ctrlr->is_failed)
		return -ENXIO;
	req = nvme_request_alloc(qpair, cb, cb_arg);
	if (req == NULL)
		return -ENOMEM;
	/* Copied: the caller's data may be on its stack or in memory no device can reach. */
	req->bounce = spdkrt_dma_zmalloc(len, 64, SPDKRT_ENV_SOCKET_ANY);
	if (req->bounce == NULL) {
		nvme_request_free(req);
		return -ENOMEM;
	}
	if (copy_in)
		memcpy(req->bounce, user_buf, len);
	req->user_buf = user_buf;
	req->user_len = len;
	req->copy_out = copy_out;
	req->payload.type = NVME_PAYLOAD_CONTIG;
	req->payload.buf = req->bounce;
	req->payload_size = len;
	req->cmd = *cmd;
	req->cmd.nsid = ns->id;
	rc = nvme_qpair_submit(qpair, req);
	if (rc != 0)
		nvme_request_free(req);
	return rc;
}

int spdkrt_nvme_ns_cmd_dataset_management(struct spdkrt_nvme_ns *ns,
					  struct spdkrt_nvme_qpair *qpair, uint32_t attributes,
					  const struct spdkrt_nvme_dsm_range *ranges,
					  uint16_t num_ranges, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct spdkrt_nvme_cmd cmd = { 0 };

	if (ns == NULL || qpair == NULL || qpair->id == 0 || ranges == NULL || num_ranges == 0 ||
	    num_ranges > SPDKRT_NVME_DSM_MAX_RANGES) {
		SRT_ERR("%s: needs a namespace, an I/O queue pair and 1..256 ranges (got %u)",
			__func__, num_ranges);
		return -EINVAL;
	}
	if (!oncs(ns, SPDKRT_NVME_ONCS_DSM))
		return -ENOTSUP;
	cmd.opc = SPDKRT_NVME_OPC_DATASET_MANAGEMENT;
	cmd.cdw10 = num_ranges - 1u;
	cmd.cdw11 = attributes;
	return nvme_ns_submit_bounced(ns, qpair, &cmd, (void *)(uintptr_t)ranges,
				      (uint32_t)num_ranges * (uint32_t)sizeof(*ranges), true, false,
				      cb, cb_arg);
}

int spdkrt_nvme_ns_cmd_flush(struct spdkrt_nvme_ns *ns, struct spdkrt_nvme_qpair *qpair,
			     spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct nvme_request *req;
	int rc;

	if (ns == NULL || qpair == NULL || qpair->id == 0)
		return nvme_bad_arg(__func__, "namespace or I/O queue pair is NULL");
	if (ns->ctrlr->is_failed)
		return -ENXIO;
	req = nvme_request_alloc(qpair, cb, cb_arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd.opc = SPDKRT_NVME_OPC_FLUSH;
	req->cmd.nsid = ns->id;
	rc = nvme_qpair_submit(qpair, req);
	if (rc != 0)
		nvme_request_free(req);
	return rc;
}

int spdkrt_nvme_ctrlr_cmd_io_raw(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair,
				 const struct spdkrt_nvme_cmd *cmd, void *buf, uint32_t len,
				 void *md, spdkrt_nvme_cmd_cb cb, void *cb_arg)
{
	struct nvme_request *req;
	int rc;

	if (ctrlr == NULL || qpair == NULL || qpair->id == 0 || qpair->ctrlr != ctrlr ||
	    cmd == NULL || (buf == NULL && len != 0)) {
		SRT_ERR("%s: invalid arguments", __func__);
		return -EINVAL;
	}
	if (ctrlr->is_failed)
		return -ENXIO;
	req = nvme_request_alloc(qpair, cb, cb_arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd = *cmd;
	req->cmd.flags = 0;
	if (len > 0) {
		req->payload.type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = buf;
		req->payload.md = md;
		req->payload_size = len;
		req->md_len = md != NULL ? 1 : 0; /* raw: the caller knows the metadata size */
	}
	rc = nvme_qpair_submit(qpair, req);
	if (rc != 0)
		nvme_request_free(req);
	return rc;
}
