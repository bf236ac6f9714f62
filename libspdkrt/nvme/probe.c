/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching and detaching controllers: asynchronous probe and connect (with blocking wrappers),
 * the list of attached controllers (so a controller is never attached twice, and can be attached
 * again after a detach), and shutdown bounded by RTD3E.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/thread.h>

#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_nvme_ctrlr) g_attached = TAILQ_HEAD_INITIALIZER(g_attached);

struct probe_entry {
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct probe_entry *next;
};

struct spdkrt_nvme_probe_ctx {
	struct spdkrt_nvme_transport_id trid;
	void *cb_ctx;
	spdkrt_nvme_probe_cb probe_cb;
	spdkrt_nvme_attach_cb attach_cb;
	spdkrt_nvme_remove_cb remove_cb;
	const struct spdkrt_nvme_ctrlr_opts *connect_opts;
	struct spdkrt_nvme_ctrlr **connect_out;
	struct probe_entry *pending;
	int first_error;
	unsigned attached;
};

const struct nvme_transport *nvme_transport_get(enum spdkrt_nvme_transport_type type)
{
	switch (type) {
	case SPDKRT_NVME_TRANSPORT_PCIE:
		return &g_nvme_transport_pcie;
	case SPDKRT_NVME_TRANSPORT_TCP:
		return &g_nvme_transport_tcp;
	default:
		return NULL;
	}
}

int spdkrt_nvme_ctrlr_opts_init(struct spdkrt_nvme_ctrlr_opts *opts, size_t size)
{
	struct spdkrt_nvme_ctrlr_opts d = {
		.num_io_queues = 64,
		.io_queue_size = 256,
		.io_queue_requests = 512,
		.admin_queue_size = 64,
		.arb_mechanism = SPDKRT_NVME_CC_AMS_RR,
		.arb_high_weight = 1,
		.arb_medium_weight = 1,
		.arb_low_weight = 1,
		.arb_burst = 7,
		.keep_alive_timeout_ms = 10000,
		.retry_count = 4,
		.admin_timeout_us = 10u * 1000 * 1000,
		.shutdown_timeout_us = 5u * 1000 * 1000,
		.hostnqn = "nqn.2014-08.org.nvmexpress:uuid:spdkrt-host",
	};

	if (opts == NULL || size < sizeof(size_t)) {
		SRT_ERR("%s: opts is NULL or size %zu is too small", __func__, size);
		return -EINVAL;
	}
	d.size = size < sizeof(d) ? size : sizeof(d);
	memcpy(opts, &d, d.size);
	return 0;
}

static bool is_attached(const struct spdkrt_nvme_transport_id *trid)
{
	struct spdkrt_nvme_ctrlr *c;
	bool found = false;

	pthread_mutex_lock(&g_lock);
	TAILQ_FOREACH(c, &g_attached, link)
		found = found || spdkrt_nvme_transport_id_compare(&c->trid, trid) == 0;
	pthread_mutex_unlock(&g_lock);
	return found;
}

/* Weighted round robin's weights and burst, before they are packed into the Arbitration feature
 * (where a weight of 0 or above 256 would wrap into another one). */
static int arbitration_opts_check(const struct spdkrt_nvme_ctrlr_opts *o)
{
	const uint16_t w[3] = { o->arb_high_weight, o->arb_medium_weight, o->arb_low_weight };

	if (o->arb_mechanism != SPDKRT_NVME_CC_AMS_WRR)
		return 0;
	for (unsigned i = 0; i < 3; i++) {
		if (w[i] < 1 || w[i] > 256) {
			SRT_ERR("nvme: arbitration weights %u,%u,%u (high, medium, low): each 1..256",
				w[0], w[1], w[2]);
			return -EINVAL;
		}
	}
	if (o->arb_burst > 7) {
		SRT_ERR("nvme: arbitration burst %u: log2 0..7 (7: no limit)", o->arb_burst);
		return -EINVAL;
	}
	return 0;
}

