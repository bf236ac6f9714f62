/* SPDX-License-Identifier: BSD-3-Clause */
/* Bdev I/O: every bad input refused synchronously, data on malloc, splitting, io_wait, stats. */
#include <errno.h>

#include "bdev_fixture.h"

#include "bdev/module.h"

static struct spdkrt_bdev *g_bdev;
static struct spdkrt_bdev_desc *g_desc, *g_ro_desc, *g_other_desc;
static struct spdkrt_io_channel *g_ch, *g_other_ch;
static char *g_buf;
static int g_calls;

static void counting_cb(void *arg, int status)
{
	(void)arg;
	(void)status;
	g_calls++;
}

static int io_setup(void **state)
{
	fixture_setup(state);
	assert_int_equal(spdkrt_bdev_create("malloc:name=D,num_blocks=256,block_size=512", &g_bdev),
			 0);
	assert_int_equal(spdkrt_bdev_create("null:name=Other,size_mb=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("D", true, ignore_event, NULL, &g_desc), 0);
	assert_int_equal(spdkrt_bdev_open("D", false, ignore_event, NULL, &g_ro_desc), 0);
	assert_int_equal(spdkrt_bdev_open("Other", true, ignore_event, NULL, &g_other_desc), 0);
	g_ch = spdkrt_bdev_get_io_channel(g_desc);
	g_other_ch = spdkrt_bdev_get_io_channel(g_other_desc);
	assert_non_null(g_ch);
	assert_non_null(g_other_ch);
	g_buf = spdkrt_dma_zmalloc(256 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	assert_non_null(g_buf);
	g_calls = 0;
	log_capture_start();
	return 0;
}

static int io_teardown(void **state)
{
	spdkrt_put_io_channel(g_ch);
	spdkrt_put_io_channel(g_other_ch);
	spdkrt_bdev_close(g_desc);
	spdkrt_bdev_close(g_ro_desc);
	spdkrt_bdev_close(g_other_desc);
	destroy_and_wait("D");
	destroy_and_wait("Other");
	spdkrt_dma_free(g_buf);
	return fixture_teardown(state);
}

/* One row per bad call: the errno it must return and a fragment of its log line. */
struct bad_call {
	const char *what;
	int (*call)(void);
	int rc;
	const char *logged;
};

static struct iovec g_iov[2];
static struct iovec g_big_iov[1025];

#define CALL(name, expr)                                                                           \
	static int name(void)                                                                      \
	{                                                                                          \
		return expr;                                                                       \
	}

CALL(read_null_desc, spdkrt_bdev_read_blocks(NULL, g_ch, g_buf, 0, 1, counting_cb, NULL))
CALL(read_null_ch, spdkrt_bdev_read_blocks(g_desc, NULL, g_buf, 0, 1, counting_cb, NULL))
CALL(read_null_cb, spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 0, 1, NULL, NULL))
CALL(read_null_buf, spdkrt_bdev_read_blocks(g_desc, g_ch, NULL, 0, 1, counting_cb, NULL))
CALL(read_zero_blocks, spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 0, 0, counting_cb, NULL))
CALL(read_past_end, spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 250, 7, counting_cb, NULL))
CALL(read_offset_past_end, spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 256, 1, counting_cb, NULL))
CALL(read_overflow, spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 2, UINT64_MAX, counting_cb, NULL))
CALL(read_wrong_channel,
     spdkrt_bdev_read_blocks(g_desc, g_other_ch, g_buf, 0, 1, counting_cb, NULL))
CALL(write_read_only, spdkrt_bdev_write_blocks(g_ro_desc, g_ch, g_buf, 0, 1, counting_cb, NULL))
CALL(zeroes_read_only, spdkrt_bdev_write_zeroes_blocks(g_ro_desc, g_ch, 0, 1, counting_cb, NULL))
CALL(unmap_read_only, spdkrt_bdev_unmap_blocks(g_ro_desc, g_ch, 0, 1, counting_cb, NULL))
CALL(flush_past_end, spdkrt_bdev_flush_blocks(g_desc, g_ch, 0, 257, counting_cb, NULL))
CALL(unmap_null_cb, spdkrt_bdev_unmap_blocks(g_desc, g_ch, 0, 1, NULL, NULL))
CALL(reset_null_desc, spdkrt_bdev_reset(NULL, g_ch, counting_cb, NULL))
CALL(reset_null_cb, spdkrt_bdev_reset(g_desc, g_ch, NULL, NULL))
CALL(readv_null_iov, spdkrt_bdev_readv_blocks(g_desc, g_ch, NULL, 1, 0, 1, counting_cb, NULL))
CALL(readv_zero_iovcnt, spdkrt_bdev_readv_blocks(g_desc, g_ch, g_iov, 0, 0, 1, counting_cb, NULL))
CALL(readv_too_many,
     spdkrt_bdev_readv_blocks(g_desc, g_ch, g_big_iov, 1025, 0, 1, counting_cb, NULL))
