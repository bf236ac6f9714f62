/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public module interface (<spdkrt/bdev_module.h>), through a module written here the way an
 * out-of-tree one is: public headers only. It keeps its blocks in RAM, refuses every other I/O
 * once for lack of resources (back-pressure), completes some with NVMe statuses, serves NVMe
 * passthrough, and can create asynchronously and remove its bdevs itself (hot remove).
 */
#include <errno.h>
#include <stdlib.h>

#include "bdev_fixture.h"

#include <spdkrt/bdev_module.h>
#include <spdkrt/nvme_spec.h>

#define BS 512
#define BAD_LBA 7 /* reads of this block fail with an NVMe media error */

struct ram_disk {
	struct spdkrt_bdev *bdev;
	char *data;
	uint64_t num_blocks;
	bool refuse_next; /* alternate: refuse one I/O for lack of resources, take the next */
	unsigned refused, destructed;
};

/* The module's per-I/O context. */
struct ram_io {
	uint64_t magic;
};

static struct spdkrt_bdev_module *g_module, *g_watcher;
static unsigned g_examined;
static char g_examined_name[64];

static void ram_copy(struct spdkrt_bdev_io *io, char *at, bool to_iovs)
{
	int iovcnt;
	struct iovec *iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	for (int i = 0; i < iovcnt; i++) {
		if (to_iovs)
			memcpy(iov[i].iov_base, at, iov[i].iov_len);
		else
			memcpy(at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
}

static void ram_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct ram_disk *disk = spdkrt_bdev_io_get_module_ctx(io);
	struct ram_io *ctx = spdkrt_bdev_io_get_driver_ctx(io);
	uint64_t offset = spdkrt_bdev_io_get_offset_blocks(io);
	char *at = disk->data + offset * BS;
	struct spdkrt_bdev_nvme_status st = { 0 };

	assert_null(module_ch); /* no get_io_channel: no module channel */
	assert_true(spdkrt_bdev_io_get_thread(io) == spdkrt_get_thread());
	assert_non_null(spdkrt_bdev_io_get_io_channel(io));
	ctx->magic = 0x5eed;
	disk->refuse_next = !disk->refuse_next;
	if (disk->refuse_next) {
		disk->refused++;
		spdkrt_bdev_io_complete_nomem(io);
		return;
	}
	switch (spdkrt_bdev_io_get_type(io)) {
	case SPDKRT_BDEV_IO_READ:
		if (offset == BAD_LBA) {
			st.sct = SPDKRT_NVME_SCT_MEDIA_ERROR;
			st.sc = SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR;
			st.dnr = 1;
			st.cdw0 = 0xabcd;
			spdkrt_bdev_io_complete_nvme(io, &st);
			return;
		}
		ram_copy(io, at, true);
		break;
	case SPDKRT_BDEV_IO_WRITE:
		ram_copy(io, at, false);
		break;
	case SPDKRT_BDEV_IO_NVME_IO: {
		const struct spdkrt_nvme_cmd *cmd = spdkrt_bdev_io_get_nvme_cmd(io);

		/* echo the opcode in DW0: the target gets it back through the status */
		st.cdw0 = cmd->opc;
		spdkrt_bdev_io_complete_nvme(io, &st);
		return;
	}
	default:
		spdkrt_bdev_io_complete(io, -ENOTSUP);
		return;
	}
	assert_int_equal(ctx->magic, 0x5eed);
	spdkrt_bdev_io_complete(io, 0);
}

static bool ram_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type == SPDKRT_BDEV_IO_READ || type == SPDKRT_BDEV_IO_WRITE ||
	       type == SPDKRT_BDEV_IO_NVME_IO;
}

static void ram_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	struct ram_disk *disk = spdkrt_bdev_get_module_ctx(bdev);

	disk->destructed++;
	free(disk->data);
	disk->data = NULL;
	done(bdev);
}

static const struct spdkrt_bdev_fn_table g_ram_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = ram_submit,
	.io_type_supported = ram_supported,
	.destruct = ram_destruct,
};

static struct ram_disk g_disks[4];