static int construct(struct spdkrt_nvme_probe_ctx *ctx, const struct spdkrt_nvme_transport_id *trid,
		     const struct spdkrt_nvme_ctrlr_opts *opts)
{
	const struct nvme_transport *t = nvme_transport_get(trid->trtype);
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct probe_entry *e;
	int rc;

	if (t == NULL) {
		SRT_ERR("nvme: transport %d is not available", (int)trid->trtype);
		return -ENOTSUP;
	}
	rc = nvme_reconnect_opts_check(opts);
	if (rc == 0)
		rc = arbitration_opts_check(opts);
	if (rc != 0)
		return rc;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	rc = t->ctrlr_construct(trid, opts, &ctrlr);
	if (rc != 0) {
		free(e);
		return rc;
	}
	ctrlr->transport = t;
	ctrlr->trid = *trid;
	ctrlr->opts = *opts;
	ctrlr->opts.size = sizeof(ctrlr->opts);
	ctrlr->remove_cb = ctx->remove_cb;
	ctrlr->remove_ctx = ctx->cb_ctx;
	if (t->pci_id != NULL)
		ctrlr->quirks = nvme_quirks_lookup(t->pci_id(ctrlr));
	rc = nvme_ctrlr_start_init(ctrlr);
	if (rc != 0) {
		nvme_ctrlr_destruct(ctrlr);
		free(e);
		return rc;
	}
	e->ctrlr = ctrlr;
	e->next = ctx->pending;
	ctx->pending = e;
	return 0;
}

/* Probe one controller at a complete transport ID. */
static void probe_trid(void *arg, const struct spdkrt_nvme_transport_id *trid)
{
	struct spdkrt_nvme_probe_ctx *ctx = arg;
	struct spdkrt_nvme_ctrlr_opts opts;
	int rc;

	if (is_attached(trid))
		return;
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	if (ctx->connect_opts != NULL)
		memcpy(&opts, ctx->connect_opts,
		       ctx->connect_opts->size < sizeof(opts) ? ctx->connect_opts->size :
								sizeof(opts));
	opts.size = sizeof(opts);
	if (ctx->probe_cb != NULL && !ctx->probe_cb(ctx->cb_ctx, trid, &opts))
		return;
	rc = construct(ctx, trid, &opts);
	if (rc != 0) {
		SRT_ERR("nvme %s: cannot attach: %d", trid->traddr, rc);
		if (ctx->first_error == 0)
			ctx->first_error = rc;
	}
}

static int probe_one(void *arg, const char *traddr)
{
	struct spdkrt_nvme_probe_ctx *ctx = arg;
	struct spdkrt_nvme_transport_id trid = ctx->trid;

	snprintf(trid.traddr, sizeof(trid.traddr), "%s", traddr);
	probe_trid(ctx, &trid);
	return 0;
}

static int probe_start(const struct spdkrt_nvme_transport_id *trid,
		       struct spdkrt_nvme_probe_ctx *ctx)
{
	const struct nvme_transport *t;

	if (trid != NULL)
		ctx->trid = *trid;
	else
		ctx->trid.trtype = SPDKRT_NVME_TRANSPORT_PCIE;
	t = nvme_transport_get(ctx->trid.trtype);
	if (t == NULL) {
		SRT_ERR("nvme: transport %d is not available", (int)ctx->trid.trtype);
		return -ENOTSUP;
	}
	/* A probe (not a connect) through a discovery service attaches what it lists. */
	if (ctx->connect_out == NULL && nvme_trid_is_discovery(&ctx->trid))
		return nvme_discovery_probe(&ctx->trid, ctx->connect_opts, probe_trid, ctx);
	if (ctx->trid.traddr[0] != '\0')
		return probe_one(ctx, ctx->trid.traddr);
	return t->enumerate(probe_one, ctx);
}

