/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One NVMe/TCP connection (a queue pair) on the target: the receive state machine (common
 * header, rest of the header and its digest, then the data segment: padding, data, digest),
 * ICReq, capsules with in-capsule data, H2CData against the R2T it answers, and the end of a
 * connection, orderly or not. Nothing a host sends is trusted before it is checked: a framing
 * error gets a C2HTermReq and the connection ends; a bad command gets an error completion.
 */
#define SRT_LOG_COMPONENT "nvmf"
#include "nvmf/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crc32c.h"
#include "util/log.h"

/* Bytes read from the socket at once: many small capsules in one recv at high queue depth. */
#define QPAIR_RBUF_SIZE (64u * 1024)
/* Receive rounds per readable event, so one busy connection cannot starve the others. */
#define QPAIR_RECV_ROUNDS 8

static void on_readable(void *ctx, struct srt_sock *sock)
{
	(void)sock;
	srt_nvmf_qpair_recv(ctx);
}

int srt_nvmf_qpair_create(struct srt_nvmf_pgroup *group, struct srt_sock *sock, uint16_t portid)
{
	struct spdkrt_nvmf_tgt *tgt = group->tgt;
	struct srt_nvmf_qpair *q;
	char addr[SRT_SOCK_ADDR_LEN];
	unsigned port = 0;
	uint32_t n;
	int rc;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	n = tgt->opts.max_queue_depth > tgt->opts.max_admin_queue_depth ?
		    tgt->opts.max_queue_depth :
		    tgt->opts.max_admin_queue_depth;
	q->rbuf = malloc(QPAIR_RBUF_SIZE);
	q->reqs = calloc(n, sizeof(*q->reqs));
	if (q->rbuf == NULL || q->reqs == NULL) {
		free(q->rbuf);
		free(q->reqs);
		free(q);
		return -ENOMEM;
	}
	q->group = group;
	q->tgt = tgt;
	q->sock = sock;
	q->portid = portid;
	q->accepted_at = spdkrt_get_ticks();
	q->num_reqs = n;
	q->sq_entries = tgt->opts.max_admin_queue_depth;
	TAILQ_INIT(&q->free_reqs);
	TAILQ_INIT(&q->sendq);
	for (uint32_t i = 0; i < n; i++) {
		q->reqs[i].qpair = q;
		TAILQ_INSERT_TAIL(&q->free_reqs, &q->reqs[i], link);
	}
	if (srt_sock_get_peer(sock, addr, sizeof(addr), &port) == 0)
		snprintf(q->peer, sizeof(q->peer), "%s:%u", addr, port);
	else
		snprintf(q->peer, sizeof(q->peer), "?");
	rc = srt_sock_group_add(group->sock_group, sock, on_readable, q);
	if (rc != 0) {
		free(q->rbuf);
		free(q->reqs);
		free(q);
		return rc;
	}
	TAILQ_INSERT_TAIL(&group->qpairs, q, link);
	atomic_fetch_add(&tgt->stat_open, 1);
	SRT_INFO("connection from %s on thread %s", q->peer, spdkrt_thread_get_name(group->thread));
	return 0;
}

/* Stop reading: a fatal error was found or the connection is ending. */
static void stop_receiving(struct srt_nvmf_qpair *q)
{
	q->recv_state = SRT_NVMF_RECV_STOPPED;
	if (q->sock != NULL)
		srt_sock_group_remove(q->group->sock_group, q->sock);
}