static int ram_make(const char *name, uint64_t blocks, struct ram_disk *disk)
{
	struct spdkrt_bdev_info info;

	memset(disk, 0, sizeof(*disk));
	disk->data = calloc(blocks, BS);
	disk->num_blocks = blocks;
	assert_int_equal(spdkrt_bdev_info_init(&info, sizeof(info)), 0);
	info.name = name;
	info.product_name = "RAM test disk";
	info.module = g_module;
	info.fn = &g_ram_fn;
	info.ctx = disk;
	info.block_size = BS;
	info.num_blocks = blocks;
	info.max_unmap_ranges = 4;
	return spdkrt_bdev_register(&info, &disk->bdev);
}

static int ram_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		      struct spdkrt_bdev **bdev)
{
	const char *name, *secret;
	uint64_t blocks = 64;
	int rc;

	assert_ptr_equal(spdkrt_bdev_module_get_ctx(module), &g_disks);
	secret = spdkrt_bdev_spec_get(spec, "secret");
	if (secret != NULL) { /* read once, then gone from the library's memory */
		size_t len = strlen(secret);

		assert_int_equal(spdkrt_bdev_spec_wipe(spec, "secret"), 0);
		for (size_t i = 0; i < len; i++)
			assert_int_equal(secret[i], 0);
		assert_int_equal(spdkrt_bdev_spec_wipe(spec, "nosuchkey"), -ENOENT);
	}
	rc = spdkrt_bdev_spec_get_str(spec, "name", &name);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_u64(spec, "blocks", 1, 1 << 20, &blocks);
	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	if (rc != 0)
		return rc;
	rc = ram_make(name, blocks, &g_disks[0]);
	if (rc == 0)
		*bdev = g_disks[0].bdev;
	else
		free(g_disks[0].data);
	return rc;
}

static void watcher_examine(struct spdkrt_bdev_module *module, struct spdkrt_bdev *bdev)
{
	(void)module;
	g_examined++;
	snprintf(g_examined_name, sizeof(g_examined_name), "%s", spdkrt_bdev_get_name(bdev));
}

static int module_setup(void **state)
{
	struct spdkrt_bdev_module_ops ops;

	fixture_setup(state);
	assert_int_equal(spdkrt_bdev_module_ops_init(&ops, sizeof(ops)), 0);
	ops.name = "ramtest";
	ops.io_ctx_size = sizeof(struct ram_io);
	ops.ctx = &g_disks;
	ops.create = ram_create;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &g_module), 0);
	assert_int_equal(spdkrt_bdev_module_ops_init(&ops, sizeof(ops)), 0);
	ops.name = "watcher";
	ops.create = ram_create;
	ops.examine = watcher_examine;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &g_watcher), 0);
	g_examined = 0;
	return 0;
}

static void unregistered(void *ctx)
{
	*(int *)ctx = 1;
}

static int module_teardown(void **state)
{
	int done = 0;

	assert_int_equal(spdkrt_bdev_module_unregister(g_watcher, unregistered, &done), 0);
	assert_int_equal(done, 1);
	done = 0;
	assert_int_equal(spdkrt_bdev_module_unregister(g_module, unregistered, &done), 0);
	assert_int_equal(done, 1);
	assert_null(spdkrt_bdev_module_find("ramtest"));
	return fixture_teardown(state);
}

