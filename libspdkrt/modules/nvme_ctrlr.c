/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nvme bdev module's controllers: "nvme:name=Nvme0,trtype=pcie,traddr=0000:00:04.0[,...]"
 * or "nvme:name=Nvme0,trtype=tcp,adrfam=ipv4,traddr=127.0.0.1,trsvcid=4420,subnqn=...[,hostnqn=,
 * hdgst=,ddgst=]" attaches the controller asynchronously (probe polled by the admin poller), then every active
 * namespace becomes a bdev "<name>n<nsid>". The admin poller then processes admin completions;
 * when the driver reports the controller removed, every bdev is unregistered (the driver has
 * failed the I/O in flight). The last bdev released detaches the controller.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bdev/module.h"
#include "env/pci.h"
#include "modules/builtin.h"
#include "modules/nvme.h"

#define SRT_LOG_COMPONENT "bdev_nvme"
#include "util/log.h"

static pthread_mutex_t g_ctrlrs_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, nvme_bdev_ctrlr) g_ctrlrs = TAILQ_HEAD_INITIALIZER(g_ctrlrs);

/* Claims name for nctrlr; -EEXIST when a controller has it already. */
static int ctrlr_list_add(struct nvme_bdev_ctrlr *nctrlr)
{
	struct nvme_bdev_ctrlr *c;
	int rc = 0;

	pthread_mutex_lock(&g_ctrlrs_lock);
	TAILQ_FOREACH(c, &g_ctrlrs, link) {
		if (strcmp(c->name, nctrlr->name) == 0) {
			rc = -EEXIST;
			break;
		}
	}
	if (rc == 0)
		TAILQ_INSERT_TAIL(&g_ctrlrs, nctrlr, link);
	pthread_mutex_unlock(&g_ctrlrs_lock);
	return rc;
}

static int admin_lock_init(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;
	int rc;

	/* recursive: the driver's timeout callback may run inside a locked admin call */
	if (pthread_mutexattr_init(&attr) != 0)
		return -ENOMEM;
	rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (rc == 0)
		rc = pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return rc;
}

static void ctrlr_free(struct nvme_bdev_ctrlr *nctrlr)
{
	pthread_mutex_lock(&g_ctrlrs_lock);
	TAILQ_REMOVE(&g_ctrlrs, nctrlr, link);
	pthread_mutex_unlock(&g_ctrlrs_lock);
	struct nvme_bdev_ns *nns;

	while ((nns = TAILQ_FIRST(&nctrlr->ns_list)) != NULL) {
		TAILQ_REMOVE(&nctrlr->ns_list, nns, link);
		free(nns);
	}
	pthread_mutex_destroy(&nctrlr->admin_lock);
	free(nctrlr);
}

static void remove_cb(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct nvme_bdev_ctrlr *nctrlr = ctx;

	(void)ctrlr;
	/* Any thread's process call may see it; the admin poller acts on it. */
	atomic_store(&nctrlr->removed, true);
}

/* timeout_action=reset: the controller is reset; what was in flight ends with an error. */
static void reset_after_timeout(struct nvme_bdev_ctrlr *nctrlr, const char *why)
{
	int rc;

	/* Callers run on any thread: the admin queue (and the reset's start) is shared. */
	pthread_mutex_lock(&nctrlr->admin_lock);
	rc = spdkrt_nvme_ctrlr_reset_async(nctrlr->ctrlr, NULL, NULL);
	pthread_mutex_unlock(&nctrlr->admin_lock);
	if (rc == 0)
		SRT_WARN("nvme bdev %s: %s: resetting the controller", nctrlr->name, why);
	else if (rc != -EBUSY)
		SRT_ERR("nvme bdev %s: %s, and the reset cannot start: %s", nctrlr->name, why,
			strerror(-rc));
}

/*
 * Abort's completion: CDW0 bit 0 set means the command was not aborted. ABORTED_SQ_DELETION:
 * a reset (or the controller's failure) ended the Abort, and the command with it.
 */
