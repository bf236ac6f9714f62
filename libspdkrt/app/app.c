/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spdkrt_app_run: the environment, one reactor per core, the app thread, signals, and the
 * orderly stop (subsystems, then every thread, then the reactors, then the environment).
 *
 * The main core's reactor runs on the caller's OS thread and owns the app thread; requests
 * from other OS threads (spdkrt_app_stop, signals) only set atomics that this reactor turns
 * into messages between two polls, so no caller ever blocks on a full ring.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/app.h>

#include "app/reactor.h"
#include "app/subsystems.h"
#include "env/backend.h"
#include "thread/internal.h"

#define SRT_LOG_COMPONENT "app"
#include "util/log.h"

enum app_state {
	APP_IDLE,
	APP_STARTING,
	APP_RUNNING,
	APP_DONE
};

struct app {
	struct spdkrt_app_opts opts;
	spdkrt_msg_fn start;
	void *start_ctx;
	bool env_owned;
	struct srt_reactor *reactors;
	uint32_t num_reactors;
	struct srt_reactor *main_reactor;
	/* Placement is allowed (under g_app_lock). */
	bool placing;
	/* The app thread, for the main reactor's OS thread (which polls it). */
	struct spdkrt_thread *main_thread;
	/* Main reactor's OS thread only: requests turned into messages so far. */
	unsigned signals_seen;
	bool shutdown_cb_called;
	bool stop_sent;
	struct sigaction old_sigint, old_sigterm;
	cpu_set_t old_affinity;
	bool affinity_changed;

	/* Read from any OS thread. */
	_Atomic(struct spdkrt_thread *) app_thread; /* NULL once the threads exit */
	_Atomic bool stop_claimed;                  /* by the first spdkrt_app_stop */
	_Atomic int rc;
	_Atomic bool stop_requested; /* published after rc */
	_Atomic bool exit_threads;   /* the reactors' exit request */
};

static _Atomic int g_state = APP_IDLE;
static struct app g_app;
/* Serialises placement with the start and end of the app. */
static pthread_mutex_t g_app_lock = PTHREAD_MUTEX_INITIALIZER;
/* Signals received; a lock-free atomic is async-signal-safe. */
static _Atomic unsigned g_signals;

int spdkrt_app_opts_init(struct spdkrt_app_opts *opts, size_t size)
{
	struct spdkrt_app_opts defaults = {
		.name = "spdkrt_app",
		.log_level = -1,
	};

	if (opts == NULL || size < sizeof(opts->size)) {
		SRT_ERR("spdkrt_app_opts_init: opts is NULL or size %zu is too small", size);
		return -EINVAL;
	}
	defaults.size = size < sizeof(defaults) ? size : sizeof(defaults);
	memcpy(opts, &defaults, defaults.size);
	return 0;
}

/* Reads the caller's options (only the fields inside its size) and checks them. */
static int read_opts(const struct spdkrt_app_opts *user, spdkrt_msg_fn start,
		     struct spdkrt_app_opts *opts)
{
	if (user == NULL || start == NULL) {
		SRT_ERR("spdkrt_app_run: opts or start is NULL");
		return -EINVAL;
	}
	if (user->size < sizeof(user->size)) {
		SRT_ERR("spdkrt_app_run: opts.size is %zu; call spdkrt_app_opts_init() first",
			user->size);
		return -EINVAL;
	}
	spdkrt_app_opts_init(opts, sizeof(*opts));
	memcpy(opts, user, user->size < sizeof(*opts) ? user->size : sizeof(*opts));
	if (opts->name == NULL || opts->name[0] == '\0') {
		SRT_ERR("spdkrt_app_run: name is empty");
		return -EINVAL;
	}
	if (opts->log_level != -1 &&
	    (opts->log_level < SPDKRT_LOG_ERROR || opts->log_level > SPDKRT_LOG_DEBUG)) {
		SRT_ERR("spdkrt_app_run: log_level %d is neither -1 nor an spdkrt_log_level",
			opts->log_level);
		return -EINVAL;
	}
	return 0;
}

