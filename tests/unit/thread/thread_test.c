/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt threads (thread.c): lifetime, the poll loop, messages (order, full ring, batches),
 * the current thread, walks over every thread, and the placement hook of the app runner.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#include "thread/internal.h"

static int setup(void **state)
{
	(void)state;
	log_capture_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spdkrt_set_thread(NULL);
	log_capture_stop();
	return 0;
}

/* Messages record what they saw in a log of events. */
struct record {
	uintptr_t values[SPDKRT_THREAD_MSG_RING_SIZE + 64];
	struct spdkrt_thread *threads[SPDKRT_THREAD_MSG_RING_SIZE + 64];
	size_t count;
};

static struct record g_rec;

static void record_msg(void *ctx)
{
	g_rec.values[g_rec.count] = (uintptr_t)ctx;
	g_rec.threads[g_rec.count] = spdkrt_get_thread();
	g_rec.count++;
}

static void count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

static void destroy_exited(struct spdkrt_thread *t)
{
	int rounds = 0;

	assert_int_equal(spdkrt_thread_exit(t), 0);
	while (!spdkrt_thread_is_exited(t) && rounds++ < 1000)
		spdkrt_thread_poll(t, 0, 0);
	assert_true(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

static void test_create_names_and_ids(void **state)
{
	struct spdkrt_thread *a, *b;
	char expected[32];

	(void)state;
	assert_int_equal(spdkrt_thread_create("worker", &a), 0);
	assert_int_equal(spdkrt_thread_create(NULL, &b), 0);
	assert_string_equal(spdkrt_thread_get_name(a), "worker");
	assert_true(spdkrt_thread_get_id(a) > 0);
	assert_true(spdkrt_thread_get_id(b) > spdkrt_thread_get_id(a));
	snprintf(expected, sizeof(expected), "thread%llu",
		 (unsigned long long)spdkrt_thread_get_id(b));
	assert_string_equal(spdkrt_thread_get_name(b), expected);
	assert_string_equal(spdkrt_thread_get_name(NULL), "");
	assert_int_equal(spdkrt_thread_get_id(NULL), 0);

	assert_int_equal(spdkrt_thread_create("x", NULL), -EINVAL);
	assert_logged("thread is NULL");

	/* a thread that never did anything can be destroyed at once */
	assert_false(spdkrt_thread_is_exited(a));
	assert_int_equal(spdkrt_thread_destroy(a), 0);
	assert_int_equal(spdkrt_thread_destroy(b), 0);
	assert_int_equal(spdkrt_thread_destroy(NULL), -EINVAL);
	assert_int_equal(spdkrt_thread_exit(NULL), -EINVAL);
	assert_false(spdkrt_thread_is_exited(NULL));
	assert_int_equal(spdkrt_thread_poll(NULL, 0, 0), -EINVAL);
}

static struct spdkrt_thread *g_seen_inner, *g_seen_after;

static void inner_msg(void *ctx)
{
	(void)ctx;
	g_seen_inner = spdkrt_get_thread();
}

/* Polls another thread from inside a message: the current thread is restored afterwards. */
static void outer_msg(void *ctx)
{
	struct spdkrt_thread *inner = ctx;

	spdkrt_thread_poll(inner, 0, 0);
	g_seen_after = spdkrt_get_thread();
}

static void test_current_thread(void **state)
{
	struct spdkrt_thread *outer, *inner;

	(void)state;
	assert_null(spdkrt_get_thread());
	assert_int_equal(spdkrt_thread_create("outer", &outer), 0);
	assert_int_equal(spdkrt_thread_create("inner", &inner), 0);

	memset(&g_rec, 0, sizeof(g_rec));
	assert_int_equal(spdkrt_thread_send_msg(outer, record_msg, NULL), 0);
	assert_int_equal(spdkrt_thread_poll(outer, 0, 0), 1);
	assert_ptr_equal(g_rec.threads[0], outer);
	assert_null(spdkrt_get_thread()); /* poll restores "no thread" */

	assert_int_equal(spdkrt_thread_send_msg(inner, inner_msg, NULL), 0);
	assert_int_equal(spdkrt_thread_send_msg(outer, outer_msg, inner), 0);
	spdkrt_thread_poll(outer, 0, 0);
	assert_ptr_equal(g_seen_inner, inner);
	assert_ptr_equal(g_seen_after, outer);

	spdkrt_set_thread(inner);
	assert_ptr_equal(spdkrt_get_thread(), inner);
	spdkrt_thread_poll(outer, 0, 0);
	assert_ptr_equal(spdkrt_get_thread(), inner); /* the explicit one survives a poll */
	spdkrt_set_thread(NULL);
	assert_null(spdkrt_get_thread());

	assert_int_equal(spdkrt_thread_destroy(outer), 0);
	assert_int_equal(spdkrt_thread_destroy(inner), 0);
}

static void test_messages_run_in_order_and_in_batches(void **state)
{
	struct spdkrt_thread *t;

	(void)state;
	memset(&g_rec, 0, sizeof(g_rec));
	assert_int_equal(spdkrt_thread_create("order", &t), 0);
	for (uintptr_t i = 0; i < 1000; i++)
		assert_int_equal(spdkrt_thread_send_msg(t, record_msg, (void *)i), 0);
	assert_false(spdkrt_thread_is_idle(t));
	/* max_msgs bounds one poll; 0 is the default batch of 64 */
	assert_int_equal(spdkrt_thread_poll(t, 10, 0), 10);
	assert_int_equal(g_rec.count, 10);
	assert_int_equal(spdkrt_thread_poll(t, 0, 0), 64);
	assert_int_equal(g_rec.count, 74);
	while (spdkrt_thread_poll(t, 1000, 0) > 0)
		;
	assert_int_equal(g_rec.count, 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(g_rec.values[i], i);
	assert_true(spdkrt_thread_is_idle(t));
	assert_int_equal(spdkrt_thread_poll(t, 0, 0), 0);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

static void test_full_ring_gives_enomem_and_drops_nothing(void **state)
{
	struct spdkrt_thread *t;
	size_t sent = 0;

	(void)state;
	memset(&g_rec, 0, sizeof(g_rec));
	assert_int_equal(spdkrt_thread_create("full", &t), 0);
	while (sent < SPDKRT_THREAD_MSG_RING_SIZE) {
		assert_int_equal(spdkrt_thread_send_msg(t, record_msg, (void *)sent), 0);
		sent++;
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(spdkrt_thread_send_msg(t, record_msg, (void *)(uintptr_t)999999),
				 -ENOMEM);
	/* one slot freed: one more message fits, then it is full again */
	assert_int_equal(spdkrt_thread_poll(t, 1, 0), 1);
	assert_int_equal(spdkrt_thread_send_msg(t, record_msg, (void *)sent), 0);
	sent++;
	assert_int_equal(spdkrt_thread_send_msg(t, record_msg, (void *)sent), -ENOMEM);
	while (spdkrt_thread_poll(t, 0, 0) > 0)
		;
	assert_int_equal(g_rec.count, sent);
	for (size_t i = 0; i < sent; i++)
		assert_int_equal(g_rec.values[i], i);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

static void test_send_refuses_bad_arguments_and_exited_threads(void **state)
{
	struct spdkrt_thread *t;
	int n = 0;

	(void)state;
	assert_int_equal(spdkrt_thread_send_msg(NULL, count_msg, &n), -EINVAL);
	assert_logged("thread or fn is NULL");
	assert_int_equal(spdkrt_thread_create("exited", &t), 0);
	assert_int_equal(spdkrt_thread_send_msg(t, NULL, &n), -EINVAL);
	assert_logged("thread or fn is NULL");
	assert_int_equal(spdkrt_thread_exit(t), 0);
	spdkrt_thread_poll(t, 0, 0);
	assert_true(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_send_msg(t, count_msg, &n), -EINVAL);
	assert_logged("'exited' has exited");
	assert_int_equal(spdkrt_thread_destroy(t), 0);
	assert_int_equal(n, 0);
}

static struct spdkrt_thread *g_self;
static int g_destroy_rc;

static void destroy_self_msg(void *ctx)
{
	(void)ctx;
	g_destroy_rc = spdkrt_thread_destroy(g_self);
}

static void test_exit_runs_pending_messages_before_exiting(void **state)
{
	struct spdkrt_thread *t;
	int n = 0;

	(void)state;
	assert_int_equal(spdkrt_thread_create("busy", &t), 0);
	assert_int_equal(spdkrt_thread_send_msg(t, count_msg, &n), 0);
	assert_int_equal(spdkrt_thread_send_msg(t, count_msg, &n), 0);
	assert_int_equal(spdkrt_thread_destroy(t), -EBUSY);
	assert_logged("exit it and poll until it has exited");

	assert_int_equal(spdkrt_thread_exit(t), 0);
	assert_int_equal(spdkrt_thread_exit(t), 0); /* idempotent */
	assert_false(spdkrt_thread_is_exited(t));
	/* messages sent to an exiting thread still run, and delay the exit */
	assert_int_equal(spdkrt_thread_poll(t, 1, 0), 1);
	assert_false(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_send_msg(t, count_msg, &n), 0);
	spdkrt_thread_poll(t, 0, 0);
	assert_int_equal(n, 3);
	assert_true(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_destroy(t), 0);

	/* a thread cannot destroy itself from inside its own poll */
	assert_int_equal(spdkrt_thread_create("self", &g_self), 0);
	assert_int_equal(spdkrt_thread_send_msg(g_self, destroy_self_msg, NULL), 0);
	spdkrt_thread_poll(g_self, 0, 0);
	assert_int_equal(g_destroy_rc, -EINVAL);
	assert_logged("'self' is being polled");
	assert_int_equal(spdkrt_thread_destroy(g_self), 0);
}

static void test_destroy_refuses_a_reactor_thread(void **state)
{
	struct spdkrt_thread *t;
	int fake_reactor;

	(void)state;
	assert_int_equal(spdkrt_thread_create("placed", &t), 0);
	t->reactor = &fake_reactor;
	assert_int_equal(spdkrt_thread_destroy(t), -EINVAL);
	assert_logged("belongs to a reactor");
	t->reactor = NULL;
	assert_int_equal(spdkrt_thread_destroy(t), 0);
}

/* for_each_thread: fn on every thread in creation order, then done on the caller. */
static struct spdkrt_thread *g_walk_seen[16];
static size_t g_walk_count;
static struct spdkrt_thread *g_walk_done_on;

static void walk_fn(void *ctx)
{
	assert_ptr_equal(ctx, &g_walk_count);
	g_walk_seen[g_walk_count++] = spdkrt_get_thread();
}

static void walk_done(void *ctx)
{
	assert_ptr_equal(ctx, &g_walk_count);
	g_walk_done_on = spdkrt_get_thread();
}

static void poll_all(struct spdkrt_thread **threads, size_t n, bool (*until)(void))
{
	for (int round = 0; round < 10000 && !until(); round++) {
		for (size_t i = 0; i < n; i++)
			spdkrt_thread_poll(threads[i], 0, 0);
	}
}

static bool walk_finished(void)
{
	return g_walk_done_on != NULL;
}

static void test_for_each_thread(void **state)
{
	struct spdkrt_thread *t[3];

	(void)state;
	assert_int_equal(spdkrt_for_each_thread(walk_fn, &g_walk_count, walk_done), -EINVAL);
	assert_logged("not called on an spdkrt thread");
	for (int i = 0; i < 3; i++)
		assert_int_equal(spdkrt_thread_create(NULL, &t[i]), 0);
	spdkrt_set_thread(t[1]);
	assert_int_equal(spdkrt_for_each_thread(NULL, NULL, walk_done), -EINVAL);
	assert_int_equal(spdkrt_for_each_thread(walk_fn, NULL, NULL), -EINVAL);
	assert_int_equal(spdkrt_for_each_thread(walk_fn, &g_walk_count, walk_done), 0);
	spdkrt_set_thread(NULL);

	/* the origin is asked to exit: it stays alive until the done callback has run on it */
	assert_int_equal(spdkrt_thread_exit(t[1]), 0);
	spdkrt_thread_poll(t[1], 0, 0);
	assert_false(spdkrt_thread_is_exited(t[1]));

	poll_all(t, 3, walk_finished);
	assert_int_equal(g_walk_count, 3);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(g_walk_seen[i], t[i]);
	assert_ptr_equal(g_walk_done_on, t[1]);
	spdkrt_thread_poll(t[1], 0, 0);
	assert_true(spdkrt_thread_is_exited(t[1]));

	/* an exited thread is skipped */
	g_walk_count = 0;
	g_walk_done_on = NULL;
	spdkrt_set_thread(t[0]);
	assert_int_equal(spdkrt_for_each_thread(walk_fn, &g_walk_count, walk_done), 0);
	spdkrt_set_thread(NULL);
	poll_all(t, 3, walk_finished);
	assert_int_equal(g_walk_count, 2);
	assert_ptr_equal(g_walk_seen[0], t[0]);
	assert_ptr_equal(g_walk_seen[1], t[2]);
	assert_ptr_equal(g_walk_done_on, t[0]);

	assert_int_equal(spdkrt_thread_destroy(t[1]), 0);
	destroy_exited(t[0]);
	destroy_exited(t[2]);
}

/* The library's own control messages wait for room; on the consumer they make it themselves. */
static struct spdkrt_thread *g_retry_thread;

static void fill_then_retry_msg(void *ctx)
{
	uintptr_t i = 0;

	(void)ctx;
	while (spdkrt_thread_send_msg(g_retry_thread, record_msg, (void *)i) == 0)
		i++;
	srt_thread_send_msg_retry(g_retry_thread, record_msg, (void *)i);
}

static void test_send_retry_makes_room_on_its_own_thread(void **state)
{
	(void)state;
	memset(&g_rec, 0, sizeof(g_rec));
	assert_int_equal(spdkrt_thread_create("retry", &g_retry_thread), 0);
	assert_int_equal(spdkrt_thread_send_msg(g_retry_thread, fill_then_retry_msg, NULL), 0);
	assert_int_equal(spdkrt_thread_poll(g_retry_thread, 1, 0), 1);
	/* the retry ran the oldest message to make room */
	assert_int_equal(g_rec.count, 1);
	while (spdkrt_thread_poll(g_retry_thread, 0, 0) > 0)
		;
	assert_int_equal(g_rec.count, SPDKRT_THREAD_MSG_RING_SIZE + 1);
	for (size_t i = 0; i < g_rec.count; i++)
		assert_int_equal(g_rec.values[i], i);
	assert_int_equal(spdkrt_thread_destroy(g_retry_thread), 0);
}

/* Another OS thread sends; this one polls and checks the order as messages arrive. */
static uintptr_t g_next_expected;
static unsigned g_order_errors;

static void ordered_msg(void *ctx)
{
	if ((uintptr_t)ctx != g_next_expected)
		g_order_errors++;
	g_next_expected++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct sender {
	struct spdkrt_thread *target;
	uintptr_t count;
	uint64_t deadline; /* gives up then, so that a failing test cannot hang */
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	for (uintptr_t i = 0; i < s->count; i++) {
		while (spdkrt_thread_send_msg(s->target, ordered_msg, (void *)i) == -ENOMEM) {
			if (now_ms() > s->deadline)
				return NULL;
			sched_yield();
		}
	}
	return NULL;
}

static void test_messages_from_another_os_thread(void **state)
{
	/* more than a ring's worth, so that the sender meets a full ring */
	uint64_t deadline = now_ms() + 60000;
	struct sender s = { .count = 3 * SPDKRT_THREAD_MSG_RING_SIZE, .deadline = deadline };
	pthread_t tid;

	(void)state;
	g_next_expected = 0;
	g_order_errors = 0;
	assert_int_equal(spdkrt_thread_create("receiver", &s.target), 0);
	assert_int_equal(pthread_create(&tid, NULL, sender_main, &s), 0);
	while (g_next_expected < s.count && now_ms() < deadline)
		spdkrt_thread_poll(s.target, 0, 0);
	pthread_join(tid, NULL);
	assert_int_equal(g_next_expected, s.count);
	assert_int_equal(g_order_errors, 0);
	assert_true(spdkrt_thread_is_idle(s.target));
	assert_int_equal(spdkrt_thread_destroy(s.target), 0);
}

/* The app runner's placement hook sees every spdkrt_thread_create, not the unplaced one. */
static struct spdkrt_thread *g_placed;
static uint32_t g_placed_core;
static int g_place_rc;

static int place_hook(struct spdkrt_thread *t, uint32_t core)
{
	g_placed = t;
	g_placed_core = core;
	return g_place_rc;
}

static void test_place_hook(void **state)
{
	struct spdkrt_thread *t;

	(void)state;
	srt_thread_set_place_hook(place_hook);
	assert_int_equal(spdkrt_thread_create("placed", &t), 0);
	assert_ptr_equal(g_placed, t);
	assert_int_equal(g_placed_core, UINT32_MAX);
	assert_int_equal(spdkrt_thread_destroy(t), 0);

	g_placed = NULL;
	assert_int_equal(srt_thread_create_unplaced("unplaced", &t), 0);
	assert_null(g_placed);
	assert_int_equal(spdkrt_thread_destroy(t), 0);

	/* a refused placement fails the create and leaves nothing behind */
	g_place_rc = -ENOMEM;
	t = (struct spdkrt_thread *)&t;
	assert_int_equal(spdkrt_thread_create("refused", &t), -ENOMEM);
	assert_null(t);
	srt_thread_set_place_hook(NULL);
	g_place_rc = 0;
}

static void count_thread(struct spdkrt_thread *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
}

static void test_registry_is_empty_after_the_tests(void **state)
{
	int n = 0;

	(void)state;
	srt_thread_foreach_locked(count_thread, &n);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_names_and_ids),
		cmocka_unit_test(test_current_thread),
		cmocka_unit_test(test_messages_run_in_order_and_in_batches),
		cmocka_unit_test(test_full_ring_gives_enomem_and_drops_nothing),
		cmocka_unit_test(test_send_refuses_bad_arguments_and_exited_threads),
		cmocka_unit_test(test_exit_runs_pending_messages_before_exiting),
		cmocka_unit_test(test_destroy_refuses_a_reactor_thread),
		cmocka_unit_test(test_for_each_thread),
		cmocka_unit_test(test_send_retry_makes_room_on_its_own_thread),
		cmocka_unit_test(test_messages_from_another_os_thread),
		cmocka_unit_test(test_place_hook),
		cmocka_unit_test(test_registry_is_empty_after_the_tests),
	};

	return cmocka_run_group_tests_name("thread/thread", tests, setup, teardown);
}