CALL(writev_short_iov, spdkrt_bdev_writev_blocks(g_desc, g_ch, g_iov, 2, 0, 2, counting_cb, NULL))
CALL(writev_null_base,
     spdkrt_bdev_writev_blocks(g_desc, g_ch, g_big_iov, 1, 0, 1, counting_cb, NULL))
CALL(read_bytes_unaligned, spdkrt_bdev_read(g_desc, g_ch, g_buf, 100, 512, counting_cb, NULL))
CALL(write_bytes_odd_length, spdkrt_bdev_write(g_desc, g_ch, g_buf, 0, 513, counting_cb, NULL))
CALL(read_bytes_null_desc, spdkrt_bdev_read(NULL, g_ch, g_buf, 0, 512, counting_cb, NULL))
CALL(read_bytes_past_end, spdkrt_bdev_read(g_desc, g_ch, g_buf, 256 * 512, 512, counting_cb, NULL))

static const struct bad_call g_bad_calls[] = {
	{ "read, NULL desc", read_null_desc, -EINVAL, "desc, channel or callback is NULL" },
	{ "read, NULL channel", read_null_ch, -EINVAL, "desc, channel or callback is NULL" },
	{ "read, NULL callback", read_null_cb, -EINVAL, "desc, channel or callback is NULL" },
	{ "read, NULL buffer", read_null_buf, -EINVAL, "is NULL or not aligned" },
	{ "read, zero blocks", read_zero_blocks, -EINVAL, "blocks 0+0 are outside 'D'" },
	{ "read, past the end", read_past_end, -EINVAL, "blocks 250+7 are outside 'D' (256" },
	{ "read, offset at the end", read_offset_past_end, -EINVAL, "blocks 256+1 are outside" },
	{ "read, overflowing length", read_overflow, -EINVAL, "are outside 'D'" },
	{ "read, channel of another bdev", read_wrong_channel, -EINVAL, "belongs to another bdev" },
	{ "write, read-only desc", write_read_only, -EBADF, "'D' was opened read-only" },
	{ "write zeroes, read-only desc", zeroes_read_only, -EBADF, "opened read-only" },
	{ "unmap, read-only desc", unmap_read_only, -EBADF, "opened read-only" },
	{ "flush, past the end", flush_past_end, -EINVAL, "blocks 0+257 are outside" },
	{ "unmap, NULL callback", unmap_null_cb, -EINVAL, "callback is NULL" },
	{ "reset, NULL desc", reset_null_desc, -EINVAL, "callback is NULL" },
	{ "reset, NULL callback", reset_null_cb, -EINVAL, "callback is NULL" },
	{ "readv, NULL iov", readv_null_iov, -EINVAL, "iov is NULL or iovcnt 1" },
	{ "readv, iovcnt 0", readv_zero_iovcnt, -EINVAL, "iovcnt 0 is outside 1..1024" },
	{ "readv, iovcnt 1025", readv_too_many, -EINVAL, "iovcnt 1025 is outside" },
	{ "writev, iovecs shorter than the blocks", writev_short_iov, -EINVAL,
	  "the iovecs hold 600 bytes but 2 blocks of 512 bytes" },
	{ "writev, NULL iov_base", writev_null_base, -EINVAL, "iov[0] is NULL" },
	{ "read bytes, unaligned offset", read_bytes_unaligned, -EINVAL,
	  "offset 100 and length 512 must be multiples of the block size 512" },
	{ "write bytes, odd length", write_bytes_odd_length, -EINVAL, "length 513 must be" },
	{ "read bytes, NULL desc", read_bytes_null_desc, -EINVAL, "desc is NULL" },
	{ "read bytes, past the end", read_bytes_past_end, -EINVAL, "blocks 256+1 are outside" },
};

static void test_bad_calls_fail_synchronously_and_never_call_back(void **state)
{
	(void)state;
	g_iov[0].iov_base = g_buf;
	g_iov[0].iov_len = 100;
	g_iov[1].iov_base = g_buf + 512;
	g_iov[1].iov_len = 500;
	for (size_t i = 0; i < sizeof(g_bad_calls) / sizeof(g_bad_calls[0]); i++) {
		int rc = g_bad_calls[i].call();

		if (rc != g_bad_calls[i].rc)
			fail_msg("%s: returned %d, expected %d", g_bad_calls[i].what, rc,
				 g_bad_calls[i].rc);
		if (strstr(g_log_capture.text, g_bad_calls[i].logged) == NULL)
			fail_msg("%s: no log line with '%s' in:\n%s", g_bad_calls[i].what,
				 g_bad_calls[i].logged, g_log_capture.text);
		log_capture_clear();
	}
	poll_n(3);
	assert_int_equal(g_calls, 0);
}