static int init_env(const struct spdkrt_app_opts *opts)
{
	struct spdkrt_env_opts env_opts;
	int rc;

	g_app.env_owned = false;
	if (spdkrt_env_is_initialized()) {
		SRT_INFO("spdkrt_app_run: using the environment the caller initialised (its cores "
			 "and memory; the app's core_mask, mem_size_mb and no_huge are ignored)");
		return 0;
	}
	if (opts->env_opts != NULL) {
		rc = spdkrt_env_init(opts->env_opts);
	} else {
		spdkrt_env_opts_init(&env_opts, sizeof(env_opts));
		env_opts.name = opts->name;
		env_opts.core_mask = opts->core_mask;
		env_opts.mem_size_mb = opts->mem_size_mb;
		env_opts.no_huge = opts->no_huge;
		rc = spdkrt_env_init(&env_opts);
	}
	if (rc == 0)
		g_app.env_owned = true;
	else
		SRT_ERR("spdkrt_app_run: the environment failed to initialise: %s",
			spdkrt_strerror(rc));
	return rc;
}

static int create_reactors(void)
{
	uint32_t n = spdkrt_env_get_core_count(), main_core = spdkrt_env_get_main_core(), i = 0;

	g_app.reactors = calloc(n, sizeof(*g_app.reactors));
	if (g_app.reactors == NULL)
		return -ENOMEM;
	for (uint32_t core = spdkrt_env_get_first_core(); core != SPDKRT_ENV_CORE_INVALID && i < n;
	     core = spdkrt_env_get_next_core(core)) {
		int rc = srt_reactor_init(&g_app.reactors[i], core);

		if (rc != 0) {
			while (i > 0)
				srt_reactor_fini(&g_app.reactors[--i]);
			free(g_app.reactors);
			g_app.reactors = NULL;
			return rc;
		}
		if (core == main_core)
			g_app.main_reactor = &g_app.reactors[i];
		i++;
	}
	g_app.num_reactors = i;
	return g_app.main_reactor != NULL ? 0 : -EINVAL;
}

static void destroy_reactors(void)
{
	for (uint32_t i = 0; i < g_app.num_reactors; i++)
		srt_reactor_fini(&g_app.reactors[i]);
	free(g_app.reactors);
	g_app.reactors = NULL;
	g_app.main_reactor = NULL;
	g_app.num_reactors = 0;
}

/* ---- placement ---- */

/* Under g_app_lock. */
static int place_locked(struct spdkrt_thread *t, struct srt_reactor *r, const char *fn)
{
	int rc;

	if (!g_app.placing || atomic_load(&g_app.exit_threads)) {
		SRT_ERR("%s: the app is stopping; no new thread is placed", fn);
		return -ESHUTDOWN;
	}
	rc = srt_reactor_place(r, t);
	if (rc != 0)
		SRT_ERR("%s: the reactor of core %u has stopped", fn, r->core);
	return rc;
}

static bool is_app_reactor(struct srt_reactor *r)
{
	for (uint32_t i = 0; i < g_app.num_reactors; i++) {
		if (r == &g_app.reactors[i])
			return true;
	}
	return false;
}

/* spdkrt_thread_create during the app: the caller's reactor, or the main one. */
static int place_hook(struct spdkrt_thread *t, uint32_t core)
{
	struct srt_reactor *r;
	int rc;

	(void)core;
	pthread_mutex_lock(&g_app_lock);
	r = srt_reactor_current();
	if (!is_app_reactor(r))
		r = g_app.main_reactor;
	rc = g_app.placing ? place_locked(t, r, "spdkrt_thread_create") : -ESHUTDOWN;
	pthread_mutex_unlock(&g_app_lock);
	return rc;
}

static struct srt_reactor *least_loaded_reactor(void)
{
	struct srt_reactor *best = &g_app.reactors[0];

	for (uint32_t i = 1; i < g_app.num_reactors; i++) {
		if (srt_reactor_thread_count(&g_app.reactors[i]) < srt_reactor_thread_count(best))
			best = &g_app.reactors[i];
	}
	return best;
}

