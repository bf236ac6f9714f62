/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdev channels and the per-thread I/O pool. A bdev channel owns the deferred-completion queue:
 * completions made during a submit wait there, and the channel is scheduled on its thread only
 * when the queue goes from empty to non-empty (an intrusive work item: no lock, no message).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bdev/core.h"

#define SRT_LOG_COMPONENT "bdev"
#include "util/log.h"

#define DEFAULT_IO_POOL_SIZE 8192

static struct spdkrt_bdev_opts g_opts = {
	.size = sizeof(struct spdkrt_bdev_opts),
	.io_pool_size = DEFAULT_IO_POOL_SIZE,
};
static int g_mgmt_io_device; /* its address identifies the per-thread pool device */
static pthread_once_t g_mgmt_once = PTHREAD_ONCE_INIT;
static _Atomic uint32_t g_num_mgmt_channels;

int spdkrt_bdev_opts_init(struct spdkrt_bdev_opts *opts, size_t size)
{
	if (opts == NULL || size < sizeof(opts->size)) {
		SRT_ERR("spdkrt_bdev_opts_init: opts is NULL or size %zu is too small", size);
		return -EINVAL;
	}
	pthread_mutex_lock(&srt_bdev_lock);
	memcpy(opts, &g_opts, size < sizeof(g_opts) ? size : sizeof(g_opts));
	pthread_mutex_unlock(&srt_bdev_lock);
	opts->size = size < sizeof(g_opts) ? size : sizeof(g_opts);
	return 0;
}

int spdkrt_bdev_set_opts(const struct spdkrt_bdev_opts *opts)
{
	struct spdkrt_bdev_opts next = g_opts;
	int rc = 0;

	if (opts == NULL || opts->size < sizeof(opts->size)) {
		SRT_ERR("spdkrt_bdev_set_opts: opts is NULL or opts.size is not set");
		return -EINVAL;
	}
	memcpy(&next, opts, opts->size < sizeof(next) ? opts->size : sizeof(next));
	next.size = sizeof(next);
	if (next.io_pool_size < 16 || next.io_pool_size > (1u << 20)) {
		SRT_ERR("spdkrt_bdev_set_opts: io_pool_size %u is outside 16..1048576",
			next.io_pool_size);
		return -EINVAL;
	}
	pthread_mutex_lock(&srt_bdev_lock);
	if (atomic_load(&g_num_mgmt_channels) != 0) {
		SRT_ERR("spdkrt_bdev_set_opts: bdev channels exist; set options before the first");
		rc = -EBUSY;
	} else {
		g_opts = next;
	}
	pthread_mutex_unlock(&srt_bdev_lock);
	return rc;
}

/* I/O objects are made this many at a time, as a thread needs them (not 3 MiB up front). */
#define POOL_CHUNK 256

bool srt_bdev_mgmt_grow(struct srt_bdev_mgmt *mgmt)
{
	uint32_t n = mgmt->pool_size - mgmt->allocated;
	struct spdkrt_bdev_io *ios;

	if (n == 0)
		return false;
	if (n > POOL_CHUNK)
		n = POOL_CHUNK;
	ios = aligned_alloc(64, ((size_t)n * sizeof(*ios) + 63) & ~(size_t)63);
	if (ios == NULL) {
		SRT_ERR("bdev I/O pool of thread '%s': out of memory after %u I/O objects; it "
			"stays at that size",
			spdkrt_thread_get_name(srt_current_thread), mgmt->allocated);
		mgmt->pool_size = mgmt->allocated; /* -ENOMEM from now on: waiters are woken */
		return false;
	}
	memset(ios, 0, (size_t)n * sizeof(*ios));
	mgmt->chunks[mgmt->num_chunks++] = ios;
	mgmt->allocated += n;
	for (uint32_t i = n; i > 0; i--)
		STAILQ_INSERT_HEAD(&mgmt->free, &ios[i - 1], link);
	return true;
}

static int mgmt_create(void *io_device, void *ctx)
{
	struct srt_bdev_mgmt *mgmt = ctx;
	uint32_t n;

	(void)io_device;
	pthread_mutex_lock(&srt_bdev_lock);
	n = g_opts.io_pool_size;
	atomic_fetch_add(&g_num_mgmt_channels, 1);
	pthread_mutex_unlock(&srt_bdev_lock);
	mgmt->chunks = calloc((n + POOL_CHUNK - 1) / POOL_CHUNK, sizeof(*mgmt->chunks));
	if (mgmt->chunks == NULL) {
		atomic_fetch_sub(&g_num_mgmt_channels, 1);
		return -ENOMEM;
	}
	mgmt->pool_size = n;
	STAILQ_INIT(&mgmt->free);
	STAILQ_INIT(&mgmt->nomem);
	return 0;
}

static void mgmt_destroy(void *io_device, void *ctx)
{
	struct srt_bdev_mgmt *mgmt = ctx;

	(void)io_device;
	for (uint32_t i = 0; i < mgmt->num_chunks; i++)
		free(mgmt->chunks[i]);
	free(mgmt->chunks);
	atomic_fetch_sub(&g_num_mgmt_channels, 1);
}

struct srt_bdev_mgmt *srt_bdev_current_mgmt(void)
{
	struct spdkrt_io_channel *ch;