static void test_misaligned_buffer_for_a_module_that_needs_alignment(void **state)
{
	struct iovec iov = { .iov_base = g_buf + 8, .iov_len = 512 };

	(void)state;
	g_bdev->buf_align = 512; /* as an O_DIRECT module would declare */
	assert_int_equal(spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf + 8, 0, 1, counting_cb, NULL),
			 -EINVAL);
	assert_logged("not aligned to 512 bytes as 'D' requires");
	assert_int_equal(spdkrt_bdev_readv_blocks(g_desc, g_ch, &iov, 1, 0, 1, counting_cb, NULL),
			 -EINVAL);
	assert_logged("iov[0] is NULL or not aligned to 512 bytes");
	assert_int_equal(
		spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf + 512, 0, 1, counting_cb, NULL), 0);
	g_bdev->buf_align = 1;
	poll_n(1);
	assert_int_equal(g_calls, 1);
}

static int g_waits;

static void wait_cb(void *arg)
{
	(void)arg;
	g_waits++;
}

static void test_queue_io_wait_bad_input(void **state)
{
	struct spdkrt_bdev_io_wait_entry entry = { 0 };

	(void)state;
	assert_int_equal(spdkrt_bdev_queue_io_wait(NULL, g_ch, &entry), -EINVAL);
	assert_int_equal(spdkrt_bdev_queue_io_wait(g_bdev, NULL, &entry), -EINVAL);
	assert_int_equal(spdkrt_bdev_queue_io_wait(g_bdev, g_ch, NULL), -EINVAL);
	assert_int_equal(spdkrt_bdev_queue_io_wait(g_bdev, g_ch, &entry), -EINVAL);
	assert_logged("entry->cb_fn");
	entry.cb_fn = wait_cb;
	assert_int_equal(spdkrt_bdev_queue_io_wait(g_bdev, g_other_ch, &entry), -EINVAL);
	assert_logged("belongs to another bdev");
}

static void fill_pattern(char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 31 + seed);
}

/* Runs one I/O call (its callback stores into st_), polls until done, gives the status. */
#define DO_IO(call_with_status_ptr)                                                                \
	({                                                                                         \
		int status_ = 1;                                                                   \
		int *st_ = &status_;                                                               \
		assert_int_equal((call_with_status_ptr), 0);                                       \
		poll_until(status_ != 1);                                                          \
		status_;                                                                           \
	})

static void test_odd_iovecs_round_trip(void **state)
{
	/* 6 blocks of 512 written through pieces of odd sizes, read back through other ones */
	static const size_t write_shape[] = { 1, 511, 700, 324, 1000, 536 };
	static const size_t read_shape[] = { 3000, 7, 65 };
	struct iovec wiov[6], riov[3];
	char *src = g_buf, *dst = g_buf + 8192, *copy = g_buf + 16384;
	size_t off = 0;

	(void)state;
	fill_pattern(src, 3072, 7);
	for (int i = 0; i < 6; i++) {
		wiov[i].iov_base = src + off;
		wiov[i].iov_len = write_shape[i];
		off += write_shape[i];
	}
	assert_int_equal(off, 3072);
	assert_int_equal(
		DO_IO(spdkrt_bdev_writev_blocks(g_desc, g_ch, wiov, 6, 10, 6, store_status, st_)),
		0);
	memset(dst, 0, 3072);
	off = 0;
	for (int i = 0; i < 3; i++) {
		riov[i].iov_base = dst + off;
		riov[i].iov_len = read_shape[i];
		off += read_shape[i];
	}
	assert_int_equal(
		DO_IO(spdkrt_bdev_readv_blocks(g_desc, g_ch, riov, 3, 10, 6, store_status, st_)),
		0);
	assert_memory_equal(src, dst, 3072);
	/* the flat forms see the same bytes */
	assert_int_equal(
		DO_IO(spdkrt_bdev_read(g_desc, g_ch, copy, 10 * 512, 3072, store_status, st_)), 0);
	assert_memory_equal(src, copy, 3072);
}

