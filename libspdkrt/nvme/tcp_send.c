/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP host, sending: command ids, CapsuleCmd PDUs (in-capsule data up to the limit, else a
 * transport SGL data block answered by R2T), H2CData split at MAXH2CDATA, and a send queue
 * written with writev that resumes where a partial write stopped.
 */
#include <errno.h>
#include <string.h>

#include "nvme/fabrics.h"
#include "nvme/tcp.h"
#include "util/crc32c.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* iovecs gathered for one writev. */
#define SEND_IOV_MAX 64

void nvme_tcp_put_hdgst(uint8_t *hdr, uint32_t hlen)
{
	uint32_t crc = srt_crc32c(hdr, hlen);

	memcpy(hdr + hlen, &crc, sizeof(crc));
}

int nvme_tcp_data_slice(const struct nvme_tcp_req *treq, uint32_t off, uint32_t len,
			struct iovec *iov, int max)
{
	int n = 0;

	for (int i = 0; i < treq->iovcnt && len > 0 && n < max; i++) {
		size_t seg = treq->iov[i].iov_len;

		if (off >= seg) {
			off -= (uint32_t)seg;
			continue;
		}
		iov[n].iov_base = (uint8_t *)treq->iov[i].iov_base + off;
		iov[n].iov_len = seg - off < len ? seg - off : len;
		len -= (uint32_t)iov[n].iov_len;
		off = 0;
		n++;
	}
	return n;
}

static uint32_t data_digest(const struct nvme_tcp_req *treq, uint32_t off, uint32_t len)
{
	struct iovec iov[NVME_TCP_MAX_SGE];
	int n = nvme_tcp_data_slice(treq, off, len, iov, (int)NVME_TCP_MAX_SGE);

	return srt_crc32c_finish(srt_crc32c_update_iov(SRT_CRC32C_SEED, iov, n));
}

/* The iovecs of what is left to send of one PDU, at most max: header, data, data digest. The
 * data may have more pieces than max (up to NVME_TCP_MAX_SGE): the rest goes in a later writev. */
static int out_iov(const struct nvme_tcp_out *out, struct iovec *iov, int max)
{
	uint32_t pos = out->sent, data_end = out->hdr_len + out->data_len;
	int k = 0;

	if (pos < out->hdr_len) {
		iov[k].iov_base = (uint8_t *)(uintptr_t)out->hdr + pos;
		iov[k++].iov_len = out->hdr_len - pos;
		pos = out->hdr_len;
	}
	if (pos < data_end) {
		k += nvme_tcp_data_slice(out->treq, out->data_off + (pos - out->hdr_len),
					 data_end - pos, &iov[k], max - k);
		pos = data_end;
	}
	if (out->has_ddgst && k < max) {
		iov[k].iov_base = (uint8_t *)(uintptr_t)&out->ddgst + (pos - data_end);
		iov[k++].iov_len = SRT_TCP_DIGEST_LEN - (pos - data_end);
	}
	return k;
}

void nvme_tcp_send_queue(struct nvme_tcp_qpair *tq, struct nvme_tcp_out *out)
{
	out->sent = 0;
	out->queued = true;
	TAILQ_INSERT_TAIL(&tq->send_queue, out, link);
}

int nvme_tcp_flush(struct nvme_tcp_qpair *tq)
{
	while (!TAILQ_EMPTY(&tq->send_queue) && !tq->lost) {
		struct iovec iov[SEND_IOV_MAX];
		struct nvme_tcp_out *out;
		int n = 0;
		ssize_t w;

		TAILQ_FOREACH(out, &tq->send_queue, link) {
			if (n >= SEND_IOV_MAX - 1)
				break;
			n += out_iov(out, &iov[n], SEND_IOV_MAX - n);
		}
		w = srt_sock_writev(tq->sock, iov, n);
		if (w == -EAGAIN)
			return 0;
		if (w < 0) {
			nvme_tcp_qpair_lost(tq, "the socket refused a write");
			return (int)w;
		}
		while (w > 0 && (out = TAILQ_FIRST(&tq->send_queue)) != NULL) {
			uint32_t take = out->len - out->sent;

			if ((size_t)w < take)
				take = (uint32_t)w;
			out->sent += take;
			w -= take;
			if (out->sent == out->len) {
				TAILQ_REMOVE(&tq->send_queue, out, link);
				out->queued = false;
				if (out->sent_cb != NULL)
					out->sent_cb(out);
			}
		}
	}
	return tq->lost ? -ENXIO : 0;
}