static void abort_done(void *ctx, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_bdev_ctrlr *nctrlr = ctx;

	if (nctrlr->timeout_action != NVME_BDEV_TIMEOUT_RESET)
		return;
	if (SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT) == SPDKRT_NVME_SCT_GENERIC &&
	    SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC) ==
		    SPDKRT_NVME_SC_ABORTED_SQ_DELETION)
		return;
	if (spdkrt_nvme_cpl_is_error(cpl) || (cpl->cdw0 & 1u) != 0)
		reset_after_timeout(nctrlr, "the abort of a timed-out command failed");
}

static void timeout_cb(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr, struct spdkrt_nvme_qpair *qpair,
		       uint16_t cid)
{
	struct nvme_bdev_ctrlr *nctrlr = ctx;
	int rc;

	SRT_WARN("nvme bdev %s: command %u of queue %u timed out", nctrlr->name, cid,
		 spdkrt_nvme_qpair_get_id(qpair));
	if (nctrlr->timeout_action == NVME_BDEV_TIMEOUT_NONE)
		return;
	if (qpair == NULL) {
		/* An admin command (the abort itself, too) is only registered for reset. */
		reset_after_timeout(nctrlr, "an admin command timed out");
		return;
	}
	/* I/O timeouts are seen on the channel's thread: the admin queue is shared. */
	pthread_mutex_lock(&nctrlr->admin_lock);
	rc = spdkrt_nvme_ctrlr_cmd_abort(ctrlr, qpair, cid, abort_done, nctrlr);
	pthread_mutex_unlock(&nctrlr->admin_lock);
	if (rc != 0) {
		SRT_ERR("nvme bdev %s: abort of command %u failed: %s", nctrlr->name, cid,
			strerror(-rc));
		if (nctrlr->timeout_action == NVME_BDEV_TIMEOUT_RESET)
			reset_after_timeout(nctrlr, "a command timed out and cannot be aborted");
	}
}

/* Removal: descriptors get REMOVE, new I/O -ENODEV; each bdev's destruct follows. */
static void unregister_bdevs(struct nvme_bdev_ctrlr *nctrlr)
{
	SRT_ERR("nvme bdev %s: controller removed: its bdevs go away", nctrlr->name);
	struct nvme_bdev_ns *nns;

	nctrlr->removing = true;
	TAILQ_FOREACH(nns, &nctrlr->ns_list, link) {
		if (nns->bdev != NULL)
			spdkrt_bdev_unregister(nns->bdev, NULL, NULL);
	}
}

static void attach_finish(struct nvme_bdev_ctrlr *nctrlr);

static int admin_poll(void *arg)
{
	struct nvme_bdev_ctrlr *nctrlr = arg;
	int rc;

	if (nctrlr->probe != NULL) {
		rc = spdkrt_nvme_probe_poll_async(nctrlr->probe);
		if (rc == -EAGAIN)
			return SPDKRT_POLLER_BUSY;
		nctrlr->probe = NULL;
		if (nctrlr->ctrlr == NULL)
			nctrlr->attach_rc = rc != 0 ? rc : -ENODEV;
		attach_finish(nctrlr);
		return SPDKRT_POLLER_BUSY;
	}
	pthread_mutex_lock(&nctrlr->admin_lock);
	rc = spdkrt_nvme_ctrlr_process_admin_completions(nctrlr->ctrlr);
	pthread_mutex_unlock(&nctrlr->admin_lock);
	if (atomic_load(&nctrlr->removed) && !nctrlr->removing)
		unregister_bdevs(nctrlr);
	return rc > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
}

