/* SPDX-License-Identifier: BSD-3-Clause */
/* The bdev core's private structures: per-thread I/O pool and per-bdev channels. */
#ifndef SRT_BDEV_CORE_H
#define SRT_BDEV_CORE_H

#include <pthread.h>

#include "bdev/module.h"
#include "thread/internal.h"

STAILQ_HEAD(srt_bdev_io_list, spdkrt_bdev_io);

/*
 * Per thread: the I/O pool shared by every bdev channel of the thread, the waiters for it, and
 * the submit depth. Any completion made while a submit is on this thread's stack is deferred.
 */
struct srt_bdev_mgmt {
	struct srt_bdev_io_list free;
	uint32_t in_submit;
	uint32_t pool_size; /* the most I/O objects the pool grows to */
	uint32_t allocated; /* made so far, in chunks, as the thread needs them */
	struct spdkrt_bdev_io_wait_entry *wait_head, *wait_tail;
	struct spdkrt_bdev_io **chunks;
	uint32_t num_chunks;
	/* I/O a module completed with "no resources": submitted again after a completion */
	struct srt_bdev_io_list nomem;
	/* the NVMe status of the I/O whose callback runs (spdkrt_bdev_get_nvme_status) */
	bool completing_has_nvme;
	struct spdkrt_bdev_nvme_status completing_nvme;
};

/* Per bdev per thread: the deferred-completion queue and the statistics. */
struct srt_bdev_channel {
	struct spdkrt_bdev *bdev;
	struct srt_bdev_mgmt *mgmt;
	struct spdkrt_thread *thread;
	void (*submit)(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io);
	struct spdkrt_io_channel *module_ch;
	struct srt_bdev_io_list deferred;
	struct srt_thread_work drain;
	uint64_t outstanding;
	_Alignas(64) struct srt_bdev_stats stats; /* read and write share a cache line */
	struct spdkrt_io_channel *mgmt_ch;
	struct spdkrt_io_channel *io_ch; /* NULL once orphaned */
	/* a reset of the bdev is in progress: new I/O waits here (counted in outstanding) */
	bool frozen;
	uint32_t held; /* of outstanding: waiting in the core, not in the module */
	struct srt_bdev_io_list frozen_queue;
	bool orphaned; /* its io_channel was released with I/O in flight */
	TAILQ_ENTRY(srt_bdev_channel) link;
};

/* An io_channel's context holds a pointer: the channel outlives it while I/O is in flight. */
static inline struct srt_bdev_channel *srt_bdev_channel_of(struct spdkrt_io_channel *ch)
{
	return *(struct srt_bdev_channel **)srt_io_channel_ctx(ch);
}

/* A descriptor's magic while it is open (0 once closed: desc_pool.c keeps its memory). */
#define SRT_BDEV_DESC_OPEN 0x64657363u

struct spdkrt_bdev_desc {
	_Atomic uint32_t magic; /* SRT_BDEV_DESC_OPEN from open to close */
	struct spdkrt_bdev *bdev;
	struct spdkrt_thread *thread;
	spdkrt_bdev_event_cb event_cb;
	void *event_ctx;
	bool write;
	bool closed;
	uint32_t refs; /* the open itself plus events in flight */
	TAILQ_ENTRY(spdkrt_bdev_desc) link;
};

/* Guards the registry, descriptors and the channel lists of every bdev. */
extern pthread_mutex_t srt_bdev_lock;

/* desc_pool.c: descriptor memory, never freed (a stale handle reads a closed descriptor). */
struct spdkrt_bdev_desc *srt_bdev_desc_alloc(void);
void srt_bdev_desc_free(struct spdkrt_bdev_desc *desc);

/* Whether desc is an open descriptor: one load, safe on a closed one (see desc_pool.c). */
static inline bool srt_bdev_desc_is_open(const struct spdkrt_bdev_desc *desc)
{
	return atomic_load_explicit(&desc->magic, memory_order_relaxed) == SRT_BDEV_DESC_OPEN;
}