static void test_register_refuses_bad_modules(void **state)
{
	struct spdkrt_bdev_module_ops ops;
	struct spdkrt_bdev_module *m;

	(void)state;
	log_capture_start();
	assert_int_equal(spdkrt_bdev_module_register(NULL, &m), -EINVAL);
	assert_int_equal(spdkrt_bdev_module_ops_init(NULL, sizeof(ops)), -EINVAL);
	spdkrt_bdev_module_ops_init(&ops, sizeof(ops));
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EINVAL); /* no name */
	ops.name = "bad name";
	ops.create = ram_create;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EINVAL);
	assert_logged("is not 1..32 letters");
	ops.name = "nocreate";
	ops.create = NULL;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EINVAL);
	assert_logged("neither create nor create_async");
	ops.create = ram_create;
	ops.io_ctx_size = SPDKRT_BDEV_IO_DRIVER_CTX_MAX + 1;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EINVAL);
	assert_logged("bytes of context per I/O");
	ops.io_ctx_size = 0;
	ops.name = "malloc"; /* a built-in's name */
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EEXIST);
	ops.name = "ramtest";
	assert_int_equal(spdkrt_bdev_module_register(&ops, &m), -EEXIST);
	assert_ptr_equal(spdkrt_bdev_module_find("ramtest"), g_module);
	assert_string_equal(spdkrt_bdev_module_get_name(g_module), "ramtest");
	assert_int_equal(spdkrt_bdev_module_api_version(), SPDKRT_BDEV_MODULE_API_VERSION);
	log_capture_stop();
}

struct io_state {
	int status;
	int done;
	struct spdkrt_bdev_nvme_status nvme;
	struct spdkrt_io_channel *ch;
};

static void io_done(void *arg, int status)
{
	struct io_state *s = arg;

	s->status = status;
	s->done++;
	assert_int_equal(spdkrt_bdev_get_nvme_status(s->ch, status, &s->nvme), 0);
}

static void test_io_through_a_public_module(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_bdev *bdev;
	struct io_state s = { 0 };
	char wbuf[4 * BS], rbuf[4 * BS];
	uint8_t uuid[16], zero[16] = { 0 };

	(void)state;
	assert_int_equal(spdkrt_bdev_create("ramtest:name=R0,blocks=32,secret=hunter2", &bdev), 0);
	assert_int_equal(g_examined, 1); /* examine saw the new bdev */
	assert_string_equal(g_examined_name, "R0");
	assert_string_equal(spdkrt_bdev_get_module_name(bdev), "ramtest");
	assert_string_equal(spdkrt_bdev_get_product_name(bdev), "RAM test disk");
	assert_int_equal(spdkrt_bdev_get_max_unmap_ranges(bdev), 4);
	assert_int_equal(spdkrt_bdev_get_max_compare_and_write_blocks(bdev), 1);
	assert_int_equal(spdkrt_bdev_get_uuid(bdev, uuid), 0);
	assert_memory_not_equal(uuid, zero, 16);
	assert_int_equal(uuid[6] >> 4, 4); /* version 4 */
	assert_int_equal(uuid[8] >> 6, 2); /* RFC 4122 variant */

	assert_int_equal(spdkrt_bdev_open("R0", true, ignore_event, NULL, &desc), 0);
	s.ch = spdkrt_bdev_get_io_channel(desc);
	memset(wbuf, 0x3c, sizeof(wbuf));
	/* Back-pressure: every other submit is refused once by the module, never by the user. */
	for (int i = 0; i < 8; i++) {
		s.done = 0;
		assert_int_equal(spdkrt_bdev_write_blocks(desc, s.ch, wbuf, (uint64_t)i * 4, 4,
							  io_done, &s),
				 0);
		spdkrt_bdev_module_resume_io(); /* the module has room again */
		poll_until(s.done == 1);
		assert_int_equal(s.status, 0);
		assert_int_equal(s.nvme.sct, 0);
		assert_int_equal(s.nvme.sc, 0);
	}
	assert_true(g_disks[0].refused >= 4);
	s.done = 0;
	assert_int_equal(spdkrt_bdev_read_blocks(desc, s.ch, rbuf, 4, 4, io_done, &s), 0);
	spdkrt_bdev_module_resume_io();
	poll_until(s.done == 1);
	assert_int_equal(s.status, 0);
	assert_memory_equal(rbuf, wbuf, sizeof(rbuf));

	/* An NVMe status: the callback gets the errno, and the status itself on request. */
	s.done = 0;
	assert_int_equal(spdkrt_bdev_read_blocks(desc, s.ch, rbuf, BAD_LBA, 1, io_done, &s), 0);
	spdkrt_bdev_module_resume_io();
	poll_until(s.done == 1);
	assert_int_equal(s.status, -EIO);
	assert_int_equal(s.nvme.sct, SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(s.nvme.sc, SPDKRT_NVME_SC_UNRECOVERED_READ_ERROR);
	assert_int_equal(s.nvme.dnr, 1);
	assert_int_equal(s.nvme.cdw0, 0xabcd);

	/* NVMe I/O passthrough: the command reaches the module, DW0 comes back. */
	struct spdkrt_nvme_cmd cmd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = 0x7f;
	s.done = 0;
	assert_int_equal(spdkrt_bdev_nvme_io_passthru(desc, s.ch, &cmd, NULL, 0, io_done, &s), 0);
	spdkrt_bdev_module_resume_io();
	poll_until(s.done == 1);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.nvme.cdw0, 0x7f);
	/* not supported by this module: refused at submission */
	log_capture_start();
	assert_int_equal(spdkrt_bdev_nvme_admin_passthru(desc, s.ch, &cmd, NULL, 0, io_done, &s),
			 -ENOTSUP);
	assert_int_equal(spdkrt_bdev_nvme_io_passthru(desc, s.ch, NULL, NULL, 0, io_done, &s),
			 -EINVAL);
	assert_int_equal(spdkrt_bdev_nvme_io_passthru(desc, s.ch, &cmd, rbuf, 0, io_done, &s),
			 -EINVAL);
	assert_int_equal(spdkrt_bdev_compare_blocks(desc, s.ch, rbuf, 0, 1, io_done, &s), -ENOTSUP);
	log_capture_stop();

	spdkrt_put_io_channel(s.ch);
	spdkrt_bdev_close(desc);
	/* A module's bdevs go before the module. */
	assert_int_equal(spdkrt_bdev_module_unregister(g_module, NULL, NULL), -EBUSY);
	destroy_and_wait("R0");
	assert_int_equal(g_disks[0].destructed, 1);
}

