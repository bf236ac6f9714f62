/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A reactor: the loop that polls the spdkrt threads placed on one core. Any OS thread may hand
 * it a thread (srt_reactor_place); only the reactor's own OS thread polls and destroys them.
 */
#ifndef SRT_APP_REACTOR_H
#define SRT_APP_REACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "thread/internal.h"

TAILQ_HEAD(srt_reactor_threads, spdkrt_thread);

struct srt_reactor {
	uint32_t core;

	/* Hand-over from other OS threads: adopted at the reactor's next iteration. */
	pthread_mutex_t lock;
	struct srt_reactor_threads incoming; /* under lock */
	bool closed;                         /* under lock: the loop has ended */
	_Atomic bool has_incoming;
	_Atomic uint32_t num_threads; /* placed and not destroyed: to pick the least loaded */

	/* The reactor's OS thread only. */
	struct srt_reactor_threads threads;
	uint64_t stop_ticks; /* when the loop first saw the exit request; 0: not yet */
	bool warned;

	/* Release/acquire: DPDK's launch and wait are invisible to TSan. */
	_Atomic bool running;
	_Atomic bool finished;
};

int srt_reactor_init(struct srt_reactor *r, uint32_t core);
/* After the loop has ended. Threads it gave up on are left allocated (leaked on purpose). */
void srt_reactor_fini(struct srt_reactor *r);

/*
 * Hand a thread to a reactor (any OS thread): sets thread->reactor and thread->core.
 * Returns 0, or -ESHUTDOWN once the reactor's loop has ended.
 */
int srt_reactor_place(struct srt_reactor *r, struct spdkrt_thread *thread);

static inline uint32_t srt_reactor_thread_count(struct srt_reactor *r)
{
	return atomic_load_explicit(&r->num_threads, memory_order_relaxed);
}

/* The reactor running on this OS thread, or NULL. */
struct srt_reactor *srt_reactor_current(void);

/*
 * Run the loop on the calling OS thread: poll every thread, destroy those that have exited,
 * call on_iteration(ctx) (may be NULL) once per iteration. Once *exit_threads is true every
 * thread is asked to exit; the loop returns when none is left, or gives up on the remaining
 * ones after the give-up timeout (logged, leaked).
 */
void srt_reactor_run(struct srt_reactor *r, const _Atomic bool *exit_threads,
		     void (*on_iteration)(void *ctx), void *ctx);

/* How long the loop waits for threads to exit: a warning after warn_ms, giving up after. */
void srt_reactor_set_stop_timeouts(uint64_t warn_ms, uint64_t give_up_ms);

#endif
