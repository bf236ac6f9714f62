/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_for_each_channel (channel_walk.c): each channel visited on its own thread, one at a
 * time, asynchronous continuation, early stop, completion on the calling thread, errors.
 */
#include <errno.h>
#include <stdbool.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#include "thread/internal.h"

#define NTHREADS 3

static struct spdkrt_thread *g_threads[NTHREADS];
static int g_device;
static struct spdkrt_io_channel *g_channels[NTHREADS];

static int create_cb(void *io_device, void *buf)
{
	(void)io_device;
	*(struct spdkrt_thread **)buf = spdkrt_get_thread();
	return 0;
}

static void destroy_cb(void *io_device, void *buf)
{
	(void)io_device;
	(void)buf;
}

/* The walk's record. */
static struct spdkrt_thread *g_visited[NTHREADS];
static int g_nvisited;
static struct spdkrt_io_channel_iter *g_held; /* a visit that continues later */
static bool g_hold;
static int g_fail_on_visit; /* continue with -EIO on this visit (1-based); 0: never */
static int g_done_status;
static struct spdkrt_thread *g_done_thread;
static bool g_done;
static struct spdkrt_io_channel *g_done_channel;

static void reset_record(void)
{
	memset(g_visited, 0, sizeof(g_visited));
	g_nvisited = 0;
	g_held = NULL;
	g_hold = false;
	g_fail_on_visit = 0;
	g_done_status = 1;
	g_done_thread = NULL;
	g_done = false;
	g_done_channel = (struct spdkrt_io_channel *)&g_done_channel;
}

static void visit(struct spdkrt_io_channel_iter *iter)
{
	struct spdkrt_io_channel *ch = spdkrt_io_channel_iter_get_channel(iter);

	/* each visit runs on the thread that owns the channel */
	assert_non_null(ch);
	assert_ptr_equal(spdkrt_io_channel_get_thread(ch), spdkrt_get_thread());
	assert_ptr_equal(*(struct spdkrt_thread **)spdkrt_io_channel_get_ctx(ch),
			 spdkrt_get_thread());
	assert_ptr_equal(spdkrt_io_channel_iter_get_io_device(iter), &g_device);
	assert_ptr_equal(spdkrt_io_channel_iter_get_ctx(iter), &g_nvisited);
	g_visited[g_nvisited++] = spdkrt_get_thread();
	if (g_hold) {
		g_held = iter;
		return;
	}
	spdkrt_for_each_channel_continue(iter, g_nvisited == g_fail_on_visit ? -EIO : 0);
}

static void walk_done(struct spdkrt_io_channel_iter *iter, int status)
{
	g_done = true;
	g_done_status = status;
	g_done_thread = spdkrt_get_thread();
	g_done_channel = spdkrt_io_channel_iter_get_channel(iter);
	assert_ptr_equal(spdkrt_io_channel_iter_get_ctx(iter), &g_nvisited);
}

static void poll_until_done(void)
{
	for (int round = 0; round < 1000 && !g_done; round++) {
		for (int i = 0; i < NTHREADS; i++)
			spdkrt_thread_poll(g_threads[i], 0, 0);
	}
}

static int setup(void **state)
{
	(void)state;
	log_capture_start();
	reset_record();
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(spdkrt_thread_create(NULL, &g_threads[i]), 0);
	assert_int_equal(spdkrt_io_device_register(&g_device, create_cb, destroy_cb,
						   sizeof(struct spdkrt_thread *), "walked"),
			 0);
	/* channels on the first and last thread, none on the middle one */
	for (int i = 0; i < NTHREADS; i += 2) {
		spdkrt_set_thread(g_threads[i]);
		g_channels[i] = spdkrt_get_io_channel(&g_device);
		assert_non_null(g_channels[i]);
	}
	spdkrt_set_thread(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NTHREADS; i += 2) {
		spdkrt_set_thread(g_threads[i]);
		spdkrt_put_io_channel(g_channels[i]);
	}
	assert_int_equal(spdkrt_io_device_unregister(&g_device, NULL), 0);
	spdkrt_set_thread(NULL);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(spdkrt_thread_exit(g_threads[i]), 0);
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < NTHREADS; i++)
			spdkrt_thread_poll(g_threads[i], 0, 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		assert_true(spdkrt_thread_is_exited(g_threads[i]));
		assert_int_equal(spdkrt_thread_destroy(g_threads[i]), 0);
	}
	log_capture_stop();
	return 0;
}

