/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP host connections: a queue pair's memory, the socket, TLS 1.3 PSK when the options
 * carry a key, ICReq/ICResp (digests asked for in the options, the answer checked), Fabrics
 * Connect, blocking commands for registers and Connect, and what happens when a connection is
 * lost.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/thread.h>

#include "nvme/fabrics.h"
#include "nvme/tcp.h"
#include "sock/tls.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* Wait slices of blocking calls, ms: short, so deadlines are kept. */
#define WAIT_SLICE_MS 10

struct nvme_tcp_qpair *nvme_tcp_qpair_alloc(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t id,
					    uint32_t entries, uint32_t num_requests)
{
	struct nvme_tcp_qpair *tq = calloc(1, sizeof(*tq));

	if (tq == NULL)
		return NULL;
	tq->qpair.ctrlr = ctrlr;
	tq->qpair.id = id;
	tq->qpair.num_entries = entries;
	/* A full submission queue holds entries - 1 commands. */
	tq->num_treqs = entries - 1;
	tq->treqs = calloc(tq->num_treqs, sizeof(*tq->treqs));
	tq->rbuf = malloc(NVME_TCP_RBUF_SIZE);
	TAILQ_INIT(&tq->send_queue);
	if (tq->treqs == NULL || tq->rbuf == NULL ||
	    nvme_qpair_init_requests(&tq->qpair, num_requests) != 0) {
		nvme_tcp_qpair_free(tq);
		return NULL;
	}
	tq->free_treq = tq->num_treqs;
	for (uint32_t i = tq->num_treqs; i-- > 0;) {
		struct nvme_tcp_req *treq = &tq->treqs[i];

		treq->cid = (uint16_t)i;
		treq->capsule.treq = treq;
		treq->h2c.treq = treq;
		nvme_tcp_treq_put(tq, treq);
	}
	tq->icd_max = id == 0 ? NVME_TCP_ADMIN_ICD : 0;
	tq->maxh2cdata = 4096;
	return tq;
}

void nvme_tcp_qpair_free(struct nvme_tcp_qpair *tq)
{
	srt_sock_close(&tq->sock);
	free(tq->treqs);
	free(tq->rbuf);
	free(tq);
}

void nvme_tcp_qpair_lost(struct nvme_tcp_qpair *tq, const char *why)
{
	if (tq->lost)
		return;
	tq->lost = true;
	SRT_ERR("nvme %s: queue %u: connection lost (%s): its commands fail with a transient "
		"transport error, the controller fails until a reset reconnects it",
		tq->qpair.ctrlr->trid.traddr, tq->qpair.id, why);
	srt_sock_close(&tq->sock);
}

void nvme_tcp_finish_req(struct nvme_tcp_qpair *tq, struct nvme_request *req,
			 const struct spdkrt_nvme_cpl *cpl)
{
	if (req == &tq->sync_req) {
		tq->sync_busy = false;
		req->cb_fn(req->cb_arg, cpl);
		return;
	}
	nvme_request_complete(req, cpl);
}

/* Every command still on the connection fails with a transient transport error. */
static void fail_commands(struct nvme_tcp_qpair *tq)
{
	struct nvme_tcp_out *out;

	while ((out = TAILQ_FIRST(&tq->send_queue)) != NULL) {
		TAILQ_REMOVE(&tq->send_queue, out, link);
		out->queued = false;
	}
	for (uint32_t i = 0; i < tq->num_treqs; i++) {
		struct nvme_request *req = tq->treqs[i].req;

		if (req == NULL)
			continue;
		struct spdkrt_nvme_cpl cpl;

		nvme_tcp_treq_put(tq, &tq->treqs[i]);
		nvme_cpl_make_error(&cpl, tq->qpair.id, req->cid, SPDKRT_NVME_SCT_GENERIC,
				    SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR);
		nvme_tcp_finish_req(tq, req, &cpl);
	}
}

