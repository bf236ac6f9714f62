/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test env backend: DMA memory from an arena whose IOVAs differ from its VAs (heap_dma.c),
 * worker cores as pthreads.
 * It lets unit tests of the upper layers and of drivers running against model devices use the
 * whole env API in any process, any number of times.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "env/backend.h"
#include "env/heap_dma.h"

struct heap_worker {
	pthread_t tid;
	bool running;
	int (*fn)(void *arg);
	void *arg;
	uint32_t core;
	int result;
};

static struct heap_worker g_workers[SRT_MAX_CORES];
static __thread uint32_t t_current_core = SPDKRT_ENV_CORE_INVALID;

static int heap_init(const struct srt_env_config *config)
{
	int rc = srt_heap_dma_init(config->mem_size_mb);

	if (rc == 0)
		t_current_core = config->main_core;
	return rc;
}

static void heap_fini(void)
{
	srt_heap_dma_fini();
	t_current_core = SPDKRT_ENV_CORE_INVALID;
}

static void *heap_dma_malloc(size_t size, size_t align, int socket, bool contig)
{
	(void)socket;
	return srt_heap_dma_malloc(size, align, contig);
}

static void heap_dma_free(void *buf)
{
	srt_heap_dma_free(buf);
}

static uint64_t heap_dma_translate(const void *ptr, size_t want, size_t *contiguous)
{
	(void)want; /* the arena knows every run's length: no walk to bound */
	return srt_heap_dma_translate(ptr, contiguous);
}

static enum spdkrt_iova_mode heap_iova_mode(void)
{
	return SPDKRT_IOVA_MODE_VA; /* IOVAs are made up: nothing is physical */
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
	.dma_translate = heap_dma_translate,
	.mem_register = srt_heap_dma_register,
	.mem_unregister = srt_heap_dma_unregister,
	.iova_to_vaddr = srt_heap_dma_iova_to_vaddr,
	.iova_mode = heap_iova_mode,
	.current_core = heap_current_core,
	.socket_of_core = heap_socket_of_core,
	.launch = heap_launch,
	.wait = heap_wait,
};
