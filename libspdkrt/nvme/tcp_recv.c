/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP host, receiving: bytes from the socket go through a staging buffer into a PDU state
 * machine (common header, rest of the header and its digest, padding, data, data digest), so
 * any split of the stream into recv calls works. Data still to come of a C2HData PDU is
 * received straight into the request's buffer, with the staging buffer after it for what
 * follows, so large reads are not copied (a data digest is computed over the destination). Every
 * field a target sends is checked before it is used: a bad PDU ends the connection, never the
 * process.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "nvme/fabrics.h"
#include "nvme/tcp.h"
#include "util/crc32c.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static void protocol_error(struct nvme_tcp_qpair *tq, const char *what)
{
	SRT_ERR("nvme %s: queue %u: protocol error from the target: %s",
		tq->qpair.ctrlr->trid.traddr, tq->qpair.id, what);
	nvme_tcp_qpair_lost(tq, "protocol error");
}

static struct nvme_tcp_req *find_treq(struct nvme_tcp_qpair *tq, uint16_t cid)
{
	if (cid >= tq->num_treqs || tq->treqs[cid].req == NULL)
		return NULL;
	return &tq->treqs[cid];
}

static void expect_header(struct nvme_tcp_qpair *tq)
{
	tq->rstate = NVME_TCP_RECV_CH;
	tq->hdr_got = 0;
	tq->data_treq = NULL;
}

/* Completes a command: its id is free again before the callback (which may submit). */
static void complete(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *treq,
		     const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_request *req = treq->req;
	struct spdkrt_nvme_cpl c = *cpl;

	if (treq->capsule.queued || treq->h2c.queued) {
		protocol_error(tq, "a completion for a command whose PDUs are still being sent");
		return;
	}
	c.sqid = tq->qpair.id;
	nvme_tcp_treq_put(tq, treq);
	tq->completed++;
	nvme_tcp_finish_req(tq, req, &c);
}

static void handle_capsule_resp(struct nvme_tcp_qpair *tq)
{
	struct spdkrt_nvme_cpl cpl;
	struct nvme_tcp_req *treq;

	memcpy(&cpl, tq->hdr + offsetof(struct srt_tcp_capsule_resp, rccqe), sizeof(cpl));
	treq = find_treq(tq, cpl.cid);
	if (treq == NULL) {
		protocol_error(tq, "CapsuleResp for a command id that is not outstanding");
		return;
	}
	expect_header(tq);
	complete(tq, treq, &cpl);
}

static void handle_c2h_data(struct nvme_tcp_qpair *tq)
{
	const struct srt_tcp_data_hdr *h = (const void *)tq->hdr;
	struct nvme_tcp_req *treq = find_treq(tq, h->cccid);

	if (treq == NULL || treq->xfer != NVME_XFER_C2H) {
		protocol_error(tq,
			       "C2HData for a command that reads nothing or is not outstanding");
		return;
	}
	if (h->datal != tq->layout.data_len || h->datao != treq->c2h_received ||
	    h->datal > treq->data_len - treq->c2h_received) {
		protocol_error(tq, "C2HData offset or length outside the command's buffer");
		return;
	}
	if ((h->ch.flags & SRT_TCP_FLAG_SUCCESS) != 0 &&
	    (h->ch.flags & SRT_TCP_FLAG_LAST_PDU) == 0) {
		protocol_error(tq, "C2HData with SUCCESS but without LAST_PDU");
		return;
	}
	/* SUCCESS stands for the CapsuleResp: a read that ends short would complete with data
	 * the target never sent. */
	if ((h->ch.flags & SRT_TCP_FLAG_SUCCESS) != 0 &&
	    treq->c2h_received + h->datal != treq->data_len) {
		protocol_error(tq, "C2HData with SUCCESS before all of the command's data");
		return;
	}
	tq->data_treq = treq;
	tq->data_pos = h->datao;
	tq->data_left = h->datal;
	tq->crc = SRT_CRC32C_SEED;
	tq->skip_left = tq->layout.data_off - tq->layout.hdr_len;
	tq->rstate = tq->skip_left > 0 ? NVME_TCP_RECV_PAD : NVME_TCP_RECV_DATA;
}

/* The last byte (and digest) of a C2HData PDU arrived. */
static void c2h_data_done(struct nvme_tcp_qpair *tq)
{
	const struct srt_tcp_data_hdr *h = (const void *)tq->hdr;
	struct nvme_tcp_req *treq = tq->data_treq;

	treq->c2h_received += h->datal;
	expect_header(tq);
	if ((h->ch.flags & SRT_TCP_FLAG_SUCCESS) != 0) {
		/* No CapsuleResp follows: the command succeeded with this PDU. */
		struct spdkrt_nvme_cpl cpl = { .cid = treq->cid };

		complete(tq, treq, &cpl);
	}
}

