/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc bdev: a RAM disk in DMA-safe memory. Reads, writes and zeroing move through the copy
 * engine: with copy=cpu (the default) every I/O completes inside its submit call, so every
 * completion takes the deferred path; with copy=ioat each thread's channel offloads to an I/OAT
 * channel and completes from that channel's poller. Compares stay on the CPU. Written against
 * the public module interface (<spdkrt/bdev_module.h>), like an out-of-tree module.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/bdev_module.h>
#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "copy/engine.h"
#include "modules/builtin.h"
#include "modules/geometry.h"

#define SRT_LOG_COMPONENT "malloc"
#include "util/log.h"

struct malloc_disk {
	struct spdkrt_bdev *bdev;
	uint32_t block_size;
	char *data;
	pthread_mutex_t caw_lock;
	struct srt_copy_engine *engine;
	void (*destruct_done)(struct spdkrt_bdev *bdev);
	char channel_device; /* its address identifies the per-thread copy channels (not cpu) */
};

/* Per I/O, in its driver context: pieces still copying and the first error. */
struct malloc_task {
	uint32_t outstanding;
	int status;
};

static inline struct malloc_task *task_of(struct spdkrt_bdev_io *io)
{
	return spdkrt_bdev_io_get_driver_ctx(io);
}

/* Bytes the I/O covers. */
static inline uint64_t io_bytes(const struct malloc_disk *disk, const struct spdkrt_bdev_io *io)
{
	return spdkrt_bdev_io_get_num_blocks(io) * disk->block_size;
}

/* The CPU engine needs no per-thread state: one channel serves every thread. */
static struct srt_copy_channel g_cpu_channel = { .backend = &srt_copy_cpu_backend };

/* 0 when the I/O's buffers hold what is at `at`, else -EILSEQ. */
static int compare_iovs(const struct iovec *iovs, int iovcnt, const char *at, uint64_t bytes)
{
	for (int i = 0; i < iovcnt && bytes > 0; i++) {
		size_t n = iovs[i].iov_len < bytes ? iovs[i].iov_len : bytes;

		if (memcmp(iovs[i].iov_base, at, n) != 0)
			return -EILSEQ;
		at += n;
		bytes -= n;
	}
	return 0;
}

/* Atomic against other compare-and-writes of the disk, from any thread. */
static int compare_and_write(struct malloc_disk *disk, struct spdkrt_bdev_io *io, char *at)
{
	int count, iovcnt, rc;
	struct iovec *write = spdkrt_bdev_io_get_write_iovs(io, &count);
	struct iovec *iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	pthread_mutex_lock(&disk->caw_lock);
	rc = compare_iovs(iovs, iovcnt, at, io_bytes(disk, io));
	if (rc == 0)
		memcpy(at, write[0].iov_base, write[0].iov_len);
	pthread_mutex_unlock(&disk->caw_lock);
	return rc;
}

static void malloc_piece_done(void *arg, int status)
{
	struct spdkrt_bdev_io *io = arg;
	struct malloc_task *task = task_of(io);

	if (status != 0 && task->status == 0)
		task->status = status;
	if (--task->outstanding == 0)
		spdkrt_bdev_io_complete(io, task->status);
}

/* Counts a piece, then queues it; a piece the engine refuses completes with its error. */
static void piece_copy(struct srt_copy_channel *ch, struct spdkrt_bdev_io *io, void *dst,
		       const void *src, size_t n)
{
	struct malloc_task *task = task_of(io);
	int rc;

	task->outstanding++;
	rc = srt_copy_submit_copy(ch, dst, src, n, malloc_piece_done, io);
	if (rc != 0)
		malloc_piece_done(io, rc);
}

/* One copy per iovec between the disk at `at` and the I/O's buffers. */
static void copy_iovs(struct srt_copy_channel *ch, struct spdkrt_bdev_io *io, uint64_t left,
		      char *at, bool to_iovs)
{
	int iovcnt;
	struct iovec *iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	for (int i = 0; i < iovcnt && left > 0; i++) {
		size_t n = iovs[i].iov_len < left ? iovs[i].iov_len : left;

		if (to_iovs)
			piece_copy(ch, io, iovs[i].iov_base, at, n);
		else
			piece_copy(ch, io, at, iovs[i].iov_base, n);
		at += n;
		left -= n;
	}
}