static bool probe_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		     struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct nvme_bdev_ctrlr *nctrlr = ctx;

	if (spdkrt_nvme_transport_id_compare(trid, &nctrlr->trid) != 0)
		return false;
	if (nctrlr->io_queue_size != 0)
		opts->io_queue_size = nctrlr->io_queue_size;
	if (nctrlr->io_queue_requests != 0)
		opts->io_queue_requests = nctrlr->io_queue_requests;
	opts->retry_count = nctrlr->retry_count;
	if (nctrlr->hostnqn[0] != '\0')
		snprintf(opts->hostnqn, sizeof(opts->hostnqn), "%s", nctrlr->hostnqn);
	opts->header_digest = nctrlr->hdgst;
	opts->data_digest = nctrlr->ddgst;
	opts->reconnect_delay_ms = nctrlr->reconnect_delay_sec * 1000u;
	opts->ctrlr_loss_timeout_ms =
		nctrlr->ctrlr_loss_timeout_sec < 0 ? -1 : nctrlr->ctrlr_loss_timeout_sec * 1000;
	return true;
}

static void attach_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		      struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct nvme_bdev_ctrlr *nctrlr = ctx;

	(void)trid;
	(void)opts;
	nctrlr->ctrlr = ctrlr;
}

/* One namespace's bdev. A layout the bdev layer cannot express is skipped (logged). */
static int ns_register(struct nvme_bdev_ctrlr *nctrlr, struct nvme_bdev_ns *nns)
{
	const struct spdkrt_nvme_ns_data *nsdata = spdkrt_nvme_ns_get_data(nns->ns);
	uint32_t block_size = spdkrt_nvme_ns_get_sector_size(nns->ns);
	uint32_t mdts_blocks = spdkrt_nvme_ns_get_max_io_sectors(nns->ns);
	struct spdkrt_bdev_info info;

	if (spdkrt_nvme_ns_supports_extended_lba(nns->ns) &&
	    spdkrt_nvme_ns_get_md_size(nns->ns) != 0) {
		SRT_WARN("nvme bdev %s: metadata interleaved with data (%u+%u bytes per block) is "
			 "not supported: skipped",
			 nns->name, block_size, spdkrt_nvme_ns_get_md_size(nns->ns));
		return -ENOTSUP;
	}
	/* 8 bytes of protection information: the controller inserts and strips it. */
	if (spdkrt_nvme_ns_get_pi_type(nns->ns) != 0) {
		if (spdkrt_nvme_ns_get_md_size(nns->ns) != 8) {
			SRT_WARN("nvme bdev %s: protection information with %u metadata bytes is "
				 "not supported: skipped",
				 nns->name, spdkrt_nvme_ns_get_md_size(nns->ns));
			return -ENOTSUP;
		}
		nns->io_flags = SPDKRT_NVME_IO_FLAGS_PRACT;
	}
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = nns->name;
	info.product_name = "NVMe disk";
	info.module = nctrlr->module;
	info.fn = &nvme_bdev_fn_table;
	info.ctx = nns;
	info.block_size = block_size;
	info.num_blocks = spdkrt_nvme_ns_get_num_sectors(nns->ns);
	info.buf_align = 4; /* PRP entries and SGL data blocks: dword aligned */
	info.optimal_io_boundary = nsdata != NULL ? nsdata->noiob : 0;
	/* The driver splits at MDTS with one request per child: bound the children per I/O. */
	info.max_io_blocks = mdts_blocks != 0 && mdts_blocks <= UINT32_MAX / 32 ? mdts_blocks * 32 :
										  UINT32_MAX;
	info.max_unmap_blocks = UINT32_MAX;
	info.max_unmap_ranges = SPDKRT_NVME_DSM_MAX_RANGES;
	info.max_write_zeroes_blocks = UINT32_MAX;
	if (nsdata != NULL)
		memcpy(info.uuid, nsdata->nguid, sizeof(info.uuid));
	return spdkrt_bdev_register(&info, &nns->bdev);
}

static void teardown_on_ctrlr_thread(void *arg);

static struct nvme_bdev_ns *ns_find(struct nvme_bdev_ctrlr *nctrlr, uint32_t nsid)
{
	struct nvme_bdev_ns *nns;

	TAILQ_FOREACH(nns, &nctrlr->ns_list, link) {
		if (nns->nsid == nsid)
			return nns;
	}
	return NULL;
}

