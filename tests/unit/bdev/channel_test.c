/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdev channel release: completions delivered while a channel is released, and channels put
 * with I/O still in flight (orphans), which must keep their bdev alive until that I/O is done.
 * Orderings across threads run on the deterministic harness (tests/unit/common).
 */
#include <errno.h>

#include "mt_fixture.h"

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
	assert_int_equal(spdkrt_bdev_read_blocks(r->desc, r->got, r->buf, 0, 1, record, &r->second),
			 0);
}

static void test_callback_during_release_gets_a_new_channel(void **state)
{
	struct spdkrt_io_channel *ch;
	struct reget r = { 0 };

	(void)state;
	harness_on(0);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=M,num_blocks=128,optimal_io_boundary=1", NULL), 0);
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
	struct done destroyed = { 0 };
	assert_int_equal(spdkrt_bdev_destroy("M", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
	spdkrt_dma_free(r.buf);
}

/*
 * Bug 2's scene: the pool of io_thread is dry (15 reads in flight on a poller-completing null
 * bdev, pool of 16), so the children of a split read on a malloc bdev wait; its channel is put,
 * then thread 0 closes the malloc bdev and destroys it. The orphaned channel must keep the bdev
 * until the read has completed.
 */
struct orphan_scene {
	int io_thread;
	struct spdkrt_bdev_desc *null_desc, *desc;
	struct spdkrt_io_channel *null_ch;
	struct done reads[15], split, destroyed;
	char *buf;
};

static void orphan_scene_start(struct orphan_scene *o, int io_thread, uint64_t split_blocks)
{
	struct spdkrt_io_channel *ch;

	memset(o, 0, sizeof(*o));
	o->io_thread = io_thread;
	o->buf = spdkrt_dma_zmalloc(64 * 512, 4096, SPDKRT_ENV_SOCKET_ANY);
	harness_on(0);
	set_pool_size(16);
	assert_int_equal(spdkrt_bdev_create("null:name=N,num_blocks=128,complete=poller", NULL), 0);
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=M,num_blocks=128,optimal_io_boundary=1", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", false, ignore_event, NULL, &o->desc), 0);
	harness_on(io_thread);
	assert_int_equal(spdkrt_bdev_open("N", false, ignore_event, NULL, &o->null_desc), 0);
	o->null_ch = spdkrt_bdev_get_io_channel(o->null_desc);
	ch = spdkrt_bdev_get_io_channel(o->desc);
	for (int i = 0; i < 15; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(o->null_desc, o->null_ch, o->buf, 0, 1,
							 record, &o->reads[i]),
				 0);
	assert_int_equal(spdkrt_bdev_read_blocks(o->desc, ch, o->buf, 0, split_blocks, record,
						 &o->split),
			 0);
	spdkrt_put_io_channel(ch);
	harness_on(0);
	spdkrt_bdev_close(o->desc);
	assert_int_equal(spdkrt_bdev_destroy("M", record, &o->destroyed), 0);
}

static void orphan_scene_finish(struct orphan_scene *o)
{
	harness_poll_until(o->destroyed.at != 0);
	assert_int_equal(o->split.status, 0);
	assert_true(o->split.at != 0 && o->split.at < o->destroyed.at);
	for (int i = 0; i < 15; i++)
		assert_int_equal(o->reads[i].status, 0);
	harness_on(o->io_thread);
	spdkrt_put_io_channel(o->null_ch);
	spdkrt_bdev_close(o->null_desc);
	harness_on(0);
	o->destroyed.at = 0;
	assert_int_equal(spdkrt_bdev_destroy("N", record, &o->destroyed), 0);
	harness_poll_until(o->destroyed.at != 0);
	harness_poll_all(3); /* the pool goes with the thread's last bdev channel */
	set_pool_size(8192);
	spdkrt_dma_free(o->buf);
}

/* Bug 2 on one thread, with a split read of 64 children. */
static void test_orphan_keeps_its_bdev_alive(void **state)
{
	struct orphan_scene o;

	(void)state;
	orphan_scene_start(&o, 0, 64);
	orphan_scene_finish(&o);
}

/*
 * Bug 2 step by step across threads: the orphan lives on thread 1, the bdev is destroyed from
 * thread 0. However long thread 0 runs alone, the bdev stays until thread 1 finishes the read.
 */
static void test_orphan_on_another_thread_delays_destroy(void **state)
{
	struct orphan_scene o;

	(void)state;
	orphan_scene_start(&o, 1, 2);
	harness_poll(1); /* releases the channel but completes nothing yet */
	for (int i = 0; i < 20; i++)
		harness_poll(0);
	assert_int_equal(o.destroyed.at, 0);
	orphan_scene_finish(&o); /* thread 1 completes the read; only then does the bdev go */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_callback_during_release_gets_a_new_channel,
						mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_orphan_keeps_its_bdev_alive, mt_setup,
						mt_teardown),
		cmocka_unit_test_setup_teardown(test_orphan_on_another_thread_delays_destroy,
						mt_setup, mt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
