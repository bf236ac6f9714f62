/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVM I/O commands on a namespace's bdev, through the poll group thread's channel: Read,
 * Write, Compare, Flush, Write Zeroes and Dataset Management (deallocate -> unmap). The bdev's
 * result goes back to the host as an NVMe status.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static void complete(struct srt_nvmf_req *req, uint8_t sct, uint8_t sc)
{
	srt_nvmf_req_complete_status(req, sct, sc);
}

/* The NVMe status that tells the host what a bdev error means. */
static void complete_errno(struct srt_nvmf_req *req, int status)
{
	bool read = req->cmd.opc == SPDKRT_NVME_OPC_READ || req->cmd.opc == SPDKRT_NVME_OPC_COMPARE;

	switch (status) {
	case 0:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
		return;
	case -EIO:
		complete(req, SPDKRT_NVME_SCT_MEDIA_ERROR,
			 read ? SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR :
				SPDKRT_NVME_SC_WRITE_FAULTS);
		return;
	case -ENOSPC:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_CAPACITY_EXCEEDED);
		return;
	case -EINVAL:
	case -ERANGE:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_FIELD);
		return;
	case -ENOTSUP:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_OPCODE);
		return;
	case -EBADF:
	case -ENODEV:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_NAMESPACE_NOT_READY);
		return;
	default:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
		return;
	}
}

static void io_done(void *arg, int status)
{
	struct srt_nvmf_req *req = arg;
	struct srt_nvmf_qpair *q = req->qpair;
	struct spdkrt_nvmf_tgt *tgt = q->tgt;

	if (status != 0 && req->bdev_status == 0) {
		req->bdev_status = status;
		/* What the bdev says, in NVMe terms (its own status for an NVMe bdev). */
		if (spdkrt_bdev_get_nvme_status(req->pg_ns->ch, status, &req->bdev_nvme_status) !=
		    0)
			req->bdev_nvme_status = (struct spdkrt_bdev_nvme_status){
				.sct = SPDKRT_NVME_SCT_GENERIC,
				.sc = SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR
			};
	}
	q->bdev_ios--;
	if (--req->bdev_ios > 0)
		return;
	srt_nvmf_pgroup_ns_io_done(q->group, req->pg_ns);
	req->pg_ns = NULL;
	if (req->bdev_status == 0 && req->cmd.opc == SPDKRT_NVME_OPC_COMPARE &&
	    memcmp(req->buf, req->cmp_buf, req->xfer_len) != 0) {
		complete(req, SPDKRT_NVME_SCT_MEDIA_ERROR, SPDKRT_NVME_SC_COMPARE_FAILURE);
		return;
	}
	if (req->bdev_status == 0 && req->cmd.opc == SPDKRT_NVME_OPC_READ)
		atomic_fetch_add_explicit(&tgt->stat_read, req->xfer_len, memory_order_relaxed);
	if (req->bdev_status == 0 && req->cmd.opc == SPDKRT_NVME_OPC_WRITE)
		atomic_fetch_add_explicit(&tgt->stat_written, req->xfer_len, memory_order_relaxed);
	if (req->bdev_status != 0) {
		const struct spdkrt_bdev_nvme_status *st = &req->bdev_nvme_status;

		SRT_ERR("%s: opcode 0x%02x on namespace %u failed in the bdev: %s (NVMe status "
			"%u/0x%02x)",
			q->peer, req->cmd.opc, req->cmd.nsid, strerror(-req->bdev_status), st->sct,
			st->sc);
		req->cpl.cdw0 = st->cdw0;
		srt_nvmf_req_complete_status(req, st->sct, st->sc);
		return;
	}
	complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_SUCCESS);
}

static void retry_after_io_wait(void *arg)
{
	struct srt_nvmf_req *req = arg;

	req->io_waiting = false;
	if (req->aborted) {
		srt_nvmf_pgroup_ns_io_done(req->qpair->group, req->pg_ns);
		req->pg_ns = NULL;
		srt_nvmf_req_execute(req); /* completes it as aborted */
		return;
	}
	srt_nvmf_io_execute(req);
}

/* Blocks [slba, slba + nlb) inside the namespace, with no overflow. */
static bool in_range(const struct srt_nvmf_ns *ns, uint64_t slba, uint64_t nlb)
{
	return slba < ns->num_blocks && nlb <= ns->num_blocks - slba;
}