/* A bdev for namespace nsid (again, when it comes back). 0, -ENOTSUP (skipped) or an error. */
static int ns_add(struct nvme_bdev_ctrlr *nctrlr, uint32_t nsid)
{
	struct nvme_bdev_ns *nns = ns_find(nctrlr, nsid);
	bool is_new = nns == NULL;
	int rc;

	if (is_new) {
		nns = calloc(1, sizeof(*nns));
		if (nns == NULL)
			return -ENOMEM;
		nns->nctrlr = nctrlr;
		nns->nsid = nsid;
		snprintf(nns->name, sizeof(nns->name), "%sn%u", nctrlr->name, nsid);
	} else if (nns->bdev != NULL) {
		return 0;
	}
	nns->ns = spdkrt_nvme_ctrlr_get_ns(nctrlr->ctrlr, nsid);
	nns->io_flags = 0;
	rc = nns->ns != NULL ? ns_register(nctrlr, nns) : -ENODEV;
	if (rc != 0) {
		nns->bdev = NULL;
		if (is_new)
			free(nns);
		return rc;
	}
	if (is_new)
		TAILQ_INSERT_TAIL(&nctrlr->ns_list, nns, link);
	pthread_mutex_lock(&g_ctrlrs_lock);
	nctrlr->live_bdevs++;
	pthread_mutex_unlock(&g_ctrlrs_lock);
	return 0;
}

/* A namespace-attribute-changed event rescanned the namespaces: follow it with the bdevs. */
static void ns_change_cb(void *arg, struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct nvme_bdev_ctrlr *nctrlr = arg;
	struct nvme_bdev_ns *nns;
	uint32_t nsid;
	int rc;

	if (nctrlr->removing)
		return;
	TAILQ_FOREACH(nns, &nctrlr->ns_list, link) {
		if (nns->bdev != NULL && spdkrt_nvme_ctrlr_get_ns(ctrlr, nns->nsid) == NULL) {
			SRT_NOTICE("nvme bdev %s: namespace %u is gone", nns->name, nns->nsid);
			spdkrt_bdev_unregister(nns->bdev, NULL, NULL);
		}
	}
	for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid)) {
		nns = ns_find(nctrlr, nsid);
		if (nns != NULL && nns->bdev != NULL)
			continue;
		rc = ns_add(nctrlr, nsid);
		if (rc == 0)
			SRT_NOTICE("nvme bdev %s: namespace %u added as %sn%u", nctrlr->name, nsid,
				   nctrlr->name, nsid);
		else if (rc != -ENOTSUP)
			SRT_ERR("nvme bdev %s: no bdev for new namespace %u: %s", nctrlr->name,
				nsid, strerror(-rc));
	}
}

