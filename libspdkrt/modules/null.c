/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The null bdev: no data, just completions. complete=submit (default) completes inside the
 * submit call, driving the deferred-completion path at full rate; complete=poller completes
 * from a per-channel poller, as SPDK's null bdev does, for comparison. Written against the
 * public module interface only (<spdkrt/bdev_module.h>), like an out-of-tree module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <spdkrt/bdev_module.h>

#include "modules/builtin.h"
#include "modules/geometry.h"

#define SRT_LOG_COMPONENT "null"
#include "util/log.h"
#include "util/compiler.h"

/* The module's part of each I/O (its driver context): the link of the poller's list. */
struct null_task {
	STAILQ_ENTRY(null_task) link;
	struct spdkrt_bdev_io *io;
};
STAILQ_HEAD(null_task_list, null_task);

struct null_disk {
	struct spdkrt_bdev *bdev;
	bool complete_in_poller;
	spdkrt_bdev_destruct_done_cb destruct_done;
	char channel_device; /* its address identifies the per-thread poller channels */
};

struct null_channel {
	struct null_task_list pending;
	struct spdkrt_poller *poller;
};

static void null_submit_now(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	(void)module_ch;
	spdkrt_bdev_io_complete(io, 0);
}

static void null_submit_later(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct null_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct null_task *t = spdkrt_bdev_io_get_driver_ctx(io);

	t->io = io;
	STAILQ_INSERT_TAIL(&ch->pending, t, link);
}

static int null_poll(void *arg)
{
	struct null_channel *ch = arg;
	struct null_task_list batch = STAILQ_HEAD_INITIALIZER(batch);
	struct null_task *t;

	if (STAILQ_EMPTY(&ch->pending))
		return SPDKRT_POLLER_IDLE;
	STAILQ_CONCAT(&batch, &ch->pending);
	while ((t = STAILQ_FIRST(&batch)) != NULL) {
		STAILQ_REMOVE_HEAD(&batch, link);
		spdkrt_bdev_io_complete(t->io, 0);
	}
	return SPDKRT_POLLER_BUSY;
}

static int null_channel_create(void *io_device, void *ctx)
{
	struct null_channel *ch = ctx;

	(void)io_device;
	STAILQ_INIT(&ch->pending);
	return spdkrt_poller_register(null_poll, ch, 0, &ch->poller);
}

static void null_channel_destroy(void *io_device, void *ctx)
{
	struct null_channel *ch = ctx;

	(void)io_device;
	null_poll(ch);
	spdkrt_poller_unregister(&ch->poller);
}

static struct spdkrt_io_channel *null_get_io_channel(void *ctx)
{
	struct null_disk *disk = ctx;

	return spdkrt_get_io_channel(&disk->channel_device);
}

static bool null_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type <= SPDKRT_BDEV_IO_WRITE_ZEROES;
}

static void null_channels_gone(void *io_device)
{
	struct null_disk *disk = container_of(io_device, struct null_disk, channel_device);
	struct spdkrt_bdev *bdev = disk->bdev;
	spdkrt_bdev_destruct_done_cb done = disk->destruct_done;

	free(disk);
	done(bdev);
}

static void null_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	struct null_disk *disk = spdkrt_bdev_get_module_ctx(bdev);

	if (!disk->complete_in_poller) {
		free(disk);
		done(bdev);
		return;
	}
	/* The poller channels may outlive the bdev's own channels by one poll. */
	disk->destruct_done = done;
	if (spdkrt_io_device_unregister(&disk->channel_device, null_channels_gone) != 0) {
		free(disk);
		done(bdev);
	}
}

static const struct spdkrt_bdev_fn_table g_null_now_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = null_submit_now,
	.io_type_supported = null_io_type_supported,
	.destruct = null_destruct,
};

static const struct spdkrt_bdev_fn_table g_null_poller_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = null_submit_later,
	.io_type_supported = null_io_type_supported,
	.get_io_channel = null_get_io_channel,
	.destruct = null_destruct,
};

static int null_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *public_spec,
		       struct spdkrt_bdev **out)
{
	struct srt_spec *spec = (struct srt_spec *)public_spec;
	struct spdkrt_bdev_info info;
	struct srt_geometry geo;
	struct null_disk *disk;
	const char *name, *complete;
	bool in_poller;
	int rc;

	rc = srt_geometry_from_spec(spec, &name, &geo);
	if (rc != 0)
		return rc;
	complete = srt_spec_get(spec, "complete");
	if (complete == NULL || strcmp(complete, "submit") == 0) {
		in_poller = false;
	} else if (strcmp(complete, "poller") == 0) {
		in_poller = true;
	} else {
		SRT_ERR("null bdev spec: complete='%s' is not 'submit' or 'poller'", complete);
		return -EINVAL;
	}
	rc = srt_spec_check_all_used(spec);
	if (rc != 0)
		return rc;
	disk = calloc(1, sizeof(*disk));
	if (disk == NULL)
		return -ENOMEM;
	disk->complete_in_poller = in_poller;
	if (in_poller) {
		rc = spdkrt_io_device_register(&disk->channel_device, null_channel_create,
					       null_channel_destroy, sizeof(struct null_channel),
					       name);
		if (rc != 0) {
			free(disk);
			return rc;
		}
	}
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = name;
	info.product_name = "Null disk";
	info.module = module;
	info.fn = in_poller ? &g_null_poller_fn : &g_null_now_fn;
	info.ctx = disk;
	info.block_size = geo.block_size;
	info.num_blocks = geo.num_blocks;
	rc = spdkrt_bdev_register(&info, &disk->bdev);
	if (rc != 0) {
		if (in_poller)
			SRT_WARN("null bdev '%s': its channel device stays registered", name);
		else
			free(disk);
		return rc;
	}
	*out = disk->bdev;
	return 0;
}

const struct spdkrt_bdev_module_ops srt_bdev_null_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "null",
	.io_ctx_size = sizeof(struct null_task),
	.create = null_create,
};
