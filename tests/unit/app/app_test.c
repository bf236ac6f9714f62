/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_app_run (app.c, reactor.c). An app runs once per process (and DPDK initialises once),
 * so each scenario runs in a fresh process: the test re-executes itself with
 * "--scenario <name>" and checks the exit status. Scenarios that need real lcores use DPDK
 * without hugepages on cores 0 and 1; the others use the env's heap backend (pthreads), which
 * is quicker and fully visible to ThreadSanitizer. SPDKRT_TEST_HEAP_ENV=1 uses it everywhere.
 *
 * Callbacks run on reactor threads, where a cmocka assertion cannot unwind: they CHECK()
 * instead, and the scenario asserts that no CHECK failed once spdkrt_app_run has returned.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/test_common.h"

#include <spdkrt/app.h>

#include "app/reactor.h"
#include "env/backend.h"
#include "thread/internal.h"

#define SCENARIO_TIMEOUT_S 120

static _Atomic unsigned g_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			atomic_fetch_add(&g_failures, 1);                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

/* Like assert_logged, without clearing: for several lines logged in one run. */
#define assert_log_has(needle)                                                                     \
	do {                                                                                       \
		if (strstr(g_log_capture.text, (needle)) == NULL)                                  \
			fail_msg("expected a log line containing '%s'; log was:\n%s", (needle),    \
				 g_log_capture.text);                                              \
	} while (0)

static void use_heap_env(void)
{
	assert_int_equal(srt_env_set_backend(&srt_env_heap_backend), 0);
}

/* DPDK scenarios: the real lcores, unless the heap backend is asked for (TSan runs). */
static void use_dpdk_env(void)
{
	const char *heap = getenv("SPDKRT_TEST_HEAP_ENV");

	if (heap != NULL && strcmp(heap, "1") == 0)
		use_heap_env();
}

static void count_thread(struct spdkrt_thread *t, void *ctx)
{
	(void)t;
	(*(int *)ctx)++;
}

static int registered_threads(void)
{
	int n = 0;

	srt_thread_foreach_locked(count_thread, &n);
	return n;
}

static void test_signal_handler(int signo)
{
	(void)signo;
}

/*
 * Scenario "two_cores": DPDK on cores 0 and 1. Placement, 2000 round trips between the app
 * thread and a thread on core 1, threads created from either reactor, then SIGTERM: the
 * shutdown callback runs on the app thread and has core 1 stop the app with 42.
 */
#define ROUND_TRIPS 2000

static struct spdkrt_thread *g_app_t, *g_w1;
static struct spdkrt_poller *g_w1_poller;
static uint64_t g_w1_polls;
static uintptr_t g_ping_next, g_pong_next;
static _Atomic int g_shutdown_calls;
static _Atomic int g_children_checked;

static void on_child_thread(void *ctx)
{
	uint32_t core = (uint32_t)(uintptr_t)ctx;

	CHECK(spdkrt_env_get_current_core() == core);
	CHECK(spdkrt_app_thread_get_core(spdkrt_get_thread()) == core);
	atomic_fetch_add(&g_children_checked, 1);
}

static int w1_poll(void *ctx)
{
	(void)ctx;
	g_w1_polls++;
	return SPDKRT_POLLER_IDLE;
}

static void pong(void *ctx);

static void ping(void *ctx)
{
	uintptr_t seq = (uintptr_t)ctx;

	CHECK(spdkrt_get_thread() == g_w1);
	CHECK(seq == g_ping_next);
	g_ping_next = seq + 1;
	CHECK(spdkrt_thread_send_msg(g_app_t, pong, ctx) == 0);
}

static void raise_sigterm(void *ctx)
{
	(void)ctx;
	CHECK(kill(getpid(), SIGTERM) == 0);
}

static void pong(void *ctx)
{
	uintptr_t seq = (uintptr_t)ctx;

	CHECK(spdkrt_get_thread() == g_app_t);
	CHECK(seq == g_pong_next);
	g_pong_next = seq + 1;
	if (g_pong_next < ROUND_TRIPS)
		CHECK(spdkrt_thread_send_msg(g_w1, ping, (void *)g_pong_next) == 0);
	else
		CHECK(spdkrt_thread_send_msg(g_w1, raise_sigterm, NULL) == 0);
}

static void w1_ready(void *ctx)
{
	(void)ctx;
	CHECK(spdkrt_get_thread() == g_app_t);
	CHECK(spdkrt_thread_send_msg(g_w1, ping, (void *)0) == 0);
}

