/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The target's side of NVMe/TCP sending: a per-connection queue of PDUs written with one
 * sendmsg per poll (partial writes resume where they stopped), R2T, C2HData and CapsuleResp
 * with their digests, and request buffers.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/crc32c.h"
#include "util/log.h"

/* iovecs handed to one sendmsg. */
#define SEND_MAX_IOV 64
/* Request buffers are page aligned: O_DIRECT bdevs (aio, uring) take them as they are. */
#define REQ_BUF_ALIGN 4096u

void srt_nvmf_send(struct srt_nvmf_qpair *q, struct srt_nvmf_out *out)
{
	out->sent = 0;
	if (q->closed) {
		if (out->done != NULL)
			out->done(out);
		return;
	}
	TAILQ_INSERT_TAIL(&q->sendq, out, link);
}

int srt_nvmf_flush(struct srt_nvmf_qpair *q)
{
	struct iovec iov[SEND_MAX_IOV];
	struct srt_nvmf_out *out;
	ssize_t n;
	int cnt = 0;

	if (TAILQ_EMPTY(&q->sendq) || q->sock == NULL)
		return 0;
	TAILQ_FOREACH(out, &q->sendq, link) {
		size_t skip = out->sent;

		if (cnt + out->iovcnt > SEND_MAX_IOV)
			break;
		for (int i = 0; i < out->iovcnt; i++) {
			if (skip >= out->iov[i].iov_len) {
				skip -= out->iov[i].iov_len;
				continue;
			}
			iov[cnt].iov_base = (uint8_t *)out->iov[i].iov_base + skip;
			iov[cnt].iov_len = out->iov[i].iov_len - skip;
			skip = 0;
			if (iov[cnt].iov_len > 0)
				cnt++;
		}
	}
	if (cnt == 0)
		return 0;
	n = srt_sock_writev(q->sock, iov, cnt);
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return (int)n;
	while ((out = TAILQ_FIRST(&q->sendq)) != NULL && n > 0) {
		size_t left = out->len - out->sent;

		if ((size_t)n < left) {
			out->sent += (size_t)n;
			break;
		}
		n -= (ssize_t)left;
		TAILQ_REMOVE(&q->sendq, out, link);
		if (out->done != NULL)
			out->done(out);
	}
	return 0;
}

int srt_nvmf_req_buf_reserve(struct srt_nvmf_req *req, uint32_t len)
{
	void *buf;

	if (len <= req->buf_cap)
		return 0;
	if (posix_memalign(&buf, REQ_BUF_ALIGN, len) != 0) {
		SRT_ERR("%s: no memory for a %u-byte transfer", req->qpair->peer, len);
		return -ENOMEM;
	}
	free(req->buf);
	req->buf = buf;
	req->buf_cap = len;
	return 0;
}

/* Header, then its digest when negotiated; returns the iovecs used. */
static int add_header(struct srt_nvmf_qpair *q, struct srt_nvmf_out *out, void *hdr, uint32_t hlen)
{
	out->iov[0] = (struct iovec){ hdr, hlen };
	if (!q->hdgst)
		return 1;
	out->hdgst = srt_crc32c(hdr, hlen);
	out->iov[1] = (struct iovec){ &out->hdgst, SRT_TCP_DIGEST_LEN };
	return 2;
}

static uint8_t hdr_flags(const struct srt_nvmf_qpair *q)
{
	return q->hdgst ? SRT_TCP_FLAG_HDGSTF : 0;
}

void srt_nvmf_send_r2t(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;
	uint32_t hlen = sizeof(req->r2t), dg = q->hdgst ? SRT_TCP_DIGEST_LEN : 0;

	memset(&req->r2t, 0, sizeof(req->r2t));
	srt_tcp_ch_init(&req->r2t.ch, SRT_TCP_PDU_R2T, hdr_flags(q), (uint8_t)hlen, 0, hlen + dg);
	req->r2t.cccid = req->cmd.cid;
	req->r2t.ttag = (uint16_t)(req - q->reqs);
	req->r2t.r2to = 0;
	req->r2t.r2tl = req->xfer_len;
	req->r2t_out.iovcnt = add_header(q, &req->r2t_out, &req->r2t, hlen);
	req->r2t_out.len = hlen + dg;
	req->r2t_out.done = NULL;
	srt_nvmf_send(q, &req->r2t_out);
}

void srt_nvmf_req_free(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;

	req->state = SRT_NVMF_REQ_FREE;
	q->reqs_in_use--;
	TAILQ_INSERT_TAIL(&q->free_reqs, req, link);
}

static void out_done_free_req(struct srt_nvmf_out *out)
{
	srt_nvmf_req_free(out->req);
}

/* Zeroes for the padding before C2H data: at most a 128-byte alignment (HPDA 31). */
static const uint8_t g_c2h_pad[128];

