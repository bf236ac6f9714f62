/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The thread layer's internals shared with the layers above it: the structures the bdev hot
 * path reads inline, deferred work items, and the hooks the app runner uses to place threads.
 */
#ifndef SRT_THREAD_INTERNAL_H
#define SRT_THREAD_INTERNAL_H

#include <stdatomic.h>
#include <sys/queue.h>

#include <spdkrt/thread.h>

#include "thread/msg_ring.h"
#include "util/compiler.h"

/*
 * Deferred work: an intrusive item that an owner embeds and schedules on its own thread (no
 * allocation, no lock, no message). One poll runs the items scheduled before it started.
 */
struct srt_thread_work {
	TAILQ_ENTRY(srt_thread_work) link;
	void (*fn)(struct srt_thread_work *work);
	uint64_t generation;
	bool scheduled;
};

enum srt_thread_state {
	SRT_THREAD_RUNNING,
	SRT_THREAD_EXITING,
	SRT_THREAD_EXITED
};

TAILQ_HEAD(srt_poller_list, spdkrt_poller);
TAILQ_HEAD(srt_work_list, srt_thread_work);
TAILQ_HEAD(srt_channel_list, spdkrt_io_channel);

struct spdkrt_thread {
	struct srt_msg_ring ring;
	/*
	 * Read by every sender: on a line of its own, away from the fields the polling OS thread
	 * writes at each poll (sharing one cut cross-thread message throughput tenfold).
	 */
	_Alignas(64) _Atomic int state;
	uint64_t id;
	char name[64];
	/* The polling OS thread's. */
	_Alignas(64) uint64_t now; /* ticks at the start of the current or last poll */
	struct srt_work_list scheduled;
	uint64_t sched_generation;
	struct srt_poller_list active_pollers;
	struct srt_poller_list timed_pollers;
	struct srt_poller_list paused_pollers;
	uint32_t num_pollers;
	struct spdkrt_poller *current_poller; /* running now: its state changes wait */
	struct srt_channel_list channels;
	uint32_t num_channels;
	/* the channel last found live in channels (held, ref > 0): the I/O path's handle check */
	const struct spdkrt_io_channel *checked_channel;
	/* walks and device unregisters started here whose done callback has not run yet */
	uint32_t num_pending;
	_Atomic bool polling;
	/* for the app runner: which reactor polls this thread */
	void *reactor;
	uint32_t core;
	TAILQ_ENTRY(spdkrt_thread) all_link;
	TAILQ_ENTRY(spdkrt_thread) reactor_link;
};

struct srt_io_device;

struct spdkrt_io_channel {
	struct spdkrt_thread *thread;
	struct srt_io_device *device;
	void *io_device;
	uint32_t ref;
	struct srt_thread_work release;
	TAILQ_ENTRY(spdkrt_io_channel) link;
	_Alignas(64) char ctx[];
};

/* The current thread of this OS thread (set by poll and spdkrt_set_thread). */
extern __thread struct spdkrt_thread *srt_current_thread __attribute__((tls_model("initial-exec")));

static inline void *srt_io_channel_ctx(struct spdkrt_io_channel *ch)
{
	return ch->ctx;
}

static inline struct spdkrt_io_channel *srt_io_channel_from_ctx(void *ctx)
{
	return container_of(ctx, struct spdkrt_io_channel, ctx);
}

/* Schedule work on its owner's thread (called on that thread). Already scheduled: no-op. */
static inline void srt_thread_schedule(struct spdkrt_thread *thread, struct srt_thread_work *work)
{
	if (work->scheduled)
		return;
	work->scheduled = true;
	work->generation = thread->sched_generation;
	TAILQ_INSERT_TAIL(&thread->scheduled, work, link);
}

static inline void srt_thread_unschedule(struct spdkrt_thread *thread, struct srt_thread_work *work)
{
	if (!work->scheduled)
		return;
	work->scheduled = false;
	TAILQ_REMOVE(&thread->scheduled, work, link);
}

/* The slow half of srt_io_channel_is_mine(): walks the current thread's channels. */
bool srt_io_channel_find_mine(const struct spdkrt_io_channel *ch);

/*
 * Whether ch is a held channel of the current thread. A stale (released) or another thread's
 * handle is never read through: the common case is one compare with the channel found last,
 * which every put to zero and release clears.
 */
static inline bool srt_io_channel_is_mine(const struct spdkrt_io_channel *ch)
{
	struct spdkrt_thread *t = srt_current_thread;

	if (likely(t != NULL && ch != NULL && t->checked_channel == ch))
		return true;
	return srt_io_channel_find_mine(ch);
}

/* Live channel of io_device on thread (not one of an unregistered device), or NULL. */
struct spdkrt_io_channel *srt_thread_find_channel(struct spdkrt_thread *thread, void *io_device);

/*
 * spdkrt_get_io_channel() that says why it failed: 0 and *ch, or -EINVAL (no current thread),
 * -ENODEV (not a registered device), -ENOMEM, or the negative errno create_cb returned.
 */
int srt_get_io_channel(void *io_device, struct spdkrt_io_channel **ch);

/* True while io_device is registered and not being unregistered. */
bool srt_io_device_is_registered(void *io_device);

/* Create a thread that no placement hook places (the app runner places it itself). */
int srt_thread_create_unplaced(const char *name, struct spdkrt_thread **thread);

/* The app runner's hook: places each new thread on a reactor (core: SPDKRT_ENV_CORE_INVALID). */
typedef int (*srt_thread_place_fn)(struct spdkrt_thread *thread, uint32_t core);
void srt_thread_set_place_hook(srt_thread_place_fn hook);

/* Runs fn(thread, ctx) under the thread registry lock for every thread. */
void srt_thread_foreach_locked(void (*fn)(struct spdkrt_thread *thread, void *ctx), void *ctx);

/*
 * Send fn(arg) to the first thread whose id is above *last_id (and update it); false when there
 * is none. For walks over every thread.
 */
bool srt_thread_send_to_next(uint64_t *last_id, spdkrt_msg_fn fn, void *arg);

/* Send that retries while the ring is full (for the library's own control messages). */
void srt_thread_send_msg_retry(struct spdkrt_thread *thread, spdkrt_msg_fn fn, void *ctx);

/* Poller bookkeeping used by thread.c. */
int srt_pollers_run_active(struct spdkrt_thread *thread);
int srt_pollers_run_timed(struct spdkrt_thread *thread, uint64_t now);
void srt_pollers_free_all(struct spdkrt_thread *thread);

#endif
