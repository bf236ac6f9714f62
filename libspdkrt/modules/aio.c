/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The aio bdev: a file or block device through Linux native AIO (libaio), one io_context per
 * thread. submit() only prepares the iocb and queues it; the channel's poller reaps completions
 * straight from the context's completion ring in user space (no system call when none are
 * ready) and then hands everything queued to the kernel with one io_submit(). What AIO cannot
 * do without blocking (write-zeroes and unmap, which need fallocate or written zeroes; fsync on
 * an old kernel; the rest of a short transfer) goes to the bdev's worker thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <string.h>
#include <unistd.h>

#include "modules/file.h"
#include "modules/file_worker.h"
#include "modules/builtin.h"

#define SRT_LOG_COMPONENT "aio"
#include "util/log.h"

#include "util/compiler.h"

/* iocbs in the kernel at once per channel; more wait in the channel's queue. */
#define AIO_DEPTH 256
/* iocbs per io_submit() and events per reaping round. */
#define AIO_BATCH 256

/*
 * The completion ring the kernel maps at the io_context address (fs/aio.c, the same since
 * Linux 2.6): events[head..tail) are ready, and user space may consume them by advancing head.
 */
struct aio_ring {
	unsigned id;
	unsigned nr;
	unsigned head;
	unsigned tail;
	unsigned magic;
	unsigned compat_features;
	unsigned incompat_features;
	unsigned header_length;
	struct io_event events[];
};
#define AIO_RING_MAGIC 0xa10a10a1u

struct aio_channel {
	io_context_t ctx;
	struct aio_ring *ring; /* NULL: an unknown ring layout, reap with io_getevents() */
	struct srt_file_disk *disk;
	uint32_t inflight; /* iocbs the kernel holds */
	uint32_t num_queued;
	struct srt_file_req_list queued;
	struct spdkrt_poller *poller;
};

/* The driver context of each I/O. */
struct aio_task {
	struct srt_file_req req; /* the iocb's data points to it */
	struct iocb iocb;
};
_Static_assert(sizeof(struct aio_task) <= SPDKRT_BDEV_IO_DRIVER_CTX_MAX, "fits the driver ctx");

static inline struct aio_task *task_of(struct srt_file_req *req)
{
	return container_of(req, struct aio_task, req);
}

static inline void aio_queue(struct aio_channel *ch, struct aio_task *t)
{
	t->iocb.data = &t->req;
	STAILQ_INSERT_TAIL(&ch->queued, &t->req, link);
	ch->num_queued++;
}

static void aio_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct aio_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct aio_task *t = spdkrt_bdev_io_get_driver_ctx(io);
	struct srt_file_req *req = &t->req;
	int fd = ch->disk->file.fd;

	srt_file_req_init(req, ch->disk, io);
	switch (req->type) {
	case SPDKRT_BDEV_IO_READ:
		if (req->iovcnt == 1)
			io_prep_pread(&t->iocb, fd, req->iovs[0].iov_base, req->iovs[0].iov_len,
				      (long long)req->offset);
		else
			io_prep_preadv(&t->iocb, fd, req->iovs, req->iovcnt,
				       (long long)req->offset);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		if (req->iovcnt == 1)
			io_prep_pwrite(&t->iocb, fd, req->iovs[0].iov_base, req->iovs[0].iov_len,
				       (long long)req->offset);
		else
			io_prep_pwritev(&t->iocb, fd, req->iovs, req->iovcnt,
					(long long)req->offset);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		/* The kernel runs it in a worker: the poller does not block on the disk. */
		io_prep_fdsync(&t->iocb, fd);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		/* AIO has no fallocate opcode, and fallocate may block on the filesystem. */
		srt_file_worker_run(ch->disk->worker, req);
		return;
	case SPDKRT_BDEV_IO_RESET:
		/* the core drained every channel before handing the reset over */
		spdkrt_bdev_io_complete(io, 0);
		return;
	default:
		spdkrt_bdev_io_complete(io, -ENOTSUP);
		return;
	}
	aio_queue(ch, t);
}

/* io_submit() refused the first iocb of a batch: fail that one alone. */
static void aio_refused(struct aio_channel *ch, struct srt_file_req *req, int rc)
{
	if (req->type == SPDKRT_BDEV_IO_FLUSH && rc == -EINVAL) {
		/* A kernel older than 4.18 has no aio fsync: fdatasync on the worker. */
		srt_file_worker_run(ch->disk->worker, req);
		return;
	}
	SRT_ERR("aio bdev '%s': io_submit: %s", ch->disk->name, spdkrt_strerror(rc));
	spdkrt_bdev_io_complete(req->io, rc);
}

/* Hands the queued iocbs to the kernel, AIO_BATCH per system call. */
static int aio_flush_queue(struct aio_channel *ch)
{
	struct iocb *iocbs[AIO_BATCH];
	int submitted = 0;

	while (!STAILQ_EMPTY(&ch->queued) && ch->inflight < AIO_DEPTH) {
		struct srt_file_req *req = STAILQ_FIRST(&ch->queued);
		uint32_t room = AIO_DEPTH - ch->inflight;
		int n = 0, rc;

		for (; req != NULL && n < AIO_BATCH && (uint32_t)n < room;
		     req = STAILQ_NEXT(req, link))
			iocbs[n++] = &task_of(req)->iocb;
		rc = io_submit(ch->ctx, n, iocbs);
		if (likely(rc > 0)) {
			for (int i = 0; i < rc; i++)
				STAILQ_REMOVE_HEAD(&ch->queued, link);
			ch->num_queued -= (uint32_t)rc;
			ch->inflight += (uint32_t)rc;
			submitted += rc;
			continue;
		}
		if (rc == 0 || rc == -EAGAIN || rc == -EINTR)
			break; /* the kernel is short of resources: try again next poll */
		req = STAILQ_FIRST(&ch->queued);
		STAILQ_REMOVE_HEAD(&ch->queued, link);
		ch->num_queued--;
		aio_refused(ch, req, rc);
	}
	return submitted;
}