static void w1_setup(void *ctx)
{
	struct spdkrt_thread *child;

	(void)ctx;
	CHECK(spdkrt_get_thread() == g_w1);
	CHECK(spdkrt_env_get_current_core() == 1);
	CHECK(spdkrt_poller_register(w1_poll, NULL, 0, &g_w1_poller) == 0);
	/* created on the reactor of core 1: placed there */
	CHECK(spdkrt_thread_create("w1_child", &child) == 0);
	CHECK(spdkrt_app_thread_get_core(child) == 1);
	CHECK(spdkrt_thread_send_msg(child, on_child_thread, (void *)1) == 0);
	CHECK(spdkrt_thread_send_msg(g_app_t, w1_ready, NULL) == 0);
}

static void w1_shutdown(void *ctx)
{
	(void)ctx;
	CHECK(spdkrt_get_thread() == g_w1);
	spdkrt_poller_unregister(&g_w1_poller);
	spdkrt_app_stop(42); /* from a thread of another reactor */
}

static void two_cores_shutdown(void *ctx)
{
	CHECK(ctx == &g_shutdown_calls);
	CHECK(spdkrt_get_thread() == g_app_t);
	atomic_fetch_add(&g_shutdown_calls, 1);
	CHECK(spdkrt_thread_send_msg(g_w1, w1_shutdown, NULL) == 0);
}

static void two_cores_start(void *ctx)
{
	struct spdkrt_thread *t, *auto1, *auto2;

	CHECK(ctx == &g_app_t);
	g_app_t = spdkrt_get_thread();
	CHECK(g_app_t != NULL);
	CHECK(g_app_t == spdkrt_app_get_thread());
	CHECK(strcmp(spdkrt_thread_get_name(g_app_t), "app_thread") == 0);
	CHECK(spdkrt_env_get_core_count() == 2);
	CHECK(spdkrt_env_get_current_core() == 0);
	CHECK(spdkrt_app_thread_get_core(g_app_t) == 0);
	CHECK(sched_getcpu() == 0); /* the main reactor is pinned to its core */

	CHECK(spdkrt_app_thread_create("w1", 1, &g_w1) == 0);
	CHECK(spdkrt_app_thread_get_core(g_w1) == 1);
	CHECK(spdkrt_app_thread_create("nowhere", 5, &t) == -EINVAL);
	/* least loaded: one thread on each core now, so the two land on different cores */
	CHECK(spdkrt_app_thread_create("auto1", SPDKRT_ENV_CORE_INVALID, &auto1) == 0);
	CHECK(spdkrt_app_thread_create("auto2", SPDKRT_ENV_CORE_INVALID, &auto2) == 0);
	CHECK(spdkrt_app_thread_get_core(auto1) != spdkrt_app_thread_get_core(auto2));
	CHECK(spdkrt_app_thread_get_core(auto1) <= 1 && spdkrt_app_thread_get_core(auto2) <= 1);
	/* created on the main reactor: placed there */
	CHECK(spdkrt_thread_create("main_child", &t) == 0);
	CHECK(spdkrt_app_thread_get_core(t) == 0);
	CHECK(spdkrt_thread_send_msg(t, on_child_thread, (void *)0) == 0);
	/* a reactor's thread is the reactor's to destroy */
	CHECK(spdkrt_thread_destroy(t) == -EINVAL);

	CHECK(spdkrt_thread_send_msg(g_w1, w1_setup, NULL) == 0);
}

