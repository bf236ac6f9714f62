/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An out-of-tree bdev module: "passthru:name=P,base=B" is a virtual bdev that forwards every
 * I/O to the bdev B, built only against the installed headers (pkg-config spdkrt). It shows
 * the module interface end to end: explicit registration, a spec, a claim on the base, a
 * per-thread module channel holding the base's channel, back-pressure when the base runs out
 * of I/O objects, NVMe statuses forwarded as they came, and hot remove when the base goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "passthru.h"

struct passthru {
	struct spdkrt_bdev *bdev;
	struct spdkrt_bdev *base;
	struct spdkrt_bdev_desc *base_desc;
	char name[64];
	char device; /* its address identifies the module's channels */
	struct spdkrt_bdev *destructing;
	spdkrt_bdev_destruct_done_cb destruct_done;
};

/* The module's channel: the base's channel on the same thread. */
struct passthru_channel {
	struct spdkrt_io_channel *base_ch;
};

static struct spdkrt_bdev_module *g_module;

static int channel_create(void *io_device, void *ctx)
{
	struct passthru *pt =
		(struct passthru *)((char *)io_device - offsetof(struct passthru, device));
	struct passthru_channel *ch = ctx;

	ch->base_ch = spdkrt_bdev_get_io_channel(pt->base_desc);
	return ch->base_ch != NULL ? 0 : -ENOMEM;
}

static void channel_destroy(void *io_device, void *ctx)
{
	struct passthru_channel *ch = ctx;

	(void)io_device;
	spdkrt_put_io_channel(ch->base_ch);
}

/* The base completed: complete ours with the same NVMe status (an errno maps to one). */
static void base_done(void *arg, int status)
{
	struct spdkrt_bdev_io *io = arg;
	struct spdkrt_io_channel *module_ch =
		*(struct spdkrt_io_channel **)spdkrt_bdev_io_get_driver_ctx(io);
	struct passthru_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct spdkrt_bdev_nvme_status nvme;

	if (spdkrt_bdev_get_nvme_status(ch->base_ch, status, &nvme) == 0 && status != 0)
		spdkrt_bdev_io_complete_nvme(io, &nvme);
	else
		spdkrt_bdev_io_complete(io, status);
}