static void test_visits_every_channel_then_completes_on_caller(void **state)
{
	(void)state;
	spdkrt_set_thread(g_threads[1]);
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, &g_nvisited, walk_done), 0);
	spdkrt_set_thread(NULL);
	assert_int_equal(g_nvisited, 0); /* nothing runs inside the call */
	poll_until_done();
	assert_true(g_done);
	assert_int_equal(g_nvisited, 2);
	assert_ptr_equal(g_visited[0], g_threads[0]);
	assert_ptr_equal(g_visited[1], g_threads[2]);
	assert_int_equal(g_done_status, 0);
	assert_ptr_equal(g_done_thread, g_threads[1]);
	assert_null(g_done_channel);
}

static void test_continue_later_from_the_channel_thread(void **state)
{
	(void)state;
	g_hold = true;
	spdkrt_set_thread(g_threads[0]);
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, &g_nvisited, walk_done), 0);
	spdkrt_set_thread(NULL);
	poll_until_done();
	/* held at the first channel: the walk waits, however much we poll */
	assert_false(g_done);
	assert_int_equal(g_nvisited, 1);
	assert_non_null(g_held);
	g_hold = false;
	spdkrt_set_thread(g_threads[0]);
	spdkrt_for_each_channel_continue(g_held, 0);
	spdkrt_set_thread(NULL);
	poll_until_done();
	assert_true(g_done);
	assert_int_equal(g_nvisited, 2);
	assert_int_equal(g_done_status, 0);
	assert_ptr_equal(g_done_thread, g_threads[0]);
	spdkrt_for_each_channel_continue(NULL, 0); /* ignored */
}

static void test_failure_stops_the_walk(void **state)
{
	(void)state;
	g_fail_on_visit = 1;
	spdkrt_set_thread(g_threads[2]);
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, &g_nvisited, walk_done), 0);
	spdkrt_set_thread(NULL);
	poll_until_done();
	assert_true(g_done);
	assert_int_equal(g_nvisited, 1);
	assert_int_equal(g_done_status, -EIO);
	assert_ptr_equal(g_done_thread, g_threads[2]);
}

/* The caller is asked to exit mid-walk: it stays alive to run the done callback. */
static void test_caller_exits_only_after_done(void **state)
{
	(void)state;
	g_hold = true;
	spdkrt_set_thread(g_threads[1]);
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, &g_nvisited, walk_done), 0);
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_thread_exit(g_threads[1]), 0);
	poll_until_done();
	assert_false(spdkrt_thread_is_exited(g_threads[1]));
	g_hold = false;
	spdkrt_set_thread(g_threads[0]);
	spdkrt_for_each_channel_continue(g_held, 0);
	spdkrt_set_thread(NULL);
	poll_until_done();
	assert_true(g_done);
	assert_ptr_equal(g_done_thread, g_threads[1]);
	spdkrt_thread_poll(g_threads[1], 0, 0);
	assert_true(spdkrt_thread_is_exited(g_threads[1]));
}

static void test_bad_arguments(void **state)
{
	int unknown;

	(void)state;
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, NULL, walk_done), -EINVAL);
	assert_logged("not called on an spdkrt thread");
	spdkrt_set_thread(g_threads[0]);
	assert_int_equal(spdkrt_for_each_channel(NULL, visit, NULL, walk_done), -EINVAL);
	assert_logged("NULL argument");
	assert_int_equal(spdkrt_for_each_channel(&g_device, NULL, NULL, walk_done), -EINVAL);
	assert_logged("NULL argument");
	assert_int_equal(spdkrt_for_each_channel(&g_device, visit, NULL, NULL), -EINVAL);
	assert_logged("NULL argument");
	assert_int_equal(spdkrt_for_each_channel(&unknown, visit, NULL, walk_done), -ENOENT);
	assert_logged("is not a registered device");
	spdkrt_set_thread(NULL);
	assert_null(spdkrt_io_channel_iter_get_channel(NULL));
	assert_null(spdkrt_io_channel_iter_get_io_device(NULL));
	assert_null(spdkrt_io_channel_iter_get_ctx(NULL));
	assert_int_equal(g_threads[0]->num_pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_visits_every_channel_then_completes_on_caller,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_later_from_the_channel_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failure_stops_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_exits_only_after_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests_name("thread/channel_walk", tests, NULL, NULL);
}