void srt_nvmf_qpair_fatal(struct srt_nvmf_qpair *q, enum srt_tcp_fes fes, uint32_t fei)
{
	struct srt_tcp_ch *ch = (struct srt_tcp_ch *)q->hdr;
	uint32_t echo = q->hdr_got < SRT_TCP_TERM_REQ_MAX_DATA ? q->hdr_got :
								 SRT_TCP_TERM_REQ_MAX_DATA;

	if (q->recv_state == SRT_NVMF_RECV_STOPPED)
		return;
	SRT_ERR("%s: protocol error in %s PDU (type 0x%02x): fatal error status %u, field offset %u;"
		" ending the connection",
		q->peer, srt_tcp_pdu_type_name(ch->pdu_type), ch->pdu_type, (unsigned)fes, fei);
	atomic_fetch_add(&q->tgt->stat_protocol_errors, 1);
	stop_receiving(q);
	memset(&q->term, 0, sizeof(q->term));
	srt_tcp_ch_init(&q->term.ch, SRT_TCP_PDU_C2H_TERM_REQ, 0, sizeof(q->term), 0,
			(uint32_t)sizeof(q->term) + echo);
	q->term.fes = (uint16_t)fes;
	q->term.fei = fei;
	/* The data of a TermReq is the header that caused it. */
	memcpy(q->term_data, q->hdr, echo);
	q->term_out.iov[0] = (struct iovec){ &q->term, sizeof(q->term) };
	q->term_out.iov[1] = (struct iovec){ q->term_data, echo };
	q->term_out.iovcnt = echo > 0 ? 2 : 1;
	q->term_out.len = sizeof(q->term) + echo;
	q->term_out.done = NULL;
	srt_nvmf_send(q, &q->term_out);
	q->closing = true;
}

void srt_nvmf_qpair_disconnect(struct srt_nvmf_qpair *q, const char *why)
{
	struct srt_nvmf_out *out;

	if (q->closed)
		return;
	SRT_INFO("%s: connection ends: %s", q->peer, why);
	stop_receiving(q);
	q->closing = true;
	q->closed = true;
	srt_sock_close(&q->sock);
	/* Whatever was still to be sent is dropped; its owners are told. */
	while ((out = TAILQ_FIRST(&q->sendq)) != NULL) {
		TAILQ_REMOVE(&q->sendq, out, link);
		if (out->done != NULL)
			out->done(out);
	}
}

static void reset_header(struct srt_nvmf_qpair *q)
{
	q->recv_state = SRT_NVMF_RECV_HEADER;
	q->hdr_got = 0;
	q->data_req = NULL;
	q->data_dst = NULL;
}

static void handle_icreq(struct srt_nvmf_qpair *q)
{
	const struct srt_tcp_ic_req *req = (const struct srt_tcp_ic_req *)q->hdr;
	struct spdkrt_nvmf_tgt *tgt = q->tgt;
	uint32_t max_data;

	if (req->pfv != 0) {
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_INVALID_HEADER_FIELD,
				     offsetof(struct srt_tcp_ic_req, pfv));
		return;
	}
	if (req->hpda > 31) {
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_INVALID_HEADER_FIELD,
				     offsetof(struct srt_tcp_ic_req, hpda));
		return;
	}
	/* C2HData data then starts at a multiple of (HPDA + 1) dwords (tcp_send.c pads). */
	q->hpda = req->hpda;
	q->hdgst = (req->dgst & SRT_TCP_DGST_HDGST) != 0;
	q->ddgst = (req->dgst & SRT_TCP_DGST_DDGST) != 0;
	SRT_DEBUG("%s: ICReq maxr2t %u, hpda %u, header digest %d, data digest %d", q->peer,
		  req->maxr2t, req->hpda, q->hdgst, q->ddgst);
	max_data = tgt->opts.max_io_size;
	if (tgt->opts.in_capsule_data_size > max_data)
		max_data = tgt->opts.in_capsule_data_size;
	if (SRT_NVMF_ADMIN_ICD_SIZE > max_data)
		max_data = SRT_NVMF_ADMIN_ICD_SIZE;
	q->limits = (struct srt_tcp_pdu_limits){
		.ic_done = true, .hdgst = q->hdgst, .ddgst = q->ddgst, .max_data = max_data
	};
	q->ic_done = true;
	memset(&q->ic_resp, 0, sizeof(q->ic_resp));
	srt_tcp_ch_init(&q->ic_resp.ch, SRT_TCP_PDU_ICRESP, 0, sizeof(q->ic_resp), 0,
			sizeof(q->ic_resp));
	q->ic_resp.pfv = 0;
	q->ic_resp.cpda = 0;
	/* Digests as asked: a Linux host rejects an ICResp whose digest bits differ. */
	q->ic_resp.dgst = req->dgst & (SRT_TCP_DGST_HDGST | SRT_TCP_DGST_DDGST);
	q->ic_resp.maxh2cdata = tgt->opts.max_io_size;
	q->ic_out.iov[0] = (struct iovec){ &q->ic_resp, sizeof(q->ic_resp) };
	q->ic_out.iovcnt = 1;
	q->ic_out.len = sizeof(q->ic_resp);
	q->ic_out.done = NULL;
	srt_nvmf_send(q, &q->ic_out);
}

