/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching and detaching controllers: asynchronous probe and connect (with blocking wrappers),
 * the list of attached controllers (so a controller is never attached twice, and can be attached
 * again after a detach), PCI hot-plug events acted on by each PCIe probe, and shutdown bounded
 * by RTD3E.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/thread.h>

#include "env/pci_hotplug.h"
#include "nvme/internal.h"

#define SRT_LOG_COMPONENT "nvme"
#include "util/log.h"

/* Events one probe acts on at most: a flood cannot hold it (the rest wait for the next). */
#define PCI_EVENTS_PER_PROBE 256u

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_nvme_ctrlr) g_attached = TAILQ_HEAD_INITIALIZER(g_attached);
/* The controller whose remove callback this thread's probe is running (it may detach it). */
static __thread struct spdkrt_nvme_ctrlr *t_telling;

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

/* The burst and weighted round robin's weights, before they are packed into the Arbitration
 * feature (where a weight of 0 or above 256 would wrap into another one). */
static int arbitration_opts_check(const struct spdkrt_nvme_ctrlr_opts *o)
{
	const uint16_t w[3] = { o->arb_high_weight, o->arb_medium_weight, o->arb_low_weight };

	if (o->arb_burst > NVME_ARB_BURST_UNLIMITED) {
		SRT_ERR("nvme: arbitration burst %u: log2 0..7 (7: no limit)", o->arb_burst);
		return -EINVAL;
	}
	if (o->arb_mechanism != SPDKRT_NVME_CC_AMS_WRR)
		return 0;
	for (unsigned i = 0; i < 3; i++) {
		if (w[i] < 1 || w[i] > 256) {
			SRT_ERR("nvme: arbitration weights %u,%u,%u (high, medium, low): each 1..256",
				w[0], w[1], w[2]);
			return -EINVAL;
		}
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

/* Started by this probe already (a bind event and the scan name the same function). */
static bool is_pending(const struct spdkrt_nvme_probe_ctx *ctx,
		       const struct spdkrt_nvme_transport_id *trid)
{
	for (const struct probe_entry *e = ctx->pending; e != NULL; e = e->next)
		if (spdkrt_nvme_transport_id_compare(&e->ctrlr->trid, trid) == 0)
			return true;
	return false;
}

/* Probe one controller at a complete transport ID. */
static void probe_trid(void *arg, const struct spdkrt_nvme_transport_id *trid)
{
	struct spdkrt_nvme_probe_ctx *ctx = arg;
	struct spdkrt_nvme_ctrlr_opts opts;
	int rc;

	if (is_attached(trid) || is_pending(ctx, trid))
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

/*
 * The attached PCIe controller of the function at @p addr, marked removed and failed (its
 * owners' next calls fail their commands; no register is touched again), or NULL.
 */
static struct spdkrt_nvme_ctrlr *fail_removed_function(const struct spdkrt_pci_addr *addr,
						       bool *was_removed)
{
	struct spdkrt_nvme_ctrlr *c, *found = NULL;
	struct spdkrt_pci_addr a;

	pthread_mutex_lock(&g_lock);
	TAILQ_FOREACH(c, &g_attached, link) {
		if (c->trid.trtype == SPDKRT_NVME_TRANSPORT_PCIE &&
		    spdkrt_pci_addr_parse(&a, c->trid.traddr) == 0 &&
		    spdkrt_pci_addr_compare(&a, addr) == 0) {
			found = c;
			break;
		}
	}
	if (found != NULL) {
		/* is_removed first: whoever sees is_failed also sees why (seq_cst stores). */
		*was_removed = atomic_exchange(&found->is_removed, true);
		found->is_failed = true;
		/* Held until the callback returns: a detach on another thread waits for it. */
		atomic_fetch_add(&found->removal_tellers, 1);
	}
	pthread_mutex_unlock(&g_lock);
	return found;
}

/* A function gone from the bus or from its driver: its controller (if any) is failed as removed
 * and the application told, from this call, with the driver's lock not held. */
static void pci_function_gone(const struct spdkrt_pci_event *ev)
{
	bool was_removed = false;
	struct spdkrt_nvme_ctrlr *ctrlr = fail_removed_function(&ev->addr, &was_removed);

	if (ctrlr == NULL)
		return;
	if (!was_removed)
		SRT_ERR("nvme %s: the kernel %s the function (uevent): the controller is removed, its "
			"commands fail with -ENXIO",
			ctrlr->trid.traddr,
			ev->type == SPDKRT_PCI_EVENT_REMOVE ? "removed" : "unbound");
	t_telling = ctrlr;
	nvme_ctrlr_notify_removed(ctrlr);
	/* Cleared by a detach from inside the callback: then the controller is not ours. */
	if (t_telling == ctrlr)
		atomic_fetch_sub(&ctrlr->removal_tellers, 1);
	t_telling = NULL;
}

/* A function newly bound to a driver spdkrt uses: probed if this probe covers it. */
static void pci_function_bound(struct spdkrt_nvme_probe_ctx *ctx, const struct spdkrt_pci_event *ev)
{
	char traddr[SPDKRT_PCI_ADDR_STRLEN];
	struct spdkrt_pci_addr want;

	if (strcmp(ev->driver, "vfio-pci") != 0 && strcmp(ev->driver, "uio_pci_generic") != 0)
		return;
	if (ctx->trid.traddr[0] != '\0' && (spdkrt_pci_addr_parse(&want, ctx->trid.traddr) != 0 ||
					    spdkrt_pci_addr_compare(&want, &ev->addr) != 0))
		return;
	if (spdkrt_pci_addr_fmt(traddr, sizeof(traddr), &ev->addr) == 0)
		probe_one(ctx, traddr);
}

/*
 * What the kernel said about PCI functions since the last probe (nvme.h: the first PCIe probe
 * with a remove callback opens the stream). Removals first in practice: they come in order.
 */
static void drain_pci_events(struct spdkrt_nvme_probe_ctx *ctx)
{
	struct spdkrt_pci_event ev;
	unsigned n = 0;
	int rc = 0;

	if (ctx->remove_cb != NULL)
		srt_pci_hotplug_open();
	while (n++ < PCI_EVENTS_PER_PROBE && (rc = srt_pci_hotplug_next(&ev)) == 1) {
		if (ev.type == SPDKRT_PCI_EVENT_REMOVE || ev.type == SPDKRT_PCI_EVENT_UNBIND)
			pci_function_gone(&ev);
		else if (ev.type == SPDKRT_PCI_EVENT_BIND)
			pci_function_bound(ctx, &ev);
	}
	if (rc < 0)
		SRT_WARN("nvme: reading PCI uevents failed: %s", strerror(-rc));
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
	if (ctx->connect_out == NULL && ctx->trid.trtype == SPDKRT_NVME_TRANSPORT_PCIE)
		drain_pci_events(ctx);
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
	/* A probe on another thread may be telling of its removal: let it finish first. */
	if (t_telling == ctrlr)
		t_telling = NULL;
	else
		while (atomic_load(&ctrlr->removal_tellers) != 0)
			sched_yield();
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