/* Every namespace as a bdev; reports to the creator. */
static void attach_finish(struct nvme_bdev_ctrlr *nctrlr)
{
	struct spdkrt_bdev **bdevs = NULL;
	struct nvme_bdev_ns *nns;
	size_t count = 0, active = 0;
	uint32_t nsid;
	int rc = nctrlr->attach_rc;

	if (rc != 0) {
		SRT_ERR("nvme bdev %s: attaching %s failed: %s", nctrlr->name, nctrlr->trid.traddr,
			strerror(-rc));
		goto fail;
	}
	/* With reset, admin commands (the abort first) are timed too: one that hangs resets. */
	spdkrt_nvme_ctrlr_register_timeout_callback(
		nctrlr->ctrlr, nctrlr->io_timeout_us,
		nctrlr->timeout_action == NVME_BDEV_TIMEOUT_RESET ? nctrlr->io_timeout_us : 0,
		timeout_cb, nctrlr);
	for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(nctrlr->ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(nctrlr->ctrlr, nsid))
		active++;
	bdevs = calloc(active + 1, sizeof(*bdevs));
	if (bdevs == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = nvme_bdev_io_device_register(nctrlr);
	if (rc != 0)
		goto fail;
	nctrlr->io_device_registered = true;
	for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(nctrlr->ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(nctrlr->ctrlr, nsid)) {
		int ns_rc = ns_add(nctrlr, nsid);

		if (ns_rc != 0 && ns_rc != -ENOTSUP)
			rc = ns_rc;
	}
	TAILQ_FOREACH(nns, &nctrlr->ns_list, link) {
		if (nns->bdev != NULL && count < active)
			bdevs[count++] = nns->bdev;
	}
	if (count == 0 && rc != 0)
		goto fail;
	rc = 0;
	spdkrt_nvme_ctrlr_register_ns_change_callback(nctrlr->ctrlr, ns_change_cb, nctrlr);
	SRT_NOTICE("nvme bdev %s: controller %s attached, %zu bdev(s)", nctrlr->name,
		   nctrlr->trid.traddr, count);
	nctrlr->create_cb(nctrlr->create_ctx, 0, bdevs, count);
	free(bdevs);
	if (count == 0) /* nothing uses the controller: let it go */
		teardown_on_ctrlr_thread(nctrlr);
	return;
fail:
	free(bdevs);
	nctrlr->create_cb(nctrlr->create_ctx, rc, NULL, 0);
	teardown_on_ctrlr_thread(nctrlr);
}

static void destruct_done_on_origin(void *arg)
{
	struct nvme_bdev_ctrlr *nctrlr = arg;

	nctrlr->last_done(nctrlr->last_bdev);
	ctrlr_free(nctrlr);
}

static void channels_gone(void *io_device)
{
	struct nvme_bdev_ctrlr *nctrlr = io_device;
	int rc;

	if (nctrlr->ctrlr != NULL) {
		/* no channel and no admin poller are left: nothing else uses the controller */
		rc = spdkrt_nvme_detach(nctrlr->ctrlr);
		if (rc != 0)
			SRT_ERR("nvme bdev %s: detach: %s", nctrlr->name, strerror(-rc));
		nctrlr->ctrlr = NULL;
	}
	SRT_NOTICE("nvme bdev %s: controller detached", nctrlr->name);
	if (nctrlr->last_done == NULL) {
		ctrlr_free(nctrlr);
		return;
	}
	if (spdkrt_thread_send_msg(nctrlr->last_thread, destruct_done_on_origin, nctrlr) != 0)
		SRT_ERR("nvme bdev %s: cannot finish the destruct of %s", nctrlr->name,
			spdkrt_bdev_get_name(nctrlr->last_bdev));
}

/* No bdev left: stop the admin poller, wait for the channels, detach. */
static void teardown_on_ctrlr_thread(void *arg)
{
	struct nvme_bdev_ctrlr *nctrlr = arg;

	spdkrt_poller_unregister(&nctrlr->admin_poller);
	if (!nctrlr->io_device_registered ||
	    spdkrt_io_device_unregister(nctrlr, channels_gone) != 0)
		channels_gone(nctrlr);
}

void nvme_bdev_ns_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	struct nvme_bdev_ns *nns = spdkrt_bdev_get_module_ctx(bdev);
	struct nvme_bdev_ctrlr *nctrlr = nns->nctrlr;
	uint32_t left;

	pthread_mutex_lock(&g_ctrlrs_lock);
	nns->bdev = NULL;
	left = --nctrlr->live_bdevs;
	pthread_mutex_unlock(&g_ctrlrs_lock);
	if (left != 0) {
		done(bdev);
		return;
	}
	nctrlr->last_bdev = bdev;
	nctrlr->last_done = done;
	nctrlr->last_thread = spdkrt_get_thread();
	if (spdkrt_thread_send_msg(nctrlr->thread, teardown_on_ctrlr_thread, nctrlr) != 0) {
		SRT_ERR("nvme bdev %s: its admin thread is gone: the controller stays attached",
			nctrlr->name);
		done(bdev);
	}
}