static void two_cores(void)
{
	struct spdkrt_app_opts opts;
	struct sigaction mine, before_int, after_term, after_int;
	cpu_set_t affinity_before, affinity_after;

	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(affinity_before),
						&affinity_before),
			 0);
	memset(&mine, 0, sizeof(mine));
	mine.sa_handler = test_signal_handler;
	sigemptyset(&mine.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &mine, NULL), 0);
	assert_int_equal(sigaction(SIGINT, NULL, &before_int), 0);

	assert_int_equal(spdkrt_app_opts_init(&opts, sizeof(opts)), 0);
	opts.name = "app_test";
	opts.core_mask = "0x3";
	opts.no_huge = true;
	opts.mem_size_mb = 64;
	opts.shutdown_cb = two_cores_shutdown;
	opts.shutdown_ctx = &g_shutdown_calls;
	assert_int_equal(spdkrt_app_run(&opts, two_cores_start, &g_app_t), 42);

	assert_int_equal(atomic_load(&g_failures), 0);
	assert_int_equal(g_pong_next, ROUND_TRIPS);
	assert_int_equal(g_ping_next, ROUND_TRIPS);
	assert_int_equal(atomic_load(&g_shutdown_calls), 1);
	assert_int_equal(atomic_load(&g_children_checked), 2);
	assert_true(g_w1_polls > 0);
	assert_null(g_w1_poller);
	assert_log_has("core 5 is not one of the app's cores");
	assert_log_has("'main_child' belongs to a reactor");

	/* everything is released: threads, environment, signal handlers, CPU affinity */
	assert_int_equal(
		pthread_getaffinity_np(pthread_self(), sizeof(affinity_after), &affinity_after), 0);
	assert_true(CPU_EQUAL(&affinity_before, &affinity_after));
	assert_int_equal(registered_threads(), 0);
	assert_false(spdkrt_env_is_initialized());
	assert_null(spdkrt_app_get_thread());
	assert_int_equal(sigaction(SIGTERM, NULL, &after_term), 0);
	assert_ptr_equal(after_term.sa_handler, test_signal_handler);
	assert_int_equal(sigaction(SIGINT, NULL, &after_int), 0);
	assert_ptr_equal(after_int.sa_handler, before_int.sa_handler);

	/* once per process */
	assert_int_equal(spdkrt_app_run(&opts, two_cores_start, &g_app_t), -EALREADY);
	assert_logged("an application already ran in this process");
	spdkrt_app_stop(1);
	assert_logged("no application is running");
}

static void scenario_two_cores(void **state)
{
	(void)state;
	use_dpdk_env();
	two_cores();
}

/* The same on pthreads, which (unlike DPDK's lcores) inherit the launching thread's affinity. */
static void scenario_two_cores_heap(void **state)
{
	(void)state;
	use_heap_env();
	two_cores();
}

/*
 * Scenario "sigint": DPDK, no shutdown callback: SIGINT stops with 0. A thread on core 1 that
 * sees the app stopping cannot create threads any more, then unregisters its poller and exits.
 */
static struct spdkrt_poller *g_late_poller;
static _Atomic int g_late_create_rc = 1, g_late_app_create_rc = 1;

static int late_poll(void *ctx)
{
	struct spdkrt_thread *t = NULL;

	(void)ctx;
	if (spdkrt_app_get_thread() != NULL)
		return SPDKRT_POLLER_IDLE;
	atomic_store(&g_late_create_rc, spdkrt_thread_create("too_late", &t));
	CHECK(t == NULL);
	atomic_store(&g_late_app_create_rc, spdkrt_app_thread_create("too_late", 0, &t));
	spdkrt_poller_unregister(&g_late_poller);
	return SPDKRT_POLLER_BUSY;
}

static void late_setup(void *ctx)
{
	(void)ctx;
	CHECK(spdkrt_poller_register(late_poll, NULL, 0, &g_late_poller) == 0);
	CHECK(kill(getpid(), SIGINT) == 0);
}

static void sigint_start(void *ctx)
{
	struct spdkrt_thread *late;

	(void)ctx;
	CHECK(spdkrt_app_thread_create("late", 1, &late) == 0);
	CHECK(spdkrt_thread_send_msg(late, late_setup, NULL) == 0);
}

static void scenario_sigint(void **state)
{
	struct spdkrt_app_opts opts;

	(void)state;
	use_dpdk_env();
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0-1";
	opts.no_huge = true;
	opts.mem_size_mb = 64;
	assert_int_equal(spdkrt_app_run(&opts, sigint_start, NULL), 0);
	assert_int_equal(atomic_load(&g_failures), 0);
	assert_int_equal(atomic_load(&g_late_create_rc), -ESHUTDOWN);
	assert_int_equal(atomic_load(&g_late_app_create_rc), -ESHUTDOWN);
	assert_logged("the app is stopping; no new thread is placed");
	assert_null(g_late_poller);
	assert_int_equal(registered_threads(), 0);
	assert_false(spdkrt_env_is_initialized());
}

/* Scenario "second_signal": the first signal calls shutdown_cb, which does not stop; the
 * second stops with 0. */
static int g_second_signal_calls;

static void ignoring_shutdown(void *ctx)
{
	(void)ctx;
	g_second_signal_calls++;
	CHECK(raise(SIGTERM) == 0);
}