static void removed_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)bdev;
	if (type == SPDKRT_BDEV_EVENT_REMOVE)
		*(int *)ctx = 1;
}

static void store_done(void *ctx, int status)
{
	*(int *)ctx = status == 0 ? 1 : status;
}

/* Hot remove: the module unregisters its bdev; users get REMOVE and -ENODEV, logged once. */
static void test_module_initiated_remove(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	int removed = 0, gone = 0, status = 1;
	char buf[BS];

	(void)state;
	assert_int_equal(ram_make("H0", 16, &g_disks[1]), 0);
	assert_int_equal(spdkrt_bdev_open("H0", false, removed_event, &removed, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	assert_int_equal(spdkrt_bdev_unregister(g_disks[1].bdev, store_done, &gone), 0);
	assert_int_equal(spdkrt_bdev_unregister(g_disks[1].bdev, store_done, &gone), -EBUSY);
	poll_until(removed == 1);
	log_capture_start();
	for (int i = 0; i < 100; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf, 0, 1, store_status,
							 &status),
				 -ENODEV);
	assert_int_equal(g_log_capture.lines, 1); /* not one line per refused I/O */
	assert_logged("being removed");
	log_capture_stop();
	assert_int_equal(gone, 0);
	assert_int_equal(g_disks[1].destructed, 0);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	poll_until(gone == 1);
	assert_int_equal(g_disks[1].destructed, 1);
	assert_null(spdkrt_bdev_get_by_name("H0"));
	assert_int_equal(status, 1); /* no refused I/O called back */
}

/* Asynchronous creation that ends in several bdevs (a controller with two namespaces). */
static struct spdkrt_bdev_module *g_async_module;

struct attach {
	spdkrt_bdev_create_cb cb;
	void *cb_ctx;
	char prefix[16];
};

static void attach_finish(void *arg)
{
	struct attach *a = arg;
	struct spdkrt_bdev *made[2];
	char name[32];

	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%sn%d", a->prefix, i + 1);
		assert_int_equal(ram_make(name, 8, &g_disks[2 + i]), 0);
		made[i] = g_disks[2 + i].bdev;
	}
	a->cb(a->cb_ctx, 0, made, 2);
	free(a);
}