static int submit_one(struct srt_nvmf_req *req, uint64_t slba, uint64_t nlb)
{
	struct srt_nvmf_pg_ns *pg = req->pg_ns;
	struct spdkrt_bdev_desc *desc = pg->ns->desc;
	int rc;

	switch (req->cmd.opc) {
	case SPDKRT_NVME_OPC_READ:
		rc = spdkrt_bdev_read_blocks(desc, pg->ch, req->buf, slba, nlb, io_done, req);
		break;
	case SPDKRT_NVME_OPC_COMPARE:
		rc = spdkrt_bdev_read_blocks(desc, pg->ch, req->cmp_buf, slba, nlb, io_done, req);
		break;
	case SPDKRT_NVME_OPC_WRITE:
		rc = spdkrt_bdev_write_blocks(desc, pg->ch, req->buf, slba, nlb, io_done, req);
		break;
	case SPDKRT_NVME_OPC_WRITE_ZEROES:
		rc = spdkrt_bdev_write_zeroes_blocks(desc, pg->ch, slba, nlb, io_done, req);
		break;
	case SPDKRT_NVME_OPC_FLUSH:
		rc = spdkrt_bdev_flush_blocks(desc, pg->ch, slba, nlb, io_done, req);
		break;
	default: /* Dataset Management */
		rc = spdkrt_bdev_unmap_blocks(desc, pg->ch, slba, nlb, io_done, req);
		break;
	}
	if (rc == 0) {
		req->bdev_ios++;
		req->qpair->bdev_ios++;
	}
	return rc;
}

/* Deallocate each range; ranges of zero blocks are skipped. */
static int submit_dsm(struct srt_nvmf_req *req)
{
	const struct spdkrt_nvme_dsm_range *ranges = (const void *)req->buf;
	uint32_t nr = (req->cmd.cdw10 & 0xffu) + 1;
	const struct srt_nvmf_ns *ns = req->pg_ns->ns;

	if ((req->cmd.cdw11 & SPDKRT_NVME_DSM_ATTR_DEALLOCATE) == 0)
		return 0; /* only hints: nothing to do */
	if (req->xfer_len < nr * sizeof(*ranges)) {
		SRT_ERR("%s: Dataset Management of %u ranges with %u bytes of data",
			req->qpair->peer, nr, req->xfer_len);
		return -EMSGSIZE;
	}
	for (uint32_t i = 0; i < nr; i++)
		if (!in_range(ns, ranges[i].starting_lba, ranges[i].length))
			return -ERANGE;
	for (uint32_t i = 0; i < nr; i++) {
		int rc;

		if (ranges[i].length == 0)
			continue;
		rc = submit_one(req, ranges[i].starting_lba, ranges[i].length);
		if (rc != 0) {
			/* Ranges already submitted finish; this one fails the command. */
			req->bdev_status = rc;
			return req->bdev_ios > 0 ? 0 : rc;
		}
	}
	return 0;
}

static bool is_reservation(uint8_t opc)
{
	return opc == SPDKRT_NVME_OPC_RESERVATION_REGISTER ||
	       opc == SPDKRT_NVME_OPC_RESERVATION_REPORT ||
	       opc == SPDKRT_NVME_OPC_RESERVATION_ACQUIRE ||
	       opc == SPDKRT_NVME_OPC_RESERVATION_RELEASE;
}

/* What a reservation of a write-exclusive type keeps a non-holder from doing. */
static bool is_write(uint8_t opc)
{
	return opc != SPDKRT_NVME_OPC_READ && opc != SPDKRT_NVME_OPC_COMPARE &&
	       opc != SPDKRT_NVME_OPC_FLUSH;
}

static int reserve_cmp(struct srt_nvmf_req *req)
{
	void *buf;

	if (req->cmp_cap >= req->xfer_len)
		return 0;
	if (posix_memalign(&buf, 4096, req->xfer_len) != 0)
		return -ENOMEM;
	free(req->cmp_buf);
	req->cmp_buf = buf;
	req->cmp_cap = req->xfer_len;
	return 0;
}