static void passthru_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct passthru *pt = spdkrt_bdev_io_get_module_ctx(io);
	struct passthru_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	uint64_t offset = spdkrt_bdev_io_get_offset_blocks(io);
	uint64_t num = spdkrt_bdev_io_get_num_blocks(io);
	struct spdkrt_bdev_desc *d = pt->base_desc;
	struct spdkrt_io_channel *b = ch->base_ch;
	struct iovec *iov;
	int iovcnt, rc;

	*(struct spdkrt_io_channel **)spdkrt_bdev_io_get_driver_ctx(io) = module_ch;
	iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);
	switch (spdkrt_bdev_io_get_type(io)) {
	case SPDKRT_BDEV_IO_READ:
		rc = spdkrt_bdev_readv_blocks(d, b, iov, iovcnt, offset, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		rc = spdkrt_bdev_writev_blocks(d, b, iov, iovcnt, offset, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		rc = spdkrt_bdev_write_zeroes_blocks(d, b, offset, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
		rc = spdkrt_bdev_unmap_blocks(d, b, offset, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		rc = spdkrt_bdev_flush_blocks(d, b, offset, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_RESET:
		rc = spdkrt_bdev_reset(d, b, base_done, io);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	if (rc == -ENOMEM)
		spdkrt_bdev_io_complete_nomem(io); /* the core submits it again later */
	else if (rc != 0)
		spdkrt_bdev_io_complete(io, rc);
}

static bool passthru_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	struct passthru *pt = ctx;

	return type <= SPDKRT_BDEV_IO_WRITE_ZEROES && spdkrt_bdev_io_type_supported(pt->base, type);
}

static struct spdkrt_io_channel *passthru_get_io_channel(void *ctx)
{
	struct passthru *pt = ctx;

	return spdkrt_get_io_channel(&pt->device);
}

static void device_unregistered(void *io_device)
{
	struct passthru *pt =
		(struct passthru *)((char *)io_device - offsetof(struct passthru, device));
	spdkrt_bdev_destruct_done_cb done = pt->destruct_done;
	struct spdkrt_bdev *bdev = pt->destructing;

	free(pt);
	done(bdev);
}

static void passthru_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	struct passthru *pt = spdkrt_bdev_get_module_ctx(bdev);

	spdkrt_bdev_module_release_bdev(pt->base);
	spdkrt_bdev_close(pt->base_desc);
	pt->destructing = bdev;
	pt->destruct_done = done;
	if (spdkrt_io_device_unregister(&pt->device, device_unregistered) != 0)
		device_unregistered(&pt->device);
}

static const struct spdkrt_bdev_fn_table g_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = passthru_submit,
	.io_type_supported = passthru_supported,
	.get_io_channel = passthru_get_io_channel,
	.destruct = passthru_destruct,
};

/* The base is going away: so does the passthru bdev on it (hot remove). */
static void base_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *base, void *ctx)
{
	struct passthru *pt = ctx;

	(void)base;
	if (type == SPDKRT_BDEV_EVENT_REMOVE && pt->bdev != NULL)
		spdkrt_bdev_unregister(pt->bdev, NULL, NULL);
}

static int passthru_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			   struct spdkrt_bdev **out)
{
	struct spdkrt_bdev_info info;
	const char *name, *base;
	struct passthru *pt;
	int rc;

	rc = spdkrt_bdev_spec_get_str(spec, "name", &name);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "base", &base);
	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	if (rc != 0)
		return rc;
	pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return -ENOMEM;
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	rc = spdkrt_bdev_open(base, true, base_event, pt, &pt->base_desc);
	if (rc != 0) {
		fprintf(stderr, "passthru '%s': cannot open base '%s': %d\n", name, base, rc);
		free(pt);
		return rc;
	}
	pt->base = spdkrt_bdev_desc_get_bdev(pt->base_desc);
	rc = spdkrt_io_device_register(&pt->device, channel_create, channel_destroy,
				       sizeof(struct passthru_channel), pt->name);
	if (rc != 0)
		goto close;
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = name;
	info.product_name = "passthru example";
	info.module = module;
	info.fn = &g_fn;
	info.ctx = pt;
	info.block_size = spdkrt_bdev_get_block_size(pt->base);
	info.num_blocks = spdkrt_bdev_get_num_blocks(pt->base);
	info.buf_align = spdkrt_bdev_get_buf_align(pt->base);
	rc = spdkrt_bdev_register(&info, &pt->bdev);
	if (rc != 0)
		goto unregister;
	rc = spdkrt_bdev_module_claim_bdev(pt->base, pt->base_desc, pt->bdev);
	if (rc != 0) {
		/* registered already: the core destructs it the normal way */
		spdkrt_bdev_unregister(pt->bdev, NULL, NULL);
		return rc;
	}
	*out = pt->bdev;
	return 0;
unregister:
	spdkrt_io_device_unregister(&pt->device, NULL);
close:
	spdkrt_bdev_close(pt->base_desc);
	free(pt);
	return rc;
}

int passthru_register(void)
{
	struct spdkrt_bdev_module_ops ops;

	if (g_module != NULL)
		return 0;
	spdkrt_bdev_module_ops_init(&ops, sizeof(ops));
	ops.name = "passthru";
	ops.io_ctx_size = sizeof(struct spdkrt_io_channel *);
	ops.create = passthru_create;
	return spdkrt_bdev_module_register(&ops, &g_module);
}

int passthru_unregister(void (*done)(void *ctx), void *ctx)
{
	int rc = spdkrt_bdev_module_unregister(g_module, done, ctx);

	if (rc == 0)
		g_module = NULL;
	return rc;
}
