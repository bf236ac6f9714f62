/* SPDX-License-Identifier: BSD-3-Clause */
/* spdkrt_env_*: option validation, lifetime, and dispatch to the backend. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <numa.h>

#include "env/backend.h"

/* mem_size_mb when no_huge and none given (spdkrt/env.h). */
#define SRT_ENV_NO_HUGE_DEFAULT_MB 1024
#include "env/dma.h"
#include "env/pci.h"
#include "env/pci_allow.h"
#include "env/pci_hotplug.h"
#include "env/users.h"
#include "modules/builtin.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

enum env_state {
	ENV_UNINITIALIZED,
	ENV_READY,
	ENV_FINISHED
};

static pthread_mutex_t g_env_lock = PTHREAD_MUTEX_INITIALIZER;
static enum env_state g_state = ENV_UNINITIALIZED;
static const struct srt_env_backend *g_backend = &srt_env_dpdk_backend;
static struct srt_env_config g_config;

int srt_env_set_backend(const struct srt_env_backend *backend)
{
	int rc = 0;

	pthread_mutex_lock(&g_env_lock);
	if (g_state == ENV_READY)
		rc = -EBUSY;
	else {
		g_backend = backend;
		g_state = ENV_UNINITIALIZED;
	}
	pthread_mutex_unlock(&g_env_lock);
	return rc;
}

int spdkrt_env_opts_init(struct spdkrt_env_opts *opts, size_t size)
{
	struct spdkrt_env_opts defaults = {
		.name = "spdkrt",
		.main_core = -1,
		.iova_mode = SPDKRT_IOVA_MODE_AUTO,
	};

	if (opts == NULL || size < sizeof(opts->size)) {
		SRT_ERR("spdkrt_env_opts_init: opts is NULL or size %zu is too small", size);
		return -EINVAL;
	}
	defaults.size = size < sizeof(defaults) ? size : sizeof(defaults);
	memcpy(opts, &defaults, defaults.size);
	return 0;
}

