/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The io_uring bdev: a file or block device through io_uring (liburing), one ring per thread.
 * submit() fills an SQE and stops there; the channel's poller reaps the CQ ring in user space
 * and then submits every SQE filled since the last poll with one io_uring_enter(). The file is
 * registered with the ring (no per-I/O file reference), and with COOP_TASKRUN the kernel only
 * raises a flag when completions need the thread: an idle poll makes no system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <string.h>

#include "modules/file.h"
#include "modules/file_worker.h"
#include "modules/builtin.h"

#define SRT_LOG_COMPONENT "uring"
#include "util/log.h"

#include "util/compiler.h"

/* SQ entries per ring and I/O in the kernel at once per channel; more wait in a queue. */
#define URING_DEPTH 256
/* CQEs per reaping round. */
#define URING_BATCH 256

struct uring_channel {
	struct io_uring ring;
	struct srt_file_disk *disk;
	int fd; /* 0 (the registered file) with IOSQE_FIXED_FILE, else the fd */
	uint8_t sqe_flags;
	uint32_t inflight; /* SQEs filled and not yet reaped */
	uint32_t num_queued;
	struct srt_file_req_list queued; /* no room in the rings yet */
	struct spdkrt_poller *poller;
	bool submit_failed_logged;
};

/* The driver context of each I/O. */
struct uring_task {
	struct srt_file_req req; /* first: the SQE's user data points to it */
	bool zeroing;            /* write-zeroes/unmap by written zeroes rather than fallocate */
	int mode;                /* the fallocate mode */
	struct srt_file_zero_op zero;
};
_Static_assert(sizeof(struct uring_task) <= SPDKRT_BDEV_IO_DRIVER_CTX_MAX, "fits the driver ctx");

static inline struct uring_task *task_of(struct srt_file_req *req)
{
	return container_of(req, struct uring_task, req);
}

/* Fills an SQE for req; the caller checked that the rings have room. */
static void uring_prep(struct uring_channel *ch, struct srt_file_req *req)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ch->ring);
	struct uring_task *t = task_of(req);
	uint64_t offset = req->offset;

	switch (req->type) {
	case SPDKRT_BDEV_IO_READ:
		if (req->iovcnt == 1 && req->iovs[0].iov_len <= UINT32_MAX)
			io_uring_prep_read(sqe, ch->fd, req->iovs[0].iov_base,
					   (unsigned)req->iovs[0].iov_len, offset);
		else
			io_uring_prep_readv(sqe, ch->fd, req->iovs, (unsigned)req->iovcnt, offset);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		if (req->iovcnt == 1 && req->iovs[0].iov_len <= UINT32_MAX)
			io_uring_prep_write(sqe, ch->fd, req->iovs[0].iov_base,
					    (unsigned)req->iovs[0].iov_len, offset);
		else
			io_uring_prep_writev(sqe, ch->fd, req->iovs, (unsigned)req->iovcnt, offset);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		io_uring_prep_fsync(sqe, ch->fd, IORING_FSYNC_DATASYNC);
		break;
	default: /* unmap, write zeroes */
		if (!t->zeroing)
			io_uring_prep_fallocate(sqe, ch->fd, t->mode, (off_t)offset,
						(off_t)req->len);
		else
			io_uring_prep_write(sqe, ch->fd, srt_file_zeroes(),
					    (unsigned)srt_file_zero_len(&t->zero), t->zero.offset);
		break;
	}
	sqe->flags |= ch->sqe_flags;
	io_uring_sqe_set_data(sqe, req);
	ch->inflight++;
}

static inline void uring_start(struct uring_channel *ch, struct srt_file_req *req)
{
	if (likely(ch->inflight < URING_DEPTH && STAILQ_EMPTY(&ch->queued))) {
		uring_prep(ch, req);
	} else {
		STAILQ_INSERT_TAIL(&ch->queued, req, link);
		ch->num_queued++;
	}
}

/* Switches a write-zeroes/unmap to written zeroes; false when it completed the I/O. */
static bool uring_zero_by_writes(struct uring_task *t)
{
	if (srt_file_zeroes() == NULL) {
		spdkrt_bdev_io_complete(t->req.io, -ENOMEM);
		return false;
	}
	t->zeroing = true;
	t->zero.offset = t->req.offset;
	t->zero.left = t->req.len;
	return true;
}

static void uring_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct uring_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct uring_task *t = spdkrt_bdev_io_get_driver_ctx(io);

	srt_file_req_init(&t->req, ch->disk, io);
	switch (t->req.type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
	case SPDKRT_BDEV_IO_FLUSH:
		break;
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		/* fallocate runs in an io_uring worker: off the polling thread. */
		t->mode = srt_file_fallocate_mode(&ch->disk->file, t->req.type);
		t->zeroing = false;
		if (t->mode == 0 && !uring_zero_by_writes(t))
			return;
		break;
	case SPDKRT_BDEV_IO_RESET:
		/* the core drained every channel before handing the reset over */
		spdkrt_bdev_io_complete(io, 0);
		return;
	default:
		spdkrt_bdev_io_complete(io, -ENOTSUP);
		return;
	}
	uring_start(ch, &t->req);
}