static void zero_ranges(struct srt_copy_channel *ch, struct spdkrt_bdev_io *io,
			const struct malloc_disk *disk)
{
	struct malloc_task *task = task_of(io);
	uint32_t count;
	const struct spdkrt_bdev_range *r = spdkrt_bdev_io_get_ranges(io, &count);
	int rc;

	for (uint32_t i = 0; i < count; i++) {
		task->outstanding++;
		rc = srt_copy_submit_fill(ch, disk->data + r[i].offset_blocks * disk->block_size, 0,
					  r[i].num_blocks * disk->block_size, malloc_piece_done,
					  io);
		if (rc != 0)
			malloc_piece_done(io, rc);
	}
}

static void malloc_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct malloc_disk *disk = spdkrt_bdev_io_get_module_ctx(io);
	struct malloc_task *task = task_of(io);
	char *at = disk->data + spdkrt_bdev_io_get_offset_blocks(io) * disk->block_size;
	struct srt_copy_channel *ch =
		module_ch != NULL ?
			*(struct srt_copy_channel **)spdkrt_io_channel_get_ctx(module_ch) :
			&g_cpu_channel;
	int iovcnt, rc = 0;
	struct iovec *iovs;

	/* The submitter holds one count until every piece is queued. */
	task->outstanding = 1;
	task->status = 0;
	switch (spdkrt_bdev_io_get_type(io)) {
	case SPDKRT_BDEV_IO_READ:
		copy_iovs(ch, io, io_bytes(disk, io), at, true);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		copy_iovs(ch, io, io_bytes(disk, io), at, false);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		zero_ranges(ch, io, disk);
		break;
	case SPDKRT_BDEV_IO_COMPARE:
		iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);
		rc = compare_iovs(iovs, iovcnt, at, io_bytes(disk, io));
		break;
	case SPDKRT_BDEV_IO_COMPARE_AND_WRITE:
		rc = compare_and_write(disk, io, at);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
	case SPDKRT_BDEV_IO_RESET:
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	srt_copy_flush(ch);
	malloc_piece_done(io, rc);
}

static int malloc_channel_create(void *io_device, void *ctx)
{
	struct malloc_disk *disk =
		(struct malloc_disk *)((char *)io_device -
				       offsetof(struct malloc_disk, channel_device));

	return srt_copy_channel_open(disk->engine, ctx);
}

static void malloc_channel_destroy(void *io_device, void *ctx)
{
	(void)io_device;
	srt_copy_channel_close(*(struct srt_copy_channel **)ctx);
}

static struct spdkrt_io_channel *malloc_get_io_channel(void *ctx)
{
	struct malloc_disk *disk = ctx;

	return spdkrt_get_io_channel(&disk->channel_device);
}

static bool malloc_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type != SPDKRT_BDEV_IO_NVME_ADMIN && type != SPDKRT_BDEV_IO_NVME_IO;
}

static void malloc_free(struct malloc_disk *disk)
{
	srt_copy_engine_put(disk->engine);
	spdkrt_dma_free(disk->data);
	pthread_mutex_destroy(&disk->caw_lock);
	free(disk);
}

static void malloc_channels_gone(void *io_device)
{
	struct malloc_disk *disk =
		(struct malloc_disk *)((char *)io_device -
				       offsetof(struct malloc_disk, channel_device));
	void (*done)(struct spdkrt_bdev * bdev) = disk->destruct_done;
	struct spdkrt_bdev *bdev = disk->bdev;

	malloc_free(disk);
	if (done != NULL)
		done(bdev);
}

static bool uses_channels(const struct malloc_disk *disk)
{
	return strcmp(srt_copy_engine_name(disk->engine), "cpu") != 0;
}

