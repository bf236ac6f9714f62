/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP transport's operations for the core: a controller is an admin connection made
 * when it is constructed (so CAP and VS can be read like PCIe registers), registers are Property
 * Get/Set round trips, an I/O queue pair is its own connection, and user memory is fine for
 * data (no DMA addresses).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme/fabrics.h"
#include "nvme/tcp.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

#define NVME_TCP_DEFAULT_PORT "4420"

static int prop_get(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, bool eight, uint64_t *value)
{
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);
	struct spdkrt_nvme_cmd cmd;
	struct spdkrt_nvme_cpl cpl;
	int rc;

	nvme_fabrics_prop_get_cmd(&cmd, offset, eight);
	rc = nvme_tcp_cmd_sync(tc->admin, &cmd, NULL, 0, &cpl);
	if (rc != 0)
		return rc;
	if (spdkrt_nvme_cpl_is_error(&cpl)) {
		SRT_ERR("nvme %s: Property Get of 0x%x failed: %s", ctrlr->trid.traddr, offset,
			spdkrt_nvme_cpl_status_string(&cpl));
		return -EIO;
	}
	*value = nvme_fabrics_prop_value(&cpl, eight);
	return 0;
}

static int prop_set(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, bool eight, uint64_t value)
{
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);
	struct spdkrt_nvme_cmd cmd;
	struct spdkrt_nvme_cpl cpl;
	int rc;

	nvme_fabrics_prop_set_cmd(&cmd, offset, eight, value);
	rc = nvme_tcp_cmd_sync(tc->admin, &cmd, NULL, 0, &cpl);
	if (rc != 0)
		return rc;
	if (spdkrt_nvme_cpl_is_error(&cpl)) {
		SRT_ERR("nvme %s: Property Set of 0x%x failed: %s", ctrlr->trid.traddr, offset,
			spdkrt_nvme_cpl_status_string(&cpl));
		return -EIO;
	}
	return 0;
}

static int tcp_get_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t *value)
{
	uint64_t v = 0;
	int rc = prop_get(ctrlr, offset, false, &v);

	*value = rc == 0 ? (uint32_t)v : UINT32_MAX;
	return rc;
}

static int tcp_get_reg_8(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t *value)
{
	int rc = prop_get(ctrlr, offset, true, value);

	if (rc != 0)
		*value = UINT64_MAX;
	return rc;
}

static int tcp_set_reg_4(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint32_t value)
{
	return prop_set(ctrlr, offset, false, value);
}

static int tcp_set_reg_8(struct spdkrt_nvme_ctrlr *ctrlr, uint32_t offset, uint64_t value)
{
	return prop_set(ctrlr, offset, true, value);
}

/* The address part of a transport ID: family, address, port, subsystem. */
static int check_trid(struct spdkrt_nvme_transport_id *trid, char *port, size_t port_len)
{
	if (trid->traddr[0] == '\0') {
		SRT_ERR("nvme tcp: the transport ID has no traddr");
		return -EINVAL;
	}
	if (trid->adrfam == 0)
		trid->adrfam = strchr(trid->traddr, ':') != NULL ? SPDKRT_NVMF_ADRFAM_IPV6 :
								   SPDKRT_NVMF_ADRFAM_IPV4;
	if (trid->adrfam != SPDKRT_NVMF_ADRFAM_IPV4 && trid->adrfam != SPDKRT_NVMF_ADRFAM_IPV6) {
		SRT_ERR("nvme tcp %s: adrfam must be IPv4 or IPv6", trid->traddr);
		return -EINVAL;
	}
	if (trid->subnqn[0] == '\0') {
		SRT_ERR("nvme tcp %s: the transport ID has no subnqn", trid->traddr);
		return -EINVAL;
	}
	if (trid->trsvcid[0] == '\0')
		snprintf(trid->trsvcid, sizeof(trid->trsvcid), "%s", NVME_TCP_DEFAULT_PORT);
	memcpy(port, trid->trsvcid,
	       port_len < sizeof(trid->trsvcid) ? port_len : sizeof(trid->trsvcid));
	port[port_len - 1] = '\0';
	return 0;
}

static void tcp_ctrlr_free(struct nvme_tcp_ctrlr *tc)
{
	if (tc->admin != NULL) {
		nvme_qpair_fini_requests(&tc->admin->qpair);
		nvme_tcp_qpair_free(tc->admin);
	}
	free(tc);
}

