/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The production env backend over DPDK's EAL (stable API only). Compiled alone with DPDK's
 * cflags; no DPDK type leaves this file.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "env/backend.h"
#include "env/dpdk_dma.h"
#include "env/runtime_dir.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

#define MAX_EAL_ARGS 64

static FILE *g_log_stream;
static char g_runtime_dir[4096];
/* Set once rte_eal_init has run: only from then on can this process not init again. */
static bool g_eal_called;

/* DPDK writes formatted text to this stream; forward it line by line to spdkrt's sink. */
static ssize_t dpdk_log_write(void *cookie, const char *buf, size_t size)
{
	static const enum spdkrt_log_level by_dpdk_level[] = {
		[RTE_LOG_EMERG] = SPDKRT_LOG_ERROR,  [RTE_LOG_ALERT] = SPDKRT_LOG_ERROR,
		[RTE_LOG_CRIT] = SPDKRT_LOG_ERROR,   [RTE_LOG_ERR] = SPDKRT_LOG_ERROR,
		[RTE_LOG_WARNING] = SPDKRT_LOG_WARN, [RTE_LOG_NOTICE] = SPDKRT_LOG_INFO,
		[RTE_LOG_INFO] = SPDKRT_LOG_INFO,    [RTE_LOG_DEBUG] = SPDKRT_LOG_DEBUG,
	};
	int dpdk_level = rte_log_cur_msg_loglevel();
	enum spdkrt_log_level level = SPDKRT_LOG_INFO;
	char line[1024];
	size_t start = 0;

	(void)cookie;
	if (dpdk_level > 0 && dpdk_level <= (int)RTE_LOG_DEBUG)
		level = by_dpdk_level[dpdk_level];
	while (start < size) {
		size_t end = start;
		size_t len;

		while (end < size && buf[end] != '\n')
			end++;
		len = end - start < sizeof(line) - 1 ? end - start : sizeof(line) - 1;
		memcpy(line, buf + start, len);
		line[len] = '\0';
		if (len > 0 && srt_log_enabled(level))
			srt_log_line(level, "dpdk", line);
		start = end + 1;
	}
	return (ssize_t)size;
}

/* DPDK's threshold follows spdkrt's level, one notch quieter: its notices are chatter. */
static int dpdk_log_level(void)
{
	switch (spdkrt_log_get_level()) {
	case SPDKRT_LOG_ERROR:
		return RTE_LOG_ERR;
	case SPDKRT_LOG_WARN:
	case SPDKRT_LOG_NOTICE:
		return RTE_LOG_WARNING;
	case SPDKRT_LOG_INFO:
		return RTE_LOG_INFO;
	default:
		return RTE_LOG_DEBUG;
	}
}

/* Reads a /proc/meminfo field in kB units or pages; -1 when absent. */
static long meminfo_value(const char *field)
{
	char line[256];
	long value = -1;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			value = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

static bool hugetlbfs_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}

/* DPDK reports missing hugepages as EACCES or with no errno at all: check first, explain. */
static int check_hugepages(const struct srt_env_config *config)
{
	long free_pages = meminfo_value("HugePages_Free");

	if (free_pages <= 0) {
		SRT_ERR("no free hugepages: reserve some as root, e.g. 'echo 1024 > "
			"/proc/sys/vm/nr_hugepages' (or scripts/setup.sh), or set no_huge to run "
			"on ordinary memory without real devices");
		return -ENOMEM;
	}
	if (config->hugepage_dir == NULL && !hugetlbfs_mounted()) {
		SRT_ERR("%ld hugepages are free but no hugetlbfs is mounted: run 'mkdir -p "
			"/dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages', or set no_huge",
			free_pages);
		return -ENOMEM;
	}
	return 0;
}

struct eal_argv {
	int argc;
	char *argv[MAX_EAL_ARGS];
};