void nvme_tcp_fail_all(struct nvme_tcp_qpair *tq)
{
	struct spdkrt_nvme_ctrlr *ctrlr = tq->qpair.ctrlr;

	if (tq->failed_all)
		return;
	tq->failed_all = true;
	fail_commands(tq);
	/* Before the core owns the admin queue (attach), the caller cleans up itself. */
	if (ctrlr->adminq == NULL)
		return;
	if (tq->qpair.id == 0) {
		nvme_ctrlr_fail(ctrlr, false);
		return;
	}
	/* An I/O pair's owner only reports the loss: the admin poll fails the controller (or
	 * reconnects it). A pair whose gate moved is being re-created by a reset already. */
	if (!nvme_qpair_gate_moved(&tq->qpair))
		atomic_store(&ctrlr->conn_lost, true);
}

void nvme_tcp_conn_reset(struct nvme_tcp_qpair *tq)
{
	fail_commands(tq);
	srt_sock_close(&tq->sock);
	tq->lost = false;
	tq->failed_all = false;
	tq->hdgst = false;
	tq->ddgst = false;
	tq->cpda = 0;
	tq->maxh2cdata = 4096;
	tq->rhead = tq->rtail = 0;
	tq->rstate = NVME_TCP_RECV_CH;
	tq->hdr_got = 0;
	tq->skip_left = 0;
	tq->data_treq = NULL;
	tq->data_left = 0;
	tq->ddgst_got = 0;
}

struct sync_wait {
	bool done;
	struct spdkrt_nvme_cpl cpl;
};

static void sync_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct sync_wait *w = arg;

	w->cpl = *cpl;
	w->done = true;
}

int nvme_tcp_cmd_sync(struct nvme_tcp_qpair *tq, const struct spdkrt_nvme_cmd *cmd, void *buf,
		      uint32_t len, struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_nvme_ctrlr *ctrlr = tq->qpair.ctrlr;
	uint64_t deadline = spdkrt_get_ticks() + nvme_us_to_ticks(ctrlr->opts.admin_timeout_us);
	struct sync_wait w = { 0 };
	struct nvme_request *req;
	int rc;

	if (tq->lost)
		return -ENXIO;
	if (tq->processing || tq->sync_busy)
		return -EBUSY; /* from a completion callback of this connection */
	req = &tq->sync_req;
	memset(req, 0, sizeof(*req));
	req->cb_fn = sync_done;
	req->cb_arg = &w;
	req->qpair = &tq->qpair;
	req->cmd = *cmd;
	if (len > 0) {
		req->payload.type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = buf;
		req->payload_size = len;
	}
	rc = nvme_tcp_submit(&tq->qpair, req);
	if (rc != 0)
		return rc == -EAGAIN ? -EBUSY : rc;
	tq->sync_busy = true;
	while (!w.done) {
		nvme_tcp_process(&tq->qpair, 0);
		if (w.done)
			break;
		if (spdkrt_get_ticks() > deadline) {
			SRT_ERR("nvme %s: queue %u: no answer to opcode 0x%02x within the admin "
				"timeout",
				ctrlr->trid.traddr, tq->qpair.id, cmd->opc);
			nvme_tcp_qpair_lost(tq, "a command timed out");
			nvme_tcp_process(&tq->qpair, 0); /* fails it: w is done */
			return -ETIMEDOUT;
		}
		if (!tq->lost)
			srt_sock_wait_readable(tq->sock, WAIT_SLICE_MS);
	}
	*cpl = w.cpl;
	return 0;
}

/* Writes a whole small PDU during connection setup (the socket buffer is empty). */
static int send_all(struct nvme_tcp_qpair *tq, const void *buf, size_t len, uint64_t deadline)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	while (iov.iov_len > 0) {
		ssize_t n = srt_sock_writev(tq->sock, &iov, 1);

		if (n < 0 && n != -EAGAIN)
			return (int)n;
		if (n > 0) {
			iov.iov_base = (uint8_t *)iov.iov_base + n;
			iov.iov_len -= (size_t)n;
		} else if (spdkrt_get_ticks() > deadline) {
			return -ETIMEDOUT;
		} else {
			sched_yield();
		}
	}
	return 0;
}