	if (srt_current_thread == NULL)
		return NULL;
	ch = srt_thread_find_channel(srt_current_thread, &g_mgmt_io_device);
	return ch != NULL ? spdkrt_io_channel_get_ctx(ch) : NULL;
}

static void mgmt_register(void)
{
	spdkrt_io_device_register(&g_mgmt_io_device, mgmt_create, mgmt_destroy,
				  sizeof(struct srt_bdev_mgmt), "bdev_io_pool");
}

/*
 * The channel's own work item: delivers deferred completions and, once an orphaned channel's
 * last I/O is done, frees it (here, never inside a delivery that still walks its queue).
 */
static void drain_work(struct srt_thread_work *work)
{
	struct srt_bdev_channel *ch = container_of(work, struct srt_bdev_channel, drain);

	srt_bdev_drain_deferred(ch);
	if (ch->orphaned && ch->outstanding == 0 && STAILQ_EMPTY(&ch->deferred))
		srt_bdev_channel_free(ch);
}

int srt_bdev_channel_create(void *io_device, void *ctx)
{
	struct spdkrt_bdev *bdev = io_device;
	struct srt_bdev_channel *ch;

	pthread_once(&g_mgmt_once, mgmt_register);
	ch = aligned_alloc(64, (sizeof(*ch) + 63) & ~(size_t)63);
	if (ch == NULL)
		return -ENOMEM;
	memset(ch, 0, sizeof(*ch));
	ch->mgmt_ch = spdkrt_get_io_channel(&g_mgmt_io_device);
	if (ch->mgmt_ch == NULL) {
		free(ch);
		return -ENOMEM;
	}
	ch->bdev = bdev;
	ch->io_ch = srt_io_channel_from_ctx(ctx);
	ch->mgmt = spdkrt_io_channel_get_ctx(ch->mgmt_ch);
	ch->thread = srt_current_thread;
	ch->submit = bdev->fn->submit;
	STAILQ_INIT(&ch->deferred);
	STAILQ_INIT(&ch->frozen_queue);
	ch->frozen = atomic_load(&bdev->frozen);
	ch->drain.fn = drain_work;
	if (bdev->fn->get_io_channel != NULL) {
		ch->module_ch = bdev->fn->get_io_channel(bdev->ctx);
		if (ch->module_ch == NULL) {
			spdkrt_put_io_channel(ch->mgmt_ch);
			free(ch);
			SRT_ERR("bdev '%s': module '%s' gave no channel", bdev->name,
				bdev->module->name);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_INSERT_TAIL(&bdev->channels, ch, link);
	pthread_mutex_unlock(&srt_bdev_lock);
	*(struct srt_bdev_channel **)ctx = ch;
	return 0;
}

void srt_bdev_channel_free(struct srt_bdev_channel *ch)
{
	struct spdkrt_bdev *bdev = ch->bdev;
	bool last_of_released;

	srt_thread_unschedule(ch->thread, &ch->drain);
	pthread_mutex_lock(&srt_bdev_lock);
	TAILQ_REMOVE(&bdev->channels, ch, link);
	srt_bdev_stats_add(&bdev->released_stats, &ch->stats);
	last_of_released = bdev->channels_released && TAILQ_EMPTY(&bdev->channels);
	pthread_mutex_unlock(&srt_bdev_lock);
	if (ch->module_ch != NULL)
		spdkrt_put_io_channel(ch->module_ch);
	spdkrt_put_io_channel(ch->mgmt_ch);
	free(ch);
	/* An orphan kept its bdev alive: it was the last user, the bdev may go now. */
	if (last_of_released)
		srt_bdev_orphans_gone(bdev);
}

void srt_bdev_channel_destroy(void *io_device, void *ctx)
{
	struct srt_bdev_channel *ch = *(struct srt_bdev_channel **)ctx;

	(void)io_device;
	/* Completions still queued are delivered before the channel goes. */
	srt_thread_unschedule(ch->thread, &ch->drain);
	while (!STAILQ_EMPTY(&ch->deferred))
		srt_bdev_drain_deferred(ch);
	if (!STAILQ_EMPTY(&ch->frozen_queue))
		srt_bdev_cancel_held(ch);
	if (ch->outstanding != 0) {
		/* The module still owns some I/O: keep the channel until they complete. */
		ch->orphaned = true;
		ch->io_ch = NULL;
		return;
	}
	srt_bdev_channel_free(ch);
}

int spdkrt_bdev_get_io_channel_ext(struct spdkrt_bdev_desc *desc, struct spdkrt_io_channel **ch)
{
	if (ch == NULL) {
		SRT_ERR("spdkrt_bdev_get_io_channel_ext: ch is NULL");
		return -EINVAL;
	}
	*ch = NULL;
	if (desc == NULL) {
		SRT_ERR("spdkrt_bdev_get_io_channel: desc is NULL");
		return -EINVAL;
	}
	if (!srt_bdev_desc_is_open(desc)) {
		SRT_MISUSE("spdkrt_bdev_get_io_channel: %p is not an open descriptor (closed "
			   "already?)",
			   (void *)desc);
		return -EINVAL;
	}
	return srt_get_io_channel(desc->bdev, ch);
}

struct spdkrt_io_channel *spdkrt_bdev_get_io_channel(struct spdkrt_bdev_desc *desc)
{
	struct spdkrt_io_channel *ch = NULL;

	spdkrt_bdev_get_io_channel_ext(desc, &ch);
	return ch;
}
