/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Process environment: initialisation over DPDK, DMA-safe memory, cores and NUMA.
 *
 * The environment is initialised once per process (DPDK's EAL cannot be initialised again,
 * not even after spdkrt_env_fini()). spdkrt_app_run() initialises it for programs that use the
 * bundled reactors; a library user that drives its own threads calls spdkrt_env_init() itself.
 */
#ifndef SPDKRT_ENV_H
#define SPDKRT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spdkrt/api.h>

SPDKRT_BEGIN_DECLS

/** Any NUMA socket, for spdkrt_dma_malloc(). */
#define SPDKRT_ENV_SOCKET_ANY (-1)
/** Returned by core queries when there is no such core. */
#define SPDKRT_ENV_CORE_INVALID UINT32_MAX
/** Returned by spdkrt_dma_iova() and spdkrt_vtophys() for memory that is not DMA-safe. */
#define SPDKRT_IOVA_INVALID UINT64_MAX

/** How device addresses (IOVAs) relate to the process's memory. */
enum spdkrt_iova_mode {
	SPDKRT_IOVA_MODE_AUTO = 0, /**< let DPDK choose (VA with an IOMMU, else PA) */
	SPDKRT_IOVA_MODE_PA = 1,   /**< IOVA = physical address */
	SPDKRT_IOVA_MODE_VA = 2,   /**< IOVA = virtual address */
};

/** Options of spdkrt_env_init(); initialise with spdkrt_env_opts_init(). */
struct spdkrt_env_opts {
	/** sizeof(struct spdkrt_env_opts) as the caller knows it; set by spdkrt_env_opts_init(). */
	size_t size;
	/** Process name shown in DPDK's logs. Default "spdkrt". */
	const char *name;
	/**
	 * Cores to use: a hexadecimal mask ("0x3") or a list with ranges ("0-1,4"). NULL: the
	 * first core the calling thread may run on.
	 */
	const char *core_mask;
	/** Main core (runs spdkrt_app_run's start function); -1: the first core of core_mask. */
	int main_core;
	/** Memory to reserve in MiB; 0: 1024 with no_huge, else DPDK's default (on demand). */
	size_t mem_size_mb;
	/** Use ordinary pages instead of hugepages (no DMA to real devices; always IOVA = VA). */
	bool no_huge;
	/** hugetlbfs mount to use; NULL: the first one found. */
	const char *hugepage_dir;
	/** IOVA mode; see enum spdkrt_iova_mode. */
	enum spdkrt_iova_mode iova_mode;
	/** Memory per NUMA socket in MiB, comma-separated ("1024,1024"); NULL: not set. */
	const char *socket_mem;
	/** PCI addresses ("0000:00:04.0") spdkrt drivers may use; NULL/0: any. */
	const char *const *pci_allowed;
	/** Number of entries in pci_allowed. */
	size_t num_pci_allowed;
	/**
	 * Prefix of DPDK's runtime files, so that two processes can coexist. NULL: a prefix unique
	 * to this process ("spdkrt<pid>"), whose runtime directory is removed by spdkrt_env_fini().
	 */
	const char *file_prefix;
	/** Extra DPDK EAL arguments, passed last and unchecked (for experts). */
	const char *const *eal_args;
	/** Number of entries in eal_args. */
	size_t num_eal_args;
};

/**
 * Fill opts with the defaults.
 *
 * @param opts the options to initialise
 * @param size sizeof(*opts) as the caller was compiled with
 * @return 0, or -EINVAL if opts is NULL or size is too small to hold the size field.
 */
SPDKRT_API int spdkrt_env_opts_init(struct spdkrt_env_opts *opts, size_t size);

/**
 * Initialise the environment (DPDK's EAL). The caller's CPU affinity is left as it was.
 *
 * @return 0; -EALREADY when already initialised; -ENOTSUP after spdkrt_env_fini() or a failed
 *	attempt (DPDK initialises once per process); -EINVAL for bad options; -ENOMEM when no
 *	hugepages are available (the log says how to reserve them or to set no_huge); another
 *	negative errno when DPDK fails (the log says why).
 */
SPDKRT_API int spdkrt_env_init(const struct spdkrt_env_opts *opts);

/** @return true between a successful spdkrt_env_init() and spdkrt_env_fini(). */
SPDKRT_API bool spdkrt_env_is_initialized(void);

/**
 * Release the environment. Every DMA buffer must have been freed. Afterwards the environment
 * cannot be initialised again in this process. While bdevs exist (their memory is the
 * environment's) it refuses, with a log line naming them, and the environment stays up.
 */
SPDKRT_API void spdkrt_env_fini(void);