static void malloc_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev))
{
	struct malloc_disk *disk = spdkrt_bdev_get_module_ctx(bdev);

	if (!uses_channels(disk)) {
		malloc_free(disk);
		done(bdev);
		return;
	}
	/* Copy channels may outlive the bdev's own channels by one poll. */
	disk->destruct_done = done;
	if (spdkrt_io_device_unregister(&disk->channel_device, malloc_channels_gone) != 0) {
		malloc_free(disk);
		done(bdev);
	}
}

static const struct spdkrt_bdev_fn_table g_malloc_cpu_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = malloc_submit,
	.io_type_supported = malloc_io_type_supported,
	.destruct = malloc_destruct,
};

static const struct spdkrt_bdev_fn_table g_malloc_channel_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = malloc_submit,
	.io_type_supported = malloc_io_type_supported,
	.get_io_channel = malloc_get_io_channel,
	.destruct = malloc_destruct,
};

static int malloc_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *public_spec,
			 struct spdkrt_bdev **out)
{
	struct srt_spec *spec = (struct srt_spec *)public_spec;
	struct spdkrt_bdev_info info;
	struct srt_geometry geo;
	uint64_t boundary = 0;
	struct malloc_disk *disk;
	const char *name, *copy;
	int rc;

	rc = srt_geometry_from_spec(spec, &name, &geo);
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "optimal_io_boundary", 0, UINT32_MAX, &boundary);
	copy = srt_spec_get(spec, "copy");
	if (rc == 0)
		rc = srt_spec_check_all_used(spec);
	if (rc != 0)
		return rc;
	if (geo.num_blocks > SIZE_MAX / geo.block_size) {
		SRT_ERR("malloc bdev '%s' is too large", name);
		return -EINVAL;
	}
	disk = calloc(1, sizeof(*disk));
	if (disk == NULL)
		return -ENOMEM;
	pthread_mutex_init(&disk->caw_lock, NULL);
	rc = srt_copy_engine_get(copy != NULL ? copy : "cpu", &disk->engine);
	if (rc != 0) {
		SRT_ERR("malloc bdev '%s': copy=%s is not available: %s", name,
			copy != NULL ? copy : "cpu", spdkrt_strerror(rc));
		malloc_free(disk);
		return rc;
	}
	disk->data =
		spdkrt_dma_zmalloc(geo.num_blocks * geo.block_size, 4096, SPDKRT_ENV_SOCKET_ANY);
	if (disk->data == NULL) {
		SRT_ERR("malloc bdev '%s': no %llu bytes of DMA memory (is the environment "
			"initialised with enough memory?)",
			name, (unsigned long long)(geo.num_blocks * geo.block_size));
		malloc_free(disk);
		return -ENOMEM;
	}
	disk->block_size = geo.block_size;
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = name;
	info.product_name = "Malloc disk";
	info.module = module;
	info.fn = &g_malloc_cpu_fn;
	info.ctx = disk;
	info.block_size = geo.block_size;
	info.num_blocks = geo.num_blocks;
	info.optimal_io_boundary = (uint32_t)boundary;
	info.max_unmap_ranges = 256;
	info.max_compare_and_write_blocks = 256;
	if (uses_channels(disk)) {
		info.fn = &g_malloc_channel_fn;
		rc = spdkrt_io_device_register(&disk->channel_device, malloc_channel_create,
					       malloc_channel_destroy,
					       sizeof(struct srt_copy_channel *), name);
		if (rc != 0) {
			malloc_free(disk);
			return rc;
		}
	}
	rc = spdkrt_bdev_register(&info, &disk->bdev);
	if (rc != 0) {
		disk->destruct_done = NULL;
		if (!uses_channels(disk) ||
		    spdkrt_io_device_unregister(&disk->channel_device, malloc_channels_gone) != 0)
			malloc_free(disk);
		return rc;
	}
	*out = disk->bdev;
	return 0;
}

const struct spdkrt_bdev_module_ops srt_bdev_malloc_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "malloc",
	.io_ctx_size = sizeof(struct malloc_task),
	.create = malloc_create,
};