static uint32_t icd_limit(const struct srt_nvmf_qpair *q)
{
	return q->ctrlr == NULL || q->qid == 0 ? SRT_NVMF_ADMIN_ICD_SIZE :
						 q->tgt->opts.in_capsule_data_size;
}

/* A capsule without in-capsule data: ask for write data, or run the command. */
static void start_without_icd(struct srt_nvmf_req *req)
{
	struct srt_nvmf_qpair *q = req->qpair;
	const struct spdkrt_nvme_sgl_descriptor *sgl = &req->cmd.dptr.sgl1;
	unsigned xfer = nvme_cmd_xfer(&req->cmd);

	req->xfer_len = 0;
	if (xfer == NVME_XFER_H2C && sgl->length > 0) {
		if (sgl->id != SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK,
						  SPDKRT_NVME_SGL_SUBTYPE_TRANSPORT)) {
			SRT_ERR("%s: write without in-capsule data needs a transport SGL, got 0x%02x",
				q->peer, sgl->id);
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
			return;
		}
		if (sgl->length > q->tgt->opts.max_io_size) {
			SRT_ERR("%s: transfer of %u bytes exceeds the %u-byte maximum", q->peer,
				sgl->length, q->tgt->opts.max_io_size);
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID);
			return;
		}
		if (srt_nvmf_req_buf_reserve(req, sgl->length) != 0) {
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
			return;
		}
		req->xfer_len = sgl->length;
		req->h2c_received = 0;
		req->state = SRT_NVMF_REQ_NEED_DATA;
		srt_nvmf_send_r2t(req);
		return;
	}
	if (xfer == NVME_XFER_C2H && sgl->length > 0) {
		if (sgl->length > q->tgt->opts.max_io_size) {
			SRT_ERR("%s: transfer of %u bytes exceeds the %u-byte maximum", q->peer,
				sgl->length, q->tgt->opts.max_io_size);
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID);
			return;
		}
		if (srt_nvmf_req_buf_reserve(req, sgl->length) != 0) {
			srt_nvmf_req_complete_status(req, SPDKRT_NVME_SCT_GENERIC,
						     SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
			return;
		}
		req->xfer_len = sgl->length;
	}
	srt_nvmf_req_execute(req);
}

