/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_bdev_get_io_channel_ext(): the channel, or the errno saying why there is none (NULL
 * arguments, no current thread, a device that refuses or is gone), where
 * spdkrt_bdev_get_io_channel() can only return NULL.
 */
#include <errno.h>

#include "bdev_fixture.h"

#include "thread/internal.h"

static int setup(void **state)
{
	fixture_setup(state);
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=Chan0,size_mb=1", NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	destroy_and_wait("Chan0");
	return fixture_teardown(state);
}

static void null_arguments(void **state)
{
	struct spdkrt_io_channel *ch = (void *)1;

	(void)state;
	assert_int_equal(spdkrt_bdev_get_io_channel_ext(NULL, &ch), -EINVAL);
	assert_null(ch);
	assert_logged("desc is NULL");
	assert_int_equal(spdkrt_bdev_get_io_channel_ext(NULL, NULL), -EINVAL);
	assert_logged("ch is NULL");
	assert_null(spdkrt_bdev_get_io_channel(NULL));
	assert_logged("desc is NULL");
}

static void channel_and_reference(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch, *again;

	(void)state;
	assert_int_equal(spdkrt_bdev_open("Chan0", true, ignore_event, NULL, &desc), 0);
	assert_int_equal(spdkrt_bdev_get_io_channel_ext(desc, &ch), 0);
	assert_non_null(ch);
	assert_ptr_equal(spdkrt_io_channel_get_thread(ch), g_thread);
	/* The same thread gets the same channel, one reference per get. */
	assert_int_equal(spdkrt_bdev_get_io_channel_ext(desc, &again), 0);
	assert_ptr_equal(again, ch);
	assert_ptr_equal(spdkrt_bdev_get_io_channel(desc), ch);
	spdkrt_put_io_channel(ch);
	spdkrt_put_io_channel(ch);
	spdkrt_put_io_channel(ch);
	poll_n(2);
	spdkrt_bdev_close(desc);
}

static void no_current_thread(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch = (void *)1;

	(void)state;
	assert_int_equal(spdkrt_bdev_open("Chan0", false, ignore_event, NULL, &desc), 0);
	spdkrt_set_thread(NULL);
	assert_int_equal(spdkrt_bdev_get_io_channel_ext(desc, &ch), -EINVAL);
	assert_null(ch);
	assert_logged("not called on an spdkrt thread");
	spdkrt_set_thread(g_thread);
	spdkrt_bdev_close(desc);
}

/* The errno a device's create callback refuses with, and an unknown device, reach the caller. */
static int refuse_create(void *io_device, void *ctx)
{
	(void)io_device;
	(void)ctx;
	return -EMFILE;
}

static void noop_destroy(void *io_device, void *ctx)
{
	(void)io_device;
	(void)ctx;
}

static int g_refusing_device;

static void refused_and_unknown_device(void **state)
{
	struct spdkrt_io_channel *ch = (void *)1;

	(void)state;
	assert_int_equal(spdkrt_io_device_register(&g_refusing_device, refuse_create, noop_destroy,
						   8, "refuser"),
			 0);
	assert_int_equal(srt_get_io_channel(&g_refusing_device, &ch), -EMFILE);
	assert_null(ch);
	assert_logged("'refuser' refused a channel");
	assert_int_equal(spdkrt_io_device_unregister(&g_refusing_device, NULL), 0);
	poll_n(2);
	ch = (void *)1;
	assert_int_equal(srt_get_io_channel(&g_refusing_device, &ch), -ENODEV);
	assert_null(ch);
	assert_logged("is not a registered device");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(null_arguments),
		cmocka_unit_test(channel_and_reference),
		cmocka_unit_test(no_current_thread),
		cmocka_unit_test(refused_and_unknown_device),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