static int async_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			spdkrt_bdev_create_cb cb, void *cb_ctx)
{
	struct attach *a = calloc(1, sizeof(*a));
	const char *name;
	int rc;

	(void)module;
	rc = spdkrt_bdev_spec_get_str(spec, "name", &name);
	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	if (rc != 0) {
		free(a);
		return rc;
	}
	snprintf(a->prefix, sizeof(a->prefix), "%s", name); /* the spec goes after the call */
	a->cb = cb;
	a->cb_ctx = cb_ctx;
	return spdkrt_thread_send_msg(spdkrt_get_thread(), attach_finish, a);
}

struct created {
	int status;
	size_t count;
	char names[2][32];
	int calls;
};

static void created_cb(void *ctx, int status, struct spdkrt_bdev *const *bdevs, size_t count)
{
	struct created *c = ctx;

	c->calls++;
	c->status = status;
	c->count = count;
	for (size_t i = 0; i < count && i < 2; i++)
		snprintf(c->names[i], sizeof(c->names[i]), "%s", spdkrt_bdev_get_name(bdevs[i]));
}

static void test_async_create_of_several_bdevs(void **state)
{
	struct spdkrt_bdev_module_ops ops;
	struct created c = { 0 };
	int done = 0;

	(void)state;
	spdkrt_bdev_module_ops_init(&ops, sizeof(ops));
	ops.name = "ctrlr";
	ops.create_async = async_create;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &g_async_module), 0);
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("ctrlr:name=C", NULL), -ENOTSUP);
	assert_logged("only asynchronously");
	assert_int_equal(spdkrt_bdev_create_async("ctrlr:name=C,bogus=1", created_cb, &c), -EINVAL);
	assert_int_equal(spdkrt_bdev_create_async("nosuch:name=C", created_cb, &c), -ENODEV);
	log_capture_stop();
	assert_int_equal(spdkrt_bdev_create_async("ctrlr:name=C", created_cb, &c), 0);
	assert_int_equal(c.calls, 0); /* never from inside the call */
	poll_until(c.calls == 1);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.count, 2);
	assert_string_equal(c.names[0], "Cn1");
	assert_string_equal(c.names[1], "Cn2");
	/* a synchronous module through the asynchronous call */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spdkrt_bdev_create_async("malloc:name=M,num_blocks=8", created_cb, &c), 0);
	assert_int_equal(c.calls, 0);
	poll_until(c.calls == 1);
	assert_int_equal(c.count, 1);
	assert_string_equal(c.names[0], "M");
	destroy_and_wait("M");
	destroy_and_wait("Cn1");
	destroy_and_wait("Cn2");
	assert_int_equal(spdkrt_bdev_module_unregister(g_async_module, unregistered, &done), 0);
	assert_int_equal(done, 1);
}

