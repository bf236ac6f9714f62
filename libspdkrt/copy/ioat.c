/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/OAT copy engine: the first reference attaches every I/OAT channel into a pool; each
 * thread's copy channel takes one of them for itself (I/OAT channels have no locks) and a poller
 * on that thread processes its completions. A thread that finds the pool empty copies with the
 * CPU (said once in the log), and so does a request the channel cannot take: a buffer that is
 * not DMA-safe, or a full ring.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt/env.h>
#include <spdkrt/ioat.h>
#include <spdkrt/thread.h>

#include "copy/engine.h"
#include "ioat/internal.h"

#define SRT_LOG_COMPONENT "copy"
#include "util/log.h"

struct pool_entry {
	struct spdkrt_ioat_chan *chan;
	bool in_use;
};

static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_entry *g_pool;
static size_t g_pool_count, g_pool_cap;
static bool g_told_pool_empty;

struct ioat_copy_channel {
	struct srt_copy_channel base;
	struct pool_entry *entry;
	struct spdkrt_poller *poller;
};

static void pool_add(void *cb_ctx, const struct spdkrt_pci_addr *addr,
		     struct spdkrt_ioat_chan *chan)
{
	(void)cb_ctx;
	(void)addr;
	if (g_pool_count == g_pool_cap) {
		size_t cap = g_pool_cap ? 2 * g_pool_cap : 8;
		struct pool_entry *p = realloc(g_pool, cap * sizeof(*p));

		if (p == NULL) {
			SRT_ERR("copy engine 'ioat': out of memory; a channel is left unused");
			spdkrt_ioat_detach(chan);
			return;
		}
		g_pool = p;
		g_pool_cap = cap;
	}
	g_pool[g_pool_count++] = (struct pool_entry){ .chan = chan, .in_use = false };
}

static void ioat_release(void)
{
	size_t i;

	pthread_mutex_lock(&g_pool_lock);
	for (i = 0; i < g_pool_count; i++) {
		if (g_pool[i].in_use)
			SRT_ERR("copy engine 'ioat': a channel is still open at release");
		spdkrt_ioat_detach(g_pool[i].chan);
	}
	free(g_pool);
	g_pool = NULL;
	g_pool_count = g_pool_cap = 0;
	pthread_mutex_unlock(&g_pool_lock);
}

static int ioat_acquire(void)
{
	int rc;

	pthread_mutex_lock(&g_pool_lock);
	g_told_pool_empty = false;
	rc = spdkrt_ioat_probe(NULL, NULL, pool_add);
	pthread_mutex_unlock(&g_pool_lock);
	if (rc >= 0 && g_pool_count == 0) {
		SRT_ERR("copy engine 'ioat': no I/OAT channel could be attached (none in this "
			"machine, or none bound to vfio-pci/uio_pci_generic: run spdkrt-setup config)");
		rc = -ENODEV;
	}
	if (rc < 0) {
		ioat_release();
		return rc;
	}
	SRT_INFO("copy engine 'ioat': %zu channel(s) attached", g_pool_count);
	return 0;
}

static int ioat_copy_poll(void *arg)
{
	struct ioat_copy_channel *ch = arg;
	int n = spdkrt_ioat_process_events(ch->entry->chan);

	return n > 0 ? SPDKRT_POLLER_BUSY : SPDKRT_POLLER_IDLE;
}

static int ioat_open(struct srt_copy_channel **out)
{
	struct ioat_copy_channel *ch;
	size_t i;
	int rc;

	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&g_pool_lock);
	for (i = 0; i < g_pool_count && ch->entry == NULL; i++) {
		if (!g_pool[i].in_use) {
			g_pool[i].in_use = true;
			ch->entry = &g_pool[i];
		}
	}
	if (ch->entry == NULL && !g_told_pool_empty) {
		g_told_pool_empty = true;
		SRT_WARN("copy engine 'ioat': all %zu channel(s) are taken by other threads; "
			 "this thread copies with the CPU",
			 g_pool_count);
	}
	pthread_mutex_unlock(&g_pool_lock);
	if (ch->entry == NULL) {
		free(ch);
		return srt_copy_cpu_backend.open(out);
	}
	ch->base.backend = &srt_copy_ioat_backend;
	rc = spdkrt_poller_register(ioat_copy_poll, ch, 0, &ch->poller);
	if (rc != 0) {
		pthread_mutex_lock(&g_pool_lock);
		ch->entry->in_use = false;
		pthread_mutex_unlock(&g_pool_lock);
		free(ch);
		return rc;
	}
	*out = &ch->base;
	return 0;
}

static void ioat_close(struct srt_copy_channel *base)
{
	struct ioat_copy_channel *ch = (struct ioat_copy_channel *)base;
	struct spdkrt_ioat_chan *chan = ch->entry->chan;

	/* Callers close only when nothing is in flight (the bdev core waits for its I/O). */
	if (chan->tail != chan->head)
		SRT_ERR("copy engine 'ioat': channel closed with %u descriptors in flight",
			chan->head - chan->tail);
	spdkrt_poller_unregister(&ch->poller);
	pthread_mutex_lock(&g_pool_lock);
	ch->entry->in_use = false;
	pthread_mutex_unlock(&g_pool_lock);
	free(ch);
}

static bool dma_safe(const void *p)
{
	return spdkrt_vtophys(p, NULL) != SPDKRT_IOVA_INVALID;
}

static int ioat_copy(struct srt_copy_channel *base, void *dst, const void *src, size_t n,
		     srt_copy_cb cb, void *cb_arg)
{
	struct ioat_copy_channel *ch = (struct ioat_copy_channel *)base;
	int rc;

	/* Buffers the device cannot reach (an application's own memory) are copied here. */
	if (!dma_safe(dst) || !dma_safe(src))
		return srt_copy_cpu_backend.copy(base, dst, src, n, cb, cb_arg);
	rc = spdkrt_ioat_build_copy(ch->entry->chan, cb_arg, cb, dst, src, n);
	if (rc == -EINVAL || rc == -ENOMEM)
		return srt_copy_cpu_backend.copy(base, dst, src, n, cb, cb_arg);
	return rc;
}

static int ioat_fill(struct srt_copy_channel *base, void *dst, uint8_t byte, size_t n,
		     srt_copy_cb cb, void *cb_arg)
{
	struct ioat_copy_channel *ch = (struct ioat_copy_channel *)base;
	int rc;

	if (!dma_safe(dst))
		return srt_copy_cpu_backend.fill(base, dst, byte, n, cb, cb_arg);
	rc = spdkrt_ioat_build_fill(ch->entry->chan, cb_arg, cb, dst, 0x0101010101010101ull * byte,
				    n);
	if (rc == -EINVAL || rc == -ENOMEM || rc == -ENOTSUP)
		return srt_copy_cpu_backend.fill(base, dst, byte, n, cb, cb_arg);
	return rc;
}

static void ioat_flush(struct srt_copy_channel *base)
{
	struct ioat_copy_channel *ch = (struct ioat_copy_channel *)base;

	spdkrt_ioat_flush(ch->entry->chan);
}

const struct srt_copy_backend srt_copy_ioat_backend = {
	.name = "ioat",
	.acquire = ioat_acquire,
	.release = ioat_release,
	.open = ioat_open,
	.close = ioat_close,
	.copy = ioat_copy,
	.fill = ioat_fill,
	.flush = ioat_flush,
};