static int tcp_ctrlr_construct(const struct spdkrt_nvme_transport_id *trid,
			       const struct spdkrt_nvme_ctrlr_opts *opts,
			       struct spdkrt_nvme_ctrlr **out)
{
	struct nvme_tcp_ctrlr *tc = calloc(1, sizeof(*tc));
	uint32_t entries;
	int rc;

	if (tc == NULL)
		return -ENOMEM;
	/* The core sets these after construct too; connecting needs them now. */
	tc->ctrlr.trid = *trid;
	tc->ctrlr.opts = *opts;
	rc = check_trid(&tc->ctrlr.trid, tc->port, sizeof(tc->port));
	if (rc != 0) {
		free(tc);
		return rc;
	}
	entries = opts->admin_queue_size < NVME_TCP_ADMIN_ENTRIES ? opts->admin_queue_size :
								    NVME_TCP_ADMIN_ENTRIES;
	if (entries < 2)
		entries = 2;
	tc->admin = nvme_tcp_qpair_alloc(&tc->ctrlr, 0, entries, 2 * entries);
	if (tc->admin == NULL) {
		free(tc);
		return -ENOMEM;
	}
	rc = nvme_tcp_qpair_connect_sync(tc->admin);
	if (rc == 0)
		rc = tcp_get_reg_8(&tc->ctrlr, SPDKRT_NVME_REG_CAP, &tc->ctrlr.cap);
	if (rc != 0) {
		SRT_ERR("nvme %s: cannot attach over TCP to %s: %d", trid->traddr, trid->subnqn,
			rc);
		tcp_ctrlr_free(tc);
		return rc;
	}
	*out = &tc->ctrlr;
	return 0;
}

static void tcp_ctrlr_destruct(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);

	if (ctrlr->adminq != NULL)
		tc->admin = NULL; /* the core destroyed it as its admin queue */
	tcp_ctrlr_free(tc);
}

static bool tcp_ctrlr_is_removed(struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctrlr;
	return false; /* a lost connection fails the controller itself */
}

static uint32_t tcp_max_xfer_size(struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctrlr;
	return NVME_TCP_MAX_XFER;
}

static int tcp_ctrlr_enable(struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctrlr;
	return 0; /* the admin queue exists since Connect */
}

static int tcp_qpair_create(struct spdkrt_nvme_ctrlr *ctrlr, uint16_t id, uint32_t entries,
			    uint32_t num_requests, uint8_t qprio, struct spdkrt_nvme_qpair **out)
{
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);
	struct nvme_tcp_qpair *tq;

	(void)qprio;
	if (id == 0) {
		/* Connected in construct; the core takes it over now. */
		*out = &tc->admin->qpair;
		return 0;
	}
	if (entries < 2 || entries > 65536)
		return -EINVAL;
	tq = nvme_tcp_qpair_alloc(ctrlr, id, entries, num_requests);
	if (tq == NULL)
		return -ENOMEM;
	*out = &tq->qpair;
	return 0;
}

static void tcp_qpair_destroy(struct spdkrt_nvme_qpair *qpair)
{
	nvme_tcp_qpair_free(nvme_tcp_qpair(qpair));
}

/*
 * A reset starts here: the old admin connection is closed (the target drops the old controller
 * and with it the I/O queues still connected) and a new one made, with a new controller id;
 * the core then enables it through Property Get/Set like a fresh attach.
 */
static int tcp_ctrlr_reconnect(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct nvme_tcp_ctrlr *tc = nvme_tcp_ctrlr(ctrlr);
	uint16_t old_cntlid = tc->cntlid;
	int rc;

	nvme_tcp_conn_reset(tc->admin);
	rc = nvme_tcp_qpair_connect_sync(tc->admin);
	if (rc != 0) {
		/* Commands fail at once until the next reset, not after a timeout. */
		srt_sock_close(&tc->admin->sock);
		tc->admin->lost = true;
		tc->admin->failed_all = true;
		SRT_ERR("nvme %s: tcp_ctrlr_reconnect: cannot reconnect to %s: %d",
			ctrlr->trid.traddr, ctrlr->trid.subnqn, rc);
		return rc;
	}
	SRT_NOTICE("nvme %s: admin queue reconnected to %s (controller id %u, was %u)",
		   ctrlr->trid.traddr, ctrlr->trid.subnqn, tc->cntlid, old_cntlid);
	return 0;
}

