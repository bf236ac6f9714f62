/* SPDX-License-Identifier: BSD-3-Clause */
/* A heap-backed environment and the deterministic multi-thread harness, for bdev tests. */
#ifndef SPDKRT_TEST_BDEV_MT_FIXTURE_H
#define SPDKRT_TEST_BDEV_MT_FIXTURE_H

#include "../common/thread_harness.h"

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>

#include "env/backend.h"

#define MT_THREADS 2

static inline int mt_setup(void **state)
{
	struct spdkrt_env_opts opts;

	(void)state;
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	assert_int_equal(spdkrt_env_init(&opts), 0);
	harness_start(MT_THREADS);
	return 0;
}

static inline int mt_teardown(void **state)
{
	(void)state;
	harness_poll_all(10);
	harness_stop();
	spdkrt_env_fini();
	return 0;
}

static inline void ignore_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev,
				void *ctx)
{
	(void)type;
	(void)bdev;
	(void)ctx;
}

static int g_sequence; /* orders the completions a test waits for */

/* A completion: its status and its place among the completions of the test (0: not yet). */
struct done {
	int status;
	int at;
};

static inline void record(void *arg, int status)
{
	struct done *d = arg;

	d->status = status;
	d->at = ++g_sequence;
}

#endif