static void second_signal_start(void *ctx)
{
	(void)ctx;
	CHECK(raise(SIGTERM) == 0);
}

static void scenario_second_signal(void **state)
{
	struct spdkrt_app_opts opts;

	(void)state;
	use_heap_env();
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	opts.shutdown_cb = ignoring_shutdown;
	assert_int_equal(spdkrt_app_run(&opts, second_signal_start, NULL), 0);
	assert_int_equal(atomic_load(&g_failures), 0);
	assert_int_equal(g_second_signal_calls, 1);
}

/*
 * Scenario "stop_timeout": threads with a poller that never unregisters, on both reactors.
 * Stopping names them after the warning delay, gives up on them after the give-up delay, and
 * spdkrt_app_run still returns the stop's rc. They are leaked, not freed: still usable here.
 */
static struct spdkrt_poller *g_stuck_pollers[2];

static int stuck_poll(void *ctx)
{
	(void)ctx;
	return SPDKRT_POLLER_IDLE;
}

static void stuck_setup(void *ctx)
{
	CHECK(spdkrt_poller_register(stuck_poll, NULL, 0, ctx) == 0);
}

static void stop_timeout_start(void *ctx)
{
	struct spdkrt_thread *t;

	(void)ctx;
	CHECK(spdkrt_app_thread_create("stuck_main", 0, &t) == 0);
	CHECK(spdkrt_thread_send_msg(t, stuck_setup, &g_stuck_pollers[0]) == 0);
	CHECK(spdkrt_app_thread_create("stuck_worker", 1, &t) == 0);
	CHECK(spdkrt_thread_send_msg(t, stuck_setup, &g_stuck_pollers[1]) == 0);
	spdkrt_app_stop(7);
}

static void release_leaked(struct spdkrt_thread *t, void *ctx)
{
	struct spdkrt_thread **list = ctx;

	for (int i = 0; i < 2; i++) {
		if (list[i] == NULL) {
			list[i] = t;
			return;
		}
	}
}

static void scenario_stop_timeout(void **state)
{
	struct spdkrt_thread *leaked[2] = { NULL, NULL };
	struct spdkrt_app_opts opts;

	(void)state;
	use_heap_env();
	srt_reactor_set_stop_timeouts(100, 600);
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0-1";
	assert_int_equal(spdkrt_app_run(&opts, stop_timeout_start, NULL), 7);
	assert_int_equal(atomic_load(&g_failures), 0);
	assert_log_has("warn [app] reactor 0: thread 'stuck_main' has not exited");
	assert_log_has("warn [app] reactor 1: thread 'stuck_worker' has not exited");
	assert_log_has("(1 pollers, 0 I/O channels, 0 unfinished walks or unregisters); still "
		       "waiting");
	assert_log_has("error [app] reactor 0: thread 'stuck_main' has not exited");
	assert_log_has("error [app] reactor 1: thread 'stuck_worker' has not exited");
	assert_log_has("; giving up on it, its memory is leaked");
	assert_int_equal(registered_threads(), 2);

	/* the abandoned threads are intact: release them so the leak checker stays quiet */
	srt_thread_foreach_locked(release_leaked, leaked);
	for (int i = 0; i < 2; i++) {
		struct spdkrt_thread *t = leaked[i];
		bool main = strcmp(spdkrt_thread_get_name(t), "stuck_main") == 0;

		assert_non_null(t);
		t->reactor = NULL;
		spdkrt_set_thread(t);
		spdkrt_poller_unregister(&g_stuck_pollers[main ? 0 : 1]);
		spdkrt_set_thread(NULL);
		spdkrt_thread_poll(t, 0, 0);
		assert_true(spdkrt_thread_is_exited(t));
		assert_int_equal(spdkrt_thread_destroy(t), 0);
	}
	assert_int_equal(registered_threads(), 0);
}

/*
 * Scenario "bad_options": every bad input is refused with -EINVAL and a log line, without
 * consuming the one run; then an app runs, stops with the first rc given, and a second run is
 * refused.
 */
static void stop_twice_start(void *ctx)
{
	(void)ctx;
	CHECK(spdkrt_get_thread() == spdkrt_app_get_thread());
	spdkrt_app_stop(3);
	spdkrt_app_stop(4);
}

struct bad_case {
	const char *what;
	void (*apply)(struct spdkrt_app_opts *opts);
	const char *logged;
};

