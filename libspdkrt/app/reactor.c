/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reactor loop. Threads arrive through a mutex-protected hand-over list (any OS thread may
 * create a thread for any core) and are then owned by the loop alone, so polling takes no lock.
 * An exited thread is destroyed by its reactor. On the exit request every thread is asked to
 * exit; threads that do not are named after a few seconds and abandoned later, so that a
 * stuck thread can delay the end of the app but never hang it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/reactor.h"

#define SRT_LOG_COMPONENT "app"
#include "util/log.h"

static _Atomic uint64_t g_warn_ms = 5000;
static _Atomic uint64_t g_give_up_ms = 30000;

static __thread struct srt_reactor *t_reactor;

void srt_reactor_set_stop_timeouts(uint64_t warn_ms, uint64_t give_up_ms)
{
	atomic_store(&g_warn_ms, warn_ms);
	atomic_store(&g_give_up_ms, give_up_ms);
}

int srt_reactor_init(struct srt_reactor *r, uint32_t core)
{
	memset(r, 0, sizeof(*r));
	r->core = core;
	TAILQ_INIT(&r->incoming);
	TAILQ_INIT(&r->threads);
	atomic_init(&r->has_incoming, false);
	atomic_init(&r->num_threads, 0);
	atomic_init(&r->running, false);
	atomic_init(&r->finished, false);
	return -pthread_mutex_init(&r->lock, NULL);
}

void srt_reactor_fini(struct srt_reactor *r)
{
	pthread_mutex_destroy(&r->lock);
}

struct srt_reactor *srt_reactor_current(void)
{
	return t_reactor;
}

int srt_reactor_place(struct srt_reactor *r, struct spdkrt_thread *t)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (r->closed) {
		rc = -ESHUTDOWN;
	} else {
		t->reactor = r;
		t->core = r->core;
		TAILQ_INSERT_TAIL(&r->incoming, t, reactor_link);
		atomic_fetch_add_explicit(&r->num_threads, 1, memory_order_relaxed);
		atomic_store_explicit(&r->has_incoming, true, memory_order_release);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static void adopt_incoming(struct srt_reactor *r)
{
	struct spdkrt_thread *t;

	pthread_mutex_lock(&r->lock);
	while ((t = TAILQ_FIRST(&r->incoming)) != NULL) {
		TAILQ_REMOVE(&r->incoming, t, reactor_link);
		TAILQ_INSERT_TAIL(&r->threads, t, reactor_link);
	}
	atomic_store_explicit(&r->has_incoming, false, memory_order_relaxed);
	pthread_mutex_unlock(&r->lock);
}

static void destroy_thread(struct srt_reactor *r, struct spdkrt_thread *t)
{
	int rc;

	TAILQ_REMOVE(&r->threads, t, reactor_link);
	t->reactor = NULL;
	rc = spdkrt_thread_destroy(t);
	if (rc != 0)
		SRT_ERR("reactor %u: could not destroy an exited thread: %s", r->core,
			spdkrt_strerror(rc));
	atomic_fetch_sub_explicit(&r->num_threads, 1, memory_order_relaxed);
}

static void poll_threads(struct srt_reactor *r, uint64_t now)
{
	struct spdkrt_thread *t, *next;

	for (t = TAILQ_FIRST(&r->threads); t != NULL; t = next) {
		spdkrt_thread_poll(t, 0, now);
		next = TAILQ_NEXT(t, reactor_link);
		if (spdkrt_thread_is_exited(t))
			destroy_thread(r, t);
	}
}

/* Names every remaining thread and what keeps it alive. */
static void report_remaining(struct srt_reactor *r, enum spdkrt_log_level level, const char *what,
			     uint64_t ms)
{
	struct spdkrt_thread *t;

	if (!srt_log_enabled(level))
		return;
	TAILQ_FOREACH(t, &r->threads, reactor_link) {
		srt_log(level, SRT_LOG_COMPONENT,
			"reactor %u: thread '%s' has not exited %llu ms after the app began "
			"stopping (%u pollers, %u I/O channels, %u unfinished walks or "
			"unregisters%s)%s",
			r->core, t->name, (unsigned long long)ms, t->num_pollers, t->num_channels,
			t->num_pending,
			srt_msg_ring_empty(&t->ring) && TAILQ_EMPTY(&t->scheduled) ?
				"" :
				", queued messages",
			what);
	}
}

/* One step of stopping; true when the loop may end. */
static bool stop_step(struct srt_reactor *r, uint64_t now)
{
	struct spdkrt_thread *t;
	uint64_t elapsed_ms;
	bool done;

	if (r->stop_ticks == 0)
		r->stop_ticks = now;
	/* every iteration, so that threads adopted late are asked too (a no-op otherwise) */
	TAILQ_FOREACH(t, &r->threads, reactor_link)
		spdkrt_thread_exit(t);
	if (TAILQ_EMPTY(&r->threads)) {
		pthread_mutex_lock(&r->lock);
		done = TAILQ_EMPTY(&r->incoming);
		if (done)
			r->closed = true;
		pthread_mutex_unlock(&r->lock);
		return done;
	}

	elapsed_ms = (now - r->stop_ticks) * 1000 / spdkrt_get_ticks_hz();
	if (!r->warned && elapsed_ms >= atomic_load_explicit(&g_warn_ms, memory_order_relaxed)) {
		r->warned = true;
		report_remaining(r, SPDKRT_LOG_WARN, "; still waiting", elapsed_ms);
	}
	if (elapsed_ms < atomic_load_explicit(&g_give_up_ms, memory_order_relaxed))
		return false;

	/* Giving up: leave the threads allocated (never polled again) rather than free them. */
	report_remaining(r, SPDKRT_LOG_ERROR, "; giving up on it, its memory is leaked",
			 elapsed_ms);
	pthread_mutex_lock(&r->lock);
	r->closed = true;
	while ((t = TAILQ_FIRST(&r->incoming)) != NULL)
		TAILQ_REMOVE(&r->incoming, t, reactor_link);
	pthread_mutex_unlock(&r->lock);
	while ((t = TAILQ_FIRST(&r->threads)) != NULL)
		TAILQ_REMOVE(&r->threads, t, reactor_link);
	return true;
}

void srt_reactor_run(struct srt_reactor *r, const _Atomic bool *exit_threads,
		     void (*on_iteration)(void *ctx), void *ctx)
{
	struct srt_reactor *previous = t_reactor;

	t_reactor = r;
	atomic_store_explicit(&r->running, true, memory_order_release);
	for (;;) {
		uint64_t now;

		if (atomic_load_explicit(&r->has_incoming, memory_order_acquire))
			adopt_incoming(r);
		now = spdkrt_get_ticks();
		poll_threads(r, now);
		if (on_iteration != NULL)
			on_iteration(ctx);
		if (atomic_load_explicit(exit_threads, memory_order_acquire) && stop_step(r, now))
			break;
	}
	t_reactor = previous;
	atomic_store_explicit(&r->finished, true, memory_order_release);
}
