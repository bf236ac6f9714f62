/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic multi-thread harness: several spdkrt threads polled from this one OS thread in
 * the order the test chooses. Channel release, destroy and hot-remove orderings across threads
 * are then tested step by step, not by the luck of a real scheduler.
 *
 *	harness_start(3);          threads 0..2; thread 0 is current
 *	harness_on(1);             later calls run "on" thread 1 (open, get channel, submit...)
 *	harness_poll(2);           one iteration of thread 2 only
 *	harness_poll_all(5);       five round-robin passes over every thread, 0 first
 *	harness_poll_until(cond);  round-robin until cond (fails the test after a bound)
 *	harness_stop();            exit every thread, poll them until exited, destroy them
 */
#ifndef SPDKRT_TEST_THREAD_HARNESS_H
#define SPDKRT_TEST_THREAD_HARNESS_H

#include "test_common.h"

#include <spdkrt/thread.h>

#define HARNESS_MAX_THREADS 8

static struct spdkrt_thread *g_harness[HARNESS_MAX_THREADS];
static int g_harness_count;

static inline void harness_start(int count)
{
	assert_true(count > 0 && count <= HARNESS_MAX_THREADS);
	for (int i = 0; i < count; i++) {
		char name[16];

		snprintf(name, sizeof(name), "harness%d", i);
		assert_int_equal(spdkrt_thread_create(name, &g_harness[i]), 0);
	}
	g_harness_count = count;
	spdkrt_set_thread(g_harness[0]);
}

static inline struct spdkrt_thread *harness_thread(int i)
{
	assert_true(i >= 0 && i < g_harness_count);
	return g_harness[i];
}

/* Makes thread i current: the calls that follow run as if on it. */
static inline void harness_on(int i)
{
	spdkrt_set_thread(harness_thread(i));
}

/* One iteration of thread i; the current thread is kept. */
static inline int harness_poll(int i)
{
	return spdkrt_thread_poll(harness_thread(i), 0, 0);
}

static inline void harness_poll_all(int rounds)
{
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < g_harness_count; i++)
			harness_poll(i);
}

#define harness_poll_until(cond)                                                                   \
	do {                                                                                       \
		long rounds_left_ = 1000000;                                                       \
		while (!(cond) && --rounds_left_ > 0)                                              \
			harness_poll_all(1);                                                       \
		if (!(cond))                                                                       \
			fail_msg("timed out waiting for: %s", #cond);                              \
	} while (0)

static inline bool harness_all_exited(void)
{
	for (int i = 0; i < g_harness_count; i++)
		if (!spdkrt_thread_is_exited(g_harness[i]))
			return false;
	return true;
}

static inline void harness_stop(void)
{
	for (int i = 0; i < g_harness_count; i++)
		spdkrt_thread_exit(g_harness[i]);
	harness_poll_until(harness_all_exited());
	spdkrt_set_thread(NULL);
	for (int i = 0; i < g_harness_count; i++)
		assert_int_equal(spdkrt_thread_destroy(g_harness[i]), 0);
	g_harness_count = 0;
}

#endif
