/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdev channel release: completions delivered while a channel is released, and channels put
 * with I/O still in flight (orphans), which must keep their bdev alive until that I/O is done.
 * Orderings across threads run on the deterministic harness (tests/unit/common).
 */
#include <errno.h>

#include "../common/thread_harness.h"

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>

#include "env/backend.h"

static int setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	harness_start(2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_poll_all(10);
	harness_stop();
	spdkrt_env_fini();
	return 0;
}

static void ignore_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static int g_sequence; /* orders the completions a test waits for */

struct done {
	int status;
	int at; /* 0 until called, then its place in g_sequence */
};

static void record(void *arg, int status)
{
	struct done *d = arg;

	d->status = status;
	d->at = ++g_sequence;
}

static void set_pool_size(uint32_t n)
{
	struct spdkrt_bdev_opts opts;

	assert_int_equal(spdkrt_bdev_opts_init(&opts, sizeof(opts)), 0);
	opts.io_pool_size = n;
	assert_int_equal(spdkrt_bdev_set_opts(&opts), 0);
}

/* Bug 1: a callback run while its channel is released asks for a channel of the same bdev. */
struct reget {
	struct spdkrt_bdev_desc *desc;
	uintptr_t released; /* the channel being released (compared, never used) */
	struct spdkrt_io_channel *got;
	char *buf;
	struct done first, second;
};

static void reget_cb(void *arg, int status)
{
	struct reget *r = arg;

	record(&r->first, status);
	r->got = spdkrt_bdev_get_io_channel(r->desc);
	assert_non_null(r->got);
	assert_int_equal(spdkrt_bdev_read_blocks(r->desc, r->got, r->buf, 0, 1, record,
						 &r->second), 0);
}

static void test_callback_during_release_gets_a_new_channel(void **state)
{
	struct spdkrt_io_channel *ch;
	struct reget r = {0};

	(void)state;
	harness_on(0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=128,optimal_io_boundary=1",
					    NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", false, ignore_event, NULL, &r.desc), 0);
	ch = spdkrt_bdev_get_io_channel(r.desc);
	assert_non_null(ch);
	r.released = (uintptr_t)ch;
	r.buf = spdkrt_dma_zmalloc(64 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	/* 64 children, 32 at a time: the second half is deferred again while the channel goes */
	assert_int_equal(spdkrt_bdev_read_blocks(r.desc, ch, r.buf, 0, 64, reget_cb, &r), 0);
	spdkrt_put_io_channel(ch);
	harness_poll_until(r.second.at != 0);
	assert_int_equal(r.first.status, 0);
	assert_int_equal(r.second.status, 0);
	/* The dying channel must not be handed out again: it is freed right after. */
	assert_true((uintptr_t)r.got != r.released);
	spdkrt_put_io_channel(r.got);
	spdkrt_bdev_close(r.desc);
	struct done destroyed = {0};
	assert_int_equal(spdkrt_bdev_destroy("M", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
	spdkrt_dma_free(r.buf);
}

/*
 * Bug 2, on one thread: the pool is dry (15 reads in flight on a poller-completing null bdev,
 * pool of 16), so the children of a split read wait; its channel is put, the bdev closed and
 * destroyed. The orphaned channel must keep the bdev until the read has completed.
 */
static void test_orphan_keeps_its_bdev_alive(void **state)
{
	struct spdkrt_bdev_desc *null_desc, *desc;
	struct spdkrt_io_channel *null_ch, *ch;
	struct done reads[15] = {{0}}, split = {0}, destroyed = {0};
	char *buf = spdkrt_dma_zmalloc(64 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);

	(void)state;
	harness_on(0);
	set_pool_size(16);
	assert_int_equal(spdkrt_bdev_create("null:name=N,num_blocks=128,complete=poller", NULL),
			 0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=128,optimal_io_boundary=1",
					    NULL), 0);
	assert_int_equal(spdkrt_bdev_open("N", false, ignore_event, NULL, &null_desc), 0);
	assert_int_equal(spdkrt_bdev_open("M", false, ignore_event, NULL, &desc), 0);
	null_ch = spdkrt_bdev_get_io_channel(null_desc);
	ch = spdkrt_bdev_get_io_channel(desc);
	for (int i = 0; i < 15; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(null_desc, null_ch, buf, 0, 1, record,
							 &reads[i]), 0);
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf, 0, 64, record, &split), 0);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("M", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
	assert_int_equal(split.status, 0);
	assert_true(split.at != 0 && split.at < destroyed.at);
	for (int i = 0; i < 15; i++)
		assert_int_equal(reads[i].status, 0);
	spdkrt_put_io_channel(null_ch);
	spdkrt_bdev_close(null_desc);
	destroyed.at = 0;
	assert_int_equal(spdkrt_bdev_destroy("N", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
	harness_poll_all(3); /* the pool goes with the thread's last bdev channel */
	set_pool_size(8192);
	spdkrt_dma_free(buf);
}

/*
 * Bug 2 step by step across threads: the orphan lives on thread 1, the bdev is destroyed from
 * thread 0. However long thread 0 runs alone, the bdev stays until thread 1 finishes the read.
 */
static void test_orphan_on_another_thread_delays_destroy(void **state)
{
	struct spdkrt_bdev_desc *null_desc, *desc;
	struct spdkrt_io_channel *null_ch, *ch;
	struct done reads[15] = {{0}}, split = {0}, destroyed = {0};
	char *buf = spdkrt_dma_zmalloc(64 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);

	(void)state;
	harness_on(0);
	set_pool_size(16);
	assert_int_equal(spdkrt_bdev_create("null:name=N,num_blocks=128,complete=poller", NULL),
			 0);
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=128,optimal_io_boundary=1",
					    NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", false, ignore_event, NULL, &desc), 0);
	harness_on(1);
	assert_int_equal(spdkrt_bdev_open("N", false, ignore_event, NULL, &null_desc), 0);
	null_ch = spdkrt_bdev_get_io_channel(null_desc);
	ch = spdkrt_bdev_get_io_channel(desc);
	for (int i = 0; i < 15; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(null_desc, null_ch, buf, 0, 1, record,
							 &reads[i]), 0);
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch, buf, 0, 2, record, &split), 0);
	spdkrt_put_io_channel(ch);
	/* Thread 1 releases the channel but runs nothing else: its module work waits. */
	harness_on(0);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("M", record, &destroyed), 0);
	harness_poll(1);
	for (int i = 0; i < 20; i++)
		harness_poll(0);
	assert_int_equal(destroyed.at, 0);
	/* Thread 1 completes the read; only then does the bdev go. */
	harness_poll_until(destroyed.at != 0);
	assert_int_equal(split.status, 0);
	assert_true(split.at != 0 && split.at < destroyed.at);
	harness_on(1);
	spdkrt_put_io_channel(null_ch);
	spdkrt_bdev_close(null_desc);
	harness_on(0);
	destroyed.at = 0;
	assert_int_equal(spdkrt_bdev_destroy("N", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
	harness_poll_all(3);
	set_pool_size(8192);
	spdkrt_dma_free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_callback_during_release_gets_a_new_channel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_keeps_its_bdev_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_on_another_thread_delays_destroy,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