static bool valid_file_prefix(const char *prefix)
{
	size_t len = strlen(prefix);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = prefix[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return prefix[0] != '.';
}

static bool valid_socket_mem(const char *text)
{
	bool digit = false;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (*p == ',' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

static int default_core(struct srt_core_set *cores)
{
	cpu_set_t allowed;

	memset(cores, 0, sizeof(*cores));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		srt_core_set_add(cores, 0);
		return 0;
	}
	for (uint32_t c = 0; c < CPU_SETSIZE && c < SRT_MAX_CORES; c++) {
		if (CPU_ISSET(c, &allowed)) {
			srt_core_set_add(cores, c);
			return 0;
		}
	}
	srt_core_set_add(cores, 0);
	return 0;
}

static uint64_t machine_memory_mb(void)
{
	long pages = get_phys_pages();
	long page_size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page_size <= 0)
		return UINT64_MAX; /* unknown: let DPDK judge */
	return ((uint64_t)pages * (uint64_t)page_size) >> 20;
}

/* Checks everything DPDK would reject, so that DPDK never prints its usage text. */
static int validate(const struct spdkrt_env_opts *user, struct srt_env_config *config)
{
	struct spdkrt_env_opts opts;
	uint32_t ncpus = (uint32_t)get_nprocs_conf();
	uint32_t last = 0;
	int rc;

	spdkrt_env_opts_init(&opts, sizeof(opts));
	if (user->size < sizeof(user->size)) {
		SRT_ERR("spdkrt_env_init: opts.size is %zu; call spdkrt_env_opts_init() first",
			user->size);
		return -EINVAL;
	}
	memcpy(&opts, user, user->size < sizeof(opts) ? user->size : sizeof(opts));
	memset(config, 0, sizeof(*config));

	if (opts.name == NULL || opts.name[0] == '\0') {
		SRT_ERR("spdkrt_env_init: name is empty");
		return -EINVAL;
	}
	config->name = opts.name;
	rc = opts.core_mask != NULL ? srt_core_set_parse(opts.core_mask, &config->cores) :
				      default_core(&config->cores);
	if (rc != 0)
		return rc;
	for (uint32_t c = srt_core_set_next(&config->cores, UINT32_MAX); c != UINT32_MAX;
	     c = srt_core_set_next(&config->cores, c)) {
		last = c;
	}
	if (last >= ncpus) {
		SRT_ERR("spdkrt_env_init: core %u does not exist (this machine has %u cores)", last,
			ncpus);
		return -EINVAL;
	}
	if (opts.main_core < 0)
		config->main_core = srt_core_set_next(&config->cores, UINT32_MAX);
	else if (!srt_core_set_has(&config->cores, (uint32_t)opts.main_core)) {
		SRT_ERR("spdkrt_env_init: main core %d is not in the core mask", opts.main_core);
		return -EINVAL;
	} else
		config->main_core = (uint32_t)opts.main_core;

	if ((unsigned)opts.iova_mode > SPDKRT_IOVA_MODE_VA) {
		SRT_ERR("spdkrt_env_init: invalid iova_mode %d", (int)opts.iova_mode);
		return -EINVAL;
	}
	if (opts.no_huge && opts.iova_mode == SPDKRT_IOVA_MODE_PA) {
		SRT_ERR("spdkrt_env_init: no_huge memory has no physical addresses; use IOVA mode VA "
			"or AUTO");
		return -EINVAL;
	}
	if (opts.socket_mem != NULL) {
		if (!valid_socket_mem(opts.socket_mem)) {
			SRT_ERR("spdkrt_env_init: socket_mem '%s' is not a comma-separated list of "
				"MiB",
				opts.socket_mem);
			return -EINVAL;
		}
		if (opts.no_huge || opts.mem_size_mb != 0) {
			SRT_ERR("spdkrt_env_init: socket_mem cannot be combined with no_huge or "
				"mem_size_mb");
			return -EINVAL;
		}
	}
	if (opts.mem_size_mb > (1u << 30)) {
		SRT_ERR("spdkrt_env_init: mem_size_mb %zu is too large", opts.mem_size_mb);
		return -EINVAL;
	}
	/* else DPDK fails with "Cannot allocate memseg list" in its own words */
	if (opts.mem_size_mb > machine_memory_mb()) {
		SRT_ERR("spdkrt_env_init: mem_size_mb %zu is more than this machine's memory (%llu "
			"MiB)",
			opts.mem_size_mb, (unsigned long long)machine_memory_mb());
		return -EINVAL;
	}
	if (opts.hugepage_dir != NULL) {
		struct stat st;

		if (opts.no_huge) {
			SRT_ERR("spdkrt_env_init: hugepage_dir given together with no_huge");
			return -EINVAL;
		}
		if (stat(opts.hugepage_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			SRT_ERR("spdkrt_env_init: hugepage_dir '%s' is not a directory",
				opts.hugepage_dir);
			return -EINVAL;
		}
	}
	if (opts.file_prefix != NULL && !valid_file_prefix(opts.file_prefix)) {
		SRT_ERR("spdkrt_env_init: file_prefix '%s' must be 1-64 characters of [A-Za-z0-9_.-]",
			opts.file_prefix);
		return -EINVAL;
	}
	if ((opts.num_eal_args > 0 && opts.eal_args == NULL) ||
	    (opts.num_pci_allowed > 0 && opts.pci_allowed == NULL)) {
		SRT_ERR("spdkrt_env_init: a count is set but its array is NULL");
		return -EINVAL;
	}
	for (size_t i = 0; i < opts.num_eal_args; i++) {
		if (opts.eal_args[i] == NULL) {
			SRT_ERR("spdkrt_env_init: eal_args[%zu] is NULL", i);
			return -EINVAL;
		}
	}
	rc = srt_pci_allow_set(opts.pci_allowed, opts.num_pci_allowed);
	if (rc != 0)
		return rc;

	config->mem_size_mb = opts.mem_size_mb;
	/*
	 * Ordinary memory costs nothing until touched, and DPDK cannot grow it later: a default
	 * large enough for the first malloc bdevs a user tries (measured: init takes as long with
	 * 1024 MiB as with 256).
	 */
	if (opts.no_huge && config->mem_size_mb == 0)
		config->mem_size_mb = SRT_ENV_NO_HUGE_DEFAULT_MB;
	config->no_huge = opts.no_huge;
	config->hugepage_dir = opts.hugepage_dir;
	config->iova_mode = opts.iova_mode;
	/* Like DPDK's own PCI bus, which runs with --no-pci here: uio devices need PA. */
	if (opts.iova_mode == SPDKRT_IOVA_MODE_AUTO && !opts.no_huge)
		config->iova_mode = srt_pci_iova_mode_hint();
	config->socket_mem = opts.socket_mem;
	config->file_prefix = opts.file_prefix;
	config->eal_args = opts.eal_args;
	config->num_eal_args = opts.num_eal_args;
	return 0;
}

int spdkrt_env_init(const struct spdkrt_env_opts *opts)
{
	struct srt_env_config config;
	int rc;

	if (opts == NULL) {
		SRT_ERR("spdkrt_env_init: opts is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_env_lock);
	if (g_state == ENV_READY) {
		SRT_ERR("spdkrt_env_init: the environment is already initialised");
		rc = -EALREADY;
		goto out;
	}
	if (g_state == ENV_FINISHED) {
		SRT_ERR("spdkrt_env_init: DPDK's environment initialises once per process and was "
			"already used (finished or failed); start a new process");
		rc = -ENOTSUP;
		goto out;
	}
	rc = validate(opts, &config);
	if (rc != 0)
		goto out;
	rc = g_backend->init(&config);
	if (rc != 0) {
		srt_pci_allow_set(NULL, 0);
		srt_pci_hotplug_close();
		/* an error found before DPDK ran (an option, no hugepages) leaves the retry open */
		if (g_backend->once_per_process &&
		    (g_backend->consumed == NULL || g_backend->consumed()))
			g_state = ENV_FINISHED;
		goto out;
	}
	g_config = config;
	g_state = ENV_READY;
	SRT_INFO("environment ready (%s backend, %u cores, main core %u)", g_backend->name,
		 srt_core_set_count(&config.cores), config.main_core);
out:
	pthread_mutex_unlock(&g_env_lock);
	/*
	 * The library composes itself here, explicitly (a constructor would be dropped by a
	 * static link): the built-in bdev modules register through the public module interface.
	 */
	if (rc == 0)
		srt_bdev_builtin_modules_register();
	return rc;
}

bool spdkrt_env_is_initialized(void)
{
	bool ready;

	pthread_mutex_lock(&g_env_lock);
	ready = g_state == ENV_READY;
	pthread_mutex_unlock(&g_env_lock);
	return ready;
}

#define MAX_USER_CHECKS 4
static srt_env_user_alive_fn g_user_checks[MAX_USER_CHECKS];

void srt_env_add_user_check(srt_env_user_alive_fn fn)
{
	for (size_t i = 0; i < MAX_USER_CHECKS; i++) {
		if (g_user_checks[i] == NULL) {
			g_user_checks[i] = fn;
			return;
		}
	}
}

/* Asked before taking the env lock: a user's check takes its own lock. */
static bool users_alive(void)
{
	char what[256];

	for (size_t i = 0; i < MAX_USER_CHECKS && g_user_checks[i] != NULL; i++) {
		if (g_user_checks[i](what, sizeof(what))) {
			SRT_ERR("spdkrt_env_fini: refused: %s still exist in the environment's memory; "
				"destroy them first (the environment stays up)",
				what);
			return true;
		}
	}
	return false;
}

void spdkrt_env_fini(void)
{
	if (spdkrt_env_is_initialized() && users_alive())
		return;
	pthread_mutex_lock(&g_env_lock);
	if (g_state == ENV_READY) {
		g_backend->fini();
		srt_pci_allow_set(NULL, 0);
		g_state = g_backend->once_per_process ? ENV_FINISHED : ENV_UNINITIALIZED;
	}
	pthread_mutex_unlock(&g_env_lock);
}

/* The memory calls are lock-free: the env must outlive every buffer (a documented rule). */
static bool env_ready(const char *fn)
{
	if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != ENV_READY) {
		SRT_ERR("%s: the environment is not initialised (call spdkrt_env_init first)", fn);
		return false;
	}
	return true;
}

/* Limits that keep size + alignment from wrapping, and the alignment inside DPDK's 32 bits. */
#define DMA_MAX_ALIGN (1u << 31)
#define DMA_MAX_SIZE (SIZE_MAX / 4)

static void *dma_alloc(const char *fn, size_t size, size_t align, int socket, bool zero,
		       bool contig)
{
	void *buf;

	if (!env_ready(fn))
		return NULL;
	if (size == 0 || (align & (align - 1)) != 0) {
		SRT_ERR("%s: invalid size %zu or alignment %zu (a power of two, or 0)", fn, size,
			align);
		return NULL;
	}
	/* DPDK takes a 32-bit alignment: a larger one would silently become the default. */
	if (align > DMA_MAX_ALIGN || size > DMA_MAX_SIZE) {
		SRT_ERR("%s: size %zu or alignment %zu is too large (at most %llu bytes aligned to "
			"%u)",
			fn, size, align, (unsigned long long)DMA_MAX_SIZE, DMA_MAX_ALIGN);
		return NULL;
	}
	if (socket < SPDKRT_ENV_SOCKET_ANY ||
	    (socket >= 0 && (uint32_t)socket >= spdkrt_env_get_numa_node_count())) {
		SRT_ERR("%s: socket %d does not exist (%u NUMA nodes; SPDKRT_ENV_SOCKET_ANY for any)",
			fn, socket, spdkrt_env_get_numa_node_count());
		return NULL;
	}
	buf = g_backend->dma_malloc(size, align == 0 ? 64 : align, socket, contig);
	if (buf == NULL)
		SRT_ERR("%s: out of DMA memory for %zu bytes%s (raise mem_size_mb)", fn, size,
			contig ? " in one IOVA-contiguous piece" : "");
	else if (zero)
		memset(buf, 0, size);
	return buf;
}

void *spdkrt_dma_malloc(size_t size, size_t align, int socket)
{
	return dma_alloc(__func__, size, align, socket, false, false);
}

void *spdkrt_dma_zmalloc(size_t size, size_t align, int socket)
{
	return dma_alloc(__func__, size, align, socket, true, false);
}

void *spdkrt_dma_malloc_contig(size_t size, size_t align, int socket)
{
	return dma_alloc(__func__, size, align, socket, false, true);
}

void *spdkrt_dma_zmalloc_contig(size_t size, size_t align, int socket)
{
	return dma_alloc(__func__, size, align, socket, true, true);
}

void spdkrt_dma_free(void *buf)
{
	if (buf != NULL && env_ready(__func__))
		g_backend->dma_free(buf);
}

uint64_t spdkrt_dma_iova(const void *ptr)
{
	size_t contiguous;

	if (ptr == NULL || __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != ENV_READY)
		return SPDKRT_IOVA_INVALID;
	return g_backend->dma_translate(ptr, 1, &contiguous);
}

uint64_t spdkrt_vtophys(const void *ptr, size_t *len)
{
	size_t want = len == NULL ? 1 : (*len == 0 ? SIZE_MAX : *len);
	size_t contiguous = 0;
	uint64_t iova = SPDKRT_IOVA_INVALID;

	if (ptr != NULL && __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) == ENV_READY)
		iova = g_backend->dma_translate(ptr, want, &contiguous);
	if (len != NULL)
		*len = iova == SPDKRT_IOVA_INVALID ? 0 : (contiguous < want ? contiguous : want);
	return iova;
}

#define MEM_REGISTER_ALIGN ((size_t)2 << 20)

static int check_region(const char *fn, const void *vaddr, size_t len)
{
	if (!env_ready(fn))
		return -ENODEV;
	if (vaddr == NULL || len == 0 || (uintptr_t)vaddr % MEM_REGISTER_ALIGN != 0 ||
	    len % MEM_REGISTER_ALIGN != 0 || (uintptr_t)vaddr + len < (uintptr_t)vaddr) {
		SRT_ERR("%s: region %p + %zu must be non-empty with address and length multiples of "
			"2 MiB",
			fn, vaddr, len);
		return -EINVAL;
	}
	return 0;
}

int spdkrt_mem_register(void *vaddr, size_t len)
{
	int rc = check_region(__func__, vaddr, len);

	if (rc != 0)
		return rc;
	rc = g_backend->mem_register(vaddr, len);
	if (rc == -EEXIST)
		SRT_ERR("%s: %p + %zu overlaps a registered region", __func__, vaddr, len);
	else if (rc != 0)
		SRT_ERR("%s: cannot register %p + %zu for DMA: %s", __func__, vaddr, len,
			strerror(-rc));
	return rc;
}

int spdkrt_mem_unregister(void *vaddr, size_t len)
{
	int rc = check_region(__func__, vaddr, len);

	if (rc != 0)
		return rc;
	rc = g_backend->mem_unregister(vaddr, len);
	if (rc != 0)
		SRT_ERR("%s: %p + %zu is not a registered region", __func__, vaddr, len);
	return rc == -ENOENT ? -EINVAL : rc;
}

void *srt_dma_iova_to_vaddr(uint64_t iova, size_t len)
{
	if (len == 0 || iova == SPDKRT_IOVA_INVALID ||
	    __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != ENV_READY)
		return NULL;
	return g_backend->iova_to_vaddr(iova, len);
}

bool srt_env_uses_dpdk(void)
{
	return __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) == ENV_READY &&
	       g_backend == &srt_env_dpdk_backend;
}

enum spdkrt_iova_mode srt_env_iova_mode(void)
{
	if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != ENV_READY)
		return SPDKRT_IOVA_MODE_AUTO;
	return g_backend->iova_mode();
}