static void test_write_zeroes_and_unmap_read_back_zeroes(void **state)
{
	char *data = g_buf, *back = g_buf + 32768;
	char zero[2048] = { 0 };

	(void)state;
	fill_pattern(data, 8192, 3);
	assert_int_equal(DO_IO(spdkrt_bdev_write(g_desc, g_ch, data, 0, 8192, store_status, st_)),
			 0);
	assert_int_equal(
		DO_IO(spdkrt_bdev_write_zeroes_blocks(g_desc, g_ch, 2, 4, store_status, st_)), 0);
	assert_int_equal(DO_IO(spdkrt_bdev_unmap_blocks(g_desc, g_ch, 10, 4, store_status, st_)),
			 0);
	assert_int_equal(DO_IO(spdkrt_bdev_flush_blocks(g_desc, g_ch, 0, 16, store_status, st_)),
			 0);
	assert_int_equal(DO_IO(spdkrt_bdev_reset(g_desc, g_ch, store_status, st_)), 0);
	assert_int_equal(
		DO_IO(spdkrt_bdev_read_blocks(g_desc, g_ch, back, 0, 16, store_status, st_)), 0);
	assert_memory_equal(back, data, 1024);               /* blocks 0-1 kept */
	assert_memory_equal(back + 1024, zero, 2048);        /* blocks 2-5 zeroed */
	assert_memory_equal(back + 3072, data + 3072, 2048); /* blocks 6-9 kept */
	assert_memory_equal(back + 5120, zero, 2048);        /* blocks 10-13 unmapped */
	assert_memory_equal(back + 7168, data + 7168, 1024); /* blocks 14-15 kept */
}

/* A bdev with an optimal boundary splits crossing I/O; the data lands where it belongs. */
static void test_split_at_boundary_with_odd_iovecs(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct spdkrt_bdev_stats stats;
	struct iovec iov[40];
	char *src = g_buf, *dst = g_buf + 40 * 512;

	(void)state;
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=S,num_blocks=128,optimal_io_boundary=8", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("S", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	fill_pattern(src, 40 * 512, 11);
	/* 40 iovecs of 512 bytes, each cut 100 bytes later: children span several pieces */
	for (int i = 0; i < 40; i++) {
		iov[i].iov_base = src + i * 512;
		iov[i].iov_len = 512;
	}
	assert_int_equal(
		DO_IO(spdkrt_bdev_writev_blocks(desc, ch, iov, 40, 5, 40, store_status, st_)), 0);
	assert_int_equal(DO_IO(spdkrt_bdev_read_blocks(desc, ch, dst, 5, 40, store_status, st_)),
			 0);
	assert_memory_equal(src, dst, 40 * 512);
	/* read back unsplit pieces through a bdev without boundary: same bytes at 5..44 */
	assert_int_equal(
		spdkrt_bdev_get_stats(spdkrt_bdev_desc_get_bdev(desc), &stats, sizeof(stats)), 0);
	assert_int_equal(stats.ops[SPDKRT_BDEV_IO_WRITE], 1); /* counted once, not per child */
	assert_int_equal(stats.bytes[SPDKRT_BDEV_IO_WRITE], 40 * 512);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("S");
}

static void test_stats_count_ops_bytes_and_errors(void **state)
{
	struct spdkrt_bdev_stats stats, ch_stats;

	(void)state;
	assert_int_equal(spdkrt_bdev_get_stats(NULL, &stats, sizeof(stats)), -EINVAL);
	assert_int_equal(spdkrt_bdev_get_stats(g_bdev, NULL, sizeof(stats)), -EINVAL);
	assert_int_equal(spdkrt_bdev_channel_get_stats(NULL, &stats, sizeof(stats)), -EINVAL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(DO_IO(spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 0, 2,
							       store_status, st_)),
				 0);
	assert_int_equal(
		DO_IO(spdkrt_bdev_write_blocks(g_desc, g_ch, g_buf, 0, 4, store_status, st_)), 0);
	assert_int_equal(spdkrt_bdev_get_stats(g_bdev, &stats, sizeof(stats)), 0);
	assert_int_equal(stats.ops[SPDKRT_BDEV_IO_READ], 3);
	assert_int_equal(stats.bytes[SPDKRT_BDEV_IO_READ], 3 * 1024);
	assert_int_equal(stats.ops[SPDKRT_BDEV_IO_WRITE], 1);
	assert_int_equal(stats.bytes[SPDKRT_BDEV_IO_WRITE], 2048);
	assert_int_equal(stats.errors, 0);
	assert_true(stats.ticks_hz > 0);
	assert_true(stats.max_latency_ticks[SPDKRT_BDEV_IO_READ] <=
		    stats.latency_ticks[SPDKRT_BDEV_IO_READ]);
	assert_int_equal(spdkrt_bdev_channel_get_stats(g_ch, &ch_stats, sizeof(ch_stats)), 0);
	assert_int_equal(ch_stats.ops[SPDKRT_BDEV_IO_READ], 3);
	/* a caller with an older, shorter struct gets only its part */
	memset(&ch_stats, 0xee, sizeof(ch_stats));
	assert_int_equal(spdkrt_bdev_get_stats(g_bdev, &ch_stats, sizeof(uint64_t)), 0);
	assert_int_equal(ch_stats.ops[0], 3);
	assert_int_equal(ch_stats.ops[1], 0xeeeeeeeeeeeeeeeeull);
}