int spdkrt_app_thread_create(const char *name, uint32_t core, struct spdkrt_thread **out)
{
	struct srt_reactor *r = NULL;
	struct spdkrt_thread *t;
	int rc;

	if (out == NULL) {
		SRT_ERR("spdkrt_app_thread_create: thread is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_app_lock);
	if (!g_app.placing) {
		pthread_mutex_unlock(&g_app_lock);
		return spdkrt_thread_create(name, out);
	}
	if (core == SPDKRT_ENV_CORE_INVALID) {
		r = least_loaded_reactor();
	} else {
		for (uint32_t i = 0; i < g_app.num_reactors && r == NULL; i++) {
			if (g_app.reactors[i].core == core)
				r = &g_app.reactors[i];
		}
	}
	if (r == NULL) {
		pthread_mutex_unlock(&g_app_lock);
		SRT_ERR("spdkrt_app_thread_create: core %u is not one of the app's cores", core);
		return -EINVAL;
	}
	rc = srt_thread_create_unplaced(name, &t);
	if (rc == 0) {
		rc = place_locked(t, r, "spdkrt_app_thread_create");
		if (rc != 0)
			spdkrt_thread_destroy(t);
	}
	pthread_mutex_unlock(&g_app_lock);
	if (rc == 0)
		*out = t;
	return rc;
}

struct spdkrt_thread *spdkrt_app_get_thread(void)
{
	return atomic_load(&g_app.app_thread);
}

uint32_t spdkrt_app_thread_get_core(const struct spdkrt_thread *t)
{
	return t != NULL ? t->core : SPDKRT_ENV_CORE_INVALID;
}

/* ---- stopping ---- */

/* On the app thread: the subsystems are down; every thread may now exit. */
static void subsystems_done(void *ctx)
{
	struct spdkrt_thread *app_thread = g_app.main_thread;

	if (spdkrt_get_thread() != app_thread) {
		srt_thread_send_msg_retry(app_thread, subsystems_done, ctx);
		return;
	}
	SRT_INFO("stopping: asking every thread to exit");
	app_thread->num_pending--; /* taken at start so that it outlives the stop sequence */
	/* in this order: whoever sees no app thread also sees the exit request */
	atomic_store(&g_app.exit_threads, true);
	atomic_store(&g_app.app_thread, NULL);
}

static void stop_msg(void *ctx)
{
	(void)ctx;
	srt_subsystems_fini(subsystems_done, NULL);
}

void spdkrt_app_stop(int rc)
{
	if (atomic_load(&g_state) != APP_RUNNING) {
		SRT_ERR("spdkrt_app_stop: no application is running");
		return;
	}
	if (atomic_exchange(&g_app.stop_claimed, true)) {
		SRT_INFO("spdkrt_app_stop(%d): already stopping", rc);
		return;
	}
	atomic_store(&g_app.rc, rc);
	atomic_store_explicit(&g_app.stop_requested, true, memory_order_release);
	SRT_INFO("spdkrt_app_stop(%d)", rc);
}

/* On the app thread: the first signal calls shutdown_cb; another one, or none, stops. */
static void signal_msg(void *ctx)
{
	(void)ctx;
	if (atomic_load(&g_app.stop_claimed))
		return;
	if (g_app.opts.shutdown_cb != NULL && !g_app.shutdown_cb_called) {
		SRT_INFO("signal received: calling the shutdown callback");
		g_app.shutdown_cb_called = true;
		g_app.opts.shutdown_cb(g_app.opts.shutdown_ctx);
	} else {
		SRT_INFO("signal received: stopping");
		spdkrt_app_stop(0);
	}
}

static void on_signal(int signo)
{
	(void)signo;
	atomic_fetch_add_explicit(&g_signals, 1, memory_order_relaxed);
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	g_app.signals_seen = atomic_load(&g_signals);
	sigaction(SIGINT, &sa, &g_app.old_sigint);
	sigaction(SIGTERM, &sa, &g_app.old_sigterm);
}

static void restore_signal_handlers(void)
{
	sigaction(SIGINT, &g_app.old_sigint, NULL);
	sigaction(SIGTERM, &g_app.old_sigterm, NULL);
}

/*
 * Main reactor, between two polls: turn signals (one message each) and the stop request into
 * messages to the app thread. A full ring is simply retried at the next iteration.
 */
static void main_iteration(void *ctx)
{
	unsigned signals = atomic_load_explicit(&g_signals, memory_order_relaxed);

	(void)ctx;
	if (g_app.stop_sent)
		return;
	if (signals != g_app.signals_seen &&
	    spdkrt_thread_send_msg(g_app.main_thread, signal_msg, NULL) == 0)
		g_app.signals_seen++;
	if (atomic_load_explicit(&g_app.stop_requested, memory_order_acquire) &&
	    spdkrt_thread_send_msg(g_app.main_thread, stop_msg, NULL) == 0)
		g_app.stop_sent = true;
}

/* ---- running ---- */

/*
 * The main reactor spins on the caller's OS thread: pin it to the main core for the run, or
 * the scheduler lets it share a worker's core (the env leaves the caller's affinity alone).
 */
static void pin_main_reactor(void)
{
	cpu_set_t set;
	uint32_t core = g_app.main_reactor->core;

	g_app.affinity_changed = false;
	if (core >= CPU_SETSIZE ||
	    pthread_getaffinity_np(pthread_self(), sizeof(g_app.old_affinity),
				   &g_app.old_affinity) != 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0)
		g_app.affinity_changed = true;
	else
		SRT_WARN("spdkrt_app_run: could not pin the main reactor to core %u", core);
}

static void unpin_main_reactor(void)
{
	if (g_app.affinity_changed)
		pthread_setaffinity_np(pthread_self(), sizeof(g_app.old_affinity),
				       &g_app.old_affinity);
}

static int worker_main(void *arg)
{
	struct srt_reactor *r = arg;

	/* Pairs with the release before the launch, in case DPDK's hand-over is not visible. */
	(void)atomic_load_explicit(&g_state, memory_order_acquire);
	srt_reactor_run(r, &g_app.exit_threads, NULL, NULL);
	return 0;
}

static void start_msg(void *ctx)
{
	(void)ctx;
	g_app.start(g_app.start_ctx);
}

/* Creates the app thread on the main reactor; it cannot exit before the stop sequence. */
static int create_app_thread(void)
{
	struct spdkrt_thread *t;
	int rc = srt_thread_create_unplaced("app_thread", &t);

	if (rc != 0)
		return rc;
	rc = srt_reactor_place(g_app.main_reactor, t);
	if (rc != 0) {
		spdkrt_thread_destroy(t);
		return rc;
	}
	t->num_pending++;
	g_app.main_thread = t;
	atomic_store(&g_app.app_thread, t);
	return 0;
}

/* Launches a reactor on every other core; on failure, the launched ones are told to exit. */
static int launch_workers(bool *launched)
{
	int rc = 0;

	for (uint32_t i = 0; i < g_app.num_reactors; i++) {
		struct srt_reactor *r = &g_app.reactors[i];

		if (r == g_app.main_reactor)
			continue;
		rc = srt_env_launch(r->core, worker_main, r);
		if (rc != 0) {
			SRT_ERR("spdkrt_app_run: could not start the reactor of core %u: %s",
				r->core, spdkrt_strerror(rc));
			return rc;
		}
		launched[i] = true;
	}
	for (uint32_t i = 0; i < g_app.num_reactors; i++) {
		while (launched[i] &&
		       !atomic_load_explicit(&g_app.reactors[i].running, memory_order_acquire))
			sched_yield();
	}
	return 0;
}

static void wait_workers(const bool *launched)
{
	for (uint32_t i = 0; i < g_app.num_reactors; i++) {
		if (!launched[i])
			continue;
		srt_env_wait(g_app.reactors[i].core);
		/* returns at once after the wait; gives TSan the happens-before */
		while (!atomic_load_explicit(&g_app.reactors[i].finished, memory_order_acquire))
			sched_yield();
	}
}

static void reset_app(void)
{
	memset(&g_app, 0, sizeof(g_app));
	atomic_init(&g_app.app_thread, NULL);
	atomic_init(&g_app.stop_claimed, false);
	atomic_init(&g_app.rc, 0);
	atomic_init(&g_app.stop_requested, false);
	atomic_init(&g_app.exit_threads, false);
}

int spdkrt_app_run(const struct spdkrt_app_opts *user_opts, spdkrt_msg_fn start, void *ctx)
{
	struct spdkrt_app_opts opts;
	int expected = APP_IDLE;
	bool *launched = NULL;
	int rc;

	rc = read_opts(user_opts, start, &opts);
	if (rc != 0)
		return rc;
	if (!atomic_compare_exchange_strong(&g_state, &expected, APP_STARTING)) {
		SRT_ERR("spdkrt_app_run: an application already %s in this process; an app runs "
			"once per process",
			expected == APP_DONE ? "ran" : "runs");
		return -EALREADY;
	}
	reset_app();
	g_app.opts = opts;
	g_app.start = start;
	g_app.start_ctx = ctx;
	if (opts.log_level != -1)
		spdkrt_log_set_level((enum spdkrt_log_level)opts.log_level);

	rc = init_env(&opts);
	if (rc != 0) {
		/* Nothing ran: the caller may try again (DPDK itself may refuse it). */
		atomic_store(&g_state, APP_IDLE);
		return rc;
	}
	rc = create_reactors();
	if (rc == 0) {
		launched = calloc(g_app.num_reactors, sizeof(*launched));
		rc = launched == NULL ? -ENOMEM : create_app_thread();
	}
	if (rc != 0) {
		SRT_ERR("spdkrt_app_run: could not set up the reactors: %s", spdkrt_strerror(rc));
		free(launched);
		if (g_app.reactors != NULL)
			destroy_reactors();
		if (g_app.env_owned)
			spdkrt_env_fini();
		atomic_store(&g_state, APP_DONE);
		return rc;
	}

	pthread_mutex_lock(&g_app_lock);
	g_app.placing = true;
	pthread_mutex_unlock(&g_app_lock);
	srt_thread_set_place_hook(place_hook);
	install_signal_handlers();
	SRT_INFO("app '%s': %u reactors, main core %u", opts.name, g_app.num_reactors,
		 g_app.main_reactor->core);

	atomic_store_explicit(&g_state, APP_RUNNING, memory_order_release);
	rc = launch_workers(launched);
	/* after the launch: workers created by this thread must not inherit the pinning */
	pin_main_reactor();
	if (rc == 0) {
		spdkrt_thread_send_msg(g_app.main_thread, start_msg, NULL);
	} else {
		/* No start: let the app thread go and stop whatever was launched. */
		atomic_store(&g_app.stop_claimed, true);
		atomic_store(&g_app.rc, rc);
		atomic_store(&g_app.stop_requested, true);
		g_app.stop_sent = true;
		g_app.main_thread->num_pending--;
		atomic_store(&g_app.exit_threads, true);
		atomic_store(&g_app.app_thread, NULL);
	}
	srt_reactor_run(g_app.main_reactor, &g_app.exit_threads, main_iteration, NULL);
	wait_workers(launched);
	free(launched);

	srt_thread_set_place_hook(NULL);
	pthread_mutex_lock(&g_app_lock);
	g_app.placing = false;
	pthread_mutex_unlock(&g_app_lock);
	restore_signal_handlers();
	unpin_main_reactor();
	destroy_reactors();
	if (g_app.env_owned)
		spdkrt_env_fini();
	rc = atomic_load(&g_app.rc);
	SRT_INFO("app '%s' stopped (rc %d)", opts.name, rc);
	atomic_store(&g_state, APP_DONE);
	return rc;
}