/* Reads exactly len bytes during connection setup. */
static int recv_all(struct nvme_tcp_qpair *tq, void *buf, size_t len, uint64_t deadline)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = srt_sock_recv(tq->sock, p, len);

		if (n < 0 && n != -EAGAIN)
			return (int)n;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (spdkrt_get_ticks() > deadline) {
			return -ETIMEDOUT;
		} else {
			srt_sock_wait_readable(tq->sock, WAIT_SLICE_MS);
		}
	}
	return 0;
}

static int check_ic_resp(struct nvme_tcp_qpair *tq, const struct srt_tcp_ic_req *req,
			 const struct srt_tcp_ic_resp *resp)
{
	const char *traddr = tq->qpair.ctrlr->trid.traddr;

	if (resp->ch.pdu_type != SRT_TCP_PDU_ICRESP || resp->ch.hlen != sizeof(*resp) ||
	    resp->ch.plen != sizeof(*resp)) {
		SRT_ERR("nvme %s: expected an ICResp, got %s (hlen %u plen %u)", traddr,
			srt_tcp_pdu_type_name(resp->ch.pdu_type), resp->ch.hlen, resp->ch.plen);
		return -EPROTO;
	}
	if (resp->pfv != 0) {
		SRT_ERR("nvme %s: ICResp PDU format version %u (only 0 exists)", traddr, resp->pfv);
		return -EPROTO;
	}
	if (resp->cpda > 31) {
		SRT_ERR("nvme %s: ICResp CPDA %u above 31", traddr, resp->cpda);
		return -EPROTO;
	}
	if (resp->maxh2cdata < 4096 || resp->maxh2cdata % 4 != 0) {
		SRT_ERR("nvme %s: ICResp MAXH2CDATA %u is below 4096 or not a multiple of 4",
			traddr, resp->maxh2cdata);
		return -EPROTO;
	}
	if ((resp->dgst & ~req->dgst) != 0) {
		SRT_ERR("nvme %s: ICResp turns on digests that were not asked for (0x%x of 0x%x)",
			traddr, resp->dgst, req->dgst);
		return -EPROTO;
	}
	if (resp->dgst != req->dgst)
		SRT_NOTICE("nvme %s: the target grants digests 0x%x of the 0x%x asked for", traddr,
			   resp->dgst, req->dgst);
	tq->hdgst = (resp->dgst & SRT_TCP_DGST_HDGST) != 0;
	tq->ddgst = (resp->dgst & SRT_TCP_DGST_DDGST) != 0;
	tq->cpda = resp->cpda;
	tq->maxh2cdata = resp->maxh2cdata;
	return 0;
}

static int exchange_ic(struct nvme_tcp_qpair *tq, uint64_t deadline)
{
	const struct spdkrt_nvme_ctrlr_opts *o = &tq->qpair.ctrlr->opts;
	struct srt_tcp_ic_req req;
	struct srt_tcp_ic_resp resp;
	int rc;

	memset(&req, 0, sizeof(req));
	srt_tcp_ch_init(&req.ch, SRT_TCP_PDU_ICREQ, 0, sizeof(req), 0, sizeof(req));
	req.pfv = 0;
	req.hpda = 0;   /* C2H data right after the header */
	req.maxr2t = 0; /* one R2T per command at a time */
	req.dgst = (uint8_t)((o->header_digest ? SRT_TCP_DGST_HDGST : 0) |
			     (o->data_digest ? SRT_TCP_DGST_DDGST : 0));
	rc = send_all(tq, &req, sizeof(req), deadline);
	if (rc == 0)
		rc = recv_all(tq, &resp, sizeof(resp), deadline);
	if (rc != 0) {
		SRT_ERR("nvme %s: ICReq/ICResp exchange failed: %d", tq->qpair.ctrlr->trid.traddr,
			rc);
		return rc == -ETIMEDOUT ? rc : -ECONNRESET;
	}
	return check_ic_resp(tq, &req, &resp);
}

