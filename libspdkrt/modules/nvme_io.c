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

#include "modules/nvme.h"

#define SRT_LOG_COMPONENT "bdev_nvme"
#include "util/log.h"

struct nvme_bdev_channel {
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_poller *poller;
};

static int channel_poll(void *arg)
{
	struct nvme_bdev_channel *ch = arg;

	/* -ENXIO (failed or removed): the driver has failed what was in flight. */
	return spdkrt_nvme_qpair_process_completions(ch->qpair, 0) > 0 ? SPDKRT_POLLER_BUSY :
									 SPDKRT_POLLER_IDLE;
}

static int channel_create(void *io_device, void *ctx)
{
	struct nvme_bdev_ctrlr *nctrlr = io_device;
	struct nvme_bdev_channel *ch = ctx;
	struct spdkrt_nvme_io_qpair_opts opts;
	int rc;

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

	spdkrt_poller_unregister(&ch->poller);
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

static void io_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct nvme_bdev_task *task = arg;

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

static void nvme_bdev_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct nvme_bdev_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct nvme_bdev_task *task = spdkrt_bdev_io_get_driver_ctx(io);
	struct nvme_bdev_ns *nns = spdkrt_bdev_get_module_ctx(spdkrt_bdev_io_get_bdev(io));
	uint64_t lba = spdkrt_bdev_io_get_offset_blocks(io);
	uint32_t n = (uint32_t)spdkrt_bdev_io_get_num_blocks(io);
	struct iovec *iov;
	int iovcnt, rc;

	task->io = io;
	task->nns = nns;
	task->rc = 0;
	task->has_cpl = false;
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
	case SPDKRT_BDEV_IO_NVME_ADMIN:
	case SPDKRT_BDEV_IO_RESET:
		rc = spdkrt_thread_send_msg(nns->nctrlr->thread, admin_on_ctrlr_thread, task);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	if (rc == -ENOMEM)
		spdkrt_bdev_io_complete_nomem(io);
	else if (rc != 0)
		spdkrt_bdev_io_complete(io, rc);
}

const struct spdkrt_bdev_fn_table nvme_bdev_fn_table = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = nvme_bdev_submit,
	.io_type_supported = nvme_bdev_io_type_supported,
	.get_io_channel = nvme_bdev_get_io_channel,
	.destruct = nvme_bdev_ns_destruct,
};
