/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O of the nvme bdevs: each thread gets one I/O queue pair per controller (the channel of the
 * controller's io_device, shared by all its namespaces), polled by a poller. Data goes from the
 * bdev's iovecs straight into the driver's PRP/SGL building; the driver splits at MDTS. Admin
 * passthrough and reset run on the controller's admin thread and complete back on the
 * submitting one. A full queue pair is the core's back-pressure (complete_nomem).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>

#include "modules/nvme.h"

#define SRT_LOG_COMPONENT "bdev_nvme"
#include "util/log.h"

struct nvme_bdev_channel {
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_poller *poller;
	struct nvme_bdev_ctrlr *nctrlr;
	/* I/O failed by a lost connection, resubmitted once the controller is reconnected. */
	TAILQ_HEAD(, nvme_bdev_task) parked;
	bool waiting_logged;
};

static void resubmit_parked(struct nvme_bdev_channel *ch);

static int channel_poll(void *arg)
{
	struct nvme_bdev_channel *ch = arg;
	int32_t n;

	/* -ENXIO (failed or removed): the driver has failed what was in flight. */
	n = spdkrt_nvme_qpair_process_completions(ch->qpair, 0);
	if (!TAILQ_EMPTY(&ch->parked))
		resubmit_parked(ch);
	return n > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
}

static int channel_create(void *io_device, void *ctx)
{
	struct nvme_bdev_ctrlr *nctrlr = io_device;
	struct nvme_bdev_channel *ch = ctx;
	struct spdkrt_nvme_io_qpair_opts opts;
	int rc;

	ch->nctrlr = nctrlr;
	TAILQ_INIT(&ch->parked);
	ch->waiting_logged = false;
	spdkrt_nvme_io_qpair_opts_init(&opts, sizeof(opts));
	opts.io_queue_size = nctrlr->io_queue_size;
	opts.io_queue_requests = nctrlr->io_queue_requests;
	pthread_mutex_lock(&nctrlr->admin_lock);
	rc = spdkrt_nvme_ctrlr_alloc_io_qpair(nctrlr->ctrlr, &opts, &ch->qpair);
	pthread_mutex_unlock(&nctrlr->admin_lock);
	if (rc != 0) {
		SRT_ERR("nvme bdev %s: no I/O queue pair for this thread: %s", nctrlr->name,
			strerror(-rc));
		return rc;
	}
	rc = spdkrt_poller_register(channel_poll, ch, 0, &ch->poller);
	if (rc != 0) {
		pthread_mutex_lock(&nctrlr->admin_lock);
		spdkrt_nvme_ctrlr_free_io_qpair(ch->qpair);
		pthread_mutex_unlock(&nctrlr->admin_lock);
		return rc;
	}
	return 0;
}

static void channel_destroy(void *io_device, void *ctx)
{
	struct nvme_bdev_ctrlr *nctrlr = io_device;
	struct nvme_bdev_channel *ch = ctx;

	struct nvme_bdev_task *task;

	spdkrt_poller_unregister(&ch->poller);
	while ((task = TAILQ_FIRST(&ch->parked)) != NULL) {
		TAILQ_REMOVE(&ch->parked, task, park_link);
		spdkrt_bdev_io_complete(task->io, -EIO);
	}
	/* Anything still outstanding completes with ABORTED_SQ_DELETION first. */
	pthread_mutex_lock(&nctrlr->admin_lock);
	spdkrt_nvme_ctrlr_free_io_qpair(ch->qpair);
	pthread_mutex_unlock(&nctrlr->admin_lock);
}

int nvme_bdev_io_device_register(struct nvme_bdev_ctrlr *nctrlr)
{
	return spdkrt_io_device_register(nctrlr, channel_create, channel_destroy,
					 sizeof(struct nvme_bdev_channel), nctrlr->name);
}

static struct spdkrt_io_channel *nvme_bdev_get_io_channel(void *ctx)
{
	struct nvme_bdev_ns *nns = ctx;

	return spdkrt_get_io_channel(nns->nctrlr);
}

static bool nvme_bdev_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	struct nvme_bdev_ns *nns = ctx;
	const struct spdkrt_nvme_ctrlr_data *cdata = spdkrt_nvme_ctrlr_get_data(nns->nctrlr->ctrlr);
	uint16_t oncs = cdata != NULL ? cdata->oncs : 0;

	switch (type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
	case SPDKRT_BDEV_IO_FLUSH:
	case SPDKRT_BDEV_IO_RESET:
	case SPDKRT_BDEV_IO_NVME_ADMIN:
	case SPDKRT_BDEV_IO_NVME_IO:
		return true;
	case SPDKRT_BDEV_IO_UNMAP:
		return (oncs & SPDKRT_NVME_ONCS_DSM) != 0;
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		return (oncs & SPDKRT_NVME_ONCS_WRITE_ZEROES) != 0;
	case SPDKRT_BDEV_IO_COMPARE:
		return (oncs & SPDKRT_NVME_ONCS_COMPARE) != 0;
	default:
		return false;
	}
}

