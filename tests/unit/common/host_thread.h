/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A host on its own OS thread while this thread polls the target: the NVMe/TCP tests run the
 * real target here and a blocking host there, so neither waits for the other to be polled.
 */
#ifndef SPDKRT_TEST_HOST_THREAD_H
#define SPDKRT_TEST_HOST_THREAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "test_common.h"

struct host_thread_run {
	int (*fn)(void);
	int rc;
	atomic_bool done;
};

static inline void *host_thread_main(void *arg)
{
	struct host_thread_run *run = arg;

	run->rc = run->fn();
	atomic_store(&run->done, true);
	return NULL;
}

/* Runs fn on a new thread, calling poll_once here until it returns. @return fn's result. */
static inline int run_on_host_thread(int (*fn)(void), void (*poll_once)(void))
{
	struct host_thread_run run = { .fn = fn };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, host_thread_main, &run), 0);
	while (!atomic_load(&run.done))
		poll_once();
	pthread_join(t, NULL);
	return run.rc;
}

#endif
