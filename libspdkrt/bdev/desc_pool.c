/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Descriptor memory. A closed descriptor goes to a free list, never back to malloc: a handle the
 * application still holds after spdkrt_bdev_close() points at a closed descriptor (or one a
 * later open reuses), never at freed memory, so the I/O path checks it with one load of its
 * magic instead of a registry walk. Reuse is first-in first-out, to keep a stale handle closed
 * for as long as possible.
 */
#include <stdlib.h>
#include <string.h>

#include "bdev/core.h"

static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdkrt_bdev_desc) g_free = TAILQ_HEAD_INITIALIZER(g_free);

struct spdkrt_bdev_desc *srt_bdev_desc_alloc(void)
{
	struct spdkrt_bdev_desc *desc;

	pthread_mutex_lock(&g_pool_lock);
	desc = TAILQ_FIRST(&g_free);
	if (desc != NULL)
		TAILQ_REMOVE(&g_free, desc, link);
	pthread_mutex_unlock(&g_pool_lock);
	if (desc == NULL)
		return calloc(1, sizeof(*desc));
	memset(desc, 0, sizeof(*desc));
	return desc;
}

void srt_bdev_desc_free(struct spdkrt_bdev_desc *desc)
{
	atomic_store_explicit(&desc->magic, 0, memory_order_relaxed);
	pthread_mutex_lock(&g_pool_lock);
	TAILQ_INSERT_TAIL(&g_free, desc, link);
	pthread_mutex_unlock(&g_pool_lock);
}