static void handle_capsule(struct srt_nvmf_qpair *q)
{
	const struct srt_tcp_capsule_cmd *pdu = (const struct srt_tcp_capsule_cmd *)q->hdr;
	const struct spdkrt_nvme_sgl_descriptor *sgl;
	struct srt_nvmf_req *req = TAILQ_FIRST(&q->free_reqs);
	uint32_t data_len = q->layout.data_len;

	if (req == NULL || q->reqs_in_use >= q->sq_entries) {
		SRT_ERR("%s: more commands outstanding than the %u queue entries", q->peer,
			q->sq_entries);
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_PDU_SEQUENCE_ERROR, 0);
		return;
	}
	TAILQ_REMOVE(&q->free_reqs, req, link);
	q->reqs_in_use++;
	memcpy(&req->cmd, &pdu->ccsqe, sizeof(req->cmd));
	memset(&req->cpl, 0, sizeof(req->cpl));
	req->state = SRT_NVMF_REQ_EXECUTING;
	req->deferred_status = 0;
	req->aborted = false;
	req->io_waiting = false;
	req->xfer_len = 0;
	req->h2c_received = 0;
	req->pg_ns = NULL;
	q->sqhd = (uint16_t)((q->sqhd + 1) % q->sq_entries);
	if (data_len == 0) {
		start_without_icd(req);
		return;
	}
	/* In-capsule data: an offset data block descriptor of exactly the data's length. */
	sgl = &req->cmd.dptr.sgl1;
	q->data_req = req;
	q->data_dst = NULL;
	if (sgl->id !=
	    SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_DATA_BLOCK, SPDKRT_NVME_SGL_SUBTYPE_OFFSET)) {
		SRT_ERR("%s: in-capsule data with SGL type 0x%02x", q->peer, sgl->id);
		req->deferred_status = SPDKRT_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID;
	} else if (sgl->address != 0) {
		SRT_ERR("%s: in-capsule data at offset %lu (ICDOFF is 0)", q->peer,
			(unsigned long)sgl->address);
		req->deferred_status = SPDKRT_NVME_SC_INVALID_SGL_OFFSET;
	} else if (sgl->length != data_len || data_len > icd_limit(q)) {
		SRT_ERR("%s: in-capsule data of %u bytes, SGL length %u, limit %u", q->peer,
			data_len, sgl->length, icd_limit(q));
		req->deferred_status = SPDKRT_NVME_SC_DATA_SGL_LENGTH_INVALID;
	} else if (srt_nvmf_req_buf_reserve(req, data_len) != 0) {
		req->deferred_status = SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR;
	} else {
		q->data_dst = req->buf;
		req->xfer_len = data_len;
	}
}

static void handle_h2c_data(struct srt_nvmf_qpair *q)
{
	const struct srt_tcp_data_hdr *h = (const struct srt_tcp_data_hdr *)q->hdr;
	struct srt_nvmf_req *req;

	if (h->ttag >= q->num_reqs) {
		SRT_ERR("%s: H2CData with unknown transfer tag %u", q->peer, h->ttag);
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_INVALID_HEADER_FIELD,
				     offsetof(struct srt_tcp_data_hdr, ttag));
		return;
	}
	req = &q->reqs[h->ttag];
	if (req->state != SRT_NVMF_REQ_NEED_DATA || req->cmd.cid != h->cccid) {
		SRT_ERR("%s: H2CData for command %u, tag %u, that asked for no data", q->peer,
			h->cccid, h->ttag);
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_INVALID_HEADER_FIELD,
				     offsetof(struct srt_tcp_data_hdr, cccid));
		return;
	}
	if (h->datal != q->layout.data_len) {
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_INVALID_HEADER_FIELD,
				     offsetof(struct srt_tcp_data_hdr, datal));
		return;
	}
	/* Data comes in order and inside what the R2T asked for. */
	if (h->datao != req->h2c_received || h->datal > req->xfer_len - req->h2c_received) {
		SRT_ERR("%s: H2CData offset %u length %u outside the %u-byte transfer (at %u)",
			q->peer, h->datao, h->datal, req->xfer_len, req->h2c_received);
		srt_nvmf_qpair_fatal(q, SRT_TCP_FES_DATA_OUT_OF_RANGE,
				     offsetof(struct srt_tcp_data_hdr, datao));
		return;
	}
	q->data_req = req;
	q->data_dst = req->buf + h->datao;
}

