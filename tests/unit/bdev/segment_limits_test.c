/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * max_segment_size and max_segments: a module written against the public interface only says
 * how many iovec segments it takes and how long each may be, and asserts both on every I/O it
 * is given. The core must split (re-chunk) the user's buffers so that the module never sees
 * more, and the data must still land where the user asked.
 */
#include <errno.h>
#include <stdlib.h>

#include "bdev_fixture.h"

#include <spdkrt/bdev_module.h>

#define BS 512
#define BLOCKS 512

struct seg_disk {
	struct spdkrt_bdev *bdev;
	char data[BLOCKS * BS];
	uint32_t max_segment_size, max_segments;
	unsigned submits;
	int most_segments_seen;
	size_t longest_segment_seen;
};

static struct spdkrt_bdev_module *g_module;
static struct seg_disk g_disk;

static void seg_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct seg_disk *disk = spdkrt_bdev_io_get_module_ctx(io);
	enum spdkrt_bdev_io_type type = spdkrt_bdev_io_get_type(io);
	char *at = disk->data + spdkrt_bdev_io_get_offset_blocks(io) * BS;
	uint64_t bytes = 0;
	int iovcnt;
	struct iovec *iov = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	(void)module_ch;
	disk->submits++;
	/* the module's own limits, checked as a driver that builds PRPs or SGLs would */
	if (disk->max_segments != 0)
		assert_true((uint32_t)iovcnt <= disk->max_segments);
	if (iovcnt > disk->most_segments_seen)
		disk->most_segments_seen = iovcnt;
	for (int i = 0; i < iovcnt; i++) {
		if (disk->max_segment_size != 0)
			assert_true(iov[i].iov_len <= disk->max_segment_size);
		if (iov[i].iov_len > disk->longest_segment_seen)
			disk->longest_segment_seen = iov[i].iov_len;
		bytes += iov[i].iov_len;
	}
	assert_int_equal(bytes, spdkrt_bdev_io_get_num_blocks(io) * BS);
	for (int i = 0; i < iovcnt; i++) {
		if (type == SPDKRT_BDEV_IO_READ)
			memcpy(iov[i].iov_base, at, iov[i].iov_len);
		else if (type == SPDKRT_BDEV_IO_WRITE)
			memcpy(at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	spdkrt_bdev_io_complete(io, 0);
}

static bool seg_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	(void)ctx;
	return type == SPDKRT_BDEV_IO_READ || type == SPDKRT_BDEV_IO_WRITE ||
	       type == SPDKRT_BDEV_IO_COMPARE_AND_WRITE;
}

static void seg_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done)
{
	done(bdev);
}

static const struct spdkrt_bdev_fn_table g_seg_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = seg_submit,
	.io_type_supported = seg_supported,
	.destruct = seg_destruct,
};

static int seg_register(uint32_t max_segment_size, uint32_t max_segments)
{
	struct spdkrt_bdev_info info;

	memset(&g_disk, 0, sizeof(g_disk));
	g_disk.max_segment_size = max_segment_size;
	g_disk.max_segments = max_segments;
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = "seg0";
	info.module = g_module;
	info.fn = &g_seg_fn;
	info.ctx = &g_disk;
	info.block_size = BS;
	info.num_blocks = BLOCKS;
	info.max_segment_size = max_segment_size;
	info.max_segments = max_segments;
	info.max_compare_and_write_blocks = 16;
	return spdkrt_bdev_register(&info, &g_disk.bdev);
}

static int seg_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
		      struct spdkrt_bdev **bdev)
{
	(void)module;
	(void)spec;
	(void)bdev;
	return -ENOTSUP; /* the tests register their bdevs directly */
}

static int setup(void **state)
{
	struct spdkrt_bdev_module_ops ops;

	fixture_setup(state);
	assert_int_equal(spdkrt_bdev_module_ops_init(&ops, sizeof(ops)), 0);
	ops.name = "segtest";
	ops.create = seg_create;
	assert_int_equal(spdkrt_bdev_module_register(&ops, &g_module), 0);
	return 0;
}

static void unregistered(void *ctx)
{
	*(int *)ctx = 1;
}

static int teardown(void **state)
{
	int done = 0;

	if (spdkrt_bdev_get_by_name("seg0") != NULL)
		destroy_and_wait("seg0");
	assert_int_equal(spdkrt_bdev_module_unregister(g_module, unregistered, &done), 0);
	poll_until(done);
	return fixture_teardown(state);
}

struct io_result {
	bool called;
	int status;
};

static void io_done(void *arg, int status)
{
	struct io_result *r = arg;

	r->status = status;
	r->called = true;
}

struct session {
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
};

static void open_seg(struct session *s)
{
	assert_int_equal(spdkrt_bdev_open("seg0", true, ignore_event, NULL, &s->desc), 0);
	s->ch = spdkrt_bdev_get_io_channel(s->desc);
	assert_non_null(s->ch);
}

static void close_seg(struct session *s)
{
	spdkrt_put_io_channel(s->ch);
	spdkrt_bdev_close(s->desc);
}

static void fill_pattern(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 7 + seed) & 0xff);
}