static struct spdkrt_env_opts g_bad_env;
static void zero_size(struct spdkrt_app_opts *o)
{
	o->size = 0;
}
static void null_name(struct spdkrt_app_opts *o)
{
	o->name = NULL;
}
static void empty_name(struct spdkrt_app_opts *o)
{
	o->name = "";
}
static void bad_level(struct spdkrt_app_opts *o)
{
	o->log_level = 9;
}
static void negative_level(struct spdkrt_app_opts *o)
{
	o->log_level = -2;
}
static void bad_mask(struct spdkrt_app_opts *o)
{
	o->core_mask = "0xg";
}
static void bad_env_opts(struct spdkrt_app_opts *o)
{
	o->env_opts = &g_bad_env;
}

static const struct bad_case g_bad_cases[] = {
	{ "size 0", zero_size, "call spdkrt_app_opts_init() first" },
	{ "NULL name", null_name, "name is empty" },
	{ "empty name", empty_name, "name is empty" },
	{ "log level 9", bad_level, "log_level 9 is neither -1 nor" },
	{ "log level -2", negative_level, "log_level -2 is neither -1 nor" },
	{ "malformed core mask", bad_mask, "invalid core mask '0xg'" },
	{ "bad env_opts", bad_env_opts, "main core 3 is not in the core mask" },
};

static void scenario_bad_options(void **state)
{
	struct spdkrt_app_opts opts;
	struct spdkrt_thread *t;
	unsigned char raw[sizeof(opts)];

	(void)state;
	use_heap_env();
	assert_int_equal(spdkrt_app_opts_init(NULL, sizeof(opts)), -EINVAL);
	assert_logged("opts is NULL or size");
	assert_int_equal(spdkrt_app_opts_init(&opts, 1), -EINVAL);
	assert_logged("opts is NULL or size 1");
	/* an older, shorter struct: nothing beyond its size is written */
	memset(raw, 0xab, sizeof(raw));
	assert_int_equal(spdkrt_app_opts_init((struct spdkrt_app_opts *)raw,
					      offsetof(struct spdkrt_app_opts, core_mask)),
			 0);
	assert_int_equal(raw[offsetof(struct spdkrt_app_opts, core_mask)], 0xab);
	assert_int_equal(spdkrt_app_opts_init(&opts, sizeof(opts)), 0);
	assert_int_equal(opts.size, sizeof(opts));
	assert_string_equal(opts.name, "spdkrt_app");
	assert_null(opts.core_mask);
	assert_int_equal(opts.log_level, -1);
	assert_false(opts.no_huge);
	assert_null(opts.shutdown_cb);
	assert_null(opts.env_opts);

	opts.core_mask = "0";
	assert_int_equal(spdkrt_app_run(NULL, stop_twice_start, NULL), -EINVAL);
	assert_logged("opts or start is NULL");
	assert_int_equal(spdkrt_app_run(&opts, NULL, NULL), -EINVAL);
	assert_logged("opts or start is NULL");
	spdkrt_env_opts_init(&g_bad_env, sizeof(g_bad_env));
	g_bad_env.core_mask = "0";
	g_bad_env.main_core = 3;
	for (size_t i = 0; i < sizeof(g_bad_cases) / sizeof(g_bad_cases[0]); i++) {
		struct spdkrt_app_opts bad = opts;

		g_bad_cases[i].apply(&bad);
		if (spdkrt_app_run(&bad, stop_twice_start, NULL) != -EINVAL)
			fail_msg("case '%s' was not refused with -EINVAL", g_bad_cases[i].what);
		if (strstr(g_log_capture.text, g_bad_cases[i].logged) == NULL)
			fail_msg("case '%s': no log line with '%s' in:\n%s", g_bad_cases[i].what,
				 g_bad_cases[i].logged, g_log_capture.text);
		log_capture_clear();
		assert_false(spdkrt_env_is_initialized());
	}

	/* outside an app */
	assert_null(spdkrt_app_get_thread());
	assert_int_equal(spdkrt_app_thread_get_core(NULL), SPDKRT_ENV_CORE_INVALID);
	spdkrt_app_stop(0);
	assert_logged("no application is running");
	assert_int_equal(spdkrt_app_thread_create("x", 0, NULL), -EINVAL);
	assert_logged("thread is NULL");
	assert_int_equal(spdkrt_app_thread_create("plain", 3, &t), 0);
	assert_int_equal(spdkrt_app_thread_get_core(t), SPDKRT_ENV_CORE_INVALID);
	assert_int_equal(spdkrt_thread_destroy(t), 0);

	/* the bad attempts did not use up the run */
	opts.log_level = SPDKRT_LOG_INFO;
	assert_int_equal(spdkrt_app_run(&opts, stop_twice_start, NULL), 3);
	assert_int_equal(atomic_load(&g_failures), 0);
	assert_logged("spdkrt_app_stop(4): already stopping");
	assert_false(spdkrt_env_is_initialized());
	assert_int_equal(spdkrt_app_run(&opts, stop_twice_start, NULL), -EALREADY);
	assert_logged("already ran in this process");
	spdkrt_log_set_level(SPDKRT_LOG_NOTICE);
}

