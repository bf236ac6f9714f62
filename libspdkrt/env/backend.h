/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The env's internal backend interface: DPDK in production; a heap backend (an arena whose IOVAs
 * differ from its VAs, workers on pthreads) that upper layers' unit tests and model devices use.
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
	/* once_per_process: true once a failed init has used the one chance (NULL: any has). */
	bool (*consumed)(void);
	int (*init)(const struct srt_env_config *config);
	void (*fini)(void);
	/* contig: the whole buffer is one IOVA run (queues, rings). */
	void *(*dma_malloc)(size_t size, size_t align, int socket, bool contig);
	void (*dma_free)(void *buf);
	/*
	 * IOVA of ptr, or SPDKRT_IOVA_INVALID. *contiguous: bytes from ptr that stay IOVA-contiguous
	 * (> 0); a backend that walks pages may stop once it has found `want` bytes.
	 */
	uint64_t (*dma_translate)(const void *ptr, size_t want, size_t *contiguous);
	/* Application memory for DMA; arguments already checked (2 MiB multiples). */
	int (*mem_register)(void *vaddr, size_t len);
	int (*mem_unregister)(void *vaddr, size_t len);
	/* For models: VA of [iova, iova + len) if DMA memory contiguous in VA, else NULL. */
	void *(*iova_to_vaddr)(uint64_t iova, size_t len);
	/* The IOVA mode in effect (PA or VA). */
	enum spdkrt_iova_mode (*iova_mode)(void);
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

/* True while the environment is initialised over DPDK (the vfio provider needs its EAL). */
bool srt_env_uses_dpdk(void);
/* The IOVA mode of the initialised environment (PA or VA); AUTO when it is not initialised. */
enum spdkrt_iova_mode srt_env_iova_mode(void);

/* Run fn(arg) on worker core `core` / wait for it; -EINVAL for a core not in the env. */
int srt_env_launch(uint32_t core, int (*fn)(void *arg), void *arg);
int srt_env_wait(uint32_t core);

#endif