/* Copies a spec value into a fixed field; -EINVAL (logged) when it does not fit. */
static int copy_field(char *dst, size_t size, const char *key, const char *value)
{
	if (strlen(value) >= size) {
		SRT_ERR("nvme bdev spec: %s is longer than %zu characters", key, size - 1);
		return -EINVAL;
	}
	strcpy(dst, value);
	return 0;
}

/* The NVMe/TCP form: adrfam (default ipv4), traddr, trsvcid, subnqn; hostnqn, hdgst, ddgst. */
static int parse_tcp(struct spdkrt_bdev_spec *spec, struct nvme_bdev_ctrlr *nctrlr)
{
	struct spdkrt_nvme_transport_id *trid = &nctrlr->trid;
	const char *adrfam = spdkrt_bdev_spec_get(spec, "adrfam");
	const char *hostnqn = spdkrt_bdev_spec_get(spec, "hostnqn");
	const char *traddr, *trsvcid, *subnqn;
	int rc;

	rc = spdkrt_bdev_spec_get_str(spec, "traddr", &traddr);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "trsvcid", &trsvcid);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "subnqn", &subnqn);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_bool(spec, "hdgst", &nctrlr->hdgst);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_bool(spec, "ddgst", &nctrlr->ddgst);
	if (rc != 0)
		return rc;
	trid->trtype = SPDKRT_NVME_TRANSPORT_TCP;
	if (adrfam == NULL || strcasecmp(adrfam, "ipv4") == 0) {
		trid->adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
	} else if (strcasecmp(adrfam, "ipv6") == 0) {
		trid->adrfam = SPDKRT_NVMF_ADRFAM_IPV6;
	} else {
		SRT_ERR("nvme bdev spec: adrfam '%s' is not ipv4 or ipv6", adrfam);
		return -EINVAL;
	}
	if (strcmp(subnqn, SPDKRT_NVMF_DISCOVERY_NQN) == 0) {
		SRT_ERR("nvme bdev spec: subnqn is the discovery NQN: name an NVM subsystem");
		return -EINVAL;
	}
	rc = copy_field(trid->traddr, sizeof(trid->traddr), "traddr", traddr);
	if (rc == 0)
		rc = copy_field(trid->trsvcid, sizeof(trid->trsvcid), "trsvcid", trsvcid);
	if (rc == 0)
		rc = copy_field(trid->subnqn, sizeof(trid->subnqn), "subnqn", subnqn);
	if (rc == 0 && hostnqn != NULL)
		rc = copy_field(nctrlr->hostnqn, sizeof(nctrlr->hostnqn), "hostnqn", hostnqn);
	return rc;
}

static int parse_transport(struct spdkrt_bdev_spec *spec, struct nvme_bdev_ctrlr *nctrlr)
{
	struct spdkrt_nvme_transport_id *trid = &nctrlr->trid;
	const char *trtype, *traddr;
	int rc;

	rc = spdkrt_bdev_spec_get_str(spec, "trtype", &trtype);
	if (rc != 0)
		return rc;
	memset(trid, 0, sizeof(*trid));
	if (strcasecmp(trtype, "tcp") == 0)
		return parse_tcp(spec, nctrlr);
	if (strcasecmp(trtype, "pcie") != 0) {
		SRT_ERR("nvme bdev spec: trtype '%s' is not supported (pcie or tcp)", trtype);
		return -ENOTSUP;
	}
	rc = spdkrt_bdev_spec_get_str(spec, "traddr", &traddr);
	if (rc != 0)
		return rc;
	trid->trtype = SPDKRT_NVME_TRANSPORT_PCIE;
	return copy_field(trid->traddr, sizeof(trid->traddr), "traddr", traddr);
}

/*
 * reconnect_delay_sec, ctrlr_loss_timeout_sec (-1: forever) and fast_io_fail_timeout_sec, as
 * SPDK's bdev_nvme takes them; the driver checks the combination at attach.
 */
