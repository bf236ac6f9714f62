/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc bdev: a RAM disk in DMA-safe memory. Every I/O completes inside its submit call,
 * so every completion takes the deferred path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>

#include "bdev/module.h"
#include "modules/geometry.h"

#define SRT_LOG_COMPONENT "malloc"
#include "util/log.h"

struct malloc_disk {
	struct spdkrt_bdev bdev;
	char *data;
	pthread_mutex_t caw_lock;
};

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
	int count, rc;
	struct iovec *write = spdkrt_bdev_io_get_write_iovs(io, &count);

	pthread_mutex_lock(&disk->caw_lock);
	rc = compare_iovs(io->iovs, io->iovcnt, at, srt_bdev_io_bytes(io));
	if (rc == 0)
		memcpy(at, write[0].iov_base, write[0].iov_len);
	pthread_mutex_unlock(&disk->caw_lock);
	return rc;
}

static void unmap_ranges(struct spdkrt_bdev_io *io, char *data)
{
	uint32_t count;
	const struct spdkrt_bdev_range *r = spdkrt_bdev_io_get_ranges(io, &count);

	for (uint32_t i = 0; i < count; i++)
		memset(data + (r[i].offset_blocks << io->bdev->block_shift), 0,
		       r[i].num_blocks << io->bdev->block_shift);
}

static void malloc_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct malloc_disk *disk = io->bdev->ctx;
	char *at = disk->data + (io->offset_blocks << io->bdev->block_shift);
	int rc = 0;

	(void)module_ch;
	switch (io->type) {
	case SPDKRT_BDEV_IO_READ:
		srt_bdev_io_copy_to_iovs(io, at);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		srt_bdev_io_copy_from_iovs(io, at);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		unmap_ranges(io, disk->data);
		break;
	case SPDKRT_BDEV_IO_COMPARE:
		rc = compare_iovs(io->iovs, io->iovcnt, at, srt_bdev_io_bytes(io));
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
	spdkrt_bdev_io_complete(io, rc);
}

static bool malloc_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type != SPDKRT_BDEV_IO_NVME_ADMIN && type != SPDKRT_BDEV_IO_NVME_IO;
}

static void malloc_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev))
{
	struct malloc_disk *disk = bdev->ctx;

	spdkrt_dma_free(disk->data);
	pthread_mutex_destroy(&disk->caw_lock);
	free(disk);
	done(bdev);
}

static const struct spdkrt_bdev_fn_table g_malloc_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = malloc_submit,
	.io_type_supported = malloc_io_type_supported,
	.destruct = malloc_destruct,
};

static int malloc_create(struct srt_spec *spec, struct spdkrt_bdev **out);

const struct srt_bdev_module srt_bdev_malloc_module = {
	.name = "malloc",
	.create = malloc_create,
};

static int malloc_create(struct srt_spec *spec, struct spdkrt_bdev **out)
{
	struct srt_geometry geo;
	uint64_t boundary = 0;
	struct malloc_disk *disk;
	const char *name;
	int rc;

	rc = srt_geometry_from_spec(spec, &name, &geo);
	if (rc == 0)
		rc = srt_spec_get_u64(spec, "optimal_io_boundary", 0, UINT32_MAX, &boundary);
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
	disk->data = spdkrt_dma_zmalloc(geo.num_blocks * geo.block_size, 4096,
					SPDKRT_ENV_SOCKET_ANY);
	if (disk->data == NULL) {
		SRT_ERR("malloc bdev '%s': no %llu bytes of DMA memory (is the environment "
			"initialised with enough memory?)", name,
			(unsigned long long)(geo.num_blocks * geo.block_size));
		free(disk);
		return -ENOMEM;
	}
	snprintf(disk->bdev.name, sizeof(disk->bdev.name), "%s", name);
	disk->bdev.product_name = "Malloc disk";
	disk->bdev.module = &srt_bdev_malloc_module;
	disk->bdev.fn = &g_malloc_fn;
	disk->bdev.ctx = disk;
	disk->bdev.block_size = geo.block_size;
	atomic_init(&disk->bdev.num_blocks, geo.num_blocks);
	disk->bdev.optimal_io_boundary = (uint32_t)boundary;
	disk->bdev.max_unmap_ranges = 256;
	disk->bdev.max_compare_and_write_blocks = 256;
	pthread_mutex_init(&disk->caw_lock, NULL);
	rc = srt_bdev_register(&disk->bdev);
	if (rc != 0) {
		pthread_mutex_destroy(&disk->caw_lock);
		spdkrt_dma_free(disk->data);
		free(disk);
		return rc;
	}
	*out = &disk->bdev;
	return 0;
}
