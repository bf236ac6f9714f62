/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The env's internal backend interface: DPDK in production; a heap backend (ordinary memory,
 * IOVA = VA, workers on pthreads) that upper layers' unit tests and model devices use.
 */
#ifndef SRT_ENV_BACKEND_H
#define SRT_ENV_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include <spdkrt/env.h>

#include "env/cores.h"

/* Options after validation, in the form backends need. */
struct srt_env_config {
	const char *name;
	struct srt_core_set cores;
	uint32_t main_core;
	size_t mem_size_mb;
	bool no_huge;
	const char *hugepage_dir;
	enum spdkrt_iova_mode iova_mode;
	const char *socket_mem;
	const char *file_prefix; /* NULL: make a unique one */
	const char *const *eal_args;
	size_t num_eal_args;
};

struct srt_env_backend {
	const char *name;
	/* DPDK's EAL cannot be initialised again after fini or a failed init. */
	bool once_per_process;
	int (*init)(const struct srt_env_config *config);
	void (*fini)(void);
	void *(*dma_malloc)(size_t size, size_t align, int socket);
	void (*dma_free)(void *buf);
	uint64_t (*dma_iova)(const void *ptr);
	uint32_t (*current_core)(void);
	int (*socket_of_core)(uint32_t core);
	/* Run fn(arg) on a worker core (not the main one); wait joins it and gives its result. */
	int (*launch)(uint32_t core, int (*fn)(void *arg), void *arg);
	int (*wait)(uint32_t core);
};

extern const struct srt_env_backend srt_env_dpdk_backend;
extern const struct srt_env_backend srt_env_heap_backend;

/*
 * Choose the backend used by the next spdkrt_env_init() (tests only; the default is DPDK).
 * Returns -EBUSY while an environment is initialised.
 */
int srt_env_set_backend(const struct srt_env_backend *backend);

/* Run fn(arg) on worker core `core` / wait for it; -EINVAL for a core not in the env. */
int srt_env_launch(uint32_t core, int (*fn)(void *arg), void *arg);
int srt_env_wait(uint32_t core);

#endif
