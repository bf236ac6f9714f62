/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core-level reset, step by step across threads on the deterministic harness: a reset waits
 * for the I/O every channel has in the module, holds the I/O submitted meanwhile in the core,
 * reaches the module with nothing in flight, and releases the held I/O afterwards.
 */
#include <errno.h>

#include "mt_fixture.h"

static void test_reset_drains_every_thread_and_holds_new_io(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch0, *ch1;
	struct done in_flight[4] = { { 0 } }, reset = { 0 }, during = { 0 }, second = { 0 },
		    destroyed = { 0 };
	char buf[512];

	(void)state;
	harness_on(0);
	assert_int_equal(spdkrt_bdev_create("null:name=N,num_blocks=64,complete=poller", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("N", true, ignore_event, NULL, &desc), 0);
	ch0 = spdkrt_bdev_get_io_channel(desc);
	/* one descriptor, channels on two threads (a target's pollers) */
	harness_on(1);
	ch1 = spdkrt_bdev_get_io_channel(desc);
	for (int i = 0; i < 4; i++)
		assert_int_equal(spdkrt_bdev_read_blocks(desc, ch1, buf, (uint64_t)i, 1, record,
							 &in_flight[i]),
				 0);
	harness_on(0);
	assert_int_equal(spdkrt_bdev_reset(desc, ch0, record, &reset), 0);
	assert_int_equal(spdkrt_bdev_reset(desc, ch0, record, &second), 0); /* queued behind */
	for (int i = 0; i < 20; i++)
		harness_poll(0);
	/* thread 1 has not run: its reads are still in the module, so the reset waits */
	assert_int_equal(reset.at, 0);
	assert_int_equal(spdkrt_bdev_read_blocks(desc, ch0, buf, 0, 1, record, &during), 0);
	for (int i = 0; i < 20; i++)
		harness_poll(0);
	assert_int_equal(during.at, 0); /* held in the core while the reset runs */
	harness_poll_until(second.at != 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(in_flight[i].status, 0);
		assert_true(in_flight[i].at < reset.at);
		assert_true(in_flight[i].at < during.at); /* released by the unfreeze */
	}
	assert_int_equal(reset.status, 0);
	assert_int_equal(second.status, 0);
	assert_int_equal(during.status, 0);
	assert_true(reset.at < second.at);
	harness_on(1);
	spdkrt_put_io_channel(ch1);
	harness_on(0);
	spdkrt_put_io_channel(ch0);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("N", record, &destroyed), 0);
	harness_poll_until(destroyed.at != 0);
}

/* A read-only descriptor cannot reset; the reset of a removed bdev is refused. */
static void test_reset_bad_calls(void **state)
{
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	struct done d = { 0 };

	(void)state;
	harness_on(0);
	log_capture_start();
	assert_int_equal(spdkrt_bdev_create("malloc:name=M,num_blocks=64", NULL), 0);
	assert_int_equal(spdkrt_bdev_open("M", false, ignore_event, NULL, &desc), 0);
	ch = spdkrt_bdev_get_io_channel(desc);
	assert_int_equal(spdkrt_bdev_reset(desc, ch, record, &d), -EBADF);
	assert_int_equal(spdkrt_bdev_reset(NULL, ch, record, &d), -EINVAL);
	assert_int_equal(spdkrt_bdev_reset(desc, ch, NULL, &d), -EINVAL);
	spdkrt_put_io_channel(ch);
	spdkrt_bdev_close(desc);
	assert_int_equal(spdkrt_bdev_destroy("M", record, &d), 0);
	harness_poll_until(d.at != 0);
	assert_int_equal(d.status, 0);
	log_capture_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_drains_every_thread_and_holds_new_io,
						mt_setup, mt_teardown),
		cmocka_unit_test_setup_teardown(test_reset_bad_calls, mt_setup, mt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