static void handle_r2t(struct nvme_tcp_qpair *tq)
{
	const struct srt_tcp_r2t *r = (const void *)tq->hdr;
	struct nvme_tcp_req *treq = find_treq(tq, r->cccid);

	if (treq == NULL || treq->xfer != NVME_XFER_H2C || treq->icd) {
		protocol_error(tq, "R2T for a command with no data to send or not outstanding");
		return;
	}
	/* MAXR2T 0: one R2T at a time, and data goes in order. */
	if (treq->r2t_active || r->r2to != treq->h2c_queued || r->r2tl == 0 ||
	    r->r2tl > treq->data_len - r->r2to) {
		protocol_error(tq, "R2T out of order, overlapping one in progress, or beyond the "
				   "data length");
		return;
	}
	expect_header(tq);
	nvme_tcp_start_h2c(tq, treq, r->ttag, r->r2to, r->r2tl);
}

static void header_done(struct nvme_tcp_qpair *tq)
{
	const struct srt_tcp_ch *ch = (const void *)tq->hdr;

	if (tq->hdgst && ch->pdu_type != SRT_TCP_PDU_C2H_TERM_REQ) {
		uint32_t want, got = srt_crc32c(tq->hdr, ch->hlen);

		memcpy(&want, tq->hdr + ch->hlen, sizeof(want));
		if (want != got) {
			protocol_error(tq, "header digest mismatch");
			return;
		}
	}
	switch (ch->pdu_type) {
	case SRT_TCP_PDU_CAPSULE_RESP:
		handle_capsule_resp(tq);
		break;
	case SRT_TCP_PDU_C2H_DATA:
		handle_c2h_data(tq);
		break;
	case SRT_TCP_PDU_R2T:
		handle_r2t(tq);
		break;
	case SRT_TCP_PDU_C2H_TERM_REQ: {
		const struct srt_tcp_term_req *t = (const void *)tq->hdr;

		SRT_ERR("nvme %s: queue %u: the target ended the connection (C2HTermReq fes %u "
			"fei %u)",
			tq->qpair.ctrlr->trid.traddr, tq->qpair.id, t->fes, t->fei);
		nvme_tcp_qpair_lost(tq, "C2HTermReq");
		break;
	}
	default:
		protocol_error(tq, "unexpected PDU type");
		break;
	}
}

static void check_ch(struct nvme_tcp_qpair *tq)
{
	const struct srt_tcp_ch *ch = (const void *)tq->hdr;
	struct srt_tcp_pdu_limits limits = {
		.ic_done = true,
		.hdgst = tq->hdgst,
		.ddgst = tq->ddgst,
		.max_data = NVME_TCP_MAX_XFER,
	};
	uint32_t fei;
	int fes = srt_tcp_pdu_check_c2h(ch, &limits, &tq->layout, &fei);

	if (fes != 0) {
		SRT_ERR("nvme %s: queue %u: bad %s header from the target (fes %d at byte %u: "
			"hlen %u pdo %u plen %u)",
			tq->qpair.ctrlr->trid.traddr, tq->qpair.id,
			srt_tcp_pdu_type_name(ch->pdu_type), fes, fei, ch->hlen, ch->pdo, ch->plen);
		nvme_tcp_qpair_lost(tq, "malformed PDU");
		return;
	}
	tq->rstate = NVME_TCP_RECV_HDR;
}

/* Copies received data into the request's iovecs at the current position. */
static void copy_data(struct nvme_tcp_qpair *tq, const uint8_t *src, uint32_t len)
{
	struct iovec iov[NVME_TCP_MAX_SGE];
	int n = nvme_tcp_data_slice(tq->data_treq, tq->data_pos, len, iov, (int)NVME_TCP_MAX_SGE);

	if (tq->ddgst)
		tq->crc = srt_crc32c_update(tq->crc, src, len);
	tq->data_pos += len;
	tq->data_left -= len;
	for (int i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, src, iov[i].iov_len);
		src += iov[i].iov_len;
	}
}

static void data_done(struct nvme_tcp_qpair *tq)
{
	if (tq->layout.ddgst) {
		tq->rstate = NVME_TCP_RECV_DDGST;
		tq->ddgst_got = 0;
		return;
	}
	c2h_data_done(tq);
}