static struct nvme_tcp_req *treq_get(struct nvme_tcp_qpair *tq)
{
	struct nvme_tcp_req *treq;

	if (tq->free_treq == tq->num_treqs)
		return NULL;
	treq = &tq->treqs[tq->free_treq];
	tq->free_treq = treq->next_free;
	return treq;
}

void nvme_tcp_treq_put(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq)
{
	treq->req = NULL;
	treq->next_free = (uint16_t)tq->free_treq;
	tq->free_treq = treq->cid;
}

/* The payload as iovecs (user memory: TCP needs no DMA addresses). */
static int fill_iov(struct nvme_tcp_req *treq, struct nvme_request *req)
{
	struct nvme_sge_iter it;
	uint32_t left = req->payload_size;
	int rc;

	treq->iovcnt = 0;
	if (left == 0)
		return 0;
	rc = nvme_sge_iter_init(&it, &req->payload, req->payload_offset);
	while (rc == 0 && left > 0) {
		void *va;
		uint32_t len;

		if (treq->iovcnt == (int)NVME_TCP_MAX_SGE)
			return -E2BIG;
		rc = nvme_sge_iter_next(&it, left, &va, &len);
		if (rc == 0) {
			treq->iov[treq->iovcnt].iov_base = va;
			treq->iov[treq->iovcnt++].iov_len = len;
			left -= len;
		}
	}
	return rc;
}

static uint8_t hdr_flags(const struct nvme_tcp_qpair *tq, bool data)
{
	return (uint8_t)((tq->hdgst ? SRT_TCP_FLAG_HDGSTF : 0) |
			 (tq->ddgst && data ? SRT_TCP_FLAG_DDGSTF : 0));
}

/* Where data starts in a PDU the host sends: after the header digest, at the CPDA alignment. */
static uint32_t data_pdo(const struct nvme_tcp_qpair *tq, uint32_t hlen)
{
	uint32_t align = (tq->cpda + 1) * 4, end = hlen + (tq->hdgst ? SRT_TCP_DIGEST_LEN : 0);

	return (end + align - 1) / align * align;
}

/* The rest of a PDU carrying [off, off + len) of its request's data: pdo and plen in the common
 * header (set up by the caller), the header digest, padding up to pdo, the data digest. */
static void build_out(struct nvme_tcp_qpair *tq, struct nvme_tcp_out *out, uint32_t hlen,
		      uint32_t off, uint32_t len)
{
	struct srt_tcp_ch *ch = (struct srt_tcp_ch *)(void *)out->hdr;
	uint32_t hd = tq->hdgst ? SRT_TCP_DIGEST_LEN : 0;

	out->hdr_len = len > 0 ? data_pdo(tq, hlen) : hlen + hd;
	out->data_off = off;
	out->data_len = len;
	out->has_ddgst = len > 0 && tq->ddgst;
	out->len = out->hdr_len + len + (out->has_ddgst ? SRT_TCP_DIGEST_LEN : 0);
	ch->pdo = len > 0 ? (uint8_t)out->hdr_len : 0;
	ch->plen = out->len;
	if (tq->hdgst)
		nvme_tcp_put_hdgst(out->hdr, hlen);
	if (out->hdr_len > hlen + hd)
		memset(out->hdr + hlen + hd, 0, out->hdr_len - hlen - hd);
	if (out->has_ddgst)
		out->ddgst = data_digest(out->treq, off, len);
}