/* channel.c */
int srt_bdev_channel_create(void *io_device, void *ctx);
void srt_bdev_channel_destroy(void *io_device, void *ctx);
void srt_bdev_drain_deferred(struct srt_bdev_channel *ch);
/* Frees a channel (an orphaned one once its last I/O has completed). */
void srt_bdev_channel_free(struct srt_bdev_channel *ch);

/* io.c */
void srt_bdev_mgmt_run_waiters(struct srt_bdev_mgmt *mgmt);
void srt_bdev_mgmt_retry_nomem(struct srt_bdev_mgmt *mgmt);
/* io.c: hands an accepted I/O to the module (split first if it must be). */
void srt_bdev_launch(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io);
/* reset.c: runs a reset I/O: freeze every channel, drain, reset in the module, unfreeze. */
void srt_bdev_reset_submit(struct srt_bdev_channel *ch, struct spdkrt_bdev_io *io,
			   spdkrt_bdev_io_cb cb, void *cb_arg);
/* reset.c: a channel goes while frozen: its waiting I/O fail with -ECANCELED. */
void srt_bdev_cancel_held(struct srt_bdev_channel *ch);
/* channel.c: the calling thread's I/O pool, or NULL when it has none. */
struct srt_bdev_mgmt *srt_bdev_current_mgmt(void);

/* stats.c */
void srt_bdev_stats_add(struct srt_bdev_stats *sum, const struct srt_bdev_stats *add);

/* registry.c: whether ptr is a bdev that is registered or still being released. */
bool srt_bdev_is_known(const void *ptr);
/* registry.c: the last descriptor of a bdev being destroyed went away. */
void srt_bdev_unregister(struct spdkrt_bdev *bdev);
/* registry.c: the last orphaned channel of a bdev whose io_channels are released was freed. */
void srt_bdev_orphans_gone(struct spdkrt_bdev *bdev);

/*
 * Counts a completed I/O in its channel's statistics. One writer (the channel's thread), any
 * reader (relaxed atomics): no lock and no locked instruction on the I/O path.
 */
static inline void srt_bdev_stats_account(struct srt_bdev_channel *ch,
					  const struct spdkrt_bdev_io *io)
{
	unsigned t = io->type;
	struct srt_bdev_type_stats *s;
	uint64_t latency;

	if (io->status != 0) {
		__atomic_store_n(&ch->stats.errors, ch->stats.errors + 1, __ATOMIC_RELAXED);
		return;
	}
	if (t >= SPDKRT_BDEV_IO_TYPE_SLOTS) /* passthrough: no per-type slot */
		return;
	s = &ch->stats.type[t];
	latency = ch->thread->now - io->submit_ticks;
	__atomic_store_n(&s->ops, s->ops + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes, s->bytes + srt_bdev_io_bytes(io), __ATOMIC_RELAXED);
	__atomic_store_n(&s->latency_ticks, s->latency_ticks + latency, __ATOMIC_RELAXED);
	if (latency > s->max_latency_ticks)
		__atomic_store_n(&s->max_latency_ticks, latency, __ATOMIC_RELAXED);
}

/* channel.c: adds a chunk of I/O objects to the pool; false at the limit or out of memory. */
bool srt_bdev_mgmt_grow(struct srt_bdev_mgmt *mgmt);

/* Whether the pool is dry for good: nothing free and no room to grow (-ENOMEM for the user). */
static inline bool srt_bdev_mgmt_exhausted(const struct srt_bdev_mgmt *mgmt)
{
	return STAILQ_EMPTY(&mgmt->free) && mgmt->allocated >= mgmt->pool_size;
}

static inline struct spdkrt_bdev_io *srt_bdev_io_get(struct srt_bdev_mgmt *mgmt)
{
	struct spdkrt_bdev_io *io = STAILQ_FIRST(&mgmt->free);

	if (__builtin_expect(io == NULL, 0)) {
		if (!srt_bdev_mgmt_grow(mgmt))
			return NULL;
		io = STAILQ_FIRST(&mgmt->free);
	}
	STAILQ_REMOVE_HEAD(&mgmt->free, link);
	return io;
}

static inline void srt_bdev_io_put(struct srt_bdev_mgmt *mgmt, struct spdkrt_bdev_io *io)
{
	STAILQ_INSERT_HEAD(&mgmt->free, io, link);
}

#endif