static void aio_event(struct aio_channel *ch, struct srt_file_req *req, long res)
{
	int status;

	switch (req->type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
		if (likely(res >= 0 && (uint64_t)res == req->len)) {
			status = 0;
		} else if (res < 0) {
			status = (int)res;
		} else { /* the rest, with plain preadv/pwritev, on the worker */
			req->progress = (uint64_t)res;
			srt_file_worker_run(ch->disk->worker, req);
			return;
		}
		break;
	default:
		status = res < 0 ? (int)res : 0;
		break;
	}
	spdkrt_bdev_io_complete(req->io, status);
}

struct aio_done {
	struct srt_file_req *req;
	long res;
};

/* Consumes ready events from the ring: plain loads and one store, no system call. */
static int aio_ring_reap(struct aio_ring *ring, struct aio_done *done, int max)
{
	unsigned head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	unsigned nr = ring->nr;
	int n = 0;

	if (head == tail)
		return 0;
	while (head != tail && n < max) {
		done[n].req = ring->events[head].data;
		done[n].res = (long)ring->events[head].res;
		n++;
		if (++head == nr)
			head = 0;
	}
	/* Handing the slots back lets the kernel reuse them. */
	__atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
	return n;
}

static int aio_getevents(struct aio_channel *ch, struct aio_done *done, int max)
{
	struct io_event events[AIO_BATCH];
	struct timespec zero = { 0, 0 };
	int n = io_getevents(ch->ctx, 0, max, events, &zero);

	for (int i = 0; i < n; i++) {
		done[i].req = events[i].data;
		done[i].res = (long)events[i].res;
	}
	return n > 0 ? n : 0;
}

static int aio_poll(void *arg)
{
	struct aio_channel *ch = arg;
	struct aio_done done[AIO_BATCH];
	int n = 0;

	if (ch->inflight > 0) {
		n = ch->ring != NULL ? aio_ring_reap(ch->ring, done, AIO_BATCH) :
				       aio_getevents(ch, done, AIO_BATCH);
		ch->inflight -= (uint32_t)n;
		/* Completion callbacks submit the next I/O: it joins the queue flushed below. */
		for (int i = 0; i < n; i++)
			aio_event(ch, done[i].req, done[i].res);
	}
	if (!STAILQ_EMPTY(&ch->queued))
		n += aio_flush_queue(ch);
	return n > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
}

static int aio_channel_create(void *io_device, void *ctx)
{
	struct aio_channel *ch = ctx;
	struct aio_ring *ring;
	int rc;

	ch->disk = srt_file_disk_of_device(io_device);
	STAILQ_INIT(&ch->queued);
	rc = io_setup(AIO_DEPTH, &ch->ctx);
	if (rc < 0) {
		SRT_ERR("aio bdev '%s': io_setup(%d): %s%s", ch->disk->name, AIO_DEPTH,
			spdkrt_strerror(rc),
			rc == -EAGAIN ? " (too many aio contexts: raise fs.aio-max-nr)" : "");
		return rc;
	}
	ring = (struct aio_ring *)ch->ctx;
	if (ring->magic == AIO_RING_MAGIC && ring->incompat_features == 0 &&
	    ring->header_length == sizeof(*ring) && ring->nr > 0)
		ch->ring = ring;
	else
		SRT_NOTICE("aio bdev '%s': unknown completion ring layout; reaping with "
			   "io_getevents()",
			   ch->disk->name);
	rc = spdkrt_poller_register(aio_poll, ch, 0, &ch->poller);
	if (rc != 0) {
		io_destroy(ch->ctx);
		return rc;
	}
	return 0;
}

static void aio_channel_destroy(void *io_device, void *ctx)
{
	struct aio_channel *ch = ctx;

	(void)io_device;
	/* The core releases a channel only after its I/O completed: nothing is in flight. */
	if (ch->inflight != 0 || ch->num_queued != 0)
		SRT_ERR("aio bdev '%s': channel released with %u I/O in flight", ch->disk->name,
			ch->inflight + ch->num_queued);
	spdkrt_poller_unregister(&ch->poller);
	io_destroy(ch->ctx);
}

static const struct spdkrt_bdev_fn_table g_aio_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = aio_submit,
	.io_type_supported = srt_file_disk_io_type_supported,
	.get_io_channel = srt_file_disk_get_io_channel,
	.destruct = srt_file_disk_destruct,
	.rescan = srt_file_disk_rescan,
};

static const struct srt_file_module_ops g_aio_ops = {
	.name = "aio",
	.fn = &g_aio_fn,
	.product_name = "AIO disk",
	.channel_create = aio_channel_create,
	.channel_destroy = aio_channel_destroy,
	.channel_size = sizeof(struct aio_channel),
};

static int aio_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		      struct spdkrt_bdev **out)
{
	return srt_file_disk_create(module, spec, &g_aio_ops, out);
}

const struct spdkrt_bdev_module_ops srt_bdev_aio_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "aio",
	.io_ctx_size = sizeof(struct aio_task),
	.create = aio_create,
};