void srt_nvmf_io_execute(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;
	const struct spdkrt_nvme_cmd *cmd = &req->cmd;
	uint64_t slba = (uint64_t)cmd->cdw11 << 32 | cmd->cdw10;
	uint64_t nlb = (cmd->cdw12 & SPDKRT_NVME_IO_NLB_MASK) + 1u;
	struct srt_nvmf_ns *ns;
	int rc;

	if (req->pg_ns == NULL)
		req->pg_ns = srt_nvmf_pgroup_get_ns(q->group, q->ctrlr->subsys, cmd->nsid);
	if (req->pg_ns == NULL) {
		SRT_ERR("%s: opcode 0x%02x to namespace %u, which is not active", q->peer, cmd->opc,
			cmd->nsid);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		return;
	}
	ns = req->pg_ns->ns;
	req->bdev_status = 0;
	if (is_reservation(cmd->opc)) {
		struct srt_nvmf_pg_ns *pg = req->pg_ns;

		/* The channel is let go after: ns lives while this group holds it. */
		req->pg_ns = NULL;
		srt_nvmf_resv_execute(req, ns);
		srt_nvmf_pgroup_ns_io_done(q->group, pg);
		return;
	}
	if (srt_nvmf_resv_conflict(ns, q, is_write(cmd->opc))) {
		SRT_ERR("%s: opcode 0x%02x on namespace %u: reservation conflict", q->peer,
			cmd->opc, cmd->nsid);
		srt_nvmf_pgroup_ns_io_done(q->group, req->pg_ns);
		req->pg_ns = NULL;
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_RESERVATION_CONFLICT);
		return;
	}
	switch (cmd->opc) {
	case SPDKRT_NVME_OPC_READ:
	case SPDKRT_NVME_OPC_WRITE:
	case SPDKRT_NVME_OPC_COMPARE:
		if (!in_range(ns, slba, nlb)) {
			rc = -ERANGE;
			break;
		}
		if (nlb * ns->block_size != req->xfer_len) {
			SRT_ERR("%s: %lu blocks of %u bytes but an SGL of %u bytes", q->peer,
				(unsigned long)nlb, ns->block_size, req->xfer_len);
			rc = -EMSGSIZE;
			break;
		}
		rc = cmd->opc == SPDKRT_NVME_OPC_COMPARE ? reserve_cmp(req) : 0;
		if (rc == 0)
			rc = submit_one(req, slba, nlb);
		break;
	case SPDKRT_NVME_OPC_WRITE_ZEROES:
		rc = in_range(ns, slba, nlb) ? submit_one(req, slba, nlb) : -ERANGE;
		break;
	case SPDKRT_NVME_OPC_FLUSH:
		rc = spdkrt_bdev_io_type_supported(spdkrt_bdev_desc_get_bdev(ns->desc),
						   SPDKRT_BDEV_IO_FLUSH) ?
			     submit_one(req, 0, ns->num_blocks) :
			     0;
		break;
	case SPDKRT_NVME_OPC_DATASET_MANAGEMENT:
		rc = submit_dsm(req);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	if (rc == -ENOMEM && req->bdev_ios == 0) {
		/* No bdev I/O object free: try again once one is. */
		req->io_wait.cb_fn = retry_after_io_wait;
		req->io_wait.cb_arg = req;
		if (spdkrt_bdev_queue_io_wait(spdkrt_bdev_desc_get_bdev(ns->desc), req->pg_ns->ch,
					      &req->io_wait) == 0) {
			req->io_waiting = true;
			return;
		}
	}
	if (req->bdev_ios > 0)
		return;
	srt_nvmf_pgroup_ns_io_done(q->group, req->pg_ns);
	req->pg_ns = NULL;
	switch (rc) {
	case -ERANGE:
		SRT_ERR("%s: LBA range %lu+%lu outside namespace %u (%lu blocks)", q->peer,
			(unsigned long)slba, (unsigned long)nlb, cmd->nsid,
			(unsigned long)ns->num_blocks);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_LBA_OUT_OF_RANGE);
		return;
	case -EMSGSIZE:
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID);
		return;
	case -ENOTSUP:
		SRT_ERR("%s: unsupported I/O opcode 0x%02x", q->peer, cmd->opc);
		complete(req, SPDKRT_NVME_SCT_GENERIC, SPDKRT_NVME_SC_INVALID_OPCODE);
		return;
	default:
		complete_errno(req, rc);
		return;
	}
}
