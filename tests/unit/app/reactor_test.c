/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reactor loop (reactor.c) without an environment: threads handed over from another OS
 * thread run on the reactor's OS thread, exited threads are destroyed by their reactor, the
 * exit request exits every thread (also those adopted while stopping), a closed reactor takes
 * no thread, and stuck threads are named, then abandoned.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "../common/test_common.h"

#include <spdkrt/thread.h>

#include "app/reactor.h"
#include "thread/internal.h"

#define WAIT_S 30

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bounded wait for a condition another OS thread makes true. */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		double deadline_ = now_s() + WAIT_S;                                               \
		while (!(cond) && now_s() < deadline_)                                             \
			sched_yield();                                                             \
		assert_true(cond);                                                                 \
	} while (0)

static void count_one(struct spdkrt_thread *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
}

static int registered_threads(void)
{
	int n = 0;

	srt_thread_foreach_locked(count_one, &n);
	return n;
}

static int setup(void **state)
{
	(void)state;
	log_capture_start();
	srt_reactor_set_stop_timeouts(5000, 30000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_capture_stop();
	assert_int_equal(registered_threads(), 0);
	return 0;
}

/* A reactor on its own pthread. */
struct runner {
	struct srt_reactor reactor;
	_Atomic bool exit_threads;
	pthread_t tid;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	srt_reactor_run(&r->reactor, &r->exit_threads, NULL, NULL);
	return NULL;
}

/* What a message saw of where it ran. */
struct seen {
	_Atomic bool ran;
	struct srt_reactor *reactor;
	pthread_t os_thread;
	struct spdkrt_thread *thread;
	int create_rc;
	struct spdkrt_thread *created;
};

static void record_where(void *ctx)
{
	struct seen *s = ctx;

	s->reactor = srt_reactor_current();
	s->os_thread = pthread_self();
	s->thread = spdkrt_get_thread();
	atomic_store(&s->ran, true);
}

/* On the reactor: creates a thread and hands it to the same reactor. */
static void create_here(void *ctx)
{
	struct seen *s = ctx;

	s->create_rc = srt_thread_create_unplaced("made_on_reactor", &s->created);
	if (s->create_rc == 0)
		s->create_rc = srt_reactor_place(srt_reactor_current(), s->created);
	record_where(s);
}

static void test_threads_from_another_os_thread(void **state)
{
	struct runner r;
	struct spdkrt_thread *t;
	struct seen first = { 0 }, second = { 0 };

	(void)state;
	assert_null(srt_reactor_current());
	assert_int_equal(srt_reactor_init(&r.reactor, 1), 0);
	atomic_init(&r.exit_threads, false);
	assert_int_equal(pthread_create(&r.tid, NULL, runner_main, &r), 0);

	assert_int_equal(srt_thread_create_unplaced("handed_over", &t), 0);
	assert_int_equal(srt_reactor_place(&r.reactor, t), 0);
	assert_ptr_equal(t->reactor, &r.reactor);
	assert_int_equal(t->core, 1);
	assert_int_equal(srt_reactor_thread_count(&r.reactor), 1);
	assert_int_equal(spdkrt_thread_send_msg(t, record_where, &first), 0);
	WAIT_FOR(atomic_load(&first.ran));
	assert_ptr_equal(first.reactor, &r.reactor);
	assert_true(pthread_equal(first.os_thread, r.tid));
	assert_ptr_equal(first.thread, t);

	/* the reactor's own threads may hand threads to it too */
	assert_int_equal(spdkrt_thread_send_msg(t, create_here, &second), 0);
	WAIT_FOR(atomic_load(&second.ran));
	assert_int_equal(second.create_rc, 0);
	assert_int_equal(srt_reactor_thread_count(&r.reactor), 2);

	/* an exited thread is destroyed by its reactor */
	assert_int_equal(spdkrt_thread_exit(second.created), 0);
	WAIT_FOR(srt_reactor_thread_count(&r.reactor) == 1);
	assert_int_equal(registered_threads(), 1);

	/* the exit request: the remaining thread exits, the loop ends and closes */
	atomic_store(&r.exit_threads, true);
	pthread_join(r.tid, NULL);
	assert_true(atomic_load(&r.reactor.finished));
	assert_int_equal(srt_reactor_thread_count(&r.reactor), 0);
	assert_int_equal(srt_thread_create_unplaced("too_late", &t), 0);
	assert_int_equal(srt_reactor_place(&r.reactor, t), -ESHUTDOWN);
	assert_null(t->reactor);
	assert_int_equal(spdkrt_thread_destroy(t), 0);
	srt_reactor_fini(&r.reactor);
}

/*
 * The loop on this OS thread, driven by its iteration callback: threads with a poller that
 * let go once their thread is asked to exit, one placed after the exit request.
 */
struct script {
	struct srt_reactor *reactor;
	_Atomic bool exit_threads;
	int iteration;
	struct spdkrt_thread *late;
};

static int polite_poll(void *ctx)
{
	struct spdkrt_poller **self = ctx;

	if (atomic_load(&spdkrt_get_thread()->state) == SRT_THREAD_EXITING) {
		spdkrt_poller_unregister(self);
		free(self);
	}
	return SPDKRT_POLLER_IDLE;
}

static void add_polite_poller(void *ctx)
{
	struct spdkrt_poller **p = malloc(sizeof(*p));

	(void)ctx;
	assert_non_null(p);
	assert_int_equal(spdkrt_poller_register(polite_poll, p, 0, p), 0);
}

static void place_new(struct srt_reactor *r, const char *name, struct spdkrt_thread **out)
{
	assert_int_equal(srt_thread_create_unplaced(name, out), 0);
	assert_int_equal(srt_reactor_place(r, *out), 0);
}

static void script_step(void *ctx)
{
	struct script *s = ctx;
	struct spdkrt_thread *t;

	switch (s->iteration++) {
	case 0:
		for (int i = 0; i < 3; i++) {
			place_new(s->reactor, "polite", &t);
			assert_int_equal(spdkrt_thread_send_msg(t, add_polite_poller, NULL), 0);
		}
		break;
	case 5:
		assert_int_equal(srt_reactor_thread_count(s->reactor), 3);
		atomic_store(&s->exit_threads, true);
		/* adopted while stopping: asked to exit as well */
		place_new(s->reactor, "late", &s->late);
		assert_int_equal(spdkrt_thread_send_msg(s->late, add_polite_poller, NULL), 0);
		break;
	default:
		break;
	}
}

static void test_exit_request_reaches_every_thread(void **state)
{
	struct srt_reactor r;
	struct script s = { .reactor = &r };

	(void)state;
	atomic_init(&s.exit_threads, false);
	assert_int_equal(srt_reactor_init(&r, 0), 0);
	srt_reactor_run(&r, &s.exit_threads, script_step, &s);
	assert_null(srt_reactor_current());
	assert_true(s.iteration > 5);
	assert_int_equal(srt_reactor_thread_count(&r), 0);
	assert_int_equal(registered_threads(), 0);
	assert_int_equal(g_log_capture.lines, 0); /* nothing stuck, nothing to say */
	srt_reactor_fini(&r);
}

/* A thread whose poller never lets go: named after the warning delay, abandoned later. */
static struct spdkrt_poller *g_stuck_poller;

static int stuck_poll(void *ctx)
{
	(void)ctx;
	return SPDKRT_POLLER_IDLE;
}

static void add_stuck_poller(void *ctx)
{
	(void)ctx;
	assert_int_equal(spdkrt_poller_register(stuck_poll, NULL, 0, &g_stuck_poller), 0);
}

static void stop_at_once(void *ctx)
{
	atomic_store((_Atomic bool *)ctx, true);
}

static void test_stuck_thread_is_named_then_abandoned(void **state)
{
	struct srt_reactor r;
	_Atomic bool exit_threads;
	struct spdkrt_thread *t;
	double start;

	(void)state;
	atomic_init(&exit_threads, false);
	srt_reactor_set_stop_timeouts(50, 300);
	assert_int_equal(srt_reactor_init(&r, 0), 0);
	place_new(&r, "stuck", &t);
	assert_int_equal(spdkrt_thread_send_msg(t, add_stuck_poller, NULL), 0);
	start = now_s();
	srt_reactor_run(&r, &exit_threads, stop_at_once, &exit_threads);
	/* it waited for the give-up delay (less a margin for the tick rate's calibration) */
	assert_true(now_s() - start >= 0.25);
	assert_true(strstr(g_log_capture.text, "warn [app] reactor 0: thread 'stuck' has not "
					       "exited") != NULL);
	assert_logged("error [app] reactor 0: thread 'stuck' has not exited");

	/* abandoned, not freed: the thread is intact and can still be released */
	assert_int_equal(registered_threads(), 1);
	assert_int_equal(srt_reactor_place(&r, t), -ESHUTDOWN);
	t->reactor = NULL;
	spdkrt_set_thread(t);
	spdkrt_poller_unregister(&g_stuck_poller);
	spdkrt_set_thread(NULL);
	spdkrt_thread_poll(t, 0, 0);
	assert_true(spdkrt_thread_is_exited(t));
	assert_int_equal(spdkrt_thread_destroy(t), 0);
	srt_reactor_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads_from_another_os_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exit_request_reaches_every_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stuck_thread_is_named_then_abandoned, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("app/reactor", tests, NULL, NULL);
}