int spdkrt_nvme_probe_async(const struct spdkrt_nvme_transport_id *trid, void *cb_ctx,
			    spdkrt_nvme_probe_cb probe_cb, spdkrt_nvme_attach_cb attach_cb,
			    spdkrt_nvme_remove_cb remove_cb, struct spdkrt_nvme_probe_ctx **out)
{
	struct spdkrt_nvme_probe_ctx *ctx;
	int rc;

	if (out == NULL)
		return nvme_bad_arg(__func__, "ctx is NULL");
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	ctx->cb_ctx = cb_ctx;
	ctx->probe_cb = probe_cb;
	ctx->attach_cb = attach_cb;
	ctx->remove_cb = remove_cb;
	rc = probe_start(trid, ctx);
	if (rc != 0 && ctx->pending == NULL) {
		free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

int spdkrt_nvme_probe_poll_async(struct spdkrt_nvme_probe_ctx *ctx)
{
	struct probe_entry **link;
	int rc;

	if (ctx == NULL)
		return nvme_bad_arg(__func__, "ctx is NULL");
	for (link = &ctx->pending; *link != NULL;) {
		struct probe_entry *e = *link;
		struct spdkrt_nvme_ctrlr *ctrlr = e->ctrlr;

		rc = nvme_ctrlr_process_init(ctrlr);
		if (rc == -EAGAIN) {
			link = &e->next;
			continue;
		}
		*link = e->next;
		free(e);
		if (rc != 0) {
			SRT_ERR("nvme %s: attach failed: %d", ctrlr->trid.traddr, rc);
			if (ctx->first_error == 0)
				ctx->first_error = rc;
			nvme_ctrlr_destruct(ctrlr);
			continue;
		}
		pthread_mutex_lock(&g_lock);
		TAILQ_INSERT_TAIL(&g_attached, ctrlr, link);
		pthread_mutex_unlock(&g_lock);
		ctx->attached++;
		if (ctx->connect_out != NULL)
			*ctx->connect_out = ctrlr;
		if (ctx->attach_cb != NULL)
			ctx->attach_cb(ctx->cb_ctx, &ctrlr->trid, ctrlr, &ctrlr->opts);
	}
	if (ctx->pending != NULL)
		return -EAGAIN;
	rc = ctx->attached == 0 ? ctx->first_error : 0;
	free(ctx);
	return rc;
}

static int poll_to_end(struct spdkrt_nvme_probe_ctx *ctx)
{
	int rc;

	while ((rc = spdkrt_nvme_probe_poll_async(ctx)) == -EAGAIN)
		g_nvme_transport_pcie.idle();
	return rc;
}

int spdkrt_nvme_probe(const struct spdkrt_nvme_transport_id *trid, void *cb_ctx,
		      spdkrt_nvme_probe_cb probe_cb, spdkrt_nvme_attach_cb attach_cb,
		      spdkrt_nvme_remove_cb remove_cb)
{
	struct spdkrt_nvme_probe_ctx *ctx;
	int rc = spdkrt_nvme_probe_async(trid, cb_ctx, probe_cb, attach_cb, remove_cb, &ctx);

	return rc != 0 ? rc : poll_to_end(ctx);
}

int spdkrt_nvme_connect(const struct spdkrt_nvme_transport_id *trid,
			const struct spdkrt_nvme_ctrlr_opts *opts, struct spdkrt_nvme_ctrlr **ctrlr)
{
	struct spdkrt_nvme_probe_ctx *ctx;
	int rc;

	if (trid == NULL || ctrlr == NULL || trid->traddr[0] == '\0' ||
	    (opts != NULL && opts->size < sizeof(size_t))) {
		SRT_ERR("%s: needs a transport ID with an address, and opts from "
			"spdkrt_nvme_ctrlr_opts_init()",
			__func__);
		return -EINVAL;
	}
	if (is_attached(trid)) {
		SRT_ERR("nvme %s: already attached", trid->traddr);
		return -EEXIST;
	}
	*ctrlr = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	ctx->connect_opts = opts;
	ctx->connect_out = ctrlr;
	rc = probe_start(trid, ctx);
	if (ctx->pending == NULL) {
		rc = rc != 0 ? rc : (ctx->first_error != 0 ? ctx->first_error : -ENODEV);
		free(ctx);
		return rc;
	}
	rc = poll_to_end(ctx);
	return rc != 0 ? rc : (*ctrlr != NULL ? 0 : -ENODEV);
}

/* Detach */

enum detach_state {
	DETACH_SHUTDOWN,
	DETACH_WAIT,
	DETACH_DONE
};

struct spdkrt_nvme_detach_ctx {
	struct spdkrt_nvme_ctrlr *ctrlr;
	enum detach_state state;
	uint64_t deadline;
};

int spdkrt_nvme_detach_async(struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_detach_ctx **out)
{
	struct spdkrt_nvme_detach_ctx *ctx;
	struct spdkrt_nvme_qpair *qpair;

	if (ctrlr == NULL || out == NULL)
		return nvme_bad_arg(__func__, "ctrlr or ctx is NULL");
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&g_lock);
	TAILQ_REMOVE(&g_attached, ctrlr, link);
	pthread_mutex_unlock(&g_lock);
	while ((qpair = TAILQ_FIRST(&ctrlr->io_qpairs)) != NULL)
		spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	ctx->ctrlr = ctrlr;
	ctx->state = ctrlr->is_failed || ctrlr->is_removed ? DETACH_DONE : DETACH_SHUTDOWN;
	*out = ctx;
	return 0;
}

int spdkrt_nvme_detach_poll_async(struct spdkrt_nvme_detach_ctx *ctx)
{
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint32_t cc, csts;

	if (ctx == NULL)
		return nvme_bad_arg(__func__, "ctx is NULL");
	ctrlr = ctx->ctrlr;
	if (ctx->state == DETACH_SHUTDOWN) {
		/* RTD3E bounds the shutdown; 0 means the controller does not say. */
		uint64_t us = ctrlr->cdata.rtd3e ? ctrlr->cdata.rtd3e :
						   ctrlr->opts.shutdown_timeout_us;

		if (us > 60u * 1000 * 1000)
			us = 60u * 1000 * 1000;
		if (ctrlr->transport->get_reg_4(ctrlr, SPDKRT_NVME_REG_CC, &cc) == 0) {
			cc &= ~SPDKRT_NVME_SET(SPDKRT_NVME_CC_SHN, 3u);
			cc |= SPDKRT_NVME_SET(SPDKRT_NVME_CC_SHN, SPDKRT_NVME_CC_SHN_NORMAL);
			ctrlr->transport->set_reg_4(ctrlr, SPDKRT_NVME_REG_CC, cc);
			ctx->deadline = spdkrt_get_ticks() + nvme_us_to_ticks(us);
			ctx->state = DETACH_WAIT;
		} else {
			ctx->state = DETACH_DONE;
		}
	}
	if (ctx->state == DETACH_WAIT) {
		if (ctrlr->transport->get_reg_4(ctrlr, SPDKRT_NVME_REG_CSTS, &csts) != 0 ||
		    SPDKRT_NVME_GET(csts, SPDKRT_NVME_CSTS_SHST) ==
			    SPDKRT_NVME_CSTS_SHST_COMPLETE) {
			ctx->state = DETACH_DONE;
		} else if (spdkrt_get_ticks() > ctx->deadline) {
			SRT_WARN("nvme %s: shutdown did not complete in time; detaching anyway",
				 ctrlr->trid.traddr);
			ctx->state = DETACH_DONE;
		} else {
			return -EAGAIN;
		}
	}
	nvme_ctrlr_destruct(ctrlr);
	free(ctx);
	return 0;
}

int spdkrt_nvme_detach(struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct spdkrt_nvme_detach_ctx *ctx;
	int rc = spdkrt_nvme_detach_async(ctrlr, &ctx);

	if (rc != 0)
		return rc;
	while ((rc = spdkrt_nvme_detach_poll_async(ctx)) == -EAGAIN)
		ctrlr->transport->idle();
	return rc;
}
