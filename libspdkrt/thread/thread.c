/* SPDX-License-Identifier: BSD-3-Clause */
/* spdkrt threads: lifetime, the poll loop, messages, and walks over every thread. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread/internal.h"

#define SRT_LOG_COMPONENT "thread"
#include "util/log.h"

#define DEFAULT_MSG_BATCH 64

__thread struct spdkrt_thread *srt_current_thread __attribute__((tls_model("initial-exec")));

static pthread_mutex_t g_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_thread) g_threads = TAILQ_HEAD_INITIALIZER(g_threads);
static _Atomic uint64_t g_next_thread_id = 1;
static srt_thread_place_fn g_place_hook;

void srt_thread_set_place_hook(srt_thread_place_fn hook)
{
	pthread_mutex_lock(&g_threads_lock);
	g_place_hook = hook;
	pthread_mutex_unlock(&g_threads_lock);
}

int srt_thread_create_unplaced(const char *name, struct spdkrt_thread **out)
{
	struct spdkrt_thread *t;
	int rc;

	if (out == NULL) {
		SRT_ERR("spdkrt_thread_create: thread is NULL");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	rc = srt_msg_ring_init(&t->ring, SPDKRT_THREAD_MSG_RING_SIZE);
	if (rc != 0) {
		free(t);
		return rc;
	}
	TAILQ_INIT(&t->scheduled);
	TAILQ_INIT(&t->active_pollers);
	TAILQ_INIT(&t->timed_pollers);
	TAILQ_INIT(&t->paused_pollers);
	TAILQ_INIT(&t->channels);
	atomic_init(&t->state, SRT_THREAD_RUNNING);
	t->id = atomic_fetch_add(&g_next_thread_id, 1);
	t->core = UINT32_MAX;
	if (name != NULL)
		snprintf(t->name, sizeof(t->name), "%s", name);
	else
		snprintf(t->name, sizeof(t->name), "thread%llu", (unsigned long long)t->id);
	t->now = spdkrt_get_ticks();
	pthread_mutex_lock(&g_threads_lock);
	TAILQ_INSERT_TAIL(&g_threads, t, all_link);
	pthread_mutex_unlock(&g_threads_lock);
	*out = t;
	return 0;
}

int spdkrt_thread_create(const char *name, struct spdkrt_thread **out)
{
	srt_thread_place_fn hook;
	int rc = srt_thread_create_unplaced(name, out);

	if (rc != 0)
		return rc;
	pthread_mutex_lock(&g_threads_lock);
	hook = g_place_hook;
	pthread_mutex_unlock(&g_threads_lock);
	if (hook != NULL) {
		rc = hook(*out, UINT32_MAX);
		if (rc != 0) {
			spdkrt_thread_destroy(*out);
			*out = NULL;
		}
	}
	return rc;
}

int spdkrt_thread_exit(struct spdkrt_thread *t)
{
	int expected = SRT_THREAD_RUNNING;

	if (t == NULL) {
		SRT_ERR("spdkrt_thread_exit: thread is NULL");
		return -EINVAL;
	}
	atomic_compare_exchange_strong(&t->state, &expected, SRT_THREAD_EXITING);
	return 0;
}

bool spdkrt_thread_is_exited(struct spdkrt_thread *t)
{
	return t != NULL && atomic_load(&t->state) == SRT_THREAD_EXITED;
}

/* A thread waiting for a walk or an unregister to finish must stay alive to run its done. */
static bool thread_has_work_left(struct spdkrt_thread *t)
{
	return t->num_pollers > 0 || t->num_channels > 0 || t->num_pending > 0 ||
	       !TAILQ_EMPTY(&t->scheduled) || !srt_msg_ring_empty(&t->ring);
}

/*
 * Refuses new messages (the ring's close is part of the producers' own CAS, so it costs them
 * nothing); once closed, whether the ring is empty cannot change. reopen_to_senders() undoes it.
 */
static void close_to_senders(struct spdkrt_thread *t)
{
	srt_msg_ring_close(&t->ring);
}

static void reopen_to_senders(struct spdkrt_thread *t)
{
	srt_msg_ring_reopen(&t->ring);
}