struct pool_job {
	struct spdkrt_bdev_io_wait_entry wait;
	int completed;
	int resubmitted;
};

static void pool_cb(void *arg, int status)
{
	struct pool_job *job = arg;

	if (status == 0)
		job->completed++;
}

static void pool_wait_cb(void *arg)
{
	struct pool_job *job = arg;

	job->resubmitted++;
	assert_int_equal(spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 0, 1, pool_cb, job), 0);
}

/* A small pool runs dry: -ENOMEM, then io_wait calls back when an I/O frees. */
static void test_pool_exhaustion_and_io_wait(void **state)
{
	struct spdkrt_bdev_opts opts;
	struct pool_job job = { 0 };
	int rc, accepted = 0;

	(void)state;
	/* channels exist: options are frozen */
	spdkrt_bdev_opts_init(&opts, sizeof(opts));
	assert_int_equal(opts.io_pool_size, 8192);
	opts.io_pool_size = 16;
	assert_int_equal(spdkrt_bdev_set_opts(&opts), -EBUSY);
	assert_logged("bdev channels exist");
	opts.io_pool_size = 3;
	assert_int_equal(spdkrt_bdev_set_opts(&opts), -EINVAL);
	assert_int_equal(spdkrt_bdev_set_opts(NULL), -EINVAL);
	assert_int_equal(spdkrt_bdev_opts_init(NULL, sizeof(opts)), -EINVAL);

	while ((rc = spdkrt_bdev_read_blocks(g_desc, g_ch, g_buf, 0, 1, pool_cb, &job)) == 0)
		accepted++;
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(accepted, 8192);
	job.wait.cb_fn = pool_wait_cb;
	job.wait.cb_arg = &job;
	assert_int_equal(spdkrt_bdev_queue_io_wait(g_bdev, g_ch, &job.wait), 0);
	poll_until(job.completed == accepted + 1);
	assert_int_equal(job.resubmitted, 1);
}

/* With a tiny pool, a request split into many children still completes, data intact. */
static void test_split_with_a_tiny_pool(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct spdkrt_bdev_opts opts;
	char *src = spdkrt_dma_zmalloc(128 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	char *dst = src + 64 * 512;

	(void)state;
	/* no bdev channel exists yet on this fresh thread: the pool size can change */
	spdkrt_bdev_opts_init(&opts, sizeof(opts));
	opts.io_pool_size = 16;
	assert_int_equal(spdkrt_bdev_set_opts(&opts), 0);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=T,num_blocks=128,optimal_io_boundary=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("T", true, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	fill_pattern(src, 64 * 512, 5);
	assert_int_equal(DO_IO(spdkrt_bdev_write_blocks(desc, ch, src, 0, 64, store_status, st_)),
			 0);
	assert_int_equal(DO_IO(spdkrt_bdev_read_blocks(desc, ch, dst, 0, 64, store_status, st_)),
			 0);
	assert_memory_equal(src, dst, 64 * 512);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	destroy_and_wait("T");
	opts.io_pool_size = 8192;
	poll_n(3); /* the pool goes with the thread's last bdev channel */
	assert_int_equal(spdkrt_bdev_set_opts(&opts), 0);
	spdkrt_dma_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_bad_calls_fail_synchronously_and_never_call_back, io_setup,
			io_teardown),
		cmocka_unit_test_setup_teardown(
			test_misaligned_buffer_for_a_module_that_needs_alignment, io_setup,
			io_teardown),
		cmocka_unit_test_setup_teardown(test_queue_io_wait_bad_input, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_odd_iovecs_round_trip, io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_write_zeroes_and_unmap_read_back_zeroes,
						io_setup, io_teardown),
		cmocka_unit_test_setup_teardown(test_split_at_boundary_with_odd_iovecs, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_stats_count_ops_bytes_and_errors, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion_and_io_wait, io_setup,
						io_teardown),
		cmocka_unit_test_setup_teardown(test_split_with_a_tiny_pool, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests_name("bdev/io", tests, NULL, NULL);
}