/* Success is the common case and needs no status; any error carries the NVMe status. */
static void complete_with_cpl(struct spdkrt_bdev_io *io, const struct spdkrt_nvme_cpl *cpl)
{
	struct spdkrt_bdev_nvme_status status;

	if (cpl->status >> 1 == 0) {
		spdkrt_bdev_io_complete(io, 0);
		return;
	}
	status.cdw0 = cpl->cdw0;
	status.sct = (uint8_t)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT);
	status.sc = (uint8_t)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC);
	status.dnr = (uint8_t)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_DNR);
	status.reserved = 0;
	spdkrt_bdev_io_complete_nvme(io, &status);
}

/*
 * Reconnect: I/O the loss of the connection failed (TRANSIENT TRANSPORT ERROR in flight,
 * ABORTED_SQ_DELETION when the queue was torn down, -ENXIO at submit) waits on its channel
 * while the driver reconnects, and goes again once it has. It fails with -EIO when the
 * controller is lost for good (the loss timeout: the remove callback) or after
 * fast_io_fail_timeout_sec. Without a reconnect policy nothing waits.
 */
static bool cured_by_reconnect(const struct spdkrt_nvme_cpl *cpl)
{
	uint32_t sc = SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC);

	return SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT) == SPDKRT_NVME_SCT_GENERIC &&
	       (sc == SPDKRT_NVME_SC_TRANSIENT_TRANSPORT_ERROR ||
		sc == SPDKRT_NVME_SC_ABORTED_SQ_DELETION);
}

static bool fast_fail_expired(const struct nvme_bdev_task *task, uint64_t now)
{
	uint64_t limit = task->nns->nctrlr->fast_io_fail_timeout_sec;

	return limit != 0 && now - task->parked_since >= limit * spdkrt_get_ticks_hz();
}

/* @return true when task waits for the reconnect; false: complete it now. */
static bool park(struct nvme_bdev_task *task)
{
	struct nvme_bdev_channel *ch = task->ch;
	struct nvme_bdev_ctrlr *nctrlr = ch->nctrlr;
	uint64_t now = spdkrt_get_ticks();

	if (nctrlr->reconnect_delay_sec == 0 || atomic_load(&nctrlr->removed))
		return false;
	if (task->parked_since == 0)
		task->parked_since = now;
	else if (fast_fail_expired(task, now))
		return false;
	if (!ch->waiting_logged)
		SRT_WARN("nvme bdev %s: I/O waits for controller %s to reconnect", task->nns->name,
			 nctrlr->name);
	ch->waiting_logged = true;
	TAILQ_INSERT_TAIL(&ch->parked, task, park_link);
	return true;
}

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_bdev_task *task = arg;

	if (spdkrt_nvme_cpl_is_error(cpl) && cured_by_reconnect(cpl)) {
		if (park(task))
			return;
		if (task->parked_since != 0) {
			spdkrt_bdev_io_complete(task->io, -EIO);
			return;
		}
	}
	complete_with_cpl(task->io, cpl);
}

static int submit_unmap(struct nvme_bdev_ns *nns, struct spdkrt_nvme_qpair *qpair,
			struct nvme_bdev_task *task)
{
	struct spdkrt_nvme_dsm_range ranges[SPDKRT_NVME_DSM_MAX_RANGES];
	const struct spdkrt_bdev_range *r;
	uint32_t count;

	r = spdkrt_bdev_io_get_ranges(task->io, &count);
	/* The bdev's limits (max_unmap_ranges/blocks) make the core split to fit one command. */
	if (r == NULL || count == 0 || count > SPDKRT_NVME_DSM_MAX_RANGES)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		if (r[i].num_blocks > UINT32_MAX)
			return -EINVAL;
		ranges[i].attributes = 0;
		ranges[i].length = (uint32_t)r[i].num_blocks;
		ranges[i].starting_lba = r[i].offset_blocks;
	}
	return spdkrt_nvme_ns_cmd_dataset_management(nns->ns, qpair,
						     SPDKRT_NVME_DSM_ATTR_DEALLOCATE, ranges,
						     (uint16_t)count, io_done, task);
}

static int submit_io_passthru(struct nvme_bdev_ns *nns, struct spdkrt_nvme_qpair *qpair,
			      struct nvme_bdev_task *task)
{
	struct spdkrt_nvme_cmd cmd = *spdkrt_bdev_io_get_nvme_cmd(task->io);
	struct iovec *iov;
	int iovcnt;