/* Handles what the staging buffer holds; stops at the first incomplete piece. */
static void consume(struct nvme_tcp_qpair *tq)
{
	while (tq->rhead < tq->rtail && !tq->lost) {
		uint32_t avail = tq->rtail - tq->rhead, n;
		const uint8_t *p = tq->rbuf + tq->rhead;

		switch (tq->rstate) {
		case NVME_TCP_RECV_CH:
		case NVME_TCP_RECV_HDR: {
			uint32_t want = tq->rstate == NVME_TCP_RECV_CH ? sizeof(struct srt_tcp_ch) :
									 tq->layout.hdr_len;

			n = want - tq->hdr_got < avail ? want - tq->hdr_got : avail;
			memcpy(tq->hdr + tq->hdr_got, p, n);
			tq->hdr_got += n;
			tq->rhead += n;
			if (tq->hdr_got < want)
				break;
			if (tq->rstate == NVME_TCP_RECV_CH) {
				check_ch(tq);
				if (!tq->lost && tq->hdr_got == tq->layout.hdr_len)
					header_done(tq);
			} else {
				header_done(tq);
			}
			break;
		}
		case NVME_TCP_RECV_PAD:
			n = tq->skip_left < avail ? tq->skip_left : avail;
			tq->skip_left -= n;
			tq->rhead += n;
			if (tq->skip_left == 0)
				tq->rstate = NVME_TCP_RECV_DATA;
			break;
		case NVME_TCP_RECV_DATA:
			n = tq->data_left < avail ? tq->data_left : avail;
			copy_data(tq, p, n);
			tq->rhead += n;
			if (tq->data_left == 0)
				data_done(tq);
			break;
		case NVME_TCP_RECV_DDGST:
			n = SRT_TCP_DIGEST_LEN - tq->ddgst_got < avail ?
				    SRT_TCP_DIGEST_LEN - tq->ddgst_got :
				    avail;
			memcpy(tq->ddgst_buf + tq->ddgst_got, p, n);
			tq->ddgst_got += n;
			tq->rhead += n;
			if (tq->ddgst_got == SRT_TCP_DIGEST_LEN) {
				uint32_t want;

				memcpy(&want, tq->ddgst_buf, sizeof(want));
				if (want != srt_crc32c_finish(tq->crc))
					protocol_error(tq, "data digest mismatch");
				else
					c2h_data_done(tq);
			}
			break;
		}
	}
}

/*
 * One receive. When the current C2HData PDU has data still to come, the iovecs are that part of
 * the request's buffer then the staging buffer, and what landed in the buffer is accounted here
 * (its digest computed over the destination); else the staging buffer alone. Returns what
 * srt_sock_readv does; the staging buffer then holds rtail bytes for consume().
 */
static ssize_t receive(struct nvme_tcp_qpair *tq)
{
	struct iovec iov[NVME_TCP_MAX_SGE + 1];
	uint32_t direct = 0;
	ssize_t n;
	int k = 0;

	/* consume() takes all it is given: the staging buffer starts empty each time. */
	tq->rhead = tq->rtail = 0;
	if (tq->rstate == NVME_TCP_RECV_DATA && tq->data_left > 0) {
		k = nvme_tcp_data_slice(tq->data_treq, tq->data_pos, tq->data_left, iov,
					(int)NVME_TCP_MAX_SGE);
		for (int i = 0; i < k; i++)
			direct += (uint32_t)iov[i].iov_len;
	}
	iov[k].iov_base = tq->rbuf;
	iov[k++].iov_len = NVME_TCP_RBUF_SIZE;
	n = srt_sock_readv(tq->sock, iov, k);
	if (n <= 0)
		return n;
	if (direct > (size_t)n)
		direct = (uint32_t)n;
	if (direct > 0) {
		if (tq->ddgst) {
			k = nvme_tcp_data_slice(tq->data_treq, tq->data_pos, direct, iov,
						(int)NVME_TCP_MAX_SGE);
			tq->crc = srt_crc32c_update_iov(tq->crc, iov, k);
		}
		tq->data_pos += direct;
		tq->data_left -= direct;
		if (tq->data_left == 0)
			data_done(tq);
	}
	tq->rtail = (uint32_t)n - direct;
	return n;
}

int32_t nvme_tcp_process(struct spdkrt_nvme_qpair *qpair, uint32_t max)
{
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(qpair);
	int32_t done;

	if (tq->processing)
		return 0; /* from a callback of this connection: the outer call goes on */
	/* At most a queue's worth per call, as over PCIe: when the callbacks submit again and the
	 * target answers as fast, "all there are" never runs out, and the caller's other pollers
	 * (a run's end timer) would never run again. */
	if (max == 0 || max > tq->num_treqs)
		max = tq->num_treqs;
	tq->processing = true;
	tq->completed = 0;
	nvme_tcp_flush(tq);
	while (!tq->lost && tq->completed < max) {
		ssize_t n = receive(tq);

		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			nvme_tcp_qpair_lost(tq, n == -ECONNRESET ?
							"the target closed the connection" :
							"receive failed");
			break;
		}
		consume(tq);
		nvme_tcp_flush(tq);
	}
	done = (int32_t)tq->completed;
	tq->processing = false;
	if (tq->lost) {
		nvme_tcp_fail_all(tq);
		return -ENXIO;
	}
	return done;
}