static void header_done(struct srt_nvmf_qpair *q)
{
	const struct srt_tcp_ch *ch = (const struct srt_tcp_ch *)q->hdr;

	if (q->layout.hdr_len > ch->hlen) {
		uint32_t want, got = srt_crc32c(q->hdr, ch->hlen);

		memcpy(&want, q->hdr + ch->hlen, sizeof(want));
		if (want != got) {
			SRT_ERR("%s: header digest 0x%08x, computed 0x%08x", q->peer, want, got);
			srt_nvmf_qpair_fatal(q, SRT_TCP_FES_HDGST_ERROR, 0);
			return;
		}
	}
	switch (ch->pdu_type) {
	case SRT_TCP_PDU_ICREQ:
		handle_icreq(q);
		break;
	case SRT_TCP_PDU_H2C_TERM_REQ: {
		const struct srt_tcp_term_req *t = (const struct srt_tcp_term_req *)q->hdr;

		SRT_ERR("%s: host ended the connection with H2CTermReq, fatal error status %u, "
			"field offset %u",
			q->peer, t->fes, t->fei);
		atomic_fetch_add(&q->tgt->stat_protocol_errors, 1);
		srt_nvmf_qpair_disconnect(q, "H2CTermReq");
		return;
	}
	case SRT_TCP_PDU_CAPSULE_CMD:
		handle_capsule(q);
		break;
	case SRT_TCP_PDU_H2C_DATA:
		handle_h2c_data(q);
		break;
	default:
		break;
	}
	if (q->recv_state == SRT_NVMF_RECV_STOPPED)
		return;
	if (q->layout.data_len > 0) {
		q->recv_state = SRT_NVMF_RECV_DATA;
		q->data_got = 0;
		q->data_crc = SRT_CRC32C_SEED;
	} else {
		reset_header(q);
	}
}