	iov = spdkrt_bdev_io_get_iovs(task->io, &iovcnt);
	if (iovcnt > 1) {
		SRT_ERR("nvme bdev %s: passthrough takes one buffer, got %d", nns->name, iovcnt);
		return -EINVAL;
	}
	/* The bdev is its namespace: a command never reaches another one through it. */
	cmd.nsid = nns->nsid;
	return spdkrt_nvme_ctrlr_cmd_io_raw(nns->nctrlr->ctrlr, qpair, &cmd,
					    iovcnt == 1 ? iov[0].iov_base : NULL,
					    iovcnt == 1 ? (uint32_t)iov[0].iov_len : 0, NULL,
					    io_done, task);
}

static int submit_compare(struct nvme_bdev_ns *nns, struct spdkrt_nvme_qpair *qpair,
			  struct nvme_bdev_task *task, uint64_t lba, uint32_t n)
{
	struct iovec *iov;
	int iovcnt;

	iov = spdkrt_bdev_io_get_iovs(task->io, &iovcnt);
	if (iovcnt != 1) {
		SRT_ERR("nvme bdev %s: compare takes one buffer, got %d", nns->name, iovcnt);
		return -ENOTSUP;
	}
	return spdkrt_nvme_ns_cmd_compare(nns->ns, qpair, iov[0].iov_base, lba, n, io_done, task,
					  nns->io_flags);
}

/* Admin-thread round trips (admin passthrough, reset): back on the submitting thread. */
static void finish_on_origin(void *arg)
{
	struct nvme_bdev_task *task = arg;

	if (task->has_cpl)
		complete_with_cpl(task->io, &task->cpl);
	else
		spdkrt_bdev_io_complete(task->io, task->rc);
}

static void back_to_origin(struct nvme_bdev_task *task)
{
	if (spdkrt_thread_send_msg(spdkrt_bdev_io_get_thread(task->io), finish_on_origin, task) !=
	    0)
		SRT_ERR("nvme bdev %s: cannot reach the submitting thread", task->nns->name);
}

static void admin_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_bdev_task *task = arg;

	task->has_cpl = true;
	task->cpl = *cpl;
	back_to_origin(task);
}

static void reset_done(void *arg, struct spdkrt_nvme_ctrlr *ctrlr, int status)
{
	struct nvme_bdev_task *task = arg;

	(void)ctrlr;
	task->rc = status;
	if (status != 0)
		SRT_ERR("nvme bdev %s: controller reset failed: %s", task->nns->name,
			strerror(-status));
	back_to_origin(task);
}

static void admin_on_ctrlr_thread(void *arg)
{
	struct nvme_bdev_task *task = arg;
	struct nvme_bdev_ctrlr *nctrlr = task->nns->nctrlr;
	struct spdkrt_nvme_cmd cmd;
	struct iovec *iov;
	int iovcnt;

	if (spdkrt_bdev_io_get_type(task->io) == SPDKRT_BDEV_IO_RESET) {
		/*
		 * The core has drained every channel: nothing of this bdev is in flight. The admin
		 * poller drives the reset; each channel's poller hands its queue pair over.
		 */
		SRT_NOTICE("nvme bdev %s: resetting controller %s", task->nns->name, nctrlr->name);
		pthread_mutex_lock(&nctrlr->admin_lock);
		task->rc = spdkrt_nvme_ctrlr_reset_async(nctrlr->ctrlr, reset_done, task);
		pthread_mutex_unlock(&nctrlr->admin_lock);
		if (task->rc != 0) {
			SRT_ERR("nvme bdev %s: controller reset: %s", task->nns->name,
				strerror(-task->rc));
			back_to_origin(task);
		}
		return;
	}
	cmd = *spdkrt_bdev_io_get_nvme_cmd(task->io);
	iov = spdkrt_bdev_io_get_iovs(task->io, &iovcnt);
	if (iovcnt > 1) {
		SRT_ERR("nvme bdev %s: admin passthrough takes one buffer, got %d", task->nns->name,
			iovcnt);
		task->rc = -EINVAL;
		back_to_origin(task);
		return;
	}
	pthread_mutex_lock(&nctrlr->admin_lock);
	task->rc = spdkrt_nvme_ctrlr_cmd_admin_raw(nctrlr->ctrlr, &cmd,
						   iovcnt == 1 ? iov[0].iov_base : NULL,
						   iovcnt == 1 ? (uint32_t)iov[0].iov_len : 0,
						   admin_done, task);
	pthread_mutex_unlock(&nctrlr->admin_lock);
	if (task->rc != 0)
		back_to_origin(task);
}

