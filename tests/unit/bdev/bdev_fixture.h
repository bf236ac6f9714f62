/* SPDX-License-Identifier: BSD-3-Clause */
/* A heap-backed environment and one spdkrt thread, polled by the test itself. */
#ifndef SPDKRT_TEST_BDEV_FIXTURE_H
#define SPDKRT_TEST_BDEV_FIXTURE_H

#include "../common/test_common.h"

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>
#include <spdkrt/thread.h>

#include "env/backend.h"

static struct spdkrt_thread *g_thread;

static inline int fixture_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	assert_int_equal(spdkrt_thread_create("test", &g_thread), 0);
	spdkrt_set_thread(g_thread);
	return 0;
}

/* Polls until *flag is true; fails the test after a bound instead of hanging. */
#define poll_until(cond)                                                                           \
	do {                                                                                       \
		long polls_left_ = 10000000;                                                       \
		while (!(cond) && --polls_left_ > 0)                                               \
			spdkrt_thread_poll(g_thread, 0, 0);                                        \
		if (!(cond))                                                                       \
			fail_msg("timed out waiting for: %s", #cond);                              \
	} while (0)

static inline void poll_n(int n)
{
	for (int i = 0; i < n; i++)
		spdkrt_thread_poll(g_thread, 0, 0);
}

static inline int fixture_teardown(void **state)
{
	(void)state;
	poll_n(10);
	spdkrt_thread_exit(g_thread);
	poll_until(spdkrt_thread_is_exited(g_thread));
	assert_int_equal(spdkrt_thread_destroy(g_thread), 0);
	spdkrt_set_thread(NULL);
	spdkrt_env_fini();
	log_capture_stop();
	return 0;
}

static inline void ignore_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev,
				void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static inline void store_status(void *arg, int status)
{
	int *out = arg;

	*out = status;
}

static inline void destroy_done(void *arg, int status)
{
	*(int *)arg = status == 0 ? 1 : status;
}

/* Destroys a bdev and waits for it. */
static inline void destroy_and_wait(const char *name)
{
	int done = 0;

	assert_int_equal(spdkrt_bdev_destroy(name, destroy_done, &done), 0);
	poll_until(done != 0);
	assert_int_equal(done, 1);
}

#endif