static bool env_has_core(uint32_t core)
{
	return __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) == ENV_READY &&
	       srt_core_set_has(&g_config.cores, core);
}

uint32_t spdkrt_env_get_core_count(void)
{
	return spdkrt_env_is_initialized() ? srt_core_set_count(&g_config.cores) : 0;
}

uint32_t spdkrt_env_get_first_core(void)
{
	return spdkrt_env_get_next_core(SPDKRT_ENV_CORE_INVALID);
}

uint32_t spdkrt_env_get_next_core(uint32_t prev)
{
	if (!spdkrt_env_is_initialized())
		return SPDKRT_ENV_CORE_INVALID;
	return srt_core_set_next(&g_config.cores, prev);
}

uint32_t spdkrt_env_get_main_core(void)
{
	return spdkrt_env_is_initialized() ? g_config.main_core : SPDKRT_ENV_CORE_INVALID;
}

uint32_t spdkrt_env_get_current_core(void)
{
	if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != ENV_READY)
		return SPDKRT_ENV_CORE_INVALID;
	return g_backend->current_core();
}

int spdkrt_env_get_socket_id(uint32_t core)
{
	if (!env_has_core(core)) {
		SRT_ERR("spdkrt_env_get_socket_id: core %u is not a core of the environment%s",
			core, spdkrt_env_is_initialized() ? "" : " (it is not initialised)");
		return -EINVAL;
	}
	return g_backend->socket_of_core(core);
}

uint32_t spdkrt_env_get_numa_node_count(void)
{
	int n;

	if (numa_available() < 0)
		return 1;
	n = numa_num_configured_nodes();
	return n > 0 ? (uint32_t)n : 1;
}

int srt_env_launch(uint32_t core, int (*fn)(void *arg), void *arg)
{
	if (!env_has_core(core) || core == g_config.main_core || fn == NULL)
		return -EINVAL;
	return g_backend->launch(core, fn, arg);
}

int srt_env_wait(uint32_t core)
{
	if (!env_has_core(core) || core == g_config.main_core)
		return -EINVAL;
	return g_backend->wait(core);
}