int nvme_tcp_submit(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(qpair);
	struct srt_tcp_capsule_cmd *pdu;
	struct spdkrt_nvme_sgl_descriptor *sgl;
	struct nvme_tcp_req *treq;
	uint32_t hlen = sizeof(*pdu), icd_len;
	int rc;

	if (tq->lost)
		return -ENXIO;
	treq = treq_get(tq);
	if (treq == NULL)
		return -EAGAIN;
	rc = fill_iov(treq, req);
	if (rc != 0) {
		nvme_tcp_treq_put(tq, treq);
		SRT_ERR("nvme %s: queue %u: cannot describe the data of opcode 0x%02x (%d: more "
			"than %u segments?)",
			qpair->ctrlr->trid.traddr, qpair->id, req->cmd.opc, rc, NVME_TCP_MAX_SGE);
		return rc == -E2BIG ? -EINVAL : rc;
	}
	treq->req = req;
	treq->data_len = req->payload_size;
	treq->xfer = treq->data_len == 0 ? NVME_XFER_NONE : nvme_cmd_xfer(&req->cmd);
	treq->icd = treq->xfer == NVME_XFER_H2C &&
		    (treq->data_len <= tq->icd_max || req->cmd.opc == SPDKRT_NVME_OPC_FABRIC);
	treq->r2t_active = false;
	treq->h2c_queued = 0;
	treq->c2h_received = 0;
	req->cid = treq->cid;
	req->cmd.cid = treq->cid;
	/* NVMe/TCP describes data with one SGL descriptor, never PRPs. */
	req->cmd.flags = (uint8_t)((req->cmd.flags &
				    ~(SPDKRT_NVME_CMD_PSDT_MASK << SPDKRT_NVME_CMD_PSDT_SHIFT)) |
				   SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG << SPDKRT_NVME_CMD_PSDT_SHIFT);
	sgl = &req->cmd.dptr.sgl1;
	memset(sgl, 0, sizeof(*sgl));
	sgl->length = treq->data_len;
	sgl->id = treq->icd ? SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_DATA_BLOCK,
						 SPDKRT_NVME_SGL_SUBTYPE_OFFSET) :
			      SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
						 SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT);
	icd_len = treq->icd ? treq->data_len : 0;
	pdu = (struct srt_tcp_capsule_cmd *)(void *)treq->capsule.hdr;
	srt_tcp_ch_init(&pdu->ch, SRT_TCP_PDU_CAPSULE_CMD, hdr_flags(tq, icd_len > 0),
			(uint8_t)hlen, 0, 0);
	pdu->ccsqe = req->cmd;
	build_out(tq, &treq->capsule, hlen, 0, icd_len);
	/* Sent by the next process call, with everything else submitted until then: one
	 * writev for a batch (a doorbell per command would be a system call per command). */
	nvme_tcp_send_queue(tq, &treq->capsule);
	return 0;
}

static void h2c_sent(struct nvme_tcp_out *out);

static void queue_next_h2c(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq)
{
	struct srt_tcp_data_hdr *h = (struct srt_tcp_data_hdr *)(void *)treq->h2c.hdr;
	uint32_t hlen = sizeof(*h);
	uint32_t off = treq->h2c_queued, len = treq->r2t_end - off;
	bool last;

	if (len > tq->maxh2cdata)
		len = tq->maxh2cdata;
	last = off + len == treq->r2t_end;
	srt_tcp_ch_init(&h->ch, SRT_TCP_PDU_H2C_DATA,
			(uint8_t)(hdr_flags(tq, true) | (last ? SRT_TCP_FLAG_LAST_PDU : 0)),
			(uint8_t)hlen, 0, 0);
	h->cccid = treq->cid;
	h->ttag = treq->ttag;
	h->datao = off;
	h->datal = len;
	h->rsvd = 0;
	build_out(tq, &treq->h2c, hlen, off, len);
	treq->h2c.sent_cb = h2c_sent;
	treq->h2c_queued = off + len;
	nvme_tcp_send_queue(tq, &treq->h2c);
}

/* One H2CData PDU is out: the next one reuses its header (one R2T at a time: MAXR2T 0). */
static void h2c_sent(struct nvme_tcp_out *out)
{
	struct nvme_tcp_req *treq = out->treq;
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(treq->req->qpair);

	if (treq->h2c_queued < treq->r2t_end)
		queue_next_h2c(tq, treq);
	else
		treq->r2t_active = false;
}

void nvme_tcp_start_h2c(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq, uint16_t ttag,
			uint32_t r2to, uint32_t r2tl)
{
	treq->r2t_active = true;
	treq->ttag = ttag;
	treq->h2c_queued = r2to;
	treq->r2t_end = r2to + r2tl;
	queue_next_h2c(tq, treq);
}