static int add_arg(struct eal_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_arg(struct eal_argv *a, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (a->argc >= MAX_EAL_ARGS - 1)
		return -E2BIG;
	va_start(ap, fmt);
	rc = vasprintf(&a->argv[a->argc], fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	a->argc++;
	return 0;
}

static void free_args(struct eal_argv *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

static int build_args(const struct srt_env_config *c, struct eal_argv *a)
{
	char cores[512];
	int rc = 0;

	if (srt_core_set_format(&c->cores, cores, sizeof(cores)) != 0)
		return -E2BIG;
	rc |= add_arg(a, "%s", c->name);
	rc |= add_arg(a, "-l");
	rc |= add_arg(a, "%s", cores);
	rc |= add_arg(a, "--main-lcore=%u", c->main_core);
	/* spdkrt's own PCI layer claims devices; DPDK's PMDs (e.g. its I/OAT dmadev) must not. */
	rc |= add_arg(a, "--no-pci");
	rc |= add_arg(a, "--no-telemetry");
	rc |= add_arg(a, "--log-level=%d", dpdk_log_level());
	if (c->file_prefix != NULL)
		rc |= add_arg(a, "--file-prefix=%s", c->file_prefix);
	else
		rc |= add_arg(a, "--file-prefix=" SRT_RUNTIME_PREFIX "%ld", (long)getpid());
	if (c->no_huge)
		rc |= add_arg(a, "--no-huge");
	if (c->mem_size_mb != 0) {
		rc |= add_arg(a, "-m");
		rc |= add_arg(a, "%zu", c->mem_size_mb);
	}
	if (c->socket_mem != NULL)
		rc |= add_arg(a, "--socket-mem=%s", c->socket_mem);
	if (c->hugepage_dir != NULL)
		rc |= add_arg(a, "--huge-dir=%s", c->hugepage_dir);
	if (c->iova_mode == SPDKRT_IOVA_MODE_PA)
		rc |= add_arg(a, "--iova-mode=pa");
	else if (c->iova_mode == SPDKRT_IOVA_MODE_VA)
		rc |= add_arg(a, "--iova-mode=va");
	for (size_t i = 0; i < c->num_eal_args; i++)
		rc |= add_arg(a, "%s", c->eal_args[i]);
	return rc == 0 ? 0 : -E2BIG;
}

static bool dpdk_consumed(void)
{
	return g_eal_called;
}

static int dpdk_init(const struct srt_env_config *config)
{
	cookie_io_functions_t log_fns = { .write = dpdk_log_write };
	char *argv_copy[MAX_EAL_ARGS];
	struct eal_argv args = { 0 };
	cpu_set_t saved_affinity;
	bool restore_affinity;
	int rc;

	if (!config->no_huge) {
		rc = check_hugepages(config);
		if (rc != 0)
			return rc;
	}
	rc = build_args(config, &args);
	if (rc != 0) {
		SRT_ERR("too many EAL arguments (at most %d)", MAX_EAL_ARGS - 1);
		free_args(&args);
		return rc;
	}
	if (g_log_stream == NULL) {
		g_log_stream = fopencookie(NULL, "w", log_fns);
		if (g_log_stream != NULL) {
			setvbuf(g_log_stream, NULL, _IOLBF, 0);
			rte_openlog_stream(g_log_stream);
		}
	}
	/* rte_eal_init rewrites argv; keep our own copy of the pointers to free. */
	memcpy(argv_copy, args.argv, sizeof(char *) * (size_t)args.argc);
	argv_copy[args.argc] = NULL;
	restore_affinity = pthread_getaffinity_np(pthread_self(), sizeof(saved_affinity),
						  &saved_affinity) == 0;
	if (config->file_prefix == NULL)
		srt_runtime_dir_remove_stale();
	g_eal_called = true;
	rc = rte_eal_init(args.argc, argv_copy);
	if (restore_affinity)
		pthread_setaffinity_np(pthread_self(), sizeof(saved_affinity), &saved_affinity);
	free_args(&args);
	if (rc < 0) {
		int err = rte_errno;

		if (err == ENOMEM)
			SRT_ERR("DPDK could not reserve the memory asked for: lower mem_size_mb, "
				"reserve more hugepages, or set no_huge");
		else if (err == EALREADY)
			SRT_ERR("DPDK's EAL was already initialised in this process by someone else");
		else if (err == 0)
			SRT_ERR("DPDK init failed: another process holds the runtime files of this "
				"file_prefix; give each process its own file_prefix");
		else
			SRT_ERR("DPDK init failed: %s (raise the log level to debug for DPDK's "
				"messages)",
				strerror(err));
		return err == 0 ? -EBUSY : -err;
	}
	snprintf(g_runtime_dir, sizeof(g_runtime_dir), "%s",
		 config->file_prefix == NULL ? rte_eal_get_runtime_dir() : "");
	return 0;
}

static void dpdk_fini(void)
{
	srt_dpdk_dma_fini();
	rte_eal_cleanup();
	/* A prefix spdkrt made up is private to this process: leave nothing behind. */
	if (g_runtime_dir[0] != '\0')
		srt_runtime_dir_remove(g_runtime_dir);
	g_runtime_dir[0] = '\0';
}

static enum spdkrt_iova_mode dpdk_iova_mode(void)
{
	return rte_eal_iova_mode() == RTE_IOVA_PA ? SPDKRT_IOVA_MODE_PA : SPDKRT_IOVA_MODE_VA;
}

static uint32_t dpdk_current_core(void)
{
	unsigned id = rte_lcore_id();

	return id == LCORE_ID_ANY ? SPDKRT_ENV_CORE_INVALID : id;
}

static int dpdk_socket_of_core(uint32_t core)
{
	return (int)rte_lcore_to_socket_id(core);
}

static int dpdk_launch(uint32_t core, int (*fn)(void *arg), void *arg)
{
	return -rte_eal_remote_launch(fn, arg, core);
}

static int dpdk_wait(uint32_t core)
{
	return rte_eal_wait_lcore(core);
}

const struct srt_env_backend srt_env_dpdk_backend = {
	.name = "dpdk",
	.once_per_process = true,
	.consumed = dpdk_consumed,
	.init = dpdk_init,
	.fini = dpdk_fini,
	.dma_malloc = srt_dpdk_dma_malloc,
	.dma_free = srt_dpdk_dma_free,
	.dma_translate = srt_dpdk_dma_translate,
	.mem_register = srt_dpdk_mem_register,
	.mem_unregister = srt_dpdk_mem_unregister,
	.iova_to_vaddr = srt_dpdk_iova_to_vaddr,
	.iova_mode = dpdk_iova_mode,
	.current_core = dpdk_current_core,
	.socket_of_core = dpdk_socket_of_core,
	.launch = dpdk_launch,
	.wait = dpdk_wait,
};