static void tcp_qpair_reset(struct spdkrt_nvme_qpair *qpair)
{
	/* A connection has no rings. The admin connection is renewed by tcp_ctrlr_reconnect()
	 * before the registers are read; an I/O pair's goes now and is made again by connect. */
	if (qpair->id != 0)
		nvme_tcp_conn_reset(nvme_tcp_qpair(qpair));
}

static int tcp_qpair_connect(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
			     void *arg)
{
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(qpair);
	const struct spdkrt_nvme_cdata_nvmf_specific *nvmf = &qpair->ctrlr->cdata.nvmf_specific;
	int rc;

	if (tq->sock != NULL || tq->lost)
		return -EALREADY; /* connected, or lost and not reset yet */
	rc = nvme_tcp_qpair_connect_sync(tq);
	if (rc != 0) {
		srt_sock_close(&tq->sock);
		return rc;
	}
	/* IOCCSZ counts 16-byte units of the whole capsule (64-byte command included). */
	tq->icd_max = nvmf->ioccsz >= 4 ? nvmf->ioccsz * 16u - 64u : 0;
	cb(arg, 0);
	return 0;
}

static int tcp_qpair_disconnect(struct spdkrt_nvme_qpair *qpair, void (*cb)(void *arg, int rc),
				void *arg)
{
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(qpair);

	/* Closing the connection deletes the queue on the target. */
	srt_sock_close(&tq->sock);
	tq->lost = true;
	tq->failed_all = true;
	cb(arg, 0);
	return 0;
}

static void tcp_qpair_release(struct spdkrt_nvme_qpair *qpair, struct nvme_request *req)
{
	struct nvme_tcp_qpair *tq = nvme_tcp_qpair(qpair);
	struct nvme_tcp_req *treq;

	if (req->cid >= tq->num_treqs || tq->treqs[req->cid].req != req)
		return;
	treq = &tq->treqs[req->cid];
	for (int i = 0; i < 2; i++) {
		struct nvme_tcp_out *out = i == 0 ? &treq->capsule : &treq->h2c;

		if (!out->queued)
			continue;
		/* Half a PDU on the wire cannot be taken back: the stream is unusable. */
		if (out->sent > 0)
			nvme_tcp_qpair_lost(tq, "a command was aborted in the middle of a PDU");
		TAILQ_REMOVE(&tq->send_queue, out, link);
		out->queued = false;
	}
	nvme_tcp_treq_put(tq, treq);
}

static void tcp_idle(void)
{
}

static int tcp_enumerate(int (*cb)(void *ctx, const char *traddr), void *ctx)
{
	(void)cb;
	(void)ctx;
	SRT_ERR("nvme tcp: probing needs a transport ID with traddr (discovery is separate)");
	return -EINVAL;
}

const struct nvme_transport g_nvme_transport_tcp = {
	.name = "TCP",
	.type = SPDKRT_NVME_TRANSPORT_TCP,
	.remote_regs = true,
	.ctrlr_construct = tcp_ctrlr_construct,
	.ctrlr_destruct = tcp_ctrlr_destruct,
	.get_reg_4 = tcp_get_reg_4,
	.get_reg_8 = tcp_get_reg_8,
	.set_reg_4 = tcp_set_reg_4,
	.set_reg_8 = tcp_set_reg_8,
	.ctrlr_is_removed = tcp_ctrlr_is_removed,
	.max_xfer_size = tcp_max_xfer_size,
	.ctrlr_enable = tcp_ctrlr_enable,
	.ctrlr_reconnect = tcp_ctrlr_reconnect,
	.qpair_create = tcp_qpair_create,
	.qpair_destroy = tcp_qpair_destroy,
	.qpair_reset = tcp_qpair_reset,
	.qpair_connect = tcp_qpair_connect,
	.qpair_disconnect = tcp_qpair_disconnect,
	.qpair_submit = nvme_tcp_submit,
	.qpair_process = nvme_tcp_process,
	.qpair_release = tcp_qpair_release,
	.idle = tcp_idle,
	.enumerate = tcp_enumerate,
	.pci_id = NULL,
};