static int parse_reconnect(struct spdkrt_bdev_spec *spec, struct nvme_bdev_ctrlr *nctrlr)
{
	const char *loss = spdkrt_bdev_spec_get(spec, "ctrlr_loss_timeout_sec");
	uint64_t delay = 0, fast_fail = 0;
	int rc;

	rc = spdkrt_bdev_spec_get_u64(spec, "reconnect_delay_sec", 0, 86400, &delay);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "fast_io_fail_timeout_sec", 0, 86400,
					      &fast_fail);
	if (rc != 0)
		return rc;
	nctrlr->ctrlr_loss_timeout_sec = 0;
	if (loss != NULL) {
		char *end;
		long v = strtol(loss, &end, 10);

		if (*loss == '\0' || *end != '\0' || v < -1 || v > 86400) {
			SRT_ERR("nvme bdev spec: ctrlr_loss_timeout_sec='%s' is not -1 or 0..86400",
				loss);
			return -EINVAL;
		}
		nctrlr->ctrlr_loss_timeout_sec = (int32_t)v;
	}
	if (fast_fail != 0 && nctrlr->ctrlr_loss_timeout_sec > 0 &&
	    fast_fail > (uint64_t)nctrlr->ctrlr_loss_timeout_sec) {
		SRT_ERR("nvme bdev spec: fast_io_fail_timeout_sec %llu is longer than "
			"ctrlr_loss_timeout_sec %d",
			(unsigned long long)fast_fail, nctrlr->ctrlr_loss_timeout_sec);
		return -EINVAL;
	}
	nctrlr->reconnect_delay_sec = (uint32_t)delay;
	nctrlr->fast_io_fail_timeout_sec = (uint32_t)fast_fail;
	return 0;
}

static int parse_options(struct spdkrt_bdev_spec *spec, struct nvme_bdev_ctrlr *nctrlr)
{
	uint64_t qsize = 0, qreqs = 0, retries = 4, poll_us = 1000, timeout_us = 0;
	const char *action = spdkrt_bdev_spec_get(spec, "timeout_action");
	int rc;

	rc = spdkrt_bdev_spec_get_u64(spec, "io_queue_size", 2, 65536, &qsize);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "io_queue_requests", 1, 1u << 20, &qreqs);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "retry_count", 0, 255, &retries);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "admin_poll_us", 0, 10000000, &poll_us);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "timeout_us", 0, UINT32_MAX, &timeout_us);
	if (rc == 0)
		rc = parse_reconnect(spec, nctrlr);
	if (rc != 0)
		return rc;
	if (action == NULL || strcmp(action, "none") == 0) {
		nctrlr->timeout_action = NVME_BDEV_TIMEOUT_NONE;
	} else if (strcmp(action, "abort") == 0) {
		nctrlr->timeout_action = NVME_BDEV_TIMEOUT_ABORT;
	} else if (strcmp(action, "reset") == 0) {
		nctrlr->timeout_action = NVME_BDEV_TIMEOUT_RESET;
	} else {
		SRT_ERR("nvme bdev spec: timeout_action='%s' is not 'none', 'abort' or 'reset'",
			action);
		return -EINVAL;
	}
	nctrlr->io_queue_size = (uint32_t)qsize;
	nctrlr->io_queue_requests = (uint32_t)qreqs;
	nctrlr->retry_count = (uint32_t)retries;
	nctrlr->admin_poll_us = poll_us;
	nctrlr->io_timeout_us = timeout_us;
	return 0;
}