/* Compare, compare-and-write and multi-range unmap, on the malloc bdev. */
static void test_compare_and_unmap_ranges(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	char *data = spdkrt_dma_zmalloc(16 * BS, 64, SPDKRT_ENV_SOCKET_ANY);
	char *other = spdkrt_dma_zmalloc(16 * BS, 64, SPDKRT_ENV_SOCKET_ANY);
	struct spdkrt_bdev_range ranges[3] = { { 1, 2 }, { 5, 1 }, { 10, 3 } };
	int status;

	(void)state;
	assert_int_equal(spdkrt_bdev_create("malloc:name=C0,num_blocks=16", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("C0", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	memset(data, 0xa5, 16 * BS);
	status = 1;
	assert_int_equal(spdkrt_bdev_write_blocks(desc, ch, data, 0, 16, store_status, &status), 0);
	poll_until(status != 1);
	assert_int_equal(status, 0);

	status = 1;
	assert_int_equal(spdkrt_bdev_compare_blocks(desc, ch, data, 0, 16, store_status, &status),
			 0);
	poll_until(status != 1);
	assert_int_equal(status, 0);
	other[0] = 1;
	status = 1;
	assert_int_equal(spdkrt_bdev_compare_blocks(desc, ch, other, 0, 1, store_status, &status),
			 0);
	poll_until(status != 1);
	assert_int_equal(status, -EILSEQ);

	/* compare-and-write: written only when the compare matched */
	memset(other, 0x11, BS);
	status = 1;
	assert_int_equal(spdkrt_bdev_compare_and_write_blocks(desc, ch, other, other, 3, 1,
							      store_status, &status),
			 0);
	poll_until(status != 1);
	assert_int_equal(status, -EILSEQ);
	status = 1;
	assert_int_equal(spdkrt_bdev_compare_and_write_blocks(desc, ch, data, other, 3, 1,
							      store_status, &status),
			 0);
	poll_until(status != 1);
	assert_int_equal(status, 0);
	log_capture_start();
	assert_int_equal(spdkrt_bdev_compare_and_write_blocks(desc, ch, data, other, 0, 300,
							      store_status, &status),
			 -EINVAL);
	assert_int_equal(spdkrt_bdev_unmap_ranges(desc, ch, ranges, 0, store_status, &status),
			 -EINVAL);
	struct spdkrt_bdev_range outside = { 15, 2 };
	assert_int_equal(spdkrt_bdev_unmap_ranges(desc, ch, &outside, 1, store_status, &status),
			 -EINVAL);
	log_capture_stop();

	status = 1;
	assert_int_equal(spdkrt_bdev_unmap_ranges(desc, ch, ranges, 3, store_status, &status), 0);
	poll_until(status != 1);
	assert_int_equal(status, 0);
	status = 1;
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, other, 0, 16, store_status, &status), 0);
	poll_until(status != 1);
	for (int b = 0; b < 16; b++) {
		bool unmapped = (b >= 1 && b < 3) || b == 5 || (b >= 10 && b < 13);
		char want = unmapped ? 0 : (b == 3 ? 0x11 : (char)0xa5);

		for (int i = 0; i < BS; i++)
			if (other[b * BS + i] != want)
				fail_msg("block %d byte %d: %d, want %d", b, i, other[b * BS + i],
					 want);
	}
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("C0");
	spdkrt_dma_free(data);
	spdkrt_dma_free(other);
}

static void test_nvme_status_table(void **state)
{
	static const int errnos[] = { 0,       -EOPNOTSUPP, -EINVAL, -ECANCELED, -ENODEV, -EACCES,
				      -ERANGE, -ENOSPC,     -EAGAIN, -EBUSY,     -EILSEQ, -EIO };
	struct spdkrt_bdev_nvme_status st;

	(void)state;
	/* every errno of the table comes back through its NVMe status */
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		spdkrt_bdev_nvme_status_from_errno(errnos[i], &st);
		assert_int_equal(spdkrt_bdev_nvme_status_to_errno(&st), errnos[i]);
	}
	spdkrt_bdev_nvme_status_from_errno(-ENOMEM, &st);
	assert_int_equal(st.sc, SPDKRT_NVME_SC_INTERNAL_DEVICE_ERROR);
	assert_int_equal(st.dnr, 0);
	spdkrt_bdev_nvme_status_from_errno(-EILSEQ, &st);
	assert_int_equal(st.sct, SPDKRT_NVME_SCT_MEDIA_ERROR);
	assert_int_equal(st.sc, SPDKRT_NVME_SC_COMPARE_FAILURE);
	assert_int_equal(st.dnr, 1);
	st.sct = SPDKRT_NVME_SCT_VENDOR_SPECIFIC;
	st.sc = 0x42;
	assert_int_equal(spdkrt_bdev_nvme_status_to_errno(&st), -EIO);
	assert_int_equal(spdkrt_bdev_nvme_status_to_errno(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_refuses_bad_modules, module_setup,
						module_teardown),
		cmocka_unit_test_setup_teardown(test_io_through_a_public_module, module_setup,
						module_teardown),
		cmocka_unit_test_setup_teardown(test_module_initiated_remove, module_setup,
						module_teardown),
		cmocka_unit_test_setup_teardown(test_async_create_of_several_bdevs, module_setup,
						module_teardown),
		cmocka_unit_test_setup_teardown(test_compare_and_unmap_ranges, module_setup,
						module_teardown),
		cmocka_unit_test(test_nvme_status_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
