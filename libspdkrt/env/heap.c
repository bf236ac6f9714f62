/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test env backend: DMA buffers from the heap with IOVA = VA, worker cores as pthreads.
 * It lets unit tests of the upper layers and of drivers running against model devices use the
 * whole env API in any process, any number of times.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "env/backend.h"

struct heap_buffer {
	struct heap_buffer *next;
	char *start;
	size_t size;
};

struct heap_worker {
	pthread_t tid;
	bool running;
	int (*fn)(void *arg);
	void *arg;
	uint32_t core;
	int result;
};

static pthread_mutex_t g_heap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct heap_buffer *g_buffers;
static struct heap_worker g_workers[SRT_MAX_CORES];
static __thread uint32_t t_current_core = SPDKRT_ENV_CORE_INVALID;

static int heap_init(const struct srt_env_config *config)
{
	t_current_core = config->main_core;
	return 0;
}

static void heap_fini(void)
{
	pthread_mutex_lock(&g_heap_lock);
	while (g_buffers != NULL) { /* leaked by the caller: still release them */
		struct heap_buffer *b = g_buffers;

		g_buffers = b->next;
		free(b->start);
		free(b);
	}
	pthread_mutex_unlock(&g_heap_lock);
	t_current_core = SPDKRT_ENV_CORE_INVALID;
}

static void *heap_dma_malloc(size_t size, size_t align, int socket)
{
	struct heap_buffer *b = calloc(1, sizeof(*b));
	size_t rounded = (size + align - 1) & ~(align - 1);

	(void)socket;
	if (b == NULL)
		return NULL;
	b->start = aligned_alloc(align, rounded);
	if (b->start == NULL) {
		free(b);
		return NULL;
	}
	b->size = size;
	pthread_mutex_lock(&g_heap_lock);
	b->next = g_buffers;
	g_buffers = b;
	pthread_mutex_unlock(&g_heap_lock);
	return b->start;
}

static void heap_dma_free(void *buf)
{
	struct heap_buffer **link, *found = NULL;

	pthread_mutex_lock(&g_heap_lock);
	for (link = &g_buffers; *link != NULL; link = &(*link)->next) {
		if ((*link)->start == buf) {
			found = *link;
			*link = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&g_heap_lock);
	if (found != NULL) {
		free(found->start);
		free(found);
	}
}

static uint64_t heap_dma_iova(const void *ptr)
{
	uint64_t iova = SPDKRT_IOVA_INVALID;
	const char *p = ptr;

	pthread_mutex_lock(&g_heap_lock);
	for (struct heap_buffer *b = g_buffers; b != NULL; b = b->next) {
		if (p >= b->start && p < b->start + b->size) {
			iova = (uint64_t)(uintptr_t)p;
			break;
		}
	}
	pthread_mutex_unlock(&g_heap_lock);
	return iova;
}

static uint32_t heap_current_core(void)
{
	return t_current_core;
}

static int heap_socket_of_core(uint32_t core)
{
	(void)core;
	return 0;
}

static void *worker_main(void *arg)
{
	struct heap_worker *w = arg;

	t_current_core = w->core;
	w->result = w->fn(w->arg);
	return NULL;
}

static int heap_launch(uint32_t core, int (*fn)(void *arg), void *arg)
{
	struct heap_worker *w = &g_workers[core];

	if (w->running)
		return -EBUSY;
	w->fn = fn;
	w->arg = arg;
	w->core = core;
	if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
		return -EAGAIN;
	w->running = true;
	return 0;
}

static int heap_wait(uint32_t core)
{
	struct heap_worker *w = &g_workers[core];

	if (!w->running)
		return 0;
	pthread_join(w->tid, NULL);
	w->running = false;
	return w->result;
}

const struct srt_env_backend srt_env_heap_backend = {
	.name = "heap",
	.once_per_process = false,
	.init = heap_init,
	.fini = heap_fini,
	.dma_malloc = heap_dma_malloc,
	.dma_free = heap_dma_free,
	.dma_iova = heap_dma_iova,
	.current_core = heap_current_core,
	.socket_of_core = heap_socket_of_core,
	.launch = heap_launch,
	.wait = heap_wait,
};