/* The whole data segment of a CapsuleCmd or H2CData is in. */
static void data_done(struct srt_nvmf_qpair *q)
{
	const struct srt_tcp_ch *ch = (const struct srt_tcp_ch *)q->hdr;
	struct srt_nvmf_req *req = q->data_req;

	reset_header(q);
	if (q->layout.ddgst) {
		uint32_t want, got = srt_crc32c_finish(q->data_crc);

		memcpy(&want, q->ddgst_recv, sizeof(want));
		if (want != got && req != NULL) {
			SRT_ERR("%s: data digest 0x%08x, computed 0x%08x: command %u fails",
				q->peer, want, got, req->cmd.cid);
			req->deferred_status = SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR;
		}
	}
	if (req == NULL)
		return;
	if (ch->pdu_type == SRT_TCP_PDU_H2C_DATA) {
		req->h2c_received += q->layout.data_len;
		if (req->h2c_received < req->xfer_len)
			return;
		req->state = SRT_NVMF_REQ_EXECUTING;
	}
	srt_nvmf_req_execute(req);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Take bytes of the data segment: padding up to pdo, the data, its digest. */
static uint32_t consume_data(struct srt_nvmf_qpair *q, const uint8_t *p, uint32_t avail)
{
	uint32_t pad = q->layout.data_off - q->layout.hdr_len;
	uint32_t data_end = pad + q->layout.data_len;
	uint32_t n;

	if (q->data_got < pad) {
		n = min_u32(pad - q->data_got, avail);
	} else if (q->data_got < data_end) {
		n = min_u32(data_end - q->data_got, avail);
		if (q->data_dst != NULL)
			memcpy(q->data_dst + (q->data_got - pad), p, n);
		if (q->layout.ddgst)
			q->data_crc = srt_crc32c_update(q->data_crc, p, n);
	} else {
		uint32_t at = q->data_got - data_end;

		n = min_u32(SRT_TCP_DIGEST_LEN - at, avail);
		memcpy(q->ddgst_recv + at, p, n);
	}
	q->data_got += n;
	if (q->data_got == data_end + (q->layout.ddgst ? SRT_TCP_DIGEST_LEN : 0))
		data_done(q);
	return n;
}

static uint32_t consume_header(struct srt_nvmf_qpair *q, const uint8_t *p, uint32_t avail)
{
	uint32_t want = q->hdr_got < sizeof(struct srt_tcp_ch) ? sizeof(struct srt_tcp_ch) :
								 q->layout.hdr_len;
	uint32_t n = min_u32(want - q->hdr_got, avail);

	memcpy(q->hdr + q->hdr_got, p, n);
	q->hdr_got += n;
	if (q->hdr_got < want)
		return n;
	if (want == sizeof(struct srt_tcp_ch)) {
		uint32_t fei;
		int fes = srt_tcp_pdu_check_h2c((const struct srt_tcp_ch *)q->hdr, &q->limits,
						&q->layout, &fei);

		if (fes != 0) {
			srt_nvmf_qpair_fatal(q, (enum srt_tcp_fes)fes, fei);
			return n;
		}
		if (q->layout.hdr_len > q->hdr_got)
			return n;
	}
	header_done(q);
	return n;
}

void srt_nvmf_qpair_recv(struct srt_nvmf_qpair *q)
{
	for (int round = 0; round < QPAIR_RECV_ROUNDS; round++) {
		if (q->recv_state == SRT_NVMF_RECV_STOPPED)
			return;
		if (q->rbuf_off == q->rbuf_len) {
			ssize_t n = srt_sock_recv(q->sock, q->rbuf, QPAIR_RBUF_SIZE);

			if (n == -EAGAIN)
				return;
			if (n < 0) {
				srt_nvmf_qpair_disconnect(q, n == -ECONNRESET ?
								     "host closed the connection" :
								     strerror((int)-n));
				return;
			}
			q->rbuf_len = (uint32_t)n;
			q->rbuf_off = 0;
		}
		while (q->rbuf_off < q->rbuf_len && q->recv_state != SRT_NVMF_RECV_STOPPED) {
			const uint8_t *p = q->rbuf + q->rbuf_off;
			uint32_t avail = q->rbuf_len - q->rbuf_off;

			q->rbuf_off += q->recv_state == SRT_NVMF_RECV_HEADER ?
					       consume_header(q, p, avail) :
					       consume_data(q, p, avail);
		}
	}
}

static void qpair_free(struct srt_nvmf_qpair *q)
{
	struct srt_nvmf_ctrlr *ctrlr = q->ctrlr;

	if (ctrlr != NULL) {
		/* qid, not ctrlr->admin_qpair: I/O queues on other threads must not read that. */
		if (q->qid == 0) {
			ctrlr->admin_qpair = NULL;
			srt_nvmf_ctrlr_fail(ctrlr);
		}
		srt_nvmf_ctrlr_put(ctrlr, q->qid);
	}
	for (uint32_t i = 0; i < q->num_reqs; i++) {
		free(q->reqs[i].buf);
		free(q->reqs[i].cmp_buf);
	}
	TAILQ_REMOVE(&q->group->qpairs, q, link);
	atomic_fetch_sub(&q->tgt->stat_open, 1);
	free(q->reqs);
	free(q->rbuf);
	free(q);
}

bool srt_nvmf_qpair_poll(struct srt_nvmf_qpair *q, uint64_t now)
{
	if (!q->closed) {
		int rc = srt_nvmf_flush(q);

		if (rc != 0)
			srt_nvmf_qpair_disconnect(q, rc == -EPIPE || rc == -ECONNRESET ?
							     "host closed the connection" :
							     strerror(-rc));
		else if (q->closing && TAILQ_EMPTY(&q->sendq))
			srt_nvmf_qpair_disconnect(q, "closed by the target");
	}
	if (q->ctrlr == NULL && !q->closed && now > q->accepted_at &&
	    now - q->accepted_at > SRT_NVMF_CONNECT_TIMEOUT_MS * spdkrt_get_ticks_hz() / 1000) {
		SRT_ERR("%s: no Connect within %u ms of accepting the connection (TLS handshake, "
			"ICReq or Connect stalled)",
			q->peer, SRT_NVMF_CONNECT_TIMEOUT_MS);
		srt_nvmf_qpair_disconnect(q, "no Connect in time");
	}
	if (q->ctrlr != NULL && !q->closed) {
		if (atomic_load(&q->ctrlr->failed))
			srt_nvmf_qpair_disconnect(q, "its controller is gone");
		else if (q->qid == 0)
			srt_nvmf_ctrlr_poll(q->ctrlr, now);
	}
	if (!q->closed || q->bdev_ios > 0 || q->aborts_out > 0)
		return false;
	qpair_free(q);
	return true;
}
