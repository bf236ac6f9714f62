/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The malloc bdev: a RAM disk in DMA-safe memory. Every I/O completes inside its submit call,
 * so every completion takes the deferred path.
 */
#include <errno.h>
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
};

static void malloc_submit(struct spdkrt_io_channel *module_ch, struct srt_bdev_io *io)
{
	struct malloc_disk *disk = io->bdev->ctx;
	char *at = disk->data + (io->offset_blocks << io->bdev->block_shift);

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
		memset(at, 0, srt_bdev_io_bytes(io));
		break;
	case SPDKRT_BDEV_IO_FLUSH:
	case SPDKRT_BDEV_IO_RESET:
		break;
	}
	srt_bdev_io_complete(io, 0);
}

static bool malloc_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	(void)type;
	return true;
}

static void malloc_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev))
{
	struct malloc_disk *disk = bdev->ctx;

	spdkrt_dma_free(disk->data);
	free(disk);
	done(bdev);
}

static const struct srt_bdev_fn_table g_malloc_fn = {
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
	rc = srt_bdev_register(&disk->bdev);
	if (rc != 0) {
		spdkrt_dma_free(disk->data);
		free(disk);
		return rc;
	}
	*out = &disk->bdev;
	return 0;
}