/* Parses the spec and starts the attach; *out (may be NULL) is the controller while attaching. */
static int start_attach(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			spdkrt_bdev_create_cb cb, void *cb_ctx, struct nvme_bdev_ctrlr **out)
{
	struct nvme_bdev_ctrlr *nctrlr;
	const char *name;
	int rc;

	nctrlr = calloc(1, sizeof(*nctrlr));
	if (nctrlr == NULL)
		return -ENOMEM;
	rc = spdkrt_bdev_spec_get_str(spec, "name", &name);
	if (rc == 0 && strlen(name) >= sizeof(nctrlr->name)) {
		SRT_ERR("nvme bdev spec: name '%s' is longer than %d characters", name,
			NVME_BDEV_NAME_MAX - 1);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = parse_transport(spec, nctrlr);
	if (rc == 0)
		rc = parse_options(spec, nctrlr);
	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	if (rc != 0) {
		free(nctrlr);
		return rc;
	}
	strcpy(nctrlr->name, name);
	if (admin_lock_init(&nctrlr->admin_lock) != 0) {
		free(nctrlr);
		return -ENOMEM;
	}
	TAILQ_INIT(&nctrlr->ns_list);
	nctrlr->module = module;
	nctrlr->thread = spdkrt_get_thread();
	nctrlr->create_cb = cb;
	nctrlr->create_ctx = cb_ctx;
	rc = ctrlr_list_add(nctrlr);
	if (rc != 0) {
		SRT_ERR("nvme bdev spec: a controller named '%s' exists", name);
		pthread_mutex_destroy(&nctrlr->admin_lock);
		free(nctrlr);
		return rc;
	}
	rc = spdkrt_nvme_probe_async(&nctrlr->trid, nctrlr, probe_cb, attach_cb, remove_cb,
				     &nctrlr->probe);
	if (rc == 0)
		rc = spdkrt_poller_register(admin_poll, nctrlr, nctrlr->admin_poll_us,
					    &nctrlr->admin_poller);
	if (rc != 0) {
		SRT_ERR("nvme bdev %s: cannot start attaching %s: %s", name, nctrlr->trid.traddr,
			strerror(-rc));
		/* a probe context already started is finished by polling it out */
		while (nctrlr->probe != NULL &&
		       spdkrt_nvme_probe_poll_async(nctrlr->probe) == -EAGAIN)
			;
		if (nctrlr->ctrlr != NULL)
			spdkrt_nvme_detach(nctrlr->ctrlr);
		ctrlr_free(nctrlr);
		return rc;
	}
	if (out != NULL)
		*out = nctrlr;
	return 0;
}

static int nvme_create_async(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			     spdkrt_bdev_create_cb cb, void *cb_ctx)
{
	return start_attach(module, spec, cb, cb_ctx, NULL);
}

struct sync_attach {
	bool done;
	int status;
	struct spdkrt_bdev *first;
};

static void sync_attach_done(void *ctx, int status, struct spdkrt_bdev *const *bdevs, size_t count)
{
	struct sync_attach *w = ctx;

	w->done = true;
	w->status = status;
	w->first = status == 0 && count > 0 ? bdevs[0] : NULL;
}

/*
 * spdkrt_bdev_create(): the same attach, polled here to its end (every step of the driver's
 * probe is bounded by CAP.TO or its admin timeout); gives the first namespace's bdev, the
 * others are registered too.
 */
static int nvme_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		       struct spdkrt_bdev **bdev)
{
	struct sync_attach w = { false, 0, NULL };
	struct nvme_bdev_ctrlr *nctrlr;
	int rc;

	if (spdkrt_get_thread() == NULL) {
		SRT_ERR("nvme bdev: create needs an spdkrt thread (its admin poller runs there)");
		return -EINVAL;
	}
	rc = start_attach(module, spec, sync_attach_done, &w, &nctrlr);
	if (rc != 0)
		return rc;
	while (!w.done) {
		srt_pci_model_poll_all(); /* no-op without model devices */
		admin_poll(nctrlr);
	}
	if (w.status != 0)
		return w.status;
	if (w.first == NULL) {
		SRT_ERR("nvme bdev: the controller has no namespace a bdev can serve");
		return -ENODEV;
	}
	*bdev = w.first;
	return 0;
}

const struct spdkrt_bdev_module_ops srt_bdev_nvme_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "nvme",
	.io_ctx_size = sizeof(struct nvme_bdev_task),
	.create = nvme_create,
	.create_async = nvme_create_async,
};