/* Scenario "env_by_caller": the app uses an environment the caller initialised, and leaves it. */
static void env_by_caller_start(void *ctx)
{
	(void)ctx;
	CHECK(spdkrt_env_get_core_count() == 2);
	spdkrt_app_stop(0);
}

static void scenario_env_by_caller(void **state)
{
	struct spdkrt_env_opts env_opts;
	struct spdkrt_app_opts opts;

	(void)state;
	use_heap_env();
	spdkrt_env_opts_init(&env_opts, sizeof(env_opts));
	env_opts.core_mask = "0-1";
	assert_int_equal(spdkrt_env_init(&env_opts), 0);
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0"; /* ignored: the environment exists */
	assert_int_equal(spdkrt_app_run(&opts, env_by_caller_start, NULL), 0);
	assert_int_equal(atomic_load(&g_failures), 0);
	assert_true(spdkrt_env_is_initialized());
	spdkrt_env_fini();
}

/* ---- the parent: one process per scenario ---- */

struct scenario {
	const char *name;
	void (*fn)(void **state);
};

static const struct scenario g_scenarios[] = {
	{ "two_cores", scenario_two_cores },
	{ "two_cores_heap", scenario_two_cores_heap },
	{ "sigint", scenario_sigint },
	{ "second_signal", scenario_second_signal },
	{ "stop_timeout", scenario_stop_timeout },
	{ "bad_options", scenario_bad_options },
	{ "env_by_caller", scenario_env_by_caller },
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_scenario(const char *name)
{
	double deadline = now_s() + SCENARIO_TIMEOUT_S;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 10000000 };
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", "app_test", "--scenario", name, (char *)NULL);
		_exit(127);
	}
	/* a bounded wait: a hung scenario is killed and reported */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_s() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("scenario '%s' did not finish in %d s", name, SCENARIO_TIMEOUT_S);
		}
		nanosleep(&tick, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("scenario '%s' failed (wait status 0x%x; its output is above)", name,
			 status);
}

static void test_two_cores(void **state)
{
	(void)state;
	run_scenario("two_cores");
}
static void test_two_cores_heap(void **state)
{
	(void)state;
	run_scenario("two_cores_heap");
}
static void test_sigint(void **state)
{
	(void)state;
	run_scenario("sigint");
}
static void test_second_signal(void **state)
{
	(void)state;
	run_scenario("second_signal");
}
static void test_stop_timeout(void **state)
{
	(void)state;
	run_scenario("stop_timeout");
}
static void test_bad_options(void **state)
{
	(void)state;
	run_scenario("bad_options");
}
static void test_env_by_caller(void **state)
{
	(void)state;
	run_scenario("env_by_caller");
}

static int scenario_setup(void **state)
{
	(void)state;
	log_capture_start();
	return 0;
}

/* In the child: the named scenario as a cmocka group of one. */
static int run_one_scenario(const char *name)
{
	for (size_t i = 0; i < sizeof(g_scenarios) / sizeof(g_scenarios[0]); i++) {
		const struct scenario *s = &g_scenarios[i];

		if (strcmp(name, s->name) == 0) {
			const struct CMUnitTest one[] = { { s->name, s->fn, NULL, NULL, NULL } };

			return cmocka_run_group_tests_name(s->name, one, scenario_setup, NULL);
		}
	}
	fprintf(stderr, "unknown scenario '%s'\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_cores),     cmocka_unit_test(test_two_cores_heap),
		cmocka_unit_test(test_sigint),        cmocka_unit_test(test_second_signal),
		cmocka_unit_test(test_stop_timeout),  cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_env_by_caller),
	};

	if (argc == 3 && strcmp(argv[1], "--scenario") == 0)
		return run_one_scenario(argv[2]);
	return cmocka_run_group_tests_name("app", tests, NULL, NULL);
}