/* C2HData carrying a read's data, in one PDU (C2H PDUs have no size limit but the transfer). */
static void queue_c2h_data(struct srt_nvmf_req *req, uint32_t len, bool last_success)
{
	struct srt_nvmf_qpair *q = req->qpair;
	struct srt_nvmf_out *out = &req->c2h_out;
	uint32_t hlen = sizeof(req->c2h), dg = q->hdgst ? SRT_TCP_DIGEST_LEN : 0;
	uint32_t ddg = q->ddgst ? SRT_TCP_DIGEST_LEN : 0;
	uint32_t align = (q->hpda + 1u) * 4u;
	uint32_t pdo = (hlen + dg + align - 1) / align * align, pad = pdo - hlen - dg;
	uint8_t flags = hdr_flags(q) | SRT_TCP_FLAG_LAST_PDU;
	int n;

	if (q->ddgst)
		flags |= SRT_TCP_FLAG_DDGSTF;
	if (last_success)
		flags |= SRT_TCP_FLAG_SUCCESS;
	memset(&req->c2h, 0, sizeof(req->c2h));
	srt_tcp_ch_init(&req->c2h.ch, SRT_TCP_PDU_C2H_DATA, flags, (uint8_t)hlen, (uint8_t)pdo,
			pdo + len + ddg);
	req->c2h.cccid = req->cmd.cid;
	req->c2h.datao = 0;
	req->c2h.datal = len;
	n = add_header(q, out, &req->c2h, hlen);
	if (pad > 0)
		out->iov[n++] = (struct iovec){ (void *)g_c2h_pad, pad };
	out->iov[n++] = (struct iovec){ req->buf, len };
	if (q->ddgst) {
		out->ddgst = srt_crc32c(req->buf, len);
		out->iov[n++] = (struct iovec){ &out->ddgst, SRT_TCP_DIGEST_LEN };
	}
	out->iovcnt = n;
	out->len = pdo + len + ddg;
	out->req = req;
	out->done = last_success ? out_done_free_req : NULL;
	srt_nvmf_send(q, out);
}

void srt_nvmf_req_complete(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;
	struct spdkrt_nvmf_tgt *tgt = q->tgt;
	uint32_t hlen = sizeof(req->rsp), dg = q->hdgst ? SRT_TCP_DIGEST_LEN : 0;
	bool ok = (req->cpl.status & 0xfffeu) == 0;
	uint32_t read_len = 0;

	atomic_fetch_add_explicit(&tgt->stat_commands, 1, memory_order_relaxed);
	if (!ok) {
		atomic_fetch_add_explicit(&tgt->stat_errors, 1, memory_order_relaxed);
		if (q->ctrlr != NULL)
			srt_nvmf_ctrlr_record_error(q->ctrlr, req);
	}
	if (q->closed) {
		srt_nvmf_req_free(req);
		return;
	}
	req->state = SRT_NVMF_REQ_SENDING;
	req->cpl.cid = req->cmd.cid;
	req->cpl.sqid = q->qid;
	req->cpl.sqhd = q->sqhd;
	if (ok && req->xfer_len > 0 && nvme_cmd_xfer(&req->cmd) == NVME_XFER_C2H)
		read_len = req->xfer_len;
	if (read_len > 0) {
		/* SUCCESS ends a read without a CapsuleResp; its status is implied. */
		bool success = tgt->opts.c2h_success && q->qid != 0;

		queue_c2h_data(req, read_len, success);
		if (success)
			return;
	}
	memset(&req->rsp, 0, sizeof(req->rsp));
	srt_tcp_ch_init(&req->rsp.ch, SRT_TCP_PDU_CAPSULE_RESP, hdr_flags(q), (uint8_t)hlen, 0,
			hlen + dg);
	req->rsp.rccqe = req->cpl;
	req->rsp_out.iovcnt = add_header(q, &req->rsp_out, &req->rsp, hlen);
	req->rsp_out.len = hlen + dg;
	req->rsp_out.req = req;
	req->rsp_out.done = out_done_free_req;
	srt_nvmf_send(q, &req->rsp_out);
}

void srt_nvmf_req_complete_status(struct srt_nvmf_req *req, uint8_t sct, uint8_t sc)
{
	req->cpl.status = (uint16_t)(SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_SCT, sct) |
				     SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_SC, sc));
	/* Only a transport hiccup is worth retrying. */
	if (!(sct == SPDKRT_NVME_SCT_GENERIC &&
	      (sc == SPDKRT_NVME_SC_SUCCESS || sc == SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR)))
		req->cpl.status |= (uint16_t)SPDKRT_NVME_SET(SPDKRT_NVME_STATUS_DNR, 1);
	srt_nvmf_req_complete(req);
}