/**
 * Allocate DMA-safe memory (pinned, with a device address).
 *
 * @param size bytes, > 0
 * @param align alignment, a power of two, or 0 for the default (64 bytes)
 * @param socket NUMA socket, or SPDKRT_ENV_SOCKET_ANY
 * @return the buffer, or NULL (bad arguments, no environment, or out of memory; logged).
 */
SPDKRT_API void *spdkrt_dma_malloc(size_t size, size_t align, int socket);

/** As spdkrt_dma_malloc(), with the memory zeroed. */
SPDKRT_API void *spdkrt_dma_zmalloc(size_t size, size_t align, int socket);

/** Free a buffer from spdkrt_dma_malloc()/spdkrt_dma_zmalloc(). NULL is ignored. */
SPDKRT_API void spdkrt_dma_free(void *buf);

/**
 * Device address of a byte of DMA-safe memory.
 *
 * @return the IOVA of ptr, or SPDKRT_IOVA_INVALID when ptr is not inside a DMA buffer.
 */
SPDKRT_API uint64_t spdkrt_dma_iova(const void *ptr);

/**
 * Allocate DMA-safe memory that is one IOVA-contiguous run (device queues, rings, anything a
 * device addresses by one base address), unlike spdkrt_dma_malloc() whose buffers may change
 * IOVA at page boundaries. Free it with spdkrt_dma_free().
 *
 * @param size bytes, > 0
 * @param align alignment, a power of two, or 0 for the default (64 bytes)
 * @param socket NUMA socket, or SPDKRT_ENV_SOCKET_ANY
 * @return the buffer, or NULL (bad arguments, no environment, or no contiguous memory; logged).
 */
SPDKRT_API void *spdkrt_dma_malloc_contig(size_t size, size_t align, int socket);

/** As spdkrt_dma_malloc_contig(), with the memory zeroed. */
SPDKRT_API void *spdkrt_dma_zmalloc_contig(size_t size, size_t align, int socket);

/**
 * Translate an address for a device: the IOVA of @p ptr and how many bytes from there stay
 * IOVA-contiguous, so that PRP lists and scatter-gather lists are built one run at a time.
 * Works on memory from spdkrt_dma_malloc() and friends and on spdkrt_mem_register()ed regions;
 * every other address is not DMA-safe. Costs one lookup per page walked.
 *
 * @param ptr the address
 * @param len NULL, or in: the bytes wanted from @p ptr (0: as many as there are); out: how many
 *	of them are IOVA-contiguous from @p ptr (at least 1 unless the IOVA is invalid, then 0)
 * @return the IOVA, or SPDKRT_IOVA_INVALID (NULL, no environment, or not DMA-safe memory).
 */
SPDKRT_API uint64_t spdkrt_vtophys(const void *ptr, size_t *len);

/**
 * Make an application's own memory usable for DMA, so that its buffers reach devices without
 * copies. The region must stay mapped (and, with IOVA = PA, must be hugepage-backed) until
 * spdkrt_mem_unregister().
 *
 * @param vaddr start, a multiple of 2 MiB
 * @param len bytes, a non-zero multiple of 2 MiB
 * @return 0; -EINVAL (alignment, NULL, or memory spdkrt already owns); -EEXIST (overlaps a
 *	registered region); -ENODEV (no environment); another negative errno (logged).
 */
SPDKRT_API int spdkrt_mem_register(void *vaddr, size_t len);

/**
 * Undo spdkrt_mem_register() of exactly this region. Devices must no longer use it.
 * @return 0, -EINVAL (not a registered region, or bad arguments), -ENODEV (no environment).
 */
SPDKRT_API int spdkrt_mem_unregister(void *vaddr, size_t len);

/** @return the number of cores the environment uses (0 before initialisation). */
SPDKRT_API uint32_t spdkrt_env_get_core_count(void);

/** @return the first core, or SPDKRT_ENV_CORE_INVALID. */
SPDKRT_API uint32_t spdkrt_env_get_first_core(void);

/** @return the core after prev, or SPDKRT_ENV_CORE_INVALID after the last one. */
SPDKRT_API uint32_t spdkrt_env_get_next_core(uint32_t prev);

/** @return the main core, or SPDKRT_ENV_CORE_INVALID before initialisation. */
SPDKRT_API uint32_t spdkrt_env_get_main_core(void);

/** @return the environment core the calling OS thread runs as, or SPDKRT_ENV_CORE_INVALID. */
SPDKRT_API uint32_t spdkrt_env_get_current_core(void);

/** @return the NUMA socket of a core, or -EINVAL for a core the environment does not use. */
SPDKRT_API int spdkrt_env_get_socket_id(uint32_t core);

/** @return the number of NUMA nodes of the machine (1 without NUMA support). */
SPDKRT_API uint32_t spdkrt_env_get_numa_node_count(void);

SPDKRT_END_DECLS

#endif /* SPDKRT_ENV_H */