/* The secure channel (NVMe TP 8011): TLS 1.3 with the configured PSK, before ICReq. */
static int start_tls(struct nvme_tcp_qpair *tq, uint64_t deadline)
{
	struct spdkrt_nvme_ctrlr *ctrlr = tq->qpair.ctrlr;
	int rc = srt_sock_tls_client_start(tq->sock, ctrlr->opts.psk, ctrlr->opts.hostnqn,
					   ctrlr->trid.subnqn);

	if (rc == 0)
		rc = srt_sock_tls_handshake(tq->sock);
	while (rc == -EAGAIN) {
		if (spdkrt_get_ticks() > deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		srt_sock_wait_readable(tq->sock, WAIT_SLICE_MS);
		rc = srt_sock_tls_handshake(tq->sock);
	}
	if (rc != 0)
		SRT_ERR("nvme %s: queue %u: TLS with %s as %s failed: %s", ctrlr->trid.traddr,
			tq->qpair.id, ctrlr->trid.subnqn, ctrlr->opts.hostnqn,
			rc == -EACCES ? "the target refused the PSK" : strerror(-rc));
	return rc;
}

/* Connect refusals name the reason in their status: say it plainly, map to an errno. */
static int connect_status(struct nvme_tcp_qpair *tq, const struct spdkrt_nvme_cpl *cpl)
{
	const struct spdkrt_nvme_ctrlr *ctrlr = tq->qpair.ctrlr;
	uint32_t sct = SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT);
	uint32_t sc = SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC);

	if (!spdkrt_nvme_cpl_is_error(cpl))
		return 0;
	SRT_ERR("nvme %s: Connect of queue %u to %s as %s refused: %s (cdw0 0x%x)",
		ctrlr->trid.traddr, tq->qpair.id, ctrlr->trid.subnqn, ctrlr->opts.hostnqn,
		spdkrt_nvme_cpl_status_string(cpl), cpl->cdw0);
	if (sct == SPDKRT_NVME_SCT_COMMAND_SPECIFIC && sc == SPDKRT_NVMF_SC_INVALID_HOST)
		return -EACCES;
	if (sct == SPDKRT_NVME_SCT_COMMAND_SPECIFIC && sc == SPDKRT_NVMF_SC_CONTROLLER_BUSY)
		return -EBUSY;
	return -ECONNREFUSED;
}

int nvme_tcp_qpair_connect_sync(struct nvme_tcp_qpair *tq)
{
	struct spdkrt_nvme_ctrlr *ctrlr = tq->qpair.ctrlr;
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);
	uint64_t timeout_us = ctrlr->opts.admin_timeout_us;
	uint64_t deadline = spdkrt_get_ticks() + nvme_us_to_ticks(timeout_us);
	struct spdkrt_nvmf_connect_data *data;
	struct spdkrt_nvme_cmd cmd;
	struct spdkrt_nvme_cpl cpl;
	int rc;

	rc = srt_sock_connect(ctrlr->trid.traddr, tc->port,
			      timeout_us / 1000 > 0 ? (int)(timeout_us / 1000) : 1, &tq->sock);
	if (rc != 0) {
		SRT_ERR("nvme %s: queue %u: cannot connect to port %s: %d", ctrlr->trid.traddr,
			tq->qpair.id, tc->port, rc);
		return rc;
	}
	if (ctrlr->opts.psk[0] != '\0') {
		rc = start_tls(tq, deadline);
		if (rc != 0)
			return rc;
	}
	rc = exchange_ic(tq, deadline);
	if (rc != 0)
		return rc;
	data = calloc(1, sizeof(*data));
	if (data == NULL)
		return -ENOMEM;
	rc = nvme_fabrics_connect_data(data, ctrlr->opts.hostid,
				       tq->qpair.id == 0 ? NVME_FABRICS_CNTLID_DYNAMIC : tc->cntlid,
				       ctrlr->trid.subnqn, ctrlr->opts.hostnqn);
	if (rc == 0) {
		nvme_fabrics_connect_cmd(&cmd, tq->qpair.id, tq->qpair.num_entries,
					 ctrlr->opts.keep_alive_timeout_ms);
		rc = nvme_tcp_cmd_sync(tq, &cmd, data, sizeof(*data), &cpl);
	}
	free(data);
	if (rc == 0)
		rc = connect_status(tq, &cpl);
	if (rc == 0 && tq->qpair.id == 0)
		tc->cntlid = (uint16_t)cpl.cdw0;
	return rc;
}