static void writev_then_readv(struct session *s, const struct iovec *wiov, int wcnt,
			      const struct iovec *riov, int rcnt, uint64_t offset, uint64_t num)
{
	struct io_result w = { 0 }, r = { 0 };

	assert_int_equal(
		spdkrt_bdev_writev_blocks(s->desc, s->ch, wiov, wcnt, offset, num, io_done, &w), 0);
	poll_until(w.called);
	assert_int_equal(w.status, 0);
	assert_int_equal(
		spdkrt_bdev_readv_blocks(s->desc, s->ch, riov, rcnt, offset, num, io_done, &r), 0);
	poll_until(r.called);
	assert_int_equal(r.status, 0);
}

/* One 64 KiB buffer, segments of at most 4 KiB, 4 per I/O: four children of 16 KiB. */
static void test_single_buffer_rechunked(void **state)
{
	static char out[64 * 1024], in[64 * 1024];
	struct iovec w = { out, sizeof(out) }, r = { in, sizeof(in) };
	struct session s;

	(void)state;
	assert_int_equal(seg_register(4096, 4), 0);
	open_seg(&s);
	fill_pattern(out, sizeof(out), 1);
	writev_then_readv(&s, &w, 1, &r, 1, 10, sizeof(out) / BS);
	assert_memory_equal(in, out, sizeof(out));
	assert_memory_equal(g_disk.data + 10 * BS, out, sizeof(out));
	assert_int_equal(g_disk.submits, 8); /* 4 children for the write, 4 for the read */
	assert_int_equal(g_disk.most_segments_seen, 4);
	assert_int_equal(g_disk.longest_segment_seen, 4096);
	close_seg(&s);
}

/* Twenty 512-byte pieces, at most 3 per I/O: seven children, none with more than 3. */
static void test_many_small_iovecs(void **state)
{
	static char out[20][BS], in[20][BS];
	struct iovec w[20], r[20];
	struct session s;

	(void)state;
	assert_int_equal(seg_register(0, 3), 0);
	open_seg(&s);
	for (int i = 0; i < 20; i++) {
		fill_pattern(out[i], BS, (unsigned)i);
		w[i] = (struct iovec){ out[i], BS };
		r[i] = (struct iovec){ in[i], BS };
	}
	writev_then_readv(&s, w, 20, r, 20, 100, 20);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(g_disk.submits, 14);
	assert_int_equal(g_disk.most_segments_seen, 3);
	close_seg(&s);
}

/*
 * Pieces that do not fall on block boundaries (1536, 2560, 3072 bytes), segments of at most
 * 1 KiB, 3 per I/O: children cut mid-iovec, blocks straddling two segments.
 */
static void test_unaligned_pieces(void **state)
{
	static char out[7168], in[7168];
	struct iovec w[3] = { { out, 1536 }, { out + 1536, 2560 }, { out + 4096, 3072 } };
	struct iovec r[3] = { { in, 3072 }, { in + 3072, 1536 }, { in + 4608, 2560 } };
	struct session s;

	(void)state;
	assert_int_equal(seg_register(1024, 3), 0);
	open_seg(&s);
	fill_pattern(out, sizeof(out), 3);
	writev_then_readv(&s, w, 3, r, 3, 0, sizeof(out) / BS);
	assert_memory_equal(in, out, sizeof(out));
	assert_true(g_disk.most_segments_seen <= 3);
	assert_true(g_disk.longest_segment_seen <= 1024);
	close_seg(&s);
}

/* Within the limits: the module gets the user's iovecs as they are, in one I/O. */
static void test_within_limits_not_split(void **state)
{
	static char out[4][1024], in[4][1024];
	struct iovec w[4], r[4];
	struct session s;

	(void)state;
	assert_int_equal(seg_register(1024, 4), 0);
	open_seg(&s);
	for (int i = 0; i < 4; i++) {
		fill_pattern(out[i], sizeof(out[i]), (unsigned)i + 9);
		w[i] = (struct iovec){ out[i], sizeof(out[i]) };
		r[i] = (struct iovec){ in[i], sizeof(in[i]) };
	}
	writev_then_readv(&s, w, 4, r, 4, 50, 8);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(g_disk.submits, 2);
	close_seg(&s);
}

/* Limits that cannot carry one block are refused at registration; so is a too-large CAW. */
static void test_impossible_limits_refused(void **state)
{
	static char cmp[4 * BS], wr[4 * BS];
	struct session s;

	(void)state;
	log_capture_start();
	assert_int_equal(seg_register(128, 2), -EINVAL);
	assert_logged("cannot hold one 512-byte block");
	assert_null(spdkrt_bdev_get_by_name("seg0"));
	assert_int_equal(seg_register(1024, 0), 0);
	open_seg(&s);
	assert_int_equal(spdkrt_bdev_compare_and_write_blocks(s.desc, s.ch, cmp, wr, 0, 4, io_done,
							      NULL),
			 -EINVAL);
	assert_logged("larger than the 1024 bytes");
	assert_int_equal(g_disk.submits, 0);
	close_seg(&s);
	log_capture_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_buffer_rechunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_small_iovecs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_within_limits_not_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impossible_limits_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