/* Puts a data command on the channel's queue pair. 0 or -errno. */
static int submit_to_qpair(struct nvme_bdev_channel *ch, struct nvme_bdev_task *task)
{
	struct spdkrt_bdev_io *io = task->io;
	struct nvme_bdev_ns *nns = task->nns;
	uint64_t lba = spdkrt_bdev_io_get_offset_blocks(io);
	uint32_t n = (uint32_t)spdkrt_bdev_io_get_num_blocks(io);
	struct iovec *iov;
	int iovcnt, rc;

	switch (spdkrt_bdev_io_get_type(io)) {
	case SPDKRT_BDEV_IO_READ:
		iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);
		rc = spdkrt_nvme_ns_cmd_readv_iov(nns->ns, ch->qpair, iov, iovcnt, lba, n, io_done,
						  task, nns->io_flags);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);
		rc = spdkrt_nvme_ns_cmd_writev_iov(nns->ns, ch->qpair, iov, iovcnt, lba, n, io_done,
						   task, nns->io_flags);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		rc = spdkrt_nvme_ns_cmd_flush(nns->ns, ch->qpair, io_done, task);
		break;
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		rc = spdkrt_nvme_ns_cmd_write_zeroes(nns->ns, ch->qpair, lba, n, io_done, task,
						     nns->io_flags);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
		rc = submit_unmap(nns, ch->qpair, task);
		break;
	case SPDKRT_BDEV_IO_COMPARE:
		rc = submit_compare(nns, ch->qpair, task, lba, n);
		break;
	case SPDKRT_BDEV_IO_NVME_IO:
		rc = submit_io_passthru(nns, ch->qpair, task);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	return rc;
}

static void submit_or_park(struct nvme_bdev_channel *ch, struct nvme_bdev_task *task)
{
	int rc = submit_to_qpair(ch, task);

	if (rc == 0)
		return;
	if (rc == -ENXIO && park(task))
		return;
	if (rc == -ENOMEM)
		spdkrt_bdev_io_complete_nomem(task->io);
	else
		spdkrt_bdev_io_complete(task->io, task->parked_since != 0 ? -EIO : rc);
}

/* Channel poll with parked I/O: resubmit once reconnected, fail once lost or too late. */
static void resubmit_parked(struct nvme_bdev_channel *ch)
{
	TAILQ_HEAD(, nvme_bdev_task) batch = TAILQ_HEAD_INITIALIZER(batch);
	bool lost = atomic_load(&ch->nctrlr->removed);
	uint64_t now = spdkrt_get_ticks();
	struct nvme_bdev_task *task, *next;

	if (!lost && spdkrt_nvme_ctrlr_is_failed(ch->nctrlr->ctrlr)) {
		for (task = TAILQ_FIRST(&ch->parked); task != NULL; task = next) {
			next = TAILQ_NEXT(task, park_link);
			if (!fast_fail_expired(task, now))
				continue;
			TAILQ_REMOVE(&ch->parked, task, park_link);
			SRT_ERR("nvme bdev %s: I/O failed: not reconnected within "
				"fast_io_fail_timeout_sec",
				task->nns->name);
			spdkrt_bdev_io_complete(task->io, -EIO);
		}
		return;
	}
	TAILQ_CONCAT(&batch, &ch->parked, park_link);
	if (lost)
		SRT_ERR("nvme bdev %s: controller lost: waiting I/O fails", ch->nctrlr->name);
	else
		SRT_NOTICE("nvme bdev %s: reconnected: waiting I/O goes again", ch->nctrlr->name);
	ch->waiting_logged = false;
	/* A snapshot: what fails again parks on ch->parked for the next poll. */
	while ((task = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, task, park_link);
		if (lost)
			spdkrt_bdev_io_complete(task->io, -EIO);
		else
			submit_or_park(ch, task);
	}
}

static void nvme_bdev_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct nvme_bdev_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct nvme_bdev_task *task = spdkrt_bdev_io_get_driver_ctx(io);
	struct nvme_bdev_ns *nns = spdkrt_bdev_io_get_module_ctx(io);
	enum spdkrt_bdev_io_type type = spdkrt_bdev_io_get_type(io);
	int rc;

	task->io = io;
	task->nns = nns;
	task->rc = 0;
	task->has_cpl = false;
	task->ch = ch;
	task->parked_since = 0;
	if (type != SPDKRT_BDEV_IO_NVME_ADMIN && type != SPDKRT_BDEV_IO_RESET) {
		submit_or_park(ch, task);
		return;
	}
	rc = spdkrt_thread_send_msg(nns->nctrlr->thread, admin_on_ctrlr_thread, task);
	if (rc != 0)
		spdkrt_bdev_io_complete(io, rc);
}

const struct spdkrt_bdev_fn_table nvme_bdev_fn_table = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = nvme_bdev_submit,
	.io_type_supported = nvme_bdev_io_type_supported,
	.get_io_channel = nvme_bdev_get_io_channel,
	.destruct = nvme_bdev_ns_destruct,
};