/* A stale handle (a thread destroyed already) is found by address, never dereferenced. */
static bool thread_is_live(const struct spdkrt_thread *t)
{
	struct spdkrt_thread *it;
	bool found = false;

	pthread_mutex_lock(&g_threads_lock);
	TAILQ_FOREACH(it, &g_threads, all_link) {
		if (it == t) {
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&g_threads_lock);
	return found;
}

int spdkrt_thread_destroy(struct spdkrt_thread *t)
{
	if (t == NULL) {
		SRT_ERR("spdkrt_thread_destroy: thread is NULL");
		return -EINVAL;
	}
	if (!thread_is_live(t)) {
		SRT_MISUSE("spdkrt_thread_destroy: %p is not a live thread (destroyed twice?)",
			   (void *)t);
		return -EINVAL;
	}
	if (atomic_load(&t->polling)) {
		SRT_ERR("spdkrt_thread_destroy: thread '%s' is being polled", t->name);
		return -EINVAL;
	}
	if (t->reactor != NULL) {
		SRT_ERR("spdkrt_thread_destroy: thread '%s' belongs to a reactor of "
			"spdkrt_app_run, which destroys it once it has exited (call "
			"spdkrt_thread_exit)",
			t->name);
		return -EINVAL;
	}
	/* Closed first: a message sent while we look would otherwise be freed with the ring. */
	close_to_senders(t);
	if (thread_has_work_left(t)) {
		if (atomic_load(&t->state) != SRT_THREAD_EXITED)
			reopen_to_senders(t);
		SRT_ERR("spdkrt_thread_destroy: thread '%s' still has %u pollers, %u channels, "
			"%u unfinished walks or unregisters, or pending messages; exit it and poll "
			"until it has exited",
			t->name, t->num_pollers, t->num_channels, t->num_pending);
		return -EBUSY;
	}
	pthread_mutex_lock(&g_threads_lock);
	TAILQ_REMOVE(&g_threads, t, all_link);
	pthread_mutex_unlock(&g_threads_lock);
	if (srt_current_thread == t)
		srt_current_thread = NULL;
	srt_pollers_free_all(t);
	srt_msg_ring_fini(&t->ring);
	free(t);
	return 0;
}

struct spdkrt_thread *spdkrt_get_thread(void)
{
	return srt_current_thread;
}

void spdkrt_set_thread(struct spdkrt_thread *t)
{
	srt_current_thread = t;
}

const char *spdkrt_thread_get_name(const struct spdkrt_thread *t)
{
	return t != NULL ? t->name : "";
}

uint64_t spdkrt_thread_get_id(const struct spdkrt_thread *t)
{
	return t != NULL ? t->id : 0;
}

int spdkrt_thread_send_msg(struct spdkrt_thread *t, spdkrt_msg_fn fn, void *ctx)
{
	int rc;

	if (t == NULL || fn == NULL) {
		SRT_ERR("spdkrt_thread_send_msg: thread or fn is NULL");
		return -EINVAL;
	}
	rc = srt_msg_ring_push(&t->ring, fn, ctx);
	if (unlikely(rc == -ESHUTDOWN)) { /* closed by close_to_senders() */
		SRT_ERR("spdkrt_thread_send_msg: thread '%s' has exited or is being destroyed",
			t->name);
		return -EINVAL;
	}
	return rc;
}

void srt_thread_send_msg_retry(struct spdkrt_thread *t, spdkrt_msg_fn fn, void *ctx)
{
	int rc;

	while ((rc = srt_msg_ring_push(&t->ring, fn, ctx)) != 0) {
		spdkrt_msg_fn queued_fn;
		void *queued_ctx;

		/* Closed for good: nothing would ever run it. (A close that is undone is brief.) */
		if (rc == -ESHUTDOWN && atomic_load(&t->state) == SRT_THREAD_EXITED) {
			SRT_ERR("thread '%s' has exited: an internal message to it is dropped",
				t->name);
			return;
		}

		/* Full: when we are its consumer, make room ourselves; else let it catch up. */
		if (t == srt_current_thread && srt_msg_ring_pop(&t->ring, &queued_fn, &queued_ctx))
			queued_fn(queued_ctx);
		else
			sched_yield();
	}
}

static int run_messages(struct spdkrt_thread *t, uint32_t max)
{
	spdkrt_msg_fn fn;
	void *ctx;
	uint32_t n = 0;

	while (n < max && srt_msg_ring_pop(&t->ring, &fn, &ctx)) {
		fn(ctx);
		n++;
	}
	return (int)n;
}

/* Runs the items scheduled before this poll; items they schedule wait for the next one. */
static int run_scheduled(struct spdkrt_thread *t)
{
	uint64_t generation = t->sched_generation++;
	struct srt_thread_work *w;
	int n = 0;

	while ((w = TAILQ_FIRST(&t->scheduled)) != NULL && w->generation <= generation) {
		TAILQ_REMOVE(&t->scheduled, w, link);
		w->scheduled = false;
		w->fn(w);
		n++;
	}
	return n;
}

/*
 * Once per thread, so it may lock: walks (srt_thread_send_to_next) check the state and push
 * under the registry lock, so none can slip a message in between our check and the store and
 * leave it stranded on an exited thread (its origin would then wait forever).
 */
static void mark_exited(struct spdkrt_thread *t)
{
	pthread_mutex_lock(&g_threads_lock);
	close_to_senders(t);
	if (srt_msg_ring_empty(&t->ring))
		atomic_store(&t->state, SRT_THREAD_EXITED);
	else
		reopen_to_senders(t); /* a message slipped in: run it at the next poll */
	pthread_mutex_unlock(&g_threads_lock);
}

int spdkrt_thread_poll(struct spdkrt_thread *t, uint32_t max_msgs, uint64_t now)
{
	struct spdkrt_thread *previous;
	bool idle = false;
	int work;

	if (t == NULL) {
		SRT_ERR("spdkrt_thread_poll: thread is NULL");
		return -EINVAL;
	}
	/*
	 * One poller at a time: a nested poll (a callback waiting synchronously) would free what
	 * the outer poll still walks, and a second OS thread would race the single-consumer ring.
	 * acquire pairs with the release at the end of the previous poll, from whichever OS thread.
	 */
	if (!atomic_compare_exchange_strong_explicit(&t->polling, &idle, true, memory_order_acquire,
						     memory_order_relaxed)) {
		SRT_MISUSE("spdkrt_thread_poll: thread '%s' is already being polled (%s); refused",
			   t->name,
			   srt_current_thread == t ? "a nested poll from inside its own poll" :
						     "by another OS thread");
		return -EBUSY;
	}
	previous = srt_current_thread;
	srt_current_thread = t;
	t->now = now != 0 ? now : spdkrt_get_ticks();

	work = run_messages(t, max_msgs != 0 ? max_msgs : DEFAULT_MSG_BATCH);
	work += run_scheduled(t);
	if (!TAILQ_EMPTY(&t->active_pollers))
		work += srt_pollers_run_active(t);
	if (!TAILQ_EMPTY(&t->timed_pollers))
		work += srt_pollers_run_timed(t, t->now);

	/* acquire: spdkrt_thread_exit may come from another OS thread, and destroy follows */
	if (atomic_load_explicit(&t->state, memory_order_acquire) == SRT_THREAD_EXITING &&
	    !thread_has_work_left(t))
		mark_exited(t);
	srt_current_thread = previous;
	atomic_store_explicit(&t->polling, false, memory_order_release);
	return work;
}

bool spdkrt_thread_is_idle(struct spdkrt_thread *t)
{
	return t == NULL || (srt_msg_ring_empty(&t->ring) && TAILQ_EMPTY(&t->scheduled) &&
			     TAILQ_EMPTY(&t->active_pollers));
}

void srt_thread_foreach_locked(void (*fn)(struct spdkrt_thread *t, void *ctx), void *ctx)
{
	struct spdkrt_thread *t;

	pthread_mutex_lock(&g_threads_lock);
	TAILQ_FOREACH(t, &g_threads, all_link)
		fn(t, ctx);
	pthread_mutex_unlock(&g_threads_lock);
}

/*
 * Walks over every thread go in id order, one message at a time. The registry lock is held
 * while sending so the next thread cannot be destroyed between being found and being sent to;
 * a full ring is waited for outside the lock.
 */
bool srt_thread_send_to_next(uint64_t *last_id, spdkrt_msg_fn fn, void *arg)
{
	for (;;) {
		struct spdkrt_thread *t, *next = NULL;
		uint64_t previous_id = *last_id;
		int rc = 0;

		pthread_mutex_lock(&g_threads_lock);
		TAILQ_FOREACH(t, &g_threads, all_link) {
			if (t->id > previous_id && atomic_load(&t->state) != SRT_THREAD_EXITED &&
			    (next == NULL || t->id < next->id))
				next = t;
		}
		if (next != NULL) {
			*last_id = next->id; /* before the push: arg changes hands there */
			rc = srt_msg_ring_push(&next->ring, fn, arg);
			if (rc != 0)
				*last_id = previous_id;
		}
		pthread_mutex_unlock(&g_threads_lock);
		if (next == NULL)
			return false;
		if (rc == 0)
			return true;
		if (next == srt_current_thread) {
			spdkrt_msg_fn queued_fn;
			void *queued_ctx;

			if (srt_msg_ring_pop(&next->ring, &queued_fn, &queued_ctx))
				queued_fn(queued_ctx);
		} else {
			sched_yield();
		}
	}
}

struct thread_walk {
	spdkrt_msg_fn fn;
	void *ctx;
	spdkrt_msg_fn done;
	struct spdkrt_thread *origin;
	uint64_t last_id;
};

static void walk_finish(void *arg)
{
	struct thread_walk *walk = arg;

	walk->origin->num_pending--;
	walk->done(walk->ctx);
	free(walk);
}

static void walk_step(void *arg)
{
	struct thread_walk *walk = arg;

	walk->fn(walk->ctx);
	if (!srt_thread_send_to_next(&walk->last_id, walk_step, walk))
		srt_thread_send_msg_retry(walk->origin, walk_finish, walk);
}

int spdkrt_for_each_thread(spdkrt_msg_fn fn, void *ctx, spdkrt_msg_fn done)
{
	struct thread_walk *walk;

	if (fn == NULL || done == NULL || srt_current_thread == NULL) {
		SRT_ERR("spdkrt_for_each_thread: fn or done is NULL, or not called on an spdkrt "
			"thread");
		return -EINVAL;
	}
	walk = calloc(1, sizeof(*walk));
	if (walk == NULL)
		return -ENOMEM;
	walk->fn = fn;
	walk->ctx = ctx;
	walk->done = done;
	walk->origin = srt_current_thread;
	walk->origin->num_pending++;
	if (!srt_thread_send_to_next(&walk->last_id, walk_step, walk))
		srt_thread_send_msg_retry(walk->origin, walk_finish, walk);
	return 0;
}