static void uring_cqe(struct uring_channel *ch, struct srt_file_req *req, int res)
{
	struct uring_task *t = task_of(req);
	int status;

	switch (req->type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
		if (likely(res >= 0 && (uint64_t)res == req->len))
			status = 0;
		else if (res < 0)
			status = res;
		else { /* the rest, with plain preadv/pwritev, on the worker */
			req->progress = (uint64_t)res;
			srt_file_worker_run(ch->disk->worker, req);
			return;
		}
		break;
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		if (!t->zeroing) {
			status = res;
			if (srt_file_fallocate_unsupported(res)) {
				srt_file_fallocate_refused(&ch->disk->file, req->type);
				if (uring_zero_by_writes(t))
					uring_start(ch, req);
				return;
			}
			break;
		}
		status = srt_file_zero_advance(&t->zero, res);
		if (status > 0) {
			uring_start(ch, req);
			return;
		}
		break;
	default:
		status = res < 0 ? res : 0;
		break;
	}
	spdkrt_bdev_io_complete(req->io, status);
}

struct uring_done {
	struct srt_file_req *req;
	int res;
};

static int uring_reap(struct uring_channel *ch)
{
	struct io_uring_cqe *cqes[URING_BATCH];
	struct uring_done done[URING_BATCH];
	/* Reads the CQ ring; enters the kernel only when it flagged pending work. */
	unsigned n = io_uring_peek_batch_cqe(&ch->ring, cqes, URING_BATCH);

	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		done[i].req = io_uring_cqe_get_data(cqes[i]);
		done[i].res = cqes[i]->res;
	}
	io_uring_cq_advance(&ch->ring, n);
	ch->inflight -= n;
	for (unsigned i = 0; i < n; i++)
		uring_cqe(ch, done[i].req, done[i].res);
	return (int)n;
}

static int uring_poll(void *arg)
{
	struct uring_channel *ch = arg;
	int n = 0, rc;

	if (ch->inflight > 0)
		n = uring_reap(ch);
	while (!STAILQ_EMPTY(&ch->queued) && ch->inflight < URING_DEPTH) {
		struct srt_file_req *req = STAILQ_FIRST(&ch->queued);

		STAILQ_REMOVE_HEAD(&ch->queued, link);
		ch->num_queued--;
		uring_prep(ch, req);
	}
	if (io_uring_sq_ready(&ch->ring) == 0)
		return n > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
	/* Everything filled since the last poll goes in with one system call. */
	rc = io_uring_submit(&ch->ring);
	if (unlikely(rc < 0) && !ch->submit_failed_logged) {
		/* The SQEs stay in the ring; the next poll submits them again. */
		ch->submit_failed_logged = true;
		SRT_ERR("uring bdev '%s': io_uring_enter: %s (retrying)", ch->disk->name,
			spdkrt_strerror(rc));
	}
	return SPDKRT_POLLER_BUSY;
}

static int uring_channel_create(void *io_device, void *ctx)
{
	struct uring_channel *ch = ctx;
	struct io_uring_params p;
	int rc;

	ch->disk = srt_file_disk_of_device(io_device);
	STAILQ_INIT(&ch->queued);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	rc = io_uring_queue_init_params(URING_DEPTH, &ch->ring, &p);
	if (rc == -EINVAL) { /* a kernel before 5.19 */
		memset(&p, 0, sizeof(p));
		rc = io_uring_queue_init_params(URING_DEPTH, &ch->ring, &p);
	}
	if (rc < 0) {
		SRT_ERR("uring bdev '%s': io_uring_queue_init: %s%s", ch->disk->name,
			spdkrt_strerror(rc),
			rc == -EPERM ? " (is io_uring disabled by kernel.io_uring_disabled?)" : "");
		return rc;
	}
	ch->fd = ch->disk->file.fd;
	if (io_uring_register_files(&ch->ring, &ch->fd, 1) == 0) {
		ch->fd = 0;
		ch->sqe_flags = IOSQE_FIXED_FILE;
	}
	rc = spdkrt_poller_register(uring_poll, ch, 0, &ch->poller);
	if (rc != 0) {
		io_uring_queue_exit(&ch->ring);
		return rc;
	}
	return 0;
}

static void uring_channel_destroy(void *io_device, void *ctx)
{
	struct uring_channel *ch = ctx;

	(void)io_device;
	/* The core releases a channel only after its I/O completed: nothing is in flight. */
	if (ch->inflight != 0 || ch->num_queued != 0)
		SRT_ERR("uring bdev '%s': channel released with %u I/O in flight", ch->disk->name,
			ch->inflight + ch->num_queued);
	spdkrt_poller_unregister(&ch->poller);
	io_uring_queue_exit(&ch->ring);
}

static const struct spdkrt_bdev_fn_table g_uring_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = uring_submit,
	.io_type_supported = srt_file_disk_io_type_supported,
	.get_io_channel = srt_file_disk_get_io_channel,
	.destruct = srt_file_disk_destruct,
	.rescan = srt_file_disk_rescan,
};

static const struct srt_file_module_ops g_uring_ops = {
	.name = "uring",
	.fn = &g_uring_fn,
	.product_name = "io_uring disk",
	.channel_create = uring_channel_create,
	.channel_destroy = uring_channel_destroy,
	.channel_size = sizeof(struct uring_channel),
};

static int uring_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			struct spdkrt_bdev **out)
{
	return srt_file_disk_create(module, spec, &g_uring_ops, out);
}

const struct spdkrt_bdev_module_ops srt_bdev_uring_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "uring",
	.io_ctx_size = sizeof(struct uring_task),
	.create = uring_create,
};
